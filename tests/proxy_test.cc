// Tests for lib/proxy.cc, ported from x/net/http/httpproxy/proxy_test.go
// (proxyForURLTests, TestFromEnvironment*, UseProxyTests with TestUseProxy,
// TestInvalidNoProxy and TestAllNoProxy) and net/http's ProxyFromEnvironment
// and ProxyURL. Rows where we differ from Go give Go's answer beside ours.
#include "nethttp/proxy.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/request.h"
#include "nethttp/url.h"

namespace nethttp {
namespace {

// Describe prints what a proxy function returned as Go's test does
// (fmt.Sprintf("%s", url), "<nil>" for none), or "error: " and the message.
std::string Describe(const Result<std::optional<URL>>& r) {
  if (!r.ok()) return "error: " + r.error().message();
  if (!r->has_value()) return "<nil>";
  return (*r)->String();
}

std::string ProxyFor(const ProxyConfig& cfg, std::string_view req) {
  Result<URL> u = Parse(req);
  REQUIRE_MESSAGE(u.ok(), u.error().message());
  return Describe(cfg.ProxyFunc()(*u));
}

struct ProxyForURLTest {
  ProxyConfig cfg;
  std::string_view req;   // URL to fetch; "" means "http://example.com"
  std::string_view want;  // the URL, "<nil>", or "error: " and the message
};

const std::string kCgiError =
    "error: refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy";

// Go's proxyForURLTests (x/net at CVE-2025-22870's fix), in order.
const std::vector<ProxyForURLTest>& ProxyForURLTests() {
  static const std::vector<ProxyForURLTest> tests = {
      {{.http_proxy = "127.0.0.1:8080"}, "", "http://127.0.0.1:8080"},
      {{.http_proxy = "cache.corp.example.com:1234"}, "", "http://cache.corp.example.com:1234"},
      {{.http_proxy = "cache.corp.example.com"}, "", "http://cache.corp.example.com"},
      // single label domain is recognized as scheme by url.Parse
      {{.http_proxy = "localhost"}, "", "http://localhost"},
      {{.http_proxy = "https://cache.corp.example.com"}, "", "https://cache.corp.example.com"},
      {{.http_proxy = "http://127.0.0.1:8080"}, "", "http://127.0.0.1:8080"},
      {{.http_proxy = "https://127.0.0.1:8080"}, "", "https://127.0.0.1:8080"},
      {{.http_proxy = "socks5://127.0.0.1"}, "", "socks5://127.0.0.1"},
      // Preserve unknown schemes.
      {{.http_proxy = "foo://host"}, "", "foo://host"},
      // Don't use secure for http
      {{.http_proxy = "http.proxy.tld", .https_proxy = "secure.proxy.tld"},
       "http://insecure.tld/",
       "http://http.proxy.tld"},
      // Use secure for https.
      {{.http_proxy = "http.proxy.tld", .https_proxy = "secure.proxy.tld"},
       "https://secure.tld/",
       "http://secure.proxy.tld"},
      {{.http_proxy = "http.proxy.tld", .https_proxy = "https://secure.proxy.tld"},
       "https://secure.tld/",
       "https://secure.proxy.tld"},
      {{.http_proxy = "http.proxy.tld"}, "https://secure.tld/", "<nil>"},
      {{.http_proxy = "http.proxy.tld"}, "ftp://insecure.tld/", "<nil>"},
      // Issue 16405: don't use HTTP_PROXY in a CGI environment,
      // where HTTP_PROXY can be attacker-controlled.
      {{.http_proxy = "http://10.1.2.3:8080", .cgi = true}, "", kCgiError},
      // HTTPS proxy is still used even in CGI environment.
      // (perhaps dubious but it's the historical behaviour).
      {{.https_proxy = "https://secure.proxy.tld", .cgi = true},
       "https://secure.tld/",
       "https://secure.proxy.tld"},
      {{}, "", "<nil>"},
      {{.http_proxy = "proxy", .no_proxy = "example.com"}, "http://example.com/", "<nil>"},
      {{.http_proxy = "proxy", .no_proxy = ".example.com"}, "http://example.com/", "http://proxy"},
      {{.http_proxy = "proxy", .no_proxy = "ample.com"}, "http://example.com/", "http://proxy"},
      {{.http_proxy = "proxy", .no_proxy = "example.com"}, "http://foo.example.com/", "<nil>"},
      {{.http_proxy = "proxy", .no_proxy = ".foo.com"}, "http://example.com/", "http://proxy"},
      // Non-ASCII names match when both are written alike...
      {{.http_proxy = "proxy", .no_proxy = ".示例.com"}, "http://www.示例.com", "<nil>"},
      // ...but without IDNA, a punycode entry and a Unicode host (or the
      // reverse) do not match. Go: "<nil>" for both.
      {{.http_proxy = "proxy", .no_proxy = "xn--fsq092h.com"}, "http://www.示例.com", "http://proxy"},
      {{.http_proxy = "proxy", .no_proxy = "示例.com"}, "http://www.xn--fsq092h.com", "http://proxy"},
      // CVE-2025-22870: a zone is no host name to match.
      {{.http_proxy = "proxy", .no_proxy = "example.com"},
       "http://[1000::%25.example.com]:123",
       "http://proxy"},
  };
  return tests;
}

TEST_SUITE("Proxy") {
  TEST_CASE("ProxyForURL: Go's proxyForURLTests") {
    for (const ProxyForURLTest& tt : ProxyForURLTests()) {
      const std::string req = tt.req.empty() ? "http://example.com" : std::string(tt.req);
      CAPTURE(tt.cfg.http_proxy);
      CAPTURE(tt.cfg.https_proxy);
      CAPTURE(tt.cfg.no_proxy);
      CAPTURE(tt.cfg.cgi);
      CAPTURE(req);
      ProxyConfig cfg = tt.cfg;
      Result<URL> u = Parse(req);
      REQUIRE(u.ok());
      ProxyForURLFunc proxy_for_url = cfg.ProxyFunc();
      CHECK(Describe(proxy_for_url(*u)) == tt.want);
      // Changing the config doesn't change the function's results.
      cfg = ProxyConfig{};
      CHECK(Describe(proxy_for_url(*u)) == tt.want);
    }
  }

  // Go's UseProxyTests against its noProxy list: match means the request
  // goes through the proxy.
  struct UseProxyTest {
    std::string_view host;
    bool match;
  };
  const std::vector<UseProxyTest> kUseProxyTests = {
      // Never proxy localhost:
      {"localhost", false},
      {"127.0.0.1", false},
      {"127.0.0.2", false},
      {"[::1]", false},
      {"[::2]", true},  // not a loopback address

      {"192.168.1.1", false},                 // matches exact IPv4
      {"192.168.1.2", true},                  // ports do not match
      {"192.168.1.3", false},                 // matches exact IPv4:port
      {"192.168.1.4", true},                  // no match
      {"10.0.0.2", false},                    // matches IPv4/CIDR
      {"[2001:db8::52:0:1]", false},          // matches exact IPv6
      {"[2001:db8::52:0:2]", true},           // no match
      {"[2001:db8::52:0:3]", false},          // matches exact [IPv6]:port
      {"[2002:db8:a::123]", false},           // matches IPv6/CIDR
      {"[fe80::424b:c8be:1643:a1b6]", true},  // no match

      {"barbaz.net", true},           // does not match as .barbaz.net
      {"www.barbaz.net", false},      // does match as .barbaz.net
      {"foobar.com", false},          // does match as foobar.com
      {"www.foobar.com", false},      // match because NO_PROXY includes "foobar.com"
      {"foofoobar.com", true},        // not match as a part of foobar.com
      {"baz.com", true},              // not match as a part of barbaz.com
      {"localhost.net", true},        // not match as suffix of address
      {"local.localhost", true},      // not match as prefix as address
      {"barbarbaz.net", true},        // not match, wrong domain
      {"wildcard.io", true},          // does not match as *.wildcard.io
      {"nested.wildcard.io", false},  // match as *.wildcard.io
      {"awildcard.io", true},         // not a match because of '*'
  };
  const std::string kNoProxy =
      "foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, "
      "10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, "
      "2002:db8:a::45/64";

  TEST_CASE("UseProxy: Go's UseProxyTests") {
    // Go calls useProxy(host+":80"); the http request below reaches it
    // with the same address.
    const ProxyConfig cfg{.http_proxy = "proxy", .no_proxy = kNoProxy};
    ProxyForURLFunc f = cfg.ProxyFunc();
    for (const UseProxyTest& test : kUseProxyTests) {
      CAPTURE(test.host);
      Result<URL> u = Parse("http://" + std::string(test.host) + ":80");
      REQUIRE(u.ok());
      CHECK(Describe(f(*u)) == (test.match ? "http://proxy" : "<nil>"));
    }
  }

  TEST_CASE("UseProxy: NO_PROXY=* matches every host (Go: TestAllNoProxy)") {
    const ProxyConfig cfg{.http_proxy = "proxy", .no_proxy = "*"};
    for (const UseProxyTest& test : kUseProxyTests) {
      CAPTURE(test.host);
      CHECK(ProxyFor(cfg, "http://" + std::string(test.host) + ":80") == "<nil>");
    }
    CHECK(ProxyFor({.http_proxy = "proxy", .no_proxy = " foo.com , * "}, "http://x.org/") == "<nil>");
  }

  TEST_CASE("UseProxy: malformed NO_PROXY entries are skipped (Go: TestInvalidNoProxy)") {
    for (std::string_view no_proxy : {":1", ",", " , ,", "[::1", "10.0.0.0/33", "1.2.3.4/x", "/8"}) {
      CAPTURE(no_proxy);
      CHECK(ProxyFor({.http_proxy = "proxy", .no_proxy = std::string(no_proxy)},
                     "http://example.com:80") == "http://proxy");
    }
  }

  TEST_CASE("UseProxy: more NO_PROXY rules from proxy.go") {
    struct Row {
      std::string_view no_proxy;
      std::string_view req;
      std::string_view want;
    };
    const std::vector<Row> rows = {
        // Entries and hosts compare ignoring ASCII case and the spaces
        // around an entry.
        {"  EXAMPLE.com  ", "http://www.Example.COM/", "<nil>"},
        // Only commas separate entries (Go): this is one entry.
        {"a.com b.com", "http://b.com/", "http://proxy"},
        // A port on a domain entry; the scheme's default port counts.
        {"example.com:8080", "http://example.com:8080/", "<nil>"},
        {"example.com:8080", "http://example.com/", "http://proxy"},
        {"example.com:80", "http://example.com/", "<nil>"},
        {"example.com:443", "https://example.com/", "<nil>"},
        {"example.com:443", "http://example.com/", "http://proxy"},
        {"*.example.com:443", "https://a.example.com/", "<nil>"},
        // An IPv4-mapped IPv6 host is its IPv4 address (Go: IP.Equal).
        {"192.168.1.1", "http://[::ffff:192.168.1.1]/", "<nil>"},
        {"::ffff:192.168.1.1", "http://192.168.1.1/", "<nil>"},
        {"10.0.0.0/8", "http://[::ffff:10.1.2.3]/", "<nil>"},
        // An IPv6 network never holds an IPv4 address (Go: IPNet.Contains)...
        {"::/0", "http://10.1.2.3/", "http://proxy"},
        {"::/0", "http://[2001:db8::1]/", "<nil>"},
        // ...unless it is written IPv4-mapped: "::ffff:10.0.0.0/104" is 10/8.
        {"::ffff:10.0.0.0/104", "http://10.1.2.3/", "<nil>"},
        {"0.0.0.0/0", "http://8.8.8.8/", "<nil>"},
        {"0.0.0.0/0", "http://[2001:db8::1]/", "http://proxy"},
        // Go's dtoi takes leading zeros in the prefix length.
        {"10.0.0.0/008", "http://10.200.0.1/", "<nil>"},
        {"10.1.2.3/32", "http://10.1.2.4/", "http://proxy"},
        // An IPv4 entry with leading zeros is no IP (Go 1.17+), and as a
        // domain it cannot match an IP address.
        {"010.1.2.3", "http://10.1.2.3/", "http://proxy"},
        // A bracketed IPv6 entry needs a port to be read as an IP (Go).
        {"[2001:db8::1]", "http://[2001:db8::1]/", "http://proxy"},
        {"[2001:db8::1]:80", "http://[2001:db8::1]/", "<nil>"},
        // CVE-2025-22870: domain entries never match an IP address, zones
        // included, and a zone does not hide the address from IP entries.
        {"1.1", "http://192.168.1.1/", "http://proxy"},
        {"example.com", "http://[fe80::1%25.example.com]/", "http://proxy"},
        {"fe80::1", "http://[fe80::1%25eth0]/", "<nil>"},
        // Loopback is never proxied, in any spelling.
        {"", "http://localhost:8080/", "<nil>"},
        {"", "http://127.1.2.3:8080/", "<nil>"},
        {"", "http://[::ffff:127.0.0.1]/", "<nil>"},
        {"", "http://[::1%25lo]/", "<nil>"},
        {"", "http://[::1]:9/", "<nil>"},
        // Go compares "localhost" exactly, before lowering the host.
        {"", "http://LOCALHOST/", "http://proxy"},
        {"", "http://localhost.example/", "http://proxy"},
        // A ".": every fully qualified name ending in a dot.
        {".", "http://example.com./", "<nil>"},
        {".", "http://example.com/", "http://proxy"},
    };
    for (const Row& row : rows) {
      CAPTURE(row.no_proxy);
      CAPTURE(row.req);
      CHECK(ProxyFor({.http_proxy = "proxy", .https_proxy = "proxy", .no_proxy = std::string(row.no_proxy)},
                     row.req) == row.want);
    }
  }

  TEST_CASE("ProxyFunc: CGI refuses HTTP_PROXY for every http request (httpoxy)") {
    const ProxyConfig cfg{.http_proxy = "http://attacker:8080",
                          .https_proxy = "https://secure.proxy.tld",
                          .no_proxy = "example.com",
                          .cgi = true};
    // Checked before localhost and NO_PROXY, as in Go.
    CHECK(ProxyFor(cfg, "http://localhost/") == kCgiError);
    CHECK(ProxyFor(cfg, "http://example.com/") == kCgiError);
    CHECK(ProxyFor(cfg, "http://other.org/") == kCgiError);
    CHECK(ProxyFor(cfg, "https://other.org/") == "https://secure.proxy.tld");
    CHECK(ProxyFor(cfg, "https://example.com/") == "<nil>");
    // Without HTTP_PROXY there is nothing to refuse.
    CHECK(ProxyFor({.cgi = true}, "http://other.org/") == "<nil>");
    Result<URL> u = Parse("http://other.org/");
    REQUIRE(u.ok());
    CHECK(cfg.ProxyFunc()(*u).error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("ProxyFunc: invalid proxy values are errors when used") {
    struct Row {
      std::string_view proxy;
      std::string_view want;
    };
    // Go ignores a value that does not parse (no proxy: the request goes
    // direct); we fail the request, so that a typo cannot silently bypass
    // the proxy the user asked for.
    const std::vector<Row> rows = {
        {"%zz", R"(error: invalid proxy address "%zz": parse "%zz": invalid URL escape "%zz")"},
        {"[::1",
         R"(error: invalid proxy address "[::1": parse "[::1": )"
         "first path segment in URL cannot contain colon"},
        // Go prefixes this too, and proxies on the host "http:".
        {"http://[::1",
         R"(error: invalid proxy address "http://[::1": parse "http://[::1": missing ']' in host)"},
        // Parses, but as a path: Go returns it and its Transport fails
        // to dial ":"; we say so here.
        {"a b", R"(error: invalid proxy address "a b": no host)"},
        {"http://", R"(error: invalid proxy address "http://": no host)"},  // Go: "http://http://"
        // Fine values, for contrast: user info and ports are kept.
        {"http://user:pass@proxy:3128", "http://user:pass@proxy:3128"},
        {"HTTPS://Proxy.Example:443/", "https://Proxy.Example:443/"},
        {"proxy:3128", "http://proxy:3128"},
        {"[::1]:3128", "http://[::1]:3128"},
        {"socks5h://proxy:1080", "socks5h://proxy:1080"},
    };
    for (const Row& row : rows) {
      CAPTURE(row.proxy);
      CHECK(ProxyFor({.http_proxy = std::string(row.proxy)}, "http://example.com/") == row.want);
    }
    Result<URL> u = Parse("http://example.com/");
    REQUIRE(u.ok());
    CHECK(ProxyConfig{.http_proxy = "%zz"}.ProxyFunc()(*u).error().code() == ErrorCode::kInvalidUrl);
    // The error comes only for a request that would use the proxy.
    CHECK(ProxyFor({.http_proxy = "%zz", .no_proxy = "example.com"}, "http://example.com/") == "<nil>");
    CHECK(ProxyFor({.http_proxy = "%zz"}, "http://127.0.0.1/") == "<nil>");
    CHECK(ProxyFor({.http_proxy = "%zz"}, "https://example.com/") == "<nil>");
  }

  // EnvGuard sets the proxy variables for one test and restores them.
  class EnvGuard {
   public:
    static constexpr const char* kNames[] = {"HTTP_PROXY",  "http_proxy", "HTTPS_PROXY",   "https_proxy",
                                             "NO_PROXY",    "no_proxy",   "REQUEST_METHOD"};
    EnvGuard() {
      for (const char* name : kNames) {
        const char* v = std::getenv(name);
        saved_.push_back(v == nullptr ? std::nullopt : std::optional<std::string>(v));
        unsetenv(name);
      }
    }
    ~EnvGuard() {
      for (size_t i = 0; i < saved_.size(); ++i) {
        if (saved_[i]) {
          setenv(kNames[i], saved_[i]->c_str(), 1);
        } else {
          unsetenv(kNames[i]);
        }
      }
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

   private:
    std::vector<std::optional<std::string>> saved_;
  };

  bool SameConfig(const ProxyConfig& a, const ProxyConfig& b) {
    return a.http_proxy == b.http_proxy && a.https_proxy == b.https_proxy && a.no_proxy == b.no_proxy &&
           a.cgi == b.cgi;
  }

  TEST_CASE("ProxyConfig::FromEnvironment (Go: TestFromEnvironment*)") {
    EnvGuard guard;
    SUBCASE("upper case") {
      setenv("HTTP_PROXY", "httpproxy", 1);
      setenv("HTTPS_PROXY", "httpsproxy", 1);
      setenv("NO_PROXY", "noproxy", 1);
      setenv("REQUEST_METHOD", "", 1);
      CHECK(SameConfig(ProxyConfig::FromEnvironment(),
                       {.http_proxy = "httpproxy", .https_proxy = "httpsproxy", .no_proxy = "noproxy"}));
    }
    SUBCASE("with REQUEST_METHOD: a CGI process") {
      setenv("HTTP_PROXY", "httpproxy", 1);
      setenv("HTTPS_PROXY", "httpsproxy", 1);
      setenv("NO_PROXY", "noproxy", 1);
      setenv("REQUEST_METHOD", "PUT", 1);
      CHECK(SameConfig(
          ProxyConfig::FromEnvironment(),
          {.http_proxy = "httpproxy", .https_proxy = "httpsproxy", .no_proxy = "noproxy", .cgi = true}));
    }
    SUBCASE("lower case") {
      setenv("http_proxy", "httpproxy", 1);
      setenv("https_proxy", "httpsproxy", 1);
      setenv("no_proxy", "noproxy", 1);
      setenv("REQUEST_METHOD", "", 1);
      CHECK(SameConfig(ProxyConfig::FromEnvironment(),
                       {.http_proxy = "httpproxy", .https_proxy = "httpsproxy", .no_proxy = "noproxy"}));
    }
    SUBCASE("upper case first; an empty value counts as unset") {
      setenv("HTTP_PROXY", "upper", 1);
      setenv("http_proxy", "lower", 1);
      setenv("HTTPS_PROXY", "", 1);
      setenv("https_proxy", "lower-s", 1);
      CHECK(SameConfig(ProxyConfig::FromEnvironment(), {.http_proxy = "upper", .https_proxy = "lower-s"}));
    }
    SUBCASE("nothing set") { CHECK(SameConfig(ProxyConfig::FromEnvironment(), {})); }
  }

  TEST_CASE("ProxyFromEnvironment reads the environment once per process") {
    // The only call in this binary: the first sees these variables, and
    // later changes are not seen (Go's envProxyFunc sync.Once).
    EnvGuard guard;
    setenv("HTTP_PROXY", "http://env.proxy:3128", 1);
    setenv("https_proxy", "secure.env.proxy", 1);
    setenv("NO_PROXY", "internal.example", 1);
    Result<Request> http_req = NewRequest("GET", "http://example.com/");
    Result<Request> https_req = NewRequest("GET", "https://example.com/");
    Result<Request> internal_req = NewRequest("GET", "http://a.internal.example/");
    REQUIRE(http_req.ok());
    REQUIRE(https_req.ok());
    REQUIRE(internal_req.ok());
    CHECK(Describe(ProxyFromEnvironment(*http_req)) == "http://env.proxy:3128");
    CHECK(Describe(ProxyFromEnvironment(*https_req)) == "http://secure.env.proxy");
    CHECK(Describe(ProxyFromEnvironment(*internal_req)) == "<nil>");
    setenv("HTTP_PROXY", "http://other:1", 1);
    setenv("REQUEST_METHOD", "GET", 1);
    unsetenv("NO_PROXY");
    CHECK(Describe(ProxyFromEnvironment(*http_req)) == "http://env.proxy:3128");
    CHECK(Describe(ProxyFromEnvironment(*internal_req)) == "<nil>");
    // And a ProxyFromEnvironment is a ProxyFunc, for Transport::proxy.
    ProxyFunc f = ProxyFromEnvironment;
    CHECK(Describe(f(*https_req)) == "http://secure.env.proxy");
  }

  TEST_CASE("ProxyURL always returns its URL") {
    Result<URL> fixed = Parse("http://user:pw@fixed.proxy:8080");
    REQUIRE(fixed.ok());
    ProxyFunc f = ProxyURL(*fixed);
    for (std::string_view target : {"http://example.com/", "https://x.org/", "http://localhost/"}) {
      CAPTURE(target);
      Result<Request> req = NewRequest("GET", target);
      REQUIRE(req.ok());
      CHECK(Describe(f(*req)) == "http://user:pw@fixed.proxy:8080");
    }
    // Not checked: the Transport refuses what it cannot dial.
    Result<Request> req = NewRequest("GET", "http://example.com/");
    REQUIRE(req.ok());
    CHECK(Describe(ProxyURL(URL{.scheme = "socks5", .host = "s:1080"})(*req)) == "socks5://s:1080");
  }
}

}  // namespace
}  // namespace nethttp
