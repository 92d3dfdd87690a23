// Tests for lib/request.cc: NewRequest, ported from the behaviour of Go
// 1.19's http.NewRequestWithContext (request.go) and its request_test.go
// cases (TestNewRequestHost, TestNewRequestContentLength, invalid methods).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "nethttp/request.h"

namespace nethttp {
namespace {

TEST_SUITE("request") {
  TEST_CASE("NewRequest fills method, URL, host, proto and body") {
    Result<Request> r = NewRequest("POST", "http://example.com:8080/echo?x=1", "{\"a\":1}");
    REQUIRE(r.ok());
    CHECK(r->method == "POST");
    CHECK(r->url.scheme == "http");
    CHECK(r->url.host == "example.com:8080");
    CHECK(r->url.path == "/echo");
    CHECK(r->url.raw_query == "x=1");
    CHECK(r->url.RequestURI() == "/echo?x=1");
    CHECK(r->host == "example.com:8080");  // the port is kept as given
    CHECK(r->proto == "HTTP/1.1");
    CHECK(r->proto_major == 1);
    CHECK(r->proto_minor == 1);
    CHECK(r->ProtoAtLeast(1, 1));
    CHECK(r->body == "{\"a\":1}");
    CHECK(r->content_length == 7);
    CHECK(r->header.size() == 0);
    CHECK_FALSE(r->close);
  }

  TEST_CASE("an empty method means GET (Go keeps this for NewRequest)") {
    Result<Request> r = NewRequest("", "http://example.com/");
    REQUIRE(r.ok());
    CHECK(r->method == "GET");
    CHECK(r->content_length == 0);
    CHECK(r->body.empty());
  }

  TEST_CASE("extension methods that are tokens are accepted, case kept") {
    for (std::string_view m : {"GET", "PROPFIND", "get", "M-SEARCH", "X!#$%&'*+.^_`|~9"}) {
      INFO(m);
      Result<Request> r = NewRequest(m, "http://example.com/");
      REQUIRE(r.ok());
      CHECK(r->method == m);
    }
  }

  TEST_CASE("invalid methods are refused with Go's text") {
    struct Case {
      std::string_view method, message;
    };
    const Case cases[] = {
        {"BAD METHOD", "net/http: invalid method \"BAD METHOD\""},
        {"GET\r\nX-Injected: 1", "net/http: invalid method \"GET\\r\\nX-Injected: 1\""},
        {"G(ET", "net/http: invalid method \"G(ET\""},
        {"G\"ET", "net/http: invalid method \"G\\\"ET\""},
        {"G\x01T", "net/http: invalid method \"G\\x01T\""},
        {"GET/", "net/http: invalid method \"GET/\""},
        {"\xc3\xa9", "net/http: invalid method \"\\xc3\\xa9\""},
    };
    for (const Case& c : cases) {
      INFO(c.method);
      Result<Request> r = NewRequest(c.method, "http://example.com/");
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code() == ErrorCode::kInvalidArgument);
      CHECK(r.error().message() == c.message);
    }
  }

  TEST_CASE("the method is checked before the URL, as in Go") {
    Result<Request> r = NewRequest("BAD METHOD", "http://[::1");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("URL errors are Parse's *url.Error") {
    Result<Request> r = NewRequest("GET", "http://x:namedport/");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kInvalidUrl);
    CHECK(r.error().message() == "parse \"http://x:namedport/\": invalid port \":namedport\" after host");
    r = NewRequest("GET", "http://example.com/\nHost: evil");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kInvalidUrl);
    CHECK(r.error().message().find("net/url: invalid control character in URL") != std::string::npos);
    r = NewRequest("GET", "::");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "parse \"::\": missing protocol scheme");
  }

  TEST_CASE("host follows Go's TestNewRequestHost and removeEmptyPort") {
    struct Case {
      std::string_view url, host;
    };
    const Case cases[] = {
        {"http://localhost/", "localhost"},
        {"http://localhost:80/", "localhost:80"},   // a given port is never dropped
        {"http://localhost:/", "localhost"},        // an empty port is (Go issue 14836)
        {"http://[::1]:/", "[::1]"},
        {"http://[::1]:8080/", "[::1]:8080"},
        {"http://[::1]/", "[::1]"},
        {"http://[fe80::1%25en0]:8080/", "[fe80::1%en0]:8080"},
        {"http://user:pw@example.com/x", "example.com"},  // userinfo is not part of host
        {"http://EXAMPLE.com/", "EXAMPLE.com"},           // no case folding, as Go
        {"/relative", ""},
    };
    for (const Case& c : cases) {
      INFO(c.url);
      Result<Request> r = NewRequest("GET", c.url);
      REQUIRE(r.ok());
      CHECK(r->host == c.host);
      CHECK(r->url.host == c.host);
    }
  }

  TEST_CASE("content_length is the body's size") {
    std::string big(100000, 'x');
    Result<Request> r = NewRequest("PUT", "http://h/", big);
    REQUIRE(r.ok());
    CHECK(r->content_length == 100000);
    CHECK(r->body.size() == 100000);
    r = NewRequest("POST", "http://h/", "");
    REQUIRE(r.ok());
    CHECK(r->content_length == 0);
  }

  TEST_CASE("the scheme is not checked here; Go reports it at Do time") {
    Result<Request> r = NewRequest("GET", "ftp://example.com/file");
    REQUIRE(r.ok());
    CHECK(r->url.scheme == "ftp");
    r = NewRequest("GET", "HTTP://example.com/");
    REQUIRE(r.ok());
    CHECK(r->url.scheme == "http");  // lower-cased by Parse
  }

  TEST_CASE("escaped paths and userinfo survive for the request line") {
    Result<Request> r = NewRequest("GET", "http://u:p%40ss@h/a%2Fb/c%20d?q=%20#frag");
    REQUIRE(r.ok());
    CHECK(r->url.path == "/a/b/c d");
    CHECK(r->url.RequestURI() == "/a%2Fb/c%20d?q=%20");
    CHECK(r->url.fragment == "frag");
    CHECK(r->url.Username() == "u");
    CHECK(r->url.Password() == "p@ss");
  }
}

}  // namespace
}  // namespace nethttp
