// Loopback tests for the cookie jar in lib/client.cc: the Client asks the
// jar before each hop and feeds it after each response, redirects included
// (Go: client_test.go's TestClientSendsCookieFromJar, TestJarCalls).
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>

#include "nethttp/client.h"
#include "nethttp/cookie.h"
#include "nethttp/cookie_jar.h"
#include "nethttp/status.h"
#include "testutil/client_fixture.h"

using nethttp::Cookie;
using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::Result;
using nethttp::testutil::ClientFixture;

namespace {

// Mount: /login sets the cookies in ?set= (one Set-Cookie each, '|'
// separated) and redirects to /me; /me echoes the Cookie header it got.
void MountLogin(ClientFixture& f) {
  f.mux.HandleFunc("/login", [](ResponseWriter& w, Request& r) {
    std::string set = r.url.raw_query.starts_with("set=") ? r.url.raw_query.substr(4) : "sid=abc; Path=/";
    Result<std::string> decoded = nethttp::QueryUnescape(set);
    std::string_view rest = decoded.ok() ? std::string_view(*decoded) : std::string_view(set);
    while (!rest.empty()) {
      size_t bar = rest.find('|');
      w.Header().Add("Set-Cookie", rest.substr(0, bar));
      rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    }
    w.Header().Set("Location", "/me");
    w.WriteHeader(nethttp::StatusFound);
  });
  f.mux.HandleFunc("/me", [](ResponseWriter& w, Request& r) {
    nethttp::SetCookie(w, Cookie{.name = "seen", .value = "yes", .path = "/"});
    w.Write(std::string(r.header.Get("Cookie")));
  });
}

// HostRewriter sends every request to the test server whatever its URL
// says, so the jar sees a real domain name (the role DNS would play).
class HostRewriter : public nethttp::RoundTripper {
 public:
  HostRewriter(nethttp::RoundTripper* inner, std::string addr) : inner_(inner), addr_(std::move(addr)) {}
  void RoundTrip(Request req, Done done, std::shared_ptr<nethttp::Cancelation> cancel) override {
    req.url.host = addr_;
    inner_->RoundTrip(std::move(req), std::move(done), std::move(cancel));
  }

 private:
  nethttp::RoundTripper* inner_;
  std::string addr_;
};

std::string Body(ClientFixture& f, Result<nethttp::Response> r) {
  REQUIRE(r.ok());
  CHECK(r->status_code == 200);
  Result<std::string> body = f.ReadAll(*r);
  REQUIRE(body.ok());
  return *body;
}

}  // namespace

TEST_SUITE("client_cookie") {
  TEST_CASE_FIXTURE(ClientFixture, "with a jar, the cookie set on a redirect is sent on the next hop") {
    MountLogin(*this);
    Start();
    client.jar = nethttp::NewCookieJar();
    CHECK(Body(*this, Get(URL("/login"))) == "sid=abc");
    // The final response's Set-Cookie reached the jar too, and both go out
    // on a later exchange.
    nethttp::Result<nethttp::URL> me = nethttp::Parse(URL("/me"));
    REQUIRE(me.ok());
    std::vector<Cookie> got = client.jar->Cookies(*me);
    REQUIRE(got.size() == 2);
    CHECK(got[0].name == "sid");
    CHECK(got[1].name == "seen");
    CHECK(Body(*this, Get(URL("/me"))) == "sid=abc; seen=yes");
  }

  TEST_CASE_FIXTURE(ClientFixture, "without a jar, no cookie is kept") {
    MountLogin(*this);
    Start();
    CHECK(Body(*this, Get(URL("/login"))).empty());
    CHECK(Body(*this, Get(URL("/me"))).empty());
  }

  TEST_CASE_FIXTURE(ClientFixture, "Max-Age=0 on a redirect deletes the jar's cookie before the next hop") {
    MountLogin(*this);
    Start();
    client.jar = nethttp::NewCookieJar();
    CHECK(Body(*this, Get(URL("/login"))) == "sid=abc");
    CHECK(Body(*this, Get(URL("/login?set=sid%3D%3B%20Max-Age%3D0"))) == "seen=yes");
  }

  TEST_CASE_FIXTURE(ClientFixture, "the jar refuses a cookie for a public suffix (Domain=co.uk)") {
    MountLogin(*this);
    Start();
    client.transport = std::make_shared<HostRewriter>(&transport, srv.ListenAddr());
    client.jar = nethttp::NewCookieJar();
    std::string base_uk = "http://www.example.co.uk";
    CHECK(Body(*this, Get(base_uk + "/login?set=bad%3D1%3B%20Domain%3Dco.uk%7Cgood%3D2%3B%20Domain%3Dexample.co.uk")) ==
          "good=2");
    // The domain cookie reaches a sibling host; nothing reaches another
    // registrant under co.uk.
    CHECK(client.jar->Cookies(nethttp::Parse("http://shop.example.co.uk/").value()).size() == 1);
    CHECK(client.jar->Cookies(nethttp::Parse("http://www.other.co.uk/").value()).empty());
  }

  TEST_CASE_FIXTURE(ClientFixture, "with a jar, a redirect's Set-Cookie replaces the caller's cookie of that name") {
    MountLogin(*this);
    Start();
    client.jar = nethttp::NewCookieJar();
    Result<Request> req = nethttp::NewRequest("GET", URL("/login"));
    REQUIRE(req.ok());
    req->header.Set("Cookie", "sid=old; keep=1");
    CHECK(Body(*this, Do(std::move(req).value())) == "keep=1; sid=abc");
    // When no caller cookie is left, no stale one goes out (Go would send
    // an empty Cookie header before the jar's).
    Result<Request> only = nethttp::NewRequest("GET", URL("/login?set=sid%3Dnew"));
    REQUIRE(only.ok());
    only->header.Set("Cookie", "sid=old");
    CHECK(Body(*this, Do(std::move(only).value())) == "sid=new; seen=yes");
  }

  TEST_CASE_FIXTURE(ClientFixture, "without a jar, the caller's Cookie header follows a same-host redirect") {
    MountLogin(*this);
    Start();
    Result<Request> req = nethttp::NewRequest("GET", URL("/login"));
    REQUIRE(req.ok());
    req->header.Set("Cookie", "sid=old; keep=1");
    CHECK(Body(*this, Do(std::move(req).value())) == "sid=old; keep=1");
  }
}
