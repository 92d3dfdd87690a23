// Handler and ResponseWriter: the contract between the server and the code
// that answers requests (Go: Handler, HandlerFunc, ResponseWriter), plus the
// small ready-made handlers Go offers (NotFound, HttpError, Redirect).
//
// Ownership, one rule for the whole API: an object the library keeps and
// calls into later is held by std::shared_ptr, so it lives as long as
// anything still uses it, as a Go value lives while it is referenced. That
// covers Server::handler, ServeMux::Handle's handlers, Client::transport and
// Client::jar; make them with std::make_shared and drop your copy whenever
// you like. A null pointer means the default (DefaultServeMux(),
// DefaultTransport(), no jar), as nil does in Go. The one exception is the
// Loop (Server::loop, Client::loop, Transport's constructor): everything
// runs on it, so it is lent by raw pointer and must outlive every object
// on it, as the Go runtime outlives the program's goroutines. What a call
// only uses while it runs (a ResponseWriter&, a Request&) is a reference.
#ifndef NETHTTP_HANDLER_H_
#define NETHTTP_HANDLER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "nethttp/header.h"
#include "nethttp/request.h"
#include "nethttp/task.h"

namespace nethttp {

// TrailerPrefix marks a header key as a trailer field to send after the
// body, for trailers not known when the head is written (Go:
// http.TrailerPrefix): w.Header().Set(TrailerPrefix + "Checksum", sum)
// once the body is written. Trailers known up front are declared in the
// "Trailer" header before the head goes out, and their values set later.
// Either way the response is chunked, as trailers need.
inline constexpr std::string_view TrailerPrefix = "Trailer:";

// ResponseWriter is how a handler answers. Header() may be changed until the
// first WriteHeader or Write; WriteHeader sends the status line; Write sends
// body bytes (an implicit WriteHeader(200) comes first).
//
// Every method is pure: a writer must decide how it ends a response, and a
// default Hold could only return a pointer that skips the writer. Middleware
// that wraps the writer it was given derives from ResponseWriterWrapper
// below, which forwards them all and holds correctly, and overrides only
// what it changes.
class DrainAwaiter;
class HijackedConn;

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
  // Abort ends the response unfinished, held or not: the connection closes
  // after what was already sent, so the client sees a cut body (or no
  // response) rather than a clean end. A relay whose upstream broke off
  // mid-body calls it (Go: panic(http.ErrAbortHandler)).
  virtual void Abort() = 0;

  // Flush sends the head and the body written so far now (Go:
  // http.Flusher), where they would otherwise wait for the handler to
  // return or for 4 KiB to build up; the response is then chunked unless
  // the handler set a Content-Length. A held response needs no Flush: what
  // its callbacks write leaves at the end of each loop turn.
  virtual void Flush() = 0;

  // Writable reports whether the connection's unsent output is below its
  // high-water mark (kWriteHighWater). A handler streaming a large body
  // writes while it is true and then waits for OnWritable; one that
  // ignores it still works, but buffers all it writes (Node: write()
  // returning false; Go's Write blocks instead). Once the connection is
  // gone Writable is true and Write fails: a writer must check Write.
  virtual bool Writable() = 0;
  // OnWritable calls f once, on the loop, when the unsent output has
  // drained to the low-water mark (at the end of this loop turn if it
  // already has), or when the connection goes away first: then Write
  // fails, which is how f tells. A later call replaces an earlier f.
  virtual void OnWritable(std::function<void()> f) = 0;
  // Drain is Writable and OnWritable for a coroutine: `co_await w.Drain()`
  // returns at once while the output is below the high-water mark, else
  // once it has drained to the low-water mark, so a coroutine streaming a
  // large body writes as fast as the client reads and buffers no more:
  //   while (more) { w.Write(Next()); co_await w.Drain(); }
  // It gives an empty Error, or the Cancelation's when the client left
  // first (a coroutine handler's Task is canceled then; after that, or
  // from a Task that is not canceled, a Write that fails says so).
  DrainAwaiter Drain();
  // CloseNotify calls f once if the client goes away before the response
  // is finished (Go: Request.Context().Done(), the older CloseNotifier): it
  // closed or reset the connection, or a deadline closed it. As in Go, the
  // client half-closing (its EOF) counts as going away. A held response's
  // connection keeps reading to notice, until a byte of another request
  // arrives: as in Go, a client that pipelines is not read further, and
  // its leaving is not noticed until its turn.
  // A later call replaces an earlier f.
  virtual void CloseNotify(std::function<void()> f) = 0;

  // Hijack hands the connection to the handler (Go: http.Hijacker), for a
  // protocol other than HTTP after the request: a WebSocket or other
  // Upgrade, a CONNECT tunnel. The server then does nothing more with it:
  // the response's later writes fail with kHijacked, and the handler owns
  // the HijackedConn (hijacked_conn.h), whose reads start with the bytes
  // that came after the request. A head the handler wrote first goes out
  // before the Hijack returns (Go flushes it too), so WriteHeader(101)
  // then Hijack sends the 101; or write the whole answer on the conn.
  // It fails once the response is finished, on a second call, and while
  // a streamed request body is still arriving (Go hands over the rest of
  // such a body as raw bytes; we refuse, so a tunnel cannot begin inside a
  // body another hop framed differently). Like Go's, the interface is
  // optional: a writer that cannot (httptest's recorder, TimeoutHandler's)
  // gives kNotSupported, which is this default. It is defined here, not in
  // handler.cc, so that ResponseWriter has no key function: every file that
  // uses the interface (cookie.cc in the fuzz targets) carries its typeinfo.
  virtual Result<std::shared_ptr<HijackedConn>> Hijack() {
    return Error(ErrorCode::kNotSupported, "http: this ResponseWriter does not support Hijack");
  }
};

// DrainAwaiter is what ResponseWriter::Drain returns.
class DrainAwaiter : public internal::OpAwaiter<nethttp::Error, DrainAwaiter> {
 public:
  explicit DrainAwaiter(ResponseWriter& w) : w_(&w) {}
  ~DrainAwaiter() { AbandonIfWaiting(); }

 private:
  friend class internal::OpAwaiter<nethttp::Error, DrainAwaiter>;
  nethttp::Error Canceled(const nethttp::Error& err) { return err; }
  void Start() {
    if (w_->Writable()) {
      Complete(nethttp::Error());
      return;
    }
    w_->OnWritable([this] { Complete(nethttp::Error()); });
  }
  void Stop(const nethttp::Error& err) {
    w_->OnWritable(nullptr);
    Complete(err);
  }
  void Abandon() { w_->OnWritable(nullptr); }

  ResponseWriter* w_;
};

inline DrainAwaiter ResponseWriter::Drain() { return DrainAwaiter(*this); }

// kWriteHighWater is where Writable turns false; kWriteLowWater is where
// OnWritable's callback runs. The gap keeps a streaming handler from
// waking for every few bytes the kernel takes.
inline constexpr size_t kWriteHighWater = 64 * 1024;
inline constexpr size_t kWriteLowWater = 16 * 1024;

// ResponseWriterWrapper is the base for middleware writers (Go code embeds
// the http.ResponseWriter it wraps; Go 1.20 names the inner one Unwrap).
// Each method forwards to the wrapped writer, so a subclass overrides only
// what it changes, calling the base to pass the call on.
//
// Hold keeps the wrapper in the chain: it holds the wrapped writer and
// returns this wrapper, so a held handler's later writes still go through
// it. That needs an owner for the wrapper once ServeHTTP has returned, so
// make the wrapper with std::make_shared when the handler below may Hold:
//
//   auto sw = std::make_shared<StatusWriter>(w);  // StatusWriter : ResponseWriterWrapper
//   next_->ServeHTTP(*sw, r);
//   if (!sw->held()) Log(sw->status);  // else its Finish override logs
//
// A wrapper on the stack cannot outlive ServeHTTP: its Hold returns the
// wrapped writer's held pointer, so writes after ServeHTTP skip it (they
// still reach the client). handler_test and server_test show both.
class ResponseWriterWrapper : public ResponseWriter,
                              public std::enable_shared_from_this<ResponseWriterWrapper> {
 public:
  // ResponseWriterWrapper wraps inner, which must outlive it unless Hold
  // is called (then the held pointer keeps inner alive).
  explicit ResponseWriterWrapper(ResponseWriter& inner) : inner_(&inner) {}

  nethttp::Header& Header() override { return inner_->Header(); }
  void WriteHeader(int status_code) override { inner_->WriteHeader(status_code); }
  nethttp::Error Write(std::string_view data) override { return inner_->Write(data); }
  // Hold holds the wrapped writer and returns this wrapper when a
  // shared_ptr owns it (see the class comment), else the wrapped writer's
  // held pointer. Calling it again returns the same.
  std::shared_ptr<ResponseWriter> Hold() override;
  // Finish finishes the wrapped writer. An override that does work at the
  // end of a held response calls this last.
  void Finish() override { inner_->Finish(); }
  void Abort() override { inner_->Abort(); }
  void Flush() override { inner_->Flush(); }
  bool Writable() override { return inner_->Writable(); }
  void OnWritable(std::function<void()> f) override { inner_->OnWritable(std::move(f)); }
  void CloseNotify(std::function<void()> f) override { inner_->CloseNotify(std::move(f)); }
  Result<std::shared_ptr<HijackedConn>> Hijack() override { return inner_->Hijack(); }

  // Unwrap returns the wrapped writer (Go 1.20: Unwrap).
  ResponseWriter& Unwrap() { return *inner_; }
  // held reports whether Hold has been called.
  bool held() const { return held_ != nullptr; }

 private:
  // inner_ is the wrapped writer; after Hold it is held_.get(), the same
  // object or the pointer a stack wrapper below returned, which outlives
  // the reference the constructor was given.
  ResponseWriter* inner_;
  std::shared_ptr<ResponseWriter> held_;
};

// Handler responds to an HTTP request (Go: http.Handler).
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void ServeHTTP(ResponseWriter& w, Request& r) = 0;

  // StreamsRequestBody says whether this handler reads r's body as a
  // stream (r.Body()) rather than from r.body. Go has no such question:
  // every Go handler gets a reader, and blocks on it. Here a handler that
  // streams is called as soon as the head is in, and reads the body as it
  // arrives, in constant memory and without limit but its own (see
  // MaxBytesReader); one that does not is called once the server has read
  // the whole body into r.body, up to Server::max_body_bytes, so it can be
  // written as straight-line code. The server asks with every field of r
  // but the body filled in, and only when there is something to decide: a
  // body that arrived whole with its head, within max_body_bytes, is just
  // read first (so even a streaming handler may find it in r.body, and
  // r.Body() streams it from there). Routers and middleware pass the
  // question on to the handler that will serve r. The default is no.
  virtual bool StreamsRequestBody(const Request& r) {
    (void)r;
    return false;
  }
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

// StreamingHandlerFunc is a HandlerFunc that streams request bodies: it
// answers yes to StreamsRequestBody, so f reads r.Body() as the bytes
// arrive. Go's HandlerFunc, for a body of any size.
class StreamingHandlerFunc : public HandlerFunc {
 public:
  using HandlerFunc::HandlerFunc;
  bool StreamsRequestBody(const Request&) override { return true; }
};

// CoroutineHandlerFunc adapts a coroutine taking (ResponseWriter&,
// Request&) to a Handler, Go's straight-line handler on the loop:
//
//   mux.HandleFunc("/relay", [](ResponseWriter& w, Request& r) -> Task<> {
//     auto resp = co_await client.DoAsync(NewRequest("GET", upstream).value());
//     if (!resp.ok()) co_return HttpError(w, resp.error().message(), 502);
//     auto body = co_await resp->body->ReadAllAsync();
//     ...
//   });
//
// A coroutine that finishes without suspending costs one frame more than
// a HandlerFunc. One that awaits holds the response (no Hold() to write)
// until it returns; w and r stay valid throughout, even after the client
// has gone. A client that goes away cancels the Task (task.h): what it
// awaits ends at once with "context canceled", and writes fail. An
// exception is answered 500 as from any handler (or cuts a response
// already begun). ServeMux::HandleFunc picks this adapter by itself for a
// callable that returns Task<>. Behind a middleware writer it takes over
// w.CloseNotify (on the connection's own writer, CloseNotify stays the
// handler's). A middleware writer on the stack (see
// ResponseWriterWrapper) would not outlive the first wait: wrap with
// std::make_shared.
class CoroutineHandlerFunc : public Handler {
 public:
  using Func = std::function<Task<>(ResponseWriter&, Request&)>;
  explicit CoroutineHandlerFunc(Func f) : f_(std::move(f)) {}
  void ServeHTTP(ResponseWriter& w, Request& r) override;

 private:
  Func f_;
};

// StreamingCoroutineHandlerFunc is a CoroutineHandlerFunc that streams
// request bodies (as StreamingHandlerFunc does): the coroutine runs once
// the head is in and reads the body as it arrives with
// `co_await r.Body()->Next()`, or whole with ReadAllAsync.
class StreamingCoroutineHandlerFunc : public CoroutineHandlerFunc {
 public:
  using CoroutineHandlerFunc::CoroutineHandlerFunc;
  bool StreamsRequestBody(const Request&) override { return true; }
};

// ReturnsTask: F is a coroutine handler, (ResponseWriter&, Request&) -> Task<>.
template <typename F>
concept ReturnsTask = std::is_same_v<std::invoke_result_t<F&, ResponseWriter&, Request&>, Task<>>;

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
// StripPrefix returns a handler that removes prefix from the request's
// URL path (and raw_path) and hands the request to h, or answers 404 when
// the path does not start with it (Go: http.StripPrefix). Go hands h a
// copy of the request; here the Request is changed in place, so that it
// stays valid for a handler below that holds its response.
std::shared_ptr<Handler> StripPrefix(std::string prefix, std::shared_ptr<Handler> h);

}  // namespace nethttp

#endif  // NETHTTP_HANDLER_H_
