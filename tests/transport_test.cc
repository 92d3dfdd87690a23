// Tests for lib/transport.cc: pool reuse counted on both sides, the WantConn
// race (a dial that finishes for a request that left goes to the pool),
// max_conns_per_host with FIFO waiters, retries only when Go's rules allow
// (a POST is never sent twice), timeouts and DisableKeepAlives (Go:
// transport_test.go).
#include "nethttp/transport.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "internal/server_loop.h"
#include "internal/transport_impl.h"
#include "nethttp/gzip_handler.h"
#include "nethttp/server.h"
#include "nethttp/loop.h"
#include "nethttp/status.h"
#include "testutil/client_fixture.h"
#include "testutil/generator_body.h"
#include "testutil/scripted_peer.h"

using nethttp::Cancelation;
using nethttp::Error;
using nethttp::ErrorCode;
using nethttp::NewRequest;
using nethttp::Request;
using nethttp::Response;
using nethttp::ResponseWriter;
using nethttp::Result;
using nethttp::Body;
using nethttp::testutil::ClientFixture;
using nethttp::testutil::GeneratorBody;
using nethttp::testutil::PatternChecker;
using nethttp::testutil::ScriptedPeer;

namespace {
Request GetReq(const std::string& url, const std::string& method = "GET") { return NewRequest(method, url).value(); }

// The Impls of Transport and Server are out of the public surface: a user
// can name neither them nor the old impl() accessor (C++20 checks access
// while it checks a concept), and tests reach them through TransportAccess
// and ServerAccess (lib/internal), which the assertions below also name.
template <class T>
concept NamesImpl = requires { typename T::Impl; };
template <class T>
concept HasImplAccessor = requires(T& t) { t.impl(); };
static_assert(!NamesImpl<nethttp::Transport>);
static_assert(!NamesImpl<nethttp::Server>);
static_assert(!HasImplAccessor<nethttp::Transport>);
static_assert(NamesImpl<nethttp::TransportAccess>);
static_assert(NamesImpl<nethttp::ServerAccess>);

// SocketFd finds our fd whose local address (remote, with peer) is addr,
// "ip:port": the client and the server are in this process, so a handler
// that knows its r.remote_addr can reach both ends of its connection.
int SocketFd(const std::string& addr, bool peer) {
  for (int fd = 0; fd < 4096; ++fd) {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&sa), &len)
                  : getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    if (rc != 0 || sa.sin_family != AF_INET) continue;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
    if (std::string(ip) + ":" + std::to_string(ntohs(sa.sin_port)) == addr) return fd;
  }
  return -1;
}

// The peer answers the first request on each conn, and closes the conn
// without an answer when a second request arrives on it.
ScriptedPeer::OnData OneAnswerPerConn(int* requests) {
  return [requests](ScriptedPeer&, ScriptedPeer::Conn& c) {
    while (!ScriptedPeer::TakeRequest(c).empty()) {
      ++*requests;
      if (c.requests == 1) {
        ScriptedPeer::Write(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      } else {
        ScriptedPeer::Close(c);
      }
    }
  };
}

// Stream registers f at pattern as a handler that streams request bodies.
void Stream(nethttp::ServeMux& mux, std::string_view pattern, nethttp::HandlerFunc::Func f) {
  REQUIRE_FALSE(mux.Handle(pattern, std::make_shared<nethttp::StreamingHandlerFunc>(std::move(f))));
}

// StreamReq is a POST to url whose body comes from body, declared as
// content_length (-1 or 0: unknown, so chunked).
Request StreamReq(const std::string& url, std::shared_ptr<Body> body, int64_t content_length,
                  const std::string& method = "POST") {
  Request req = NewRequest(method, url).value();
  req.body_stream = std::move(body);
  req.content_length = content_length;
  return req;
}
}  // namespace

TEST_SUITE("transport") {
  TEST_CASE_FIXTURE(ClientFixture, "sequential requests reuse one connection") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("hi"); });
    Start();
    for (int i = 0; i < 5; ++i) {
      auto r = Send(transport, GetReq(URL("/")));
      REQUIRE(r.ok());
      CHECK(ReadAll(*r).value() == "hi");
    }
    CHECK(transport.ConnectionsOpened() == 1);
    CHECK(server_conns == 1);
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a server's trailers reach Body::Trailer, declared and prefixed") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) {
      w.Header().Set("Trailer", "X-Sum");
      w.Write("payload");
      w.Header().Set("X-Sum", "7");
      w.Header().Set(std::string(nethttp::TrailerPrefix) + "X-Late", "yes");
    });
    Start();
    auto r = Send(transport, GetReq(URL("/")));
    REQUIRE(r.ok());
    CHECK(r->content_length == -1);  // chunked, as trailers need
    CHECK(ReadAll(*r).value() == "payload");
    CHECK(r->body->Trailer().Get("X-Sum") == "7");
    CHECK(r->body->Trailer().Get("X-Late") == "yes");
    CHECK(r->header.Get("X-Late").empty());
  }

  TEST_CASE_FIXTURE(ClientFixture, "gzip: asked for and decoded unless the caller chose, or HEAD, Range, disable_compression") {
    const std::string page(50000, 'z');
    std::vector<std::string> asked;  // each request's Accept-Encoding
    auto inner = std::make_shared<nethttp::HandlerFunc>([&](ResponseWriter& w, Request& r) {
      asked.emplace_back(r.header.Get("Accept-Encoding"));
      w.Header().Set("Content-Type", "text/plain");
      w.Header().Set("Content-Length", std::to_string(page.size()));
      if (r.method != "HEAD") w.Write(page);
    });
    std::shared_ptr<nethttp::Handler> gz = nethttp::GzipHandler(inner);
    mux.HandleFunc("/", [gz](ResponseWriter& w, Request& r) { gz->ServeHTTP(w, r); });
    Start();

    auto r = Send(transport, GetReq(URL("/")));
    REQUIRE(r.ok());
    CHECK(asked.back() == "gzip");
    CHECK(r->uncompressed);
    CHECK(r->content_length == -1);
    CHECK_FALSE(r->header.Has("Content-Encoding"));
    CHECK_FALSE(r->header.Has("Content-Length"));
    CHECK(r->header.Get("Vary") == "Accept-Encoding");
    CHECK(ReadAll(*r).value() == page);
    CHECK(r->request->header.Get("Accept-Encoding").empty());  // the caller's request is untouched

    Request own = GetReq(URL("/"));
    own.header.Set("Accept-Encoding", "gzip");
    r = Send(transport, std::move(own));
    REQUIRE(r.ok());
    CHECK_FALSE(r->uncompressed);
    CHECK(r->header.Get("Content-Encoding") == "gzip");
    std::string raw = ReadAll(*r).value();
    CHECK(raw.size() < 1000);
    CHECK(raw.substr(0, 2) == "\x1f\x8b");

    Request ranged = GetReq(URL("/"));
    ranged.header.Set("Range", "bytes=0-9");
    r = Send(transport, std::move(ranged));
    REQUIRE(r.ok());
    CHECK(asked.back().empty());
    CHECK(ReadAll(*r).value() == page);  // this handler ignores ranges

    r = Send(transport, GetReq(URL("/"), "HEAD"));
    REQUIRE(r.ok());
    CHECK(asked.back().empty());

    transport.disable_compression = true;
    r = Send(transport, GetReq(URL("/")));
    REQUIRE(r.ok());
    CHECK(asked.back().empty());
    CHECK_FALSE(r->uncompressed);
    CHECK(r->header.Get("Content-Length") == std::to_string(page.size()));
    CHECK(ReadAll(*r).value() == page);
  }

  TEST_CASE_FIXTURE(ClientFixture, "max_response_header_bytes bounds the response head") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) {
      w.Header().Set("X-Big", std::string(20000, 'h'));
      w.Write("ok");
    });
    Start();
    auto r = Send(transport, GetReq(URL("/")));
    REQUIRE(r.ok());
    CHECK(ReadAll(*r).value() == "ok");
    transport.CloseIdleConnections();
    transport.max_response_header_bytes = 10000;
    r = Send(transport, GetReq(URL("/")));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kHeaderTooLarge);
  }

  // ExpectPeer answers an "Expect: 100-continue" request head as the test
  // says (a 100 Continue, a final answer, or nothing), then 200 "ok" to
  // the whole request; it notes whether body bytes came with the head.
  struct ExpectScript {
    enum class Answer { kContinue, kFinal, kNothing } answer;
    int conn = -1;                // the conn whose head was seen (a new one starts over)
    bool body_with_head = false;  // bytes past the head in the read that completed it
    std::string body;             // the body the server got, if any
  };
  ScriptedPeer::OnData ExpectPeer(ExpectScript* s) {
    return [s](ScriptedPeer&, ScriptedPeer::Conn& c) {
      size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      if (s->conn != c.index) {
        s->conn = c.index;
        s->body_with_head = c.in.size() > end + 4;
        if (s->answer == ExpectScript::Answer::kContinue) ScriptedPeer::Write(c, "HTTP/1.1 100 Continue\r\n\r\n");
        if (s->answer == ExpectScript::Answer::kFinal) {
          ScriptedPeer::Write(c, "HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
          return;
        }
      }
      if (s->answer == ExpectScript::Answer::kFinal) {
        s->body += c.in.substr(end + 4);  // anything that still came
        return;
      }
      std::string req = ScriptedPeer::TakeRequest(c);
      if (req.empty()) return;
      s->body = req.substr(end + 4);
      ScriptedPeer::Write(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    };
  }

  Request ExpectRequest(const std::string& url) {
    Request req = NewRequest("POST", url, "the body").value();
    req.header.Set("Expect", "100-continue");
    return req;
  }

  TEST_CASE_FIXTURE(ClientFixture, "Expect: 100-continue: the body waits for the 100, then goes") {
    ExpectScript script{ExpectScript::Answer::kContinue};
    ScriptedPeer peer(fx.uv(), ExpectPeer(&script));
    auto r = Send(transport, ExpectRequest(peer.URL()));
    REQUIRE(r.ok());
    CHECK(r->status_code == 200);
    CHECK(ReadAll(*r).value() == "ok");
    CHECK_FALSE(script.body_with_head);
    CHECK(script.body == "the body");
  }

  TEST_CASE_FIXTURE(ClientFixture, "Expect: 100-continue: a final answer first, and the body is never sent") {
    ExpectScript script{ExpectScript::Answer::kFinal};
    ScriptedPeer peer(fx.uv(), ExpectPeer(&script));
    auto r = Send(transport, ExpectRequest(peer.URL()));
    REQUIRE(r.ok());
    CHECK(r->status_code == 417);
    CHECK(ReadAll(*r).value().empty());
    Spin(5);
    CHECK(script.body.empty());
    // The server may still be waiting for those bytes: the conn is not reused.
    auto r2 = Send(transport, ExpectRequest(peer.URL()));
    REQUIRE(r2.ok());
    CHECK(peer.accepted() == 2);
  }

  TEST_CASE_FIXTURE(ClientFixture, "Expect: 100-continue: no 100 in expect_continue_timeout, the body goes anyway; 0 sends it at once") {
    transport.expect_continue_timeout = std::chrono::milliseconds(30);
    ExpectScript silent{ExpectScript::Answer::kNothing};
    ScriptedPeer peer(fx.uv(), ExpectPeer(&silent));
    auto r = Send(transport, ExpectRequest(peer.URL()));
    REQUIRE(r.ok());
    CHECK(ReadAll(*r).value() == "ok");
    CHECK_FALSE(silent.body_with_head);
    CHECK(silent.body == "the body");

    transport.expect_continue_timeout = std::chrono::milliseconds(0);
    ExpectScript at_once{ExpectScript::Answer::kNothing};
    ScriptedPeer peer2(fx.uv(), ExpectPeer(&at_once));
    r = Send(transport, ExpectRequest(peer2.URL()));
    REQUIRE(r.ok());
    CHECK(ReadAll(*r).value() == "ok");
    CHECK(at_once.body_with_head);
  }

  TEST_CASE_FIXTURE(ClientFixture, "Expect: 100-continue against our own server: 100, then the body, then the echo") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request& r) { w.Write(r.body); });
    Start();
    auto r = Send(transport, ExpectRequest(URL("/")));
    REQUIRE(r.ok());
    CHECK(ReadAll(*r).value() == "the body");
  }

  TEST_CASE_FIXTURE(ClientFixture, "gzip: a body that does not decode ends with Go's error") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) {
      w.Header().Set("Content-Encoding", "gzip");
      w.Write("this is not gzip");
    });
    Start();
    auto r = Send(transport, GetReq(URL("/")));
    REQUIRE(r.ok());
    CHECK(r->uncompressed);
    Result<std::string> body = ReadAll(*r);
    CHECK(body.error().message() == "gzip: invalid header");
  }

  TEST_CASE_FIXTURE(ClientFixture, "a finished request's buffer serves the next; a large one is not kept") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request& r) { w.Write(std::to_string(r.body.size())); });
    Start();
    nethttp::TransportAccess::Impl& impl = nethttp::TransportAccess::Of(transport);
    CHECK(impl.SpareWireCount() == 0);
    for (int i = 0; i < 3; ++i) {
      auto r = Send(transport, GetReq(URL("/")));
      REQUIRE(r.ok());
      CHECK(ReadAll(*r).value() == "0");
      CHECK(impl.SpareWireCount() == 1);  // the same buffer each time
    }
    // A body rides in the request's buffer: 64 KiB of it is not kept.
    auto big = Send(transport, NewRequest("POST", URL("/"), std::string(64 << 10, 'x')).value());
    REQUIRE(big.ok());
    CHECK(ReadAll(*big).value() == std::to_string(64 << 10));
    CHECK(impl.SpareWireCount() == 0);
  }

  TEST_CASE_FIXTURE(ClientFixture, "concurrent requests open one conn each, then share the pool") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("hi"); });
    Start();
    int done = 0;
    for (int i = 0; i < 4; ++i) {
      transport.RoundTrip(GetReq(URL("/")), [&](Result<Response>&& r) {
        REQUIRE(r.ok());
        r->body->ReadAll([&](Result<std::string>&& b) { CHECK(b.value() == "hi"); ++done; });
      });
    }
    REQUIRE(fx.RunUntil([&] { return done == 4; }));
    CHECK(transport.ConnectionsOpened() == 4);
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 4);
    done = 0;
    for (int i = 0; i < 4; ++i) {
      transport.RoundTrip(GetReq(URL("/")), [&](Result<Response>&& r) {
        r->body->ReadAll([&](Result<std::string>&&) { ++done; });
      });
    }
    REQUIRE(fx.RunUntil([&] { return done == 4; }));
    CHECK(transport.ConnectionsOpened() == 4);
    CHECK(server_conns == 4);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a dial that finishes for a request that left goes to the pool") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("hi"); });
    Start();
    auto cancel = std::make_shared<Cancelation>();
    std::optional<Result<Response>> out;
    transport.RoundTrip(GetReq(URL("/")), [&](Result<Response>&& r) { out.emplace(std::move(r)); },
                        cancel);
    cancel->Cancel(Error(ErrorCode::kCanceled, "gave up"));  // the waiter leaves mid-dial
    REQUIRE(out.has_value());
    CHECK(out->error().code() == ErrorCode::kCanceled);
    REQUIRE(fx.RunUntil([&] { return nethttp::TransportAccess::Of(transport).IdleConnCount() == 1; }));
    auto r = Send(transport, GetReq(URL("/")));
    REQUIRE(r.ok());
    CHECK(ReadAll(*r).value() == "hi");
    CHECK(transport.ConnectionsOpened() == 1);  // the dial was not wasted
  }

  TEST_CASE_FIXTURE(ClientFixture, "max_conns_per_host: extra requests wait in FIFO order for a conn") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request& r) { w.Write(r.url.raw_query); });
    Start();
    transport.max_conns_per_host = 1;
    std::vector<std::string> order;
    for (int i = 0; i < 5; ++i) {
      transport.RoundTrip(GetReq(URL("/?" + std::to_string(i))), [&](Result<Response>&& r) {
        REQUIRE(r.ok());
        r->body->ReadAll([&](Result<std::string>&& b) { order.push_back(b.value()); });
      });
    }
    REQUIRE(fx.RunUntil([&] { return order.size() == 5; }));
    CHECK(order == std::vector<std::string>{"0", "1", "2", "3", "4"});
    CHECK(transport.ConnectionsOpened() == 1);
    CHECK(server_conns == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a conn closed after each response: the client redials") {
    // The peer closes every kept-alive conn after one response without
    // saying so; the idle conn's armed read sees it and drops it.
    ScriptedPeer peer(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn& c) {
      if (!ScriptedPeer::TakeRequest(c).empty()) {
        ScriptedPeer::Write(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        ScriptedPeer::Close(c);
      }
    });
    for (int i = 0; i < 3; ++i) {
      auto r = Send(transport, NewRequest("POST", peer.URL(), "x").value());
      REQUIRE(r.ok());
      CHECK(ReadAll(*r).value() == "ok");
      Spin(5);
    }
    CHECK(peer.accepted() == 3);
    CHECK(transport.ConnectionsOpened() == 3);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a GET that dies on a reused conn is retried on a new one") {
    int requests = 0;
    ScriptedPeer peer(fx.uv(), OneAnswerPerConn(&requests));
    auto a = Send(transport, GetReq(peer.URL()));
    REQUIRE(a.ok());
    CHECK(ReadAll(*a).value() == "ok");
    auto b = Send(transport, GetReq(peer.URL()));
    REQUIRE(b.ok());
    CHECK(ReadAll(*b).value() == "ok");
    CHECK(requests == 3);
    CHECK(peer.accepted() == 2);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a POST that may have reached the server is never sent twice") {
    int requests = 0;
    ScriptedPeer peer(fx.uv(), OneAnswerPerConn(&requests));
    auto a = Send(transport, GetReq(peer.URL()));
    REQUIRE(a.ok());
    CHECK(ReadAll(*a).value() == "ok");
    auto b = Send(transport, NewRequest("POST", peer.URL(), "pay once").value());
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code() == ErrorCode::kUnexpectedEof);
    CHECK(requests == 2);  // the GET and one POST
    CHECK(peer.accepted() == 1);
    // With an Idempotency-Key the caller says a replay is safe (Go too).
    auto req = NewRequest("POST", peer.URL(), "again").value();
    req.header.Set("Idempotency-Key", "k1");
    auto c = Send(transport, std::move(req));
    REQUIRE(c.ok());
  }

  TEST_CASE_FIXTURE(ClientFixture, "a close that came with the response keeps a POST off the conn, a GET is resent") {
    // The server answers each conn's second request and closes at once, so
    // its FIN is in our socket before the loop has read it. A POST could
    // not be sent again, so the pool looks before handing the conn over
    // (PeerGone) and dials; a GET skips the look, as Go does, and is resent
    // after the dead conn fails.
    int requests = 0;
    ScriptedPeer peer(fx.uv(), [&requests](ScriptedPeer&, ScriptedPeer::Conn& c) {
      if (ScriptedPeer::TakeRequest(c).empty()) return;
      ++requests;
      ScriptedPeer::Write(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      if (c.requests == 2) ScriptedPeer::Close(c);
    });
    // Each request goes out at the start of the turn after the one that
    // read the previous response, before that turn's poll can read the
    // close (an idle handle runs there).
    struct Chain {
      nethttp::RoundTripper* rt = nullptr;
      std::vector<Request> reqs;
      size_t next = 0;
      std::vector<Response> resps;  // (their bodies are read in place)
      std::vector<std::string> got;  // each body, or the error
      uv_idle_t idle;
      void Send() {
        rt->RoundTrip(std::move(reqs[next++]), [this](Result<Response>&& r) {
          if (!r.ok()) {
            got.push_back("error: " + r.error().message());
            return Next();
          }
          resps.push_back(std::move(*r));
          resps.back().body->ReadAll([this](Result<std::string>&& b) {
            got.push_back(b.ok() ? *b : "error: " + b.error().message());
            Next();
          });
        });
      }
      void Next() {
        if (next == reqs.size()) return;
        uv_idle_start(&idle, [](uv_idle_t* h) {
          uv_idle_stop(h);
          static_cast<Chain*>(h->data)->Send();
        });
      }
    };
    Chain chain;
    chain.rt = &transport;
    chain.reqs.push_back(GetReq(peer.URL()));  // a new conn
    chain.reqs.push_back(GetReq(peer.URL()));  // the same conn, which the server then closes
    chain.reqs.push_back(NewRequest("POST", peer.URL(), "pay once").value());  // a new conn
    chain.reqs.push_back(GetReq(peer.URL()));  // the same, then closed
    chain.reqs.push_back(GetReq(peer.URL()));  // the closed one, then a new one
    uv_idle_init(fx.uv(), &chain.idle);
    chain.idle.data = &chain;
    chain.Send();
    REQUIRE(fx.RunUntil([&] { return chain.got.size() == 5; }));
    bool closed = false;
    chain.idle.data = &closed;
    uv_close(reinterpret_cast<uv_handle_t*>(&chain.idle), [](uv_handle_t* h) { *static_cast<bool*>(h->data) = true; });
    REQUIRE(fx.RunUntil([&] { return closed; }));
    // The POST never went to the closed conn (it would have failed there:
    // it cannot be resent); the last GET is answered either way.
    CHECK(chain.got == std::vector<std::string>(5, "ok"));
    CHECK(requests == 5);
    CHECK(peer.accepted() == 3);
    CHECK(transport.ConnectionsOpened() == 3);
  }

  TEST_CASE_FIXTURE(ClientFixture, "IdleConnTimeout closes a pooled conn, counted from when it last went idle") {
    ScriptedPeer peer(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn& c) {
      while (!ScriptedPeer::TakeRequest(c).empty()) {
        ScriptedPeer::Write(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }
    });
    transport.idle_conn_timeout = std::chrono::milliseconds(600);
    nethttp::TransportAccess::Impl& impl = nethttp::TransportAccess::Of(transport);
    auto a = Send(transport, GetReq(peer.URL()));
    REQUIRE(a.ok());
    CHECK(ReadAll(*a).value() == "ok");
    Spin(400);
    auto b = Send(transport, GetReq(peer.URL()));  // the same conn, idle again from its end
    REQUIRE(b.ok());
    CHECK(ReadAll(*b).value() == "ok");
    CHECK(transport.ConnectionsOpened() == 1);
    // 800 ms after it first went idle, 400 after the second time: still kept.
    Spin(400);
    CHECK(impl.IdleConnCount() == 1);
    REQUIRE(fx.RunUntil([&] { return impl.LiveConnCount() == 0; }));
    CHECK(impl.IdleConnCount() == 0);
    CHECK(peer.accepted() == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "ResponseHeaderTimeout holds on a conn taken from the pool") {
    // The pooled conn's idle deadline is far off; the request's is near.
    ScriptedPeer peer(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn& c) {
      if (!ScriptedPeer::TakeRequest(c).empty() && c.requests == 1) {
        ScriptedPeer::Write(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }
    });
    transport.response_header_timeout = std::chrono::milliseconds(100);
    auto a = Send(transport, GetReq(peer.URL()));
    REQUIRE(a.ok());
    CHECK(ReadAll(*a).value() == "ok");
    Spin(150);  // past the first request's deadline, which must not touch the idle conn
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 1);
    auto b = Send(transport, GetReq(peer.URL()));
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code() == ErrorCode::kTimeout);
    CHECK(b.error().message() == "net/http: timeout awaiting response headers");
    CHECK(transport.ConnectionsOpened() == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "ResponseHeaderTimeout fails a server that never answers") {
    ScriptedPeer peer(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn&) {});
    transport.response_header_timeout = std::chrono::milliseconds(50);
    auto r = Send(transport, GetReq(peer.URL()));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kTimeout);
    CHECK(r.error().message() == "net/http: timeout awaiting response headers");
  }

  TEST_CASE_FIXTURE(ClientFixture, "a refused port is a dial error") {
    int port;
    {
      ScriptedPeer gone(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn&) {});
      port = gone.port();
    }
    Spin(5);
    auto r = Send(transport, GetReq("http://127.0.0.1:" + std::to_string(port) + "/"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kIo);
    CHECK(r.error().message().find("connection refused") != std::string::npos);
    CHECK(nethttp::TransportAccess::Of(transport).LiveConnCount() == 0);
  }

  TEST_CASE_FIXTURE(ClientFixture, "localhost resolves and connects (IPv4 or IPv6 in turn)") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request& r) { w.Write(r.host); });
    Start();
    std::string port = base.substr(base.rfind(':') + 1);
    auto r = Send(transport, GetReq("http://localhost:" + port + "/"));
    REQUIRE(r.ok());
    CHECK(ReadAll(*r).value() == "localhost:" + port);
  }

  TEST_CASE_FIXTURE(ClientFixture, "DisableKeepAlives: a new conn per request, with Connection: close") {
    std::string seen;
    mux.HandleFunc("/", [&](ResponseWriter& w, Request& r) {
      seen = std::string(r.header.Get("Connection"));
      w.Write("x");
    });
    Start();
    transport.disable_keep_alives = true;
    for (int i = 0; i < 2; ++i) {
      auto r = Send(transport, GetReq(URL("/")));
      REQUIRE(r.ok());
      CHECK(ReadAll(*r).value() == "x");
    }
    CHECK(seen == "close");
    CHECK(transport.ConnectionsOpened() == 2);
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 0);
  }

  TEST_CASE_FIXTURE(ClientFixture, "CloseIdleConnections empties the pool") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("x"); });
    Start();
    auto r = Send(transport, GetReq(URL("/")));
    REQUIRE(r.ok());
    CHECK(ReadAll(*r).value() == "x");
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 1);
    transport.CloseIdleConnections();
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 0);
    REQUIRE(fx.RunUntil([&] { return srv.NumConns() == 0; }));
  }

  TEST_CASE_FIXTURE(ClientFixture, "what Client asks a RoundTripper: EventLoop and ReturnsRequest") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("hi"); });
    Start();
    CHECK(&transport.EventLoop() == &fx.loop());
    {
      nethttp::Transport on_default;  // null loop: DefaultLoop()
      CHECK(&on_default.EventLoop() == &nethttp::DefaultLoop());
    }
    // ReturnsRequest promises that Response::request is the request given,
    // whose head Client then needs no copy of; only its body is dropped.
    CHECK(transport.ReturnsRequest());
    Request req = NewRequest("POST", URL("/?q=1"), "payload").value();
    req.header.Set("X-Mark", "given");
    auto r = Send(transport, std::move(req));
    REQUIRE(r.ok());
    REQUIRE(r->request != nullptr);
    CHECK(r->request->method == "POST");
    CHECK(r->request->url.String() == URL("/?q=1"));
    CHECK(r->request->header.Get("X-Mark") == "given");
    CHECK(r->request->body.empty());
    CHECK(ReadAll(*r).value() == "hi");
  }

  TEST_CASE_FIXTURE(ClientFixture, "unsupported schemes are refused before any I/O") {
    auto r = Send(transport, GetReq("ftp://example.com/"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "unsupported protocol scheme \"ftp\"");
    // The Transport remembers the last host's key: another scheme for the
    // same host is not that key, and a host of its own is asked afresh.
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("ok"); });
    Start();
    auto good = Send(transport, GetReq(URL("/")));
    REQUIRE(good.ok());
    CHECK(ReadAll(*good).value() == "ok");
    std::string host = URL("/").substr(std::string_view("http://").size());
    auto ftp = Send(transport, GetReq("ftp://" + host));
    REQUIRE_FALSE(ftp.ok());
    CHECK(ftp.error().message() == "unsupported protocol scheme \"ftp\"");
    auto no_port = Send(transport, GetReq("http://127.0.0.1:99999/"));
    REQUIRE_FALSE(no_port.ok());
    auto again = Send(transport, GetReq(URL("/")));
    REQUIRE(again.ok());
    CHECK(ReadAll(*again).value() == "ok");
  }
}

// https: the same Transport over TlsSession, against the library's own TLS
// server (Go: the transport tests run under httptest.NewTLSServer too).
TEST_SUITE("transport over TLS") {
  TEST_CASE_FIXTURE(ClientFixture, "https round trips share one conn and report Response::tls") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request& r) {
      w.Write(r.tls ? r.tls->server_name + "|" + r.tls->negotiated_protocol : "plain");
    });
    StartTLS();
    std::shared_ptr<const nethttp::ConnectionState> first;
    for (int i = 0; i < 3; ++i) {
      auto r = Send(transport, GetReq(URL("/")));
      REQUIRE_MESSAGE(r.ok(), r.error().message());
      // An IP in the URL is verified against the certificate's IP SAN and
      // never sent as SNI (RFC 6066 §3).
      CHECK(ReadAll(*r).value() == "|http/1.1");
      REQUIRE(r->tls != nullptr);
      CHECK(r->tls->version == nethttp::VersionTLS13);
      CHECK(r->tls->negotiated_protocol == "http/1.1");
      CHECK_FALSE(r->tls->peer_certificates.empty());
      if (i == 0) first = r->tls;
      CHECK(r->tls == first);  // one ConnectionState per conn
    }
    CHECK(transport.ConnectionsOpened() == 1);
    CHECK(server_conns == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a new conn to the same server resumes its TLS session") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request& r) { w.Write(r.tls->did_resume ? "resumed" : "full"); });
    StartTLS();
    uint16_t version = 0;
    SUBCASE("TLS 1.3") { version = nethttp::VersionTLS13; }
    SUBCASE("TLS 1.2") { version = nethttp::VersionTLS12; }
    transport.tls_client_config->max_version = version;
    auto a = Send(transport, GetReq(URL("/")));
    REQUIRE_MESSAGE(a.ok(), a.error().message());
    CHECK(ReadAll(*a).value() == "full");
    CHECK(a->tls->version == version);
    CHECK_FALSE(a->tls->did_resume);
    transport.CloseIdleConnections();
    auto b = Send(transport, GetReq(URL("/")));
    REQUIRE_MESSAGE(b.ok(), b.error().message());
    CHECK(ReadAll(*b).value() == "resumed");
    CHECK(b->tls->did_resume);
    CHECK(transport.ConnectionsOpened() == 2);
  }

  TEST_CASE_FIXTURE(ClientFixture, "verification failures read as Go's") {
    StartTLS();
    std::string want;
    SUBCASE("a CA the client does not trust") {
      transport.tls_client_config->root_ca_files.clear();
      want = "x509: certificate signed by unknown authority";
    }
    SUBCASE("a name the certificate is not for") {
      transport.tls_client_config->server_name = "other.test";
      want = "x509: certificate is valid for localhost, not other.test";
    }
    auto r = Send(transport, GetReq(URL("/")));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == want);
    CHECK(r.error().code() == ErrorCode::kCertificate);
    CHECK(nethttp::TransportAccess::Of(transport).LiveConnCount() == 0);
  }

  TEST_CASE_FIXTURE(ClientFixture, "insecure_skip_verify accepts any certificate") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("ok"); });
    StartTLS();
    transport.tls_client_config = std::make_shared<nethttp::TLSConfig>();
    transport.tls_client_config->use_system_roots = false;
    transport.tls_client_config->insecure_skip_verify = true;
    transport.tls_client_config->server_name = "not.the.name";
    auto r = Send(transport, GetReq(URL("/")));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(ReadAll(*r).value() == "ok");
  }

  TEST_CASE_FIXTURE(ClientFixture, "a client certificate reaches the server's handler") {
    srv.tls_config = std::make_shared<nethttp::TLSConfig>();
    srv.tls_config->client_auth = nethttp::ClientAuthType::kRequireAndVerifyClientCert;
    srv.tls_config->client_ca_files = {CertFile("ca.pem")};
    size_t peer_certs = 0;
    mux.HandleFunc("/", [&](ResponseWriter& w, Request& r) {
      peer_certs = r.tls->peer_certificates.size();
      w.Write("ok");
    });
    StartTLS();
    SUBCASE("given") {
      auto cert = nethttp::LoadX509KeyPair(CertFile("client.pem"), CertFile("client.key"));
      REQUIRE(cert.ok());
      transport.tls_client_config->certificates = {*cert};
      auto r = Send(transport, GetReq(URL("/")));
      REQUIRE_MESSAGE(r.ok(), r.error().message());
      CHECK(ReadAll(*r).value() == "ok");
      CHECK(peer_certs == 1);
    }
    SUBCASE("missing: the server's alert is the error") {
      // TLS 1.3 finishes the client's handshake before the server has
      // checked its certificate, so the alert may come with the response.
      auto r = Send(transport, GetReq(URL("/")));
      REQUIRE_FALSE(r.ok());
      CHECK_MESSAGE(r.error().message().starts_with("remote error: tls: "), r.error().message());
      CHECK(peer_certs == 0);
    }
  }

  TEST_CASE_FIXTURE(ClientFixture, "http and https never share a conn") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request& r) { w.Write(r.tls ? "https" : "http"); });
    StartTLS();
    // A plain server on another port: the pool keys on scheme + host +
    // port, so the two schemes' conns stay apart even for one host.
    nethttp::Server plain;
    plain.addr = "127.0.0.1:0";
    plain.handler = mux_owner;
    plain.loop = &fx.loop();
    REQUIRE_FALSE(plain.Listen());
    for (int i = 0; i < 2; ++i) {
      auto s = Send(transport, GetReq(URL("/")));
      REQUIRE(s.ok());
      CHECK(ReadAll(*s).value() == "https");
      auto p = Send(transport, GetReq("http://" + plain.ListenAddr() + "/"));
      REQUIRE(p.ok());
      CHECK(ReadAll(*p).value() == "http");
    }
    CHECK(transport.ConnectionsOpened() == 2);
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 2);
    plain.Close();
  }

  TEST_CASE_FIXTURE(ClientFixture, "servers that do not finish the handshake") {
    std::string want;
    transport.tls_client_config = TrustingConfig();
    transport.tls_handshake_timeout = std::chrono::milliseconds(150);
    std::unique_ptr<ScriptedPeer> peer;
    SUBCASE("silent: Go's TLS handshake timeout") {
      peer = std::make_unique<ScriptedPeer>(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn&) {});
      want = "net/http: TLS handshake timeout";
    }
    SUBCASE("hangs up after the ClientHello") {
      peer = std::make_unique<ScriptedPeer>(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn& c) {
        ScriptedPeer::Close(c);
      });
      want = "EOF";
    }
    SUBCASE("answers in plaintext HTTP") {
      peer = std::make_unique<ScriptedPeer>(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn& c) {
        ScriptedPeer::Write(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        ScriptedPeer::Close(c);
      });
      want = "http: server gave HTTP response to HTTPS client";
    }
    SUBCASE("refuses with a handshake_failure alert") {
      peer = std::make_unique<ScriptedPeer>(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn& c) {
        ScriptedPeer::Write(c, std::string_view("\x15\x03\x03\x00\x02\x02\x28", 7));
      });
      want = "remote error: tls: handshake failure";
    }
    SUBCASE("answers with an empty ServerHello") {
      peer = std::make_unique<ScriptedPeer>(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn& c) {
        ScriptedPeer::Write(c, std::string_view("\x16\x03\x03\x00\x04\x02\x00\x00\x00", 9));
      });
      want = "tls: ";
    }
    auto r = Send(transport, GetReq("https://127.0.0.1:" + std::to_string(peer->port()) + "/"));
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.error().message().starts_with(want), r.error().message());
    CHECK(nethttp::TransportAccess::Of(transport).LiveConnCount() == 0);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a root CA file that cannot be read fails the request, not the dial") {
    StartTLS();
    transport.tls_client_config->root_ca_files = {"/nonexistent/ca.pem"};
    auto r = Send(transport, GetReq(URL("/")));
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.error().message().find("/nonexistent/ca.pem") != std::string::npos,
                  r.error().message());
    CHECK(transport.ConnectionsOpened() == 0);
  }
}

// Request bodies from a stream (Request::body_stream): framed by the
// declared length or chunked, sent as the source gives them with the
// socket's backpressure, held to their Content-Length, never resent (Go:
// transport_test.go's TestTransportBodyReadError, TestTransportRequestWrite
// and the early-response tests).
TEST_SUITE("transport: streamed request bodies") {
  TEST_CASE_FIXTURE(ClientFixture, "a Content-Length stream arrives whole at a slow reader, paused while the socket is full") {
    constexpr int64_t kTotal = 5 << 20;
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), kTotal, 16 * 1024);
    PatternChecker got;
    std::string content_length, transfer_encoding;
    int64_t declared = 0;
    int64_t max_ahead = 0;
    bool capped = false;
    std::shared_ptr<Body> in;
    std::shared_ptr<ResponseWriter> held;
    bool server_paused = false;
    int64_t next_starve = 1 << 20;
    // The server reads nothing until the source was paused (or, were it
    // never, has given everything): what the client took from it meanwhile
    // can only be in its write queue or the kernel's buffers.
    auto let_server_read = [&] {
      if (!server_paused) return;
      server_paused = false;
      in->Resume();
    };
    gen->on_pause = let_server_read;
    gen->on_finish = let_server_read;
    gen->on_piece = [&] { max_ahead = std::max(max_ahead, gen->produced - got.received); };
    Stream(mux, "/up", [&](ResponseWriter& w, Request& r) {
      declared = r.content_length;
      content_length = std::string(r.header.Get("Content-Length"));
      transfer_encoding = std::string(r.header.Get("Transfer-Encoding"));
      // Small kernel buffers on both ends (autotuning would grow them to
      // MiBs), so what the kernel holds cannot hide a client that buffers.
      int client_fd = SocketFd(r.remote_addr, false), server_fd = SocketFd(r.remote_addr, true);
      int small = 64 * 1024;
      capped = client_fd >= 0 && server_fd >= 0 &&
               setsockopt(client_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0 &&
               setsockopt(server_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0;
      held = w.Hold();
      in = r.Body();
      // Past each MiB the server starves the client again, while the
      // source runs (a paused one might never be paused anew), so the
      // source goes through several pause and resume cycles.
      in->Read(
          [&](std::string_view s) {
            got.Feed(s);
            if (got.received >= next_starve && gen->pauses == gen->resumes && !gen->ended) {
              next_starve += 1 << 20;
              server_paused = true;
              in->Pause();
            }
          },
               [&](Error err) {
                 held->Write(err ? err.message() : std::to_string(got.received));
                 held->Finish();
               });
      if (gen->pauses == 0 && !gen->ended) {
        server_paused = true;
        in->Pause();
      }
    });
    Start();
    auto r = Send(transport, StreamReq(URL("/up"), gen, kTotal));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(ReadAll(*r).value() == std::to_string(kTotal));
    CHECK(capped);
    CHECK(declared == kTotal);
    CHECK(content_length == std::to_string(kTotal));
    CHECK(transfer_encoding.empty());
    CHECK(got.received == kTotal);
    CHECK(got.first_bad == -1);
    CHECK(gen->reads == 1);
    CHECK(gen->pauses >= 2);
    CHECK(gen->resumes == gen->pauses);
    // Write queue (64 KiB high water, plus the piece that crossed it), two
    // 128 KiB kernel buffers, the server's own read buffering: well under
    // 1 MiB. A client that ignored the full socket would be MiBs ahead.
    CHECK_MESSAGE(max_ahead < (1 << 20), "the source ran ahead of the server by ", max_ahead);
    CHECK(transport.ConnectionsOpened() == 1);
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a stream of unknown length arrives chunked, and the conn is reused") {
    int64_t declared = 0;
    int64_t length = 0;
    SUBCASE("content_length -1") { length = -1; }
    SUBCASE("content_length 0") { length = 0; }
    constexpr int64_t kTotal = 100 * 1024 + 7;
    std::string transfer_encoding, content_length, body;
    mux.HandleFunc("/up", [&](ResponseWriter& w, Request& r) {
      declared = r.content_length;
      transfer_encoding = std::string(r.header.Get("Transfer-Encoding"));
      content_length = std::string(r.header.Get("Content-Length"));
      body = r.body;
      w.Write("ok");
    });
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("again"); });
    Start();
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), kTotal, 10000);
    auto r = Send(transport, StreamReq(URL("/up"), gen, length));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(ReadAll(*r).value() == "ok");
    CHECK(declared == -1);
    CHECK(transfer_encoding == "chunked");
    CHECK(content_length.empty());
    CHECK(body == nethttp::testutil::PatternString(0, kTotal));
    // The last chunk ended the body where the server expected it to.
    auto again = Send(transport, GetReq(URL("/")));
    REQUIRE(again.ok());
    CHECK(ReadAll(*again).value() == "again");
    CHECK(transport.ConnectionsOpened() == 1);
    CHECK(server_conns == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "each piece of a chunked stream leaves as its own chunk, then the last chunk") {
    std::string wire;
    ScriptedPeer peer(fx.uv(), [&](ScriptedPeer&, ScriptedPeer::Conn& c) {
      if (!c.in.ends_with("\r\n0\r\n\r\n")) return;
      wire = c.in;
      ScriptedPeer::Write(c, "HTTP/1.1 204 No Content\r\n\r\n");
    });
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), 12, 5);
    auto r = Send(transport, StreamReq(peer.URL("/up"), gen, -1));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(r->status_code == 204);
    size_t head_end = wire.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    std::string head = wire.substr(0, head_end + 4);
    CHECK(head.find("\r\nTransfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(head.find("Content-Length") == std::string::npos);
    using nethttp::testutil::PatternString;
    CHECK(wire.substr(head_end + 4) == "5\r\n" + PatternString(0, 5) + "\r\n5\r\n" + PatternString(5, 5) +
                                           "\r\n2\r\n" + PatternString(10, 2) + "\r\n0\r\n\r\n");
  }

  TEST_CASE_FIXTURE(ClientFixture, "a declared trailer follows the stream: the source's values as it ends, else the request's") {
    constexpr int64_t kTotal = 50000;
    std::string declared, transfer_encoding, body;
    int64_t content_length = 0;
    nethttp::Header trailer;
    mux.HandleFunc("/up", [&](ResponseWriter& w, Request& r) {
      declared = std::string(r.header.Get("Trailer"));
      transfer_encoding = std::string(r.header.Get("Transfer-Encoding"));
      content_length = r.content_length;
      body = r.body;
      trailer = r.trailer;
      w.Write("ok");
    });
    Start();
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), kTotal, 8192);
    gen->trailer_at_end.Add("X-Sum", "from-source");
    // A known length: the trailer still needs chunked framing to be sent.
    Request req = StreamReq(URL("/up"), gen, kTotal);
    req.trailer.Add("X-Sum", "");             // declared; the source fills it in
    req.trailer.Add("X-Algo", "pattern");     // declared with its value
    req.trailer.Add("X-Sum", "not-this-one");  // the source's value wins
    auto r = Send(transport, std::move(req));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(ReadAll(*r).value() == "ok");
    CHECK(declared == "X-Algo,X-Sum");
    CHECK(transfer_encoding == "chunked");
    CHECK(content_length == -1);
    CHECK(body == nethttp::testutil::PatternString(0, kTotal));
    CHECK(trailer.Values("X-Sum") == std::vector<std::string_view>{"from-source"});
    CHECK(trailer.Get("X-Algo") == "pattern");
    // The trailer ended the body where the server expected: the conn is reused.
    auto again = Send(transport, StreamReq(URL("/up"), std::make_shared<GeneratorBody>(fx.uv(), 10, 10), 10));
    REQUIRE(again.ok());
    CHECK(ReadAll(*again).value() == "ok");
    CHECK(trailer.empty());
    CHECK(declared.empty());
    CHECK(transport.ConnectionsOpened() == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a stream shorter or longer than its Content-Length fails the round trip") {
    int calls = 0;
    mux.HandleFunc("/up", [&](ResponseWriter& w, Request&) {
      ++calls;
      w.Write("took it");
    });
    Start();
    int64_t produced = 0, piece = 0;
    std::string want;
    SUBCASE("short") {
      produced = 7, piece = 4;
      want = "http: ContentLength=10 with Body length 7";
    }
    SUBCASE("long") {
      // One piece past the length: nothing of it may leave, or the server
      // would take the first 10 bytes as a whole request.
      produced = 12, piece = 12;
      want = "http: ContentLength=10 with Body length 12";
    }
    // A declared trailer sends the body chunked; the length is still held
    // to what was declared (Go drops the trailer and keeps the check).
    for (bool with_trailer : {false, true}) {
      CAPTURE(with_trailer);
      auto gen = std::make_shared<GeneratorBody>(fx.uv(), produced, piece);
      Request req = StreamReq(URL("/up"), gen, 10);
      if (with_trailer) req.trailer.Add("X-Sum", "1");
      auto r = Send(transport, std::move(req));
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().message() == want);
      CHECK(r.error().code() == ErrorCode::kInvalidArgument);
      // The conn is closed, not pooled: the server sees a body cut short.
      CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 0);
      REQUIRE(fx.RunUntil([&] { return srv.NumConns() == 0; }));
      CHECK(calls == 0);
      CHECK(nethttp::TransportAccess::Of(transport).LiveConnCount() == 0);
    }
  }

  TEST_CASE_FIXTURE(ClientFixture, "a source that ends with an error fails the round trip with that error") {
    int calls = 0;
    mux.HandleFunc("/up", [&](ResponseWriter& w, Request&) {
      ++calls;
      w.Write("took it");
    });
    Start();
    int64_t length = 0;
    // (Declared lengths the bytes given do not reach, so the server cannot
    // answer before the source's end: the error must win over the length.)
    SUBCASE("chunked") { length = -1; }
    SUBCASE("Content-Length") { length = 5000; }
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), 3000, 1000, Error(ErrorCode::kIo, "read /dev/sdz: disk on fire"));
    auto r = Send(transport, StreamReq(URL("/up"), gen, length));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "read /dev/sdz: disk on fire");
    CHECK(r.error().code() == ErrorCode::kIo);
    CHECK(gen->ended);
    REQUIRE(fx.RunUntil([&] { return srv.NumConns() == 0; }));
    CHECK(calls == 0);
    CHECK(nethttp::TransportAccess::Of(transport).LiveConnCount() == 0);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a request with both a body and a body_stream is refused before any I/O") {
    Start();
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), 10, 10);
    Request req = NewRequest("POST", URL("/up"), "string body").value();
    req.body_stream = gen;
    auto r = Send(transport, std::move(req));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "http: Request has both a body and a body_stream");
    CHECK(r.error().code() == ErrorCode::kInvalidArgument);
    CHECK(gen->reads == 0);
    CHECK(transport.ConnectionsOpened() == 0);
  }

  TEST_CASE_FIXTURE(ClientFixture, "an early 413 is the answer; the conn whose body was not all out is closed") {
    Stream(mux, "/up", [](ResponseWriter& w, Request&) {
      w.WriteHeader(nethttp::StatusRequestEntityTooLarge);
      w.Write("too big");
    });
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("next"); });
    Start();
    constexpr int64_t kTotal = 2 << 20;
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), kTotal, 16 * 1024);
    // Held part-way until the answer is read: the response then ends with
    // the request body certainly not all out.
    gen->HoldAt(32 * 1024);
    auto r = Send(transport, StreamReq(URL("/up"), gen, kTotal));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(r->status_code == nethttp::StatusRequestEntityTooLarge);
    CHECK(ReadAll(*r).value() == "too big");
    CHECK(gen->produced < kTotal);
    gen->Release();
    auto next = Send(transport, GetReq(URL("/")));
    REQUIRE_MESSAGE(next.ok(), next.error().message());
    CHECK(ReadAll(*next).value() == "next");
    CHECK(transport.ConnectionsOpened() == 2);
    CHECK(server_conns == 2);
    // The abandoned body is closed, not read on for a conn that is gone.
    CHECK(gen->closed);
    CHECK(gen->produced < kTotal);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a response that ends before the body is out: the client closes a conn the server would keep") {
    // The peer answers a conn's first head at once, its body unread, and
    // a GET that follows on the same conn too: only the client's own rule
    // can keep the GET off the half-sent conn. Each answer names its conn.
    ScriptedPeer peer(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn& c) {
      std::string name = "conn" + std::to_string(c.index);
      std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(name.size()) + "\r\n\r\n" + name;
      if (size_t end = c.in.find("\r\n\r\n"); c.requests == 0 && end != std::string::npos) {
        ++c.requests;
        c.in.erase(0, end + 4);
        ScriptedPeer::Write(c, ok);
      }
      if (c.requests == 1 && c.in.find("GET /next ") != std::string::npos) {
        ++c.requests;
        ScriptedPeer::Write(c, ok);
      }
    });
    constexpr int64_t kTotal = 1 << 20;
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), kTotal, 16 * 1024);
    gen->HoldAt(32 * 1024);
    auto r = Send(transport, StreamReq(peer.URL("/up"), gen, kTotal));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(ReadAll(*r).value() == "conn0");
    CHECK(gen->produced == 32 * 1024);
    gen->Release();
    auto next = Send(transport, GetReq(peer.URL("/next")));
    REQUIRE_MESSAGE(next.ok(), next.error().message());
    CHECK(ReadAll(*next).value() == "conn1");
    CHECK(peer.accepted() == 2);
    CHECK(transport.ConnectionsOpened() == 2);
    CHECK(gen->closed);
  }

  TEST_CASE_FIXTURE(ClientFixture, "an echo streams back while the body is sent; the conn is reused after") {
    Stream(mux, "/echo", [](ResponseWriter& w, Request& r) {
      std::shared_ptr<ResponseWriter> held = w.Hold();
      std::shared_ptr<Body> in = r.Body();
      in->Read([held](std::string_view s) { held->Write(s); },
               [held, in](Error err) {
                 if (err) {
                   held->Abort();
                 } else {
                   held->Finish();
                 }
               });
    });
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("next"); });
    Start();
    constexpr int64_t kTotal = 1 << 20, kHalf = kTotal / 2;
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), kTotal, 16 * 1024);
    // The second half waits for the response head: a client that wanted
    // the whole body out before reading a response would hang here.
    gen->HoldAt(kHalf);
    std::optional<Result<Response>> resp;
    int64_t produced_at_head = -1;
    transport.RoundTrip(StreamReq(URL("/echo"), gen, kTotal), [&](Result<Response>&& r) {
      produced_at_head = gen->produced;
      resp.emplace(std::move(r));
      gen->Release();
    });
    REQUIRE(fx.RunUntil([&] { return resp.has_value(); }));
    REQUIRE_MESSAGE(resp->ok(), resp->error().message());
    CHECK(produced_at_head <= kHalf);
    PatternChecker echoed;
    std::optional<Error> end;
    (*resp)->body->Read([&](std::string_view s) { echoed.Feed(s); }, [&](Error err) { end = err; });
    REQUIRE(fx.RunUntil([&] { return end.has_value(); }));
    CHECK_FALSE(*end);
    CHECK(echoed.received == kTotal);
    CHECK(echoed.first_bad == -1);
    CHECK(gen->ended);
    auto next = Send(transport, GetReq(URL("/")));
    REQUIRE_MESSAGE(next.ok(), next.error().message());
    CHECK(ReadAll(*next).value() == "next");
    CHECK(transport.ConnectionsOpened() == 1);
    CHECK(server_conns == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a streamed body is not sent again when its reused conn dies") {
    int requests = 0;
    ScriptedPeer peer(fx.uv(), OneAnswerPerConn(&requests));
    auto a = Send(transport, GetReq(peer.URL()));
    REQUIRE(a.ok());
    CHECK(ReadAll(*a).value() == "ok");
    // Idempotency-Key makes a string body replayable (see above); a
    // stream that was read cannot be replayed, so the failure is final.
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), 5, 5);
    Request req = StreamReq(peer.URL(), gen, 5, "PUT");
    req.header.Set("Idempotency-Key", "k1");
    auto b = Send(transport, std::move(req));
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code() == ErrorCode::kUnexpectedEof);
    CHECK(requests == 2);
    CHECK(peer.accepted() == 1);
    CHECK(gen->reads == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "a handler's streamed request body goes straight upstream as body_stream") {
    // upstream checks what reaches it; the front handler relays its
    // incoming body as it arrives (what ReverseProxy does).
    auto upstream_mux = std::make_shared<nethttp::ServeMux>();
    PatternChecker got;
    int64_t upstream_declared = 0;
    std::string upstream_te;
    REQUIRE_FALSE(upstream_mux->Handle(
        "/sink", std::make_shared<nethttp::StreamingHandlerFunc>([&](ResponseWriter& w, Request& r) {
          upstream_declared = r.content_length;
          upstream_te = std::string(r.header.Get("Transfer-Encoding"));
          std::shared_ptr<ResponseWriter> held = w.Hold();
          r.Body()->Read([&](std::string_view s) { got.Feed(s); },
                         [&, held](Error err) {
                           held->Write(err ? err.message() : "sunk " + std::to_string(got.received));
                           held->Finish();
                         });
        })));
    nethttp::Server upstream;
    upstream.addr = "127.0.0.1:0";
    upstream.handler = upstream_mux;
    upstream.loop = &fx.loop();
    REQUIRE_FALSE(upstream.Listen());
    nethttp::Transport relay(&fx.loop());
    std::string upstream_url = "http://" + upstream.ListenAddr() + "/sink";
    Stream(mux, "/relay", [&](ResponseWriter& w, Request& r) {
      std::shared_ptr<ResponseWriter> held = w.Hold();
      relay.RoundTrip(StreamReq(upstream_url, r.Body(), r.content_length), [held](Result<Response>&& up) {
        if (!up.ok()) {
          held->WriteHeader(nethttp::StatusBadGateway);
          held->Write(up.error().message());
          held->Finish();
          return;
        }
        std::shared_ptr<Body> b = up->body;
        b->ReadAll([held, b](Result<std::string>&& s) {
          held->Write(s.ok() ? *s : s.error().message());
          held->Finish();
        });
      });
    });
    Start();
    constexpr int64_t kTotal = 3 << 20;
    int64_t length = 0;
    SUBCASE("Content-Length") { length = kTotal; }
    SUBCASE("chunked") { length = -1; }
    auto gen = std::make_shared<GeneratorBody>(fx.uv(), kTotal, 16 * 1024);
    auto r = Send(transport, StreamReq(URL("/relay"), gen, length));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(r->status_code == 200);
    CHECK(ReadAll(*r).value() == "sunk " + std::to_string(kTotal));
    CHECK(got.received == kTotal);
    CHECK(got.first_bad == -1);
    CHECK(upstream_declared == length);
    CHECK(upstream_te == (length < 0 ? "chunked" : ""));
    CHECK(relay.ConnectionsOpened() == 1);
    relay.CloseIdleConnections();
    upstream.Close();
  }
}

TEST_SUITE("transport: DefaultTransport per loop") {
  TEST_CASE("DefaultTransport() is DefaultLoop()'s off any loop, and a running loop's own on it") {
    using nethttp::DefaultTransport;
    using nethttp::testutil::LoopFixture;
    CHECK(&DefaultTransport() == &DefaultTransport());
    CHECK(&DefaultTransport().EventLoop() == &nethttp::DefaultLoop());
    LoopFixture a, b;
    nethttp::Transport* on_a = nullptr;
    nethttp::Transport* on_a_again = nullptr;
    nethttp::Transport* on_b = nullptr;
    a.Call([&] { on_a = &DefaultTransport(); });
    a.Call([&] { on_a_again = &DefaultTransport(); });
    b.Call([&] { on_b = &DefaultTransport(); });
    REQUIRE(on_a != nullptr);
    CHECK(on_a == on_a_again);  // made once per loop, then kept
    CHECK(on_a != on_b);
    CHECK(on_a != &DefaultTransport());
    CHECK(&on_a->EventLoop() == &a.loop());
    CHECK(&on_b->EventLoop() == &b.loop());
  }

  // A scripted proxy's answers to CONNECT (the happy path and Go's proxy
  // are in e2e/proxy_test.cc): only a clean 200 opens the tunnel.
  struct ConnectScript {
    std::vector<std::string> pieces;  // the answer, written as separate reads
    std::string connect_head;         // what the proxy was asked
  };
  ScriptedPeer::OnData ConnectPeer(ConnectScript* script) {
    return [script](ScriptedPeer&, ScriptedPeer::Conn& c) {
      size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos || !script->connect_head.empty()) return;
      script->connect_head = c.in.substr(0, end + 4);
      for (const std::string& piece : script->pieces) ScriptedPeer::Write(c, piece);
    };
  }
  Result<Response> ViaProxy(ClientFixture& f, int proxy_port, const char* proxy_userinfo = "") {
    auto proxy = nethttp::Parse("http://" + std::string(proxy_userinfo) + "127.0.0.1:" + std::to_string(proxy_port));
    REQUIRE(proxy.ok());
    f.transport.proxy = nethttp::ProxyURL(*proxy);
    return f.Send(f.transport, NewRequest("GET", "https://example.com:8443/").value());
  }

  TEST_CASE_FIXTURE(ClientFixture, "CONNECT: the request Go sends, and a refusal read in pieces is kProxy") {
    ConnectScript script{{"HTTP/1.1 407 Proxy Auth", "entication Required\r\nProxy-Authenticate: Basic\r\n",
                          "Content-Length: 5\r\n\r\nnope!"}};
    ScriptedPeer peer(fx.uv(), ConnectPeer(&script));
    auto r = ViaProxy(*this, peer.port(), "u:p@");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kProxy);
    CHECK(r.error().message().find("407 Proxy Authentication Required") != std::string::npos);
    CHECK(script.connect_head ==
          "CONNECT example.com:8443 HTTP/1.1\r\nHost: example.com:8443\r\nUser-Agent: nethttp/0.1\r\n"
          "Proxy-Authorization: Basic dTpw\r\n\r\n");
  }

  TEST_CASE_FIXTURE(ClientFixture, "CONNECT: bytes after the 200, or a garbled answer, fail the dial") {
    ConnectScript extra{{"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01"}};
    ScriptedPeer peer(fx.uv(), ConnectPeer(&extra));
    auto r = ViaProxy(*this, peer.port());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kMalformedResponse);
    CHECK(r.error().message() == "proxyconnect: bytes after the answer to CONNECT");

    ConnectScript garbled{{"SSH-2.0-OpenSSH_9.2\r\n\r\n"}};
    ScriptedPeer peer2(fx.uv(), ConnectPeer(&garbled));
    auto g = ViaProxy(*this, peer2.port());
    REQUIRE_FALSE(g.ok());
    CHECK(g.error().code() == ErrorCode::kMalformedResponse);
    CHECK(g.error().message().rfind("proxyconnect: ", 0) == 0);
  }
}
