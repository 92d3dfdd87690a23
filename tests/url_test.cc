// Tests for lib/url.cc, ported from Go 1.19's net/url/url_test.go tables
// (urltests, parseRequestURLTests, resolveReferenceTests, the escape tables,
// TestURLHostnameAndPort, TestParseErrors, TestRejectControlCharacters).
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "nethttp/url.h"

namespace nethttp {
namespace {

struct URLTest {
  std::string_view in;
  URL out;
  std::string_view roundtrip;  // "" means the same as in
};

// Go's urltests. Go's User("x")/UserPassword("x","y") become the encoded
// userinfo string our URL::user holds ("x", "x:y").
const std::vector<URLTest>& UrlTests() {
  static const std::vector<URLTest> tests = {
      // no path
      {"http://www.google.com", {.scheme = "http", .host = "www.google.com"}, ""},
      // path
      {"http://www.google.com/", {.scheme = "http", .host = "www.google.com", .path = "/"}, ""},
      // path with hex escaping
      {"http://www.google.com/file%20one%26two",
       {.scheme = "http", .host = "www.google.com", .path = "/file one&two",
        .raw_path = "/file%20one%26two"},
       ""},
      // fragment with hex escaping
      {"http://www.google.com/#file%20one%26two",
       {.scheme = "http", .host = "www.google.com", .path = "/", .fragment = "file one&two",
        .raw_fragment = "file%20one%26two"},
       ""},
      // user
      {"ftp://webmaster@www.google.com/",
       {.scheme = "ftp", .user = "webmaster", .host = "www.google.com", .path = "/"}, ""},
      // escape sequence in username
      {"ftp://john%20doe@www.google.com/",
       {.scheme = "ftp", .user = "john%20doe", .host = "www.google.com", .path = "/"},
       "ftp://john%20doe@www.google.com/"},
      // empty query
      {"http://www.google.com/?",
       {.scheme = "http", .host = "www.google.com", .path = "/", .force_query = true}, ""},
      // query ending in question mark (Go issue 14573)
      {"http://www.google.com/?foo=bar?",
       {.scheme = "http", .host = "www.google.com", .path = "/", .raw_query = "foo=bar?"}, ""},
      // query
      {"http://www.google.com/?q=go+language",
       {.scheme = "http", .host = "www.google.com", .path = "/", .raw_query = "q=go+language"},
       ""},
      // query with hex escaping: NOT parsed
      {"http://www.google.com/?q=go%20language",
       {.scheme = "http", .host = "www.google.com", .path = "/", .raw_query = "q=go%20language"},
       ""},
      // %20 outside query
      {"http://www.google.com/a%20b?q=c+d",
       {.scheme = "http", .host = "www.google.com", .path = "/a b", .raw_query = "q=c+d"}, ""},
      // path without leading /, so no parsing
      {"http:www.google.com/?q=go+language",
       {.scheme = "http", .raw_query = "q=go+language", .opaque = "www.google.com/"},
       "http:www.google.com/?q=go+language"},
      {"http:%2f%2fwww.google.com/?q=go+language",
       {.scheme = "http", .raw_query = "q=go+language", .opaque = "%2f%2fwww.google.com/"},
       "http:%2f%2fwww.google.com/?q=go+language"},
      // non-authority with path (Go issue 46059)
      {"mailto:/webmaster@golang.org",
       {.scheme = "mailto", .path = "/webmaster@golang.org", .omit_host = true}, ""},
      // non-authority
      {"mailto:webmaster@golang.org", {.scheme = "mailto", .opaque = "webmaster@golang.org"}, ""},
      // unescaped :// in query should not create a scheme
      {"/foo?query=http://bad", {.path = "/foo", .raw_query = "query=http://bad"}, ""},
      // leading // without scheme should create an authority
      {"//foo", {.host = "foo"}, ""},
      // leading // without scheme, with userinfo, path, and query
      {"//user@foo/path?a=b", {.user = "user", .host = "foo", .path = "/path", .raw_query = "a=b"},
       ""},
      // three leading slashes isn't an authority, but doesn't return an error
      {"///threeslashes", {.path = "///threeslashes"}, ""},
      {"http://user:password@google.com",
       {.scheme = "http", .user = "user:password", .host = "google.com"},
       "http://user:password@google.com"},
      // unescaped @ in username should not confuse host
      {"http://j@ne:password@google.com",
       {.scheme = "http", .user = "j%40ne:password", .host = "google.com"},
       "http://j%40ne:password@google.com"},
      // unescaped @ in password should not confuse host
      {"http://jane:p@ssword@google.com",
       {.scheme = "http", .user = "jane:p%40ssword", .host = "google.com"},
       "http://jane:p%40ssword@google.com"},
      {"http://j@ne:password@google.com/p@th?q=@go",
       {.scheme = "http", .user = "j%40ne:password", .host = "google.com", .path = "/p@th",
        .raw_query = "q=@go"},
       "http://j%40ne:password@google.com/p@th?q=@go"},
      {"http://www.google.com/?q=go+language#foo",
       {.scheme = "http", .host = "www.google.com", .path = "/", .raw_query = "q=go+language",
        .fragment = "foo"},
       ""},
      {"http://www.google.com/?q=go+language#foo&bar",
       {.scheme = "http", .host = "www.google.com", .path = "/", .raw_query = "q=go+language",
        .fragment = "foo&bar"},
       "http://www.google.com/?q=go+language#foo&bar"},
      {"http://www.google.com/?q=go+language#foo%26bar",
       {.scheme = "http", .host = "www.google.com", .path = "/", .raw_query = "q=go+language",
        .fragment = "foo&bar", .raw_fragment = "foo%26bar"},
       "http://www.google.com/?q=go+language#foo%26bar"},
      {"file:///home/adg/rabbits", {.scheme = "file", .path = "/home/adg/rabbits"},
       "file:///home/adg/rabbits"},
      // "Windows" paths are no exception to the rule (Go issue 6027)
      {"file:///C:/FooBar/Baz.txt", {.scheme = "file", .path = "/C:/FooBar/Baz.txt"},
       "file:///C:/FooBar/Baz.txt"},
      // case-insensitive scheme
      {"MaIlTo:webmaster@golang.org", {.scheme = "mailto", .opaque = "webmaster@golang.org"},
       "mailto:webmaster@golang.org"},
      // relative path
      {"a/b/c", {.path = "a/b/c"}, "a/b/c"},
      // escaped '?' in username and password
      {"http://%3Fam:pa%3Fsword@google.com",
       {.scheme = "http", .user = "%3Fam:pa%3Fsword", .host = "google.com"}, ""},
      // host subcomponent; IPv4 address in RFC 3986
      {"http://192.168.0.1/", {.scheme = "http", .host = "192.168.0.1", .path = "/"}, ""},
      {"http://192.168.0.1:8080/", {.scheme = "http", .host = "192.168.0.1:8080", .path = "/"},
       ""},
      // IPv6 address in RFC 3986
      {"http://[fe80::1]/", {.scheme = "http", .host = "[fe80::1]", .path = "/"}, ""},
      {"http://[fe80::1]:8080/", {.scheme = "http", .host = "[fe80::1]:8080", .path = "/"}, ""},
      // IPv6 address with zone identifier in RFC 6874
      {"http://[fe80::1%25en0]/", {.scheme = "http", .host = "[fe80::1%en0]", .path = "/"}, ""},
      {"http://[fe80::1%25en0]:8080/",
       {.scheme = "http", .host = "[fe80::1%en0]:8080", .path = "/"}, ""},
      // percent-encoded+unreserved zone identifier
      {"http://[fe80::1%25%65%6e%301-._~]/",
       {.scheme = "http", .host = "[fe80::1%en01-._~]", .path = "/"},
       "http://[fe80::1%25en01-._~]/"},
      {"http://[fe80::1%25%65%6e%301-._~]:8080/",
       {.scheme = "http", .host = "[fe80::1%en01-._~]:8080", .path = "/"},
       "http://[fe80::1%25en01-._~]:8080/"},
      // alternate escapings of path survive round trip
      {"http://rest.rsc.io/foo%2fbar/baz%2Fquux?alt=media",
       {.scheme = "http", .host = "rest.rsc.io", .path = "/foo/bar/baz/quux",
        .raw_path = "/foo%2fbar/baz%2Fquux", .raw_query = "alt=media"},
       ""},
      // Go issue 12036
      {"mysql://a,b,c/bar", {.scheme = "mysql", .host = "a,b,c", .path = "/bar"}, ""},
      // worst case host, still round trips
      {"scheme://!$&'()*+,;=hello!:1/path",
       {.scheme = "scheme", .host = "!$&'()*+,;=hello!:1", .path = "/path"}, ""},
      // worst case path, still round trips
      {"http://host/!$&'()*+,;=:@[hello]",
       {.scheme = "http", .host = "host", .path = "/!$&'()*+,;=:@[hello]",
        .raw_path = "/!$&'()*+,;=:@[hello]"},
       ""},
      // Go issue 5684
      {"http://example.com/oid/[order_id]",
       {.scheme = "http", .host = "example.com", .path = "/oid/[order_id]",
        .raw_path = "/oid/[order_id]"},
       ""},
      // Go issue 12200 (colon with empty port)
      {"http://192.168.0.2:8080/foo", {.scheme = "http", .host = "192.168.0.2:8080", .path = "/foo"},
       ""},
      {"http://192.168.0.2:/foo", {.scheme = "http", .host = "192.168.0.2:", .path = "/foo"}, ""},
      // malformed IPv6 but still accepted
      {"http://2b01:e34:ef40:7730:8e70:5aff:fefe:edac:8080/foo",
       {.scheme = "http", .host = "2b01:e34:ef40:7730:8e70:5aff:fefe:edac:8080", .path = "/foo"},
       ""},
      {"http://2b01:e34:ef40:7730:8e70:5aff:fefe:edac:/foo",
       {.scheme = "http", .host = "2b01:e34:ef40:7730:8e70:5aff:fefe:edac:", .path = "/foo"}, ""},
      {"http://[2b01:e34:ef40:7730:8e70:5aff:fefe:edac]:8080/foo",
       {.scheme = "http", .host = "[2b01:e34:ef40:7730:8e70:5aff:fefe:edac]:8080", .path = "/foo"},
       ""},
      {"http://[2b01:e34:ef40:7730:8e70:5aff:fefe:edac]:/foo",
       {.scheme = "http", .host = "[2b01:e34:ef40:7730:8e70:5aff:fefe:edac]:", .path = "/foo"},
       ""},
      // Go issues 7991 and 12719 (non-ASCII %-encoded in host)
      {"http://hello.\xe4\xb8\x96\xe7\x95\x8c.com/foo",
       {.scheme = "http", .host = "hello.\xe4\xb8\x96\xe7\x95\x8c.com", .path = "/foo"},
       "http://hello.%E4%B8%96%E7%95%8C.com/foo"},
      {"http://hello.%e4%b8%96%e7%95%8c.com/foo",
       {.scheme = "http", .host = "hello.\xe4\xb8\x96\xe7\x95\x8c.com", .path = "/foo"},
       "http://hello.%E4%B8%96%E7%95%8C.com/foo"},
      {"http://hello.%E4%B8%96%E7%95%8C.com/foo",
       {.scheme = "http", .host = "hello.\xe4\xb8\x96\xe7\x95\x8c.com", .path = "/foo"}, ""},
      // Go issue 10433 (path beginning with //)
      {"http://example.com//foo", {.scheme = "http", .host = "example.com", .path = "//foo"}, ""},
      // we can reparse the host names we accept
      {"myscheme://authority<\"hi\">/foo",
       {.scheme = "myscheme", .host = "authority<\"hi\">", .path = "/foo"}, ""},
      // escaped spaces in IPv6 scope IDs are grudgingly OK (Go issue 14002)
      {"tcp://[2020::2020:20:2020:2020%25Windows%20Loves%20Spaces]:2020",
       {.scheme = "tcp", .host = "[2020::2020:20:2020:2020%Windows Loves Spaces]:2020"}, ""},
      // magnet URL round trip (Go issue 20054)
      {"magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn",
       {.scheme = "magnet", .raw_query = "xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn"},
       "magnet:?xt=urn:btih:c12fe1c06bba254a9dc9f519b335aa7c1367a88a&dn"},
      {"mailto:?subject=hi", {.scheme = "mailto", .raw_query = "subject=hi"}, "mailto:?subject=hi"},
  };
  return tests;
}

void CheckUrlEq(const URL& got, const URL& want) {
  CHECK(got.scheme == want.scheme);
  CHECK(got.user == want.user);
  CHECK(got.host == want.host);
  CHECK(got.path == want.path);
  CHECK(got.raw_path == want.raw_path);
  CHECK(got.raw_query == want.raw_query);
  CHECK(got.fragment == want.fragment);
  CHECK(got.opaque == want.opaque);
  CHECK(got.raw_fragment == want.raw_fragment);
  CHECK(got.force_query == want.force_query);
  CHECK(got.omit_host == want.omit_host);
}

TEST_SUITE("url") {
  TEST_CASE("Parse matches Go's urltests field by field") {
    for (const URLTest& tt : UrlTests()) {
      INFO("Parse(\"" << tt.in << "\")");
      Result<URL> u = Parse(tt.in);
      REQUIRE_MESSAGE(u.ok(), u.error().message());
      CheckUrlEq(*u, tt.out);
    }
  }

  TEST_CASE("String round-trips Go's urltests") {
    for (const URLTest& tt : UrlTests()) {
      INFO("Parse(\"" << tt.in << "\").String()");
      Result<URL> u = Parse(tt.in);
      REQUIRE(u.ok());
      CHECK(u->String() == (tt.roundtrip.empty() ? tt.in : tt.roundtrip));
    }
  }

  TEST_CASE("String of hand-built URLs (Go's stringURLTests)") {
    // No leading slash on path gets one when there is a host.
    CHECK(URL{.scheme = "http", .host = "www.google.com", .path = "search"}.String() ==
          "http://www.google.com/search");
    // A relative path whose first segment holds ':' is written "./" (Go issue 17184).
    CHECK(URL{.path = "this:that"}.String() == "./this:that");
    CHECK(URL{.path = "here/this:that"}.String() == "here/this:that");
    CHECK(URL{.scheme = "http", .host = "www.google.com", .path = "this:that"}.String() ==
          "http://www.google.com/this:that");
    CHECK(URL{}.String() == "");
  }

  TEST_CASE("Username and Password decode the userinfo") {
    Result<URL> u = Parse("http://j@ne:p%40ss%20word@google.com/");
    REQUIRE(u.ok());
    CHECK(u->Username() == "j@ne");
    CHECK(u->Password() == "p@ss word");
    u = Parse("ftp://john%20doe@www.google.com/");
    REQUIRE(u.ok());
    CHECK(u->Username() == "john doe");
    CHECK(u->Password() == "");
    u = Parse("http://%3Fam:pa%3Fsword@google.com");
    REQUIRE(u.ok());
    CHECK(u->Username() == "?am");
    CHECK(u->Password() == "pa?sword");
    // Go's TestNilUser: no userinfo reads as empty.
    u = Parse("http://foo.com/");
    REQUIRE(u.ok());
    CHECK(u->user == "");
    CHECK(u->Username() == "");
    CHECK(u->Password() == "");
  }

  TEST_CASE("an empty userinfo is dropped (differs from Go)") {
    // Go keeps a non-nil User("") and writes "http://@host/" back; our user
    // is a string, so empty means absent and String writes no '@'. Go would
    // also send "Authorization: Basic Og==" for it; we send none.
    Result<URL> u = Parse("http://@example.com/x");
    REQUIRE(u.ok());
    CHECK(u->user == "");
    CHECK(u->host == "example.com");
    CHECK(u->String() == "http://example.com/x");
    // "user:" (empty password) is not empty userinfo and round-trips as Go.
    u = Parse("http://user:@example.com/");
    REQUIRE(u.ok());
    CHECK(u->user == "user:");
    CHECK(u->String() == "http://user:@example.com/");
  }

  TEST_CASE("ParseRequestURI accepts and rejects as Go's parseRequestURLTests") {
    struct Case {
      std::string_view url;
      bool valid;
    };
    const Case cases[] = {
        {"http://foo.com", true},
        {"http://foo.com/", true},
        {"http://foo.com/path", true},
        {"/", true},
        {"//not.a.user@not.a.host/just/a/path", true},
        {"//not.a.user@%66%6f%6f.com/just/a/path/also", true},
        {"*", true},
        {"http://192.168.0.1/", true},
        {"http://192.168.0.1:8080/", true},
        {"http://[fe80::1]/", true},
        {"http://[fe80::1]:8080/", true},
        // RFC 6874 compliance
        {"http://[fe80::1%25en0]/", true},
        {"http://[fe80::1%25en0]:8080/", true},
        {"http://[fe80::1%25%65%6e%301-._~]/", true},
        {"http://[fe80::1%25%65%6e%301-._~]:8080/", true},
        {"foo.html", false},
        {"../dir/", false},
        {" http://foo.com", false},
        {"http://192.168.0.%31/", false},
        {"http://192.168.0.%31:8080/", false},
        {"http://[fe80::%31]/", false},
        {"http://[fe80::%31]:8080/", false},
        {"http://[fe80::%31%25en0]/", false},
        {"http://[fe80::%31%25en0]:8080/", false},
        // Valid in RFC 4007 text form, but not as RFC 6874 URI literals.
        {"http://[fe80::1%en0]/", false},
        {"http://[fe80::1%en0]:8080/", false},
        // Not in Go's table, but Go's rules: an empty target and a CTL.
        {"", false},
        {"/a\x01" "b", false},
    };
    for (const Case& c : cases) {
      INFO("ParseRequestURI(\"" << c.url << "\")");
      Result<URL> u = ParseRequestURI(c.url);
      CHECK(u.ok() == c.valid);
      if (!u.ok()) CHECK(u.error().code() == ErrorCode::kInvalidUrl);
    }
  }

  TEST_CASE("ParseRequestURI keeps a scheme-relative-looking target as a path") {
    Result<URL> u = ParseRequestURI("//not.a.user@not.a.host/just/a/path");
    REQUIRE(u.ok());
    CHECK(u->path == "//not.a.user@not.a.host/just/a/path");
    CHECK(u->host == "");
    CHECK(u->user == "");
  }

  TEST_CASE("ParseRequestURI on origin-form, absolute-form and asterisk-form") {
    SUBCASE("origin-form with query") {
      Result<URL> u = ParseRequestURI("/search?q=go+lang&x=%20");
      REQUIRE(u.ok());
      CHECK(u->scheme == "");
      CHECK(u->host == "");
      CHECK(u->path == "/search");
      CHECK(u->raw_path == "");
      CHECK(u->raw_query == "q=go+lang&x=%20");
      CHECK(u->RequestURI() == "/search?q=go+lang&x=%20");
    }
    SUBCASE("origin-form with escapes keeps raw_path only when non-default") {
      Result<URL> u = ParseRequestURI("/a%20b");
      REQUIRE(u.ok());
      CHECK(u->path == "/a b");
      CHECK(u->raw_path == "");
      u = ParseRequestURI("/a%2fb");
      REQUIRE(u.ok());
      CHECK(u->path == "/a/b");
      CHECK(u->raw_path == "/a%2fb");
      CHECK(u->RequestURI() == "/a%2fb");
    }
    SUBCASE("no fragment in a request-target: '#' stays in the query") {
      Result<URL> u = ParseRequestURI("/p?a=1#frag");
      REQUIRE(u.ok());
      CHECK(u->path == "/p");
      CHECK(u->raw_query == "a=1#frag");
      CHECK(u->fragment == "");
    }
    SUBCASE("no fragment in a request-target: '#' in the path is a path byte") {
      Result<URL> u = ParseRequestURI("/p#frag");
      REQUIRE(u.ok());
      CHECK(u->path == "/p#frag");
      CHECK(u->RequestURI() == "/p%23frag");
    }
    SUBCASE("absolute-form") {
      Result<URL> u = ParseRequestURI("HTTP://user@Example.com:8080/x?y");
      REQUIRE(u.ok());
      CHECK(u->scheme == "http");
      CHECK(u->user == "user");
      CHECK(u->host == "Example.com:8080");
      CHECK(u->path == "/x");
      CHECK(u->raw_query == "y");
    }
    SUBCASE("asterisk-form (Go issue 11202)") {
      Result<URL> u = ParseRequestURI("*");
      REQUIRE(u.ok());
      CHECK(u->path == "*");
      CHECK(u->RequestURI() == "*");
      u = Parse("*");
      REQUIRE(u.ok());
      CHECK(u->RequestURI() == "*");
    }
    SUBCASE("a trailing '?' is kept") {
      Result<URL> u = ParseRequestURI("/foo?");
      REQUIRE(u.ok());
      CHECK(u->force_query);
      CHECK(u->RequestURI() == "/foo?");
    }
  }

  TEST_CASE("Parse rejects what Go's TestParseErrors rejects") {
    struct Case {
      std::string_view in;
      bool want_err;
    };
    const Case cases[] = {
        {"http://[::1]", false},
        {"http://[::1]:80", false},
        {"http://[::1]:namedport", true},  // RFC 3986 §3.2.3
        {"http://x:namedport", true},      // RFC 3986 §3.2.3
        {"http://[::1]/", false},
        {"http://[::1]a", true},
        {"http://[::1]%23", true},
        {"http://[::1%25en0]", false},  // valid zone id
        {"http://[::1]:", false},       // colon, but no port OK
        {"http://x:", false},           // colon, but no port OK
        {"http://[::1]:%38%30", true},  // % encoding only for non-ASCII
        {"http://[::1%25%41]", false},  // RFC 6874 allows over-escaping in zone
        {"http://[%10::1]", true},      // no %xx escapes in IP address
        {"http://[::1]/%48", false},    // %xx in path is fine
        {"http://%41:8080/", true},     // % encoding only for non-ASCII
        {"mysql://x@y(z:123)/foo", true},  // Go issue 33646
        {"mysql://x@y(1.2.3.4:123)/foo", true},
        {" http://foo.com", true},   // invalid character in scheme
        {"ht tp://foo.com", true},   // invalid character in scheme
        {"ahttp://foo.com", false},  // valid scheme characters
        {"1http://foo.com", true},   // invalid character in scheme
        {"http://[]%20%48%54%54%50%2f%31%2e%31%0a%4d%79%48%65%61%64%65%72%3a%20%31%32%33%0a%0a/",
         true},  // Go issue 11208
        {"http://a b.com/", true},     // no space in host name
        {"cache_object://foo", true},  // '_' not a scheme byte, ':' in first segment
        {"cache_object:foo", true},
        {"cache_object:foo/bar", true},
        {"cache_object/:foo/bar", false},
        {"http://[::1", true},  // missing ']'
        {"%zz", true},
        {"http://x/%", true},
        {"http://x/#%g", true},
    };
    for (const Case& c : cases) {
      INFO("Parse(\"" << c.in << "\")");
      Result<URL> u = Parse(c.in);
      CHECK(u.ok() != c.want_err);
      if (!u.ok()) CHECK(u.error().code() == ErrorCode::kInvalidUrl);
    }
  }

  TEST_CASE("error texts are Go's *url.Error texts") {
    auto msg = [](std::string_view in) { return Parse(in).error().message(); };
    CHECK(msg("http://x:namedport") == "parse \"http://x:namedport\": invalid port \":namedport\" after host");
    CHECK(msg("http://[::1") == "parse \"http://[::1\": missing ']' in host");
    CHECK(msg("http://a b.com/") ==
          "parse \"http://a b.com/\": invalid character \" \" in host name");
    CHECK(msg("http://%41:8080/") == "parse \"http://%41:8080/\": invalid URL escape \"%41\"");
    CHECK(msg("x/%zzzz") == "parse \"x/%zzzz\": invalid URL escape \"%zz\"");
    CHECK(msg("x/%4") == "parse \"x/%4\": invalid URL escape \"%4\"");
    CHECK(msg(":foo") == "parse \":foo\": missing protocol scheme");
    CHECK(msg("cache_object:foo") ==
          "parse \"cache_object:foo\": first path segment in URL cannot contain colon");
    CHECK(msg("http://user^:passwo^rd@foo.com/") ==
          "parse \"http://user^:passwo^rd@foo.com/\": net/url: invalid userinfo");
    // Go quotes the part before '#' for errors there, the whole URL for a
    // bad fragment.
    CHECK(msg("http://x:y/#a") == "parse \"http://x:y/\": invalid port \":y\" after host");
    CHECK(msg("/a#%zz") == "parse \"/a#%zz\": invalid URL escape \"%zz\"");
    CHECK(ParseRequestURI("").error().message() == "parse \"\": empty url");
    CHECK(ParseRequestURI("foo.html").error().message() ==
          "parse \"foo.html\": invalid URI for request");
  }

  TEST_CASE("control bytes are rejected as Go's TestRejectControlCharacters") {
    for (std::string_view s : {"http://foo.com/?foo\nbar", "http\r://foo.com/", "http://foo\x7f.com/"}) {
      INFO(s);
      Result<URL> u = Parse(s);
      REQUIRE_FALSE(u.ok());
      CHECK(u.error().code() == ErrorCode::kInvalidUrl);
      CHECK(u.error().message().find("net/url: invalid control character in URL") !=
            std::string::npos);
    }
    // The quoted URL in the error cannot carry the control byte itself.
    CHECK(Parse("http://foo.com/?foo\nbar").error().message() ==
          "parse \"http://foo.com/?foo\\nbar\": net/url: invalid control character in URL");
    CHECK(Parse("http://foo\x7f.com/").error().message() ==
          "parse \"http://foo\\x7f.com/\": net/url: invalid control character in URL");
    CHECK(Parse(std::string_view("/a\0b", 4)).error().message() ==
          "parse \"/a\\x00b\": net/url: invalid control character in URL");
    // Non-ASCII bytes are not CTLs, as in Go.
    Result<URL> u = Parse("http://foo.com/ctl\x80");
    REQUIRE(u.ok());
    CHECK(u->path == "/ctl\x80");
    // An invalid UTF-8 byte is quoted as \x in an error text.
    CHECK(Parse("http://\xff:x/").error().message() ==
          "parse \"http://\\xff:x/\": invalid port \":x\" after host");
  }

  TEST_CASE("Hostname and Port as Go's TestURLHostnameAndPort") {
    struct Case {
      std::string_view in, host, port;
    };
    const Case cases[] = {
        {"foo.com:80", "foo.com", "80"},
        {"foo.com", "foo.com", ""},
        {"foo.com:", "foo.com", ""},
        {"FOO.COM", "FOO.COM", ""},  // no canonicalisation
        {"1.2.3.4", "1.2.3.4", ""},
        {"1.2.3.4:80", "1.2.3.4", "80"},
        {"[1:2:3:4]", "1:2:3:4", ""},
        {"[1:2:3:4]:80", "1:2:3:4", "80"},
        {"[::1]:80", "::1", "80"},
        {"[::1]", "::1", ""},
        {"[::1]:", "::1", ""},
        {"localhost", "localhost", ""},
        {"localhost:443", "localhost", "443"},
        {"some.super.long.domain.example.org:8080", "some.super.long.domain.example.org", "8080"},
        {"[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:17000",
         "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "17000"},
        {"[2001:0db8:85a3:0000:0000:8a2e:0370:7334]", "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
         ""},
        // Even when not valid, Host is split the same way (Go issue 29098).
        {"[google.com]:80", "google.com", "80"},
        {"google.com]:80", "google.com]", "80"},
        {"google.com:80_invalid_port", "google.com:80_invalid_port", ""},
        {"[::1]extra]:80", "::1]extra", "80"},
        {"google.com]extra:extra", "google.com]extra:extra", ""},
    };
    for (const Case& c : cases) {
      INFO("host " << c.in);
      URL u{.host = std::string(c.in)};
      CHECK(u.Hostname() == c.host);
      CHECK(u.Port() == c.port);
    }
  }

  TEST_CASE("RequestURI as Go's requritests") {
    CHECK(URL{.scheme = "http", .host = "example.com"}.RequestURI() == "/");
    CHECK(URL{.scheme = "http", .host = "example.com", .path = "/a b"}.RequestURI() == "/a%20b");
    // Go issue 4860
    CHECK(URL{.scheme = "http", .host = "example.com", .opaque = "/%2F/%2F/"}.RequestURI() ==
          "/%2F/%2F/");
    CHECK(URL{.scheme = "http", .host = "example.com", .opaque = "//other.example.com/%2F/%2F/"}
              .RequestURI() == "http://other.example.com/%2F/%2F/");
    CHECK(URL{.scheme = "http", .host = "example.com", .path = "/////", .raw_path = "/%2F/%2F/"}
              .RequestURI() == "/%2F/%2F/");
    // raw_path is ignored when it doesn't match path, or is not a valid encoding.
    CHECK(URL{.scheme = "http", .host = "example.com", .path = "/////", .raw_path = "/WRONG/"}
              .RequestURI() == "/////");
    CHECK(URL{.scheme = "http", .host = "example.com", .path = "/a b", .raw_query = "q=go+language"}
              .RequestURI() == "/a%20b?q=go+language");
    CHECK(URL{.scheme = "http", .host = "example.com", .path = "/a b", .raw_path = "/a b",
              .raw_query = "q=go+language"}
              .RequestURI() == "/a%20b?q=go+language");
    CHECK(URL{.scheme = "http", .host = "example.com", .path = "/a?b", .raw_path = "/a?b",
              .raw_query = "q=go+language"}
              .RequestURI() == "/a%3Fb?q=go+language");
    CHECK(URL{.scheme = "myschema", .opaque = "opaque"}.RequestURI() == "opaque");
    CHECK(URL{.scheme = "myschema", .raw_query = "q=go+language", .opaque = "opaque"}
              .RequestURI() == "opaque?q=go+language");
    CHECK(URL{.scheme = "http", .host = "example.com", .path = "//foo"}.RequestURI() == "//foo");
    CHECK(URL{.scheme = "http", .host = "example.com", .path = "/foo", .force_query = true}
              .RequestURI() == "/foo?");
  }

  TEST_CASE("EscapedPath and EscapedFragment prefer a valid raw form") {
    Result<URL> u = Parse("http://x/a%2Fb%2fc#x%2Fy");
    REQUIRE(u.ok());
    CHECK(u->EscapedPath() == "/a%2Fb%2fc");
    CHECK(u->EscapedFragment() == "x%2Fy");
    u->path = "/changed";  // a stale raw_path is ignored
    CHECK(u->EscapedPath() == "/changed");
    u->fragment = "z y";
    CHECK(u->EscapedFragment() == "z%20y");
  }

  TEST_CASE("ResolveReference as Go's resolveReferenceTests") {
    struct Case {
      std::string_view base, rel, expected;
    };
    const Case cases[] = {
        // Absolute URL references
        {"http://foo.com?a=b", "https://bar.com/", "https://bar.com/"},
        {"http://foo.com/", "https://bar.com/?a=b", "https://bar.com/?a=b"},
        {"http://foo.com/", "https://bar.com/?", "https://bar.com/?"},
        {"http://foo.com/bar", "mailto:foo@example.com", "mailto:foo@example.com"},
        // Path-absolute references
        {"http://foo.com/bar", "/baz", "http://foo.com/baz"},
        {"http://foo.com/bar?a=b#f", "/baz", "http://foo.com/baz"},
        {"http://foo.com/bar?a=b", "/baz?", "http://foo.com/baz?"},
        {"http://foo.com/bar?a=b", "/baz?c=d", "http://foo.com/baz?c=d"},
        // Multiple slashes
        {"http://foo.com/bar", "http://foo.com//baz", "http://foo.com//baz"},
        {"http://foo.com/bar", "http://foo.com///baz/quux", "http://foo.com///baz/quux"},
        // Scheme-relative
        {"https://foo.com/bar?a=b", "//bar.com/quux", "https://bar.com/quux"},
        // Path-relative references: current directory
        {"http://foo.com", ".", "http://foo.com/"},
        {"http://foo.com/bar", ".", "http://foo.com/"},
        {"http://foo.com/bar/", ".", "http://foo.com/bar/"},
        // ... going down
        {"http://foo.com", "bar", "http://foo.com/bar"},
        {"http://foo.com/", "bar", "http://foo.com/bar"},
        {"http://foo.com/bar/baz", "quux", "http://foo.com/bar/quux"},
        // ... going up
        {"http://foo.com/bar/baz", "../quux", "http://foo.com/quux"},
        {"http://foo.com/bar/baz", "../../../../../quux", "http://foo.com/quux"},
        {"http://foo.com/bar", "..", "http://foo.com/"},
        {"http://foo.com/bar/baz", "./..", "http://foo.com/"},
        // ".." in the middle (Go issue 3560)
        {"http://foo.com/bar/baz", "quux/dotdot/../tail", "http://foo.com/bar/quux/tail"},
        {"http://foo.com/bar/baz", "quux/./dotdot/../tail", "http://foo.com/bar/quux/tail"},
        {"http://foo.com/bar/baz", "quux/./dotdot/.././tail", "http://foo.com/bar/quux/tail"},
        {"http://foo.com/bar/baz", "quux/./dotdot/./../tail", "http://foo.com/bar/quux/tail"},
        {"http://foo.com/bar/baz", "quux/./dotdot/dotdot/././../../tail",
         "http://foo.com/bar/quux/tail"},
        {"http://foo.com/bar/baz", "quux/./dotdot/dotdot/./.././../tail",
         "http://foo.com/bar/quux/tail"},
        {"http://foo.com/bar/baz", "quux/./dotdot/dotdot/dotdot/./../../.././././tail",
         "http://foo.com/bar/quux/tail"},
        {"http://foo.com/bar/baz", "quux/./dotdot/../dotdot/../dot/./tail/..",
         "http://foo.com/bar/quux/dot/"},
        // Remove dot-segments prior to forming the target URI (RFC 3986 §5.2.4).
        {"http://foo.com/dot/./dotdot/../foo/bar", "../baz", "http://foo.com/dot/baz"},
        // Triple dot isn't special
        {"http://foo.com/bar", "...", "http://foo.com/..."},
        // Fragment
        {"http://foo.com/bar", ".#frag", "http://foo.com/#frag"},
        {"http://example.org/", "#!$&%27()*+,;=", "http://example.org/#!$&%27()*+,;="},
        // Paths with escaping (Go issue 16947)
        {"http://foo.com/foo%2fbar/", "../baz", "http://foo.com/baz"},
        {"http://foo.com/1/2%2f/3%2f4/5", "../../a/b/c", "http://foo.com/1/a/b/c"},
        {"http://foo.com/1/2/3", "./a%2f../../b/..%2fc", "http://foo.com/1/2/b/..%2fc"},
        {"http://foo.com/1/2%2f/3%2f4/5", "./a%2f../b/../c", "http://foo.com/1/2%2f/3%2f4/a%2f../c"},
        {"http://foo.com/foo%20bar/", "../baz", "http://foo.com/baz"},
        {"http://foo.com/foo", "../bar%2fbaz", "http://foo.com/bar%2fbaz"},
        {"http://foo.com/foo%2dbar/", "./baz-quux", "http://foo.com/foo%2dbar/baz-quux"},
        // RFC 3986 §5.4.1 normal examples
        {"http://a/b/c/d;p?q", "g:h", "g:h"},
        {"http://a/b/c/d;p?q", "g", "http://a/b/c/g"},
        {"http://a/b/c/d;p?q", "./g", "http://a/b/c/g"},
        {"http://a/b/c/d;p?q", "g/", "http://a/b/c/g/"},
        {"http://a/b/c/d;p?q", "/g", "http://a/g"},
        {"http://a/b/c/d;p?q", "//g", "http://g"},
        {"http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"},
        {"http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y"},
        {"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s"},
        {"http://a/b/c/d;p?q", "g#s", "http://a/b/c/g#s"},
        {"http://a/b/c/d;p?q", "g?y#s", "http://a/b/c/g?y#s"},
        {"http://a/b/c/d;p?q", ";x", "http://a/b/c/;x"},
        {"http://a/b/c/d;p?q", "g;x", "http://a/b/c/g;x"},
        {"http://a/b/c/d;p?q", "g;x?y#s", "http://a/b/c/g;x?y#s"},
        {"http://a/b/c/d;p?q", "", "http://a/b/c/d;p?q"},
        {"http://a/b/c/d;p?q", ".", "http://a/b/c/"},
        {"http://a/b/c/d;p?q", "./", "http://a/b/c/"},
        {"http://a/b/c/d;p?q", "..", "http://a/b/"},
        {"http://a/b/c/d;p?q", "../", "http://a/b/"},
        {"http://a/b/c/d;p?q", "../g", "http://a/b/g"},
        {"http://a/b/c/d;p?q", "../..", "http://a/"},
        {"http://a/b/c/d;p?q", "../../", "http://a/"},
        {"http://a/b/c/d;p?q", "../../g", "http://a/g"},
        // RFC 3986 §5.4.2 abnormal examples
        {"http://a/b/c/d;p?q", "../../../g", "http://a/g"},
        {"http://a/b/c/d;p?q", "../../../../g", "http://a/g"},
        {"http://a/b/c/d;p?q", "/./g", "http://a/g"},
        {"http://a/b/c/d;p?q", "/../g", "http://a/g"},
        {"http://a/b/c/d;p?q", "g.", "http://a/b/c/g."},
        {"http://a/b/c/d;p?q", ".g", "http://a/b/c/.g"},
        {"http://a/b/c/d;p?q", "g..", "http://a/b/c/g.."},
        {"http://a/b/c/d;p?q", "..g", "http://a/b/c/..g"},
        {"http://a/b/c/d;p?q", "./../g", "http://a/b/g"},
        {"http://a/b/c/d;p?q", "./g/.", "http://a/b/c/g/"},
        {"http://a/b/c/d;p?q", "g/./h", "http://a/b/c/g/h"},
        {"http://a/b/c/d;p?q", "g/../h", "http://a/b/c/h"},
        {"http://a/b/c/d;p?q", "g;x=1/./y", "http://a/b/c/g;x=1/y"},
        {"http://a/b/c/d;p?q", "g;x=1/../y", "http://a/b/c/y"},
        {"http://a/b/c/d;p?q", "g?y/./x", "http://a/b/c/g?y/./x"},
        {"http://a/b/c/d;p?q", "g?y/../x", "http://a/b/c/g?y/../x"},
        {"http://a/b/c/d;p?q", "g#s/./x", "http://a/b/c/g#s/./x"},
        {"http://a/b/c/d;p?q", "g#s/../x", "http://a/b/c/g#s/../x"},
        // Extras
        {"https://a/b/c/d;p?q", "//g?q", "https://g?q"},
        {"https://a/b/c/d;p?q", "//g#s", "https://g#s"},
        {"https://a/b/c/d;p?q", "//g/d/e/f?y#s", "https://g/d/e/f?y#s"},
        {"https://a/b/c/d;p#s", "?y", "https://a/b/c/d;p?y"},
        {"https://a/b/c/d;p?q#s", "?y", "https://a/b/c/d;p?y"},
        // Empty path and query but with ForceQuery (Go issue 46033)
        {"https://a/b/c/d;p?q#s", "?", "https://a/b/c/d;p?"},
        // Redirects keep the base's userinfo only for same-authority refs.
        {"http://u:p@a/b", "c", "http://u:p@a/c"},
        {"http://u:p@a/b", "//other/c", "http://other/c"},
    };
    const URL opaque{.scheme = "scheme", .opaque = "opaque"};
    for (const Case& c : cases) {
      INFO(c.base << " + " << c.rel);
      Result<URL> base = Parse(c.base);
      Result<URL> rel = Parse(c.rel);
      REQUIRE(base.ok());
      REQUIRE(rel.ok());
      CHECK(base->ResolveReference(*rel).String() == c.expected);
      // An opaque reference replaces the URL entirely.
      URL got = base->ResolveReference(opaque);
      CheckUrlEq(got, opaque);
    }
  }

  TEST_CASE("ResolveReference removes dot segments as Go's resolvePathTests") {
    // Go tests resolvePath directly; the same pairs go through a base URL
    // with no authority, whose path is Go's base argument.
    struct Case {
      std::string_view base, ref, expected;
    };
    const Case cases[] = {
        {"a/b", ".", "/a/"},       {"a/b", "c", "/a/c"},        {"a/b", "..", "/"},
        {"a/", "..", "/"},         {"a/", "../..", "/"},        {"a/b/c", "..", "/a/"},
        {"a/b/c", "../d", "/a/d"}, {"a/b/c", ".././d", "/a/d"}, {"a/b", "./..", "/"},
        {"a/./b", ".", "/a/"},     {"a/../", ".", "/"},         {"a/.././b", "c", "/c"},
    };
    for (const Case& c : cases) {
      INFO(c.base << " + " << c.ref);
      URL base{.path = std::string(c.base)};
      Result<URL> ref = Parse(c.ref);
      REQUIRE(ref.ok());
      CHECK(base.ResolveReference(*ref).path == c.expected);
    }
  }

  TEST_CASE("PathUnescape and QueryUnescape as Go's unescapeTests") {
    struct Case {
      std::string_view in, out;
      bool err;
    };
    const Case cases[] = {
        {"", "", false},          {"abc", "abc", false},       {"1%41", "1A", false},
        {"1%41%42%43", "1ABC", false}, {"%4a", "J", false},    {"%6F", "o", false},
        {"%", "", true},          {"%a", "", true},            {"%1", "", true},
        {"123%45%6", "", true},   {"%zzzzz", "", true},        {"a%20b", "a b", false},
    };
    for (const Case& c : cases) {
      INFO(c.in);
      Result<std::string> q = QueryUnescape(c.in);
      Result<std::string> p = PathUnescape(c.in);
      CHECK(q.ok() == !c.err);
      CHECK(p.ok() == !c.err);
      if (!c.err) {
        CHECK(q.value() == c.out);
        CHECK(p.value() == c.out);
      } else {
        CHECK(p.error().code() == ErrorCode::kInvalidUrl);
      }
    }
    // '+' is a space only in a query component.
    CHECK(QueryUnescape("a+b").value() == "a b");
    CHECK(PathUnescape("a+b").value() == "a+b");
    CHECK(PathUnescape("a%2Bb").value() == "a+b");
    // Go's EscapeError text names the bad escape, at most 3 bytes.
    CHECK(PathUnescape("%zzzzz").error().message() == "invalid URL escape \"%zz\"");
    CHECK(PathUnescape("123%45%6").error().message() == "invalid URL escape \"%6\"");
    CHECK(PathUnescape("%").error().message() == "invalid URL escape \"%\"");
  }

  TEST_CASE("QueryEscape as Go's queryEscapeTests") {
    struct Case {
      std::string_view in, out;
    };
    const Case cases[] = {
        {"", ""},
        {"abc", "abc"},
        {"one two", "one+two"},
        {"10%", "10%25"},
        {" ?&=#+%!<>#\"{}|\\^[]`\xe2\x98\xba\t:/@$'()*,;",
         "+%3F%26%3D%23%2B%25%21%3C%3E%23%22%7B%7D%7C%5C%5E%5B%5D%60%E2%98%BA%09%3A%2F%40%24%27%28%"
         "29%2A%2C%3B"},
    };
    for (const Case& c : cases) {
      INFO(c.in);
      CHECK(QueryEscape(c.in) == c.out);
      CHECK(QueryUnescape(QueryEscape(c.in)).value() == c.in);  // identity
    }
  }

  TEST_CASE("PathEscape as Go's pathEscapeTests") {
    struct Case {
      std::string_view in, out;
    };
    const Case cases[] = {
        {"", ""},
        {"abc", "abc"},
        {"abc+def", "abc+def"},
        {"a/b", "a%2Fb"},
        {"one two", "one%20two"},
        {"10%", "10%25"},
        {" ?&=#+%!<>#\"{}|\\^[]`\xe2\x98\xba\t:/@$'()*,;",
         "%20%3F&=%23+%25%21%3C%3E%23%22%7B%7D%7C%5C%5E%5B%5D%60%E2%98%BA%09:%2F@$%27%28%29%2A%2C%"
         "3B"},
    };
    for (const Case& c : cases) {
      INFO(c.in);
      CHECK(PathEscape(c.in) == c.out);
      CHECK(PathUnescape(PathEscape(c.in)).value() == c.in);  // identity
    }
  }

  TEST_CASE("escape benchmarks' inputs give Go's outputs") {
    struct Case {
      std::string_view unescaped, query, path;
    };
    const Case cases[] = {
        {"one two", "one+two", "one%20two"},
        {"shortrun(break)shortrun", "shortrun%28break%29shortrun", "shortrun%28break%29shortrun"},
        {"padded/with+various%characters?that=need$some@escaping+paddedsowebreak/256bytes",
         "padded%2Fwith%2Bvarious%25characters%3Fthat%3Dneed%24some%40escaping%2Bpaddedsowebreak%"
         "2F256bytes",
         "padded%2Fwith+various%25characters%3Fthat=need$some@escaping+paddedsowebreak%2F256bytes"},
    };
    for (const Case& c : cases) {
      CHECK(QueryEscape(c.unescaped) == c.query);
      CHECK(PathEscape(c.unescaped) == c.path);
      CHECK(QueryUnescape(c.query).value() == c.unescaped);
      CHECK(PathUnescape(c.path).value() == c.unescaped);
    }
  }

  TEST_CASE("a parsed http URL re-parses to the same URL") {
    for (const URLTest& tt : UrlTests()) {
      INFO(tt.in);
      Result<URL> u = Parse(tt.in);
      REQUIRE(u.ok());
      Result<URL> again = Parse(u->String());
      REQUIRE(again.ok());
      CheckUrlEq(*again, *u);
    }
  }
}

}  // namespace
}  // namespace nethttp
