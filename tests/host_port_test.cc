// Tests for lib/host_port.cc: SplitHostPort against Go's splitJoinTests and
// splitFailureTests (go/src/net/ip_test.go), reasons included, and
// SplitHostOptionalPort's own rules (the Transport's pool key; KeyForURL's
// cases are in idle_pool_test).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "internal/host_port.h"

using nethttp::SplitHostOptionalPort;
using nethttp::SplitHostPort;

TEST_SUITE("host_port") {
  TEST_CASE("SplitHostPort: Go's splitJoinTests") {
    struct Case {
      std::string_view host, port, join;
    };
    constexpr Case kCases[] = {
        {"www.google.com", "80", "www.google.com:80"},
        {"127.0.0.1", "1234", "127.0.0.1:1234"},
        {"::1", "80", "[::1]:80"},
        {"fe80::1%lo0", "80", "[fe80::1%lo0]:80"},
        {"localhost%lo0", "80", "[localhost%lo0]:80"},
        {"", "0", ":0"},
        {"google.com", "https%foo", "google.com:https%foo"},  // Go 1.0 behavior
        {"127.0.0.1", "", "127.0.0.1:"},                      // Go 1.0 behavior
        {"www.google.com", "", "www.google.com:"},            // Go 1.0 behavior
    };
    for (const Case& c : kCases) {
      CAPTURE(c.join);
      std::string_view host, port, why;
      REQUIRE(SplitHostPort(c.join, &host, &port, &why));
      CHECK(host == c.host);
      CHECK(port == c.port);
    }
  }

  TEST_CASE("SplitHostPort: Go's splitFailureTests, with Go's reasons") {
    struct Case {
      std::string_view hostport, why;
    };
    constexpr Case kCases[] = {
        {"www.google.com", "missing port in address"},
        {"127.0.0.1", "missing port in address"},
        {"[::1]", "missing port in address"},
        {"[fe80::1%lo0]", "missing port in address"},
        {"[localhost%lo0]", "missing port in address"},
        {"localhost%lo0", "missing port in address"},
        {"::1", "too many colons in address"},
        {"fe80::1%lo0", "too many colons in address"},
        {"fe80::1%lo0:80", "too many colons in address"},
        // Cases that did not fail in Go 1.0.
        {"[foo:bar]", "missing port in address"},
        {"[foo:bar]baz", "missing port in address"},
        {"[foo]bar:baz", "missing port in address"},
        {"[foo]:[bar]:baz", "too many colons in address"},
        {"[foo]:[bar]baz", "unexpected '[' in address"},
        {"foo[bar]:baz", "unexpected '[' in address"},
        {"foo]bar:baz", "unexpected ']' in address"},
        // Not in Go's table: an unclosed bracket, and the empty string.
        {"[::1:80", "missing ']' in address"},
        {"", "missing port in address"},
    };
    for (const Case& c : kCases) {
      CAPTURE(c.hostport);
      std::string_view host = "unchanged", port = "unchanged", why;
      CHECK_FALSE(SplitHostPort(c.hostport, &host, &port, &why));
      CHECK(why == c.why);
      CHECK(host == "unchanged");
      CHECK(port == "unchanged");
      CHECK_FALSE(SplitHostPort(c.hostport, &host, &port));  // why is optional
    }
  }

  TEST_CASE("SplitHostOptionalPort: the port may be missing, malformed hosts fail") {
    struct Case {
      std::string_view addr;
      bool ok;
      std::string_view host, port;
    };
    constexpr Case kCases[] = {
        {"example.com", true, "example.com", ""},
        {"example.com:8080", true, "example.com", "8080"},
        {"example.com:", true, "example.com", ""},
        {"[::1]", true, "::1", ""},
        {"[::1]:80", true, "::1", "80"},
        {"a[b:80", true, "a[b", "80"},  // stray brackets are not checked
        {"[::1", false, "", ""},
        {"[::1]x", false, "", ""},
        {"[::1]x:80", false, "", ""},
        {"::1", false, "", ""},
        {"a:b:80", false, "", ""},
    };
    for (const Case& c : kCases) {
      CAPTURE(c.addr);
      std::string host, port;
      REQUIRE(SplitHostOptionalPort(c.addr, &host, &port) == c.ok);
      if (c.ok) {
        CHECK(host == c.host);
        CHECK(port == c.port);
      }
    }
  }
}
