// httptest (Go: net/http/httptest/recorder.go, httptest.go, server.go): a
// recording ResponseWriter, a request for a handler under test, and a real
// server on a loop thread of its own for tests that need a socket.
#include "nethttp/httptest.h"

#include <chrono>
#include <future>
#include <mutex>
#include <utility>

#include "internal/ascii.h"
#include "internal/inbox.h"
#include "internal/log.h"
#include "internal/response_writer.h"
#include "internal/stream_body.h"
#include "nethttp/loop.h"
#include "nethttp/sniff.h"
#include "nethttp/status.h"
#include "nethttp/transport.h"

namespace nethttp::httptest {

void ResponseRecorder::WriteHeader(int status_code) {
  // Go: a second WriteHeader is ignored (a server logs it as superfluous).
  if (wrote_header) {
    ++superfluous_write_headers;
    return;
  }
  if (status_code < 100 || status_code > 999) {
    // As the server answers it (Go's recorder panics, its server too).
    Log().error("http: invalid WriteHeader code {}", status_code);
    status_code = StatusInternalServerError;
  }
  code = status_code;
  wrote_header = true;
  snap_header_ = header_;
}

Error ResponseRecorder::Write(std::string_view data) {
  if (finished || aborted) return Error(ErrorCode::kInvalidArgument, "http: Write after Finish or Abort");
  if (!wrote_header) {
    // Go's writeHeader: sniff the first bytes when the handler named no type.
    if (!header_.Has("Content-Type") && header_.Get("Transfer-Encoding").empty()) {
      header_.Set("Content-Type", DetectContentType(data.substr(0, kSniffLen)));
    }
    WriteHeader(StatusOK);
  }
  body.append(data);
  return {};
}

std::shared_ptr<ResponseWriter> ResponseRecorder::Hold() {
  held = true;
  if (std::shared_ptr<ResponseRecorder> self = weak_from_this().lock()) return self;
  // Not made by NewRecorder: a pointer that does not own (an aliasing
  // shared_ptr without a control block); the test keeps the recorder alive.
  return std::shared_ptr<ResponseWriter>(std::shared_ptr<ResponseWriter>{}, this);
}

void ResponseRecorder::Flush() {
  if (!wrote_header) WriteHeader(StatusOK);
  flushed = true;
}

Response ResponseRecorder::Result() const {
  Response res;
  res.status_code = code == 0 ? StatusOK : code;
  res.status = std::to_string(res.status_code) + " " + std::string(StatusText(res.status_code));
  res.header = wrote_header ? snap_header_ : header_;
  // Go: parseContentLength, -1 for a missing or malformed value.
  res.content_length = -1;
  std::string_view cl = TrimString(res.header.Get("Content-Length"));
  if (!cl.empty() && cl.size() <= 18 && cl.find_first_not_of("0123456789") == std::string_view::npos) {
    res.content_length = std::stoll(std::string(cl));
  }
  auto stream = std::make_shared<StreamBody>(nullptr);
  stream->Deliver(body);
  // Go's Result: the declared trailers' values and the prefixed ones, as
  // the server would send them after the body.
  stream->End(Error(), FinalTrailers(header_));
  res.body = std::move(stream);
  return res;
}

std::shared_ptr<ResponseRecorder> NewRecorder() { return std::make_shared<ResponseRecorder>(); }

Result<Request> NewRequest(std::string_view method, std::string_view target, std::string body) {
  if (method.empty()) method = "GET";
  for (char c : method) {
    if (!IsTokenByte(c)) return Error(ErrorCode::kInvalidArgument, "httptest: invalid method");
  }
  Request r;
  r.method = std::string(method);
  Result<URL> url = ParseRequestURI(target);
  if (!url.ok()) return url.error();
  r.url = std::move(*url);
  r.request_uri = std::string(target);
  r.host = r.url.host.empty() ? "example.com" : r.url.host;
  r.content_length = static_cast<int64_t>(body.size());
  r.body = std::move(body);
  r.remote_addr = "192.0.2.1:1234";  // TEST-NET-1 (RFC 5737), as Go's
  if (target.starts_with("https://")) {
    // As Go's: a request that came over TLS 1.2 for its host.
    auto tls = std::make_shared<ConnectionState>();
    tls->version = 0x0303;
    tls->server_name = r.host;
    r.tls = std::move(tls);
  }
  return r;
}

// State is what Close shares with the server's thread: a way to post the
// shutdown to its loop while that loop runs, and nothing once it has ended.
struct Server::State {
  std::mutex mu;
  Inbox* inbox = nullptr;          // guarded by mu; null once the loop has ended
  std::function<void()> shutdown;  // runs on the server's thread
};

namespace {
constexpr std::chrono::seconds kCloseTimeout{5};
}  // namespace

Result<std::unique_ptr<Server>> NewServer(std::shared_ptr<Handler> handler,
                                          std::function<void(nethttp::Server&)> configure) {
  std::unique_ptr<Server> s(new Server());
  s->state_ = std::make_shared<Server::State>();
  std::promise<Result<std::string>> ready;
  std::future<Result<std::string>> listening = ready.get_future();
  // The promise moves into the thread: set_value may still be waking the
  // future when NewServer has returned and its frame is gone.
  s->thread_ = std::thread([state = s->state_, handler = std::move(handler), configure = std::move(configure),
                            ready = std::move(ready)]() mutable {
    // The loop outlives the server, which outlives the run: the Server's
    // destructor may still close handles of the loop.
    Loop loop;
    {
      nethttp::Server srv;
      srv.addr = "127.0.0.1:0";
      srv.handler = handler;
      if (configure) configure(srv);
      srv.loop = &loop;
      if (Error err = srv.Listen()) {
        ready.set_value(err);
        return;
      }
      bool stopped = false;
      Inbox* inbox = Inbox::New(loop.get());
      {
        std::lock_guard<std::mutex> lock(state->mu);
        state->inbox = inbox;
        state->shutdown = [&srv, &stopped] {
          srv.Shutdown(kCloseTimeout, [&stopped](Error err) {
            if (err) Log().warn("httptest: Server.Close: {}", err.message());
            stopped = true;
          });
        };
      }
      ready.set_value("http://" + srv.ListenAddr());
      loop.RunUntil([&stopped] { return stopped; });
      {
        std::lock_guard<std::mutex> lock(state->mu);
        state->inbox = nullptr;
        state->shutdown = nullptr;
      }
      inbox->Close();
    }
    // ~Loop closes what is left (a handler's pooled client connections,
    // say) and runs the close callbacks: running the loop here instead
    // would wait for their idle timers.
  });
  Result<std::string> url = listening.get();
  if (!url.ok()) {
    s->thread_.join();
    return url.error();
  }
  s->url_ = std::move(*url);
  return s;
}

Server::~Server() { Close(); }

nethttp::Client Server::Client() {
  if (transport_ == nullptr) transport_ = std::make_shared<Transport>();
  nethttp::Client c;
  c.transport = transport_;
  return c;
}

void Server::Close() {
  if (!thread_.joinable()) return;
  if (transport_ != nullptr) transport_->CloseIdleConnections();
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->inbox != nullptr) state_->inbox->Post(state_->shutdown);
  }
  thread_.join();
}

}  // namespace nethttp::httptest
