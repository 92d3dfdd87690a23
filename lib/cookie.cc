// Cookie parsing and serialisation (Go: cookie.go): Set-Cookie lines into
// Cookies for the client and its jar (cookie_jar.cc), Cookie lines into
// Cookies for a server, and Cookie::String for both headers. Sans-I/O.
#include "nethttp/cookie.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

#include "internal/ascii.h"
#include "internal/log.h"
#include "nethttp/handler.h"

namespace nethttp {
namespace {

using std::chrono::sys_seconds;

constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonthNames = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

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
// Go parses Expires with time.Parse and two layouts: time.RFC1123
// "Mon, 02 Jan 2006 15:04:05 MST" and "Mon, 02-Jan-2006 15:04:05 MST".
// TimeScanner follows time.Parse's rules for the elements these layouts use
// (name lookups case-insensitive, "02"/"04"/"05" exactly two digits, "15"
// one or two, a space in the layout matching any run of spaces).

struct TimeScanner {
  std::string_view v;

  bool Literal(std::string_view lit) {
    while (!lit.empty()) {
      if (lit.front() == ' ') {
        if (v.empty() || v.front() != ' ') return false;
        while (!lit.empty() && lit.front() == ' ') lit.remove_prefix(1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        continue;
      }
      if (v.empty() || v.front() != lit.front()) return false;
      v.remove_prefix(1);
      lit.remove_prefix(1);
    }
    return true;
  }

  template <size_t N>
  bool Lookup(const std::array<std::string_view, N>& names, int* idx) {
    for (size_t i = 0; i < N; ++i) {
      std::string_view name = names[i];
      if (v.size() < name.size()) continue;
      if (EqualFold(v.substr(0, name.size()), name)) {
        *idx = static_cast<int>(i);
        v.remove_prefix(name.size());
        return true;
      }
    }
    return false;
  }

  // Num is time.getnum: one or two digits, exactly two when fixed.
  bool Num(bool fixed, int* out) {
    if (v.empty() || !IsDigit(v[0])) return false;
    if (v.size() < 2 || !IsDigit(v[1])) {
      if (fixed) return false;
      *out = v[0] - '0';
      v.remove_prefix(1);
      return true;
    }
    *out = (v[0] - '0') * 10 + (v[1] - '0');
    v.remove_prefix(2);
    return true;
  }

  bool Year(int* out) {
    if (v.size() < 4) return false;
    *out = 0;
    for (int i = 0; i < 4; ++i) {
      if (!IsDigit(v[i])) return false;
      *out = *out * 10 + (v[i] - '0');
    }
    v.remove_prefix(4);
    return true;
  }

  // Zone is time.Parse's stdTZ: "UTC", or what parseTimeZone accepts. The
  // offset of a zone name is 0, except "GMT+h"/"GMT-h". Go would use the
  // local zone's offset for the local abbreviation (e.g. "CET" in Berlin);
  // we do not depend on the machine's zone, so servers should send GMT as
  // RFC 6265 §4.1.1 asks.
  bool Zone(int* offset_seconds) {
    *offset_seconds = 0;
    if (v.starts_with("UTC")) {
      v.remove_prefix(3);
      return true;
    }
    if (v.size() < 3) return false;
    if (v.starts_with("ChST") || v.starts_with("MeST")) {
      v.remove_prefix(4);
      return true;
    }
    if (v.starts_with("GMT")) {
      v.remove_prefix(3);
      // parseGMT: a sign and a number of hours, or nothing.
      if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
        size_t n = 1;
        int64_t h = 0;
        while (n < v.size() && IsDigit(v[n]) && h < 1000) h = h * 10 + (v[n++] - '0');
        if (n > 1 && h <= 23) {
          *offset_seconds = static_cast<int>(h * 3600) * (v[0] == '-' ? -1 : 1);
          v.remove_prefix(n);
        }
      }
      return true;
    }
    size_t upper = 0;
    while (upper < v.size() && upper < 6 && IsUpper(v[upper])) ++upper;
    size_t n = 0;
    switch (upper) {
      case 3:
        n = 3;
        break;
      case 4:
        if (v[3] == 'T' || v.starts_with("WITA")) n = 4;
        break;
      case 5:
        if (v[4] == 'T') n = 5;
        break;
      default:
        break;
    }
    if (n == 0) return false;
    v.remove_prefix(n);
    return true;
  }
};

std::optional<sys_seconds> ParseCookieTime(std::string_view value, char date_sep) {
  using namespace std::chrono;
  TimeScanner s{value};
  int wday = 0, day = 0, month = 0, year = 0, hour = 0, min = 0, sec = 0, offset = 0;
  const char sep[2] = {date_sep, '\0'};
  if (!s.Lookup(kDayNames, &wday) || !s.Literal(", ") || !s.Num(true, &day) || !s.Literal(sep) ||
      !s.Lookup(kMonthNames, &month) || !s.Literal(sep) || !s.Year(&year) || !s.Literal(" ") ||
      !s.Num(false, &hour) || !s.Literal(":") || !s.Num(true, &min) || !s.Literal(":") ||
      !s.Num(true, &sec)) {
    return std::nullopt;
  }
  // time.Parse takes fractional seconds the layout does not mention.
  if (s.v.size() >= 2 && (s.v[0] == '.' || s.v[0] == ',') && IsDigit(s.v[1])) {
    s.v.remove_prefix(1);
    while (!s.v.empty() && IsDigit(s.v.front())) s.v.remove_prefix(1);
  }
  if (!s.Literal(" ") || !s.Zone(&offset) || !s.v.empty()) return std::nullopt;
  if (hour > 23 || min > 59 || sec > 59) return std::nullopt;
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month + 1)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (day < 1 || !ymd.ok()) return std::nullopt;  // Go: "day out of range"
  return sys_seconds{sys_days{ymd}} + hours{hour} + minutes{min} + seconds{sec} - seconds{offset};
}

// FormatTime writes t in Go's http.TimeFormat: "Mon, 02 Jan 2006 15:04:05 GMT".
void FormatTime(sys_seconds t, std::string* out) {
  using namespace std::chrono;
  sys_days d = floor<days>(t);
  year_month_day ymd{d};
  hh_mm_ss<seconds> hms{t - d};
  auto two = [out](unsigned v) {
    out->push_back(static_cast<char>('0' + v / 10));
    out->push_back(static_cast<char>('0' + v % 10));
  };
  out->append(kDayNames[weekday{d}.c_encoding()]);
  out->append(", ");
  two(static_cast<unsigned>(ymd.day()));
  out->push_back(' ');
  out->append(kMonthNames[static_cast<unsigned>(ymd.month()) - 1]);
  out->push_back(' ');
  // Go's "2006" zero-pads to four digits and writes every digit beyond:
  // an expiry in the year 10000 must not come out as 0000, in the past.
  // A year before 0 (only a program can set one) is written as 0000.
  int y = std::max(static_cast<int>(ymd.year()), 0);
  std::string year = std::to_string(y);
  if (year.size() < 4) out->append(4 - year.size(), '0');
  out->append(year);
  out->push_back(' ');
  two(static_cast<unsigned>(hms.hours().count()));
  out->push_back(':');
  two(static_cast<unsigned>(hms.minutes().count()));
  out->push_back(':');
  two(static_cast<unsigned>(hms.seconds().count()));
  out->append(" GMT");
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
        c.expires = ParseCookieTime(val, ' ');
        if (!c.expires) c.expires = ParseCookieTime(val, '-');
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
