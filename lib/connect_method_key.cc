// The key a client connection is pooled and counted by (Go: connectMethod.key,
// canonicalAddr). The pool itself is a template in internal/idle_pool.h;
// transport.cc uses both.
#include "internal/connect_method_key.h"

#include <string>

#include "internal/host_port.h"

namespace nethttp {

Result<ConnectMethodKey> KeyForURL(const URL& url) {
  if (url.scheme != "http" && url.scheme != "https") {
    // Go: Transport.roundTrip's `unsupported protocol scheme "ftp"`.
    return Error(ErrorCode::kInvalidUrl, "unsupported protocol scheme \"" + url.scheme + "\"");
  }
  if (url.host.empty()) return Error(ErrorCode::kInvalidUrl, "http: no Host in request URL");
  std::string host, port;
  if (!SplitHostOptionalPort(url.host, &host, &port) || host.empty()) {
    return Error(ErrorCode::kInvalidUrl, "http: invalid host in request URL \"" + url.host + "\"");
  }
  if (port.empty()) port = url.scheme == "https" ? "443" : "80";  // Go: canonicalAddr, portMap
  bool v6 = host.find(':') != std::string::npos;
  return ConnectMethodKey{url.scheme, (v6 ? "[" + host + "]" : host) + ":" + port};
}

}  // namespace nethttp
