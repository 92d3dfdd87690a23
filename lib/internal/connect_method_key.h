// ConnectMethodKey says where a client connection goes, and so which
// connections a request may share (Go: connectMethodKey and canonicalAddr in
// transport.go). Pure data: the Transport (transport.cc) keys its IdlePool
// (internal/idle_pool.h) and its per-host dial limits by it, and Client
// compares keys across a redirect.
#ifndef NETHTTP_INTERNAL_CONNECT_METHOD_KEY_H_
#define NETHTTP_INTERNAL_CONNECT_METHOD_KEY_H_

#include <string>

#include "nethttp/error.h"
#include "nethttp/url.h"

namespace nethttp {

// ConnectMethodKey names where a connection goes (Go: connectMethodKey):
// straight to the server, or through an HTTP proxy. addr is "host:port"
// with the scheme's default port filled in, so "http://a/" and
// "http://a:80/" share connections.
struct ConnectMethodKey {
  std::string scheme;  // "http" or "https": the two never share a connection
  std::string addr;    // the server: "example.com:80", "[::1]:8080"
  // proxy is the proxy URL, credentials included, so that two users of one
  // proxy never share a connection; empty: no proxy. proxy_addr is where
  // that proxy listens, what is dialed.
  std::string proxy;
  std::string proxy_addr;
  // proxy_authorization is "Basic ..." from the proxy URL's userinfo, sent
  // on CONNECT, or on each request of a proxied http connection.
  std::string proxy_authorization;

  // Through a proxy, plain http requests go to the proxy in absolute form
  // and any connection to it can carry any of them (Go leaves targetAddr
  // out of their key); https ones each get a tunnel to their server.
  bool ProxiedHttp() const { return !proxy.empty() && scheme == "http"; }
  bool Tunneled() const { return !proxy.empty() && scheme == "https"; }
  // DialAddr is the address a connection for this key dials.
  const std::string& DialAddr() const { return proxy.empty() ? addr : proxy_addr; }
  std::string String() const {
    if (proxy.empty()) return scheme + "|" + addr;
    return proxy + "|" + scheme + "|" + (ProxiedHttp() ? std::string() : addr);
  }
  bool operator==(const ConnectMethodKey&) const = default;
};

// KeyForURL builds the key for a request URL, or an error for a scheme the
// Transport cannot speak (Go: 'unsupported protocol scheme "ftp"') or a
// URL without a host (Go: "http: no Host in request URL").
Result<ConnectMethodKey> KeyForURL(const URL& url);

// ThroughProxy makes key go through the proxy at proxy_url, an http://
// URL (Go also speaks https:// and socks5:// to proxies; we do not, yet,
// and say so with kNotSupported).
Result<ConnectMethodKey> ThroughProxy(ConnectMethodKey key, const URL& proxy_url);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_CONNECT_METHOD_KEY_H_
