// Tests for lib/cookie.cc: Go's cookie_test.go tables (writeSetCookiesTests,
// addCookieTests, readSetCookiesTests, readCookiesTests, the sanitisers
// through String, Valid) plus the Expires and Max-Age forms Go accepts.
#include "nethttp/cookie.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using nethttp::Cookie;
using nethttp::Header;
using nethttp::ReadCookies;
using nethttp::ReadSetCookies;
using nethttp::SameSite;
using std::chrono::sys_seconds;

namespace {

// Date is Go's time.Date(y, m, d, h, mi, s, 0, time.UTC).
sys_seconds Date(int y, unsigned m, unsigned d, int h, int mi, int s) {
  using namespace std::chrono;
  return sys_seconds{sys_days{year{y} / month{m} / day{d}}} + hours{h} + minutes{mi} + seconds{s};
}

sys_seconds Unix(int64_t s) { return sys_seconds{std::chrono::seconds{s}}; }

Header SetCookieHeader(std::vector<std::string> lines) {
  Header h;
  for (const std::string& l : lines) h.Add("Set-Cookie", l);
  return h;
}

std::string Describe(const std::vector<Cookie>& cs) {
  std::string out;
  for (const Cookie& c : cs) {
    out += "{" + c.name + "=" + c.value + " path=" + c.path + " domain=" + c.domain +
           " raw_expires=" + c.raw_expires + " max_age=" + std::to_string(c.max_age) +
           " expires=" + (c.expires ? std::to_string(c.expires->time_since_epoch().count()) : "-") +
           " secure=" + std::to_string(c.secure) + " http_only=" + std::to_string(c.http_only) +
           " same_site=" + std::to_string(static_cast<int>(c.same_site)) + " unparsed=" +
           std::to_string(c.unparsed.size()) + " raw=" + c.raw + "}";
  }
  return out;
}

}  // namespace

TEST_SUITE("cookie") {
  TEST_CASE("String: Go's writeSetCookiesTests") {
    struct Case {
      Cookie cookie;
      std::string raw;
    };
    const std::vector<Case> cases = {
        {{.name = "cookie-1", .value = "v$1"}, "cookie-1=v$1"},
        {{.name = "cookie-2", .value = "two", .max_age = 3600}, "cookie-2=two; Max-Age=3600"},
        {{.name = "cookie-3", .value = "three", .domain = ".example.com"},
         "cookie-3=three; Domain=example.com"},
        {{.name = "cookie-4", .value = "four", .path = "/restricted/"}, "cookie-4=four; Path=/restricted/"},
        {{.name = "cookie-5", .value = "five", .domain = "wrong;bad.abc"}, "cookie-5=five"},
        {{.name = "cookie-6", .value = "six", .domain = "bad-.abc"}, "cookie-6=six"},
        {{.name = "cookie-7", .value = "seven", .domain = "127.0.0.1"}, "cookie-7=seven; Domain=127.0.0.1"},
        {{.name = "cookie-8", .value = "eight", .domain = "::1"}, "cookie-8=eight"},
        {{.name = "cookie-9", .value = "expiring", .expires = Unix(1257894000)},
         "cookie-9=expiring; Expires=Tue, 10 Nov 2009 23:00:00 GMT"},
        // RFC 6265 §5.1.1: the year cannot be less than 1601.
        {{.name = "cookie-10", .value = "expiring-1601", .expires = Date(1601, 1, 1, 1, 1, 1)},
         "cookie-10=expiring-1601; Expires=Mon, 01 Jan 1601 01:01:01 GMT"},
        {{.name = "cookie-11", .value = "invalid-expiry", .expires = Date(1600, 1, 1, 1, 1, 1)},
         "cookie-11=invalid-expiry"},
        {{.name = "cookie-12", .value = "samesite-default", .same_site = SameSite::kDefaultMode},
         "cookie-12=samesite-default"},
        {{.name = "cookie-13", .value = "samesite-lax", .same_site = SameSite::kLaxMode},
         "cookie-13=samesite-lax; SameSite=Lax"},
        {{.name = "cookie-14", .value = "samesite-strict", .same_site = SameSite::kStrictMode},
         "cookie-14=samesite-strict; SameSite=Strict"},
        {{.name = "cookie-15", .value = "samesite-none", .same_site = SameSite::kNoneMode},
         "cookie-15=samesite-none; SameSite=None"},
        // Values with commas or spaces: not RFC 6265, common in the wild.
        {{.name = "special-1", .value = "a z"}, "special-1=\"a z\""},
        {{.name = "special-2", .value = " z"}, "special-2=\" z\""},
        {{.name = "special-3", .value = "a "}, "special-3=\"a \""},
        {{.name = "special-4", .value = " "}, "special-4=\" \""},
        {{.name = "special-5", .value = "a,z"}, "special-5=\"a,z\""},
        {{.name = "special-6", .value = ",z"}, "special-6=\",z\""},
        {{.name = "special-7", .value = "a,"}, "special-7=\"a,\""},
        {{.name = "special-8", .value = ","}, "special-8=\",\""},
        {{.name = "empty-value", .value = ""}, "empty-value="},
        {{.name = ""}, ""},
        {{.name = "\t"}, ""},
        {{.name = "\r"}, ""},
        {{.name = "a\nb", .value = "v"}, ""},
        {{.name = "a\rb", .value = "v"}, ""},
        // Not in Go's table: every attribute at once, in Go's order.
        {{.name = "all", .value = "v", .path = "/p", .domain = "example.com", .expires = Unix(0),
          .max_age = -1, .secure = true, .http_only = true, .same_site = SameSite::kLaxMode},
         "all=v; Path=/p; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; "
         "HttpOnly; Secure; SameSite=Lax"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.raw);
      CHECK(c.cookie.String() == c.raw);
    }
  }

  TEST_CASE("AddCookie: Go's addCookieTests") {
    Header h;
    nethttp::AddCookie(h, {.name = "cookie-1", .value = "v$1"});
    CHECK(h.Get("Cookie") == "cookie-1=v$1");
    nethttp::AddCookie(h, {.name = "cookie-2", .value = "v$2"});
    nethttp::AddCookie(h, {.name = "cookie-3", .value = "v$3"});
    CHECK(h.Values("Cookie").size() == 1);
    CHECK(h.Get("Cookie") == "cookie-1=v$1; cookie-2=v$2; cookie-3=v$3");
    Header odd;
    nethttp::AddCookie(odd, {.name = "a\nb", .value = "x;y z"});
    CHECK(odd.Get("Cookie") == "a-b=\"xy z\"");
  }

  TEST_CASE("ReadSetCookies: Go's readSetCookiesTests") {
    struct Case {
      std::string line;
      std::vector<Cookie> want;
    };
    auto raw = [](Cookie c, std::string line) {
      c.raw = std::move(line);
      return c;
    };
    const std::string nid =
        "NID=99=YsDT5i3E-CXax-; expires=Wed, 23-Nov-2011 01:05:03 GMT; path=/; domain=.google.ch; HttpOnly";
    const std::string aspx = ".ASPXAUTH=7E3AA; expires=Wed, 07-Mar-2012 14:25:06 GMT; path=/; HttpOnly";
    const std::vector<Case> cases = {
        {"Cookie-1=v$1", {raw({.name = "Cookie-1", .value = "v$1"}, "Cookie-1=v$1")}},
        {nid,
         {raw({.name = "NID", .value = "99=YsDT5i3E-CXax-", .path = "/", .domain = ".google.ch",
               .expires = Date(2011, 11, 23, 1, 5, 3), .raw_expires = "Wed, 23-Nov-2011 01:05:03 GMT",
               .http_only = true},
              nid)}},
        {aspx,
         {raw({.name = ".ASPXAUTH", .value = "7E3AA", .path = "/", .expires = Date(2012, 3, 7, 14, 25, 6),
               .raw_expires = "Wed, 07-Mar-2012 14:25:06 GMT", .http_only = true},
              aspx)}},
        {"ASP.NET_SessionId=foo; path=/; HttpOnly",
         {raw({.name = "ASP.NET_SessionId", .value = "foo", .path = "/", .http_only = true},
              "ASP.NET_SessionId=foo; path=/; HttpOnly")}},
        {"samesitedefault=foo; SameSite",
         {raw({.name = "samesitedefault", .value = "foo", .same_site = SameSite::kDefaultMode},
              "samesitedefault=foo; SameSite")}},
        {"samesiteinvalidisdefault=foo; SameSite=invalid",
         {raw({.name = "samesiteinvalidisdefault", .value = "foo", .same_site = SameSite::kDefaultMode},
              "samesiteinvalidisdefault=foo; SameSite=invalid")}},
        {"samesitelax=foo; SameSite=Lax",
         {raw({.name = "samesitelax", .value = "foo", .same_site = SameSite::kLaxMode},
              "samesitelax=foo; SameSite=Lax")}},
        {"samesitestrict=foo; SameSite=Strict",
         {raw({.name = "samesitestrict", .value = "foo", .same_site = SameSite::kStrictMode},
              "samesitestrict=foo; SameSite=Strict")}},
        {"samesitenone=foo; SameSite=None",
         {raw({.name = "samesitenone", .value = "foo", .same_site = SameSite::kNoneMode},
              "samesitenone=foo; SameSite=None")}},
        // We can read back what String writes for spaces and commas.
        {"special-1=a z", {raw({.name = "special-1", .value = "a z"}, "special-1=a z")}},
        {"special-2=\" z\"", {raw({.name = "special-2", .value = " z"}, "special-2=\" z\"")}},
        {"special-3=\"a \"", {raw({.name = "special-3", .value = "a "}, "special-3=\"a \"")}},
        {"special-4=\" \"", {raw({.name = "special-4", .value = " "}, "special-4=\" \"")}},
        {"special-5=a,z", {raw({.name = "special-5", .value = "a,z"}, "special-5=a,z")}},
        {"special-6=\",z\"", {raw({.name = "special-6", .value = ",z"}, "special-6=\",z\"")}},
        {"special-7=a,", {raw({.name = "special-7", .value = "a,"}, "special-7=a,")}},
        {"special-8=\",\"", {raw({.name = "special-8", .value = ","}, "special-8=\",\"")}},
        // Not in Go's table: what readSetCookies skips or keeps unparsed.
        {"", {}},
        {"   ", {}},
        {"noequals", {}},
        {"bad name=v", {}},
        {"=v", {}},
        {"n=bad\"quote", {}},
        {"n=v; Unknown=1; max-age=05; expires=yesterday",
         {raw({.name = "n", .value = "v", .raw_expires = "yesterday",
               .unparsed = {"Unknown=1", "max-age=05", "expires=yesterday"}},
              "n=v; Unknown=1; max-age=05; expires=yesterday")}},
        {"n=v; MAX-AGE=0; SECURE; pAtH=/x;; ",
         {raw({.name = "n", .value = "v", .path = "/x", .max_age = -1, .secure = true},
              "n=v; MAX-AGE=0; SECURE; pAtH=/x;; ")}},
        {"n=v; max-age=-5; domain=\"x.com\"",
         {raw({.name = "n", .value = "v", .max_age = -1, .unparsed = {"domain=\"x.com\""}},
              "n=v; max-age=-5; domain=\"x.com\"")}},
    };
    for (const Case& c : cases) {
      CAPTURE(c.line);
      std::vector<Cookie> got = ReadSetCookies(SetCookieHeader({c.line}));
      CHECK_MESSAGE(got == c.want, "have ", Describe(got), "\nwant ", Describe(c.want));
    }
  }

  TEST_CASE("ReadSetCookies: one cookie per header line, in order") {
    std::vector<Cookie> got = ReadSetCookies(SetCookieHeader({"a=1", "junk", "b=2; Path=/"}));
    REQUIRE(got.size() == 2);
    CHECK(got[0].name == "a");
    CHECK(got[1].name == "b");
    CHECK(got[1].path == "/");
    CHECK(ReadSetCookies(Header()).empty());
  }

  TEST_CASE("ReadSetCookies: Go's TestSetCookieDoubleQuotes") {
    std::vector<Cookie> got = ReadSetCookies(SetCookieHeader(
        {"quoted0=none; max-age=30", "quoted1=\"cookieValue\"; max-age=31", "quoted2=cookieAV; max-age=\"32\"",
         "quoted3=\"both\"; max-age=\"33\""}));
    REQUIRE(got.size() == 4);
    CHECK((got[0].value == "none" && got[0].max_age == 30));
    CHECK((got[1].value == "cookieValue" && got[1].max_age == 31));
    CHECK((got[2].value == "cookieAV" && got[2].max_age == 0));
    CHECK((got[3].value == "both" && got[3].max_age == 0));
  }

  TEST_CASE("ReadSetCookies: Expires in the layouts time.Parse accepts") {
    struct Case {
      std::string expires;
      std::optional<sys_seconds> want;
    };
    const std::vector<Case> cases = {
        {"Tue, 10 Nov 2009 23:00:00 GMT", Unix(1257894000)},  // time.RFC1123
        {"Tue, 10-Nov-2009 23:00:00 GMT", Unix(1257894000)},  // the dashed form
        {"tue, 10 NOV 2009 23:00:00 GMT", Unix(1257894000)},  // names case-insensitive
        {"Tue, 10 Nov 2009 3:00:00 GMT", Unix(1257894000 - 20 * 3600)},  // "15": one digit
        {"Tue,  10 Nov  2009 23:00:00 UTC", Unix(1257894000)},  // spaces run together
        {"Tue, 10 Nov 2009 23:00:00.123 GMT", Unix(1257894000)},  // fraction ignored
        {"Tue, 10 Nov 2009 23:00:00 PST", Unix(1257894000)},  // unknown zone: offset 0
        // Go 1.19 labels the time "GMT+1" but keeps the instant at 23:00 UTC
        // (time.Parse only shifts for the local zone's own name; run with Go).
        {"Tue, 10 Nov 2009 23:00:00 GMT+1", Unix(1257894000)},
        {"Sun, 10 Nov 2009 23:00:00 GMT", Unix(1257894000)},  // weekday not checked
        {"Mon, 01 Jan 1601 01:01:01 GMT", Date(1601, 1, 1, 1, 1, 1)},
        {"Tue, 1 Nov 2009 23:00:00 GMT", std::nullopt},  // "02": two digits
        {"Tue, 31 Nov 2009 23:00:00 GMT", std::nullopt},  // day out of range
        {"Tue, 10 Nov 2009 24:00:00 GMT", std::nullopt},
        {"Tue, 10 Nov 2009 23:60:00 GMT", std::nullopt},
        {"Tue, 10 Nov 2009 23:00:00", std::nullopt},
        {"Tue, 10 Nov 2009 23:00:00 GMT x", std::nullopt},
        {"Tue, 10 Nov 09 23:00:00 GMT", std::nullopt},
        {"Tuesday, 10-Nov-09 23:00:00 GMT", std::nullopt},  // RFC 850: Go refuses it
        {"Tue Nov 10 23:00:00 2009", std::nullopt},          // asctime: likewise
        {"Tue, 10 Nov 2009 23:00:00 Gmt", std::nullopt},
    };
    for (const Case& c : cases) {
      CAPTURE(c.expires);
      std::vector<Cookie> got = ReadSetCookies(SetCookieHeader({"n=v; Expires=" + c.expires}));
      REQUIRE(got.size() == 1);
      CHECK(got[0].raw_expires == c.expires);
      CHECK(got[0].expires == c.want);
      CHECK(got[0].unparsed.size() == (c.want ? 0u : 1u));
    }
  }

  TEST_CASE("ReadSetCookies: Max-Age digits as strconv.Atoi reads them") {
    struct Case {
      std::string max_age;
      int64_t want;
    };
    const std::vector<Case> cases = {
        {"1", 1},   {"+7", 7},   {"0", -1}, {"-0", -1}, {"-1", -1}, {"9223372036854775807", 9223372036854775807},
        {"", 0},    {"01", 0},   {"1x", 0}, {"1.5", 0}, {" 1", 0},  {"9223372036854775808", 0},
        {"+", 0},
    };
    for (const Case& c : cases) {
      CAPTURE(c.max_age);
      std::vector<Cookie> got = ReadSetCookies(SetCookieHeader({"n=v; Max-Age=" + c.max_age}));
      REQUIRE(got.size() == 1);
      CHECK(got[0].max_age == c.want);
    }
  }

  TEST_CASE("ReadCookies: Go's readCookiesTests") {
    struct Case {
      std::vector<std::string> lines;
      std::string filter;
      std::vector<std::pair<std::string, std::string>> want;
    };
    const std::vector<Case> cases = {
        {{"Cookie-1=v$1", "c2=v2"}, "", {{"Cookie-1", "v$1"}, {"c2", "v2"}}},
        {{"Cookie-1=v$1", "c2=v2"}, "c2", {{"c2", "v2"}}},
        {{"Cookie-1=v$1; c2=v2"}, "", {{"Cookie-1", "v$1"}, {"c2", "v2"}}},
        {{"Cookie-1=v$1; c2=v2"}, "c2", {{"c2", "v2"}}},
        {{"Cookie-1=\"v$1\"; c2=\"v2\""}, "", {{"Cookie-1", "v$1"}, {"c2", "v2"}}},
        {{"Cookie-1=\"v$1\"; c2=v2;"}, "", {{"Cookie-1", "v$1"}, {"c2", "v2"}}},
        {{""}, "", {}},
        // Not in Go's table: a name without '=' is a cookie with no value;
        // a bad name or value skips only that pair.
        {{"a; b c=1; d=\"x; e=2"}, "", {{"a", ""}, {"e", "2"}}},
    };
    for (const Case& c : cases) {
      CAPTURE(c.lines.front());
      Header h;
      for (const std::string& l : c.lines) h.Add("Cookie", l);
      std::vector<Cookie> got = ReadCookies(h, c.filter);
      REQUIRE(got.size() == c.want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].name == c.want[i].first);
        CHECK(got[i].value == c.want[i].second);
      }
    }
  }

  TEST_CASE("String sanitises value and path: Go's TestCookieSanitizeValue/Path") {
    const std::vector<std::pair<std::string, std::string>> values = {
        {"foo", "foo"},       {"foo;bar", "foobar"},    {"foo\\bar", "foobar"},
        {"foo\"bar", "foobar"}, {std::string("\x00\x7e\x7f\x80", 4), "\x7e"},
        {"\"withquotes\"", "withquotes"}, {"a z", "\"a z\""}, {" z", "\" z\""},
        {"a ", "\"a \""},     {"a,z", "\"a,z\""},       {",z", "\",z\""},
        {"a,", "\"a,\""},
    };
    for (const auto& [in, want] : values) {
      CAPTURE(in);
      CHECK(Cookie{.name = "n", .value = in}.String() == "n=" + want);
    }
    const std::vector<std::pair<std::string, std::string>> paths = {
        {"/path", "/path"},
        {"/path with space/", "/path with space/"},
        {std::string("/just;no;semicolon\x00orstuff/", 27), "/justnosemicolonorstuff/"},
    };
    for (const auto& [in, want] : paths) {
      CAPTURE(in);
      CHECK(Cookie{.name = "n", .value = "v", .path = in}.String() == "n=v; Path=" + want);
    }
  }

  TEST_CASE("Valid: Go's TestCookieValid") {
    CHECK(Cookie{.name = ""}.Valid());
    CHECK(Cookie{.name = "invalid-expires"}.Valid());  // Go 1.19: a zero Expires is invalid
    CHECK(Cookie{.name = "invalid-value", .value = "foo\"bar", .expires = Unix(0)}.Valid());
    CHECK(Cookie{.name = "invalid-path", .path = "/foo;bar/", .expires = Unix(0)}.Valid());
    CHECK(Cookie{.name = "invalid-domain", .domain = "example.com:80", .expires = Unix(0)}.Valid());
    CHECK_FALSE(Cookie{.name = "valid", .value = "foo", .path = "/bar", .domain = "example.com",
                       .expires = Unix(0)}
                    .Valid());
    CHECK(Cookie{.name = "invalid-domain", .domain = "example.com:80", .expires = Unix(0)}
              .Valid()
              .message() == "http: invalid Cookie.Domain");
  }

  TEST_CASE("String and ReadSetCookies round-trip") {
    Cookie c{.name = "sid", .value = "a b", .path = "/x", .domain = "example.com",
             .expires = Unix(1257894000), .max_age = 60, .secure = true, .http_only = true,
             .same_site = SameSite::kStrictMode};
    std::string line = c.String();
    std::vector<Cookie> got = ReadSetCookies(SetCookieHeader({line}));
    REQUIRE(got.size() == 1);
    c.raw = line;
    c.raw_expires = "Tue, 10 Nov 2009 23:00:00 GMT";
    CHECK(got[0] == c);
  }
}
