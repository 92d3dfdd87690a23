// Tests for apps/post-json/fields.cc: the URL shorthand, key=value and
// key:=json items, --data sources and -H arguments, all as strings in and
// strings (or one-line errors) out.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fields.h"

namespace postjson {
namespace {

using nethttp::ErrorCode;

std::string Url(std::string_view arg) {
  auto r = ExpandURL(arg);
  REQUIRE_MESSAGE(r.ok(), r.error().message());
  return r.value();
}

std::string UrlError(std::string_view arg) {
  auto r = ExpandURL(arg);
  REQUIRE_MESSAGE(!r.ok(), arg);
  CHECK(r.error().code() == ErrorCode::kInvalidUrl);
  return r.error().message();
}

std::string Body(const std::vector<std::string>& items) {
  auto r = BuildBody(items);
  REQUIRE_MESSAGE(r.ok(), r.error().message());
  return r.value();
}

std::string BodyError(const std::vector<std::string>& items) {
  auto r = BuildBody(items);
  REQUIRE(!r.ok());
  CHECK(r.error().code() == ErrorCode::kInvalidArgument);
  CHECK(r.error().message().find('\n') == std::string::npos);
  return r.error().message();
}

bool Contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

TEST_SUITE("post-json fields") {
  TEST_CASE("URL shorthand") {
    CHECK(Url(":8091/echo") == "http://localhost:8091/echo");
    CHECK(Url(":8091") == "http://localhost:8091");
    CHECK(Url(":/echo") == "http://localhost/echo");
    CHECK(Url(":") == "http://localhost");
    CHECK(Url("127.0.0.1:8091/echo") == "http://127.0.0.1:8091/echo");
    CHECK(Url("example.com/a?b=c") == "http://example.com/a?b=c");
    CHECK(Url("localhost") == "http://localhost");
    CHECK(Url("[::1]:8091/echo") == "http://[::1]:8091/echo");
    CHECK(Url("http://example.com:80/x") == "http://example.com:80/x");
    CHECK(Url("HTTP://example.com/") == "http://example.com/");
    CHECK(Url("https://example.com/x") == "https://example.com/x");
    CHECK(Url("HTTPS://[::1]:8443/") == "https://[::1]:8443/");
    CHECK(Url("http://user:pw@host:1/") == "http://user:pw@host:1/");
    CHECK(Url("host:/x") == "http://host:/x");  // empty port: Go drops it
    // A "://" after the start is not a scheme.
    CHECK(Url("example.com/?next=http://x") == "http://example.com/?next=http://x");
    CHECK(Url(":8091/r?to=ftp://x") == "http://localhost:8091/r?to=ftp://x");
    CHECK(Url("svc-1.local:80/") == "http://svc-1.local:80/");
  }

  TEST_CASE("bad URLs are refused with a reason") {
    CHECK(Contains(UrlError("ftp://x/"), "unsupported URL scheme \"ftp\""));
    CHECK(Contains(UrlError("ftp://x/"), "speaks http and https"));
    CHECK(Contains(UrlError("https://:8443/"), "missing host"));
    CHECK(Contains(UrlError("https://h:0/"), "invalid port \"0\""));
    CHECK(Contains(UrlError("git+ssh://x/"), "unsupported URL scheme \"git+ssh\""));
    CHECK(Contains(UrlError(""), "empty URL"));
    CHECK(Contains(UrlError("http:///x"), "missing host"));
    CHECK(Contains(UrlError(":0/x"), "invalid port \"0\""));
    CHECK(Contains(UrlError(":65536"), "invalid port"));
    CHECK(Contains(UrlError("host:abc/x"), "invalid port \"abc\""));
    CHECK(Contains(UrlError("a b/x"), "space or control"));
    CHECK(Contains(UrlError("[::1/x"), "missing ']'"));
    CHECK(Contains(UrlError("[::1]x/"), "junk after ']'"));
  }

  TEST_CASE("ParseField splits at the first separator") {
    auto f = ParseField("a=b");
    REQUIRE(f.ok());
    CHECK(f->key == "a");
    CHECK(f->value == "b");
    CHECK_FALSE(f->raw_json);

    f = ParseField("n:=1");
    REQUIRE(f.ok());
    CHECK(f->key == "n");
    CHECK(f->value == "1");
    CHECK(f->raw_json);

    SUBCASE("value keeps later separators verbatim") {
      f = ParseField("a=b=c:=d");
      REQUIRE(f.ok());
      CHECK(f->key == "a");
      CHECK(f->value == "b=c:=d");
      CHECK_FALSE(f->raw_json);
      f = ParseField("a:=\"x=y\"");
      REQUIRE(f.ok());
      CHECK(f->value == "\"x=y\"");
      CHECK(f->raw_json);
    }
    SUBCASE("escapes in the key") {
      f = ParseField("a\\=b=c");
      REQUIRE(f.ok());
      CHECK(f->key == "a=b");
      CHECK(f->value == "c");
      f = ParseField("a\\:=b");  // escaped ':' makes '=' the separator
      REQUIRE(f.ok());
      CHECK(f->key == "a:");
      CHECK(f->value == "b");
      CHECK_FALSE(f->raw_json);
      f = ParseField("a\\\\=b");
      REQUIRE(f.ok());
      CHECK(f->key == "a\\");
      f = ParseField("a\\nb=c");  // other backslashes stay
      REQUIRE(f.ok());
      CHECK(f->key == "a\\nb");
    }
    SUBCASE("a lone ':' is part of the key") {
      f = ParseField("a:b=c");
      REQUIRE(f.ok());
      CHECK(f->key == "a:b");
      CHECK(f->value == "c");
    }
    SUBCASE("empty value") {
      f = ParseField("a=");
      REQUIRE(f.ok());
      CHECK(f->value.empty());
    }
    SUBCASE("errors") {
      CHECK(Contains(ParseField("abc").error().message(), "expected key=value or key:=json"));
      CHECK(Contains(ParseField("Accept:text/plain").error().message(), "-H"));
      CHECK(Contains(ParseField("=x").error().message(), "empty key"));
      CHECK(Contains(ParseField(":=1").error().message(), "empty key"));
      CHECK(Contains(ParseField("a\\=b").error().message(), "expected key=value"));
    }
  }

  TEST_CASE("BuildBody makes one JSON object in command-line order") {
    CHECK(Body({}) == "{}");
    CHECK(Body({"hello=world"}) == R"({"hello":"world"})");
    CHECK(Body({"z=1", "a=2", "m:=3"}) == R"({"z":"1","a":"2","m":3})");
    CHECK(Body({"a:=true", "b:=null", "c:=[1, 2]", "d:={\"x\": {\"z\":1,\"a\":2}}"}) ==
          R"({"a":true,"b":null,"c":[1, 2],"d":{"x": {"z":1,"a":2}}})");
    SUBCASE("raw values go out as typed, only trimmed") {
      CHECK(Body({"big:=12345678901234567890123", "f:= 1.10 "}) ==
            R"({"big":12345678901234567890123,"f":1.10})");
    }
    SUBCASE("strings are escaped") {
      CHECK(Body({"q=say \"hi\"\\\n"}) == R"({"q":"say \"hi\"\\\n"})");
      CHECK(Body({"u=h\xc3\xa9llo"}) == "{\"u\":\"h\xc3\xa9llo\"}");
      CHECK(Body({"k\\=x=1"}) == R"({"k=x":"1"})");
    }
    SUBCASE("a string that looks like JSON stays a string") {
      CHECK(Body({"n=1"}) == R"({"n":"1"})");
    }
  }

  TEST_CASE("BuildBody refuses bad items before anything is sent") {
    std::string err = BodyError({"a:={\"x\":}"});
    CHECK(Contains(err, "field \"a\": invalid JSON at line 1, column 6"));
    CHECK(Contains(BodyError({"a:="}), "invalid JSON at line 1, column 1"));
    CHECK(Contains(BodyError({"a:=1 2"}), "invalid JSON"));
    CHECK(Contains(BodyError({"a:=// c\n1"}), "invalid JSON"));  // no comments
    CHECK(Contains(BodyError({"a:=tru"}), "invalid JSON"));
    CHECK(Contains(BodyError({"a=1", "a=2"}), "field \"a\" given twice"));
    CHECK(Contains(BodyError({"a=1", "a:=2"}), "given twice"));
    CHECK(Contains(BodyError({"s=\xff"}), "not valid UTF-8"));
    CHECK(Contains(BodyError({"ok=1", "bad"}), "invalid item \"bad\""));
  }

  TEST_CASE("ValidateJson names the position on one line") {
    CHECK(ValidateJson("{\"a\": [1, 2]}", "--data").ok());
    CHECK(ValidateJson(" \"x\" \n", "--data").ok());
    CHECK(ValidateJson("12", "--data").ok());
    auto err = ValidateJson("{\n  \"a\": 1,\n  \"b\" 2\n}", "--data");
    REQUIRE_FALSE(err.ok());
    CHECK(err.message().starts_with("--data: invalid JSON at line 3, column"));
    CHECK(err.message().find('\n') == std::string::npos);
    CHECK(Contains(ValidateJson("", "--data").message(), "line 1, column 1"));
    CHECK(Contains(ValidateJson("{} x", "--data").message(), "invalid JSON"));
    CHECK(Contains(ValidateJson("\"\xff\"", "--data").message(), "invalid JSON"));
    SUBCASE("a huge bad token does not make a huge message") {
      std::string long_str = "\"" + std::string(100000, 'x');
      CHECK(ValidateJson(long_str, "--data").message().size() < 300);
    }
  }

  TEST_CASE("ReadData: literal, stdin, @file") {
    std::istringstream none;
    auto r = ReadData("{\"a\":1}", none);
    REQUIRE(r.ok());
    CHECK(r.value() == "{\"a\":1}");

    std::istringstream in("[1,\n 2]\n");
    r = ReadData("-", in);
    REQUIRE(r.ok());
    CHECK(r.value() == "[1,\n 2]\n");  // byte for byte, not re-serialised

    std::istringstream in2("{");
    r = ReadData("@-", in2);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().starts_with("--data from stdin: invalid JSON"));

    std::string path = "post_json_fields_test.json";
    {
      std::ofstream f(path, std::ios::binary);
      f << "{\"from\": \"file\"}";
    }
    r = ReadData("@" + path, none);
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(r.value() == "{\"from\": \"file\"}");
    {
      std::ofstream f(path, std::ios::binary);
      f << "{\"from\": }";
    }
    r = ReadData("@" + path, none);
    REQUIRE_FALSE(r.ok());
    CHECK(Contains(r.error().message(), "--data file \"" + path + "\": invalid JSON at line 1"));
    std::remove(path.c_str());

    r = ReadData("@/nonexistent/x.json", none);
    REQUIRE_FALSE(r.ok());
    CHECK(Contains(r.error().message(), "cannot read --data file \"/nonexistent/x.json\": No such file"));
    CHECK(Contains(ReadData("@", none).error().message(), "missing file name"));
    CHECK(Contains(ReadData("not json", none).error().message(), "--data: invalid JSON"));
  }

  TEST_CASE("ParseHeaderArg") {
    auto h = ParseHeaderArg("X-Trace: abc 1 ");
    REQUIRE(h.ok());
    CHECK(h->name == "X-Trace");
    CHECK(h->value == "abc 1");
    h = ParseHeaderArg("X-Empty:");
    REQUIRE(h.ok());
    CHECK(h->value.empty());
    h = ParseHeaderArg("X-Url:\thttp://a:1/");
    REQUIRE(h.ok());
    CHECK(h->value == "http://a:1/");
    CHECK(Contains(ParseHeaderArg("NoColon").error().message(), "expected \"Name: value\""));
    CHECK(Contains(ParseHeaderArg(": v").error().message(), "not a valid header name"));
    CHECK(Contains(ParseHeaderArg("Bad Name: v").error().message(), "not a valid header name"));
    CHECK(Contains(ParseHeaderArg("X: a\r\nInjected: 1").error().message(), "control character"));
    CHECK(ParseHeaderArg("X: a\r\nInjected: 1").error().message().find('\n') == std::string::npos);
  }
}

}  // namespace
}  // namespace postjson
