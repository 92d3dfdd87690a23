// Splitting "host:port" (Go: net/ipsock.go's SplitHostPort). Which of the
// splitters a caller wants, and why there is more than one, is said in
// internal/host_port.h; url.cc keeps net/url's own.
#include "internal/host_port.h"

namespace nethttp {

bool SplitHostPort(std::string_view hostport, std::string_view* host, std::string_view* port,
                   std::string_view* why) {
  auto fail = [why](std::string_view reason) {
    if (why != nullptr) *why = reason;
    return false;
  };
  // The port starts after the last colon.
  const size_t colon = hostport.rfind(':');
  if (colon == std::string_view::npos) return fail("missing port in address");
  std::string_view h;
  size_t j = 0;  // there can't be a '[' before j, nor a ']' before k
  size_t k = 0;
  if (hostport.front() == '[') {
    // Expect the first ']' just before the last ':'.
    const size_t end = hostport.find(']');
    if (end == std::string_view::npos) return fail("missing ']' in address");
    if (end + 1 == hostport.size()) return fail("missing port in address");
    if (end + 1 != colon) {
      // Either ']' isn't followed by a colon, or it is followed by a
      // colon that is not the last one.
      return fail(hostport[end + 1] == ':' ? "too many colons in address" : "missing port in address");
    }
    h = hostport.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    h = hostport.substr(0, colon);
    if (h.find(':') != std::string_view::npos) return fail("too many colons in address");
  }
  if (hostport.find('[', j) != std::string_view::npos) return fail("unexpected '[' in address");
  if (hostport.find(']', k) != std::string_view::npos) return fail("unexpected ']' in address");
  *host = h;
  *port = hostport.substr(colon + 1);
  return true;
}

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
