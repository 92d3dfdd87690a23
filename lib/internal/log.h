// The library's spdlog logger, named "nethttp": Go's Server.ErrorLog. Apps
// set its level from --log-level; tests leave it at warn.
#ifndef NETHTTP_INTERNAL_LOG_H_
#define NETHTTP_INTERNAL_LOG_H_

#include <spdlog/spdlog.h>

#include <string_view>

namespace nethttp {

// Log returns the "nethttp" logger (stderr, created on first use).
spdlog::logger& Log();

// SetLogLevel parses trace|debug|info|warn|error|off; false if unknown.
bool SetLogLevel(std::string_view level);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_LOG_H_
