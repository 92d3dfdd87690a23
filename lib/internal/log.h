// The library's side of logging: Log(), SetLogger and SetLogLevel are public
// (nethttp/log.h); this header adds the rest of spdlog that library files
// use beside them, so they keep one include for logging.
#ifndef NETHTTP_INTERNAL_LOG_H_
#define NETHTTP_INTERNAL_LOG_H_

#include <spdlog/spdlog.h>

#include "nethttp/log.h"

#endif  // NETHTTP_INTERNAL_LOG_H_
