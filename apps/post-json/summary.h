// post-json --repeat statistics, sans-I/O: main.cc records each request's
// outcome (status and latency, or a transport failure) and prints Format()'s
// lines on stdout. Pinned by tests/apps/summary_test.cc.
#ifndef POST_JSON_SUMMARY_H_
#define POST_JSON_SUMMARY_H_

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace postjson {

using Latency = std::chrono::nanoseconds;

// Summary counts the outcomes of N requests. Each request counts once: under
// its status when the whole response (head and body) arrived, under failures
// otherwise (refused, DNS, timeout, malformed or truncated response).
class Summary {
 public:
  // AddResponse records a response read to its end, latency measured from
  // sending the request to the body's last byte.
  void AddResponse(int status_code, Latency latency);
  // AddFailure records a request that got no complete response; the first
  // message is kept for the one stderr line main.cc prints.
  void AddFailure(std::string_view message);

  size_t requests() const { return latencies_.size() + failures_; }
  size_t failures() const { return failures_; }
  const std::string& first_failure() const { return first_failure_; }

  // Format returns the SPEC §3 lines, in this order, each "name: value\n":
  //   requests: N
  //   failures: F
  //   status NNN: K        one per status seen, ascending
  //   requests/s: R        N / elapsed, one decimal
  //   p50: 0.42ms          p90, p99 likewise; latency of complete responses
  //                        only ("n/a" when there is none)
  //   connections: K       TCP connections the Client opened
  std::string Format(Latency elapsed, size_t connections) const;

  // ExitCode is post-json's exit status for the run: 0 when every request
  // got a response below 400; 3 when every request failed in transport (the
  // server was never really reached, as a single request's 3); 1 otherwise
  // (some failures, or some status >= 400).
  int ExitCode() const;

 private:
  std::map<int, size_t> statuses_;
  std::vector<Latency> latencies_;
  size_t failures_ = 0;
  std::string first_failure_;
};

// Percentile returns the nearest-rank p-th percentile (0 < percent <= 100)
// of sorted: the value at rank ceil(percent/100 * n), 1-based, computed in
// integers so that p99 of 100 values is exactly the 99th. No interpolation:
// the answer is always a latency that was measured. sorted must be non-empty.
Latency Percentile(const std::vector<Latency>& sorted, int percent);

// FormatLatency writes a latency in milliseconds with two decimals ("0.42ms",
// "1234.50ms"), rounded to the nearest 10 us. One unit for every value keeps
// the lines comparable by eye and by script; loopback round trips are tens
// of microseconds and up, so 10 us resolution loses nothing that matters.
std::string FormatLatency(Latency latency);

}  // namespace postjson

#endif  // POST_JSON_SUMMARY_H_
