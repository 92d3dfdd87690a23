// Cookie is an HTTP cookie as sent in a Set-Cookie response header or a
// Cookie request header (Go: cookie.go). Parsing and serialisation only,
// no I/O; the jar that stores cookies between requests is cookie_jar.h.
#ifndef NETHTTP_COOKIE_H_
#define NETHTTP_COOKIE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/error.h"
#include "nethttp/header.h"

namespace nethttp {

class ResponseWriter;

// SameSite is the cookie's SameSite attribute (Go: http.SameSite).
// kUnset is Go's zero value: no attribute was given.
enum class SameSite {
  kUnset = 0,
  kDefaultMode,  // "SameSite" with no or an unknown value
  kLaxMode,
  kStrictMode,
  kNoneMode,
};

struct Cookie {
  std::string name{};
  std::string value{};

  std::string path{};    // optional
  std::string domain{};  // optional
  // expires is absent for Go's zero time.Time. Whole seconds (sys_seconds)
  // rather than system_clock's nanoseconds, whose range (1678-2262) misses
  // the year 1601 that RFC 6265 §5.1.1 uses as its lower bound.
  std::optional<std::chrono::sys_seconds> expires{};
  std::string raw_expires{};  // for reading cookies only

  // max_age == 0 means no Max-Age attribute; < 0 means delete the cookie
  // now ("Max-Age=0"); > 0 means Max-Age in seconds (Go's MaxAge).
  int64_t max_age = 0;  // Go's int, 64 bits on the platforms Go runs on
  bool secure = false;
  bool http_only = false;
  SameSite same_site = SameSite::kUnset;
  std::string raw{};                    // the whole Set-Cookie line, when read
  std::vector<std::string> unparsed{};  // raw text of unparsed attribute-value pairs

  // String returns the serialisation for a Cookie header (when only name
  // and value are set) or a Set-Cookie header, or "" when name is not a
  // valid token (Go: Cookie.String). Invalid bytes in value and path are
  // dropped with a warning; an invalid domain is left out.
  std::string String() const;

  // Valid reports whether the cookie could be sent as it is (Go:
  // Cookie.Valid). As in Go 1.19, an absent expires is invalid too.
  Error Valid() const;

  bool operator==(const Cookie&) const = default;
};

// ReadSetCookies parses every Set-Cookie header in h and returns the
// cookies that parse; malformed ones are skipped (Go: readSetCookies).
std::vector<Cookie> ReadSetCookies(const Header& h);

// ReadCookies parses every Cookie header in h; when filter is not empty,
// only cookies of that name are returned (Go: readCookies).
std::vector<Cookie> ReadCookies(const Header& h, std::string_view filter = {});

// AddCookie appends c's name and value to h's Cookie header, the way Go's
// Request.AddCookie does: one header, pairs joined by "; ".
void AddCookie(Header& h, const Cookie& c);

// SetCookie adds a Set-Cookie header to w (Go: http.SetCookie); a cookie
// with an invalid name is dropped.
void SetCookie(ResponseWriter& w, const Cookie& c);

}  // namespace nethttp

#endif  // NETHTTP_COOKIE_H_
