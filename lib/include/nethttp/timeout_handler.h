// TimeoutHandler (Go: http.TimeoutHandler): a time limit on a handler's
// answer. The handler writes into a buffer; the client gets that buffer if
// the handler finishes in time, and a 503 if it does not.
#ifndef NETHTTP_TIMEOUT_HANDLER_H_
#define NETHTTP_TIMEOUT_HANDLER_H_

#include <chrono>
#include <memory>
#include <string>

#include "nethttp/error.h"
#include "nethttp/handler.h"

namespace nethttp {

// ErrHandlerTimeout is what a timed-out handler's writes return (Go:
// ErrHandlerTimeout): code kTimeout, "http: Handler timeout".
Error ErrHandlerTimeout();

// TimeoutHandler returns a Handler that runs h with a limit of dt (Go:
// http.TimeoutHandler). h writes to a buffer of its own (status, header
// and body); when h finishes (returns without holding its response, or
// Finishes a held one) within dt, the buffer goes to the client as h
// wrote it. Otherwise the client gets 503 Service Unavailable with msg as
// the body (an HTML "Timeout" page when msg is empty), and from then on
// h's writes fail with ErrHandlerTimeout.
//
// Go cancels the request's context at the deadline; here h's
// w.CloseNotify callback runs, so a coroutine handler (which cancels its
// Task from CloseNotify behind a wrapper writer) stops at its next await,
// and a held callback handler learns it may stop. It also runs when the
// client goes away first. Only a handler that holds can run out of time:
// one that answers within ServeHTTP has finished before any timer could
// fire, however long it took (it blocked the loop, which no deadline
// interrupts).
//
// As in Go, nothing reaches the client before h finishes: Flush does
// nothing, and the whole body is buffered, so put it in front of handlers
// with bounded answers. Writable is always true and OnWritable runs its
// callback at once, since output goes to the buffer.
std::shared_ptr<Handler> TimeoutHandler(std::shared_ptr<Handler> h, std::chrono::milliseconds dt,
                                        std::string msg = {});

}  // namespace nethttp

#endif  // NETHTTP_TIMEOUT_HANDLER_H_
