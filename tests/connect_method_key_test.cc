// Tests for lib/connect_method_key.cc: KeyForURL fills in the scheme's port
// and refuses what the Transport cannot dial (Go: canonicalAddr and
// Transport.roundTrip's scheme and host checks).
#include "internal/connect_method_key.h"

#include <doctest/doctest.h>

#include <string>

using nethttp::KeyForURL;

TEST_SUITE("connect_method_key") {
  TEST_CASE("KeyForURL fills the scheme's default port and refuses other schemes") {
    auto key = [](const char* raw) { return KeyForURL(nethttp::Parse(raw).value()); };
    CHECK(key("http://a/x")->String() == "http|a:80");
    CHECK(key("http://a:80/")->addr == "a:80");
    CHECK(key("http://[::1]:8080/")->addr == "[::1]:8080");
    CHECK(key("http://[::1]/")->addr == "[::1]:80");
    CHECK(key("https://a/")->String() == "https|a:443");
    CHECK(key("https://a:8443/")->addr == "a:8443");
    // The same host and port over http and https are different connections.
    CHECK(key("https://a:80/")->String() != key("http://a:80/")->String());
    CHECK(key("ftp://a/").error().message() == "unsupported protocol scheme \"ftp\"");
    CHECK(key("/relative").error().message() == "unsupported protocol scheme \"\"");
  }

  TEST_CASE("KeyForURL refuses a host it could not dial") {
    // Parse refuses these hosts itself; a URL built by hand can hold them.
    auto key = [](const char* host) {
      nethttp::URL u;
      u.scheme = "http";
      u.host = host;
      return KeyForURL(u);
    };
    CHECK(key("").error().message() == "http: no Host in request URL");
    for (const char* host : {"a:b:80", "[::1", "[::1]x", ":80"}) {
      CAPTURE(host);
      CHECK(key(host).error().message() == "http: invalid host in request URL \"" + std::string(host) + "\"");
    }
  }

  TEST_CASE("ThroughProxy: http shares the proxy's conns, https gets a tunnel per server") {
    auto key = [](const char* raw, const char* proxy) {
      auto k = KeyForURL(nethttp::Parse(raw).value());
      REQUIRE(k.ok());
      return nethttp::ThroughProxy(*k, nethttp::Parse(proxy).value());
    };
    auto a = key("http://a/x", "http://p:3128");
    auto b = key("http://b:8080/", "http://p:3128");
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->ProxiedHttp());
    CHECK(a->String() == b->String());  // Go leaves the target out of a proxied http key
    CHECK(a->DialAddr() == "p:3128");
    CHECK(a->addr == "a:80");
    CHECK(a->proxy_authorization.empty());
    auto s1 = key("https://a/", "http://p:3128"), s2 = key("https://b/", "http://p:3128");
    CHECK(s1->Tunneled());
    CHECK(s1->String() != s2->String());
    CHECK(s1->DialAddr() == "p:3128");
    CHECK(key("http://a/", "http://p").value().proxy_addr == "p:80");
    // Credentials are decoded, then sent as Basic; they are part of the key.
    auto cred = key("http://a/", "http://us%3Aer:p%40ss@p:3128");
    CHECK(cred->proxy_authorization == "Basic dXM6ZXI6cEBzcw==");  // base64("us:er:p@ss")
    CHECK(cred->String() != a->String());
    CHECK(KeyForURL(nethttp::Parse("http://a/").value())->String() == "http|a:80");
    for (const char* proxy : {"https://p:443", "socks5://p:1080"}) {
      CAPTURE(proxy);
      CHECK(key("http://a/", proxy).error().code() == nethttp::ErrorCode::kNotSupported);
    }
  }
}
