// ServeMux: Go 1.19's request multiplexer (server.go, "ServeMux" section):
// exact patterns in a map, subtree patterns ("/x/") sorted longest first,
// host-specific patterns first, and 301s to clean or slash-terminated paths.
#include "nethttp/serve_mux.h"

#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "internal/host_port.h"
#include "internal/path.h"
#include "nethttp/status.h"

namespace nethttp {
namespace {

// IsCleanRootedPath reports whether CleanMuxPath(p) == p, without building
// it: a rooted path with no empty, "." or ".." element except for a trailing
// slash (which cleanPath keeps). This is every request path in practice, so
// the common case allocates nothing.
bool IsCleanRootedPath(std::string_view p) {
  if (p.empty() || p.front() != '/') return false;
  size_t i = 1;  // start of the current element
  while (i <= p.size()) {
    size_t end = p.find('/', i);
    if (end == std::string_view::npos) end = p.size();
    std::string_view elem = p.substr(i, end - i);
    // An empty element is only allowed as the tail after a trailing slash.
    if (elem.empty() && end != p.size()) return false;
    if (elem == "." || elem == "..") return false;
    i = end + 1;
  }
  return true;
}

// CleanMuxPath is Go's cleanPath: rooted, path.Clean'ed, with a trailing
// slash kept ("/a/b/" names a subtree, so it must not become "/a/b").
std::string CleanMuxPath(std::string_view p) {
  if (p.empty()) return "/";
  std::string rooted;
  if (p.front() != '/') {
    rooted.reserve(p.size() + 1);
    rooted.push_back('/');
    rooted.append(p);
    p = rooted;
  }
  std::string np = CleanPath(p);
  if (p.back() == '/' && np != "/") np.push_back('/');
  return np;
}

// StripHostPort is Go's stripHostPort: h without a ":port", by
// net.SplitHostPort's rules, and h unchanged when those rules reject it.
// Like Go, "[::1]:80" gives "::1" (the brackets go with the port).
std::string_view StripHostPort(std::string_view h) {
  std::string_view host;
  std::string_view port;
  return SplitHostPort(h, &host, &port) ? host : h;
}

// PathURLString is Go's url.URL{Path: path, RawQuery: query}.String(), the
// Location of the mux's own redirects. url.cc owns general URL code; this is
// the one case the mux needs (EscapedPath with encodePath, then the query).
std::string PathURLString(std::string_view path, std::string_view raw_query) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size() + raw_query.size() + 3);
  if (path != "*") {
    // Go: a colon in the first segment would read as a scheme (RFC 3986 §4.2).
    std::string_view first = path.substr(0, path.find('/'));
    if (first.find(':') != std::string_view::npos) out.append("./");
    for (char ch : path) {
      auto c = static_cast<unsigned char>(ch);
      // Go: shouldEscape(c, encodePath) is false for unreserved bytes and for
      // the reserved ones a path may carry, i.e. all but '?'.
      const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        std::string_view("-_.~$&+,/:;=@").find(ch) != std::string_view::npos;
      if (keep) {
        out.push_back(ch);
      } else {
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
      }
    }
  } else {
    out.append(path);  // Go: EscapedPath returns "*" as is
  }
  if (!raw_query.empty()) {
    out.push_back('?');
    out.append(raw_query);
  }
  return out;
}

}  // namespace

nethttp::Error ServeMux::Handle(std::string_view pattern, std::shared_ptr<nethttp::Handler> handler) {
  // Go panics on these three; a C++ caller gets the same text as an Error.
  if (pattern.empty()) return nethttp::Error(ErrorCode::kInvalidPattern, "http: invalid pattern");
  if (!handler) return nethttp::Error(ErrorCode::kInvalidPattern, "http: nil handler");
  std::unique_lock lock(mu_);
  if (m_.find(pattern) != m_.end()) {
    return nethttp::Error(ErrorCode::kInvalidPattern,
                          "http: multiple registrations for " + std::string(pattern));
  }
  auto it = m_.emplace(std::string(pattern), MuxEntry{std::move(handler), std::string(pattern)}).first;
  const MuxEntry* e = &it->second;
  if (pattern.back() == '/') {
    // Go: appendSorted. Insert before the first strictly shorter pattern, so
    // equal lengths keep registration order.
    auto pos = es_.begin();
    while (pos != es_.end() && (*pos)->pattern.size() >= pattern.size()) ++pos;
    es_.insert(pos, e);
  }
  if (pattern.front() != '/') hosts_ = true;
  // Go 1.19 registers no implicit "/tree" -> "/tree/" redirect entry here
  // (older Go did); ShouldRedirect decides it at request time instead, which
  // is why a later Handle("/tree") still wins over the redirect.
  return {};
}

nethttp::Error ServeMux::HandleFunc(std::string_view pattern, HandlerFunc::Func f) {
  if (!f) return nethttp::Error(ErrorCode::kInvalidPattern, "http: nil handler");
  return Handle(pattern, std::make_shared<HandlerFunc>(std::move(f)));
}

const ServeMux::MuxEntry* ServeMux::Match(std::string_view path) const {
  // Go: match. An exact hit first, then the longest subtree prefix; es_ is
  // sorted longest first, so the first prefix found is the longest.
  if (auto it = m_.find(path); it != m_.end()) return &it->second;
  for (const MuxEntry* e : es_) {
    if (path.starts_with(e->pattern)) return e;
  }
  return nullptr;
}

const ServeMux::MuxEntry* ServeMux::HandlerForHostPath(std::string_view host, std::string_view path) const {
  // Go: handler. A host-specific pattern takes precedence over a general one.
  if (hosts_) {
    std::string host_path;
    host_path.reserve(host.size() + path.size());
    host_path.append(host).append(path);
    if (const MuxEntry* e = Match(host_path)) return e;
  }
  return Match(path);
}

bool ServeMux::ShouldRedirect(std::string_view host, std::string_view path) const {
  // Go: shouldRedirectRLocked. Redirect "/tree" to "/tree/" when "/tree/" (or
  // "host/tree/") is registered but "/tree" (and "host/tree") is not.
  //
  // Go always also tries host+path. When no pattern has a host, host+path can
  // only match if it starts with '/', i.e. host is empty (then it is path) or
  // itself starts with '/'; skipping the other cases saves two allocations
  // per request without changing any answer.
  const bool try_host = hosts_ || (!host.empty() && host.front() == '/');
  std::string host_path;
  if (try_host) host_path.append(host).append(path);

  if (m_.find(path) != m_.end()) return false;
  if (try_host && m_.find(host_path) != m_.end()) return false;
  if (path.empty()) return false;

  std::string with_slash;
  with_slash.reserve(path.size() + 1);
  with_slash.append(path).push_back('/');
  if (m_.find(with_slash) != m_.end()) return path.back() != '/';
  if (try_host) {
    host_path.push_back('/');
    if (m_.find(host_path) != m_.end()) return path.back() != '/';
  }
  return false;
}

ServeMux::Route ServeMux::Resolve(const Request& r) const {
  // Go: ServeMux.Handler. The lock is held across the whole decision (Go
  // takes it per step) so one request sees one consistent table.
  std::shared_lock lock(mu_);
  Route route;
  const std::string& raw_path = r.url.path;

  if (r.method == "CONNECT") {
    // Go: CONNECT paths are not canonicalised and the host keeps its port,
    // but the "/tree" -> "/tree/" redirect still applies, checked against
    // the URL's host (the CONNECT authority) as Go does.
    if (ShouldRedirect(r.url.host, raw_path)) {
      route.redirect = true;
      route.redirect_pattern = raw_path + "/";
      route.redirect_url = PathURLString(route.redirect_pattern, r.url.raw_query);
      return route;
    }
    route.entry = HandlerForHostPath(r.host, raw_path);
    return route;
  }

  const std::string_view host = StripHostPort(r.host);
  std::string cleaned;
  const bool clean = IsCleanRootedPath(raw_path);
  if (!clean) cleaned = CleanMuxPath(raw_path);
  const std::string_view path = clean ? std::string_view(raw_path) : std::string_view(cleaned);

  if (clean && !hosts_) {
    // The common case in one lookup: a clean path registered as it is. Go
    // would ask the same map twice (shouldRedirectRLocked, then match), and
    // both answers follow from this hit.
    if (auto it = m_.find(path); it != m_.end()) {
      route.entry = &it->second;
      return route;
    }
  }
  if (ShouldRedirect(host, path)) {
    route.redirect = true;
    route.redirect_pattern.assign(path).push_back('/');
    route.redirect_url = PathURLString(route.redirect_pattern, r.url.raw_query);
    return route;
  }
  if (!clean) {
    // Go: 301 to the clean path, keeping the query; the pattern reported is
    // the one the clean path will match.
    route.redirect = true;
    if (const MuxEntry* e = HandlerForHostPath(host, path)) route.redirect_pattern = e->pattern;
    route.redirect_url = PathURLString(path, r.url.raw_query);
    return route;
  }
  route.entry = HandlerForHostPath(host, path);
  return route;
}

namespace {

// kConnectAllow is the Allow field of the mux's answer to CONNECT: it routes
// by path whatever the method, so everything but CONNECT is allowed.
constexpr std::string_view kConnectAllow = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

// RefuseConnect answers a CONNECT no pattern matched. A mux is an origin
// server's router, and RFC 9110 §9.3.6 makes CONNECT a request to a proxy:
// 405 with Allow (a MUST of §15.5.6) says so, where Go 1.19 answers 404 as
// for any unmatched path. A handler that is not a mux (a proxy) still gets
// every CONNECT. Pinned by serve_mux_test "CONNECT with no pattern is 405".
void RefuseConnect(ResponseWriter& w) {
  w.Header().Set("Allow", kConnectAllow);
  HttpError(w, StatusText(StatusMethodNotAllowed), StatusMethodNotAllowed);
}

}  // namespace

std::shared_ptr<nethttp::Handler> ServeMux::Handler(const Request& r, std::string* pattern) const {
  Route route = Resolve(r);
  if (route.redirect) {
    if (pattern) *pattern = std::move(route.redirect_pattern);
    return RedirectHandler(std::move(route.redirect_url), StatusMovedPermanently);
  }
  if (route.entry) {
    if (pattern) *pattern = route.entry->pattern;
    return route.entry->h;
  }
  if (pattern) pattern->clear();
  if (r.method == "CONNECT") {
    return std::make_shared<HandlerFunc>([](ResponseWriter& w, Request&) { RefuseConnect(w); });
  }
  return NotFoundHandler();
}

bool ServeMux::StreamsRequestBody(const Request& r) {
  if (r.request_uri == "*") return false;
  Route route = Resolve(r);
  return !route.redirect && route.entry != nullptr && route.entry->h->StreamsRequestBody(r);
}

void ServeMux::ServeHTTP(ResponseWriter& w, Request& r) {
  // Go: "OPTIONS *" and other asterisk-form requests get a bare 400.
  if (r.request_uri == "*") {
    if (r.ProtoAtLeast(1, 1)) w.Header().Set("Connection", "close");
    w.WriteHeader(StatusBadRequest);
    return;
  }
  Route route = Resolve(r);
  if (route.redirect) {
    Redirect(w, r, route.redirect_url, StatusMovedPermanently);
  } else if (route.entry) {
    // Entries are never removed, so the handler outlives the lock; calling
    // through the raw pointer spares a shared_ptr count per request.
    route.entry->h->ServeHTTP(w, r);
  } else if (r.method == "CONNECT") {
    RefuseConnect(w);
  } else {
    NotFound(w, r);
  }
}

ServeMux& DefaultServeMux() {
  static ServeMux mux;
  return mux;
}

nethttp::Error HandleFunc(std::string_view pattern, HandlerFunc::Func f) {
  return DefaultServeMux().HandleFunc(pattern, std::move(f));
}

nethttp::Error Handle(std::string_view pattern, std::shared_ptr<nethttp::Handler> handler) {
  return DefaultServeMux().Handle(pattern, std::move(handler));
}

}  // namespace nethttp
