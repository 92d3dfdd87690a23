// Cookie parsing and serialisation (Go: cookie.go): Set-Cookie lines into
// Cookies for the client and its jar (cookie_jar.cc), Cookie lines into
// Cookies for a server, and Cookie::String for both headers. Sans-I/O.
#include "nethttp/cookie.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

#include "internal/ascii.h"
#include "internal/http_time.h"
#include "internal/log.h"
#include "nethttp/handler.h"

namespace nethttp {
namespace {

using std::chrono::sys_seconds;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

bool ValidCookieValueByte(char b) { return b >= 0x20 && b < 0x7f && b != '"' && b != ';' && b != '\\'; }
bool ValidCookiePathByte(char b) { return b >= 0x20 && b < 0x7f && b != ';'; }

// ParseCookieValue strips the quotes (where allowed) and rejects a value
// with a byte outside cookie-octet plus space and comma (Go:
// parseCookieValue, loosened from RFC 6265 §4.1.1 as golang.org/issue/7243).
bool ParseCookieValue(std::string_view raw, bool allow_double_quote, std::string_view* out) {
  if (allow_double_quote && raw.size() > 1 && raw.front() == '"' && raw.back() == '"') {
    raw = raw.substr(1, raw.size() - 2);
  }
  for (char c : raw) {
    if (!ValidCookieValueByte(c)) return false;
  }
  *out = raw;
  return true;
}

// SanitizeOrWarn drops invalid bytes and logs once, as Go does.
std::string SanitizeOrWarn(std::string_view field, bool (*valid)(char), std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool warned = false;
  for (char c : v) {
    if (valid(c)) {
      out.push_back(c);
    } else if (!warned) {
      warned = true;
      Log().warn("net/http: invalid byte {:#04x} in {}; dropping invalid bytes",
                 static_cast<unsigned char>(c), field);
    }
  }
  return out;
}

// SanitizeCookieValue quotes a value with a space or comma: RFC 6265 forbids
// both, but they are common in the wild and Go sends them quoted.
std::string SanitizeCookieValue(std::string_view v) {
  std::string s = SanitizeOrWarn("Cookie.Value", ValidCookieValueByte, v);
  if (s.empty()) return s;
  if (s.find_first_of(" ,") != std::string::npos) return "\"" + s + "\"";
  return s;
}

std::string SanitizeCookiePath(std::string_view v) {
  return SanitizeOrWarn("Cookie.Path", ValidCookiePathByte, v);
}

// SanitizeCookieName is Go's: CR and LF become '-'.
std::string SanitizeCookieName(std::string_view n) {
  std::string out(n);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = '-';
  }
  return out;
}

// IsCookieDomainName is Go's isCookieDomainName: a DNS name, optionally with
// a leading dot, with at least one letter (so an IPv4 address is not one).
bool IsCookieDomainName(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  if (s.front() == '.') s.remove_prefix(1);
  char last = '.';
  bool ok = false;  // true once we have seen a letter
  int partlen = 0;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || IsUpper(c)) {
      ok = true;  // no '_', unlike package net
      ++partlen;
    } else if (IsDigit(c)) {
      ++partlen;
    } else if (c == '-') {
      if (last == '.') return false;
      ++partlen;
    } else if (c == '.') {
      if (last == '.' || last == '-') return false;
      if (partlen > 63 || partlen == 0) return false;
      partlen = 0;
    } else {
      return false;
    }
    last = c;
  }
  if (last == '-' || partlen > 63) return false;
  return ok;
}

// IsIPv4 accepts dotted-quad decimal only, which is what net.ParseIP
// accepts without a ':' (Go: validCookieDomain).
bool IsIPv4(std::string_view s) {
  int parts = 0;
  while (true) {
    size_t n = 0;
    int v = 0;
    while (n < s.size() && IsDigit(s[n]) && n < 3) v = v * 10 + (s[n++] - '0');
    if (n == 0 || v > 255 || (n > 1 && s[0] == '0')) return false;
    ++parts;
    s.remove_prefix(n);
    if (s.empty()) break;
    if (s.front() != '.' || parts == 4) return false;
    s.remove_prefix(1);
  }
  return parts == 4;
}

bool ValidCookieDomain(std::string_view v) { return IsCookieDomainName(v) || IsIPv4(v); }

// ValidCookieExpires: RFC 6265 §5.1.1 step 5, the year must be >= 1601.
bool ValidCookieExpires(const std::optional<sys_seconds>& t) {
  if (!t) return false;
  std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(*t)};
  return ymd.year() >= std::chrono::year{1601};
}

// --- Expires ----------------------------------------------------------------
// Go parses Expires with time.Parse and two layouts: time.RFC1123 and a
// dashed variant (readSetCookies); http_time.cc has time.Parse's rules.

std::optional<sys_seconds> ParseCookieTime(std::string_view value) {
  if (auto t = ParseTimeLayout("Mon, 02 Jan 2006 15:04:05 MST", value)) return t;
  return ParseTimeLayout("Mon, 02-Jan-2006 15:04:05 MST", value);
}

// ParseMaxAge is strconv.Atoi plus Go's refusal of leading zeros ("05").
bool ParseMaxAge(std::string_view val, int64_t* secs) {
  if (val.empty()) return false;
  std::string_view digits = val;
  bool neg = false;
  if (digits.front() == '+' || digits.front() == '-') {
    neg = digits.front() == '-';
    digits.remove_prefix(1);
  }
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return false;
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  if (v > kMax + (neg ? 1 : 0)) return false;  // Atoi: value out of range
  *secs = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  if (*secs != 0 && val.front() == '0') return false;
  return true;
}

}  // namespace

std::string Cookie::String() const {
  if (!ValidHeaderFieldName(name)) return "";
  std::string b;
  // Go: extraCookieLength = 110, the typical length of the attributes.
  b.reserve(name.size() + value.size() + domain.size() + path.size() + 110);
  b += name;
  b += '=';
  b += SanitizeCookieValue(value);
  if (!path.empty()) {
    b += "; Path=";
    b += SanitizeCookiePath(path);
  }
  if (!domain.empty()) {
    if (ValidCookieDomain(domain)) {
      // An invalid domain is dropped, not sanitised, which makes the cookie
      // host-only. A leading dot is fine but not sent.
      b += "; Domain=";
      b += domain.front() == '.' ? std::string_view(domain).substr(1) : std::string_view(domain);
    } else {
      Log().warn("net/http: invalid Cookie.Domain \"{}\"; dropping domain attribute", domain);
    }
  }
  if (ValidCookieExpires(expires)) {
    b += "; Expires=";
    FormatTime(*expires, &b);
  }
  if (max_age > 0) {
    b += "; Max-Age=";
    b += std::to_string(max_age);
  } else if (max_age < 0) {
    b += "; Max-Age=0";
  }
  if (http_only) b += "; HttpOnly";
  if (secure) b += "; Secure";
  switch (same_site) {
    case SameSite::kUnset:
    case SameSite::kDefaultMode:  // the default is the attribute's absence
      break;
    case SameSite::kNoneMode:
      b += "; SameSite=None";
      break;
    case SameSite::kLaxMode:
      b += "; SameSite=Lax";
      break;
    case SameSite::kStrictMode:
      b += "; SameSite=Strict";
      break;
  }
  return b;
}

Error Cookie::Valid() const {
  if (!ValidHeaderFieldName(name)) return Error(ErrorCode::kInvalidArgument, "http: invalid Cookie.Name");
  if (!ValidCookieExpires(expires)) {
    return Error(ErrorCode::kInvalidArgument, "http: invalid Cookie.Expires");
  }
  for (char c : value) {
    if (!ValidCookieValueByte(c)) {
      return Error(ErrorCode::kInvalidArgument, "http: invalid byte in Cookie.Value");
    }
  }
  for (char c : path) {
    if (!ValidCookiePathByte(c)) {
      return Error(ErrorCode::kInvalidArgument, "http: invalid byte in Cookie.Path");
    }
  }
  if (!domain.empty() && !ValidCookieDomain(domain)) {
    return Error(ErrorCode::kInvalidArgument, "http: invalid Cookie.Domain");
  }
  return Error();
}

std::vector<Cookie> ReadSetCookies(const Header& h) {
  std::vector<Cookie> cookies;
  std::string lower_attr, lower_val;
  for (std::string_view line : h.Values("Set-Cookie")) {
    std::string_view rest = TrimString(line);
    if (rest.empty()) continue;
    size_t semi = rest.find(';');
    std::string_view first = TrimString(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    bool has_attrs = semi != std::string_view::npos;
    size_t eq = first.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = first.substr(0, eq);
    std::string_view value;
    if (!ValidHeaderFieldName(name)) continue;
    if (!ParseCookieValue(first.substr(eq + 1), true, &value)) continue;
    Cookie c;
    c.name = std::string(name);
    c.value = std::string(value);
    c.raw = std::string(line);
    while (has_attrs) {
      semi = rest.find(';');
      std::string_view part = TrimString(rest.substr(0, semi));
      has_attrs = semi != std::string_view::npos;
      rest = has_attrs ? rest.substr(semi + 1) : std::string_view();
      if (part.empty()) continue;
      size_t aeq = part.find('=');
      std::string_view attr = part.substr(0, aeq);
      std::string_view val = aeq == std::string_view::npos ? std::string_view() : part.substr(aeq + 1);
      if (!AsciiToLower(attr, &lower_attr)) continue;
      // Attribute values may not be quoted (Go passes allowDoubleQuote=false).
      if (!ParseCookieValue(val, false, &val)) {
        c.unparsed.emplace_back(part);
        continue;
      }
      if (lower_attr == "samesite") {
        if (!AsciiToLower(val, &lower_val)) {
          c.same_site = SameSite::kDefaultMode;
        } else if (lower_val == "lax") {
          c.same_site = SameSite::kLaxMode;
        } else if (lower_val == "strict") {
          c.same_site = SameSite::kStrictMode;
        } else if (lower_val == "none") {
          c.same_site = SameSite::kNoneMode;
        } else {
          c.same_site = SameSite::kDefaultMode;
        }
        continue;
      }
      if (lower_attr == "secure") {
        c.secure = true;
        continue;
      }
      if (lower_attr == "httponly") {
        c.http_only = true;
        continue;
      }
      if (lower_attr == "domain") {
        c.domain = std::string(val);
        continue;
      }
      if (lower_attr == "max-age") {
        int64_t secs = 0;
        if (ParseMaxAge(val, &secs)) {
          c.max_age = secs <= 0 ? -1 : secs;
          continue;
        }
      } else if (lower_attr == "expires") {
        c.raw_expires = std::string(val);
        c.expires = ParseCookieTime(val);
        if (c.expires) continue;
      } else if (lower_attr == "path") {
        c.path = std::string(val);
        continue;
      }
      c.unparsed.emplace_back(part);
    }
    cookies.push_back(std::move(c));
  }
  return cookies;
}

std::vector<Cookie> ReadCookies(const Header& h, std::string_view filter) {
  std::vector<Cookie> cookies;
  for (std::string_view line : h.Values("Cookie")) {
    line = TrimString(line);
    while (!line.empty()) {
      size_t semi = line.find(';');
      std::string_view part = TrimString(line.substr(0, semi));
      line = semi == std::string_view::npos ? std::string_view() : line.substr(semi + 1);
      if (part.empty()) continue;
      size_t eq = part.find('=');
      std::string_view name = part.substr(0, eq);
      std::string_view val = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
      if (!ValidHeaderFieldName(name)) continue;
      if (!filter.empty() && filter != name) continue;
      if (!ParseCookieValue(val, true, &val)) continue;
      Cookie c;
      c.name = std::string(name);
      c.value = std::string(val);
      cookies.push_back(std::move(c));
    }
  }
  return cookies;
}

void AddCookie(Header& h, const Cookie& c) {
  std::string s = SanitizeCookieName(c.name) + "=" + SanitizeCookieValue(c.value);
  std::string_view old = h.Get("Cookie");
  if (!old.empty()) s = std::string(old) + "; " + s;
  h.Set("Cookie", s);
}

void SetCookie(ResponseWriter& w, const Cookie& c) {
  if (std::string v = c.String(); !v.empty()) w.Header().Add("Set-Cookie", v);
}

}  // namespace nethttp
