// httptest (Go: net/http/httptest): what a user's own tests need to test
// handlers. ResponseRecorder runs a handler with no socket at all; Server
// runs it behind a real listener on 127.0.0.1, on a loop thread of its own,
// so that a test can call it with the blocking client.
#ifndef NETHTTP_HTTPTEST_H_
#define NETHTTP_HTTPTEST_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "nethttp/client.h"
#include "nethttp/error.h"
#include "nethttp/handler.h"
#include "nethttp/header.h"
#include "nethttp/request.h"
#include "nethttp/response.h"
#include "nethttp/server.h"

namespace nethttp::httptest {

// ResponseRecorder is a ResponseWriter that records what a handler does
// (Go: httptest.ResponseRecorder): call handler.ServeHTTP(*rec, req) and
// read code, body and Result(). As in Go, code starts at 200, a Write
// before any WriteHeader sets a Content-Type sniffed from the first bytes
// when the handler set none (and no Transfer-Encoding), and Result()'s
// header is the header as it was at WriteHeader while Header() stays the
// live one a handler may keep changing. Beyond Go it records the calls
// this library adds (Hold, Finish, Abort, CloseNotify), so that a held
// handler can be tested too: one made with NewRecorder hands out owning
// pointers from Hold; one on the stack hands out pointers that do not own
// it, and must outlive them. Output is never queued: Writable is always
// true and OnWritable runs its callback at once. One thread, no loop.
class ResponseRecorder : public ResponseWriter, public std::enable_shared_from_this<ResponseRecorder> {
 public:
  nethttp::Header& Header() override { return header_; }
  void WriteHeader(int status_code) override;
  // Write appends to body. After Finish or Abort it fails, where a server
  // would drop the bytes: a test should see that bug.
  nethttp::Error Write(std::string_view data) override;
  std::shared_ptr<ResponseWriter> Hold() override;
  void Finish() override { finished = true; }
  void Abort() override { aborted = true; }
  void Flush() override;
  bool Writable() override { return true; }
  void OnWritable(std::function<void()> f) override {
    if (f) f();
  }
  // CloseNotify keeps f in close_notify; a test runs it to play the client
  // going away.
  void CloseNotify(std::function<void()> f) override { close_notify = std::move(f); }

  // Result is the response as a client would get it (Go: Result): the
  // status, the header as it was at WriteHeader, content_length from its
  // Content-Length (-1 without one), and body streaming the bytes written,
  // whose Trailer() holds the trailers the server would send (the fields
  // the "Trailer" header declared, and TrailerPrefix ones), as Go's does.
  Response Result() const;

  int code = 200;                     // the status of the first WriteHeader
  std::string body;                   // every byte written
  bool wrote_header = false;          // WriteHeader was called, or implied by Write or Flush
  int superfluous_write_headers = 0;  // WriteHeader calls after the first
  bool held = false;                  // Hold was called
  bool finished = false;              // Finish was called
  bool flushed = false;               // Flush was called (Go: Flushed)
  bool aborted = false;               // Abort was called
  std::function<void()> close_notify;  // the last CloseNotify callback

 private:
  nethttp::Header header_;
  nethttp::Header snap_header_;  // header_ at the first WriteHeader
};

// NewRecorder returns a fresh recorder (Go: httptest.NewRecorder).
std::shared_ptr<ResponseRecorder> NewRecorder();

// NewRequest returns a server-side Request for a handler under test (Go:
// httptest.NewRequest): target is a path ("/x?q=1") or an absolute URL,
// the body is in r.body as the server would leave it, host is
// "example.com" unless the target names one, and remote_addr is
// "192.0.2.1:1234", as Go's; an https target sets r.tls (TLS 1.2, the
// host as its server name), as Go's does. An invalid method or target is
// an error, not Go's panic.
Result<Request> NewRequest(std::string_view method, std::string_view target, std::string body = {});

// Server is a real Server on 127.0.0.1 with a free port, serving on a loop
// of its own on a thread of its own (Go: httptest.Server), so that the
// test's thread can use the blocking client against it.
class Server {
 public:
  ~Server();  // Close
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // URL is "http://127.0.0.1:PORT", without a trailing slash.
  const std::string& URL() const { return url_; }
  // Client returns a Client on DefaultLoop() (the process's one loop, so
  // one thread at a time), whose idle connections to this server Close
  // drops (Go: Server.Client). Use it, and Close, from that thread.
  nethttp::Client Client();
  // Close shuts the server down and returns once its thread has ended:
  // in-flight requests finish, as in Go, for up to five seconds, after
  // which what is still open is closed (Go waits for ever and says so in
  // its log; a test stuck there is worse). Any thread but the server's.
  void Close();

 private:
  friend Result<std::unique_ptr<Server>> NewServer(std::shared_ptr<Handler> handler,
                                                   std::function<void(nethttp::Server&)> configure);
  Server() = default;
  struct State;
  std::shared_ptr<State> state_;
  std::thread thread_;
  std::string url_;
  std::shared_ptr<Transport> transport_;  // Client's, made on first use
};

// NewServer starts a Server for handler (Go: httptest.NewServer);
// configure, when given, sets the nethttp::Server's knobs (timeouts,
// limits, conn_state) before it listens, as Go's NewUnstartedServer and
// Config do. It fails only when the listener cannot be made.
Result<std::unique_ptr<Server>> NewServer(std::shared_ptr<Handler> handler,
                                          std::function<void(nethttp::Server&)> configure = nullptr);

}  // namespace nethttp::httptest

#endif  // NETHTTP_HTTPTEST_H_
