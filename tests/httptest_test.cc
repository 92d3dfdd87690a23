// Tests for lib/httptest.cc: the recorder against Go 1.19's
// httptest/recorder_test.go rules (code 200 by default, sniffing on the
// first Write, the header snapshot, Flush), NewRequest's defaults (Go's
// httptest_test.go), and Server with the real blocking client from this
// thread while the server runs on its own.
#include "nethttp/httptest.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "nethttp/client.h"
#include "nethttp/loop.h"
#include "nethttp/serve_mux.h"
#include "nethttp/task.h"
#include "nethttp/transport.h"

namespace nethttp {
namespace {

using httptest::NewRecorder;

std::string ReadBody(Response& res) {
  Loop loop;
  Result<std::string> body = res.body->ReadAllBlocking(loop);
  REQUIRE(body.ok());
  return *body;
}

TEST_SUITE("httptest") {
  TEST_CASE("ResponseRecorder: Go's defaults and first-write rules") {
    auto rec = NewRecorder();
    CHECK(rec->code == 200);
    CHECK_FALSE(rec->wrote_header);

    // A Write with no WriteHeader: 200, and the type sniffed (Go: writeHeader).
    CHECK_FALSE(rec->Write("<html><body>hi"));
    CHECK(rec->wrote_header);
    CHECK(rec->code == 200);
    CHECK(rec->Header().Get("Content-Type") == "text/html; charset=utf-8");
    CHECK_FALSE(rec->Write(" there"));
    CHECK(rec->body == "<html><body>hi there");

    // A type the handler set is kept; so is one with Transfer-Encoding.
    auto typed = NewRecorder();
    typed->Header().Set("Content-Type", "application/json");
    typed->Write("<html>");
    CHECK(typed->Header().Get("Content-Type") == "application/json");
    auto chunked = NewRecorder();
    chunked->Header().Set("Transfer-Encoding", "chunked");
    chunked->Write("<html>");
    CHECK_FALSE(chunked->Header().Has("Content-Type"));
  }

  TEST_CASE("ResponseRecorder: the first WriteHeader wins; Result shows the header as it was then") {
    auto rec = NewRecorder();
    rec->Header().Set("X-Before", "1");
    rec->WriteHeader(201);
    rec->WriteHeader(500);
    rec->Header().Set("X-After", "2");  // too late for the client: Go's snapHeader
    rec->Write("made");
    CHECK(rec->code == 201);
    CHECK(rec->superfluous_write_headers == 1);
    Response res = rec->Result();
    CHECK(res.status_code == 201);
    CHECK(res.status == "201 Created");
    CHECK(res.header.Get("X-Before") == "1");
    CHECK_FALSE(res.header.Has("X-After"));
    CHECK_FALSE(res.header.Has("Content-Type"));  // WriteHeader came first: nothing sniffed
    CHECK(res.content_length == -1);
    CHECK(ReadBody(res) == "made");
  }

  TEST_CASE("ResponseRecorder: a code outside 100-999 is recorded as the server sends it, 500") {
    for (int bad : {0, 99, 1000, -200}) {
      CAPTURE(bad);
      auto rec = NewRecorder();
      rec->WriteHeader(bad);
      CHECK(rec->code == 500);
      CHECK(rec->Result().status_code == 500);
    }
    auto rec = NewRecorder();
    rec->WriteHeader(999);
    CHECK(rec->code == 999);
  }

  TEST_CASE("ResponseRecorder: Result's content_length, and a handler that wrote nothing") {
    auto rec = NewRecorder();
    rec->Header().Set("Content-Length", "3");
    rec->Write("abc");
    CHECK(rec->Result().content_length == 3);
    auto silent = NewRecorder();
    silent->Header().Set("X-Only", "header");
    Response res = silent->Result();
    CHECK(res.status_code == 200);
    CHECK(res.header.Get("X-Only") == "header");
    CHECK(ReadBody(res).empty());
  }

  TEST_CASE("ResponseRecorder: Flush implies 200; Hold owns a NewRecorder; writes after Finish fail") {
    auto rec = NewRecorder();
    rec->Flush();
    CHECK(rec->flushed);
    CHECK(rec->wrote_header);
    std::shared_ptr<ResponseWriter> held = rec->Hold();
    CHECK(rec->held);
    std::weak_ptr<httptest::ResponseRecorder> weak = rec;
    rec.reset();
    CHECK_FALSE(weak.expired());  // the held pointer keeps it
    CHECK_FALSE(held->Write("late but fine"));
    held->Finish();
    Error err = held->Write("after");
    CHECK(err.code() == ErrorCode::kInvalidArgument);
    held.reset();
    CHECK(weak.expired());

    httptest::ResponseRecorder on_stack;  // not shared: Hold lends a non-owning pointer
    CHECK(on_stack.Hold().get() == &on_stack);
  }

  TEST_CASE("ResponseRecorder: Result's body carries the trailers, declared and prefixed (Go: TestRecorder)") {
    auto rec = NewRecorder();
    rec->Header().Set("Trailer", "X-Sum, Content-Length");
    rec->Write("payload");
    rec->Header().Set("X-Sum", "7");
    rec->Header().Set("Content-Length", "999");  // no trailer may be a framing field
    rec->Header().Set(std::string(TrailerPrefix) + "X-Late", "yes");
    Response res = rec->Result();
    CHECK(ReadBody(res) == "payload");
    CHECK(res.body->Trailer().Get("X-Sum") == "7");
    CHECK(res.body->Trailer().Get("X-Late") == "yes");
    CHECK_FALSE(res.body->Trailer().Has("Content-Length"));
    CHECK_FALSE(res.header.Has("X-Sum"));  // set after the head: not in it
  }

  TEST_CASE("NewRequest: Go's defaults for a handler under test") {
    Result<Request> r = httptest::NewRequest("POST", "/form?a=1", "b=2");
    REQUIRE(r.ok());
    CHECK(r->method == "POST");
    CHECK(r->url.path == "/form");
    CHECK(r->url.raw_query == "a=1");
    CHECK(r->request_uri == "/form?a=1");
    CHECK(r->host == "example.com");
    CHECK(r->remote_addr == "192.0.2.1:1234");
    CHECK(r->body == "b=2");
    CHECK(r->content_length == 3);
    CHECK(r->proto == "HTTP/1.1");

    Result<Request> abs = httptest::NewRequest("", "http://foo.com/path");
    REQUIRE(abs.ok());
    CHECK(abs->method == "GET");
    CHECK(abs->host == "foo.com");
    CHECK(abs->tls == nullptr);
    Result<Request> secure = httptest::NewRequest("GET", "https://secure.example/x");
    REQUIRE(secure.ok());
    REQUIRE(secure->tls != nullptr);  // Go: a TLS 1.2 ConnectionState for the host
    CHECK(secure->tls->version == 0x0303);
    CHECK(secure->tls->server_name == "secure.example");

    CHECK_FALSE(httptest::NewRequest("BAD METHOD", "/").ok());
    CHECK_FALSE(httptest::NewRequest("GET", "no-slash").ok());
  }

  TEST_CASE("a handler tested with NewRecorder and NewRequest, no socket") {
    auto mux = std::make_shared<ServeMux>();
    mux->HandleFunc("/hello", [](ResponseWriter& w, Request& r) {
      w.Header().Set("Content-Type", "text/plain");
      w.Write("hello " + std::string(r.FormValue("name")));
    });
    auto rec = NewRecorder();
    Result<Request> r = httptest::NewRequest("GET", "/hello?name=gopher");
    REQUIRE(r.ok());
    mux->ServeHTTP(*rec, *r);
    CHECK(rec->code == 200);
    CHECK(rec->body == "hello gopher");
  }

  TEST_CASE("Server: a real listener on its own thread, called with the blocking client") {
    std::atomic<std::thread::id> served_on{};
    auto mux = std::make_shared<ServeMux>();
    mux->HandleFunc("/echo", [&](ResponseWriter& w, Request& r) {
      served_on = std::this_thread::get_id();
      w.Write(r.method + " " + r.body);
    });
    Result<std::unique_ptr<httptest::Server>> ts = httptest::NewServer(mux);
    REQUIRE(ts.ok());
    httptest::Server& s = **ts;
    CHECK(s.URL().starts_with("http://127.0.0.1:"));
    Client c = s.Client();
    Result<Response> res = c.Post(s.URL() + "/echo", "text/plain", "ping");
    REQUIRE(res.ok());
    CHECK(res->status_code == 200);
    Result<std::string> body = res->body->ReadAllBlocking(DefaultLoop());
    REQUIRE(body.ok());
    CHECK(*body == "POST ping");
    CHECK(served_on.load() != std::this_thread::get_id());

    const std::string url = s.URL();
    s.Close();
    s.Close();  // a second Close is a no-op
    Result<Response> after = c.Get(url + "/echo");
    CHECK_FALSE(after.ok());  // nothing listens any more
  }

  TEST_CASE("Server: configure sets the Server's knobs before it listens") {
    auto mux = std::make_shared<ServeMux>();
    mux->HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("x"); });
    Result<std::unique_ptr<httptest::Server>> ts =
        httptest::NewServer(mux, [](Server& srv) { srv.max_request_target_bytes = 16; });
    REQUIRE(ts.ok());
    Client c = (*ts)->Client();
    Result<Response> res = c.Get((*ts)->URL() + "/" + std::string(64, 'a'));
    REQUIRE(res.ok());
    CHECK(res->status_code == 414);
  }

  TEST_CASE("Server: Close is not held up by a handler's pooled client connections") {
    auto up_mux = std::make_shared<ServeMux>();
    up_mux->HandleFunc("/up", [](ResponseWriter& w, Request&) { w.Write("up"); });
    Result<std::unique_ptr<httptest::Server>> up = httptest::NewServer(up_mux);
    REQUIRE(up.ok());
    const std::string up_url = (*up)->URL() + "/up";
    auto mux = std::make_shared<ServeMux>();
    // DefaultTransport() on the server's loop keeps the upstream connection
    // idle, with its read and a 90 s idle timer, after the answer.
    mux->HandleFunc("/relay", [up_url](ResponseWriter& w, Request&) -> Task<> {
      Client c;
      Result<Response> res = co_await c.DoAsync(NewRequest("GET", up_url).value());
      if (!res.ok()) co_return HttpError(w, res.error().message(), 502);
      Result<std::string> body = co_await res->body->ReadAllAsync();
      w.Write(body.ok() ? *body : body.error().message());
    });
    Result<std::unique_ptr<httptest::Server>> ts = httptest::NewServer(mux);
    REQUIRE(ts.ok());
    Client c = (*ts)->Client();
    Result<Response> res = c.Get((*ts)->URL() + "/relay");
    REQUIRE(res.ok());
    Result<std::string> body = res->body->ReadAllBlocking(DefaultLoop());
    REQUIRE(body.ok());
    CHECK(*body == "up");
    auto start = std::chrono::steady_clock::now();
    (*ts)->Close();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
    (*up)->Close();
  }

  TEST_CASE("Server: Close does not wait for ever on a response never finished") {
    auto mux = std::make_shared<ServeMux>();
    std::shared_ptr<ResponseWriter> forgotten;  // set on the server's thread, read after Close joined it
    std::promise<void> holding;
    mux->HandleFunc("/hang", [&](ResponseWriter& w, Request&) {
      forgotten = w.Hold();
      holding.set_value();
    });
    Result<std::unique_ptr<httptest::Server>> ts = httptest::NewServer(mux);
    REQUIRE(ts.ok());
    std::atomic<bool> failed{false};
    std::thread client([&failed, url = (*ts)->URL()] {
      Loop loop;
      Client c;
      c.transport = std::make_shared<Transport>(&loop);
      Result<Response> res = c.Get(url + "/hang");
      failed = !res.ok();  // the server closed the connection with no answer
    });
    holding.get_future().wait();
    auto start = std::chrono::steady_clock::now();
    (*ts)->Close();
    auto took = std::chrono::steady_clock::now() - start;
    client.join();
    CHECK(failed);
    CHECK(took >= std::chrono::seconds(4));
    CHECK(took < std::chrono::seconds(30));
    CHECK(forgotten != nullptr);
    forgotten.reset();  // a response outliving its server is let go safely
  }
}

}  // namespace
}  // namespace nethttp
