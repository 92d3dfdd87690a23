// Tests for lib/http_time.cc: http.ParseTime on the three forms of RFC 9110
// §5.6.7 and the time.Parse rules around them (expected values come from
// running Go 1.19's http.ParseTime on each input), and FormatTime.
#include "internal/http_time.h"

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

using nethttp::FormatTime;
using nethttp::ParseTime;
using std::chrono::sys_seconds;

namespace {

sys_seconds Unix(int64_t s) { return sys_seconds{std::chrono::seconds{s}}; }

}  // namespace

TEST_SUITE("http_time") {
  TEST_CASE("ParseTime: what Go 1.19's http.ParseTime returns") {
    struct Case {
      std::string text;
      std::optional<sys_seconds> want;
    };
    const std::vector<Case> cases = {
        // RFC 9110 §5.6.7's three examples.
        {"Sun, 06 Nov 1994 08:49:37 GMT", Unix(784111777)},
        {"Sunday, 06-Nov-94 08:49:37 GMT", Unix(784111777)},
        {"Sun Nov  6 08:49:37 1994", Unix(784111777)},
        // asctime's "_2": one space or two before a one-digit day.
        {"Sun Nov 6 08:49:37 1994", Unix(784111777)},
        {"Sun Nov 16 08:49:37 1994", Unix(784975777)},
        // Names ignore case; the literal "GMT" does not.
        {"sun, 06 nov 1994 08:49:37 GMT", Unix(784111777)},
        {"Sun, 06 Nov 1994 08:49:37 gmt", std::nullopt},
        {"Sun, 06 Nov 1994 08:49:37 UTC", std::nullopt},
        // "15" takes one digit, "02" needs two.
        {"Sun, 06 Nov 1994 8:49:37 GMT", Unix(784111777)},
        {"Sun, 6 Nov 1994 08:49:37 GMT", std::nullopt},
        // A space in the layout matches a run of spaces, but not none.
        {"Sun,  06  Nov  1994  08:49:37  GMT", Unix(784111777)},
        {"Sun, 06 Nov 1994 08:49:37.123 GMT", Unix(784111777)},
        {"Sun, 06 Nov 1994 08:49:37 GMT ", std::nullopt},
        {" Sun, 06 Nov 1994 08:49:37 GMT", std::nullopt},
        // The weekday is not checked; the day of the month is.
        {"Mon, 06 Nov 1994 08:49:37 GMT", Unix(784111777)},
        {"Sun, 31 Nov 1994 08:49:37 GMT", std::nullopt},
        {"Sun, 29 Feb 2000 08:49:37 GMT", Unix(951814177)},
        {"Sun, 29 Feb 1900 08:49:37 GMT", std::nullopt},
        {"Sun, 06 Nov 1994 24:00:00 GMT", std::nullopt},
        {"Sun, 06 Nov 1994 23:60:00 GMT", std::nullopt},
        {"Sun, 06 Nov 1994 23:59:60 GMT", std::nullopt},
        {"Sun, 06 Nov 94 08:49:37 GMT", std::nullopt},
        // RFC 850's zone: any name, none of which moves the instant.
        {"Sunday, 06-Nov-94 08:49:37 PST", Unix(784111777)},
        {"Sunday, 06-Nov-94 08:49:37 GMT+2", Unix(784111777)},
        {"Sunday, 06-Nov-94 08:49:37 GMT-2", Unix(784111777)},
        {"Sunday, 06-Nov-94 08:49:37 UTC", Unix(784111777)},
        {"Sunday, 06-Nov-94 08:49:37 +07", Unix(784111777)},
        {"Sunday, 06-Nov-94 08:49:37 CEST", Unix(784111777)},
        {"Sunday, 06-Nov-94 08:49:37 Z", std::nullopt},
        // "06": 69-99 are the 1900s, 00-68 the 2000s.
        {"Sunday, 06-Nov-68 08:49:37 GMT", Unix(3119417377)},
        {"Sunday, 06-Nov-69 08:49:37 GMT", Unix(-4806623)},
        {"Sun, 06-Nov-94 08:49:37 GMT", std::nullopt},
        {"Sunday, 06-Nov-1994 08:49:37 GMT", std::nullopt},
        {"Sun Nov  6 08:49:37 94", std::nullopt},
        {"Sun Nov  6 08:49:37 1994 GMT", std::nullopt},
        {"Thu, 01 Jan 1970 00:00:00 GMT", Unix(0)},
        {"Fri, 31 Dec 9999 23:59:59 GMT", Unix(253402300799)},
        {"", std::nullopt},
        {"garbage", std::nullopt},
        {"1994-11-06T08:49:37Z", std::nullopt},
    };
    for (const Case& c : cases) {
      CAPTURE(c.text);
      CHECK(ParseTime(c.text) == c.want);
    }
  }

  TEST_CASE("FormatTime writes http.TimeFormat and ParseTime reads it back") {
    for (int64_t t : {int64_t{0}, int64_t{784111777}, int64_t{951814177}, int64_t{253402300799}}) {
      std::string s;
      FormatTime(Unix(t), &s);
      CAPTURE(s);
      CHECK(ParseTime(s) == Unix(t));
    }
    std::string s;
    FormatTime(Unix(784111777), &s);
    CHECK(s == "Sun, 06 Nov 1994 08:49:37 GMT");
  }
}
