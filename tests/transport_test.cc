// Tests for lib/transport.cc: pool reuse counted on both sides, the WantConn
// race (a dial that finishes for a request that left goes to the pool),
// max_conns_per_host with FIFO waiters, retries only when Go's rules allow
// (a POST is never sent twice), timeouts and DisableKeepAlives (Go:
// transport_test.go).
#include "nethttp/transport.h"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "internal/server_impl.h"
#include "internal/transport_impl.h"
#include "nethttp/server.h"
#include "nethttp/loop.h"
#include "testutil/client_fixture.h"
#include "testutil/scripted_peer.h"

using nethttp::Cancelation;
using nethttp::Error;
using nethttp::ErrorCode;
using nethttp::NewRequest;
using nethttp::Request;
using nethttp::Response;
using nethttp::ResponseWriter;
using nethttp::Result;
using nethttp::testutil::ClientFixture;
using nethttp::testutil::ScriptedPeer;

namespace {
Request GetReq(const std::string& url) { return NewRequest("GET", url).value(); }

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
