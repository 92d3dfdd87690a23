// Choosing a proxy for a request: Go's ProxyFromEnvironment and ProxyURL
// (net/http/transport.go) over x/net/http/httpproxy's Config. Pure: it reads
// the environment and URLs and never opens a socket; the Transport
// (transport.cc) calls one of these and dials what it returns.
#ifndef NETHTTP_PROXY_H_
#define NETHTTP_PROXY_H_

#include <functional>
#include <optional>
#include <string>

#include "nethttp/error.h"
#include "nethttp/request.h"
#include "nethttp/url.h"

namespace nethttp {

// ProxyFunc is what a Transport asks for the proxy of each request (Go: the
// type of Transport.Proxy, func(*Request) (*url.URL, error)). No value
// means a direct connection; an Error fails the request with it.
using ProxyFunc = std::function<Result<std::optional<URL>>(const Request&)>;

// ProxyForURLFunc is ProxyConfig's compiled form, asked with the request's
// URL alone (Go: the func(*url.URL) (*url.URL, error) that
// httpproxy.Config.ProxyFunc returns).
using ProxyForURLFunc = std::function<Result<std::optional<URL>>(const URL& req_url)>;

// ProxyConfig holds the proxy settings as the environment spells them
// (Go: httpproxy.Config). Nothing is parsed here: ProxyFunc does that once.
struct ProxyConfig {
  // http_proxy is HTTP_PROXY or http_proxy: the proxy for http requests
  // unless no_proxy excludes them. A full URL, or "host[:port]" meaning
  // "http://host[:port]".
  std::string http_proxy{};
  // https_proxy is HTTPS_PROXY or https_proxy: the proxy for https
  // requests (never http_proxy, even when this is empty).
  std::string https_proxy{};
  // no_proxy is NO_PROXY or no_proxy: comma-separated hosts that go direct.
  // Each is an IP address (1.2.3.4, 2001:db8::1), a CIDR range
  // (10.0.0.0/8), or a domain name, which matches itself and its
  // subdomains ("foo.com" matches "foo.com" and "bar.foo.com"); a leading
  // "." or "*." matches subdomains only (".y.com" matches "x.y.com", not
  // "y.com"). An IP address or domain may end in ":port" to match that
  // port only. "*" alone matches every host. Entries that parse as none of
  // these are ignored, as in Go: a best effort, never an error.
  std::string no_proxy{};
  // cgi is true when this process runs as a CGI handler. There a client's
  // "Proxy:" request header arrives as HTTP_PROXY (httpoxy,
  // https://golang.org/s/cgihttpproxy), so http_proxy cannot be trusted
  // and an http request that would use it fails instead.
  bool cgi = false;

  // FromEnvironment reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY (each upper
  // case first, then lower case; an empty value counts as unset), and sets
  // cgi when REQUEST_METHOD is non-empty (Go: httpproxy.FromEnvironment).
  static ProxyConfig FromEnvironment();

  // ProxyFunc parses the settings once and returns the function that
  // picks the proxy for a request URL (Go: Config.ProxyFunc). It holds its
  // own copy: changing this config afterwards does not affect it. It is
  // safe to call from several threads at once.
  //
  // The function returns no value (a direct connection) when the URL's
  // scheme has no proxy set, when its host is "localhost" or a loopback
  // address, or when no_proxy matches host and port (the scheme's default
  // port when the URL has none). Otherwise it returns the proxy URL, or an
  // Error for a setting we cannot use:
  //  - cgi with http_proxy set, for any http request (kInvalidArgument,
  //    Go's text: "refusing to use HTTP_PROXY value in CGI environment;
  //    see golang.org/s/cgihttpproxy"), checked first as in Go;
  //  - a proxy value that does not parse, or parses without a host, also
  //    with "http://" in front when it has no "://" of its own
  //    (kInvalidUrl, "invalid proxy address ..."; Go silently goes direct).
  // The proxy's scheme is returned as written ("socks5://h", "foo://h"),
  // as in Go: the Transport, which knows what it can dial, refuses the
  // ones it cannot (kNotSupported), for this function and any other.
  ProxyForURLFunc ProxyFunc() const;
};

// ProxyFromEnvironment returns the proxy for req as the environment sets it
// (Go: http.ProxyFromEnvironment): ProxyConfig::FromEnvironment().ProxyFunc()
// asked with req.url. The environment is read on the first call only, once
// per process, as Go's envProxyFunc does under its sync.Once: the variables
// are process-wide and a program that changes them later is not expected
// to change where requests go. Thread-safe.
Result<std::optional<URL>> ProxyFromEnvironment(const Request& req);

// ProxyURL returns a ProxyFunc that always returns fixed (Go:
// http.ProxyURL), for a Transport with a proxy of its own choosing.
ProxyFunc ProxyURL(URL fixed);

}  // namespace nethttp

#endif  // NETHTTP_PROXY_H_
