// post-json --repeat statistics (summary.h): counts, nearest-rank
// percentiles and the exact output lines. No I/O: main.cc prints Format().
#include "summary.h"

#include <algorithm>
#include <cstdio>

namespace postjson {

void Summary::AddResponse(int status_code, Latency latency) {
  ++statuses_[status_code];
  latencies_.push_back(latency);
}

void Summary::AddFailure(std::string_view message) {
  if (failures_ == 0) first_failure_ = std::string(message);
  ++failures_;
}

std::string Summary::Format(Latency elapsed, size_t connections) const {
  std::string out;
  out += "requests: " + std::to_string(requests()) + "\n";
  out += "failures: " + std::to_string(failures_) + "\n";
  for (const auto& [status, count] : statuses_) {
    out += "status " + std::to_string(status) + ": " + std::to_string(count) + "\n";
  }
  // A zero elapsed time (a clock too coarse for a tiny run) would divide by
  // zero; one nanosecond keeps the rate finite.
  double seconds = std::chrono::duration<double>(std::max(elapsed, Latency(1))).count();
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.1f", static_cast<double>(requests()) / seconds);
  out += "requests/s: " + std::string(rate) + "\n";
  std::vector<Latency> sorted = latencies_;
  std::sort(sorted.begin(), sorted.end());
  for (int p : {50, 90, 99}) {
    out += "p" + std::to_string(p) + ": " +
           (sorted.empty() ? std::string("n/a") : FormatLatency(Percentile(sorted, p))) + "\n";
  }
  out += "connections: " + std::to_string(connections) + "\n";
  return out;
}

int Summary::ExitCode() const {
  if (requests() > 0 && failures_ == requests()) return 3;
  if (failures_ > 0) return 1;
  for (const auto& [status, count] : statuses_) {
    if (status >= 400) return 1;
  }
  return 0;
}

Latency Percentile(const std::vector<Latency>& sorted, int percent) {
  // Nearest rank: the smallest value with at least percent% of values <= it.
  size_t n = sorted.size();
  size_t rank = (static_cast<size_t>(percent) * n + 99) / 100;
  rank = std::clamp<size_t>(rank, 1, n);
  return sorted[rank - 1];
}

std::string FormatLatency(Latency latency) {
  double ms = std::chrono::duration<double, std::milli>(latency).count();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2fms", ms);
  return buf;
}

}  // namespace postjson
