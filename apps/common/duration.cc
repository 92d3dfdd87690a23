// Go-style durations for pingd's timeout flags.
#include "duration.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace apps {

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double total_ms = 0;
  std::string str(s);
  const char* p = str.c_str();
  bool any = false;
  while (*p != '\0') {
    char* end = nullptr;
    double v = std::strtod(p, &end);
    if (end == p || v < 0 || !std::isfinite(v)) return std::nullopt;
    p = end;
    double unit_ms = 1000;  // a bare number is seconds
    std::string_view rest(p);
    if (rest.rfind("ms", 0) == 0) {
      unit_ms = 1, p += 2;
    } else if (rest.rfind("s", 0) == 0) {
      unit_ms = 1000, p += 1;
    } else if (rest.rfind("m", 0) == 0) {
      unit_ms = 60000, p += 1;
    } else if (rest.rfind("h", 0) == 0) {
      unit_ms = 3600000, p += 1;
    } else if (!rest.empty()) {
      return std::nullopt;
    } else if (any) {
      return std::nullopt;  // "1m30" has no unit on its last part
    }
    total_ms += v * unit_ms;
    any = true;
  }
  if (total_ms > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(total_ms)));
}

}  // namespace apps
