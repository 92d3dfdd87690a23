// The "nethttp" logger. It writes to stderr so that an app's stdout stays
// for its output (post-json prints bodies there).
#include "internal/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <memory>
#include <string>

namespace nethttp {

spdlog::logger& Log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_st("nethttp");
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    l->set_level(spdlog::level::warn);
    return l;
  }();
  return *logger;
}

bool SetLogLevel(std::string_view level) {
  spdlog::level::level_enum lvl = spdlog::level::from_str(std::string(level));
  // from_str maps unknown names to off; accept "off" only when asked for.
  if (lvl == spdlog::level::off && level != "off") return false;
  Log().set_level(lvl);
  return true;
}

}  // namespace nethttp
