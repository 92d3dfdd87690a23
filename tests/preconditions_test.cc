// Tests for lib/preconditions.cc: Go's TestServeContent conditional rows
// (fs_test.go) and more, as a table of request headers, response ETag and
// modtime against the status ServeContent would send. Every expected status
// is what Go 1.19's ServeContent answered for the same inputs (an 8-byte
// file); rows where we follow RFC 9110 instead say Go's status beside ours.
#include "internal/preconditions.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "internal/byte_range.h"
#include "nethttp/header.h"

using nethttp::CheckPreconditions;
using nethttp::CondResult;
using nethttp::ETagStrongMatch;
using nethttp::ETagWeakMatch;
using nethttp::Header;
using nethttp::ModTime;
using nethttp::Precondition;
using nethttp::PreconditionResult;
using nethttp::ScanETag;
using std::chrono::system_clock;

namespace {

// The modtimes the table uses: Go's zero time, the Unix epoch, 2014-06-25
// 17:12:18 UTC, and that plus 123 ns (Go: range_with_modtime_nanos).
enum class Mod { kZero, kUnix0, kT, kTNanos };
constexpr Mod kZero = Mod::kZero;
constexpr Mod kUnix0 = Mod::kUnix0;
constexpr Mod kModT = Mod::kT;
constexpr Mod kModTNanos = Mod::kTNanos;

ModTime MakeModTime(Mod m) {
  const system_clock::time_point t{std::chrono::seconds{1403716338}};  // Wed, 25 Jun 2014 17:12:18 GMT
  switch (m) {
    case Mod::kZero:
      return std::nullopt;
    case Mod::kUnix0:
      return system_clock::time_point{};
    case Mod::kT:
      return t;
    case Mod::kTNanos:
      return t + std::chrono::duration_cast<system_clock::duration>(std::chrono::nanoseconds{123});
  }
  return std::nullopt;
}

// ServeContentStatus is the status Go's serveContent reaches for an 8-byte
// file after checkPreconditions, with the range steps from byte_range.h.
int ServeContentStatus(const PreconditionResult& r) {
  switch (r.outcome) {
    case Precondition::kNotModified:
      return 304;
    case Precondition::kPreconditionFailed:
      return 412;
    case Precondition::kContinue:
      break;
  }
  constexpr int64_t kSize = 8;
  std::vector<nethttp::HttpRange> ranges;
  if (nethttp::ParseRange(r.range, kSize, &ranges) != nethttp::RangeError::kNone) return 416;
  if (ranges.empty() || nethttp::IgnoreRanges(ranges, kSize)) return 200;
  return 206;
}

// The dates the table's headers use: kModT's second, one after, two before.
const std::string kT = "Wed, 25 Jun 2014 17:12:18 GMT";
const std::string kTPlus1 = "Wed, 25 Jun 2014 17:12:19 GMT";
const std::string kTMinus2 = "Wed, 25 Jun 2014 17:12:16 GMT";

const std::vector<std::string> kGetHead = {"GET", "HEAD"};

struct Case {
  std::string name;
  std::vector<std::string> methods;  // each gets the same answer
  std::string etag;                  // the response's ETag, "" for none
  Mod modtime;
  std::vector<std::pair<std::string, std::string>> headers;
  int want;
  int go = 0;  // Go 1.19's status where we differ, else 0
};

}  // namespace

TEST_SUITE("preconditions") {
  TEST_CASE("CheckPreconditions: the status ServeContent sends, as Go 1.19 decides it") {
    const std::vector<Case> cases = {
        // Go's TestServeContent, its conditional rows by name (not_modified_modtime_
        // with_contenttype is left out: its inputs here are not_modified_modtime's).
        {"no_last_modified", kGetHead, "", kZero, {}, 200},
        {"with_last_modified", kGetHead, "", kModT, {}, 200},
        {"not_modified_modtime", kGetHead, "\"foo\"", kModT, {{"If-Modified-Since", kT}}, 304},
        {"not_modified_etag", kGetHead, "\"foo\"", kZero, {{"If-None-Match", "\"foo\""}}, 304},
        {"not_modified_etag_no_seek", kGetHead, "W/\"foo\"", kZero,
         {{"If-None-Match", "\"baz\", W/\"foo\""}},
         304},
        {"if_none_match_mismatch", kGetHead, "\"foo\"", kZero, {{"If-None-Match", "\"Foo\""}}, 200},
        {"if_none_match_malformed", kGetHead, "\"foo\"", kZero, {{"If-None-Match", ","}}, 200},
        {"range_good", kGetHead, "\"A\"", kZero, {{"Range", "bytes=0-4"}}, 206},
        {"range_match", kGetHead, "\"A\"", kZero, {{"Range", "bytes=0-4"}, {"If-Range", "\"A\""}}, 206},
        {"range_match_weak_etag", kGetHead, "W/\"A\"", kZero,
         {{"Range", "bytes=0-4"}, {"If-Range", "W/\"A\""}},
         200},
        {"range_no_overlap", kGetHead, "\"A\"", kZero, {{"Range", "bytes=10-20"}}, 416},
        {"range_no_match", kGetHead, "\"A\"", kZero, {{"Range", "bytes=0-4"}, {"If-Range", "\"B\""}}, 200},
        {"range_with_modtime", kGetHead, "", kModT, {{"Range", "bytes=0-4"}, {"If-Range", kT}}, 206},
        {"range_with_modtime_mismatch", kGetHead, "", kModT,
         {{"Range", "bytes=0-4"}, {"If-Range", kTPlus1}},
         200},
        {"range_with_modtime_nanos", kGetHead, "", kModTNanos,
         {{"Range", "bytes=0-4"}, {"If-Range", kT}},
         206},
        {"unix_zero_modtime", kGetHead, "", kUnix0, {}, 200},
        {"ifmatch_matches", kGetHead, "\"A\"", kZero, {{"If-Match", "\"Z\", \"A\""}}, 200},
        {"ifmatch_star", kGetHead, "\"A\"", kZero, {{"If-Match", "*"}}, 200},
        {"ifmatch_failed", kGetHead, "\"A\"", kZero, {{"If-Match", "\"B\""}}, 412},
        {"ifmatch_fails_on_weak_etag", kGetHead, "W/\"A\"", kZero, {{"If-Match", "W/\"A\""}}, 412},
        {"if_unmodified_since_true", kGetHead, "", kModTNanos, {{"If-Unmodified-Since", kT}}, 200},
        {"if_unmodified_since_false", kGetHead, "", kModTNanos, {{"If-Unmodified-Since", kTMinus2}}, 412},
        // If-Modified-Since: to the second, in each date form, ignored without a
        // modtime, for other methods, for a bad date, and beside If-None-Match.
        {"ims_nanos_truncated", kGetHead, "", kModTNanos, {{"If-Modified-Since", kT}}, 304},
        {"ims_older", kGetHead, "", kModT, {{"If-Modified-Since", kTMinus2}}, 200},
        {"ims_newer", kGetHead, "", kModT, {{"If-Modified-Since", kTPlus1}}, 304},
        {"ims_rfc850", kGetHead, "", kModT,
         {{"If-Modified-Since", "Wednesday, 25-Jun-14 17:12:18 GMT"}},
         304},
        {"ims_asctime", kGetHead, "", kModT, {{"If-Modified-Since", "Wed Jun 25 17:12:18 2014"}}, 304},
        {"ims_zero_modtime", kGetHead, "", kZero, {{"If-Modified-Since", kT}}, 200},
        {"ims_unix0_modtime", kGetHead, "", kUnix0,
         {{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}},
         200},
        {"ims_bad_date", kGetHead, "", kModT, {{"If-Modified-Since", "yesterday"}}, 200},
        {"ims_post", {"POST", "PUT"}, "", kModT, {{"If-Modified-Since", kT}}, 200},
        {"inm_mismatch_beats_ims", kGetHead, "\"A\"", kModT,
         {{"If-None-Match", "\"B\""}, {"If-Modified-Since", kT}},
         200},
        {"inm_match_with_old_ims", kGetHead, "\"A\"", kModT,
         {{"If-None-Match", "\"A\""}, {"If-Modified-Since", kTMinus2}},
         304},
        // If-None-Match: "*", other methods (412), list syntax, weak comparison.
        {"inm_star", kGetHead, "\"A\"", kZero, {{"If-None-Match", "*"}}, 304},
        {"inm_star_post", {"POST", "PUT", "DELETE"}, "\"A\"", kZero, {{"If-None-Match", "*"}}, 412},
        {"inm_match_post", {"POST"}, "\"A\"", kZero, {{"If-None-Match", "\"A\""}}, 412},
        {"inm_mismatch_post", {"POST"}, "\"A\"", kZero, {{"If-None-Match", "\"B\""}}, 200},
        {"inm_weak_vs_strong", kGetHead, "\"A\"", kZero, {{"If-None-Match", " , \"x\" ,W/\"A\""}}, 304},
        {"inm_stops_at_garbage", kGetHead, "\"A\"", kZero,
         {{"If-None-Match", "\"x\", garbage, \"A\""}},
         200},
        {"inm_unquoted", kGetHead, "A", kZero, {{"If-None-Match", "A"}}, 200},
        {"inm_no_response_etag", kGetHead, "", kZero, {{"If-None-Match", "\"A\""}}, 200},
        {"inm_space_in_etag", kGetHead, "\"a b\"", kZero, {{"If-None-Match", "\"a b\""}}, 200},
        {"inm_obs_text_etag", kGetHead, "\"\xe9\"", kZero, {{"If-None-Match", "\"\xe9\""}}, 304},
        // If-Match and If-Unmodified-Since: precedence, no ETag, bad syntax.
        {"im_true_beats_ius_false", kGetHead, "\"A\"", kModT,
         {{"If-Match", "\"A\""}, {"If-Unmodified-Since", kTMinus2}},
         200},
        {"im_false_beats_inm", kGetHead, "\"A\"", kZero,
         {{"If-Match", "\"B\""}, {"If-None-Match", "\"A\""}},
         412},
        {"im_no_response_etag", kGetHead, "", kZero, {{"If-Match", "\"A\""}}, 412},
        {"im_star_no_response_etag", kGetHead, "", kZero, {{"If-Match", "*"}}, 200},
        {"im_garbage", kGetHead, "\"A\"", kZero, {{"If-Match", "garbage"}}, 412},
        {"im_post", {"POST"}, "\"A\"", kZero, {{"If-Match", "\"B\""}}, 412},
        {"ius_bad_date", kGetHead, "", kModT, {{"If-Unmodified-Since", "garbage"}}, 200},
        {"ius_zero_modtime", kGetHead, "", kZero, {{"If-Unmodified-Since", kTMinus2}}, 200},
        {"ius_post", {"POST"}, "", kModT, {{"If-Unmodified-Since", kTMinus2}}, 412},
        // If-Range: strong ETags only, exact dates, the epoch is a time here;
        // Range goes with a 304 or 412, and (not Go) with methods but GET and HEAD.
        {"ir_date_zero_modtime", kGetHead, "", kZero, {{"Range", "bytes=0-4"}, {"If-Range", kT}}, 200},
        {"ir_date_unix0_modtime", kGetHead, "", kUnix0,
         {{"Range", "bytes=0-4"}, {"If-Range", "Thu, 01 Jan 1970 00:00:00 GMT"}},
         206},
        {"ir_weak_request_etag", kGetHead, "\"A\"", kZero,
         {{"Range", "bytes=0-4"}, {"If-Range", "W/\"A\""}},
         200},
        {"ir_garbage", kGetHead, "\"A\"", kModT, {{"Range", "bytes=0-4"}, {"If-Range", "garbage"}}, 200},
        {"ir_earlier_date", kGetHead, "", kModT, {{"Range", "bytes=0-4"}, {"If-Range", kTMinus2}}, 200},
        {"ir_post", {"POST"}, "\"A\"", kZero, {{"Range", "bytes=0-4"}, {"If-Range", "\"B\""}}, 200, 206},
        {"range_post", {"POST", "PUT"}, "\"A\"", kZero, {{"Range", "bytes=0-4"}}, 200, 206},
        {"ir_without_range", kGetHead, "\"A\"", kZero, {{"If-Range", "\"A\""}}, 200},
        {"ir_rfc850_date", kGetHead, "", kModT,
         {{"Range", "bytes=0-4"}, {"If-Range", "Wednesday, 25-Jun-14 17:12:18 GMT"}},
         206},
        {"range_after_304", kGetHead, "\"A\"", kZero,
         {{"Range", "bytes=0-4"}, {"If-None-Match", "\"A\""}},
         304},
        {"range_after_412", kGetHead, "\"A\"", kZero, {{"Range", "bytes=0-4"}, {"If-Match", "\"B\""}}, 412},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      CAPTURE(c.go);
      Header h;
      for (const auto& [k, v] : c.headers) h.Set(k, v);
      for (const std::string& method : c.methods) {
        CAPTURE(method);
        PreconditionResult r = CheckPreconditions(method, h, c.etag, MakeModTime(c.modtime));
        CHECK(ServeContentStatus(r) == c.want);
      }
    }
  }

  TEST_CASE("ScanETag: Go's scanETag") {
    struct ScanCase {
      std::string s;
      std::string etag;
      std::string remain;
    };
    const std::vector<ScanCase> cases = {
        {"\"abc\"", "\"abc\"", ""},
        {"  W/\"abc\" , \"d\"", "W/\"abc\"", " , \"d\""},
        {"\"\"", "\"\"", ""},  // an empty opaque-tag is valid
        {"W/\"\"", "W/\"\"", ""},
        {"\"a\x80\xff\"", "\"a\x80\xff\"", ""},  // obs-text
        {"\"a b\"", "", ""},                 // SP is not an etagc
        {"\"a\x7f\"", "", ""},              // nor DEL
        {"\"open", "", ""},
        {"\"", "", ""},
        {"abc", "", ""},
        {"w/\"abc\"", "", ""},  // "W/" is case-sensitive (RFC 9110 §8.8.3)
        {"W/abc", "", ""},
        {"", "", ""},
    };
    for (const ScanCase& c : cases) {
      CAPTURE(c.s);
      nethttp::ETagScan got = ScanETag(c.s);
      CHECK(got.etag == c.etag);
      CHECK(got.remain == c.remain);
    }
  }

  TEST_CASE("ETagStrongMatch and ETagWeakMatch: RFC 9110 §8.8.3.2's table") {
    CHECK(!ETagStrongMatch("W/\"1\"", "W/\"1\""));
    CHECK(ETagWeakMatch("W/\"1\"", "W/\"1\""));
    CHECK(!ETagStrongMatch("W/\"1\"", "W/\"2\""));
    CHECK(!ETagWeakMatch("W/\"1\"", "W/\"2\""));
    CHECK(!ETagStrongMatch("W/\"1\"", "\"1\""));
    CHECK(ETagWeakMatch("W/\"1\"", "\"1\""));
    CHECK(ETagStrongMatch("\"1\"", "\"1\""));
    CHECK(ETagWeakMatch("\"1\"", "\"1\""));
    CHECK(!ETagStrongMatch("", ""));  // no ETag matches nothing
  }

  TEST_CASE("the checks one by one") {
    Header h;
    const ModTime t = MakeModTime(kModT);
    const ModTime t1 = *t + std::chrono::seconds{1};
    CHECK(nethttp::CheckIfMatch(h, "\"A\"") == CondResult::kNone);
    CHECK(nethttp::CheckIfNoneMatch(h, "\"A\"") == CondResult::kNone);
    CHECK(nethttp::CheckIfModifiedSince("GET", h, t) == CondResult::kNone);
    CHECK(nethttp::CheckIfUnmodifiedSince(h, t) == CondResult::kNone);
    CHECK(nethttp::CheckIfRange("GET", h, "\"A\"", t) == CondResult::kNone);

    h.Set("If-Match", "\"B\", \"A\"");
    CHECK(nethttp::CheckIfMatch(h, "\"A\"") == CondResult::kTrue);
    CHECK(nethttp::CheckIfMatch(h, "\"C\"") == CondResult::kFalse);
    h.Set("If-None-Match", "W/\"A\"");
    CHECK(nethttp::CheckIfNoneMatch(h, "\"A\"") == CondResult::kFalse);
    CHECK(nethttp::CheckIfNoneMatch(h, "\"B\"") == CondResult::kTrue);
    h.Set("If-Modified-Since", "Wed, 25 Jun 2014 17:12:18 GMT");
    CHECK(nethttp::CheckIfModifiedSince("GET", h, t) == CondResult::kFalse);
    CHECK(nethttp::CheckIfModifiedSince("POST", h, t) == CondResult::kNone);
    CHECK(nethttp::CheckIfModifiedSince("GET", h, t1) == CondResult::kTrue);
    h.Set("If-Unmodified-Since", "Wed, 25 Jun 2014 17:12:18 GMT");
    CHECK(nethttp::CheckIfUnmodifiedSince(h, t) == CondResult::kTrue);
    CHECK(nethttp::CheckIfUnmodifiedSince(h, t1) == CondResult::kFalse);
    CHECK(nethttp::CheckIfUnmodifiedSince(h, std::nullopt) == CondResult::kNone);
    h.Set("If-Range", "Wed, 25 Jun 2014 17:12:18 GMT");
    CHECK(nethttp::CheckIfRange("GET", h, "", t) == CondResult::kTrue);
    CHECK(nethttp::CheckIfRange("HEAD", h, "", t) == CondResult::kTrue);
    CHECK(nethttp::CheckIfRange("POST", h, "", t) == CondResult::kNone);
    CHECK(nethttp::CheckIfRange("GET", h, "", std::nullopt) == CondResult::kFalse);
  }

  TEST_CASE("CheckPreconditions: the Range it hands on") {
    Header h;
    h.Set("Range", "bytes=0-4");
    CHECK(CheckPreconditions("GET", h, "\"A\"", std::nullopt).range == "bytes=0-4");
    CHECK(CheckPreconditions("HEAD", h, "\"A\"", std::nullopt).range == "bytes=0-4");
    CHECK(CheckPreconditions("POST", h, "\"A\"", std::nullopt).range.empty());  // not Go: RFC 9110 §14.2
    h.Set("If-Range", "\"A\"");
    CHECK(CheckPreconditions("GET", h, "\"A\"", std::nullopt).range == "bytes=0-4");
    CHECK(CheckPreconditions("GET", h, "\"B\"", std::nullopt).range.empty());
    h.Set("If-None-Match", "\"A\"");
    PreconditionResult r = CheckPreconditions("GET", h, "\"A\"", std::nullopt);
    CHECK(r.outcome == Precondition::kNotModified);
    CHECK(r.range.empty());
  }

  TEST_CASE("SetLastModified and StripForNotModified: Go's setLastModified and writeNotModified") {
    Header h;
    nethttp::SetLastModified(&h, std::nullopt);
    nethttp::SetLastModified(&h, MakeModTime(kUnix0));
    CHECK(!h.Has("Last-Modified"));
    nethttp::SetLastModified(&h, MakeModTime(kModTNanos));
    CHECK(h.Get("Last-Modified") == "Wed, 25 Jun 2014 17:12:18 GMT");

    h.Set("Content-Type", "text/css");
    h.Set("Content-Length", "8");
    h.Set("Content-Encoding", "gzip");
    h.Set("Cache-Control", "max-age=60");
    nethttp::StripForNotModified(&h);
    CHECK(!h.Has("Content-Type"));
    CHECK(!h.Has("Content-Length"));
    CHECK(!h.Has("Content-Encoding"));
    CHECK(h.Has("Last-Modified"));  // kept: there is no ETag to validate with
    CHECK(h.Has("Cache-Control"));
    h.Set("ETag", "\"A\"");
    nethttp::StripForNotModified(&h);
    CHECK(!h.Has("Last-Modified"));
    CHECK(h.Get("Etag") == "\"A\"");
  }
}
