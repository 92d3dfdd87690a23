// Logging: the one logger the library writes its diagnostics to, Go's
// Server.ErrorLog (one per process here, not per Server: clients, the
// cookie jar and the loop log too). It is an spdlog logger, so this header
// brings in spdlog; `pkg-config nethttp` already names spdlog, because the
// library links it either way.
//
// By default it writes to stderr (stdout stays the application's: post-json
// prints bodies there) at level warn, through a thread-safe sink, so that
// several loops on several threads may log at once.
//
// It is deliberately not in spdlog's registry: spdlog::get("nethttp") finds
// nothing, and spdlog::set_level or drop_all in the application do not reach
// it. The application changes it through SetLogger and SetLogLevel only.
#ifndef NETHTTP_LOG_H_
#define NETHTTP_LOG_H_

#include <spdlog/logger.h>

#include <memory>
#include <string_view>

#include "nethttp/error.h"

namespace nethttp {

// Log returns the logger in use. Safe from any thread. The reference stays
// valid until exit even after SetLogger replaces the logger (the library
// keeps every logger it was given), so a thread still writing to the old
// one never sees it destroyed.
spdlog::logger& Log();

// SetLogger makes logger the one the library writes to from now on, with
// whatever sinks, pattern and level it already has. nullptr restores the
// default logger (stderr, level as it was last set). Safe from any thread;
// a line being written concurrently goes to the old logger or the new one.
void SetLogger(std::shared_ptr<spdlog::logger> logger);

// SetLogLevel sets the level of the logger in use from its name: trace,
// debug, info, warn, error, critical or off. Any other name (spdlog's own
// aliases "warning" and "err" included: the set above is what --log-level
// documents) is kInvalidArgument and changes nothing.
Error SetLogLevel(std::string_view level);

}  // namespace nethttp

#endif  // NETHTTP_LOG_H_
