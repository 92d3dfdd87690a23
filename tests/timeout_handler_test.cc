// Tests for lib/timeout_handler.cc, behind a real listener
// (httptest::NewServer) and the blocking client: Go 1.19's
// TestTimeoutHandler cases (in time: the handler's answer as written; late:
// 503 with the message and ErrHandlerTimeout for later writes; the default
// body), plus what is ours: a held callback handler, and a coroutine
// handler canceled at the deadline.
#include "nethttp/timeout_handler.h"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "nethttp/client.h"
#include "nethttp/httptest.h"
#include "nethttp/loop.h"
#include "nethttp/serve_mux.h"
#include "nethttp/task.h"

namespace nethttp {
namespace {

using namespace std::chrono_literals;

struct Answer {
  int status = 0;
  Header header;
  std::string body;
};

Answer Get(httptest::Server& s, const std::string& path) {
  Client c = s.Client();
  Result<Response> res = c.Get(s.URL() + path);
  REQUIRE_MESSAGE(res.ok(), res.error().message());
  Result<std::string> body = res->body->ReadAllBlocking(DefaultLoop());
  REQUIRE(body.ok());
  return {res->status_code, res->header, *body};
}

TEST_SUITE("timeout_handler") {
  TEST_CASE("an answer within ServeHTTP passes through as written, header included") {
    auto inner = std::make_shared<ServeMux>();
    inner->HandleFunc("/now", [](ResponseWriter& w, Request&) {
      w.Header().Set("X-Inner", "1");
      w.Header().Add("X-Multi", "a");
      w.Header().Add("X-Multi", "b");
      w.WriteHeader(201);
      w.Write("made");
    });
    inner->HandleFunc("/plain", [](ResponseWriter& w, Request&) { w.Write("<html>x"); });
    auto ts = httptest::NewServer(TimeoutHandler(inner, 1s, "too slow"));
    REQUIRE(ts.ok());
    Answer a = Get(**ts, "/now");
    CHECK(a.status == 201);
    CHECK(a.body == "made");
    CHECK(a.header.Get("X-Inner") == "1");
    CHECK(a.header.Values("X-Multi").size() == 2);
    Answer plain = Get(**ts, "/plain");
    CHECK(plain.status == 200);
    CHECK(plain.header.Get("Content-Type") == "text/html; charset=utf-8");  // sniffed by the server
  }

  TEST_CASE("a held handler that finishes in time is answered as it wrote") {
    auto inner = std::make_shared<ServeMux>();
    inner->HandleFunc("/soon", [](ResponseWriter& w, Request&) -> Task<> {
      w.Header().Set("X-Soon", "yes");
      co_await Sleep(20ms);
      w.Write("in time");
    });
    auto ts = httptest::NewServer(TimeoutHandler(inner, 5s, "too slow"));
    REQUIRE(ts.ok());
    Answer a = Get(**ts, "/soon");
    CHECK(a.status == 200);
    CHECK(a.body == "in time");
    CHECK(a.header.Get("X-Soon") == "yes");
  }

  TEST_CASE("past the deadline: 503 with the message; the handler's later writes fail (Go: TestTimeoutHandler)") {
    std::promise<Error> late_write;
    std::shared_ptr<ResponseWriter> held;
    auto inner = std::make_shared<ServeMux>();
    inner->HandleFunc("/late", [&](ResponseWriter& w, Request&) {
      w.Header().Set("X-Never", "sent");
      w.Write("never sent");
      held = w.Hold();
      // Notified at the deadline (Go: the context's Done): write then.
      held->CloseNotify([&] {
        late_write.set_value(held->Write("too late"));
        held->Finish();
        held.reset();
      });
    });
    auto ts = httptest::NewServer(TimeoutHandler(inner, 50ms, "too slow"));
    REQUIRE(ts.ok());
    Answer a = Get(**ts, "/late");
    CHECK(a.status == 503);
    CHECK(a.body == "too slow");
    CHECK_FALSE(a.header.Has("X-Never"));
    Error err = late_write.get_future().get();
    CHECK(err.code() == ErrorCode::kTimeout);
    CHECK(err.message() == "http: Handler timeout");
  }

  TEST_CASE("an empty message gives Go's HTML Timeout page") {
    std::shared_ptr<ResponseWriter> held;
    auto inner = std::make_shared<ServeMux>();
    inner->HandleFunc("/", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      held->CloseNotify([&] { held.reset(); });
    });
    auto ts = httptest::NewServer(TimeoutHandler(inner, 20ms));
    REQUIRE(ts.ok());
    Answer a = Get(**ts, "/");
    CHECK(a.status == 503);
    CHECK(a.body == "<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>");
  }

  TEST_CASE("a coroutine handler is canceled at the deadline: its await ends, its frame goes") {
    std::promise<Error> slept;
    auto inner = std::make_shared<ServeMux>();
    inner->HandleFunc("/slow", [&](ResponseWriter& w, Request&) -> Task<> {
      Error err = co_await Sleep(30s);
      slept.set_value(err);
      w.Write("after the sleep");
    });
    auto ts = httptest::NewServer(TimeoutHandler(inner, 50ms, "gave up"));
    REQUIRE(ts.ok());
    auto start = std::chrono::steady_clock::now();
    Answer a = Get(**ts, "/slow");
    CHECK(a.status == 503);
    CHECK(a.body == "gave up");
    std::future<Error> f = slept.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK(f.get().code() == ErrorCode::kCanceled);
    CHECK(std::chrono::steady_clock::now() - start < 10s);
  }

  TEST_CASE("an Abort inside ServeHTTP cuts the connection, as it would unwrapped") {
    auto inner = std::make_shared<ServeMux>();
    inner->HandleFunc("/abort", [](ResponseWriter& w, Request&) {
      w.Write("partial");
      w.Abort();
    });
    auto ts = httptest::NewServer(TimeoutHandler(inner, 1s));
    REQUIRE(ts.ok());
    Client c = (*ts)->Client();
    Result<Response> res = c.Get((*ts)->URL() + "/abort");
    CHECK_FALSE(res.ok());  // nothing was sent before the abort: no response at all
  }
}

}  // namespace
}  // namespace nethttp
