// Tests for lib/server.cc and lib/conn.cc over loopback: the Server runs on
// the test's own loop in this thread; the peer is a blocking RawConn in a
// second thread, which wakes the loop with a uv_async when it is done.
#include <doctest/doctest.h>
#include <uv.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "internal/response_writer.h"
#include "internal/tls_context.h"
#include "nethttp/nethttp.h"
#include "testutil/loop_fixture.h"
#include "testutil/peer.h"
#include "testutil/raw_conn.h"
#include "testutil/temp_tree.h"

using nethttp::ConnState;
using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::Server;
using nethttp::ServeMux;
using nethttp::testutil::HttpResponse;
using nethttp::testutil::LoopFixture;
using nethttp::testutil::PortOf;
using nethttp::testutil::Peer;
using nethttp::testutil::RawConn;

namespace {

std::string Cert(std::string_view name) { return std::string(NETHTTP_TEST_CERTS) + "/" + std::string(name); }

std::shared_ptr<nethttp::TlsContext> TrustingClient() {
  nethttp::TLSConfig cfg;
  cfg.use_system_roots = false;
  cfg.root_ca_files.push_back(Cert("ca.pem"));
  auto ctx = nethttp::TlsContext::NewClient(cfg);
  REQUIRE_MESSAGE(ctx.ok(), ctx.error().message());
  return *ctx;
}

struct TestServer {
  explicit TestServer(LoopFixture& fx) {
    srv.addr = "127.0.0.1:0";
    srv.handler = mux_owner;
    srv.loop = &fx.loop();
  }
  // Shared, as Server::handler holds it; mux keeps the tests short.
  std::shared_ptr<ServeMux> mux_owner = std::make_shared<ServeMux>();
  ServeMux& mux = *mux_owner;
  Server srv;
};

}  // namespace

TEST_SUITE("server") {
  TEST_CASE("serves, keeps alive, and reports ConnState in Go's order") {
    LoopFixture fx;
    TestServer ts(fx);
    ts.mux.HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
    std::vector<ConnState> states;
    ts.srv.conn_state = [&](std::string_view, ConnState s) { states.push_back(s); };
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    std::optional<HttpResponse> a, b;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        a = c.ReadResponse();
        c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        b = c.ReadResponse();
      });
    }
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->status == 200);
    CHECK(b->body == "pong");
    fx.RunUntil([&] { return ts.srv.NumConns() == 0; });
    REQUIRE(states.size() >= 4);
    CHECK(states.front() == ConnState::kNew);
    CHECK(states[1] == ConnState::kActive);
    CHECK(states[2] == ConnState::kIdle);
    CHECK(states.back() == ConnState::kClosed);
    ts.srv.Close();
  }

  TEST_CASE("a handler that throws gets a 500 and the server goes on") {
    LoopFixture fx;
    TestServer ts(fx);
    ts.mux.HandleFunc("/boom", [](ResponseWriter&, Request&) { throw std::runtime_error("boom"); });
    ts.mux.HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    std::optional<HttpResponse> boom, ping;
    bool closed = false;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /boom HTTP/1.1\r\nHost: t\r\n\r\n");
        boom = c.ReadResponse();
        closed = c.WaitClosed();
        RawConn d;
        if (!d.Connect(port)) return;
        d.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        ping = d.ReadResponse();
      });
    }
    REQUIRE(boom);
    CHECK(boom->status == 500);
    CHECK(boom->Get("Connection") == "close");
    CHECK(closed);
    REQUIRE(ping);
    CHECK(ping->body == "pong");
    ts.srv.Close();
  }

  TEST_CASE("a long response streams chunked; a short one has Content-Length") {
    LoopFixture fx;
    TestServer ts(fx);
    std::string piece(10000, 'x');
    ts.mux.HandleFunc("/big", [&](ResponseWriter& w, Request&) {
      for (int i = 0; i < 100; ++i) w.Write(piece);
    });
    ts.mux.HandleFunc("/small", [](ResponseWriter& w, Request&) { w.Write("tiny"); });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    std::optional<HttpResponse> big, small;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /big HTTP/1.1\r\nHost: t\r\n\r\nGET /small HTTP/1.1\r\nHost: t\r\n\r\n");
        big = c.ReadResponse();
        small = c.ReadResponse();
      });
    }
    REQUIRE(big);
    CHECK(big->chunked);
    CHECK(big->body.size() == 1000000);
    REQUIRE(small);
    CHECK(small->Get("Content-Length") == "4");
    CHECK_FALSE(small->chunked);
    ts.srv.Close();
  }

  TEST_CASE("a held response is finished later from the loop") {
    LoopFixture fx;
    TestServer ts(fx);
    uv_timer_t timer;
    uv_timer_init(fx.uv(), &timer);
    std::shared_ptr<ResponseWriter> held;
    ts.mux.HandleFunc("/later", [&](ResponseWriter& w, Request& r) {
      held = w.Hold();
      timer.data = &held;
      std::string body = "later:" + r.url.path;
      held->Header().Set("X-Path", r.url.path);
      uv_timer_start(&timer, [](uv_timer_t* t) {
        auto& h = *static_cast<std::shared_ptr<ResponseWriter>*>(t->data);
        h->Write("done");
        h->Finish();
        h.reset();
      }, 30, 0);
    });
    ts.mux.HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    std::optional<HttpResponse> later, ping;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        // The second, pipelined request waits for the held one.
        c.Send("GET /later HTTP/1.1\r\nHost: t\r\n\r\nGET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        later = c.ReadResponse();
        ping = c.ReadResponse();
      });
    }
    REQUIRE(later);
    CHECK(later->body == "done");
    CHECK(later->Get("X-Path") == "/later");
    REQUIRE(ping);
    CHECK(ping->body == "pong");
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    ts.srv.Close();
  }

  TEST_CASE("writes through a held writer fail once the peer is gone") {
    LoopFixture fx;
    TestServer ts(fx);
    std::shared_ptr<ResponseWriter> held;
    ts.mux.HandleFunc("/hold", [&](ResponseWriter& w, Request&) { held = w.Hold(); });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
      });  // the peer's socket closes here
    }
    REQUIRE(held);
    // The server notices the close only when the peer's FIN or RST arrives;
    // Close() forces it so the test does not depend on that timing.
    ts.srv.Close();
    fx.RunUntil([&] { return ts.srv.NumConns() == 0; });
    CHECK(held->Write("late"));
    held->Finish();  // harmless
    held.reset();
  }

  TEST_CASE("Shutdown closes idle connections and lets in-flight requests finish") {
    LoopFixture fx;
    TestServer ts(fx);
    std::shared_ptr<ResponseWriter> held;
    bool handler_started = false;
    ts.mux.HandleFunc("/slow", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      handler_started = true;
    });
    ts.mux.HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);

    RawConn idle, busy;
    REQUIRE(idle.Connect(port));
    REQUIRE(busy.Connect(port));
    std::optional<HttpResponse> idle_first;
    {
      Peer p(fx, [&] {
        idle.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        idle_first = idle.ReadResponse();
        busy.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
      });
    }
    REQUIRE(idle_first);
    REQUIRE(fx.RunUntil([&] { return handler_started; }));

    bool shutdown_done = false;
    ts.srv.Shutdown([&] { shutdown_done = true; });
    bool idle_closed = false;
    {
      Peer p(fx, [&] { idle_closed = idle.WaitClosed(); });
    }
    CHECK(idle_closed);
    CHECK_FALSE(shutdown_done);  // the held request is still in flight
    RawConn late;
    CHECK_FALSE(late.Connect(port));  // the listener is gone

    held->Write("finally");
    held->Finish();
    held.reset();
    std::optional<HttpResponse> slow;
    {
      Peer p(fx, [&] { slow = busy.ReadResponse(); });
    }
    REQUIRE(slow);
    CHECK(slow->body == "finally");
    CHECK(slow->Get("Connection") == "close");
    CHECK(fx.RunUntil([&] { return shutdown_done; }));
    CHECK(ts.srv.NumConns() == 0);
  }

  TEST_CASE("Shutdown with a timeout closes what is still open when it passes, and says so") {
    LoopFixture fx;
    TestServer ts(fx);
    std::shared_ptr<ResponseWriter> held;
    ts.mux.HandleFunc("/slow", [&](ResponseWriter& w, Request&) { held = w.Hold(); });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    RawConn busy;
    REQUIRE(busy.Connect(port));
    {
      Peer p(fx, [&] { busy.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"); });
    }
    REQUIRE(fx.RunUntil([&] { return held != nullptr; }));

    std::optional<nethttp::Error> result;
    auto start = std::chrono::steady_clock::now();
    ts.srv.Shutdown(std::chrono::milliseconds(150), [&](nethttp::Error err) { result = err; });
    REQUIRE(fx.RunUntil([&] { return result.has_value(); }, std::chrono::seconds(10)));
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= std::chrono::milliseconds(140));
    CHECK(result->code() == nethttp::ErrorCode::kTimeout);
    CHECK(result->message().find("closed 1 connections") != std::string::npos);
    CHECK(ts.srv.NumConns() == 0);
    bool closed = false;
    {
      Peer p(fx, [&] { closed = busy.WaitClosed(); });
    }
    CHECK(closed);
    held.reset();
  }

  TEST_CASE("two Shutdowns in a row: each one's done runs once, when the last request has finished") {
    LoopFixture fx;
    TestServer ts(fx);
    // With two, the second Shutdown may reach a worker whose loop has
    // already stopped (its last connection gone), which must answer too.
    SUBCASE("one worker") { ts.srv.workers = 1; }
    SUBCASE("two workers") { ts.srv.workers = 2; }
    std::atomic<bool> arrived{false};
    uv_async_t wake;  // the handler's worker may be another thread: it wakes this loop
    uv_async_init(fx.uv(), &wake, nullptr);
    // A coroutine handler: it waits on the server's loop.
    ts.mux.HandleFunc("/slow", [&](ResponseWriter& w, Request&) -> nethttp::Task<> {
      arrived = true;
      uv_async_send(&wake);
      co_await nethttp::Sleep(std::chrono::milliseconds(200));
      w.Write("finally");
    });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    RawConn busy;
    REQUIRE(busy.Connect(port));
    std::optional<HttpResponse> slow;
    int first = 0, second = 0;
    {
      Peer p(fx, [&] {
        busy.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
        slow = busy.ReadResponse();
      });
      REQUIRE(fx.RunUntil([&] { return arrived.load(); }));
      ts.srv.Shutdown([&] { ++first; });
      ts.srv.Shutdown([&] { ++second; });
      CHECK(first == 0);
      CHECK(second == 0);
    }
    REQUIRE(slow);
    CHECK(slow->body == "finally");
    CHECK(fx.RunUntil([&] { return first == 1 && second == 1; }));
    CHECK(first == 1);
    CHECK(second == 1);
    CHECK(ts.srv.NumConns() == 0);
    uv_close(reinterpret_cast<uv_handle_t*>(&wake), nullptr);
    uv_run(fx.uv(), UV_RUN_NOWAIT);
  }

  TEST_CASE("Shutdown with a timeout that is not needed reports no error") {
    LoopFixture fx;
    TestServer ts(fx);
    REQUIRE_FALSE(ts.srv.Listen());
    std::optional<nethttp::Error> result;
    ts.srv.Shutdown(std::chrono::seconds(30), [&](nethttp::Error err) { result = err; });
    REQUIRE(fx.RunUntil([&] { return result.has_value(); }));
    CHECK(result->ok());
  }

  TEST_CASE("SetKeepAlivesEnabled(false) closes idle connections, as Go does") {
    LoopFixture fx;
    TestServer ts(fx);
    ts.mux.HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    RawConn idle;
    REQUIRE(idle.Connect(port));
    std::optional<HttpResponse> first;
    {
      Peer p(fx, [&] {
        idle.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        first = idle.ReadResponse();
      });
    }
    REQUIRE(first);
    CHECK(first->Get("Connection").empty());  // kept alive
    REQUIRE(fx.RunUntil([&] { return ts.srv.NumConns() == 1; }));
    ts.srv.SetKeepAlivesEnabled(false);
    bool closed = false;
    {
      Peer p(fx, [&] { closed = idle.WaitClosed(); });
    }
    CHECK(closed);
    CHECK(fx.RunUntil([&] { return ts.srv.NumConns() == 0; }));
    ts.srv.Close();
  }

  TEST_CASE("after Shutdown, nothing of the server keeps the loop running") {
    // pingd returns from its loop only once no handle is active: a timeout
    // list's timer still armed for a deadline long gone (the 5 s header
    // timeout of a connection that closed) would hold its exit.
    LoopFixture fx;
    TestServer ts(fx);
    ts.srv.read_header_timeout = std::chrono::seconds(60);
    ts.srv.idle_timeout = std::chrono::seconds(60);
    ts.mux.HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    std::optional<HttpResponse> r;
    bool closed = false;
    RunPeer(fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
      r = c.ReadResponse();
      closed = c.WaitClosed();
    });
    REQUIRE(r);
    CHECK(closed);
    REQUIRE(fx.RunUntil([&] { return ts.srv.NumConns() == 0; }));
    bool shutdown_done = false;
    ts.srv.Shutdown([&] { shutdown_done = true; });
    CHECK(fx.RunUntil([&] { return shutdown_done; }));
    uv_run(fx.uv(), UV_RUN_NOWAIT);  // the listener's close callback
    CHECK(uv_loop_alive(fx.uv()) == 0);
  }

  TEST_CASE("Shutdown completes when a streamed response began before it") {
    LoopFixture fx;
    TestServer ts(fx);
    std::shared_ptr<ResponseWriter> held;
    ts.mux.HandleFunc("/stream", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      held->Write(std::string(nethttp::kBufferBeforeChunking + 1, 's'));  // head goes out
    });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    RawConn c;
    REQUIRE(c.Connect(port));
    {
      Peer p(fx, [&] { c.Send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n"); });
    }
    REQUIRE(fx.RunUntil([&] { return held != nullptr; }));
    bool shutdown_done = false;
    ts.srv.Shutdown([&] { shutdown_done = true; });
    held->Write("end");
    held->Finish();
    held.reset();
    std::optional<HttpResponse> r;
    bool closed = false;
    {
      Peer p(fx, [&] {
        r = c.ReadResponse();
        closed = c.WaitClosed();
      });
    }
    REQUIRE(r);
    CHECK(r->chunked);
    CHECK(r->body.size() == nethttp::kBufferBeforeChunking + 4);
    CHECK(closed);
    CHECK(fx.RunUntil([&] { return shutdown_done; }));
  }

  TEST_CASE("Listen reports a port in use and a malformed address") {
    LoopFixture fx;
    TestServer a(fx);
    REQUIRE_FALSE(a.srv.Listen());
    Server b;
    b.loop = &fx.loop();
    b.addr = a.srv.ListenAddr();
    nethttp::Error err = b.Listen();
    CHECK(err.code() == nethttp::ErrorCode::kIo);
    CHECK(err.message().find("address already in use") != std::string::npos);
    Server c;
    c.loop = &fx.loop();
    c.addr = "no-port-here";
    CHECK(c.Listen().code() == nethttp::ErrorCode::kInvalidArgument);
    a.srv.Close();
  }

  // handler.h's ownership rule: Server::handler is shared, so the caller
  // may drop its pointer once it is set (with the old raw pointer this was
  // a use after free the first request hit).
  TEST_CASE("the server keeps its handler alive; the caller's pointer may go") {
    LoopFixture fx;
    std::weak_ptr<nethttp::Handler> weak;
    {
      Server srv;
      srv.addr = "127.0.0.1:0";
      srv.loop = &fx.loop();
      {
        auto mux = std::make_shared<ServeMux>();
        mux->HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
        srv.handler = mux;
        weak = mux;
      }  // the caller's copy is gone
      CHECK_FALSE(weak.expired());
      REQUIRE_FALSE(srv.Listen());
      int port = PortOf(srv);
      std::optional<HttpResponse> r;
      {
        Peer peer(fx, [&] {
          RawConn c;
          if (!c.Connect(port)) return;
          c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
          r = c.ReadResponse();
        });
      }
      REQUIRE(r);
      CHECK(r->body == "pong");
      srv.Close();
      fx.RunUntil([&] { return srv.NumConns() == 0; });
    }
    CHECK(weak.expired());  // and lets it go with the server
  }

  // A middleware (handler.h's ResponseWriterWrapper pattern) over a handler
  // that holds: the status set after ServeHTTP returned goes through the
  // wrapper to the client, and the wrapper's Finish runs once, at the end.
  TEST_CASE("a middleware wrapper sees a held response's late status and its Finish") {
    LoopFixture fx;
    TestServer ts(fx);
    struct StatusWriter : nethttp::ResponseWriterWrapper {
      using ResponseWriterWrapper::ResponseWriterWrapper;
      void WriteHeader(int code) override {
        status = code;
        ResponseWriterWrapper::WriteHeader(code);
      }
      void Finish() override {
        ++finishes;
        ResponseWriterWrapper::Finish();
      }
      int status = 0;
      int finishes = 0;
    };
    std::shared_ptr<StatusWriter> last;
    auto logging = std::make_shared<nethttp::HandlerFunc>([&](ResponseWriter& w, Request& r) {
      last = std::make_shared<StatusWriter>(w);
      ts.mux.ServeHTTP(*last, r);
    });
    ts.srv.handler = logging;
    uv_timer_t timer;
    uv_timer_init(fx.uv(), &timer);
    std::shared_ptr<ResponseWriter> held;
    ts.mux.HandleFunc("/later", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      timer.data = &held;
      uv_timer_start(&timer, [](uv_timer_t* t) {
        auto& h = *static_cast<std::shared_ptr<ResponseWriter>*>(t->data);
        h->WriteHeader(202);
        h->Write("late");
        h->Finish();
        h.reset();
      }, 20, 0);
    });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    std::optional<HttpResponse> r;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /later HTTP/1.1\r\nHost: t\r\n\r\n");
        r = c.ReadResponse();
      });
    }
    REQUIRE(r);
    CHECK(r->status == 202);
    CHECK(r->body == "late");
    REQUIRE(last != nullptr);
    CHECK(last->held());
    CHECK(last->status == 202);
    CHECK(last->finishes == 1);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    ts.srv.Close();
  }

  TEST_CASE("ListenTLS: handlers see Request::tls; a Connection: close ends with close_notify") {
    LoopFixture fx;
    TestServer ts(fx);
    std::vector<std::shared_ptr<const nethttp::ConnectionState>> seen;
    ts.mux.HandleFunc("/tls", [&](ResponseWriter& w, Request& r) {
      seen.push_back(r.tls);
      w.Write(r.tls ? nethttp::VersionName(r.tls->version) + " " + r.tls->server_name + " " +
                          nethttp::CipherSuiteName(r.tls->cipher_suite) + " " + r.tls->negotiated_protocol
                    : "plain");
    });
    REQUIRE_FALSE(ts.srv.ListenTLS(Cert("server.pem"), Cert("server.key")));
    int port = PortOf(ts.srv);
    std::optional<HttpResponse> a, b;
    bool notify_then_eof = false;
    std::string tls_error;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        if (!c.StartTls(TrustingClient(), "localhost")) {
          tls_error = c.error();
          return;
        }
        c.Send("GET /tls HTTP/1.1\r\nHost: t\r\n\r\n");
        a = c.ReadResponse();
        c.Send("GET /tls HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        b = c.ReadResponse();
        notify_then_eof = c.WaitClosed() && c.close_notify_seen();
      });
    }
    REQUIRE_MESSAGE(a, tls_error);
    REQUIRE(b);
    CHECK(a->body == "TLS 1.3 localhost TLS_AES_128_GCM_SHA256 http/1.1");
    CHECK(b->body == a->body);
    CHECK(notify_then_eof);
    // One ConnectionState per connection, shared by its requests.
    REQUIRE(seen.size() == 2);
    CHECK(seen[0] == seen[1]);
    CHECK_FALSE(seen[0]->did_resume);
    ts.srv.Close();
  }

  TEST_CASE("a plain Listen leaves Request::tls null, whatever tls_config says") {
    LoopFixture fx;
    TestServer ts(fx);
    ts.srv.tls_config = std::make_shared<nethttp::TLSConfig>();
    bool had_tls = true;
    ts.mux.HandleFunc("/tls", [&](ResponseWriter& w, Request& r) {
      had_tls = r.tls != nullptr;
      w.Write("ok");
    });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = PortOf(ts.srv);
    std::optional<HttpResponse> a;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /tls HTTP/1.1\r\nHost: t\r\n\r\n");
        a = c.ReadResponse();
      });
    }
    REQUIRE(a);
    CHECK(a->body == "ok");
    CHECK_FALSE(had_tls);
    ts.srv.Close();
  }

  TEST_CASE("ListenTLS refuses a bad certificate before it binds the port") {
    LoopFixture fx;
    struct Row {
      std::string cert, key, want;
    };
    const Row rows[] = {
        {Cert("server.pem"), Cert("other.key"), "tls: private key does not match public key"},
        {Cert("nope.pem"), Cert("server.key"), "tls: cannot read certificate"},
        {"", "", "tls: neither Certificates nor GetCertificate set in Config"},
    };
    for (const Row& row : rows) {
      CAPTURE(row.want);
      TestServer ts(fx);
      nethttp::Error err = ts.srv.ListenTLS(row.cert, row.key);
      CHECK(err.message().rfind(row.want, 0) == 0);
      CHECK(ts.srv.ListenAddr().empty());
    }
  }
}

namespace {

// ThreadTally counts the requests each thread served; handlers of several
// workers write it at once, so it is locked (a test's lock, not the server's).
class ThreadTally {
 public:
  void Add() {
    std::lock_guard<std::mutex> lock(mu_);
    ++by_thread_[std::this_thread::get_id()];
  }
  std::map<std::thread::id, int> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return by_thread_;
  }

 private:
  std::mutex mu_;
  std::map<std::thread::id, int> by_thread_;
};

// LoadFromThread sends total GETs of /n/<i> over `conns` keep-alive
// connections from a client with a loop of its own on a new thread, and
// checks that each answer is "<i>". It returns the number of right answers.
int LoadFromThread(int port, int total, size_t conns, std::string* first_error) {
  nethttp::Loop loop;
  nethttp::Transport t(&loop);
  t.max_conns_per_host = conns;
  t.max_idle_conns = t.max_idle_conns_per_host = conns;
  int started = 0, right = 0, finished = 0;
  std::function<void()> next = [&] {
    int i = started++;
    auto req = nethttp::NewRequest("GET", "http://127.0.0.1:" + std::to_string(port) + "/n/" + std::to_string(i));
    t.RoundTrip(std::move(req.value()), [&, i](nethttp::Result<nethttp::Response> r) {
      auto fail = [&](const std::string& why) {
        if (first_error->empty()) *first_error = why;
        ++finished;
        if (started < total) next();
      };
      if (!r.ok()) return fail(r.error().message());
      auto body = r->body;
      body->ReadAll([&, i, body](nethttp::Result<std::string> b) {
        if (!b.ok()) return fail(b.error().message());
        if (*b != std::to_string(i)) return fail("request " + std::to_string(i) + " got \"" + *b + "\"");
        ++right;
        ++finished;
        if (started < total) next();
      });
    }, nullptr);
  };
  for (size_t k = 0; k < conns && started < total; ++k) next();
  loop.RunUntil([&] { return finished == total; });
  t.CloseIdleConnections();
  return right;
}

}  // namespace

TEST_SUITE("server workers") {
  TEST_CASE("two workers serve 10,000 requests over 200 connections from a client thread, both of them") {
    LoopFixture fx;
    TestServer ts(fx);
    ts.srv.workers = 2;
    ThreadTally tally;
    std::atomic<int> off_loop{0};
    ts.mux.HandleFunc("/n/", [&](ResponseWriter& w, Request& r) {
      tally.Add();
      // A handler runs with its worker's loop running on its thread.
      if (nethttp::Loop::Current() == nullptr) ++off_loop;
      w.Write(r.url.path.substr(3));
    });
    REQUIRE_FALSE(ts.srv.Listen());
    CHECK(ts.srv.NumWorkers() == 2);
    int port = PortOf(ts.srv);
    std::string error;
    int right = 0;
    std::atomic<bool> shut{false};
    std::thread client([&] {
      right = LoadFromThread(port, 10000, 200, &error);
      // Shutdown from a thread that is none of the server's.
      ts.srv.Shutdown([&] { shut = true; });
    });
    bool stopped = fx.RunUntil([&] { return shut.load(); }, std::chrono::seconds(60));
    client.join();
    CHECK(stopped);
    CHECK_MESSAGE(error.empty(), error);
    CHECK(right == 10000);
    auto served = tally.Get();
    REQUIRE(served.size() == 2);  // one thread per worker, so both took connections
    int sum = 0;
    for (auto& [thread, n] : served) {
      CHECK(n > 0);
      sum += n;
    }
    CHECK(sum == 10000);
    CHECK(off_loop == 0);
    CHECK(served.count(std::this_thread::get_id()) == 1);  // worker 0 runs on the server's loop
    CHECK(ts.srv.NumConns() == 0);
  }

  TEST_CASE("ListenAndServe with two workers returns once Close from another thread has stopped both") {
    LoopFixture fx;
    TestServer ts(fx);
    ts.srv.workers = 2;
    ts.mux.HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
    // The peer learns the port from a callback the loop runs once
    // ListenAndServe has started it.
    struct Start {
      Server* srv;
      std::atomic<int> port{0};
    } start{&ts.srv};
    uv_idle_t announce;
    uv_idle_init(fx.uv(), &announce);
    announce.data = &start;
    uv_idle_start(&announce, [](uv_idle_t* h) {
      auto* s = static_cast<Start*>(h->data);
      s->port = PortOf(*s->srv);
      uv_close(reinterpret_cast<uv_handle_t*>(h), nullptr);
    });
    std::optional<HttpResponse> a;
    std::thread peer([&] {
      while (start.port.load() == 0) std::this_thread::yield();
      RawConn c;
      if (c.Connect(start.port)) {
        c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        a = c.ReadResponse();
      }
      ts.srv.Close();  // c is still open: Close closes it too
    });
    nethttp::Error err = ts.srv.ListenAndServe();
    peer.join();
    CHECK(err.code() == nethttp::ErrorCode::kServerClosed);
    REQUIRE(a);
    CHECK(a->body == "pong");
    CHECK(ts.srv.NumConns() == 0);
    // Every worker's loop has stopped for good: a Shutdown now still
    // reaches each of them and gets its done (it once waited in the
    // stopped worker's inbox for ever).
    bool shut = false;
    ts.srv.Shutdown([&] { shut = true; });
    CHECK(fx.RunUntil([&] { return shut; }));
  }

  TEST_CASE("workers = 0 is one worker per CPU the process may run on") {
    LoopFixture fx;
    TestServer ts(fx);
    ts.srv.workers = 0;
    REQUIRE_FALSE(ts.srv.Listen());
    cpu_set_t set;
    CPU_ZERO(&set);
    REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
    CHECK(ts.srv.NumWorkers() == static_cast<size_t>(CPU_COUNT(&set)));
    bool done = false;
    ts.srv.Shutdown([&] { done = true; });
    CHECK(fx.RunUntil([&] { return done; }));
  }

  TEST_CASE("a Server destroyed while its workers serve stops and frees them") {
    LoopFixture fx;
    std::vector<RawConn> conns(12);
    int answered = 0;
    {
      TestServer ts(fx);
      ts.srv.workers = 3;
      ts.mux.HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
      REQUIRE_FALSE(ts.srv.Listen());
      int port = PortOf(ts.srv);
      // Connections on every worker, idle when the server goes.
      std::atomic<bool> peer_done{false};
      std::thread peer([&] {
        for (RawConn& c : conns) {
          if (!c.Connect(port)) break;
          c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
          auto a = c.ReadResponse();
          if (a && a->body == "pong") ++answered;
        }
        peer_done = true;
      });
      // The home loop serves worker 0's share meanwhile.
      CHECK(fx.RunUntil([&] { return peer_done.load(); }));
      peer.join();
    }
    CHECK(answered == 12);
    // Every connection was closed by the server's end, on whichever worker.
    for (RawConn& c : conns) CHECK(c.WaitClosed());
  }

  TEST_CASE("Listen on a port in use fails for every worker and leaves nothing running") {
    LoopFixture fx;
    TestServer first(fx);
    REQUIRE_FALSE(first.srv.Listen());
    TestServer second(fx);
    second.srv.addr = first.srv.ListenAddr();
    second.srv.workers = 2;
    nethttp::Error err = second.srv.Listen();
    CHECK(err.code() != nethttp::ErrorCode::kOk);
    CHECK(second.srv.NumWorkers() == 0);
    first.srv.Close();
  }

  TEST_CASE("a second server with workers on the same port is refused, not let in to share it") {
    LoopFixture fx;
    TestServer first(fx);
    first.srv.workers = 2;
    REQUIRE_FALSE(first.srv.Listen());
    TestServer second(fx);
    second.srv.addr = first.srv.ListenAddr();
    second.srv.workers = 2;
    nethttp::Error err = second.srv.Listen();
    CHECK(err.message().find("address already in use") != std::string::npos);
    first.srv.Close();
  }
}

// Other listeners than a TCP addr (issue 16): Unix-domain sockets, and a
// socket made elsewhere (socket activation), both shared by the workers.
TEST_SUITE("server listeners") {
  TEST_CASE("addr unix:PATH: two workers serve it, remote_addr is @, the file goes at Shutdown") {
    LoopFixture fx;
    nethttp::testutil::TempTree tree;
    std::string path = tree.Path("pingd.sock");
    TestServer ts(fx);
    ts.srv.addr = "unix:" + path;
    ts.srv.workers = 2;
    ts.mux.HandleFunc("/who", [](ResponseWriter& w, Request& r) { w.Write(r.remote_addr); });
    REQUIRE_FALSE(ts.srv.Listen());
    CHECK(ts.srv.ListenAddr() == "unix:" + path);
    CHECK(ts.srv.NumWorkers() == 2);
    std::vector<std::string> bodies;
    std::string error;
    {
      Peer peer(fx, [&] {
        for (int i = 0; i < 20; ++i) {
          RawConn c;
          if (!c.ConnectUnix(path)) {
            error = c.error();
            return;
          }
          c.Send("GET /who HTTP/1.1\r\nHost: t\r\n\r\n");
          auto r = c.ReadResponse();
          bodies.push_back(r ? std::to_string(r->status) + " " + r->body : "no response");
        }
      });
    }
    CHECK(error.empty());
    REQUIRE(bodies.size() == 20);
    for (const std::string& b : bodies) CHECK(b == "200 @");
    bool done = false;
    ts.srv.Shutdown([&] { done = true; });
    CHECK_FALSE(nethttp::testutil::RawConn().ConnectUnix(path));  // gone at once, as Go's Close
    REQUIRE(fx.RunUntil([&] { return done; }));
    struct stat st;
    CHECK(lstat(path.c_str(), &st) != 0);
  }

  TEST_CASE("Listen(fd) serves on a socket made elsewhere, with two workers, and closes it at Shutdown") {
    LoopFixture fx;
    int fd = nethttp::testutil::LoopbackSocket(true);
    REQUIRE(fd >= 0);
    TestServer ts(fx);
    ts.srv.addr = "not read";  // (a socket is given)
    ts.srv.workers = 2;
    ts.mux.HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
    REQUIRE_FALSE(ts.srv.Listen(fd));
    REQUIRE(ts.srv.ListenAddr().rfind("127.0.0.1:", 0) == 0);
    int port = PortOf(ts.srv);
    int ok = 0;
    {
      Peer peer(fx, [&] {
        for (int i = 0; i < 20; ++i) {
          RawConn c;
          if (!c.Connect(port)) return;
          c.Send("GET /ping HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
          auto r = c.ReadResponse();
          ok += r && r->body == "pong";
        }
      });
    }
    CHECK(ok == 20);
    // (Shutdown's done comes once every worker has closed its descriptor.)
    bool done = false;
    ts.srv.Shutdown([&] { done = true; });
    REQUIRE(fx.RunUntil([&] { return done; }));
    RawConn late;
    CHECK_FALSE(late.Connect(port));
    CHECK(late.last_errno() == ECONNREFUSED);
  }

  TEST_CASE("Listen(fd) refuses a socket that is not listening, and closes it") {
    LoopFixture fx;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    TestServer ts(fx);
    nethttp::Error err = ts.srv.Listen(fd);
    CHECK(err.code() == nethttp::ErrorCode::kInvalidArgument);
    CHECK(err.message() == "listen fd " + std::to_string(fd) + ": not a listening stream socket");
    CHECK(ts.srv.NumWorkers() == 0);
    CHECK(fcntl(fd, F_GETFD) == -1);  // owned from the call on: closed
  }

  TEST_CASE("ListenTLS(fd) on a Unix-domain socket made elsewhere: https over it, the file left alone") {
    LoopFixture fx;
    nethttp::testutil::TempTree tree;
    std::string path = tree.Path("tls.sock");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strncpy(sa.sun_path, path.c_str(), sizeof sa.sun_path - 1);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(listen(fd, 8) == 0);
    TestServer ts(fx);
    ts.mux.HandleFunc("/tls", [](ResponseWriter& w, Request& r) {
      w.Write(std::string(r.tls ? nethttp::VersionName(r.tls->version) : "plain") + " " + r.remote_addr);
    });
    REQUIRE_FALSE(ts.srv.ListenTLS(fd, Cert("server.pem"), Cert("server.key")));
    CHECK(ts.srv.ListenAddr() == "unix:" + path);
    std::optional<HttpResponse> a;
    std::string error;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.ConnectUnix(path) || !c.StartTls(TrustingClient(), "localhost")) {
          error = c.error();
          return;
        }
        c.Send("GET /tls HTTP/1.1\r\nHost: t\r\n\r\n");
        a = c.ReadResponse();
      });
    }
    REQUIRE_MESSAGE(a, error);
    CHECK(a->body == "TLS 1.3 @");
    bool done = false;
    ts.srv.Shutdown([&] { done = true; });
    REQUIRE(fx.RunUntil([&] { return done; }));
    // Whoever made the socket owns its file (systemd does, when it passes one).
    struct stat st;
    CHECK(lstat(path.c_str(), &st) == 0);
  }

  TEST_CASE("a second server on a live unix: path is refused and leaves the first one's file") {
    LoopFixture fx;
    nethttp::testutil::TempTree tree;
    std::string addr = "unix:" + tree.Path("s.sock");
    TestServer a(fx), b(fx);
    a.srv.addr = b.srv.addr = addr;
    REQUIRE_FALSE(a.srv.Listen());
    nethttp::Error err = b.srv.Listen();
    CHECK(err.message() == "listen unix " + tree.Path("s.sock") + ": bind: address already in use");
    b.srv.Close();  // (must not remove a's file)
    CHECK(nethttp::testutil::RawConn().ConnectUnix(tree.Path("s.sock")));
    a.srv.Close();
  }
}
