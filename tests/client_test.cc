// Tests for lib/client.cc: redirects as Go follows them (301/302/303/307/308,
// relative Location, 10 at most, CheckRedirect), Timeout over the whole
// exchange, blocking calls, and a handler that relays a Client round trip
// on the same loop (Go: client_test.go).
#include "nethttp/client.h"

#include <doctest/doctest.h>

#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "internal/log.h"
#include "internal/transport_impl.h"
#include "nethttp/loop.h"
#include "nethttp/serve_mux.h"
#include "nethttp/server.h"
#include "nethttp/status.h"
#include "testutil/client_fixture.h"
#include "testutil/generator_body.h"
#include "testutil/scripted_peer.h"

using nethttp::Cancelation;
using nethttp::Client;
using nethttp::Error;
using nethttp::ErrorCode;
using nethttp::NewRequest;
using nethttp::Request;
using nethttp::Response;
using nethttp::ResponseWriter;
using nethttp::Result;
using nethttp::RoundTripper;
using nethttp::testutil::ClientFixture;
using nethttp::testutil::ScriptedPeer;

namespace {

// Mount handlers for the redirect tests: /r/N redirects to /r/N-1 with
// the code given in ?code=, /r/0 answers "METHOD body".
void MountRedirects(ClientFixture& f) {
  f.mux.HandleFunc("/r/", [](ResponseWriter& w, Request& r) {
    int n = std::stoi(r.url.path.substr(3));
    std::string code = r.url.raw_query.empty() ? "302" : r.url.raw_query.substr(5);
    if (n == 0) {
      w.Write(r.method + " " + r.body + " " + std::string(r.header.Get("Referer")));
      return;
    }
    // Relative Location: resolved against the request URL.
    w.Header().Set("Location", std::to_string(n - 1) + "?code=" + code);
    w.WriteHeader(std::stoi(code));
  });
  f.mux.HandleFunc("/loop", [](ResponseWriter& w, Request&) {
    w.Header().Set("Location", "/loop");
    w.WriteHeader(nethttp::StatusFound);
  });
}

// Relay is a RoundTripper of the caller's (Go: a RoundTripper wrapping
// http.DefaultTransport): it sends through a Transport after moving paths
// under /x/ to /y/, so the request sent is not the one it was given. It
// answers EventLoop and ReturnsRequest as told.
class Relay final : public RoundTripper {
 public:
  Relay(RoundTripper& inner, nethttp::Loop* loop, bool claims_returns_request)
      : inner_(inner), loop_(loop), claims_(claims_returns_request) {}

  void RoundTrip(Request req, Done done, std::shared_ptr<Cancelation> cancel) override {
    if (req.url.path.starts_with("/x/")) req.url.path.replace(0, 3, "/y/");
    inner_.RoundTrip(std::move(req), std::move(done), std::move(cancel));
  }
  nethttp::Loop& EventLoop() override { return loop_ != nullptr ? *loop_ : RoundTripper::EventLoop(); }
  bool ReturnsRequest() const override { return claims_; }

 private:
  RoundTripper& inner_;
  nethttp::Loop* loop_;
  bool claims_;
};

// CaptureLog sends the library's log, at trace, to a string instead of
// stderr while it lives.
class CaptureLog {
 public:
  CaptureLog() : sinks_(nethttp::Log().sinks()), level_(nethttp::Log().level()) {
    nethttp::Log().sinks() = {std::make_shared<spdlog::sinks::ostream_sink_st>(out_)};
    nethttp::Log().set_level(spdlog::level::trace);
  }
  ~CaptureLog() {
    nethttp::Log().set_level(level_);
    nethttp::Log().sinks() = sinks_;
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::vector<spdlog::sink_ptr> sinks_;
  spdlog::level::level_enum level_;
};

}  // namespace

TEST_SUITE("client") {
  TEST_CASE_FIXTURE(ClientFixture, "blocking Get and Post, Response fields") {
    mux.HandleFunc("/echo", [](ResponseWriter& w, Request& r) {
      w.Header().Set("Content-Type", std::string(r.header.Get("Content-Type")));
      w.Write(r.body);
    });
    Start();
    auto r = client.Post(URL("/echo"), "application/json", "{\"hello\":\"world\"}");
    REQUIRE(r.ok());
    CHECK(r->status_code == 200);
    CHECK(r->proto == "HTTP/1.1");
    CHECK(r->header.Get("Content-Type") == "application/json");
    CHECK(r->content_length == 17);
    CHECK(r->request->method == "POST");
    CHECK(r->body->ReadAllBlocking(fx.loop()).value() == "{\"hello\":\"world\"}");
    auto g = client.Get(URL("/echo"));
    REQUIRE(g.ok());
    CHECK(g->body->ReadAllBlocking(fx.loop()).value().empty());
    auto form = client.PostForm(URL("/echo"), {{"a", "1 2"}, {"b", "&"}});
    REQUIRE(form.ok());
    CHECK(form->body->ReadAllBlocking(fx.loop()).value() == "a=1+2&b=%26");
    nethttp::Values values;
    values.Add("z", "last");
    values.Add("a", "1 2");
    values.Add("a", "x");
    auto sorted = client.PostForm(URL("/echo"), values);  // Go: url.Values, encoded sorted
    REQUIRE(sorted.ok());
    CHECK(sorted->request->header.Get("Content-Type") == "application/x-www-form-urlencoded");
    CHECK(sorted->body->ReadAllBlocking(fx.loop()).value() == "a=1+2&a=x&z=last");
    CHECK(transport.ConnectionsOpened() == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "302 chain: POST becomes GET without body, relative Location") {
    MountRedirects(*this);
    Start();
    auto r = client.Post(URL("/r/3"), "text/plain", "data");
    REQUIRE(r.ok());
    CHECK(r->status_code == 200);
    CHECK(r->request->url.path == "/r/0");
    CHECK(r->body->ReadAllBlocking(fx.loop()).value() == "GET  " + URL("/r/1?code=302"));
  }

  TEST_CASE_FIXTURE(ClientFixture, "301 and 303 turn POST into GET; HEAD stays HEAD") {
    MountRedirects(*this);
    Start();
    for (const char* code : {"301", "303"}) {
      CAPTURE(code);
      auto r = client.Post(URL("/r/1?code=") + code, "text/plain", "data");
      REQUIRE(r.ok());
      CHECK(r->body->ReadAllBlocking(fx.loop()).value().starts_with("GET  "));
    }
    auto h = client.Head(URL("/r/2"));
    REQUIRE(h.ok());
    CHECK(h->status_code == 200);
    CHECK(h->request->method == "HEAD");
  }

  TEST_CASE_FIXTURE(ClientFixture, "307 and 308 keep the method and the body") {
    MountRedirects(*this);
    Start();
    for (const char* code : {"307", "308"}) {
      CAPTURE(code);
      auto r = client.Post(URL("/r/2?code=") + code, "text/plain", "data");
      REQUIRE(r.ok());
      CHECK(r->body->ReadAllBlocking(fx.loop()).value().starts_with("POST data "));
    }
  }

  // Go resends a body for 307/308 only through Request.GetBody; a stream
  // has none, so the redirect itself is the answer.
  TEST_CASE_FIXTURE(ClientFixture, "307 and 308 after a streamed body are returned, not followed") {
    MountRedirects(*this);
    Start();
    for (const char* code : {"307", "308"}) {
      CAPTURE(code);
      auto gen = std::make_shared<nethttp::testutil::GeneratorBody>(fx.uv(), 1000, 300);
      Request req = NewRequest("POST", URL("/r/1?code=") + code).value();
      req.body_stream = gen;
      req.content_length = 1000;
      auto r = Do(std::move(req));
      REQUIRE_MESSAGE(r.ok(), r.error().message());
      CHECK(r->status_code == std::stoi(code));
      CHECK(r->header.Get("Location") == std::string("0?code=") + code);
      REQUIRE(r->request != nullptr);
      CHECK(r->request->url.path == "/r/1");
      CHECK(ReadAll(*r).ok());
      CHECK(gen->reads == 1);
      CHECK(gen->ended);
    }
  }

  TEST_CASE_FIXTURE(ClientFixture, "301, 302 and 303 after a streamed body are followed as GETs without one") {
    MountRedirects(*this);
    Start();
    for (const char* code : {"301", "302", "303"}) {
      CAPTURE(code);
      auto gen = std::make_shared<nethttp::testutil::GeneratorBody>(fx.uv(), 1000, 300);
      Request req = NewRequest("POST", URL("/r/1?code=") + code).value();
      req.body_stream = gen;
      req.content_length = -1;
      auto r = Do(std::move(req));
      REQUIRE_MESSAGE(r.ok(), r.error().message());
      CHECK(r->status_code == 200);
      REQUIRE(r->request != nullptr);
      CHECK(r->request->method == "GET");
      CHECK(r->request->body_stream == nullptr);
      CHECK(ReadAll(*r).value() == "GET  " + URL("/r/1?code=") + code);
      CHECK(gen->reads == 1);
    }
  }

  TEST_CASE_FIXTURE(ClientFixture, "a redirect loop stops after 10 redirects") {
    MountRedirects(*this);
    Start();
    auto r = client.Get(URL("/loop"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kTooManyRedirects);
    CHECK(r.error().message() == "Get \"" + URL("/loop") + "\": stopped after 10 redirects");
    CHECK(transport.ConnectionsOpened() == 1);  // redirect bodies drained, conn reused
  }

  TEST_CASE_FIXTURE(ClientFixture, "CheckRedirect sees the chain; ErrUseLastResponse returns the 3xx") {
    MountRedirects(*this);
    Start();
    size_t seen = 0;
    client.check_redirect = [&](const Request& next, const std::vector<Request>& via) {
      seen = via.size();
      CHECK(next.url.path == "/r/" + std::to_string(3 - via.size()));
      return via.size() == 2 ? nethttp::ErrUseLastResponse() : Error();
    };
    auto r = client.Get(URL("/r/3"));
    REQUIRE(r.ok());
    CHECK(seen == 2);
    CHECK(r->status_code == 302);
    CHECK(r->header.Get("Location") == "1?code=302");
    client.check_redirect = [](const Request&, const std::vector<Request>&) {
      return Error(ErrorCode::kInvalidArgument, "no thanks");
    };
    auto e = client.Get(URL("/r/3"));
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message() == "Get \"" + URL("/r/2?code=302") + "\": no thanks");
  }

  TEST_CASE_FIXTURE(ClientFixture, "ErrUseLastResponse is recognised by its code, not its text") {
    MountRedirects(*this);
    Start();
    CHECK(nethttp::ErrUseLastResponse().code() == ErrorCode::kUseLastResponse);
    CHECK(nethttp::ErrUseLastResponse().message() == "net/http: use last response");
    CHECK(nethttp::ErrorCodeName(ErrorCode::kUseLastResponse) == "UseLastResponse");
    // An error of another code that happens to carry the same text is an
    // error like any other: Do stops with it.
    client.check_redirect = [](const Request&, const std::vector<Request>&) {
      return Error(ErrorCode::kCanceled, "net/http: use last response");
    };
    auto r = client.Get(URL("/r/1"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kCanceled);
    CHECK(r.error().message() == "Get \"" + URL("/r/0?code=302") + "\": net/http: use last response");
  }

  TEST_CASE_FIXTURE(ClientFixture, "a null Client::loop is the RoundTripper's EventLoop") {
    mux.HandleFunc("/y/", [](ResponseWriter& w, Request& r) { w.Write(r.url.path); });
    Start();
    client.loop = nullptr;
    SUBCASE("a Transport's own loop") {
      CHECK(&transport.EventLoop() == &fx.loop());
      auto r = client.Get(URL("/y/t"));
      REQUIRE(r.ok());
      CHECK(r->body->ReadAllBlocking(fx.loop()).value() == "/y/t");
    }
    SUBCASE("a RoundTripper that names its loop") {
      client.transport = std::make_shared<Relay>(transport, &fx.loop(), false);
      auto r = client.Get(URL("/x/a"));
      REQUIRE(r.ok());
      CHECK(r->body->ReadAllBlocking(fx.loop()).value() == "/y/a");
    }
    SUBCASE("a RoundTripper that does not: DefaultLoop()") {
      Relay relay(transport, nullptr, false);
      CHECK(&relay.EventLoop() == &nethttp::DefaultLoop());
      CHECK_FALSE(relay.ReturnsRequest());
      CHECK(transport.ReturnsRequest());
    }
  }

  // handler.h's ownership rule: Client::transport is shared, and an
  // exchange keeps its own copy, because it calls the RoundTripper again
  // for each redirect hop. With the old raw pointer the second hop below
  // called a destroyed Relay.
  TEST_CASE_FIXTURE(ClientFixture, "a round trip in flight keeps the Client's transport alive") {
    mux.HandleFunc("/y/a", [](ResponseWriter& w, Request&) {
      w.Header().Set("Location", "b");
      w.WriteHeader(nethttp::StatusFound);
    });
    mux.HandleFunc("/y/b", [](ResponseWriter& w, Request& r) { w.Write(r.url.path); });
    Start();
    auto relay = std::make_shared<Relay>(transport, &fx.loop(), false);
    std::weak_ptr<Relay> weak = relay;
    client.transport = std::move(relay);
    std::optional<Result<Response>> out;
    client.Do(NewRequest("GET", URL("/x/a")).value(), [&out](Result<Response>&& r) { out.emplace(std::move(r)); });
    client.transport = nullptr;  // the Client lets go with the first hop in flight
    CHECK_FALSE(weak.expired());
    REQUIRE(fx.RunUntil([&] { return out.has_value(); }));
    REQUIRE(out->ok());
    CHECK(ReadAll(**out).value() == "/y/b");  // the second hop went through the Relay
    out.reset();
    REQUIRE(fx.RunUntil([&] { return weak.expired(); }));  // released when the exchange ends
  }

  TEST_CASE_FIXTURE(ClientFixture, "a RoundTripper that sends another request: Client keeps its own") {
    // /y/a redirects to the relative "b"; /y/b shows the Referer it got.
    // Client resolves Location and sets Referer from the request it sent
    // (/x/a), as Go does, unless the RoundTripper says that
    // Response::request is that request, when it takes it from there.
    mux.HandleFunc("/y/a", [](ResponseWriter& w, Request&) {
      w.Header().Set("Location", "b");
      w.WriteHeader(nethttp::StatusFound);
    });
    mux.HandleFunc("/y/b", [](ResponseWriter& w, Request& r) { w.Write(std::string(r.header.Get("Referer"))); });
    Start();
    SUBCASE("ReturnsRequest false (the default): a copy of each hop") {
      client.transport = std::make_shared<Relay>(transport, &fx.loop(), false);
      auto r = Get(URL("/x/a"));
      REQUIRE(r.ok());
      CHECK(ReadAll(*r).value() == URL("/x/a"));
      // Client fills in Response::request only where the RoundTripper left
      // it null; here it is the Transport's.
      CHECK(r->request->url.path == "/y/b");
    }
    SUBCASE("ReturnsRequest true, wrongly: Response::request is taken as the hop") {
      client.transport = std::make_shared<Relay>(transport, &fx.loop(), true);
      auto r = Get(URL("/x/a"));
      REQUIRE(r.ok());
      CHECK(ReadAll(*r).value() == URL("/y/a"));
    }
  }

  TEST_CASE_FIXTURE(ClientFixture, "the exchange logs its states by name") {
    MountRedirects(*this);
    Start();
    client.timeout = std::chrono::seconds(10);  // keeps the exchange for the body
    std::string log;
    {
      CaptureLog capture;
      auto r = Get(URL("/r/1"));
      REQUIRE(r.ok());
      CHECK(ReadAll(*r).value() == "GET  " + URL("/r/1"));
      log = capture.str();
    }
    for (const char* t : {"sending -> draining", "draining -> sending", "sending -> streaming",
                          "streaming -> closing"}) {
      CAPTURE(t);
      CHECK(log.find(std::string("client exchange ")) != std::string::npos);
      CHECK(log.find(t) != std::string::npos);
    }
  }

  TEST_CASE_FIXTURE(ClientFixture, "Timeout while draining a redirect body closes that body") {
    // The 302's body is small enough to be read for reuse (Go:
    // maxBodySlurpSize) but stalls; Timeout ends the exchange meanwhile.
    // The rest that comes later must reach no one: the body was closed, so
    // its conn is not reused either.
    ScriptedPeer::Conn* stalled = nullptr;
    ScriptedPeer peer(fx.uv(), [&stalled](ScriptedPeer&, ScriptedPeer::Conn& c) {
      if (!ScriptedPeer::TakeRequest(c).empty()) {
        ScriptedPeer::Write(c, "HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 10\r\n\r\nabcd");
        stalled = &c;
      }
    });
    client.timeout = std::chrono::milliseconds(50);
    auto r = Get(peer.URL("/a"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kTimeout);
    REQUIRE(stalled != nullptr);
    ScriptedPeer::Write(*stalled, "efghij");
    Spin(20);
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 0);
    CHECK(nethttp::TransportAccess::Of(transport).LiveConnCount() == 0);
    CHECK(peer.accepted() == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "blocking calls from a handler are refused, not run on the running loop") {
    int upstream_hits = 0;
    mux.HandleFunc("/upstream", [&upstream_hits](ResponseWriter& w, Request&) {
      ++upstream_hits;
      w.Write("from upstream");
    });
    std::optional<Error> do_err, read_err;
    mux.HandleFunc("/blocking", [&](ResponseWriter& w, Request&) {
      CHECK(fx.loop().running());
      do_err = client.Do(NewRequest("GET", URL("/upstream")).value()).error();
      // The callback form works here; in its callback, reading the body
      // blocking is refused too, and leaves the body to ReadAll.
      std::shared_ptr<ResponseWriter> held = w.Hold();
      client.Do(NewRequest("GET", URL("/upstream")).value(), [&, held](Result<Response>&& r) {
        REQUIRE(r.ok());
        read_err = r->body->ReadAllBlocking(fx.loop()).error();
        r->body->ReadAll([held](Result<std::string>&& body) {
          held->Write("relayed: " + body.value());
          held->Finish();
        });
      });
    });
    Start();
    CHECK_FALSE(fx.loop().running());
    auto r = Get(URL("/blocking"));
    REQUIRE(r.ok());
    CHECK(ReadAll(*r).value() == "relayed: from upstream");
    CHECK_FALSE(fx.loop().running());
    REQUIRE(do_err.has_value());
    CHECK(do_err->code() == ErrorCode::kBlockingCallOnLoop);
    CHECK(do_err->message() == "http: blocking call on the running loop; use Do(req, done)");
    CHECK(nethttp::ErrorCodeName(do_err->code()) == "BlockingCallOnLoop");
    REQUIRE(read_err.has_value());
    CHECK(read_err->code() == ErrorCode::kBlockingCallOnLoop);
    CHECK(read_err->message() == "http: blocking call on the running loop; use ReadAll(done)");
    CHECK(upstream_hits == 1);  // the refused Do sent nothing
  }

  TEST_CASE("nethttp::Get from a handler on DefaultLoop is refused") {
    // DefaultClient runs on DefaultLoop, so this is the seed's code moved
    // into a handler of a server on that loop (ListenAndServe's). The test
    // itself is off the loop, where the same blocking calls work.
    nethttp::Loop& loop = nethttp::DefaultLoop();
    std::optional<Error> get_err;
    {
      Client client;
      client.transport = std::make_shared<nethttp::Transport>(&loop);  // loop null: the Transport's
      auto mux_owner = std::make_shared<nethttp::ServeMux>();
      nethttp::ServeMux& mux = *mux_owner;
      nethttp::Server srv;
      srv.addr = "127.0.0.1:0";
      srv.handler = mux_owner;
      srv.loop = &loop;
      REQUIRE_FALSE(srv.Listen());
      std::string base = "http://" + srv.ListenAddr();
      mux.HandleFunc("/get", [&](ResponseWriter& w, Request&) {
        get_err = nethttp::Get(base + "/get").error();
        w.Write("done");
      });
      auto r = client.Get(base + "/get");
      REQUIRE(r.ok());
      CHECK(r->body->ReadAllBlocking(loop).value() == "done");
      CHECK_FALSE(loop.running());
      srv.Close();
    }
    loop.Run();  // the close callbacks of the server and the conns
    REQUIRE(get_err.has_value());
    CHECK(get_err->code() == ErrorCode::kBlockingCallOnLoop);
    CHECK(get_err->message().starts_with("http: blocking call on the running loop"));
    CHECK(nethttp::DefaultTransport().ConnectionsOpened() == 0);
  }

  TEST_CASE_FIXTURE(ClientFixture, "Timeout while awaiting headers") {
    ScriptedPeer peer(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn&) {});  // never answers
    client.timeout = std::chrono::milliseconds(50);
    auto r = Get(peer.URL());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kTimeout);
    CHECK(r.error().message() ==
          "Get \"" + peer.URL() +
              "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
  }

  TEST_CASE_FIXTURE(ClientFixture, "Timeout covers reading the body") {
    ScriptedPeer peer(fx.uv(), [](ScriptedPeer&, ScriptedPeer::Conn& c) {
      if (!ScriptedPeer::TakeRequest(c).empty()) {
        ScriptedPeer::Write(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome");  // then stalls
      }
    });
    client.timeout = std::chrono::milliseconds(80);
    auto r = Get(peer.URL());
    REQUIRE(r.ok());
    auto body = ReadAll(*r);
    REQUIRE_FALSE(body.ok());
    CHECK(body.error().code() == ErrorCode::kTimeout);
    CHECK(nethttp::TransportAccess::Of(transport).LiveConnCount() == 0);
  }

  TEST_CASE_FIXTURE(ClientFixture, "Timeout does not fire after a fast exchange") {
    mux.HandleFunc("/", [](ResponseWriter& w, Request&) { w.Write("x"); });
    Start();
    client.timeout = std::chrono::milliseconds(30);
    auto r = Get(URL("/"));
    REQUIRE(r.ok());
    CHECK(ReadAll(*r).value() == "x");
    Spin(60);
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 1);
  }

  TEST_CASE_FIXTURE(ClientFixture, "errors read as Go's url.Error") {
    auto r = client.Get("gopher://example.com/x");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "Get \"gopher://example.com/x\": unsupported protocol scheme \"gopher\"");
    auto f = client.Get("ftp://example.com/");
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().message().ends_with("unsupported protocol scheme \"ftp\""));
  }

  TEST_CASE_FIXTURE(ClientFixture, "a handler relays a Client round trip on the same loop") {
    mux.HandleFunc("/upstream", [](ResponseWriter& w, Request&) { w.Write("from upstream"); });
    mux.HandleFunc("/relay", [this](ResponseWriter& w, Request&) {
      std::shared_ptr<ResponseWriter> held = w.Hold();  // the loop never blocks
      client.Do(NewRequest("GET", URL("/upstream")).value(), [held](Result<Response>&& r) {
        if (!r.ok()) {
          held->WriteHeader(502);
          held->Finish();
          return;
        }
        int code = r->status_code;
        r->body->ReadAll([held, code](Result<std::string>&& body) {
          held->WriteHeader(code);
          held->Write("relayed: " + body.value());
          held->Finish();
        });
      });
    });
    Start();
    auto r = Get(URL("/relay"));
    REQUIRE(r.ok());
    CHECK(ReadAll(*r).value() == "relayed: from upstream");
  }

  TEST_CASE_FIXTURE(ClientFixture, "dropping an unread response closes its conn (not reused)") {
    mux.HandleFunc("/big", [](ResponseWriter& w, Request&) { w.Write(std::string(1 << 20, 'x')); });
    Start();
    {
      auto r = Get(URL("/big"));
      REQUIRE(r.ok());
    }
    Spin(10);
    CHECK(nethttp::TransportAccess::Of(transport).IdleConnCount() == 0);
    auto r2 = Get(URL("/big"));
    REQUIRE(r2.ok());
    CHECK(ReadAll(*r2).value().size() == (1u << 20));
    CHECK(transport.ConnectionsOpened() == 2);
  }
}

TEST_SUITE("client over TLS") {
  TEST_CASE_FIXTURE(ClientFixture, "redirects between https and http follow Go's Referer and credential rules") {
    // One mux behind an https server and a plain one on another port; the
    // echo shows what reached the last hop.
    mux.HandleFunc("/echo", [](ResponseWriter& w, Request& r) {
      w.Write(std::string(r.tls ? "https" : "http") + " referer=" + std::string(r.header.Get("Referer")) +
              " auth=" + std::string(r.header.Get("Authorization")));
    });
    nethttp::Server plain;
    plain.addr = "127.0.0.1:0";
    plain.handler = mux_owner;
    plain.loop = &fx.loop();
    REQUIRE_FALSE(plain.Listen());
    StartTLS();
    std::string https_echo = URL("/echo");
    std::string http_echo = "http://" + plain.ListenAddr() + "/echo";
    mux.HandleFunc("/to-http", [&](ResponseWriter& w, Request& r) { nethttp::Redirect(w, r, http_echo, 302); });
    mux.HandleFunc("/to-https", [&](ResponseWriter& w, Request& r) { nethttp::Redirect(w, r, https_echo, 302); });
    auto get = [&](const std::string& url) {
      auto req = NewRequest("GET", url);
      REQUIRE(req.ok());
      req->header.Set("Authorization", "Bearer t");
      auto r = Do(std::move(*req));
      REQUIRE_MESSAGE(r.ok(), r.error().message());
      return ReadAll(*r).value();
    };
    // Leaving https for http drops the Referer (Go: refererForURL), and
    // Authorization too: Go 1.19 forwards credentials only to the same
    // host and port (or a subdomain on that port), and the ports differ.
    CHECK(get(URL("/to-http")) == "http referer= auth=");
    // From http to https the Referer is kept; the port changes again.
    CHECK(get("http://" + plain.ListenAddr() + "/to-https") ==
          "https referer=http://" + plain.ListenAddr() + "/to-https auth=");
    // Within the https server, both follow.
    mux.HandleFunc("/stay", [&](ResponseWriter& w, Request& r) { nethttp::Redirect(w, r, "/echo", 302); });
    CHECK(get(URL("/stay")) == "https referer=" + URL("/stay") + " auth=Bearer t");
    plain.Close();
  }
}
