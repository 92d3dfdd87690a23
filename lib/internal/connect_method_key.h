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

// ConnectMethodKey names where a connection goes (Go: connectMethodKey,
// without the proxy part: we have no proxies). addr is "host:port" with the
// scheme's default port filled in, so "http://a/" and "http://a:80/" share
// connections.
struct ConnectMethodKey {
  std::string scheme;  // "http" or "https": the two never share a connection
  std::string addr;    // "example.com:80", "[::1]:8080"

  std::string String() const { return scheme + "|" + addr; }
  bool operator==(const ConnectMethodKey&) const = default;
};

// KeyForURL builds the key for a request URL, or an error for a scheme the
// Transport cannot speak (Go: 'unsupported protocol scheme "ftp"') or a
// URL without a host (Go: "http: no Host in request URL").
Result<ConnectMethodKey> KeyForURL(const URL& url);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_CONNECT_METHOD_KEY_H_
