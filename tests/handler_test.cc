// Tests for lib/handler.cc: HttpError (Go: http.Error), NotFound, Redirect and RedirectHandler
// (Go: serve_test.go TestRedirect, TestRedirectBadPath,
// TestRedirectContentTypeAndBody), and the test ResponseRecorder itself.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>

#include "nethttp/handler.h"
#include "nethttp/httptest.h"
#include "nethttp/request.h"
#include "nethttp/status.h"
#include "nethttp/url.h"

namespace {

using nethttp::Request;
using nethttp::httptest::ResponseRecorder;

// StatusWriter is the middleware writer handler.h's ResponseWriterWrapper
// comment describes: it overrides WriteHeader and Write to see the status
// and count bytes, and Finish to log at the end of a held response; Header
// and Hold come from the base.
class StatusWriter : public nethttp::ResponseWriterWrapper {
 public:
  using ResponseWriterWrapper::ResponseWriterWrapper;
  void WriteHeader(int code) override {
    if (status == 0) status = code;
    ResponseWriterWrapper::WriteHeader(code);
  }
  nethttp::Error Write(std::string_view data) override {
    if (status == 0) status = 200;
    bytes += data.size();
    return ResponseWriterWrapper::Write(data);
  }
  void Finish() override {
    ++finishes;
    ResponseWriterWrapper::Finish();
  }
  int status = 0;
  size_t bytes = 0;
  int finishes = 0;
};

// Logging is a middleware: it wraps next's writer in a StatusWriter made
// with make_shared, so a handler below that holds keeps it in the chain.
class Logging : public nethttp::Handler {
 public:
  explicit Logging(std::shared_ptr<nethttp::Handler> next) : next_(std::move(next)) {}
  void ServeHTTP(nethttp::ResponseWriter& w, Request& r) override {
    last = std::make_shared<StatusWriter>(w);
    next_->ServeHTTP(*last, r);
  }
  std::shared_ptr<StatusWriter> last;

 private:
  std::shared_ptr<nethttp::Handler> next_;
};

Request MakeRequest(std::string_view method, std::string_view path) {
  Request r;
  r.method = std::string(method);
  r.url.path = std::string(path);
  return r;
}

}  // namespace

TEST_SUITE("handler") {
  TEST_CASE("HttpError writes a plain-text body with nosniff") {
    ResponseRecorder w;
    w.Header().Set("Content-Length", "10");  // for the body the handler meant to send
    w.Header().Set("X-Keep", "yes");
    nethttp::HttpError(w, "boom", nethttp::StatusInternalServerError);
    CHECK(w.code == 500);
    CHECK(w.body == "boom\n");
    CHECK(w.Result().header.Get("Content-Type") == "text/plain; charset=utf-8");
    CHECK(w.Result().header.Get("X-Content-Type-Options") == "nosniff");
    // Later Go (not 1.19) deletes it: the length no longer fits the body.
    CHECK_FALSE(w.Result().header.Has("Content-Length"));
    CHECK(w.Result().header.Get("X-Keep") == "yes");
  }

  TEST_CASE("HttpError replaces a Content-Type the handler had set") {
    ResponseRecorder w;
    w.Header().Set("Content-Type", "application/json");
    nethttp::HttpError(w, "", 400);
    CHECK(w.code == 400);
    CHECK(w.body == "\n");
    CHECK(w.Header().Values("Content-Type").size() == 1);
    CHECK(w.Header().Get("Content-Type") == "text/plain; charset=utf-8");
  }

  TEST_CASE("NotFound and NotFoundHandler answer 404 page not found") {
    Request r = MakeRequest("GET", "/nope");
    ResponseRecorder w1;
    nethttp::NotFound(w1, r);
    CHECK(w1.code == 404);
    CHECK(w1.body == "404 page not found\n");
    CHECK(w1.Result().header.Get("Content-Type") == "text/plain; charset=utf-8");

    ResponseRecorder w2;
    std::shared_ptr<nethttp::Handler> h = nethttp::NotFoundHandler();
    REQUIRE(h);
    h->ServeHTTP(w2, r);
    CHECK(w2.code == 404);
    CHECK(w2.body == "404 page not found\n");
    CHECK(nethttp::NotFoundHandler() == h);  // stateless: one shared instance
  }

  TEST_CASE("Redirect: Go's TestRedirect table") {
    struct Case {
      std::string_view in, want;
    };
    const Case cases[] = {
        {"http://foobar.com/baz", "http://foobar.com/baz"},
        {"https://foobar.com/baz", "https://foobar.com/baz"},
        {"test://foobar.com/baz", "test://foobar.com/baz"},
        {"//foobar.com/baz", "//foobar.com/baz"},
        {"/foobar.com/baz", "/foobar.com/baz"},
        {"foobar.com/baz", "/qux/foobar.com/baz"},
        {"../quux/foobar.com/baz", "/quux/foobar.com/baz"},
        {"///foobar.com/baz", "/foobar.com/baz"},
        // path.Clean must not touch the query.
        {"/foo?next=http://bar.com/", "/foo?next=http://bar.com/"},
        {"http://localhost:8080/_ah/login?continue=http://localhost:8080/",
         "http://localhost:8080/_ah/login?continue=http://localhost:8080/"},
        {"/фубар", "/%d1%84%d1%83%d0%b1%d0%b0%d1%80"},
        {"http://foo.com/фубар", "http://foo.com/%d1%84%d1%83%d0%b1%d0%b0%d1%80"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.in);
      Request r = MakeRequest("GET", "/qux/");
      r.url.scheme = "http";
      r.url.host = "example.com";
      r.host = "example.com";
      ResponseRecorder w;
      nethttp::Redirect(w, r, c.in, nethttp::StatusFound);
      CHECK(w.code == 302);
      CHECK(w.Header().Get("Location") == c.want);
    }
  }

  TEST_CASE("Redirect resolves like Go's url.Parse, including its failures") {
    // Expected values were produced by Go 1.19's http.Redirect.
    struct Case {
      std::string_view req_path, in, want;
    };
    const Case cases[] = {
        {"/a/b", "?q=1", "/a/?q=1"},
        {"/a/b", "", "/a/"},
        {"/a/b/c", "../x", "/a/x"},
        {"/a/b", "#frag", "/a/#frag"},
        {"/a/b", "x/../../../y/", "/y/"},
        {"/a/b", "*", "/a/*"},
        {"/a/b", "//@/x/../y", "/@/y"},
        {"/a/b", "/a/%41/../b", "/a/b"},
        {"/a/b", "x?%zz", "/a/x?%zz"},  // Go does not check the query's escapes
        {"", "x", "/x"},                // an empty request path counts as "/"
        {"/qux/", "///x/../y", "/y"},
        {"/qux/", "//", "/"},
        // Targets Go fails to parse are sent unchanged.
        {"/qux/", ":foo", ":foo"},
        {"/qux/", "1a:b", "1a:b"},
        {"/qux/", "/%zz/../x", "/%zz/../x"},
        {"/qux/", "/a\x01/../b", "/a\x01/../b"},
        {"/a/b", "x#a%zz", "x#a%zz"},
        // A host makes it absolute: left alone.
        {"/qux/", "//host/../x", "//host/../x"},
        {"/qux/", "mailto:x@y", "mailto:x@y"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.req_path);
      CAPTURE(c.in);
      Request r = MakeRequest("GET", c.req_path);
      ResponseRecorder w;
      nethttp::Redirect(w, r, c.in, nethttp::StatusFound);
      CHECK(w.Header().Get("Location") == c.want);
    }
  }

  TEST_CASE("Redirect with a bogus request path does not crash (Go: TestRedirectBadPath)") {
    Request r = MakeRequest("GET", "not-empty-but-no-leading-slash");
    r.url.scheme = "http";
    ResponseRecorder w;
    nethttp::Redirect(w, r, "", nethttp::StatusNotModified);
    CHECK(w.code == 304);
    CHECK(w.Header().Get("Location") == ".");  // Go: path.Clean("") is "."
  }

  TEST_CASE("Redirect's Content-Type and body (Go: TestRedirectContentTypeAndBody)") {
    struct Case {
      std::string_view method;
      std::string_view preset_ct;  // "" = none
      std::string_view want_ct, want_body;
    };
    const Case cases[] = {
        {"GET", "", "text/html; charset=utf-8", "<a href=\"/foo\">Found</a>.\n\n"},
        {"HEAD", "", "text/html; charset=utf-8", ""},
        {"POST", "", "", ""},
        {"DELETE", "", "", ""},
        {"foo", "", "", ""},
        {"GET", "application/test", "application/test", ""},
        // Go's cases with an empty or nil Content-Type slice need a key
        // without values, which our Header cannot hold.
    };
    for (const Case& c : cases) {
      CAPTURE(c.method);
      CAPTURE(c.preset_ct);
      Request r = MakeRequest(c.method, "/qux/");
      ResponseRecorder w;
      if (!c.preset_ct.empty()) w.Header().Set("Content-Type", c.preset_ct);
      nethttp::Redirect(w, r, "/foo", nethttp::StatusFound);
      CHECK(w.code == 302);
      CHECK(w.Result().header.Get("Content-Type") == c.want_ct);
      CHECK(w.body == c.want_body);
      CHECK(w.Result().header.Get("Location") == "/foo");
    }
  }

  TEST_CASE("Redirect's body HTML-escapes the target and names the status") {
    Request r = MakeRequest("GET", "/a/b");
    ResponseRecorder w;
    nethttp::Redirect(w, r, "/a?b=1&c=<x>'\"", nethttp::StatusMovedPermanently);
    CHECK(w.code == 301);
    CHECK(w.Header().Get("Location") == "/a?b=1&c=<x>'\"");
    CHECK(w.body == "<a href=\"/a?b=1&amp;c=&lt;x&gt;&#39;&#34;\">Moved Permanently</a>.\n\n");
  }

  TEST_CASE("RedirectHandler redirects every request to its url") {
    std::shared_ptr<nethttp::Handler> h = nethttp::RedirectHandler("../up", nethttp::StatusSeeOther);
    REQUIRE(h);
    for (std::string_view path : {"/x/y/z", "/x/y/"}) {
      Request r = MakeRequest("GET", path);
      ResponseRecorder w;
      h->ServeHTTP(w, r);
      CHECK(w.code == 303);
      CHECK(w.Header().Get("Location") == "/x/up");
      CHECK(w.body == "<a href=\"/x/up\">See Other</a>.\n\n");
    }
  }

  TEST_CASE("StripPrefix: Go's TestStripPrefix, and the encoded path too") {
    std::string seen_path, seen_raw;
    auto inner = std::make_shared<nethttp::HandlerFunc>([&](nethttp::ResponseWriter& w, Request& r) {
      seen_path = r.url.path;
      seen_raw = r.url.raw_path;
      w.Header().Set("X-Path", r.url.path);
    });
    auto h = nethttp::StripPrefix("/foo", inner);
    {
      Request r = MakeRequest("GET", "/foo/bar");
      ResponseRecorder w;
      h->ServeHTTP(w, r);
      CHECK(w.Header().Get("X-Path") == "/bar");
    }
    {
      Request r = MakeRequest("GET", "/bar");  // not under the prefix
      ResponseRecorder w;
      seen_path = "unset";
      h->ServeHTTP(w, r);
      CHECK(w.code == 404);
      CHECK(seen_path == "unset");
    }
    {
      Request r = MakeRequest("GET", "/foo");  // the prefix itself: an empty path, as in Go
      ResponseRecorder w;
      h->ServeHTTP(w, r);
      CHECK(w.code == 200);
      CHECK(seen_path.empty());
    }
    {
      // Go 1.19: the raw path must carry the prefix too; "/foo%2Fbar" is
      // not under "/foo/" once decoded path and raw path disagree.
      auto h2 = nethttp::StripPrefix("/foo/", inner);
      Request r = MakeRequest("GET", "");
      r.url = nethttp::ParseRequestURI("/foo%2Fbar").value();
      ResponseRecorder w;
      seen_path = "unset";
      h2->ServeHTTP(w, r);
      CHECK(w.code == 404);
      Request r2 = MakeRequest("GET", "");
      r2.url = nethttp::ParseRequestURI("/foo/a%2Fb").value();
      ResponseRecorder w2;
      h2->ServeHTTP(w2, r2);
      CHECK(w2.code == 200);
      CHECK(seen_path == "a/b");
      CHECK(seen_raw == "a%2Fb");
    }
    CHECK(nethttp::StripPrefix("", inner) == inner);
  }

  TEST_CASE("a middleware wrapper stays in the chain of a held response") {
    ResponseRecorder w;
    std::shared_ptr<nethttp::ResponseWriter> held;
    Logging mw(std::make_shared<nethttp::HandlerFunc>(
        [&](nethttp::ResponseWriter& hw, Request&) { held = hw.Hold(); }));
    Request r;
    mw.ServeHTTP(w, r);
    REQUIRE(held != nullptr);
    CHECK(w.held);                    // the hold reached the real writer
    CHECK(held.get() == mw.last.get());  // and returned the wrapper, not it
    CHECK(mw.last->held());
    std::weak_ptr<StatusWriter> wrapper = mw.last;
    mw.last.reset();                  // the middleware's frame is gone

    held->WriteHeader(202);           // later, from a callback
    CHECK(held->Write("late").ok());
    held->Finish();
    auto sw = wrapper.lock();
    REQUIRE(sw != nullptr);           // the held pointer owns the wrapper
    CHECK(sw->status == 202);         // seen by the middleware
    CHECK(sw->bytes == 4);
    CHECK(sw->finishes == 1);
    CHECK(w.code == 202);             // and passed on
    CHECK(w.body == "late");
    CHECK(w.finished);
    sw.reset();
    held.reset();
    CHECK(wrapper.expired());         // no cycle keeps it
  }

  TEST_CASE("a wrapper that is not held forwards everything and needs no Finish") {
    ResponseRecorder w;
    Logging mw(std::make_shared<nethttp::HandlerFunc>([](nethttp::ResponseWriter& hw, Request&) {
      hw.Header().Set("Content-Type", "text/plain");
      CHECK(hw.Write("hi").ok());
    }));
    Request r;
    mw.ServeHTTP(w, r);
    CHECK_FALSE(mw.last->held());
    CHECK(mw.last->status == 200);
    CHECK(&mw.last->Unwrap() == &w);
    CHECK(w.code == 200);
    CHECK(w.Result().header.Get("Content-Type") == "text/plain");
    CHECK(w.body == "hi");
    CHECK_FALSE(w.finished);  // the server ends an unheld response
  }

  TEST_CASE("a wrapper on the stack holds the writer below it") {
    ResponseRecorder w;
    std::shared_ptr<nethttp::ResponseWriter> held;
    {
      StatusWriter sw(w);  // no owner: cannot outlive this block
      held = sw.Hold();
      CHECK(sw.held());
      CHECK(held.get() == &w);  // the documented fallback: the wrapped writer
      CHECK(sw.Hold().get() == &w);  // again: the same
    }
    CHECK(held->Write("x").ok());
    held->Finish();
    CHECK(w.body == "x");
    CHECK(w.finished);
  }
}

TEST_SUITE("recorder") {
  TEST_CASE("Write implies WriteHeader(200) and snapshots the header") {
    ResponseRecorder w;
    CHECK(w.code == 200);
    CHECK_FALSE(w.wrote_header);
    w.Header().Set("A", "1");
    CHECK(w.Write("hello").ok());
    CHECK(w.wrote_header);
    CHECK(w.code == 200);
    w.Header().Set("A", "2");  // too late for the wire
    CHECK(w.Result().header.Get("A") == "1");
    CHECK(w.Header().Get("A") == "2");
    CHECK(w.Write(", world").ok());
    CHECK(w.body == "hello, world");
  }

  TEST_CASE("only the first WriteHeader counts") {
    ResponseRecorder w;
    w.WriteHeader(201);
    w.WriteHeader(500);
    CHECK(w.code == 201);
    CHECK(w.superfluous_write_headers == 1);
  }

  TEST_CASE("Hold returns a non-owning pointer to the recorder; Finish ends writes") {
    ResponseRecorder w;
    std::shared_ptr<nethttp::ResponseWriter> held = w.Hold();
    CHECK(held.get() == &w);
    CHECK(held.use_count() == 0);  // aliasing, no ownership
    CHECK(w.held);
    CHECK(held->Write("late").ok());
    held->Finish();
    CHECK(w.finished);
    CHECK(w.body == "late");
    CHECK_FALSE(w.Write("after").ok());
    CHECK(w.body == "late");
  }
}
