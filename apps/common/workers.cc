// --workers for the apps that serve: pingd and relay.
#include "workers.h"

#include <charconv>

namespace apps {

std::optional<size_t> ParseWorkers(std::string_view s) {
  if (s == "auto") return 0;
  size_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  // 1024: far past any machine's cores, short of a thread count that only
  // a typo asks for.
  if (ec != std::errc() || end != s.data() + s.size() || n == 0 || n > 1024) return std::nullopt;
  return n;
}

}  // namespace apps
