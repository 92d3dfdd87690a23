// The library's logger (nethttp/log.h): Go's Server.ErrorLog, one per
// process. The log calls on the request path read it with one atomic load,
// so replacing it takes no lock on their side.
#include "nethttp/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace nethttp {
namespace {

struct LogState {
  LogState() {
    // _mt: several loops on several threads share this sink (Server::workers).
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    fallback = std::make_shared<spdlog::logger>("nethttp", std::move(sink));
    fallback->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    fallback->set_level(spdlog::level::warn);
    current.store(fallback.get(), std::memory_order_release);
  }

  std::shared_ptr<spdlog::logger> fallback;  // the default, for SetLogger(nullptr)
  std::atomic<spdlog::logger*> current;
  // Every logger ever given to SetLogger, kept to the end: Log() hands out
  // plain references, which a thread may still hold when another replaces
  // the logger. A process sets its logger a handful of times, so this grows
  // by that handful.
  std::mutex mu;
  std::vector<std::shared_ptr<spdlog::logger>> given;
};

LogState& State() {
  // Never destroyed: a static destructor that logs late in exit still finds
  // its logger (and LSan sees it reachable through this pointer).
  static LogState* state = new LogState;
  return *state;
}

}  // namespace

spdlog::logger& Log() { return *State().current.load(std::memory_order_acquire); }

void SetLogger(std::shared_ptr<spdlog::logger> logger) {
  LogState& s = State();
  if (logger == nullptr) {
    s.current.store(s.fallback.get(), std::memory_order_release);
    return;
  }
  spdlog::logger* next = logger.get();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.given.push_back(std::move(logger));
  }
  s.current.store(next, std::memory_order_release);
}

Error SetLogLevel(std::string_view level) {
  // Our own table rather than spdlog::level::from_str, which maps every
  // unknown name to off: a typo in --log-level must be an error, not silence.
  struct Name {
    std::string_view name;
    spdlog::level::level_enum level;
  };
  static constexpr Name kNames[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  };
  for (const Name& n : kNames) {
    if (n.name == level) {
      Log().set_level(n.level);
      return Error();
    }
  }
  return Error(ErrorCode::kInvalidArgument,
               "invalid log level \"" + std::string(level) +
                   "\" (want trace, debug, info, warn, error, critical or off)");
}

}  // namespace nethttp
