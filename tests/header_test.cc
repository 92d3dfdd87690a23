// Tests for lib/header.cc: CanonicalHeaderKey (Go: textproto/header_test.go),
// field name/value validation (Go: httpguts), Header methods and its wire
// form (Go: header_test.go TestHeaderWrite).
#include <doctest/doctest.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/header.h"

// Counting replacements for the global allocator, so a test can assert that
// Get/Has/Values' lookups allocate nothing (a per-request hot path).
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// noinline: inlined into a container, GCC pairs the free() below with the
// library's operator new and warns (-Wmismatched-new-delete), not knowing
// that this file replaces both.
[[gnu::noinline]] void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

using nethttp::CanonicalHeaderKey;
using nethttp::Header;

std::string Wire(const Header& h) {
  std::string out;
  h.Write(&out);
  return out;
}

// ReferenceCanonical is CanonicalHeaderKey's rule spelled out plainly,
// against the tables the code uses: a key with a non-token byte stays as it
// is; otherwise a letter is upper case at the start and after '-', lower
// case elsewhere.
std::string ReferenceCanonical(std::string_view key) {
  std::string out(key);
  bool word_start = true;
  for (char& c : out) {
    if (!nethttp::ValidHeaderFieldName(std::string_view(&c, 1))) return std::string(key);
    if (word_start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (!word_start && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    word_start = c == '-';
  }
  return out;
}

}  // namespace

TEST_SUITE("header") {
  TEST_CASE("CanonicalHeaderKey matches Go's canonicalHeaderKeyTests") {
    struct Case {
      std::string_view in, out;
    };
    const Case cases[] = {
        {"a-b-c", "A-B-C"},
        {"a-1-c", "A-1-C"},
        {"User-Agent", "User-Agent"},
        {"uSER-aGENT", "User-Agent"},
        {"user-agent", "User-Agent"},
        {"USER-AGENT", "User-Agent"},
        // Other valid tchar bytes in tokens.
        {"foo-bar_baz", "Foo-Bar_baz"},
        {"foo-bar$baz", "Foo-Bar$baz"},
        {"foo-bar~baz", "Foo-Bar~baz"},
        {"foo-bar*baz", "Foo-Bar*baz"},
        // Non-ASCII or anything with spaces or non-token bytes is unchanged.
        {"üser-agenT", "üser-agenT"},
        {"a B", "a B"},
        {"C Ontent-Transfer-Encoding", "C Ontent-Transfer-Encoding"},
        {"foo bar", "foo bar"},
        // Ours: edges of the same rules.
        {"", ""},
        {"-", "-"},
        {"--x", "--X"},
        {"x-", "X-"},
        {"content-md5", "Content-Md5"},
        {"www-authenticate", "Www-Authenticate"},
        {"Content-Type:", "Content-Type:"},
        {"bad\r\nKey", "bad\r\nKey"},
        {std::string_view("nul\0x", 5), std::string_view("nul\0x", 5)},
    };
    for (const Case& c : cases) {
      CAPTURE(c.in);
      CHECK(CanonicalHeaderKey(c.in) == c.out);
    }
  }

  TEST_CASE("CanonicalHeaderKey follows the rule for every byte, starting a word and inside one") {
    auto reference = ReferenceCanonical;
    for (int b = 0; b < 256; ++b) {
      std::string byte(1, static_cast<char>(b));
      for (const std::string& key : {byte, byte + "x", "x" + byte + "Y", "a-" + byte + "B", byte + "-" + byte}) {
        CAPTURE(b);
        CAPTURE(key);
        CHECK(CanonicalHeaderKey(key) == reference(key));
      }
    }
  }

  TEST_CASE("CanonicalHeaderKey of common names, as sent and in any case, and of near misses") {
    // Names sent canonical skip the converting pass (header.cc's
    // kCommonKeys); every other spelling of them, and a key one byte off,
    // must still come out by the rule.
    for (std::string_view name : {"Te", "Via", "Host", "Date", "Etag", "Accept", "Cookie", "Content-Type",
                                  "Content-Length", "User-Agent", "X-Forwarded-For", "Transfer-Encoding",
                                  "If-Modified-Since", "Content-Disposition", "Connection"}) {
      std::string lower(name), upper(name), spaced(name), dashed(name);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      spaced.back() = ' ';
      dashed.back() = '-';
      for (const std::string& key : {std::string(name), lower, upper, spaced, dashed, lower + "s"}) {
        CAPTURE(key);
        CHECK(CanonicalHeaderKey(key) == ReferenceCanonical(key));
      }
      CHECK(CanonicalHeaderKey(lower) == name);
    }
    CHECK(CanonicalHeaderKey("") == "");
  }

  TEST_CASE("ValidHeaderFieldName accepts exactly non-empty tokens") {
    CHECK(nethttp::ValidHeaderFieldName("Content-Type"));
    CHECK(nethttp::ValidHeaderFieldName("!#$%&'*+-.^_`|~09azAZ"));
    CHECK_FALSE(nethttp::ValidHeaderFieldName(""));
    for (std::string_view bad : {"a b", "a:b", "a\tb", "a\r\n", "(x)", "a/b", "a@b", "a\"b", "ü",
                                 "\x7f", "{x}"}) {
      CAPTURE(bad);
      CHECK_FALSE(nethttp::ValidHeaderFieldName(bad));
    }
    CHECK_FALSE(nethttp::ValidHeaderFieldName(std::string_view("a\0b", 3)));
  }

  TEST_CASE("ValidHeaderFieldValue refuses control bytes except HTAB") {
    for (std::string_view ok : {"", "text/html; charset=utf-8", "a\tb", " padded ", "\x80\xff obs-text",
                                "ü", "\"quoted\""}) {
      CAPTURE(ok);
      CHECK(nethttp::ValidHeaderFieldValue(ok));
    }
    for (std::string_view bad : {"a\rb", "a\nb", "a\r\nX-Evil: 1", "\x01", "\x1f", "a\x7f"}) {
      CAPTURE(bad);
      CHECK_FALSE(nethttp::ValidHeaderFieldValue(bad));
    }
    CHECK_FALSE(nethttp::ValidHeaderFieldValue(std::string_view("a\0b", 3)));
  }

  TEST_CASE("ValidHeaderFieldValue's word-at-a-time scan agrees with the byte rule everywhere") {
    // Every byte value at every position of values long enough for two
    // words and a tail, among neighbours that are themselves high, low or
    // plain (a borrow between bytes must not hide or invent a CTL).
    for (char fill : {'a', '\x80', '\xff', ' ', '~'}) {
      for (size_t len : {1u, 7u, 8u, 9u, 16u, 19u}) {
        for (size_t at = 0; at < len; ++at) {
          for (int b = 0; b < 256; ++b) {
            std::string v(len, fill);
            v[at] = static_cast<char>(b);
            bool want = !((b < 0x20 || b == 0x7f) && b != '\t');
            if (nethttp::ValidHeaderFieldValue(v) != want) {
              FAIL("byte ", b, " at ", at, " of ", len, " among ", static_cast<int>(static_cast<unsigned char>(fill)));
            }
          }
        }
      }
    }
  }

  TEST_CASE("Add canonicalises and lookups ignore case") {
    Header h;
    h.Add("content-type", "text/plain");
    h.Add("X-FORWARDED-FOR", "10.0.0.1");
    h.Add("x-forwarded-for", "10.0.0.2");
    REQUIRE(h.size() == 3);
    CHECK(h.begin()->key == "Content-Type");
    CHECK((h.begin() + 1)->key == "X-Forwarded-For");
    CHECK(h.Get("CONTENT-TYPE") == "text/plain");
    CHECK(h.Get("Content-Type") == "text/plain");
    CHECK(h.Get("X-Forwarded-For") == "10.0.0.1");  // the first value
    CHECK(h.Values("x-forwarded-for") == std::vector<std::string_view>{"10.0.0.1", "10.0.0.2"});
    CHECK(h.Has("x-forwarded-FOR"));
    CHECK_FALSE(h.Has("X-Forwarded"));
    CHECK_FALSE(h.Has("X-Forwarded-Fo"));
    CHECK(h.Get("Missing") == "");
    CHECK(h.Values("Missing").empty());
  }

  TEST_CASE("a non-token key is kept as is and matched exactly, as in Go") {
    Header h;
    h.Add("foo bar", "1");
    CHECK(h.begin()->key == "foo bar");
    CHECK(h.Get("foo bar") == "1");
    // Go: CanonicalMIMEHeaderKey("Foo Bar") is "Foo Bar", a different map key.
    CHECK(h.Get("Foo Bar") == "");
    CHECK_FALSE(h.Has("FOO BAR"));
  }

  TEST_CASE("Set replaces every value and keeps the first position") {
    Header h;
    h.Add("A", "1");
    h.Add("Vary", "Accept");
    h.Add("B", "2");
    h.Add("vary", "Cookie");
    h.Set("VARY", "Origin");
    REQUIRE(h.size() == 3);
    CHECK(Wire(h) == "A: 1\r\nVary: Origin\r\nB: 2\r\n");
    h.Set("new-key", "x");
    CHECK(h.Get("New-Key") == "x");
    CHECK((h.end() - 1)->key == "New-Key");
  }

  TEST_CASE("Del removes every value of the key only") {
    Header h;
    h.Add("Set-Cookie", "a=1");
    h.Add("Date", "today");
    h.Add("set-cookie", "b=2");
    h.Del("SET-COOKIE");
    CHECK_FALSE(h.Has("Set-Cookie"));
    CHECK(h.size() == 1);
    CHECK(h.Get("Date") == "today");
    h.Del("Absent");  // harmless
    CHECK(h.size() == 1);
    h.clear();
    CHECK(h.empty());
  }

  TEST_CASE("AddCanonical stores the key without touching it") {
    Header h;
    h.AddCanonical("Content-Length", "5");
    CHECK(h.Get("content-length") == "5");
    h.AddCanonical("weird-KEY", "v");  // the caller's promise, not checked
    CHECK(h.begin()[1].key == "weird-KEY");
  }

  // Get and Values return views into the Header (header.h says why), so a
  // value kept across a change must be copied first; this is the pattern the
  // header's comment shows. The pointer comparison pins why: the first Add
  // past the fields' capacity moves every short (SSO) value, so a view taken
  // before it points at freed bytes. The old pointer is compared, never read.
  TEST_CASE("a copied value survives Set, Add and Del; a view does not") {
    Header h;
    h.Add("Content-Type", "a/b");
    h.Add("Vary", "x");
    h.Add("Vary", "y");
    std::string type(h.Get("Content-Type"));
    std::vector<std::string> vary;
    for (std::string_view v : h.Values("Vary")) vary.emplace_back(v);
    const char* before = h.Get("Content-Type").data();

    h.Set("Content-Type", "text/plain; charset=utf-8");
    h.Del("Vary");
    for (int i = 0; i < 64; ++i) h.Add("X-Filler-" + std::to_string(i), "v");

    CHECK(type == "a/b");
    CHECK(vary == std::vector<std::string>{"x", "y"});
    CHECK(h.Get("Content-Type") == "text/plain; charset=utf-8");
    CHECK(h.Values("Vary").empty());
    // The storage moved: a view taken before the changes would dangle.
    CHECK(h.Get("Content-Type").data() != before);
  }

  TEST_CASE("Get, Has and Values' lookup do not allocate") {
    Header h;
    h.Add("X-A-Header-Name-Longer-Than-Any-Small-String-Buffer", "value");
    h.Add("Content-Type", "text/plain");
    const long before = g_allocations.load();
    std::string_view v = h.Get("x-a-header-name-longer-than-any-small-string-buffer");
    bool has = h.Has("CONTENT-TYPE");
    bool missing = h.Has("Not-There-At-All-And-Also-Quite-A-Long-Name");
    const long after = g_allocations.load();
    CHECK(after == before);
    CHECK(v == "value");
    CHECK(has);
    CHECK_FALSE(missing);
  }

  TEST_CASE("Write: Go's headerWriteTests, in arrival order") {
    SUBCASE("empty") { CHECK(Wire(Header{}) == ""); }
    SUBCASE("two fields") {
      Header h;
      h.Add("Content-Length", "0");
      h.Add("Content-Type", "text/html; charset=UTF-8");
      CHECK(Wire(h) == "Content-Length: 0\r\nContent-Type: text/html; charset=UTF-8\r\n");
    }
    SUBCASE("multiple values") {
      Header h;
      for (const char* v : {"0", "1", "2"}) h.Add("Content-Length", v);
      CHECK(Wire(h) == "Content-Length: 0\r\nContent-Length: 1\r\nContent-Length: 2\r\n");
    }
    SUBCASE("blank values") {
      Header h;
      h.Add("Blank", "");
      h.Add("Double-Blank", "");
      h.Add("Double-Blank", "");
      CHECK(Wire(h) == "Blank: \r\nDouble-Blank: \r\nDouble-Blank: \r\n");
    }
    SUBCASE("keys that are not tokens are dropped, newlines become spaces") {
      // Go's map literal bypasses canonicalisation, as AddCanonical does.
      Header h;
      h.AddCanonical("Content-Type", "text/html; charset=UTF-8");
      h.AddCanonical("NewlineInValue", "1\r\nBar: 2");
      h.AddCanonical("NewlineInKey\r\n", "1");
      h.AddCanonical("Colon:InKey", "1");
      h.AddCanonical("Evil: 1\r\nSmuggledValue", "1");
      CHECK(Wire(h) == "Content-Type: text/html; charset=UTF-8\r\nNewlineInValue: 1  Bar: 2\r\n");
    }
    SUBCASE("values are trimmed like textproto.TrimString") {
      Header h;
      h.Add("A", "  padded\t");
      h.Add("B", "\r\nx\n");
      h.Add("C", "in  side");
      CHECK(Wire(h) == "A: padded\r\nB: x\r\nC: in  side\r\n");
    }
    SUBCASE("appends to what is already in out") {
      Header h;
      h.Add("Host", "example.com");
      std::string out = "GET / HTTP/1.1\r\n";
      h.Write(&out);
      CHECK(out == "GET / HTTP/1.1\r\nHost: example.com\r\n");
    }
  }
}
