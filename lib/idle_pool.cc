// The idle pool's key (Go: connectMethod.key, canonicalAddr). The pool
// itself is a template in internal/idle_pool.h; transport.cc uses it with
// PersistConn.
#include "internal/idle_pool.h"

#include <string>

namespace nethttp {

bool SplitHostPort(std::string_view addr, std::string* host, std::string* port) {
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

Result<ConnectMethodKey> KeyForURL(const URL& url) {
  if (url.scheme != "http") {
    // Go: Transport.roundTrip's `unsupported protocol scheme "https"`. TLS
    // is not part of this library yet.
    return Error(ErrorCode::kInvalidUrl, "unsupported protocol scheme \"" + url.scheme + "\"");
  }
  if (url.host.empty()) return Error(ErrorCode::kInvalidUrl, "http: no Host in request URL");
  std::string host, port;
  if (!SplitHostPort(url.host, &host, &port) || host.empty()) {
    return Error(ErrorCode::kInvalidUrl, "http: invalid host in request URL \"" + url.host + "\"");
  }
  if (port.empty()) port = "80";  // Go: canonicalAddr with portMap["http"]
  bool v6 = host.find(':') != std::string::npos;
  return ConnectMethodKey{url.scheme, (v6 ? "[" + host + "]" : host) + ":" + port};
}

}  // namespace nethttp
