// Jar is NewCookieJar's in-memory RFC 6265 jar (Go: net/http/cookiejar's
// Jar), visible here so cookie_jar_test can drive it at fixed times and
// with Go's test public-suffix list, as jar_test.go does.
#ifndef NETHTTP_INTERNAL_COOKIE_JAR_H_
#define NETHTTP_INTERNAL_COOKIE_JAR_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/cookie_jar.h"
#include "nethttp/error.h"

namespace nethttp {

// JarTime: milliseconds, so that "now" in tests can step by 1001 ms as Go's
// do, and the range still reaches the year 9999 (system_clock's nanoseconds
// stop at 2262).
using JarTime = std::chrono::sys_time<std::chrono::milliseconds>;

// PublicSuffixFunc is Go's cookiejar.PublicSuffixList: the public suffix of
// a domain, e.g. "co.uk" for "www.bbc.co.uk" (unlisted TLDs are their own
// suffix, the "*" rule). An empty function is Go's nil list.
using PublicSuffixFunc = std::function<std::string(std::string_view domain)>;

// LibpslPublicSuffix is the PublicSuffixFunc from libpsl's built-in list
// (ICANN and private sections, like golang.org/x/net/publicsuffix), or an
// empty function when libpsl has no list.
PublicSuffixFunc LibpslPublicSuffix();

// The helpers of Go's jar.go, exposed for their table tests.
bool HasDotSuffix(std::string_view s, std::string_view suffix);
bool HasPort(std::string_view host);
bool IsIP(std::string_view host);
std::string DefaultPath(std::string_view path);
Result<std::string> CanonicalHost(std::string_view host);
std::string JarKey(const std::string& host, const PublicSuffixFunc& ps);

class Jar final : public CookieJar {
 public:
  explicit Jar(PublicSuffixFunc ps) : ps_(std::move(ps)) {}

  void SetCookies(const URL& url, const std::vector<Cookie>& cookies) override;
  std::vector<Cookie> Cookies(const URL& url) override;

  // The same at a given time (Go: setCookies, cookies).
  void SetCookiesAt(const URL& url, const std::vector<Cookie>& cookies, JarTime now);
  std::vector<Cookie> CookiesAt(const URL& url, JarTime now);

  // Content returns "name=value" for every entry not expired at now,
  // sorted (jar_test.go's content check).
  std::vector<std::string> Content(JarTime now);

  // DomainAndType is Go's domainAndType: the cookie's domain and whether
  // it is host-only, or an error naming why the domain attribute is refused.
  Result<std::pair<std::string, bool>> DomainAndType(const std::string& host, std::string_view domain) const;

 private:
  struct Entry {
    std::string name, value, domain, path;
    bool secure = false;
    bool persistent = false;
    bool host_only = false;
    JarTime expires{};
    JarTime creation{};
    JarTime last_access{};
    uint64_t seq_num = 0;  // breaks ties between equal creation times
  };

  PublicSuffixFunc ps_;
  std::mutex mu_;
  // entries_: jarKey (the registrable domain, e.g. "example.co.uk") ->
  // id ("domain;path;name") -> entry, as Go keys them.
  std::map<std::string, std::map<std::string, Entry>> entries_;
  uint64_t next_seq_num_ = 0;
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_COOKIE_JAR_H_
