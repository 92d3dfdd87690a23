// Tests for lib/serve_mux.cc, ported from Go 1.19's serve_test.go:
// TestServeMuxHandler, TestServeMuxHandlerRedirects, TestMuxRedirectLeadingSlashes,
// TestMuxRedirectRelative, TestServeWithSlashRedirectKeepsQueryString,
// TestServeWithSlashRedirectForHostPatterns, plus cleanPath and host:port cases.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

#include "nethttp/handler.h"
#include "nethttp/httptest.h"
#include "nethttp/request.h"
#include "nethttp/serve_mux.h"
#include "nethttp/status.h"

namespace {

using nethttp::Request;
using nethttp::ServeMux;
using nethttp::httptest::ResponseRecorder;

// Serve answers with a bare status (Go: serve(code)).
std::shared_ptr<nethttp::Handler> Serve(int code) {
  return std::make_shared<nethttp::HandlerFunc>([code](nethttp::ResponseWriter& w, Request&) { w.WriteHeader(code); });
}

// StringHandler names itself in a Result header (Go: stringHandler).
std::shared_ptr<nethttp::Handler> StringHandler(std::string s) {
  return std::make_shared<nethttp::HandlerFunc>(
      [s = std::move(s)](nethttp::ResponseWriter& w, Request&) { w.Header().Set("Result", s); });
}

// CheckQueryString answers 200 when the query repeats host+path (Go:
// checkQueryStringHandler), i.e. when a redirect kept the query intact.
void CheckQueryString(nethttp::ResponseWriter& w, Request& r) {
  const bool same = "http://" + r.url.raw_query == "http://" + r.host + r.url.path;
  w.WriteHeader(same ? 200 : 500);
}

// Target sets path and query from "path?query" (what a client does with a
// Location before it follows it).
void SetTarget(Request* r, std::string_view target) {
  const size_t q = target.find('?');
  r->url.path = std::string(target.substr(0, q));
  r->url.raw_query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
  r->request_uri = std::string(target);
}

Request MakeRequest(std::string_view method, std::string_view host, std::string_view target) {
  Request r;
  r.method = std::string(method);
  r.host = std::string(host);
  SetTarget(&r, target);
  return r;
}

// Go's serveMuxRegister.
void RegisterGoPatterns(ServeMux* mux) {
  REQUIRE(mux->Handle("/dir/", Serve(200)).ok());
  REQUIRE(mux->Handle("/search", Serve(201)).ok());
  REQUIRE(mux->Handle("codesearch.google.com/search", Serve(202)).ok());
  REQUIRE(mux->Handle("codesearch.google.com/", Serve(203)).ok());
  REQUIRE(mux->HandleFunc("example.com/", CheckQueryString).ok());
}

// ServeMux is final (serve_mux.h says why: its method Handler would hide the
// type Handler in a derived class). These are the two ways to add behaviour
// the header points to, a Go program's embedding spelled in C++.
static_assert(std::is_final_v<ServeMux>);

// VersionedMux holds a mux as a member and adds a header to every answer.
// Inside this class Handler is the type, as a user expects: the method of
// the same name stays in ServeMux's scope.
class VersionedMux : public nethttp::Handler {
 public:
  ServeMux mux;
  std::shared_ptr<Handler> Route(const Request& r, std::string* pattern) const {
    return mux.Handler(r, pattern);
  }
  void ServeHTTP(nethttp::ResponseWriter& w, Request& r) override {
    w.Header().Set("X-Version", "2");
    mux.ServeHTTP(w, r);
  }
};

}  // namespace

TEST_SUITE("serve_mux") {
  TEST_CASE("Handler: Go's serveMuxTests") {
    ServeMux mux;
    RegisterGoPatterns(&mux);
    struct Case {
      std::string_view method, host, path;
      int code;
      std::string_view pattern;
    };
    const Case cases[] = {
        {"GET", "google.com", "/", 404, ""},
        {"GET", "google.com", "/dir", 301, "/dir/"},
        {"GET", "google.com", "/dir/", 200, "/dir/"},
        {"GET", "google.com", "/dir/file", 200, "/dir/"},
        {"GET", "google.com", "/search", 201, "/search"},
        {"GET", "google.com", "/search/", 404, ""},
        {"GET", "google.com", "/search/foo", 404, ""},
        {"GET", "codesearch.google.com", "/search", 202, "codesearch.google.com/search"},
        {"GET", "codesearch.google.com", "/search/", 203, "codesearch.google.com/"},
        {"GET", "codesearch.google.com", "/search/foo", 203, "codesearch.google.com/"},
        {"GET", "codesearch.google.com", "/", 203, "codesearch.google.com/"},
        {"GET", "codesearch.google.com:443", "/", 203, "codesearch.google.com/"},
        {"GET", "images.google.com", "/search", 201, "/search"},
        {"GET", "images.google.com", "/search/", 404, ""},
        {"GET", "images.google.com", "/search/foo", 404, ""},
        {"GET", "google.com", "/../search", 301, "/search"},
        {"GET", "google.com", "/dir/..", 301, ""},
        {"GET", "google.com", "/dir/./file", 301, "/dir/"},
        // The /foo -> /foo/ redirect applies to CONNECT requests but the
        // path canonicalisation does not. A CONNECT no pattern matches is
        // 405 where Go says 404 (serve_mux.cc RefuseConnect).
        {"CONNECT", "google.com", "/dir", 301, "/dir/"},
        {"CONNECT", "google.com", "/../search", 405, ""},
        {"CONNECT", "google.com", "/dir/..", 200, "/dir/"},
        {"CONNECT", "google.com", "/dir/./file", 200, "/dir/"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.method);
      CAPTURE(c.host);
      CAPTURE(c.path);
      Request r = MakeRequest(c.method, c.host, c.path);
      std::string pattern = "unset";
      std::shared_ptr<nethttp::Handler> h = mux.Handler(r, &pattern);
      REQUIRE(h);
      ResponseRecorder w;
      h->ServeHTTP(w, r);
      CHECK(w.code == c.code);
      CHECK(pattern == c.pattern);
      // ServeHTTP takes the same decision without building a handler.
      ResponseRecorder w2;
      mux.ServeHTTP(w2, r);
      CHECK(w2.code == c.code);
      CHECK(w2.Header().Get("Location") == w.Header().Get("Location"));
    }
  }

  TEST_CASE("redirects keep the query string (Go: TestServeMuxHandlerRedirects)") {
    ServeMux mux;
    RegisterGoPatterns(&mux);
    struct Case {
      std::string_view method, host, url;
      int code;
      bool redirect_ok;
    };
    const Case cases[] = {
        {"GET", "google.com", "/", 404, false},
        {"GET", "example.com", "/test/?example.com/test/", 200, false},
        {"GET", "example.com", "test/?example.com/test/", 200, true},
    };
    for (const Case& c : cases) {
      CAPTURE(c.url);
      int tries = 1;  // at most one redirect when redirect_ok
      std::string target(c.url);
      for (;;) {
        Request r = MakeRequest(c.method, c.host, target);
        ResponseRecorder w;
        mux.Handler(r)->ServeHTTP(w, r);
        if (w.code != 301) {
          CHECK(w.code == c.code);
          break;
        }
        REQUIRE(c.redirect_ok);
        target = std::string(w.Header().Get("Location"));
        --tries;
        REQUIRE(tries >= 0);
      }
    }
  }

  TEST_CASE("leading slashes and dot segments redirect to the clean path (Go: TestMuxRedirectLeadingSlashes)") {
    for (std::string_view path : {"//foo.txt", "///foo.txt", "/../../foo.txt"}) {
      CAPTURE(path);
      ServeMux mux;
      Request r = MakeRequest("GET", "test", path);
      ResponseRecorder w;
      mux.ServeHTTP(w, r);
      CHECK(w.code == nethttp::StatusMovedPermanently);
      CHECK(w.Header().Get("Location") == "/foo.txt");
    }
  }

  TEST_CASE("an empty path redirects to / (Go: TestMuxRedirectRelative)") {
    // "GET http://example.com HTTP/1.1" has an empty path.
    ServeMux mux;
    Request r = MakeRequest("GET", "test", "");
    r.request_uri = "http://example.com";
    ResponseRecorder w;
    mux.ServeHTTP(w, r);
    CHECK(w.code == 301);
    CHECK(w.Header().Get("Location") == "/");
  }

  TEST_CASE("cleanPath cases, with the query kept and the path escaped") {
    // Expected Locations were produced by Go 1.19's ServeMux (query "k=v").
    struct Case {
      std::string_view path, location;
    };
    const Case cases[] = {
        {"", "/?k=v"},
        {"/a/../b", "/b?k=v"},
        {"//x", "/x?k=v"},
        {"/a/./b/", "/a/b/?k=v"},
        {"/a/b/..", "/a?k=v"},
        {"/a/b/../", "/a/?k=v"},
        {"a/b", "/a/b?k=v"},
        {"/..", "/?k=v"},
        {"/a//b//", "/a/b/?k=v"},
        {"/./", "/?k=v"},
        {"/.", "/?k=v"},
        {".", "/?k=v"},
        {"/a b/../c d", "/c%20d?k=v"},
        {"/a/../q?x", "/q%3Fx?k=v"},
        {"/x/../!*'();:@&=+$,/?#[]~\xc3\xa9", "/%21%2A%27%28%29;:@&=+$,/%3F%23%5B%5D~%C3%A9?k=v"},
        {"/a:b/../c:d", "/c:d?k=v"},
    };
    ServeMux mux;
    for (const Case& c : cases) {
      CAPTURE(c.path);
      Request r = MakeRequest("GET", "h", "");
      r.url.path = std::string(c.path);
      r.url.raw_query = "k=v";
      ResponseRecorder w;
      mux.ServeHTTP(w, r);
      CHECK(w.code == 301);
      CHECK(w.Header().Get("Location") == c.location);
    }
    SUBCASE("clean paths are served, not redirected") {
      for (std::string_view path : {"/", "/a", "/a/", "/a/b.c/", "/.a/..b/...", "/a./b..", "/%2e%2e"}) {
        CAPTURE(path);
        Request r = MakeRequest("GET", "h", path);
        ResponseRecorder w;
        mux.ServeHTTP(w, r);
        CHECK(w.code == 404);
      }
    }
  }

  TEST_CASE("subtree redirects keep the query (Go: TestServeWithSlashRedirectKeepsQueryString)") {
    ServeMux mux;
    auto write_back_query = [](nethttp::ResponseWriter& w, Request& r) { w.Write(r.url.raw_query); };
    REQUIRE(mux.HandleFunc("/testOne", write_back_query).ok());
    REQUIRE(mux.HandleFunc("/testTwo/", write_back_query).ok());
    REQUIRE(mux.HandleFunc("/testThree", write_back_query).ok());
    REQUIRE(mux.HandleFunc("/testThree/", [](nethttp::ResponseWriter& w, Request& r) {
                  w.Write(r.url.raw_query + ":bar");
                }).ok());
    struct Case {
      std::string_view path, method, want;
      int code;
    };
    const Case cases[] = {
        {"/testOne?this=that", "GET", "this=that", 200},
        {"/testTwo?foo=bar", "GET", "foo=bar", 200},
        {"/testTwo?a=1&b=2&a=3", "GET", "a=1&b=2&a=3", 200},
        {"/testTwo?", "GET", "", 200},
        {"/testThree?foo", "GET", "foo", 200},
        {"/testThree/?foo", "GET", "foo:bar", 200},
        {"/testThree?foo", "CONNECT", "foo", 200},
        {"/testThree/?foo", "CONNECT", "foo:bar", 200},
        // Canonicalisation, or not for CONNECT.
        {"/testOne/foo/..?foo", "GET", "foo", 200},
        {"/testOne/foo/..?foo", "CONNECT", "Method Not Allowed\n", 405},  // Go: 404
    };
    for (const Case& c : cases) {
      CAPTURE(c.method);
      CAPTURE(c.path);
      std::string target(c.path);
      ResponseRecorder w;
      for (int hops = 0; hops < 2; ++hops) {  // follow one redirect, as a client would
        Request r = MakeRequest(c.method, "127.0.0.1:8080", target);
        w = ResponseRecorder();
        mux.ServeHTTP(w, r);
        if (w.code != 301) break;
        target = std::string(w.Header().Get("Location"));
      }
      CHECK(w.code == c.code);
      CHECK(w.body == c.want);
    }
  }

  TEST_CASE("subtree redirects with host patterns (Go: TestServeWithSlashRedirectForHostPatterns)") {
    ServeMux mux;
    for (std::string_view p : {"example.com/pkg/foo/", "example.com/pkg/bar", "example.com/pkg/bar/",
                               "example.com:3000/pkg/connect/", "example.com:9000/", "/pkg/baz/"}) {
      REQUIRE(mux.Handle(p, StringHandler(std::string(p))).ok());
    }
    struct Case {
      std::string_view method, host, path;
      int code;
      std::string_view loc, want;
    };
    const Case cases[] = {
        {"GET", "example.com", "/", 404, "", ""},
        {"GET", "example.com", "/pkg/foo", 301, "/pkg/foo/", ""},
        {"GET", "example.com", "/pkg/bar", 200, "", "example.com/pkg/bar"},
        {"GET", "example.com", "/pkg/bar/", 200, "", "example.com/pkg/bar/"},
        {"GET", "example.com", "/pkg/baz", 301, "/pkg/baz/", ""},
        {"GET", "example.com:3000", "/pkg/foo", 301, "/pkg/foo/", ""},
        // (405: Go answers 404; see serve_mux.cc RefuseConnect.)
        {"CONNECT", "example.com", "/", 405, "", ""},
        {"CONNECT", "example.com:3000", "/", 405, "", ""},
        {"CONNECT", "example.com:9000", "/", 200, "", "example.com:9000/"},
        {"CONNECT", "example.com", "/pkg/foo", 301, "/pkg/foo/", ""},
        {"CONNECT", "example.com:3000", "/pkg/foo", 405, "", ""},
        {"CONNECT", "example.com:3000", "/pkg/baz", 301, "/pkg/baz/", ""},
        {"CONNECT", "example.com:3000", "/pkg/connect", 301, "/pkg/connect/", ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.method);
      CAPTURE(c.host);
      CAPTURE(c.path);
      // As http.NewRequest("…", "http://host/path") sets both Host fields.
      Request r = MakeRequest(c.method, c.host, c.path);
      r.url.scheme = "http";
      r.url.host = std::string(c.host);
      ResponseRecorder w;
      mux.ServeHTTP(w, r);
      CHECK(w.code == c.code);
      if (c.code == 301) {
        CHECK(w.Header().Get("Location") == c.loc);
      } else {
        CHECK(w.Header().Get("Result") == c.want);
      }
    }
  }

  TEST_CASE("the port is stripped from the host as net.SplitHostPort does") {
    // Expected hosts were produced by Go 1.19's stripHostPort.
    struct Case {
      std::string_view host, stripped;
    };
    const Case cases[] = {
        {"example.com:8080", "example.com"}, {"example.com:", "example.com"}, {"[::1]:80", "::1"},
        {"[::1]", "[::1]"},                  {"::1", "::1"},                  {"a:b:c", "a:b:c"},
        {"[a]b:80", "[a]b:80"},              {"x]:80", "x]:80"},              {"[x:80", "[x:80"},
        {"[a]:b:80", "[a]:b:80"},            {"a[:80", "a[:80"},              {"example.com", "example.com"},
    };
    ServeMux mux;
    for (const Case& c : cases) {
      std::string pattern = std::string(c.stripped) + "/";
      if (mux.Handle(pattern, StringHandler(pattern))) {
        // Registered already by an earlier case with the same result.
      }
    }
    for (const Case& c : cases) {
      CAPTURE(c.host);
      Request r = MakeRequest("GET", c.host, "/x");
      std::string pattern;
      mux.Handler(r, &pattern);
      CHECK(pattern == std::string(c.stripped) + "/");
    }
  }

  TEST_CASE("longest subtree wins, exact beats subtree, equal lengths keep registration order") {
    ServeMux mux;
    REQUIRE(mux.Handle("/", StringHandler("/")).ok());
    REQUIRE(mux.Handle("/images/thumbnails/", StringHandler("/images/thumbnails/")).ok());
    REQUIRE(mux.Handle("/images/", StringHandler("/images/")).ok());
    REQUIRE(mux.Handle("/images/logo.png", StringHandler("/images/logo.png")).ok());
    REQUIRE(mux.Handle("/aa/", StringHandler("/aa/")).ok());
    REQUIRE(mux.Handle("/bb/", StringHandler("/bb/")).ok());
    struct Case {
      std::string_view path, pattern;
    };
    const Case cases[] = {
        {"/", "/"},
        {"/favicon.ico", "/"},
        {"/images/", "/images/"},
        {"/images/a.png", "/images/"},
        {"/images/thumbnails/", "/images/thumbnails/"},
        {"/images/thumbnails/a.png", "/images/thumbnails/"},
        {"/images/thumbnailsX", "/images/"},
        {"/images/logo.png", "/images/logo.png"},
        {"/images/logo.png/x", "/images/"},
        {"/aa/x", "/aa/"},
        {"/bb/x", "/bb/"},
        {"/imagesX", "/"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.path);
      Request r = MakeRequest("GET", "h", c.path);
      std::string pattern;
      std::shared_ptr<nethttp::Handler> h = mux.Handler(r, &pattern);
      CHECK(pattern == c.pattern);
      ResponseRecorder w;
      h->ServeHTTP(w, r);
      CHECK(w.Header().Get("Result") == c.pattern);
    }
  }

  TEST_CASE("an explicit /tree registration wins over the /tree -> /tree/ redirect") {
    ServeMux mux;
    REQUIRE(mux.Handle("/tree/", StringHandler("/tree/")).ok());
    Request r = MakeRequest("GET", "h", "/tree?x=1");
    ResponseRecorder before;
    mux.ServeHTTP(before, r);
    CHECK(before.code == 301);
    CHECK(before.Header().Get("Location") == "/tree/?x=1");
    CHECK(before.body == "<a href=\"/tree/?x=1\">Moved Permanently</a>.\n\n");

    REQUIRE(mux.Handle("/tree", StringHandler("/tree")).ok());
    ResponseRecorder after;
    mux.ServeHTTP(after, r);
    CHECK(after.code == 200);
    CHECK(after.Header().Get("Result") == "/tree");
  }

  TEST_CASE("a host subtree redirects only on its host") {
    ServeMux mux;
    REQUIRE(mux.Handle("example.com/docs/", StringHandler("example.com/docs/")).ok());
    std::string pattern;
    Request on_host = MakeRequest("GET", "example.com:80", "/docs");
    ResponseRecorder w1;
    mux.Handler(on_host, &pattern)->ServeHTTP(w1, on_host);
    CHECK(w1.code == 301);
    CHECK(pattern == "/docs/");  // Go reports the redirect's path as the pattern
    CHECK(w1.Header().Get("Location") == "/docs/");

    Request elsewhere = MakeRequest("GET", "other.org", "/docs");
    ResponseRecorder w2;
    mux.Handler(elsewhere, &pattern)->ServeHTTP(w2, elsewhere);
    CHECK(w2.code == 404);
    CHECK(pattern == "");
  }

  TEST_CASE("redirects of other methods carry no body or Content-Type (Go: Redirect)") {
    ServeMux mux;
    REQUIRE(mux.Handle("/dir/", Serve(200)).ok());
    for (std::string_view method : {"POST", "HEAD", "PUT"}) {
      CAPTURE(method);
      Request r = MakeRequest(method, "h", "/dir");
      ResponseRecorder w;
      mux.ServeHTTP(w, r);
      CHECK(w.code == 301);
      CHECK(w.Header().Get("Location") == "/dir/");
      CHECK(w.body.empty());
      CHECK(w.Header().Has("Content-Type") == (method == "HEAD"));
    }
  }

  TEST_CASE("asterisk-form requests get a bare 400 (Go: ServeMux.ServeHTTP)") {
    ServeMux mux;
    REQUIRE(mux.Handle("/", Serve(200)).ok());
    Request r = MakeRequest("OPTIONS", "h", "*");
    ResponseRecorder w;
    mux.ServeHTTP(w, r);
    CHECK(w.code == 400);
    CHECK(w.Header().Get("Connection") == "close");
    CHECK(w.body.empty());

    r.proto = "HTTP/1.0";
    r.proto_minor = 0;
    ResponseRecorder w10;
    mux.ServeHTTP(w10, r);
    CHECK(w10.code == 400);
    CHECK_FALSE(w10.Header().Has("Connection"));
  }

  TEST_CASE("CONNECT with no pattern is 405 with Allow, unless a pattern matches") {
    // RFC 9110 §9.3.6: CONNECT asks a proxy for a tunnel; a mux is an
    // origin's router. Go 1.19 answers 404.
    ServeMux mux;
    REQUIRE(mux.Handle("/", Serve(200)).ok());
    REQUIRE(mux.Handle("/tunnel", Serve(201)).ok());
    Request r = MakeRequest("CONNECT", "example.com:443", "");
    r.url.host = "example.com:443";
    r.request_uri = "example.com:443";
    ResponseRecorder w;
    mux.ServeHTTP(w, r);
    CHECK(w.code == 405);
    std::string_view allow = w.Header().Get("Allow");
    CHECK(allow.find("GET") != std::string_view::npos);
    CHECK(allow.find("CONNECT") == std::string_view::npos);
    // Handler() says the same.
    std::string pattern = "x";
    ResponseRecorder w2;
    mux.Handler(r)->ServeHTTP(w2, r);
    CHECK(w2.code == 405);
    CHECK(w2.Header().Get("Allow") == allow);
    mux.Handler(r, &pattern);
    CHECK(pattern.empty());
    // A CONNECT whose path a pattern matches goes to that handler, as in Go.
    Request routed = MakeRequest("CONNECT", "example.com", "/tunnel");
    ResponseRecorder w3;
    mux.ServeHTTP(w3, routed);
    CHECK(w3.code == 201);
    // Other methods that match nothing are still 404.
    ServeMux empty;
    Request get = MakeRequest("GET", "h", "/nothing");
    ResponseRecorder w4;
    empty.ServeHTTP(w4, get);
    CHECK(w4.code == 404);
  }

  TEST_CASE("registration errors carry Go's panic messages") {
    ServeMux mux;
    auto err = mux.Handle("", Serve(200));
    CHECK(err.code() == nethttp::ErrorCode::kInvalidPattern);
    CHECK(err.message() == "http: invalid pattern");

    err = mux.Handle("/x", nullptr);
    CHECK(err.code() == nethttp::ErrorCode::kInvalidPattern);
    CHECK(err.message() == "http: nil handler");

    err = mux.HandleFunc("/x", nullptr);  // Go: TestServeMuxHandleFuncWithNilHandler
    CHECK(err.code() == nethttp::ErrorCode::kInvalidPattern);
    CHECK(err.message() == "http: nil handler");

    REQUIRE(mux.Handle("/x", Serve(201)).ok());
    err = mux.Handle("/x", Serve(202));
    CHECK(err.code() == nethttp::ErrorCode::kInvalidPattern);
    CHECK(err.message() == "http: multiple registrations for /x");

    // The failed registrations changed nothing.
    Request r = MakeRequest("GET", "h", "/x");
    ResponseRecorder w;
    mux.ServeHTTP(w, r);
    CHECK(w.code == 201);
    Request root = MakeRequest("GET", "h", "/");
    ResponseRecorder w2;
    mux.ServeHTTP(w2, root);
    CHECK(w2.code == 404);
  }

  TEST_CASE("DefaultServeMux and the free Handle/HandleFunc") {
    CHECK(&nethttp::DefaultServeMux() == &nethttp::DefaultServeMux());
    REQUIRE(nethttp::HandleFunc("/serve_mux_test/func", [](nethttp::ResponseWriter& w, Request&) {
              w.WriteHeader(nethttp::StatusAccepted);
            }).ok());
    REQUIRE(nethttp::Handle("/serve_mux_test/handler/", Serve(nethttp::StatusCreated)).ok());
    auto dup = nethttp::Handle("/serve_mux_test/func", Serve(200));
    CHECK(dup.message() == "http: multiple registrations for /serve_mux_test/func");

    Request r1 = MakeRequest("GET", "h", "/serve_mux_test/func");
    ResponseRecorder w1;
    nethttp::DefaultServeMux().ServeHTTP(w1, r1);
    CHECK(w1.code == 202);
    Request r2 = MakeRequest("GET", "h", "/serve_mux_test/handler/x");
    ResponseRecorder w2;
    nethttp::DefaultServeMux().ServeHTTP(w2, r2);
    CHECK(w2.code == 201);
  }

  TEST_CASE("Handle may run while another thread routes (Go: TestShouldRedirectConcurrency)") {
    ServeMux mux;
    REQUIRE(mux.Handle("/", Serve(200)).ok());
    std::atomic<bool> done{false};
    std::thread router([&] {
      while (!done.load()) {
        Request r = MakeRequest("GET", "h", "/p/17");
        ResponseRecorder w;
        mux.ServeHTTP(w, r);
      }
    });
    for (int i = 0; i < 200; ++i) {
      REQUIRE(mux.Handle("/p/" + std::to_string(i) + "/", Serve(201)).ok());
    }
    done = true;
    router.join();
    Request r = MakeRequest("GET", "h", "/p/17");
    ResponseRecorder w;
    mux.ServeHTTP(w, r);
    CHECK(w.code == 301);
    CHECK(w.Header().Get("Location") == "/p/17/");
  }

  TEST_CASE("a mux is extended by holding it, not deriving from it") {
    VersionedMux v;
    REQUIRE(v.mux.Handle("/search", Serve(201)).ok());
    Request r = MakeRequest("GET", "example.com", "/search");
    std::string pattern;
    std::shared_ptr<nethttp::Handler> h = v.Route(r, &pattern);
    REQUIRE(h != nullptr);
    CHECK(pattern == "/search");
    ResponseRecorder w;
    v.ServeHTTP(w, r);
    CHECK(w.code == 201);
    CHECK(w.Header().Get("X-Version") == "2");
  }
}
