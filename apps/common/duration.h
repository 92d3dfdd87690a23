// ParseDuration reads the flag form of a timeout: Go's time.ParseDuration
// subset ("5s", "250ms", "1m30s", "0") or a bare number of seconds ("2.5").
#ifndef NETHTTP_APPS_COMMON_DURATION_H_
#define NETHTTP_APPS_COMMON_DURATION_H_

#include <chrono>
#include <optional>
#include <string_view>

namespace apps {

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view s);

}  // namespace apps

#endif  // NETHTTP_APPS_COMMON_DURATION_H_
