// Tests for lib/byte_range.cc: Go's ParseRangeTests (range_test.go, every
// row, with the error Go's parseRange gives beside each), the places we
// differ from Go, the kMaxRanges cap, and the multipart/byteranges size
// checked against a body built part by part.
#include "internal/byte_range.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using nethttp::AppendClosingBoundary;
using nethttp::AppendPartHead;
using nethttp::HttpRange;
using nethttp::IgnoreRanges;
using nethttp::kMaxRanges;
using nethttp::ParseRange;
using nethttp::RangeError;
using nethttp::RangeErrorText;
using nethttp::RangesMIMESize;
using nethttp::SumRangesSize;
using namespace std::string_view_literals;

namespace {

struct Case {
  std::string s;
  int64_t length;
  std::vector<HttpRange> r;
  RangeError err = RangeError::kNone;
};

void CheckAll(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    CAPTURE(c.s);
    CAPTURE(c.length);
    std::vector<HttpRange> got = {{99, 99}};  // ParseRange must clear it
    CHECK(ParseRange(c.s, c.length, &got) == c.err);
    CHECK(got == c.r);
  }
}

constexpr RangeError kInvalid = RangeError::kInvalid;
constexpr RangeError kNoOverlap = RangeError::kNoOverlap;

// Body builds a multipart/byteranges body the way serveContent's goroutine
// does: a part head, the part's bytes from content, ..., the closing line.
std::string Body(const std::vector<HttpRange>& ranges, const std::string& content,
                 std::string_view content_type, std::string_view boundary) {
  std::string out;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const HttpRange& r = ranges[i];
    AppendPartHead(boundary, i == 0, r, content_type, static_cast<int64_t>(content.size()), &out);
    out += content.substr(static_cast<size_t>(r.start), static_cast<size_t>(r.length));
  }
  AppendClosingBoundary(boundary, &out);
  return out;
}

}  // namespace

TEST_SUITE("byte_range") {
  TEST_CASE("ParseRange: Go's ParseRangeTests") {
    CheckAll({
        {"", 0, {}},
        {"", 1000, {}},
        {"foo", 0, {}, kInvalid},
        {"bytes=", 0, {}},
        {"bytes=7", 10, {}, kInvalid},
        {"bytes= 7 ", 10, {}, kInvalid},
        {"bytes=1-", 0, {}, kNoOverlap},
        {"bytes=5-4", 10, {}, kInvalid},
        {"bytes=0-2,5-4", 10, {}, kInvalid},
        {"bytes=2-5,4-3", 10, {}, kInvalid},
        {"bytes=--5,4--3", 10, {}, kInvalid},
        {"bytes=A-", 10, {}, kInvalid},
        {"bytes=A- ", 10, {}, kInvalid},
        {"bytes=A-Z", 10, {}, kInvalid},
        {"bytes= -Z", 10, {}, kInvalid},
        {"bytes=5-Z", 10, {}, kInvalid},
        {"bytes=Ran-dom, garbage", 10, {}, kInvalid},
        {"bytes=0x01-0x02", 10, {}, kInvalid},
        {"bytes=         ", 10, {}},
        {"bytes= , , ,   ", 10, {}},

        {"bytes=0-9", 10, {{0, 10}}},
        {"bytes=0-", 10, {{0, 10}}},
        {"bytes=5-", 10, {{5, 5}}},
        {"bytes=0-20", 10, {{0, 10}}},
        {"bytes=15-,0-5", 10, {{0, 6}}},
        {"bytes=1-2,5-", 10, {{1, 2}, {5, 5}}},
        {"bytes=-2 , 7-", 11, {{9, 2}, {7, 4}}},
        {"bytes=0-0 ,2-2, 7-", 11, {{0, 1}, {2, 1}, {7, 4}}},
        {"bytes=-5", 10, {{5, 5}}},
        {"bytes=-15", 10, {{0, 10}}},
        {"bytes=0-499", 10000, {{0, 500}}},
        {"bytes=500-999", 10000, {{500, 500}}},
        {"bytes=-500", 10000, {{9500, 500}}},
        {"bytes=9500-", 10000, {{9500, 500}}},
        {"bytes=0-0,-1", 10000, {{0, 1}, {9999, 1}}},
        {"bytes=500-600,601-999", 10000, {{500, 101}, {601, 399}}},
        {"bytes=500-700,601-999", 10000, {{500, 201}, {601, 399}}},

        // Match Apache laxity:
        {"bytes=   1 -2   ,  4- 5, 7 - 8 , ,,", 11, {{1, 2}, {4, 2}, {7, 2}}},
    });
  }

  TEST_CASE("ParseRange: more of Go 1.19's answers") {
    CheckAll({
        // strconv.ParseInt takes a sign and refuses what overflows int64.
        {"bytes=+5-", 10, {{5, 5}}},
        {"bytes=-+5", 10, {{5, 5}}},
        {"bytes=5-+7", 10, {{5, 3}}},
        {"bytes=99999999999999999999-", 10, {}, kInvalid},
        {"bytes=0-99999999999999999999", 10, {}, kInvalid},
        {"bytes=-99999999999999999999", 10, {}, kInvalid},
        {"bytes=0-9223372036854775807", 10, {{0, 10}}},
        {"bytes=1_0-", 100, {}, kInvalid},
        {"bytes =0-1", 10, {}, kInvalid},
        {"bytes=10-", 10, {}, kNoOverlap},
        {"bytes=10-Z", 10, {}, kNoOverlap},  // past the end: last-pos not read
        {"bytes=10-,0-0", 10, {{0, 1}}},
        {"bytes=10-,x", 10, {}, kInvalid},
        {"bytes=0-1,", 10, {{0, 2}}},
    });
  }

  TEST_CASE("ParseRange: where we follow RFC 9110 rather than Go") {
    CheckAll({
        // §14.1: range units are case-insensitive (Go: 416).
        {"Bytes=0-1", 10, {{0, 2}}},
        {"BYTES=-3", 10, {{7, 3}}},
        // §14.2: a unit we do not understand MUST be ignored (Go: 416).
        {"items=0-5", 10, {}},
        {"none=", 10, {}},
        {"=0-5", 10, {}, kInvalid},
        {"by tes=0-5", 10, {}, kInvalid},
        // §14.1.2: a zero suffix is unsatisfiable (Go: {10, 0}, then a 206
        // with "Content-Range: bytes 10-9/10").
        {"bytes=-0", 10, {}, kNoOverlap},
        {"bytes=-0,0-1", 10, {{0, 2}}},
        // A suffix of empty content parses as in Go; IgnoreRanges drops it.
        {"bytes=-5", 0, {{0, 0}}},
    });
  }

  TEST_CASE("RangeErrorText is Go's error text") {
    CHECK(RangeErrorText(RangeError::kNone) == "");
    CHECK(RangeErrorText(RangeError::kInvalid) == "invalid range");
    CHECK(RangeErrorText(RangeError::kNoOverlap) == "invalid range: failed to overlap");
  }

  TEST_CASE("ContentRange and SumRangesSize") {
    CHECK(HttpRange{0, 10}.ContentRange(10) == "bytes 0-9/10");
    CHECK(HttpRange{9500, 500}.ContentRange(10000) == "bytes 9500-9999/10000");
    CHECK(SumRangesSize({}) == 0);
    CHECK(SumRangesSize({{500, 201}, {601, 399}}) == 600);
  }

  TEST_CASE("IgnoreRanges: Go's sum rule, our count cap, empty content") {
    // Go's serveContent: ranges adding up to more than the content.
    CHECK(!IgnoreRanges({{0, 5}, {5, 5}}, 10));
    CHECK(IgnoreRanges({{0, 6}, {4, 6}}, 10));
    CHECK(!IgnoreRanges({}, 10));
    CHECK(IgnoreRanges({{0, 0}}, 0));  // a suffix of empty content

    // kMaxRanges one-byte ranges of a large file pass; one more does not,
    // though they add up to far less than the file.
    std::string header = "bytes=";
    for (size_t i = 0; i <= kMaxRanges; ++i) {
      header += std::to_string(i * 2) + "-" + std::to_string(i * 2) + ",";
    }
    std::vector<HttpRange> ranges;
    REQUIRE(ParseRange(header, 1 << 20, &ranges) == RangeError::kNone);
    CHECK(ranges.size() == kMaxRanges + 1);
    CHECK(IgnoreRanges(ranges, 1 << 20));
    ranges.pop_back();
    CHECK(!IgnoreRanges(ranges, 1 << 20));
  }

  TEST_CASE("ParseRange stores at most kMaxRanges + 1 ranges, and still finds a later error") {
    std::string header = "bytes=";
    for (int i = 0; i < 10000; ++i) header += "0-0,";
    std::vector<HttpRange> ranges;
    CHECK(ParseRange(header, 10, &ranges) == RangeError::kNone);
    CHECK(ranges.size() == kMaxRanges + 1);
    CHECK(IgnoreRanges(ranges, 10));
    CHECK(ParseRange(header + "5-4", 10, &ranges) == RangeError::kInvalid);
    CHECK(ranges.empty());
  }

  TEST_CASE("AppendPartHead: Go's multipart.Writer bytes") {
    std::string out;
    AppendPartHead("B", true, {0, 1}, "text/plain", 10, &out);
    AppendPartHead("B", false, {5, 5}, "", 10, &out);
    AppendClosingBoundary("B", &out);
    CHECK(out ==
          "--B\r\nContent-Range: bytes 0-0/10\r\nContent-Type: text/plain\r\n\r\n"
          "\r\n--B\r\nContent-Range: bytes 5-9/10\r\nContent-Type: \r\n\r\n"
          "\r\n--B--\r\n");
  }

  TEST_CASE("RangesMIMESize: the length of the body AppendPartHead builds") {
    std::string content;
    for (int i = 0; i < 10000; ++i) content += static_cast<char>('a' + i % 26);
    // Go's boundaries are 60 hex digits (30 random bytes).
    const std::string boundary60(60, 'f');
    struct SizeCase {
      std::vector<HttpRange> ranges;
      std::string content_type;
      int64_t size;
      int64_t go;  // Go 1.19's rangesMIMESize for the same input, or -1
    };
    const std::vector<SizeCase> cases = {
        {{{0, 1}, {9999, 1}}, "text/plain; charset=utf-8", 10000, 356},
        {{{500, 101}, {601, 399}}, "application/octet-stream", 10000, 854},
        {{{1, 2}, {4, 2}, {7, 2}}, "", 11, 411},
        {{{0, 10000}}, "x/y", 10000, -1},
        {{}, "x/y", 10000, -1},
    };
    for (const SizeCase& c : cases) {
      CAPTURE(c.ranges.size());
      const std::string data = content.substr(0, static_cast<size_t>(c.size));
      // Go's 60-digit boundary, then other lengths: the size follows the boundary.
      for (std::string_view b : {std::string_view(boundary60), "x"sv, "0123456789abcdef"sv}) {
        const int64_t built = static_cast<int64_t>(Body(c.ranges, data, c.content_type, b).size());
        CHECK(RangesMIMESize(c.ranges, c.content_type, c.size, b) == built);
      }
      if (c.go >= 0) CHECK(RangesMIMESize(c.ranges, c.content_type, c.size, boundary60) == c.go);
    }
  }
}
