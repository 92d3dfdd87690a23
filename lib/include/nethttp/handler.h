// Handler and ResponseWriter: the contract between the server and the code
// that answers requests (Go: Handler, HandlerFunc, ResponseWriter), plus the
// small ready-made handlers Go offers (NotFound, HttpError, Redirect).
#ifndef NETHTTP_HANDLER_H_
#define NETHTTP_HANDLER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "nethttp/header.h"
#include "nethttp/request.h"

namespace nethttp {

// ResponseWriter is how a handler answers. Header() may be changed until the
// first WriteHeader or Write; WriteHeader sends the status line; Write sends
// body bytes (an implicit WriteHeader(200) comes first).
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  virtual nethttp::Header& Header() = 0;
  // WriteHeader sends the response head with the status code. Calls after
  // the first are ignored with a log line, as in Go ("superfluous WriteHeader").
  virtual void WriteHeader(int status_code) = 0;
  // Write sends body bytes. It fails (and writes nothing) for a HEAD request's
  // body, a status that allows no body, past a declared Content-Length, or
  // once the connection has gone.
  virtual nethttp::Error Write(std::string_view data) = 0;

  // Hold keeps the response open after ServeHTTP returns; there is no Go
  // equivalent because a Go handler simply blocks its goroutine. A handler
  // that must wait (for a Client round trip, a timer) calls Hold(), keeps the
  // returned pointer, and calls Finish() on it when done; the connection reads
  // no further request meanwhile. If the peer goes away first, writes through
  // the held pointer fail and Finish() is harmless.
  virtual std::shared_ptr<ResponseWriter> Hold() = 0;
  // Finish completes a held response.
  virtual void Finish() = 0;
};

// Handler responds to an HTTP request (Go: http.Handler).
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void ServeHTTP(ResponseWriter& w, Request& r) = 0;
};

// HandlerFunc adapts any callable taking (ResponseWriter&, Request&) to a
// Handler (Go: http.HandlerFunc).
class HandlerFunc : public Handler {
 public:
  using Func = std::function<void(ResponseWriter&, Request&)>;
  explicit HandlerFunc(Func f) : f_(std::move(f)) {}
  void ServeHTTP(ResponseWriter& w, Request& r) override { f_(w, r); }

 private:
  Func f_;
};

// HttpError replies with the status code and msg as a plain-text body, with
// X-Content-Type-Options: nosniff. This is Go's http.Error, renamed because
// in C++ a function named Error would hide the Error value type.
void HttpError(ResponseWriter& w, std::string_view msg, int code);
// NotFound replies "404 page not found" (Go: http.NotFound).
void NotFound(ResponseWriter& w, Request& r);
// NotFoundHandler returns a handler that answers every request with NotFound.
std::shared_ptr<Handler> NotFoundHandler();
// Redirect replies with a redirect to url, which may be relative to the
// request path (Go: http.Redirect).
void Redirect(ResponseWriter& w, Request& r, std::string_view url, int code);
// RedirectHandler returns a handler that redirects every request to url.
std::shared_ptr<Handler> RedirectHandler(std::string url, int code);

}  // namespace nethttp

#endif  // NETHTTP_HANDLER_H_
