// Tests for apps/post-json/summary.cc: nearest-rank percentiles, latency
// formatting, the exact --repeat output lines and the exit status rule.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "summary.h"

namespace postjson {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

std::vector<Latency> Range(int n) {
  std::vector<Latency> v;
  for (int i = 1; i <= n; ++i) v.push_back(milliseconds(i));
  return v;
}

TEST_SUITE("post-json summary") {
  TEST_CASE("Percentile is nearest rank") {
    std::vector<Latency> hundred = Range(100);
    CHECK(Percentile(hundred, 50) == milliseconds(50));
    CHECK(Percentile(hundred, 90) == milliseconds(90));
    CHECK(Percentile(hundred, 99) == milliseconds(99));
    CHECK(Percentile(hundred, 100) == milliseconds(100));
    std::vector<Latency> ten = Range(10);
    CHECK(Percentile(ten, 50) == milliseconds(5));
    CHECK(Percentile(ten, 90) == milliseconds(9));
    CHECK(Percentile(ten, 99) == milliseconds(10));
    std::vector<Latency> one = {microseconds(7)};
    CHECK(Percentile(one, 50) == microseconds(7));
    CHECK(Percentile(one, 99) == microseconds(7));
    // Wikipedia's example: 15, 20, 35, 40, 50 -> p30 = 20, p40 = 20, p50 = 35.
    std::vector<Latency> wiki = {milliseconds(15), milliseconds(20), milliseconds(35),
                                 milliseconds(40), milliseconds(50)};
    CHECK(Percentile(wiki, 30) == milliseconds(20));
    CHECK(Percentile(wiki, 40) == milliseconds(20));
    CHECK(Percentile(wiki, 50) == milliseconds(35));
    CHECK(Percentile(wiki, 100) == milliseconds(50));
    std::vector<Latency> ten_thousand;
    for (int i = 1; i <= 10000; ++i) ten_thousand.push_back(microseconds(i));
    CHECK(Percentile(ten_thousand, 99) == microseconds(9900));
  }

  TEST_CASE("FormatLatency: milliseconds, two decimals") {
    CHECK(FormatLatency(microseconds(420)) == "0.42ms");
    CHECK(FormatLatency(microseconds(0)) == "0.00ms");
    CHECK(FormatLatency(microseconds(1234)) == "1.23ms");
    CHECK(FormatLatency(microseconds(1235500)) == "1235.50ms");
    CHECK(FormatLatency(std::chrono::nanoseconds(4999)) == "0.00ms");
    CHECK(FormatLatency(std::chrono::nanoseconds(5001)) == "0.01ms");
  }

  TEST_CASE("Format prints the SPEC lines in order") {
    Summary s;
    for (int i = 1; i <= 8; ++i) s.AddResponse(200, microseconds(100 * i));
    s.AddResponse(404, microseconds(900));
    s.AddResponse(201, microseconds(1000));
    CHECK(s.requests() == 10);
    CHECK(s.failures() == 0);
    CHECK(s.Format(std::chrono::seconds(2), 3) ==
          "requests: 10\n"
          "failures: 0\n"
          "status 200: 8\n"
          "status 201: 1\n"
          "status 404: 1\n"
          "requests/s: 5.0\n"
          "p50: 0.50ms\n"
          "p90: 0.90ms\n"
          "p99: 1.00ms\n"
          "connections: 3\n");
  }

  TEST_CASE("failures count as requests but not in latencies") {
    Summary s;
    s.AddFailure("dial tcp 127.0.0.1:9: connection refused");
    s.AddResponse(200, milliseconds(2));
    s.AddFailure("second");
    CHECK(s.requests() == 3);
    CHECK(s.failures() == 2);
    CHECK(s.first_failure() == "dial tcp 127.0.0.1:9: connection refused");
    CHECK(s.Format(milliseconds(1500), 1) ==
          "requests: 3\n"
          "failures: 2\n"
          "status 200: 1\n"
          "requests/s: 2.0\n"
          "p50: 2.00ms\n"
          "p90: 2.00ms\n"
          "p99: 2.00ms\n"
          "connections: 1\n");
  }

  TEST_CASE("no response at all: latencies are n/a") {
    Summary s;
    s.AddFailure("refused");
    CHECK(s.Format(Latency(0), 0) ==
          "requests: 1\n"
          "failures: 1\n"
          "requests/s: 1000000000.0\n"
          "p50: n/a\n"
          "p90: n/a\n"
          "p99: n/a\n"
          "connections: 0\n");
  }

  TEST_CASE("ExitCode") {
    Summary ok;
    ok.AddResponse(200, milliseconds(1));
    ok.AddResponse(399, milliseconds(1));
    CHECK(ok.ExitCode() == 0);

    Summary http_error = ok;
    http_error.AddResponse(500, milliseconds(1));
    CHECK(http_error.ExitCode() == 1);

    Summary some_failed = ok;
    some_failed.AddFailure("x");
    CHECK(some_failed.ExitCode() == 1);

    Summary all_failed;
    all_failed.AddFailure("x");
    all_failed.AddFailure("y");
    CHECK(all_failed.ExitCode() == 3);
  }
}

}  // namespace
}  // namespace postjson
