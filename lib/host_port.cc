// Splitting "host:port" (Go: net/ipsock.go's SplitHostPort). Which of the
// splitters a caller wants, and why there is more than one, is said in
// internal/host_port.h, which also holds SplitHostPort itself (inline, for
// the mux's per-request call); url.cc keeps net/url's own.
#include "internal/host_port.h"

namespace nethttp {

bool SplitHostOptionalPort(std::string_view addr, std::string* host, std::string* port) {
  if (!addr.empty() && addr.front() == '[') {
    size_t close = addr.find(']');
    if (close == std::string_view::npos) return false;
    *host = std::string(addr.substr(1, close - 1));
    std::string_view rest = addr.substr(close + 1);
    if (rest.empty()) {
      port->clear();
      return true;
    }
    if (rest.front() != ':') return false;
    *port = std::string(rest.substr(1));
    return true;
  }
  size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) {
    *host = std::string(addr);
    port->clear();
    return true;
  }
  // A second colon without brackets is an IPv6 literal missing its
  // brackets, which Go refuses too ("too many colons").
  if (addr.find(':') != colon) return false;
  *host = std::string(addr.substr(0, colon));
  *port = std::string(addr.substr(colon + 1));
  return true;
}

}  // namespace nethttp
