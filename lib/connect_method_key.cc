// The key a client connection is pooled and counted by (Go: connectMethod.key,
// canonicalAddr). The pool itself is a template in internal/idle_pool.h;
// transport.cc uses both.
#include "internal/connect_method_key.h"

#include <string>

#include "internal/base64.h"
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
  Result<ConnectMethodKey> result{ConnectMethodKey{}};
  ConnectMethodKey& key = *result;  // built in place: every request comes here
  key.scheme = url.scheme;
  // The exact size: "127.0.0.1:8080" then fits the string's own buffer,
  // where a rounder reserve would allocate.
  key.addr.reserve(host.size() + 1 + port.size() + (v6 ? 2 : 0));
  if (v6) key.addr.push_back('[');
  key.addr.append(host);
  if (v6) key.addr.push_back(']');
  key.addr.append(":").append(port);
  return result;
}

Result<ConnectMethodKey> ThroughProxy(ConnectMethodKey key, const URL& proxy_url) {
  if (proxy_url.scheme != "http") {
    return Error(ErrorCode::kNotSupported,
                 "proxy: scheme \"" + proxy_url.scheme + "\" is not supported (only http:// proxies)");
  }
  URL dial = proxy_url;
  dial.scheme = "http";
  Result<ConnectMethodKey> proxy = KeyForURL(dial);
  if (!proxy.ok()) return Error(ErrorCode::kInvalidUrl, "proxy: " + proxy.error().message());
  key.proxy = proxy_url.String();
  key.proxy_addr = proxy->addr;
  if (!proxy_url.user.empty()) {
    // Go: connectMethod.proxyAuth, Basic with the decoded user and password.
    key.proxy_authorization = "Basic " + Base64Encode(proxy_url.Username() + ":" + proxy_url.Password());
  }
  return key;
}

}  // namespace nethttp
