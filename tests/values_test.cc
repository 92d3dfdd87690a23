// Tests for lib/values.cc and URL::Query: Go 1.19's net/url tests for
// Values (TestParseQuery's parseTests, TestEncodeQuery, TestQueryValues).
#include "nethttp/values.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "nethttp/url.h"

namespace nethttp {
namespace {

TEST_SUITE("values") {
  TEST_CASE("AddQuery: Go's parseTests, with what parses kept beside the error") {
    struct Case {
      std::string_view query;
      Values out;
      bool ok;
    };
    const Case cases[] = {
        {"a=1", {{"a", {"1"}}}, true},
        {"a=1&b=2", {{"a", {"1"}}, {"b", {"2"}}}, true},
        {"a=1&a=2&a=banana", {{"a", {"1", "2", "banana"}}}, true},
        {"ascii=%3Ckey%3A+0x90%3E", {{"ascii", {"<key: 0x90>"}}}, true},
        {"a=1;b=2", {}, false},
        {"a;b=1", {}, false},
        {"a=%3B", {{"a", {";"}}}, true},
        {"a%3Bb=1", {{"a;b", {"1"}}}, true},
        {"a=1&a=2;a=banana", {{"a", {"1"}}}, false},
        {"a;b&c=1", {{"c", {"1"}}}, false},
        {"a=1&b=2;a=3&c=4", {{"a", {"1"}}, {"c", {"4"}}}, false},
        {"a=1&b=2;c=3", {{"a", {"1"}}}, false},
        {";", {}, false},
        {"a=1;", {}, false},
        {"a=1&;", {{"a", {"1"}}}, false},
        {";a=1&b=2", {{"b", {"2"}}}, false},
        {"a=1&b=2;", {{"a", {"1"}}}, false},
        // Beyond Go's table: bad escapes skip their pair only, and empty
        // pairs, a missing '=' and an empty name are Go's too.
        {"a=%zz&b=2", {{"b", {"2"}}}, false},
        {"%&b=2", {{"b", {"2"}}}, false},
        {"&&a&=x&b=", {{"a", {""}}, {"", {"x"}}, {"b", {""}}}, true},
        {"", {}, true},
    };
    for (const Case& c : cases) {
      CAPTURE(c.query);
      Values got;
      Error err = got.AddQuery(c.query);
      CHECK(err.ok() == c.ok);
      CHECK(got == c.out);
      Result<Values> parsed = ParseQuery(c.query);
      CHECK(parsed.ok() == c.ok);
      if (parsed.ok()) CHECK(*parsed == c.out);
    }
  }

  TEST_CASE("AddQuery takes at most kMaxQueryPairs pairs, and then none") {
    std::string at_limit = "a=0";
    for (size_t i = 1; i < kMaxQueryPairs; ++i) at_limit += "&a=" + std::to_string(i);
    Values v;
    CHECK_FALSE(v.AddQuery(at_limit));
    CHECK(v["a"].size() == kMaxQueryPairs);

    Values over;
    Error err = over.AddQuery(at_limit + "&");
    CHECK(err.code() == ErrorCode::kInvalidArgument);
    CHECK(err.message() == "number of URL query parameters exceeded limit");
    CHECK(over.empty());
  }

  TEST_CASE("AddQuery: the semicolon error is Go's text") {
    Values v;
    Error err = v.AddQuery("a=1;b=2");
    CHECK(err.code() == ErrorCode::kInvalidArgument);
    CHECK(err.message() == "invalid semicolon separator in query");
  }

  TEST_CASE("Encode: Go's encodeQueryTests (names sorted, values in order)") {
    CHECK(Values{}.Encode().empty());
    CHECK(Values{{"q", {"puppies"}}, {"oe", {"utf8"}}}.Encode() == "oe=utf8&q=puppies");
    CHECK(Values{{"q", {"dogs", "&", "7"}}}.Encode() == "q=dogs&q=%26&q=7");
    CHECK(Values{{"a", {"a1", "a2", "a3"}}, {"b", {"b1", "b2", "b3"}}, {"c", {"c1", "c2", "c3"}}}.Encode() ==
          "a=a1&a=a2&a=a3&b=b1&b=b2&b=b3&c=c1&c=c2&c=c3");
    CHECK(Values{{"a b", {"x+y z"}}}.Encode() == "a+b=x%2By+z");
  }

  TEST_CASE("Encode and ParseQuery round-trip") {
    const Values v{{"name", {"Ünïcödé & friends", ""}}, {"x=y", {"a;b"}}};
    Result<Values> back = ParseQuery(v.Encode());
    REQUIRE(back.ok());
    CHECK(*back == v);
  }

  TEST_CASE("URL::Query, Get, Has, Del, Set, Add: Go's TestQueryValues") {
    Result<URL> u = Parse("http://x.com?foo=bar&bar=1&bar=2&baz");
    REQUIRE(u.ok());
    Values v = u->Query();
    CHECK(v.size() == 3);
    CHECK(v.Get("foo") == "bar");
    CHECK(v.Get("Foo").empty());  // names are case sensitive
    CHECK(v.Get("bar") == "1");
    CHECK(v.Get("baz").empty());
    CHECK(v.Has("foo"));
    CHECK(v.Has("bar"));
    CHECK(v.Has("baz"));
    CHECK_FALSE(v.Has("noexist"));
    CHECK(v["bar"] == std::vector<std::string>{"1", "2"});
    CHECK(v["noexist"].empty());
    v.Del("bar");
    CHECK(v.Get("bar").empty());
    CHECK_FALSE(v.Has("bar"));
    v.Set("foo", "one");
    v.Add("foo", "two");
    CHECK(v["foo"] == std::vector<std::string>{"one", "two"});
    v.Set("foo", "three");
    CHECK(v["foo"] == std::vector<std::string>{"three"});
  }

  TEST_CASE("URL::Query keeps what parses and drops the rest, as Go ignores the error") {
    Result<URL> u = Parse("/search?q=a;b&ok=1&bad=%zz");
    REQUIRE(u.ok());
    CHECK(u->Query() == Values{{"ok", {"1"}}});
  }
}

}  // namespace
}  // namespace nethttp
