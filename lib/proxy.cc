// ProxyConfig, ProxyFromEnvironment and ProxyURL: which proxy, if any, a
// request goes through (Go: x/net/http/httpproxy/proxy.go and the two
// functions of net/http/transport.go). Sans-I/O; transport.cc dials the result.
#include "nethttp/proxy.h"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "internal/ascii.h"
#include "internal/host_port.h"

namespace nethttp {
namespace {

// GetEnvAny returns the first of names set to a non-empty value (Go:
// getEnvAny), so an empty HTTP_PROXY falls through to http_proxy.
std::string GetEnvAny(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return v;
  }
  return {};
}

// Quote is Go's %q for the ASCII bytes an environment value may hold:
// quotes and backslashes escaped, control bytes as \xNN so that a bad value
// cannot break the log line that reports it. Bytes >= 0x80 pass through.
std::string Quote(std::string_view s) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (b < 0x20 || b == 0x7f) {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// IP is Go's net.IP reduced to what matching needs: 16 bytes, an IPv4
// address in its IPv4-mapped form (::ffff:a.b.c.d), so that Go's Equal,
// which treats the 4- and 16-byte forms of one IPv4 address as equal, is
// plain byte equality here.
struct IP {
  std::array<uint8_t, 16> b{};

  // V4 is Go's To4() != nil: an IPv4 address, or IPv4-mapped IPv6.
  bool V4() const {
    for (int i = 0; i < 10; ++i) {
      if (b[i] != 0) return false;
    }
    return b[10] == 0xff && b[11] == 0xff;
  }
  // IsLoopback is Go's IP.IsLoopback: 127.0.0.0/8, or ::1.
  bool IsLoopback() const {
    if (V4()) return b[12] == 127;
    static constexpr std::array<uint8_t, 16> kLoopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                       0, 0, 0, 0, 0, 0, 0, 1};
    return b == kLoopback;
  }
  bool operator==(const IP&) const = default;
};

// ParseIPv4 is Go's parseIPv4 (dotted decimal, no leading zeros since Go
// 1.17; glibc's inet_pton agrees) into the mapped form.
bool ParseIPv4(const std::string& s, IP* ip) {
  ip->b = {};
  ip->b[10] = ip->b[11] = 0xff;
  return inet_pton(AF_INET, s.c_str(), ip->b.data() + 12) == 1;
}

// ParseIPv6 is Go's parseIPv6: no zone, an IPv4 tail allowed.
bool ParseIPv6(const std::string& s, IP* ip) {
  return inet_pton(AF_INET6, s.c_str(), ip->b.data()) == 1;
}

// ParseIP is Go's net.ParseIP: IPv4 or IPv6, never a zone. Used on NO_PROXY
// entries, as Go does.
std::optional<IP> ParseIP(std::string_view s) {
  IP ip;
  const std::string str(s);
  if (ParseIPv4(str, &ip) || ParseIPv6(str, &ip)) return ip;
  return std::nullopt;
}

// ParseAddr is Go's netip.ParseAddr, which x/net's useProxy uses on the
// request's host since the fix for CVE-2025-22870: unlike ParseIP it takes
// an IPv6 zone ("fe80::1%en0"; non-empty, and never on IPv4) and drops it
// (Go: AsSlice). So "[1000::%25.example.com]" is an IP address to match,
// never a host name ending in ".example.com".
std::optional<IP> ParseAddr(std::string_view s) {
  const size_t pct = s.find('%');
  if (pct == std::string_view::npos) return ParseIP(s);
  if (pct + 1 == s.size()) return std::nullopt;  // "zone must be a non-empty string"
  IP ip;
  if (!ParseIPv6(std::string(s.substr(0, pct)), &ip)) return std::nullopt;
  return ip;
}

// Cidr is Go's *net.IPNet as ParseCIDR builds it. Go's Contains compares an
// IPv4 network only with IPv4 addresses and an IPv6 one only with IPv6
// ones; in the mapped form both are a prefix of 16 bytes (an IPv4 /n is the
// mapped /96+n) plus that family check.
struct Cidr {
  IP network;  // masked
  int prefix_bits = 0;
  bool v4 = false;

  bool Contains(const IP& ip) const {
    if (ip.V4() != v4) return false;
    for (int bit = 0; bit < prefix_bits; bit += 8) {
      const int n = prefix_bits - bit;
      const uint8_t mask = n >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - n));
      if ((ip.b[bit / 8] & mask) != network.b[bit / 8]) return false;
    }
    return true;
  }
};

// ParseCIDR is Go's net.ParseCIDR: "ip/n" with n decimal and at most the
// address's bit length (Go's dtoi allows leading zeros: "10.0.0.0/08").
std::optional<Cidr> ParseCIDR(std::string_view s) {
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string addr(s.substr(0, slash));
  const std::string_view mask = s.substr(slash + 1);
  Cidr cidr;
  int max_bits = 32;
  if (!ParseIPv4(addr, &cidr.network)) {
    if (!ParseIPv6(addr, &cidr.network)) return std::nullopt;
    max_bits = 128;
  }
  if (mask.empty()) return std::nullopt;
  int n = 0;
  for (char c : mask) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
    if (n > max_bits) return std::nullopt;
  }
  cidr.prefix_bits = max_bits == 32 ? 96 + n : n;
  for (int i = 0; i < 16; ++i) {
    const int n_here = cidr.prefix_bits - i * 8;
    if (n_here >= 8) continue;
    cidr.network.b[i] &= n_here <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - n_here));
  }
  // Go's networkNumberAndMask: a network whose masked address is
  // IPv4-mapped ("::ffff:10.0.0.0/104") is an IPv4 network.
  cidr.v4 = cidr.network.V4();
  return cidr;
}

// IpMatch is Go's ipMatch: one address, and a port unless port is empty.
struct IpMatch {
  IP ip;
  std::string port;
};

// DomainMatch is Go's domainMatch. host always starts with '.', so a
// suffix match falls on a label boundary; match_host also accepts host
// without that dot (the entry had no leading "." or "*.").
struct DomainMatch {
  std::string host;
  std::string port;
  bool match_host = false;
};

// ParsedProxy is one proxy setting after parseProxy: unset, a URL, or the
// Error ProxyForURL returns when a request would use it.
struct ParsedProxy {
  bool set = false;
  URL url;
  Error error;
};

// ParseProxy is x/net's parseProxy as of "httpproxy: allow any scheme"
// (2023): a value without a scheme or host ("proxy", "proxy:3128",
// "127.0.0.1:8080") is read as "http://" + value. Go 1.19 also prefixed
// every scheme other than http, https and socks5, so "foo://h" became the
// nonsense "http://foo://h"; now the scheme is kept and the Transport
// refuses it by name (proxy_test "Go's proxyForURLTests", "foo://host").
//
// Unlike Go we prefix only a value without "://": Go also retries
// "http://[::1" and "http://", and gets "http://http://[::1" and
// "http://http://", proxies on the host "http:". Those are errors here,
// pinned by proxy_test "invalid proxy values are errors when used".
ParsedProxy ParseProxy(const std::string& value) {
  ParsedProxy p;
  if (value.empty()) return p;
  p.set = true;
  Result<URL> parsed = Parse(value);
  const bool bogus = !parsed.ok() || parsed->scheme.empty() || parsed->host.empty();
  if (bogus && value.find("://") == std::string::npos) {
    if (Result<URL> with_http = Parse("http://" + value); with_http.ok()) {
      p.url = std::move(*with_http);
      return p;
    }
  }
  if (!parsed.ok()) {
    p.error = Error(ErrorCode::kInvalidUrl,
                    "invalid proxy address " + Quote(value) + ": " + parsed.error().message());
    return p;
  }
  // Go returns the URL as parsed ("a b" is a path, and "http://a b" is not
  // a URL) and its Transport then dials ":" and fails; say what is wrong
  // instead. Pinned by proxy_test "invalid proxy values are errors when used".
  if (parsed->host.empty()) {
    p.error = Error(ErrorCode::kInvalidUrl, "invalid proxy address " + Quote(value) + ": no host");
    return p;
  }
  p.url = std::move(*parsed);
  return p;
}

// ParsedConfig is httpproxy's unexported config: the settings parsed once by
// ProxyConfig::ProxyFunc, shared read-only by every copy of the function.
class ParsedConfig {
 public:
  explicit ParsedConfig(const ProxyConfig& cfg)
      : http_proxy_(ParseProxy(cfg.http_proxy)),
        https_proxy_(ParseProxy(cfg.https_proxy)),
        cgi_(cfg.cgi) {
    ParseNoProxy(cfg.no_proxy);
  }

  // ProxyForURL is Go's proxyForURL; ProxyConfig::ProxyFunc documents it.
  Result<std::optional<URL>> ProxyForURL(const URL& req_url) const {
    const ParsedProxy* proxy = nullptr;
    if (req_url.scheme == "https") {
      proxy = &https_proxy_;
    } else if (req_url.scheme == "http") {
      proxy = &http_proxy_;
      if (proxy->set && cgi_) {
        return Error(ErrorCode::kInvalidArgument,
                     "refusing to use HTTP_PROXY value in CGI environment; see "
                     "golang.org/s/cgihttpproxy");
      }
    }
    if (proxy == nullptr || !proxy->set) return std::optional<URL>();
    if (!UseProxy(req_url)) return std::optional<URL>();
    if (proxy->error) return proxy->error;
    return std::optional<URL>(proxy->url);
  }

 private:
  // ParseNoProxy is the NO_PROXY half of Go's config.init. Entries are
  // split on ',' only (Go; "a.com b.com" is one entry that matches
  // nothing) and trimmed and lowered; what parses as nothing is skipped.
  void ParseNoProxy(std::string_view no_proxy) {
    while (true) {
      const size_t comma = no_proxy.find(',');
      const std::string p = ToLower(TrimSpace(no_proxy.substr(0, comma)));
      if (!p.empty()) {
        if (p == "*") {
          all_ = true;
          return;
        }
        AddEntry(p);
      }
      if (comma == std::string_view::npos) return;
      no_proxy.remove_prefix(comma + 1);
    }
  }

  void AddEntry(std::string_view p) {
    // IPv4/CIDR, IPv6/CIDR
    if (std::optional<Cidr> cidr = ParseCIDR(p)) {
      cidrs_.push_back(*cidr);
      return;
    }
    // IPv4:port, [IPv6]:port; anything else is a host without a port.
    std::string_view phost = p;
    std::string_view pport;
    std::string_view h;
    std::string_view port;
    if (SplitHostPort(p, &h, &port)) {
      if (h.empty()) return;  // ":1": no host part, malformed
      phost = h;
      pport = port;
    }
    if (std::optional<IP> ip = ParseIP(phost)) {
      ips_.push_back(IpMatch{*ip, std::string(pport)});
      return;
    }
    // domain.com or domain.com:80 (also matches bar.domain.com),
    // .domain.com or .domain.com:port, *.domain.com or *.domain.com:port.
    // Go converts a non-ASCII name to punycode here (IDNA); we compare the
    // bytes as written, as we do for the request's host.
    if (phost.starts_with("*.")) phost.remove_prefix(1);
    DomainMatch m;
    m.port = pport;
    if (phost.front() != '.') {
      m.match_host = true;
      m.host = ".";
    }
    m.host += phost;
    domains_.push_back(std::move(m));
  }

  // UseProxy is Go's useProxy(canonicalAddr(req_url)): false for
  // localhost, loopback addresses, and hosts NO_PROXY matches.
  bool UseProxy(const URL& req_url) const {
    // canonicalAddr: the host (brackets removed, zone kept) and the port,
    // the scheme's default when absent, joined as net.JoinHostPort does and
    // split again by net.SplitHostPort: a host it cannot split is never
    // proxied, as in Go. Go maps the host to punycode (IDNA) first; we
    // don't, as the Transport dials the host as written (request_writer.cc's
    // CleanHost skips IDNA too).
    const std::string hostname = req_url.Hostname();
    std::string port = req_url.Port();
    if (port.empty()) {
      if (req_url.scheme == "http") port = "80";
      if (req_url.scheme == "https") port = "443";
      if (req_url.scheme == "socks5") port = "1080";
    }
    std::string addr = hostname.find(':') == std::string::npos
                           ? hostname + ":" + port
                           : "[" + hostname + "]:" + port;
    std::string_view host;
    std::string_view addr_port;
    if (!SplitHostPort(addr, &host, &addr_port)) return false;
    if (host == "localhost") return false;
    const std::optional<IP> ip = ParseAddr(host);
    if (ip && ip->IsLoopback()) return false;
    if (all_) return false;
    if (ip) {
      for (const Cidr& m : cidrs_) {
        if (m.Contains(*ip)) return false;
      }
      for (const IpMatch& m : ips_) {
        if (m.ip == *ip && (m.port.empty() || m.port == addr_port)) return false;
      }
      // x/net's domainMatch no longer matches an IP address (CVE-2025-22870):
      // "1.1" or ".example.com" must not catch "192.168.1.1" or
      // "[1000::%25.example.com]".
      return true;
    }
    const std::string lower = ToLower(TrimSpace(host));
    for (const DomainMatch& m : domains_) {
      const bool host_match =
          lower.ends_with(m.host) ||
          (m.match_host && std::string_view(lower) == std::string_view(m.host).substr(1));
      if (host_match && (m.port.empty() || m.port == addr_port)) return false;
    }
    return true;
  }

  ParsedProxy http_proxy_;
  ParsedProxy https_proxy_;
  bool cgi_ = false;
  bool all_ = false;  // NO_PROXY held "*"
  std::vector<Cidr> cidrs_;
  std::vector<IpMatch> ips_;
  std::vector<DomainMatch> domains_;
};

}  // namespace

ProxyConfig ProxyConfig::FromEnvironment() {
  ProxyConfig cfg;
  cfg.http_proxy = GetEnvAny({"HTTP_PROXY", "http_proxy"});
  cfg.https_proxy = GetEnvAny({"HTTPS_PROXY", "https_proxy"});
  cfg.no_proxy = GetEnvAny({"NO_PROXY", "no_proxy"});
  cfg.cgi = !GetEnvAny({"REQUEST_METHOD"}).empty();
  return cfg;
}

ProxyForURLFunc ProxyConfig::ProxyFunc() const {
  // Shared and const: copies of the function are cheap and may run on
  // several threads at once.
  auto config = std::make_shared<const ParsedConfig>(*this);
  return [config](const URL& req_url) { return config->ProxyForURL(req_url); };
}

Result<std::optional<URL>> ProxyFromEnvironment(const Request& req) {
  // Go's envProxyFunc under sync.Once; a function-local static is
  // initialised once, thread-safely (C++11 [stmt.dcl]/4).
  static const ProxyForURLFunc env_proxy_func = ProxyConfig::FromEnvironment().ProxyFunc();
  return env_proxy_func(req.url);
}

ProxyFunc ProxyURL(URL fixed) {
  return [fixed = std::move(fixed)](const Request&) {
    return Result<std::optional<URL>>(std::optional<URL>(fixed));
  };
}

}  // namespace nethttp
