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
}
