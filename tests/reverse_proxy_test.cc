// Tests for lib/reverse_proxy.cc over loopback: a client, the proxy (a
// Server whose handler is a ReverseProxy) and the upstream (a Server), all
// on the test's loop; raw peers on a second thread where the test needs to
// stop reading or to hang up.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <memory>
#include <optional>
#include <algorithm>
#include <string>

#include "nethttp/nethttp.h"
#include "testutil/client_fixture.h"
#include "testutil/peer.h"
#include "testutil/raw_conn.h"
#include "testutil/stream_pump.h"

using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::testutil::ClientFixture;
using nethttp::testutil::RawConn;
using nethttp::testutil::RunPeer;
using namespace std::chrono_literals;

namespace {

// ProxyFixture: ClientFixture's server is the upstream; proxy_srv relays to
// it through a Transport of its own, so the tests can count each side's
// connections.
struct ProxyFixture : ClientFixture {
  ProxyFixture() {
    proxy_srv.addr = "127.0.0.1:0";
    proxy_srv.loop = &fx.loop();
  }
  ~ProxyFixture() { proxy_srv.Close(); }

  // StartProxy starts the upstream and the proxy; URL(path) then names the
  // proxy. front, when given, is the proxy server's handler instead of the
  // proxy itself (it calls proxy in turn).
  void StartProxy(std::shared_ptr<nethttp::Handler> front = nullptr) {
    Start();
    upstream = base;
    proxy = nethttp::NewSingleHostReverseProxy(nethttp::Parse(upstream).value());
    proxy->transport = upstream_transport;
    proxy_srv.handler = front != nullptr ? front : proxy;
    REQUIRE_FALSE(proxy_srv.Listen());
    base = "http://" + proxy_srv.ListenAddr();
  }
  int ProxyPort() const {
    std::string a = const_cast<nethttp::Server&>(proxy_srv).ListenAddr();
    return std::stoi(a.substr(a.rfind(':') + 1));
  }
  // Exchange sends raw request bytes to the proxy from a raw peer (a second
  // thread, while the loop runs) and reads one response.
  std::optional<nethttp::testutil::HttpResponse> Exchange(const std::string& request) {
    std::optional<nethttp::testutil::HttpResponse> r;
    int port = ProxyPort();
    RunPeer(fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send(request);
      r = c.ReadResponse();
    });
    return r;
  }

  nethttp::Server proxy_srv;
  std::shared_ptr<nethttp::ReverseProxy> proxy;
  std::shared_ptr<nethttp::Transport> upstream_transport = std::make_shared<nethttp::Transport>(&fx.loop());
  std::string upstream;
};

}  // namespace

TEST_SUITE("reverse_proxy") {
  TEST_CASE("the director joins the target's path and query before the request's") {
    auto p = nethttp::NewSingleHostReverseProxy(nethttp::Parse("http://up:81/base/?x=1").value());
    Request r;
    r.url = nethttp::ParseRequestURI("/a/b?c=2").value();
    p->director(r);
    CHECK(r.url.scheme == "http");
    CHECK(r.url.host == "up:81");
    CHECK(r.url.path == "/base/a/b");
    CHECK(r.url.raw_query == "x=1&c=2");
    CHECK(r.header.Has("User-Agent"));  // present and empty: no default upstream
    CHECK(r.header.Get("User-Agent").empty());

    auto q = nethttp::NewSingleHostReverseProxy(nethttp::Parse("http://up/p%2Fq").value());
    Request r2;
    r2.url = nethttp::ParseRequestURI("/x%2Fy").value();
    q->director(r2);
    CHECK(r2.url.path == "/p/q/x/y");
    CHECK(r2.url.raw_path == "/p%2Fq/x%2Fy");

    // A target with no path or query (the usual one) keeps the request's,
    // with one leading slash (Go's singleJoiningSlash("", p)).
    struct Case {
      const char* target;
      const char* path;
      const char* query;
      const char* want_path;
      const char* want_query;
    };
    for (const Case& c : {Case{"http://up", "/a/b", "c=2", "/a/b", "c=2"}, Case{"http://up", "", "", "/", ""},
                          Case{"http://up", "*", "", "/*", ""}, Case{"http://up?t=1", "/a", "", "/a", "t=1"},
                          Case{"http://up/", "/a", "c=2", "/a", "c=2"}, Case{"http://up/b", "a", "", "/b/a", ""}}) {
      CAPTURE(c.target);
      CAPTURE(c.path);
      auto d = nethttp::NewSingleHostReverseProxy(nethttp::Parse(c.target).value());
      Request r3;
      r3.url.path = c.path;
      r3.url.raw_query = c.query;
      d->director(r3);
      CHECK(r3.url.path == c.want_path);
      CHECK(r3.url.raw_path.empty());
      CHECK(r3.url.raw_query == c.want_query);
    }
  }

  TEST_CASE_FIXTURE(ProxyFixture, "a request and its response go through; hop-by-hop fields do not") {
    std::string seen_conn, seen_foo, seen_keep, seen_xff, seen_host, seen_body;
    mux.HandleFunc("/up", [&](ResponseWriter& w, Request& r) {
      seen_foo = r.header.Get("X-Foo");
      seen_keep = r.header.Get("Keep-Alive");
      seen_xff = r.header.Get("X-Forwarded-For");
      seen_host = r.host;
      seen_body = r.body;
      w.Header().Set("Connection", "X-Secret");
      w.Header().Set("X-Secret", "hop");
      w.Header().Set("X-End", "kept");
      w.WriteHeader(201);
      w.Write("made: " + r.body);
    });
    StartProxy();
    auto req = nethttp::NewRequest("POST", URL("/up?q=1"), "payload").value();
    req.header.Set("Connection", "X-Foo");
    req.header.Set("X-Foo", "hop");
    req.header.Set("Keep-Alive", "timeout=5");
    req.header.Set("X-Forwarded-For", "10.0.0.1");
    auto resp = Do(std::move(req));
    REQUIRE(resp.ok());
    CHECK(resp->status_code == 201);
    CHECK(ReadAll(*resp).value() == "made: payload");
    CHECK(resp->header.Get("X-End") == "kept");
    CHECK_FALSE(resp->header.Has("X-Secret"));
    CHECK(seen_body == "payload");
    CHECK(seen_foo.empty());
    CHECK(seen_keep.empty());
    CHECK(seen_xff == "10.0.0.1, 127.0.0.1");
    CHECK(seen_host == proxy_srv.ListenAddr());  // the client's Host, as Go keeps it
  }

  TEST_CASE_FIXTURE(ProxyFixture, "every hop-by-hop field stops at the proxy, in any case; names of their lengths pass") {
    // Each of Go's hopHeaders that a request can carry without changing
    // its framing or asking for an upgrade, and for each length a field
    // that is not one of them.
    const std::vector<std::string> hop = {"te",         "Trailer",          "KEEP-ALIVE",         "Connection",
                                          "Proxy-Connection", "Proxy-Authenticate", "proxy-authorization"};
    const std::vector<std::string> kept = {"Tf",          "Trailed",           "User-Agent",          "Keep-Alivf",
                                           "Proxy-Connectiom", "Transfer-Encodinh", "Proxy-Authenticatf",
                                           "Proxy-Authorizatiom"};
    std::vector<std::string> seen;
    mux.HandleFunc("/up", [&](ResponseWriter& w, Request& r) {
      seen.clear();
      for (const auto& f : r.header) seen.push_back(f.key);
      w.Write("ok");
    });
    StartProxy();
    auto has = [&](const std::string& k) {
      return std::find(seen.begin(), seen.end(), nethttp::CanonicalHeaderKey(k)) != seen.end();
    };
    // One hop-by-hop field a request, as the only one: the look that finds
    // one is what starts the removal.
    for (const auto& h : hop) {
      CAPTURE(h);
      auto req = nethttp::NewRequest("GET", URL("/up")).value();
      req.header.Add(h, "v");
      for (const auto& k : kept) req.header.Add(k, "v");
      auto resp = Do(std::move(req));
      REQUIRE(resp.ok());
      CHECK(ReadAll(*resp).value() == "ok");
      CHECK_FALSE(has(h));
      for (const auto& k : kept) {
        CAPTURE(k);
        CHECK(has(k));
      }
    }
  }

  TEST_CASE_FIXTURE(ProxyFixture, "fields a handler set before the proxy stay, the upstream's follow (Go's copyHeader)") {
    mux.HandleFunc("/up", [](ResponseWriter& w, Request&) {
      w.Header().Set("X-End", "upstream");
      w.Write("ok");
    });
    StartProxy(std::make_shared<nethttp::HandlerFunc>([this](ResponseWriter& w, Request& r) {
      w.Header().Set("X-Front", "1");
      w.Header().Set("X-End", "front");
      proxy->ServeHTTP(w, r);
    }));
    auto resp = Do(nethttp::NewRequest("GET", URL("/up"), "").value());
    REQUIRE(resp.ok());
    CHECK(ReadAll(*resp).value() == "ok");
    CHECK(resp->header.Get("X-Front") == "1");
    std::vector<std::string_view> ends = resp->header.Values("X-End");
    REQUIRE(ends.size() == 2);
    CHECK(ends[0] == "front");
    CHECK(ends[1] == "upstream");
    CHECK(resp->header.Get("Content-Length") == "2");
  }

  TEST_CASE_FIXTURE(ProxyFixture, "the upstream's kept-alive connection serves every request") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("hi"); });
    StartProxy();
    for (int i = 0; i < 5; ++i) {
      auto resp = Get(URL("/"));
      REQUIRE(resp.ok());
      CHECK(ReadAll(*resp).value() == "hi");
    }
    CHECK(upstream_transport->ConnectionsOpened() == 1);
    CHECK(server_conns == 1);
  }

  TEST_CASE_FIXTURE(ProxyFixture, "an upstream that cannot be reached is a 502; error_handler and modify_response") {
    StartProxy();
    srv.Close();  // the upstream is gone
    auto resp = Get(URL("/x"));
    REQUIRE(resp.ok());
    CHECK(resp->status_code == 502);
    CHECK(ReadAll(*resp).value().empty());

    std::string told;
    proxy->error_handler = [&](ResponseWriter& w, Request&, const nethttp::Error& err) {
      told = err.message();
      w.WriteHeader(503);
      w.Write("sorry");
    };
    auto resp2 = Get(URL("/x"));
    REQUIRE(resp2.ok());
    CHECK(resp2->status_code == 503);
    CHECK(ReadAll(*resp2).value() == "sorry");
    CHECK(told.find("connection refused") != std::string::npos);
  }

  TEST_CASE_FIXTURE(ProxyFixture, "a round trip that fails before it starts is a 502, answered from inside the handler") {
    // The Transport refuses a scheme it cannot speak at once, inside
    // RoundTrip: the relay gets its answer before Start returns, and must
    // neither be freed under itself nor live on (ASan and LSan watch both).
    StartProxy();
    auto director = proxy->director;
    proxy->director = [director](Request& r) {
      director(r);
      r.url.scheme = "ftp";
    };
    for (int i = 0; i < 2; ++i) {  // the connection stays usable after it
      auto resp = Get(URL("/x"));
      REQUIRE(resp.ok());
      CHECK(resp->status_code == 502);
      CHECK(ReadAll(*resp).value().empty());
    }
  }

  TEST_CASE_FIXTURE(ProxyFixture, "modify_response may rewrite the response, or refuse it") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("body"); });
    StartProxy();
    proxy->modify_response = [](nethttp::Response& r) {
      r.header.Set("X-Modified", "1");
      return nethttp::Error();
    };
    auto resp = Get(URL("/"));
    REQUIRE(resp.ok());
    CHECK(resp->header.Get("X-Modified") == "1");
    CHECK(ReadAll(*resp).value() == "body");

    proxy->modify_response = [](nethttp::Response&) {
      return nethttp::Error(nethttp::ErrorCode::kInvalidArgument, "refused");
    };
    auto resp2 = Get(URL("/"));
    REQUIRE(resp2.ok());
    CHECK(resp2->status_code == 502);
  }

  TEST_CASE_FIXTURE(ProxyFixture, "a streamed upstream body and its trailers are relayed") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) {
      w.Header().Set("Trailer", "X-Sum");
      for (int i = 0; i < 10; ++i) w.Write(std::string(1000, static_cast<char>('a' + i)));
      w.Header().Set("X-Sum", "10000");
    });
    StartProxy();
    auto resp = Get(URL("/"));
    REQUIRE(resp.ok());
    std::string body = ReadAll(*resp).value();
    CHECK(body.size() == 10000);
    CHECK(body.substr(9000, 3) == "jjj");
    CHECK(resp->body->Trailer().Get("X-Sum") == "10000");
  }

  TEST_CASE_FIXTURE(ProxyFixture, "a request's trailer is relayed upstream after its streamed body") {
    std::string declared, body;
    nethttp::Header trailer;
    mux.HandleFunc("/up", [&](ResponseWriter& w, Request& r) {
      declared = std::string(r.header.Get("Trailer"));
      body = r.body;
      trailer = r.trailer;
      w.Write("ok");
    });
    StartProxy();
    // Declared: X-Sum, and Content-Length, which a trailer may not carry
    // (the proxy declares only the first). X-Late comes undeclared, and is
    // relayed as Go relays it; the Content-Length field is dropped.
    auto r = Exchange(
        "POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
        "Trailer: X-Sum, Content-Length\r\n\r\n"
        "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\nX-Late: yes\r\nContent-Length: 99\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "ok");
    CHECK(body == "hello world");
    CHECK(declared == "X-Sum");
    CHECK(trailer.Get("X-Sum") == "11");
    CHECK(trailer.Get("X-Late") == "yes");
    CHECK_FALSE(trailer.Has("Content-Length"));
  }

  TEST_CASE_FIXTURE(ProxyFixture, "a Trailer field on a request that is not chunked changes nothing upstream") {
    std::string declared, transfer_encoding, content_length;
    mux.HandleFunc("/up", [&](ResponseWriter& w, Request& r) {
      declared = std::string(r.header.Get("Trailer"));
      transfer_encoding = std::string(r.header.Get("Transfer-Encoding"));
      content_length = std::string(r.header.Get("Content-Length"));
      w.Write(r.body);
    });
    StartProxy();
    auto get = Exchange("GET /up HTTP/1.1\r\nHost: t\r\nTrailer: X-Sum\r\n\r\n");
    REQUIRE(get);
    CHECK(get->status == 200);
    CHECK(declared.empty());
    CHECK(transfer_encoding.empty());
    auto post = Exchange("POST /up HTTP/1.1\r\nHost: t\r\nTrailer: X-Sum\r\nContent-Length: 5\r\n\r\nhello");
    REQUIRE(post);
    CHECK(post->body == "hello");
    CHECK(declared.empty());
    CHECK(transfer_encoding.empty());
    CHECK(content_length == "5");
  }

  TEST_CASE_FIXTURE(ProxyFixture, "an Upgrade is not relayed: the upstream sees a plain request") {
    std::string upgrade, connection;
    mux.HandleFunc("/ws", [&](ResponseWriter& w, Request& r) {
      upgrade = r.header.Get("Upgrade");
      connection = r.header.Get("Connection");
      w.WriteHeader(426);
    });
    StartProxy();
    auto r = Exchange("GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 426);
    CHECK(upgrade.empty());
    CHECK(connection.empty());
  }

  TEST_CASE_FIXTURE(ProxyFixture, "an upstream that breaks off mid-body: the client sees a cut body, not an end") {
    mux.HandleFunc("/cut", [](ResponseWriter& w, Request&) {
      w.Header().Set("Content-Length", "100000");
      w.Write(std::string(50000, 'x'));
      w.Abort();  // the upstream dies mid-body
    });
    StartProxy();
    std::string got;
    bool closed = false;
    int port = ProxyPort();
    RunPeer(fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /cut HTTP/1.1\r\nHost: t\r\n\r\n");
      got = c.ReadUntilClose(nethttp::testutil::After(10s), &closed);
    });
    CHECK(closed);
    CHECK(got.find("Content-Length: 100000\r\n") != std::string::npos);
    size_t body = got.find("\r\n\r\n");
    REQUIRE(body != std::string::npos);
    CHECK(got.size() - body - 4 < 100000);  // short of its length: the client knows it was cut
  }

  TEST_CASE_FIXTURE(ProxyFixture, "a client that leaves mid-response: the upstream exchange is dropped") {
    std::shared_ptr<ResponseWriter> held;
    int upstream_gone = 0;
    mux.HandleFunc("/slow", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      held->CloseNotify([&] { ++upstream_gone; });
      held->Write("first");
      held->Flush();
    });
    StartProxy();
    int port = ProxyPort();
    RunPeer(fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
      if (!c.ReadUntil("first")) return;
      c.Close();
    });
    CHECK(fx.RunUntil([&] { return upstream_gone > 0; }, 5s));
    CHECK(upstream_gone == 1);
    if (held) held->Finish();
    held.reset();
  }

  TEST_CASE_FIXTURE(ProxyFixture, "a client that reads slowly holds the upstream back, and gets every byte") {
    nethttp::testutil::StreamPump pump(16 << 20, 64 * 1024);
    mux.HandleFunc("/big", [&](ResponseWriter& w, Request&) { pump.Start(w); });
    StartProxy();
    std::optional<nethttp::testutil::HttpResponse> r;
    int port = ProxyPort();
    bool saw_wait = false;
    RunPeer(fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
      // Read nothing until the upstream had to wait: the proxy stopped
      // reading it because we are not reading the proxy.
      saw_wait = pump.waited.Wait(10s);
      r = c.ReadResponse(nethttp::testutil::After(30s));
    });
    CHECK(saw_wait);
    CHECK(pump.waits() >= 1);
    REQUIRE(r);
    CHECK(pump.InOrder(r->body));
    pump.Release();
  }
}
