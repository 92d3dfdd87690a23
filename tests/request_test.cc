// Tests for lib/request.cc: NewRequest, ported from the behaviour of Go
// 1.19's http.NewRequestWithContext (request.go) and its request_test.go
// cases (TestNewRequestHost, TestNewRequestContentLength, invalid methods);
// the form readers (TestQuery, TestParseFormQuery and the ParseForm tests
// after it); BasicAuth (TestSetBasicAuth, TestGetBasicAuth,
// TestParseBasicAuth); the cookie methods; lib/base64.cc beneath them; and
// the multipart methods (TestMultipartRequest and the tests after it).
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "internal/base64.h"
#include "internal/stream_body.h"
#include "nethttp/multipart.h"
#include "nethttp/request.h"

namespace nethttp {
namespace {

TEST_SUITE("request") {
  TEST_CASE("NewRequest fills method, URL, host, proto and body") {
    Result<Request> r = NewRequest("POST", "http://example.com:8080/echo?x=1", "{\"a\":1}");
    REQUIRE(r.ok());
    CHECK(r->method == "POST");
    CHECK(r->url.scheme == "http");
    CHECK(r->url.host == "example.com:8080");
    CHECK(r->url.path == "/echo");
    CHECK(r->url.raw_query == "x=1");
    CHECK(r->url.RequestURI() == "/echo?x=1");
    CHECK(r->host == "example.com:8080");  // the port is kept as given
    CHECK(r->proto == "HTTP/1.1");
    CHECK(r->proto_major == 1);
    CHECK(r->proto_minor == 1);
    CHECK(r->ProtoAtLeast(1, 1));
    CHECK(r->body == "{\"a\":1}");
    CHECK(r->content_length == 7);
    CHECK(r->header.size() == 0);
    CHECK_FALSE(r->close);
  }

  TEST_CASE("an empty method means GET (Go keeps this for NewRequest)") {
    Result<Request> r = NewRequest("", "http://example.com/");
    REQUIRE(r.ok());
    CHECK(r->method == "GET");
    CHECK(r->content_length == 0);
    CHECK(r->body.empty());
  }

  TEST_CASE("extension methods that are tokens are accepted, case kept") {
    for (std::string_view m : {"GET", "PROPFIND", "get", "M-SEARCH", "X!#$%&'*+.^_`|~9"}) {
      INFO(m);
      Result<Request> r = NewRequest(m, "http://example.com/");
      REQUIRE(r.ok());
      CHECK(r->method == m);
    }
  }

  TEST_CASE("invalid methods are refused with Go's text") {
    struct Case {
      std::string_view method, message;
    };
    const Case cases[] = {
        {"BAD METHOD", "net/http: invalid method \"BAD METHOD\""},
        {"GET\r\nX-Injected: 1", "net/http: invalid method \"GET\\r\\nX-Injected: 1\""},
        {"G(ET", "net/http: invalid method \"G(ET\""},
        {"G\"ET", "net/http: invalid method \"G\\\"ET\""},
        {"G\x01T", "net/http: invalid method \"G\\x01T\""},
        {"GET/", "net/http: invalid method \"GET/\""},
        {"\xc3\xa9", "net/http: invalid method \"\\xc3\\xa9\""},
    };
    for (const Case& c : cases) {
      INFO(c.method);
      Result<Request> r = NewRequest(c.method, "http://example.com/");
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code() == ErrorCode::kInvalidArgument);
      CHECK(r.error().message() == c.message);
    }
  }

  TEST_CASE("the method is checked before the URL, as in Go") {
    Result<Request> r = NewRequest("BAD METHOD", "http://[::1");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("URL errors are Parse's *url.Error") {
    Result<Request> r = NewRequest("GET", "http://x:namedport/");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kInvalidUrl);
    CHECK(r.error().message() == "parse \"http://x:namedport/\": invalid port \":namedport\" after host");
    r = NewRequest("GET", "http://example.com/\nHost: evil");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == ErrorCode::kInvalidUrl);
    CHECK(r.error().message().find("net/url: invalid control character in URL") != std::string::npos);
    r = NewRequest("GET", "::");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "parse \"::\": missing protocol scheme");
  }

  TEST_CASE("host follows Go's TestNewRequestHost and removeEmptyPort") {
    struct Case {
      std::string_view url, host;
    };
    const Case cases[] = {
        {"http://localhost/", "localhost"},
        {"http://localhost:80/", "localhost:80"},   // a given port is never dropped
        {"http://localhost:/", "localhost"},        // an empty port is (Go issue 14836)
        {"http://[::1]:/", "[::1]"},
        {"http://[::1]:8080/", "[::1]:8080"},
        {"http://[::1]/", "[::1]"},
        {"http://[fe80::1%25en0]:8080/", "[fe80::1%en0]:8080"},
        {"http://user:pw@example.com/x", "example.com"},  // userinfo is not part of host
        {"http://EXAMPLE.com/", "EXAMPLE.com"},           // no case folding, as Go
        {"/relative", ""},
    };
    for (const Case& c : cases) {
      INFO(c.url);
      Result<Request> r = NewRequest("GET", c.url);
      REQUIRE(r.ok());
      CHECK(r->host == c.host);
      CHECK(r->url.host == c.host);
    }
  }

  TEST_CASE("content_length is the body's size") {
    std::string big(100000, 'x');
    Result<Request> r = NewRequest("PUT", "http://h/", big);
    REQUIRE(r.ok());
    CHECK(r->content_length == 100000);
    CHECK(r->body.size() == 100000);
    r = NewRequest("POST", "http://h/", "");
    REQUIRE(r.ok());
    CHECK(r->content_length == 0);
  }

  TEST_CASE("the scheme is not checked here; Go reports it at Do time") {
    Result<Request> r = NewRequest("GET", "ftp://example.com/file");
    REQUIRE(r.ok());
    CHECK(r->url.scheme == "ftp");
    r = NewRequest("GET", "HTTP://example.com/");
    REQUIRE(r.ok());
    CHECK(r->url.scheme == "http");  // lower-cased by Parse
  }

  TEST_CASE("escaped paths and userinfo survive for the request line") {
    Result<Request> r = NewRequest("GET", "http://u:p%40ss@h/a%2Fb/c%20d?q=%20#frag");
    REQUIRE(r.ok());
    CHECK(r->url.path == "/a/b/c d");
    CHECK(r->url.RequestURI() == "/a%2Fb/c%20d?q=%20");
    CHECK(r->url.fragment == "frag");
    CHECK(r->url.Username() == "u");
    CHECK(r->url.Password() == "p@ss");
  }

  TEST_CASE("FormValue parses the query of a GET (Go: TestQuery)") {
    Result<Request> r = NewRequest("GET", "http://www.google.com/search?q=foo&q=bar");
    REQUIRE(r.ok());
    CHECK_FALSE(r->form.has_value());
    CHECK(r->FormValue("q") == "foo");
    REQUIRE(r->form.has_value());
    CHECK((*r->form)["q"] == std::vector<std::string>{"foo", "bar"});
  }

  TEST_CASE("ParseForm after Body() on an empty chunked body: an empty form, not a streaming error") {
    Result<Request> r = NewRequest("POST", "http://example.com/?q=1");
    REQUIRE(r.ok());
    r->header.Set("Content-Type", "application/x-www-form-urlencoded");
    r->content_length = -1;  // chunked, as the server gives it: length unknown
    REQUIRE(r->Body() != nullptr);
    CHECK_FALSE(r->ParseForm());
    CHECK(r->post_form->empty());
    CHECK(r->FormValue("q") == "1");
    // A body that really streams (not a replay of r.body) is still refused.
    Result<Request> s = NewRequest("POST", "http://example.com/");
    REQUIRE(s.ok());
    s->header.Set("Content-Type", "application/x-www-form-urlencoded");
    s->content_length = -1;
    s->body_stream = std::make_shared<nethttp::StreamBody>(nullptr);
    CHECK(s->ParseForm().code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("ParseForm: body values come before the query's (Go: TestParseFormQuery)") {
    Result<Request> r = NewRequest("POST", "http://www.google.com/search?q=foo&q=bar&both=x&prio=1&orphan=nope&empty=not",
                                   "z=post&both=y&prio=2&=nokey&orphan&empty=&");
    REQUIRE(r.ok());
    r->header.Set("Content-Type", "application/x-www-form-urlencoded; param=value");
    CHECK(r->FormValue("q") == "foo");
    CHECK(r->FormValue("z") == "post");
    CHECK_FALSE(r->post_form->Has("q"));
    CHECK(r->PostFormValue("z") == "post");
    const Values& form = *r->form;
    CHECK(form["q"] == std::vector<std::string>{"foo", "bar"});
    CHECK(form["both"] == std::vector<std::string>{"y", "x"});
    CHECK(r->FormValue("prio") == "2");
    CHECK(form["orphan"] == std::vector<std::string>{"", "nope"});
    CHECK(form["empty"] == std::vector<std::string>{"", "not"});
    CHECK(form[""] == std::vector<std::string>{"nokey"});
  }

  TEST_CASE("ParseForm reads a body only for POST, PUT and PATCH (Go: TestParseFormQueryMethods)") {
    for (std::string_view method : {"POST", "PATCH", "PUT", "FOO", "GET", "DELETE"}) {
      CAPTURE(method);
      Result<Request> r = NewRequest(method, "http://www.google.com/search", "foo=bar");
      REQUIRE(r.ok());
      r->header.Set("Content-Type", "application/x-www-form-urlencoded; param=value");
      const bool reads = method == "POST" || method == "PATCH" || method == "PUT";
      CHECK(r->FormValue("foo") == (reads ? "bar" : ""));
    }
  }

  TEST_CASE("ParseForm: a ';' is an error, and what parses is kept (Go: TestParseFormSemicolonSeparator)") {
    for (std::string_view method : {"POST", "PATCH", "PUT", "GET"}) {
      CAPTURE(method);
      Result<Request> r = NewRequest(method, "http://www.google.com/search?q=foo;q=bar&a=1", "q");
      REQUIRE(r.ok());
      Error err = r->ParseForm();
      CHECK(err.message() == "invalid semicolon separator in query");
      REQUIRE(r->form.has_value());
      CHECK(*r->form == Values{{"a", {"1"}}});
    }
  }

  TEST_CASE("ParseForm: types other than urlencoded give no fields (Go: TestParseFormUnknownContentType)") {
    struct Case {
      std::string_view content_type;
      std::string_view err;
    };
    const Case cases[] = {
        {"text/plain", ""},
        {"", ""},  // RFC 9110 §8.3: may be taken as application/octet-stream
        {"text/plain; boundary=", "mime: invalid media parameter"},
        {"application/unknown", ""},
        {"multipart/form-data; boundary=x", ""},  // the multipart reader's, not ParseForm's
    };
    for (const Case& c : cases) {
      CAPTURE(c.content_type);
      Result<Request> r = NewRequest("POST", "http://example.com/", "body=1");
      REQUIRE(r.ok());
      if (!c.content_type.empty()) r->header.Set("Content-Type", c.content_type);
      Error err = r->ParseForm();
      CHECK(err.message() == c.err);
      CHECK(r->post_form->empty());
      CHECK(r->form->empty());
    }
  }

  TEST_CASE("ParseForm reads a body whose Content-Type has a bad parameter, as Go, and reports it") {
    Result<Request> r = NewRequest("POST", "http://example.com/", "a=1");
    REQUIRE(r.ok());
    r->header.Set("Content-Type", "application/x-www-form-urlencoded; charset");
    Error err = r->ParseForm();
    CHECK(err.message() == "mime: invalid media parameter");
    CHECK(*r->post_form == Values{{"a", {"1"}}});
    // A type that does not parse at all is not guessed at.
    Result<Request> bad = NewRequest("POST", "http://example.com/", "a=1");
    REQUIRE(bad.ok());
    bad->header.Set("Content-Type", "application/x-www-form-urlencoded; a=1; a=2");
    CHECK(bad->ParseForm().message() == "mime: duplicate parameter name");
    CHECK(bad->post_form->empty());
  }

  TEST_CASE("ParseForm sets form and post_form even when it fails (Go: TestParseFormInitializeOnError)") {
    Result<Request> r = NewRequest("POST", "http://www.google.com/search?q=foo", "a=%zz");
    REQUIRE(r.ok());
    r->header.Set("Content-Type", "application/x-www-form-urlencoded");
    Error err = r->ParseForm();
    CHECK(err);
    REQUIRE(r->form.has_value());
    REQUIRE(r->post_form.has_value());
    CHECK(*r->form == Values{{"q", {"foo"}}});
  }

  TEST_CASE("ParseForm runs once: a second call keeps the first answer") {
    Result<Request> r = NewRequest("POST", "http://example.com/?a=1", "b=2");
    REQUIRE(r.ok());
    r->header.Set("Content-Type", "application/x-www-form-urlencoded");
    CHECK_FALSE(r->ParseForm());
    r->body = "b=3";
    r->url.raw_query = "a=4";
    CHECK_FALSE(r->ParseForm());
    CHECK(r->FormValue("a") == "1");
    CHECK(r->PostFormValue("b") == "2");
  }

  TEST_CASE("ParseForm refuses a body over 10 MiB, as Go's parsePostForm does") {
    Result<Request> r = NewRequest("POST", "http://example.com/", std::string(kMaxFormBytes + 1, 'a'));
    REQUIRE(r.ok());
    r->header.Set("Content-Type", "application/x-www-form-urlencoded");
    Error err = r->ParseForm();
    CHECK(err.code() == ErrorCode::kBodyTooLarge);
    CHECK(err.message() == "http: POST too large");
    CHECK(r->post_form->empty());

    Result<Request> at_limit = NewRequest("POST", "http://example.com/", "a=" + std::string(kMaxFormBytes - 2, 'x'));
    REQUIRE(at_limit.ok());
    at_limit->header.Set("Content-Type", "application/x-www-form-urlencoded");
    CHECK_FALSE(at_limit->ParseForm());
    CHECK(at_limit->PostFormValue("a").size() == kMaxFormBytes - 2);
  }

  TEST_CASE("SetBasicAuth and BasicAuth (Go: TestSetBasicAuth, TestGetBasicAuth)") {
    Result<Request> r = NewRequest("GET", "http://example.com/");
    REQUIRE(r.ok());
    CHECK_FALSE(r->BasicAuth().has_value());  // unauthenticated
    r->SetBasicAuth("Aladdin", "open sesame");
    CHECK(r->header.Get("Authorization") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    const BasicAuthCredentials cases[] = {{"Aladdin", "open sesame"}, {"Aladdin", "open:sesame"}, {"", ""}};
    for (const BasicAuthCredentials& c : cases) {
      r->SetBasicAuth(c.username, c.password);
      CHECK(r->BasicAuth() == c);
    }
  }

  TEST_CASE("BasicAuth parses what Go's parseBasicAuth does (Go: TestParseBasicAuth)") {
    const std::string aladdin = Base64Encode("Aladdin:open sesame");
    struct Case {
      std::string header;
      std::optional<BasicAuthCredentials> want;
    };
    const Case cases[] = {
        {"Basic " + aladdin, BasicAuthCredentials{"Aladdin", "open sesame"}},
        {"BASIC " + aladdin, BasicAuthCredentials{"Aladdin", "open sesame"}},
        {"basic " + aladdin, BasicAuthCredentials{"Aladdin", "open sesame"}},
        {"Basic " + Base64Encode("Aladdin:open:sesame"), BasicAuthCredentials{"Aladdin", "open:sesame"}},
        {"Basic " + Base64Encode(":"), BasicAuthCredentials{"", ""}},
        {"Basic" + aladdin, std::nullopt},
        {aladdin, std::nullopt},
        {"Basic ", std::nullopt},
        {"Basic Aladdin:open sesame", std::nullopt},
        {R"(Digest username="Aladdin")", std::nullopt},
        // Beyond Go's table: no colon, bad padding, padding mid-way.
        {"Basic " + Base64Encode("Aladdin"), std::nullopt},
        {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ", std::nullopt},
        {"Basic QW=hZGRpbjpvcGVuIHNlc2FtZQ==", std::nullopt},
    };
    for (const Case& c : cases) {
      CAPTURE(c.header);
      Result<Request> r = NewRequest("GET", "http://example.com/");
      REQUIRE(r.ok());
      r->header.Set("Authorization", c.header);
      CHECK(r->BasicAuth() == c.want);
    }
  }

  TEST_CASE("Base64: RFC 4648 §10 vectors, and Go's StdEncoding rules on decode") {
    const std::pair<std::string_view, std::string_view> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
        {std::string_view("\xff\xfe\x00", 3), "//4A"},
    };
    for (const auto& v : vectors) {
      CAPTURE(v.second);
      CHECK(Base64Encode(v.first) == v.second);
      CHECK(Base64Decode(v.second) == std::string(v.first));
    }
    CHECK(Base64Decode("Zm9v\r\nYmFy") == std::string("foobar"));  // CR and LF are skipped
    CHECK(Base64Decode("QR==") == std::string("A"));                // leftover bits ignored (not Strict)
    for (std::string_view bad : {"Zg", "Zg=", "Z===", "Q=I=", "QU=I", "=QUI", "Zm9v=", "Zm8=Zm8=", "Zm 9v", "Zm9-"}) {
      CAPTURE(bad);
      CHECK_FALSE(Base64Decode(bad).has_value());
    }
  }

  TEST_CASE("Cookie, Cookies and AddCookie as Request methods") {
    Result<Request> r = NewRequest("GET", "http://example.com/");
    REQUIRE(r.ok());
    CHECK(r->Cookies().empty());
    Result<Cookie> none = r->Cookie("a");
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().code() == ErrorCode::kNoCookie);
    CHECK(none.error().message() == "http: named cookie not present");

    r->AddCookie(Cookie{.name = "a", .value = "1"});
    r->AddCookie(Cookie{.name = "b", .value = "2"});
    CHECK(r->header.Get("Cookie") == "a=1; b=2");
    r->header.Add("Cookie", "a=3");
    std::vector<Cookie> all = r->Cookies();
    REQUIRE(all.size() == 3);
    CHECK(all[2].value == "3");
    Result<Cookie> a = r->Cookie("a");
    REQUIRE(a.ok());
    CHECK(a->value == "1");  // the first of that name
  }

  TEST_CASE("UserAgent and Referer read their headers") {
    Result<Request> r = NewRequest("GET", "http://example.com/");
    REQUIRE(r.ok());
    CHECK(r->UserAgent().empty());
    CHECK(r->Referer().empty());
    r->header.Set("User-Agent", "curl/7.88.1");
    r->header.Set("Referer", "http://example.com/from");
    CHECK(r->UserAgent() == "curl/7.88.1");
    CHECK(r->Referer() == "http://example.com/from");
  }
  // Go's newTestMultipartRequest: two files, two values, a multipart body.
  Request MultipartRequest(std::string target = "http://example.com/") {
    std::string body =
        "--MyBoundary\r\nContent-Disposition: form-data; name=\"filea\"; filename=\"filea.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\nThis is a test file.\r\n"
        "--MyBoundary\r\nContent-Disposition: form-data; name=\"fileb\"; filename=\"fileb.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\nAnother test file.\r\n"
        "--MyBoundary\r\nContent-Disposition: form-data; name=\"texta\"\r\n\r\nfoo\r\n"
        "--MyBoundary\r\nContent-Disposition: form-data; name=\"textb\"\r\n\r\nbar\r\n--MyBoundary--\r\n";
    Request r = NewRequest("POST", target, std::move(body)).value();
    r.header.Set("Content-Type", "multipart/form-data; boundary=MyBoundary");
    return r;
  }

  // ValidateMultipart is Go's validateTestMultipartContents.
  void ValidateMultipart(Request& r) {
    CHECK(r.FormValue("texta") == "foo");
    CHECK(r.FormValue("textb") == "bar");
    CHECK(r.PostFormValue("texta") == "foo");
    CHECK(r.FormValue("missing").empty());
    Result<const FileHeader*> a = r.FormFile("filea");
    REQUIRE(a.ok());
    CHECK((*a)->filename == "filea.txt");
    CHECK((*a)->ReadAll().value() == "This is a test file.");
    Result<const FileHeader*> b = r.FormFile("fileb");
    REQUIRE(b.ok());
    CHECK((*b)->ReadAll().value() == "Another test file.");
    CHECK(r.FormFile("texta").error().code() == ErrorCode::kMissingFile);
    CHECK(r.FormFile("texta").error().message() == "http: no such file");
  }

  TEST_CASE("ParseMultipartForm, twice, then FormValue and FormFile (Go: TestMultipartRequest)") {
    Request r = MultipartRequest();
    CHECK(!r.ParseMultipartForm(25));
    REQUIRE(r.multipart_form != nullptr);
    ValidateMultipart(r);
    CHECK(!r.ParseMultipartForm(25));
    ValidateMultipart(r);
    // 20 bytes stayed in memory, the next 18 did not fit in 25.
    CHECK(r.FormFile("filea").value()->tmpfile().empty());
    CHECK_FALSE(r.FormFile("fileb").value()->tmpfile().empty());
    CHECK(!r.multipart_form->RemoveAll());
  }

  TEST_CASE("FormValue and FormFile parse the multipart form themselves (Go: TestMultipartRequestAuto)") {
    Request r = MultipartRequest();
    ValidateMultipart(r);
    REQUIRE(r.multipart_form != nullptr);
    // kDefaultMaxMemory: both files in memory.
    CHECK(r.FormFile("fileb").value()->content() == "Another test file.");
  }

  TEST_CASE("a query with ';' is ParseMultipartForm's error, and the form is still parsed (Go: issue 25192)") {
    Request r = MultipartRequest("http://example.com/?q=foo;q=bar");
    CHECK(r.ParseMultipartForm(25));
    ValidateMultipart(r);
  }

  TEST_CASE("ParseMultipartForm adds the fields to form and post_form (Go: TestParseMultipartFormPopulatesPostForm)") {
    Request r = MultipartRequest();
    r.form.emplace();
    r.form->Add("texta", "initial");
    r.form->Add("name", "gopher");
    CHECK(!r.ParseMultipartForm(10000));
    CHECK((*r.form)["texta"] == std::vector<std::string>{"initial", "foo"});
    CHECK(r.form->Get("name") == "gopher");
    REQUIRE(r.post_form.has_value());
    CHECK((*r.post_form)["texta"] == std::vector<std::string>{"foo"});
    CHECK_FALSE(r.post_form->Has("name"));
  }

  TEST_CASE("ParseMultipartForm: not multipart, no boundary, an empty body (Go: TestParseMultipartForm)") {
    Request r = NewRequest("POST", "http://example.com/").value();
    r.header.Set("Content-Type", "multipart/form-data; boundary=\"foo123\"");
    CHECK(r.ParseMultipartForm(25).code() == ErrorCode::kUnexpectedEof);
    r = NewRequest("POST", "http://example.com/", "x").value();
    r.header.Set("Content-Type", "text/plain");
    Error err = r.ParseMultipartForm(25);
    CHECK(err.code() == ErrorCode::kNotMultipart);
    CHECK(err.message() == "request Content-Type isn't multipart/form-data");
    CHECK(r.FormFile("f").error().code() == ErrorCode::kNotMultipart);
    r = NewRequest("POST", "http://example.com/", "x").value();
    r.header.Set("Content-Type", "multipart/form-data");
    CHECK(r.ParseMultipartForm(25).message() == "no multipart boundary param in Content-Type");
  }

  TEST_CASE("FormFile drops the filename's directories (Go: issue 45789)") {
    Request r = NewRequest("POST", "http://example.com/",
                           "--xxx\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../usr/foobar.txt/\"\r\n"
                           "Content-Type: text/plain\r\n\r\n--xxx--\r\n")
                    .value();
    r.header.Set("Content-Type", "multipart/form-data; boundary=xxx");
    Result<const FileHeader*> f = r.FormFile("file");
    REQUIRE(f.ok());
    CHECK((*f)->filename == "foobar.txt");
    CHECK((*f)->size == 0);
  }

  TEST_CASE("MultipartReader: form-data and mixed, once, and not beside ParseMultipartForm (Go's order tests)") {
    for (std::string type : {"multipart/form-data; boundary=\"foo123\"", "multipart/mixed; boundary=\"foo123\""}) {
      Request r = NewRequest("POST", "http://example.com/").value();
      r.header.Set("Content-Type", type);
      CHECK(r.MultipartReader().ok());
      CHECK(r.MultipartReader().error().message() == "http: MultipartReader called twice");
      CHECK(r.ParseMultipartForm(1024).message() == "http: multipart handled by MultipartReader");
      CHECK(r.FormFile("").error().message() == "http: multipart handled by MultipartReader");
      CHECK(r.FormValue("x").empty());
    }
    Request plain = NewRequest("POST", "http://example.com/").value();
    plain.header.Set("Content-Type", "text/plain");
    CHECK(plain.MultipartReader().error().code() == ErrorCode::kNotMultipart);
    Request parsed = MultipartRequest();
    CHECK(!parsed.ParseMultipartForm(25));
    CHECK(parsed.MultipartReader().error().message() == "http: multipart handled by ParseMultipartForm");
  }

  TEST_CASE("a streamed body: ParseMultipartForm refuses to guess, its callback form reads the stream") {
    Request r = MultipartRequest();
    std::string wire = std::move(r.body);
    r.body.clear();
    auto stream = std::make_shared<StreamBody>(nullptr);
    r.body_stream = stream;
    Error err = r.ParseMultipartForm(25);
    CHECK(err.code() == ErrorCode::kInvalidArgument);
    CHECK(r.multipart_form == nullptr);
    r.form.reset();
    r.post_form.reset();
    bool done = false;
    r.ParseMultipartForm(25, [&](Error e) {
      done = true;
      CHECK_MESSAGE(!e, e.message());
    });
    stream->Deliver(wire.substr(0, 100));
    CHECK_FALSE(done);
    stream->Deliver(wire.substr(100));
    stream->End(Error(), Header());
    REQUIRE(done);
    ValidateMultipart(r);
  }
}

}  // namespace
}  // namespace nethttp
