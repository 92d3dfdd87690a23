// ParseWorkers reads a --workers flag: a count from 1 to 1024, or "auto"
// (returned as 0, which Server::workers takes as one per CPU the process
// may run on).
#ifndef NETHTTP_APPS_COMMON_WORKERS_H_
#define NETHTTP_APPS_COMMON_WORKERS_H_

#include <cstddef>
#include <optional>
#include <string_view>

namespace apps {

std::optional<size_t> ParseWorkers(std::string_view s);

}  // namespace apps

#endif  // NETHTTP_APPS_COMMON_WORKERS_H_
