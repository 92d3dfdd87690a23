// CookieJar stores cookies between a Client's requests (Go: http.CookieJar
// in jar.go), and NewCookieJar is the in-memory RFC 6265 jar of Go's
// net/http/cookiejar, with libpsl's public-suffix list. client.cc uses it.
#ifndef NETHTTP_COOKIE_JAR_H_
#define NETHTTP_COOKIE_JAR_H_

#include <memory>
#include <vector>

#include "nethttp/cookie.h"
#include "nethttp/url.h"

namespace nethttp {

// CookieJar manages storage and use of cookies in HTTP requests. A jar may
// be shared by Clients on different threads: implementations lock.
class CookieJar {
 public:
  virtual ~CookieJar() = default;
  // SetCookies handles the receipt of the cookies in a reply for url; it
  // may or may not store them, as the jar's policy says.
  virtual void SetCookies(const URL& url, const std::vector<Cookie>& cookies) = 0;
  // Cookies returns the cookies to send in a request for url (name and
  // value only).
  virtual std::vector<Cookie> Cookies(const URL& url) = 0;
};

// NewCookieJar returns an empty in-memory jar (Go: cookiejar.New with
// publicsuffix.List): cookies for http and https URLs only, domain
// attributes that name a public suffix refused, Secure cookies sent over
// https only, Cookies() ordered longest path first, then oldest first. It
// ignores HttpOnly and SameSite, as Go's does, and keeps nothing on disk.
std::shared_ptr<CookieJar> NewCookieJar();

}  // namespace nethttp

#endif  // NETHTTP_COOKIE_JAR_H_
