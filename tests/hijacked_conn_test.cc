// Tests for lib/hijacked_conn.cc and ResponseWriter::Hijack over loopback:
// a handler upgrades to a toy protocol ("shout": each read comes back upper
// cased) and serves it on the hijacked socket, plain and over TLS. The
// server runs on the test's loop; the client is a blocking RawConn on a
// second thread.
#include <doctest/doctest.h>
#include <uv.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/httptest.h"
#include "nethttp/nethttp.h"
#include "testutil/loop_fixture.h"
#include "testutil/peer.h"
#include "testutil/raw_conn.h"

using nethttp::ConnState;
using nethttp::ErrorCode;
using nethttp::HijackedConn;
using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::Server;
using nethttp::ServeMux;
using nethttp::testutil::After;
using nethttp::testutil::HttpResponse;
using nethttp::testutil::LoopFixture;
using nethttp::testutil::Peer;
using nethttp::testutil::RawConn;
using namespace std::chrono_literals;

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
    srv.conn_state = [this](std::string_view, ConnState s) { states.push_back(s); };
  }
  int Port() const {
    std::string a = srv.ListenAddr();
    return std::stoi(a.substr(a.rfind(':') + 1));
  }
  std::shared_ptr<ServeMux> mux_owner = std::make_shared<ServeMux>();
  ServeMux& mux = *mux_owner;
  Server srv;
  std::vector<ConnState> states;
};

std::string Upper(std::string_view s) {
  std::string u(s);
  std::transform(u.begin(), u.end(), u.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return u;
}

// Shout serves the toy protocol on conn until the client's EOF, then
// closes; what it saw is kept for the test.
struct Shout {
  void Serve(std::shared_ptr<HijackedConn> c) {
    conn = std::move(c);
    conn->Read([this](std::string_view data) { conn->Write(Upper(data)); },
               [this](nethttp::Error err) {
                 end = err;
                 ended = true;
                 conn->Close();
                 conn.reset();  // (the stream outlives its last reference until its close callback)
               });
  }
  std::shared_ptr<HijackedConn> conn;
  bool ended = false;
  nethttp::Error end;
};

constexpr std::string_view kUpgrade =
    "GET /shout HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n";
constexpr std::string_view k101 =
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n";

TEST_SUITE("Hijack") {
  TEST_CASE("an Upgrade handler hijacks, gets the bytes sent with the request, and echoes until EOF") {
    LoopFixture fx;
    TestServer ts(fx);
    Shout shout;
    nethttp::Error late_write, second;
    ts.mux.HandleFunc("/shout", [&](ResponseWriter& w, Request& r) {
      REQUIRE(r.header.Get("Upgrade") == "shout");
      auto conn = w.Hijack();
      REQUIRE_MESSAGE(conn.ok(), conn.error().message());
      CHECK((*conn)->RemoteAddr() == r.remote_addr);
      CHECK((*conn)->TLS() == nullptr);
      late_write = w.Write("too late");
      auto again = w.Hijack();
      second = again.ok() ? nethttp::Error() : again.error();
      (*conn)->Write(k101);
      shout.Serve(std::move(*conn));
    });
    REQUIRE_FALSE(ts.srv.Listen());
    std::string first, second_reply, rest;
    bool closed = false;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(ts.Port())) return;
        // The protocol's first bytes ride with the request: the server
        // has them before the handler runs.
        c.Send(std::string(kUpgrade) + "hello");
        auto head = c.ReadUntil("\r\n\r\n");
        if (!head || *head != k101) return;
        auto a = c.ReadUntil("HELLO");
        first = a ? *a : "";
        c.Send("again");
        auto b = c.ReadUntil("AGAIN");
        second_reply = b ? *b : "";
        c.ShutdownWrite();
        rest = c.ReadUntilClose(After(3s), &closed);
      });
    }
    CHECK(first == "HELLO");
    CHECK(second_reply == "AGAIN");
    CHECK(closed);
    CHECK(rest.empty());
    CHECK(shout.ended);
    CHECK(shout.end.ok());
    CHECK(late_write.code() == ErrorCode::kHijacked);
    CHECK(second.code() == ErrorCode::kHijacked);
    // The server saw the connection go to kHijacked, and never to kClosed.
    REQUIRE(!ts.states.empty());
    CHECK(ts.states.back() == ConnState::kHijacked);
    CHECK(std::count(ts.states.begin(), ts.states.end(), ConnState::kClosed) == 0);
    ts.srv.Close();
  }

  TEST_CASE("WriteHeader(101) then Hijack sends the server's 101 head first, without framing") {
    LoopFixture fx;
    TestServer ts(fx);
    Shout shout;
    ts.mux.HandleFunc("/shout", [&](ResponseWriter& w, Request&) {
      w.Header().Set("Connection", "Upgrade");
      w.Header().Set("Upgrade", "shout");
      w.WriteHeader(101);
      auto conn = w.Hijack();
      REQUIRE(conn.ok());
      shout.Serve(std::move(*conn));
    });
    REQUIRE_FALSE(ts.srv.Listen());
    std::optional<HttpResponse> head;
    std::string echoed;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(ts.Port())) return;
        c.Send(kUpgrade);
        head = c.ReadResponse();
        c.Send("x");
        auto e = c.ReadUntil("X");
        echoed = e ? *e : "";
      });
    }
    REQUIRE(head);
    CHECK(head->status == 101);
    CHECK(head->Get("Upgrade") == "shout");
    CHECK(head->Get("Connection") == "Upgrade");
    CHECK_FALSE(head->Has("Content-Length"));
    CHECK_FALSE(head->Has("Transfer-Encoding"));
    CHECK(echoed == "X");
    ts.srv.Close();
  }

  TEST_CASE("a held response hijacks later; pipelined bytes that waited come first") {
    LoopFixture fx;
    TestServer ts(fx);
    Shout shout;
    std::shared_ptr<ResponseWriter> held;
    uv_timer_t timer;
    uv_timer_init(fx.uv(), &timer);
    timer.data = &held;
    struct Ctx {
      std::shared_ptr<ResponseWriter>* held;
      Shout* shout;
    } ctx{&held, &shout};
    timer.data = &ctx;
    ts.mux.HandleFunc("/shout", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      uv_timer_start(&timer, [](uv_timer_t* t) {
        auto* c = static_cast<Ctx*>(t->data);
        auto conn = (*c->held)->Hijack();
        REQUIRE(conn.ok());
        (*conn)->Write(k101);
        c->shout->Serve(std::move(*conn));
        c->held->reset();
      }, 20, 0);
    });
    REQUIRE_FALSE(ts.srv.Listen());
    std::string got;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(ts.Port())) return;
        c.Send(std::string(kUpgrade) + "early");
        auto r = c.ReadUntil("EARLY");
        got = r ? *r : "";
      });
    }
    CHECK(got == std::string(k101) + "EARLY");
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    ts.srv.Close();
  }

  TEST_CASE("Close sends everything written first; dropping the last reference closes too") {
    LoopFixture fx;
    TestServer ts(fx);
    const std::string big(32 << 20, 'z');
    ts.mux.HandleFunc("/big", [&](ResponseWriter& w, Request&) {
      auto conn = w.Hijack();
      REQUIRE(conn.ok());
      CHECK_FALSE((*conn)->Write(big));
      CHECK_FALSE((*conn)->Writable());  // (32 MiB cannot all be in the kernel)
      (*conn)->Close();
      CHECK((*conn)->Write("x").code() == ErrorCode::kCanceled);
    });
    ts.mux.HandleFunc("/drop", [&](ResponseWriter& w, Request&) {
      auto conn = w.Hijack();
      REQUIRE(conn.ok());
      (*conn)->Write("bye");
    });
    REQUIRE_FALSE(ts.srv.Listen());
    std::string big_got, drop_got;
    bool big_closed = false, drop_closed = false;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (c.Connect(ts.Port()) && c.Send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n")) {
          big_got = c.ReadUntilClose(After(10s), &big_closed);
        }
        RawConn d;
        if (d.Connect(ts.Port()) && d.Send("GET /drop HTTP/1.1\r\nHost: t\r\n\r\n")) {
          drop_got = d.ReadUntilClose(After(3s), &drop_closed);
        }
      });
    }
    CHECK(big_closed);
    CHECK(big_got.size() == big.size());
    CHECK(big_got == big);
    CHECK(drop_closed);
    CHECK(drop_got == "bye");
    ts.srv.Close();
  }

  TEST_CASE("a client that takes nothing after Close is cut at the drain timeout; the rest is dropped") {
    LoopFixture fx;
    TestServer ts(fx);
    const std::string big(32 << 20, 'q');
    ts.mux.HandleFunc("/stall", [&](ResponseWriter& w, Request&) {
      auto conn = w.Hijack();
      REQUIRE(conn.ok());
      (*conn)->SetDrainTimeout(200ms);
      CHECK_FALSE((*conn)->Write(big));
      (*conn)->Close();
    });
    REQUIRE_FALSE(ts.srv.Listen());
    // The hijacked socket is the loop's one TCP handle (the listener is a
    // poll): it comes with the request and goes when the wait is given up.
    auto tcp_handles = [&] {
      int n = 0;
      uv_walk(fx.uv(), [](uv_handle_t* h, void* arg) {
        if (h->type == UV_TCP && !uv_is_closing(h)) ++*static_cast<int*>(arg);
      }, &n);
      return n;
    };
    RawConn c;  // (the kernel completes the connect; this client then reads nothing)
    REQUIRE(c.Connect(ts.Port()));
    REQUIRE(c.Send("GET /stall HTTP/1.1\r\nHost: t\r\n\r\n"));
    bool seen = false;
    REQUIRE(fx.RunUntil([&] {
      seen = seen || tcp_handles() > 0;
      return seen && tcp_handles() == 0;
    }));
    bool closed = false;
    std::string got = c.ReadUntilClose(After(10s), &closed);
    CHECK(closed);
    CHECK(got.size() < big.size());  // what the kernels held, no more
    CHECK(got == big.substr(0, got.size()));
    ts.srv.Close();
  }

  TEST_CASE("Shutdown neither waits for nor closes a hijacked connection") {
    LoopFixture fx;
    TestServer ts(fx);
    Shout shout;
    ts.mux.HandleFunc("/shout", [&](ResponseWriter& w, Request&) {
      auto conn = w.Hijack();
      REQUIRE(conn.ok());
      (*conn)->Write(k101);
      shout.Serve(std::move(*conn));
    });
    REQUIRE_FALSE(ts.srv.Listen());
    int port = ts.Port();
    nethttp::testutil::Flag upgraded, shut_down;
    std::string after;
    bool closed = false;
    Peer peer(fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send(kUpgrade);
      if (!c.ReadUntil("\r\n\r\n")) return;
      upgraded.Set();
      if (!shut_down.Wait(5s)) return;
      c.Send("still here");
      auto r = c.ReadUntil("STILL HERE");
      after = r ? *r : "";
      c.ShutdownWrite();
      c.ReadUntilClose(After(3s), &closed);
    });
    fx.RunUntil([&] { return shout.conn != nullptr; }, 5s);
    bool done = false;
    ts.srv.Shutdown([&] { done = true; });
    fx.RunUntil([&] { return done; }, 5s);
    CHECK(done);
    shut_down.Set();
    CHECK(peer.Wait());
    CHECK(after == "STILL HERE");
    CHECK(closed);
  }

  TEST_CASE("a writer that cannot hijack says kNotSupported; a streamed body in flight refuses") {
    LoopFixture fx;
    TestServer ts(fx);
    nethttp::Error recorder_err, streaming_err;
    auto rec = nethttp::httptest::NewRecorder();
    auto rec_conn = rec->Hijack();
    REQUIRE_FALSE(rec_conn.ok());
    CHECK(rec_conn.error().code() == ErrorCode::kNotSupported);
    REQUIRE_FALSE(ts.mux.Handle("/stream", std::make_shared<nethttp::StreamingHandlerFunc>(
                                              [&](ResponseWriter& w, Request&) {
                                                auto conn = w.Hijack();
                                                if (!conn.ok()) streaming_err = conn.error();
                                                w.WriteHeader(409);
                                              })));
    REQUIRE_FALSE(ts.srv.Listen());
    std::optional<HttpResponse> r;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(ts.Port())) return;
        c.Send("POST /stream HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
        r = c.ReadResponse();
      });
    }
    REQUIRE(r);
    CHECK(r->status == 409);
    CHECK(streaming_err.code() == ErrorCode::kInvalidArgument);
    ts.srv.Close();
  }

  TEST_CASE("over TLS the session goes with the socket: plaintext both ways, close_notify at the end") {
    LoopFixture fx;
    TestServer ts(fx);
    Shout shout;
    bool had_tls = false;
    ts.mux.HandleFunc("/shout", [&](ResponseWriter& w, Request&) {
      auto conn = w.Hijack();
      REQUIRE(conn.ok());
      had_tls = (*conn)->TLS() != nullptr && (*conn)->TLS()->server_name == "localhost";
      (*conn)->Write(k101);
      shout.Serve(std::move(*conn));
    });
    REQUIRE_FALSE(ts.srv.ListenTLS(Cert("server.pem"), Cert("server.key")));
    std::string got, tls_error;
    bool notify = false;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(ts.Port())) return;
        if (!c.StartTls(TrustingClient(), "localhost")) {
          tls_error = c.error();
          return;
        }
        c.Send(std::string(kUpgrade) + "tls");
        auto r = c.ReadUntil("TLS");
        got = r ? *r : "";
        c.Send("bye");
        if (!c.ReadUntil("BYE")) return;
        c.ShutdownWrite();
        notify = c.WaitClosed() && c.close_notify_seen();
      });
    }
    INFO(tls_error);
    CHECK(had_tls);
    CHECK(got == std::string(k101) + "TLS");
    CHECK(notify);
    CHECK(shout.ended);
    ts.srv.Close();
  }
}

}  // namespace
