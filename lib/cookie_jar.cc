// The in-memory cookie jar (Go: net/http/cookiejar/jar.go): RFC 6265 §5.3
// storage and §5.4 retrieval, keyed by registrable domain, with libpsl as
// the public-suffix list. client.cc consults it around every hop.
#include "internal/cookie_jar.h"

#include <arpa/inet.h>
#include <libpsl.h>

#include <algorithm>
#include <limits>
#include <string>
#include <vector>
#include <utility>

#include "internal/ascii.h"
#include "internal/host_port.h"
#include "internal/log.h"

namespace nethttp {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::sys_days;

// kEndOfTime is Go's endOfTime, the expiry of session cookies:
// 9999-12-31 23:59:59 UTC. Later Expires and Max-Age values are cut to it,
// which also keeps them inside JarTime's range.
constexpr JarTime kEndOfTime =
    JarTime{sys_days{std::chrono::year{9999} / 12 / 31}} + std::chrono::hours{23} +
    std::chrono::minutes{59} + seconds{59};
constexpr JarTime kStartOfTime = JarTime{sys_days{std::chrono::year{1} / 1 / 1}};

JarTime Now() { return std::chrono::floor<milliseconds>(std::chrono::system_clock::now()); }

// ToJarTime clamps to [year 1, kEndOfTime] in seconds before converting,
// so that no representable sys_seconds overflows milliseconds.
JarTime ToJarTime(std::chrono::sys_seconds t) {
  if (t >= std::chrono::floor<seconds>(kEndOfTime)) return kEndOfTime;
  if (t <= std::chrono::floor<seconds>(kStartOfTime)) return kStartOfTime;
  return JarTime{t};
}

bool DomainMatch(const std::string& e_domain, bool host_only, const std::string& host) {
  if (e_domain == host) return true;
  return !host_only && HasDotSuffix(host, e_domain);
}

// PathMatch is RFC 6265 §5.1.4 (Go: entry.pathMatch).
bool PathMatch(const std::string& e_path, const std::string& request_path) {
  if (request_path == e_path) return true;
  if (request_path.starts_with(e_path)) {
    if (e_path.back() == '/') return true;            // "/any/" matches "/any/path"
    if (request_path[e_path.size()] == '/') return true;  // "/any" matches "/any/path"
  }
  return false;
}

// --- punycode (RFC 3492), Go's cookiejar/punycode.go ---------------------
// The jar keys and matches hosts in their ASCII form, so "www.bücher.de"
// and "www.xn--bcher-kva.de" share cookies, as in Go.

constexpr int32_t kBase = 36, kDamp = 700, kInitialBias = 72, kInitialN = 128, kSkew = 38,
                  kTmax = 26, kTmin = 1;

// DecodeUtf8 is Go's range over a string: invalid bytes become U+FFFD.
std::vector<int32_t> DecodeUtf8(std::string_view s) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    int32_t r = len == 1 ? b : len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
    bool ok = len > 0 && i + static_cast<size_t>(len) <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((c & 0xc0) != 0x80) ok = false;
      r = (r << 6) | (c & 0x3f);
    }
    // Overlong forms and surrogates are invalid too.
    static constexpr int32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (!ok || r < kMin[len] || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    out.push_back(r);
    i += static_cast<size_t>(len);
  }
  return out;
}

char EncodeDigit(int32_t d) {
  return static_cast<char>(d < 26 ? d + 'a' : d + ('0' - 26));
}

int32_t Adapt(int32_t delta, int32_t num_points, bool first_time) {
  delta = first_time ? delta / kDamp : delta / 2;
  delta += delta / num_points;
  int32_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

bool PunycodeEncode(std::string_view label, std::string* out) {
  std::vector<int32_t> s = DecodeUtf8(label);
  out->append("xn--");
  int32_t delta = 0, n = kInitialN, bias = kInitialBias, b = 0, remaining = 0;
  for (int32_t r : s) {
    if (r < 0x80) {
      ++b;
      out->push_back(static_cast<char>(r));
    } else {
      ++remaining;
    }
  }
  int32_t h = b;
  if (b > 0) out->push_back('-');
  constexpr int32_t kMaxInt = std::numeric_limits<int32_t>::max();
  while (remaining != 0) {
    int32_t m = kMaxInt;
    for (int32_t r : s) {
      if (m > r && r >= n) m = r;
    }
    // Go relies on int32 wrap-around to notice overflow; we check first.
    if ((m - n) > (kMaxInt - delta) / (h + 1)) return false;
    delta += (m - n) * (h + 1);
    n = m;
    for (int32_t r : s) {
      if (r < n) {
        if (delta == kMaxInt) return false;
        ++delta;
        continue;
      }
      if (r > n) continue;
      int32_t q = delta;
      for (int32_t k = kBase;; k += kBase) {
        int32_t t = std::clamp(k - bias, kTmin, kTmax);
        if (q < t) break;
        out->push_back(EncodeDigit(t + (q - t) % (kBase - t)));
        q = (q - t) / (kBase - t);
      }
      out->push_back(EncodeDigit(q));
      bias = Adapt(delta, h + 1, h == b);
      delta = 0;
      ++h;
      --remaining;
    }
    ++delta;
    ++n;
  }
  return true;
}

// ToASCII is Go's toASCII: each non-ASCII label in punycode.
bool ToASCII(std::string_view s, std::string* out) {
  out->clear();
  while (true) {
    size_t dot = s.find('.');
    std::string_view label = s.substr(0, dot);
    bool ascii = std::all_of(label.begin(), label.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
      out->append(label);
    } else if (!PunycodeEncode(label, out)) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    out->push_back('.');
    s.remove_prefix(dot + 1);
  }
}

}  // namespace

PublicSuffixFunc LibpslPublicSuffix() {
  // psl_builtin is the list compiled into libpsl; Debian's libpsl5 has one.
  // psl_latest loads the newest of it and the system's file otherwise.
  static const psl_ctx_t* ctx = [] {
    const psl_ctx_t* c = psl_builtin();
    if (c == nullptr) c = psl_latest(nullptr);
    if (c == nullptr) {
      Log().warn("cookiejar: libpsl has no public-suffix list; Domain attributes are checked without it");
    }
    return c;
  }();
  if (ctx == nullptr) return {};
  return [](std::string_view domain) -> std::string {
    std::string d(domain);
    // psl_unregistrable_domain: the longest public suffix within d (a
    // pointer into d), with the "*" rule for unlisted TLDs.
    if (const char* suffix = psl_unregistrable_domain(ctx, d.c_str())) return suffix;
    size_t dot = d.rfind('.');
    return dot == std::string::npos ? d : d.substr(dot + 1);
  };
}

bool HasDotSuffix(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s[s.size() - suffix.size() - 1] == '.' && s.ends_with(suffix);
}

// HasPort is Go's hasPort: a host with exactly one colon, or a bracketed
// IPv6 literal followed by ":port".
bool HasPort(std::string_view host) {
  size_t colons = static_cast<size_t>(std::count(host.begin(), host.end(), ':'));
  if (colons == 0) return false;
  if (colons == 1) return true;
  return !host.empty() && host[0] == '[' && host.find("]:") != std::string_view::npos;
}

// IsIP is net.ParseIP != nil: dotted-quad IPv4 (no leading zeros, as Go
// 1.17+ and glibc's inet_pton agree) or IPv6 without a zone.
bool IsIP(std::string_view host) {
  std::string h(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

// DefaultPath is RFC 6265 §5.1.4's default-path (Go: defaultPath).
std::string DefaultPath(std::string_view path) {
  if (path.empty() || path[0] != '/') return "/";  // empty or malformed
  size_t i = path.rfind('/');
  if (i == 0) return "/";  // "/abc"
  return std::string(path.substr(0, i));  // "/abc/xyz" or "/abc/xyz/"
}

// CanonicalHost strips the port and a trailing dot, converts an IDN to
// punycode and lowers the case (Go: canonicalHost).
Result<std::string> CanonicalHost(std::string_view host) {
  if (HasPort(host)) {
    std::string_view port;
    std::string_view why;
    if (!SplitHostPort(host, &host, &port, &why)) {
      return Error(ErrorCode::kInvalidUrl, "cookiejar: " + std::string(why));
    }
  }
  if (host.ends_with('.')) host.remove_suffix(1);
  std::string out;
  if (!ToASCII(host, &out)) return Error(ErrorCode::kInvalidUrl, "cookiejar: invalid label in host");
  ToLowerInPlace(out);
  return out;
}

// JarKey is the registrable domain ("eTLD+1") that partitions the jar, so
// that a lookup touches only the cookies that could match (Go: jarKey).
std::string JarKey(const std::string& host, const PublicSuffixFunc& ps) {
  if (IsIP(host)) return host;
  // i is Go's: the index of the last dot without a list, the index just
  // after the dot before the public suffix with one.
  size_t i = 0;
  if (!ps) {
    size_t dot = host.rfind('.');
    if (dot == std::string::npos || dot == 0) return host;
    i = dot;
  } else {
    std::string suffix = ps(host);
    if (suffix == host || suffix.size() >= host.size()) return host;
    i = host.size() - suffix.size();
    if (host[i - 1] != '.') return host;
  }
  // Go: prevDot := strings.LastIndex(host[:i-1], ".")
  std::string_view head = std::string_view(host).substr(0, i - 1);
  size_t prev_dot = head.rfind('.');
  return host.substr(prev_dot == std::string_view::npos ? 0 : prev_dot + 1);
}

Result<std::pair<std::string, bool>> Jar::DomainAndType(const std::string& host,
                                                        std::string_view domain) const {
  const Error illegal(ErrorCode::kInvalidArgument, "cookiejar: illegal cookie domain attribute");
  const Error malformed(ErrorCode::kInvalidArgument, "cookiejar: malformed cookie domain attribute");
  if (domain.empty()) return std::pair(host, true);  // no domain attribute: host cookie
  if (IsIP(host)) {
    // RFC 6265 is unclear here; Go, Chrome and Firefox allow a domain
    // attribute on an IP host only when it equals the host.
    if (host != domain) return illegal;
    return std::pair(host, true);
  }
  // A leading dot is ignored (RFC 6265 §5.2.3); two are malformed.
  if (domain[0] == '.') domain.remove_prefix(1);
  if (domain.empty() || domain[0] == '.') return malformed;
  std::string lower;
  if (!AsciiToLower(domain, &lower)) return malformed;
  // A trailing dot would have been stripped from host and so never match
  // (RFC 6265 §5.1.3 domain-match and browsers' behaviour).
  if (lower.back() == '.') return malformed;
  if (ps_) {
    // RFC 6265 §5.3 step 5: refuse a public suffix unless it is the host
    // itself, which then gets a host-only cookie.
    std::string suffix = ps_(lower);
    if (!suffix.empty() && !HasDotSuffix(lower, suffix)) {
      if (host == lower) return std::pair(host, true);
      return illegal;
    }
  }
  // The domain must domain-match host: www.mycompany.com cannot set
  // cookies for .ourcompetitors.com.
  if (host != lower && !HasDotSuffix(host, lower)) return illegal;
  return std::pair(lower, false);
}

void Jar::SetCookies(const URL& url, const std::vector<Cookie>& cookies) {
  SetCookiesAt(url, cookies, Now());
}

std::vector<Cookie> Jar::Cookies(const URL& url) { return CookiesAt(url, Now()); }

void Jar::SetCookiesAt(const URL& url, const std::vector<Cookie>& cookies, JarTime now) {
  if (cookies.empty()) return;
  if (url.scheme != "http" && url.scheme != "https") return;
  Result<std::string> host = CanonicalHost(url.host);
  if (!host.ok()) return;
  std::string key = JarKey(*host, ps_);
  std::string def_path = DefaultPath(url.path);

  std::lock_guard lock(mu_);
  std::map<std::string, Entry>& submap = entries_[key];
  for (const Cookie& c : cookies) {
    // newEntry
    Entry e;
    e.name = c.name;
    e.path = c.path.empty() || c.path[0] != '/' ? def_path : c.path;
    auto dt = DomainAndType(*host, c.domain);
    if (!dt.ok()) {
      Log().debug("cookiejar: {} for cookie {} from {}: {}", dt.error().message(), c.name, *host,
                  c.domain);
      continue;
    }
    e.domain = dt->first;
    e.host_only = dt->second;
    bool remove = false;
    // Max-Age beats Expires (RFC 6265 §5.3 step 3).
    if (c.max_age < 0) {
      remove = true;
    } else if (c.max_age > 0) {
      auto left = std::chrono::duration_cast<seconds>(kEndOfTime - now).count();
      e.expires = c.max_age >= left ? kEndOfTime : now + seconds{c.max_age};
      e.persistent = true;
    } else if (!c.expires) {
      e.expires = kEndOfTime;
      e.persistent = false;
    } else {
      JarTime exp = ToJarTime(*c.expires);
      if (exp <= now) {
        remove = true;
      } else {
        e.expires = exp;
        e.persistent = true;
      }
    }
    std::string id = e.domain + ";" + e.path + ";" + e.name;
    if (remove) {
      submap.erase(id);
      continue;
    }
    e.value = c.value;
    e.secure = c.secure;
    if (auto old = submap.find(id); old != submap.end()) {
      // An update keeps the creation time (RFC 6265 §5.3 step 11.3).
      e.creation = old->second.creation;
      e.seq_num = old->second.seq_num;
    } else {
      e.creation = now;
      e.seq_num = next_seq_num_++;
    }
    e.last_access = now;
    submap[id] = std::move(e);
  }
  if (submap.empty()) entries_.erase(key);
}

std::vector<Cookie> Jar::CookiesAt(const URL& url, JarTime now) {
  std::vector<Cookie> out;
  if (url.scheme != "http" && url.scheme != "https") return out;
  Result<std::string> host = CanonicalHost(url.host);
  if (!host.ok()) return out;
  std::string key = JarKey(*host, ps_);

  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return out;
  std::map<std::string, Entry>& submap = it->second;
  bool https = url.scheme == "https";
  std::string path = url.path.empty() ? "/" : url.path;
  std::vector<const Entry*> selected;
  for (auto e = submap.begin(); e != submap.end();) {
    if (e->second.persistent && e->second.expires <= now) {
      e = submap.erase(e);
      continue;
    }
    Entry& entry = e->second;
    ++e;
    if (!DomainMatch(entry.domain, entry.host_only, *host) || !PathMatch(entry.path, path) ||
        (!https && entry.secure)) {
      continue;
    }
    entry.last_access = now;
    selected.push_back(&entry);
  }
  // RFC 6265 §5.4 step 2: longer paths first, then earlier creation.
  std::sort(selected.begin(), selected.end(), [](const Entry* a, const Entry* b) {
    if (a->path.size() != b->path.size()) return a->path.size() > b->path.size();
    if (a->creation != b->creation) return a->creation < b->creation;
    return a->seq_num < b->seq_num;
  });
  out.reserve(selected.size());
  for (const Entry* e : selected) out.push_back(Cookie{.name = e->name, .value = e->value});
  if (submap.empty()) entries_.erase(it);
  return out;
}

std::vector<std::string> Jar::Content(JarTime now) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [key, submap] : entries_) {
    for (const auto& [id, e] : submap) {
      if (e.expires > now) out.push_back(e.name + "=" + e.value);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::shared_ptr<CookieJar> NewCookieJar() { return std::make_shared<Jar>(LibpslPublicSuffix()); }

}  // namespace nethttp
