// Tests for lib/request_writer.cc: Go's requestwrite_test.go reqWriteTests,
// the rows that apply to a body held as a string (User-Agent is ours).
#include "internal/request_writer.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "internal/stream_body.h"

using nethttp::Error;
using nethttp::ErrorCode;
using nethttp::Request;
using nethttp::RequestWriteOptions;
using nethttp::WriteRequest;

namespace {

Request Req(std::string method, std::string raw_url, std::string host = "") {
  Request r;
  r.method = std::move(method);
  auto u = nethttp::Parse(raw_url);
  REQUIRE(u.ok());
  r.url = u.value();
  r.host = host;
  r.content_length = 0;
  return r;
}

std::string Write(const Request& r, bool force_close = false) {
  std::string out;
  RequestWriteOptions opts;
  opts.force_close = force_close;
  Error err = WriteRequest(r, opts, &out);
  REQUIRE_MESSAGE(!err, err.message());
  return out;
}

std::string WriteErr(const Request& r) {
  std::string out;
  Error err = WriteRequest(r, RequestWriteOptions{}, &out);
  CHECK(out.empty());
  return err.message();
}

}  // namespace

TEST_SUITE("request_writer") {
  TEST_CASE("0: GET with the caller's fields, its User-Agent wins") {
    Request r = Req("GET", "http://www.techcrunch.com/", "www.techcrunch.com");
    r.header.Add("Accept", "text/html");
    r.header.Add("Keep-Alive", "300");
    r.header.Add("User-Agent", "Fake");
    CHECK(Write(r) ==
          "GET / HTTP/1.1\r\nHost: www.techcrunch.com\r\nUser-Agent: Fake\r\n"
          "Accept: text/html\r\nKeep-Alive: 300\r\n\r\n");
  }

  TEST_CASE("the first User-Agent field is the one sent; an empty one sends none (Go: a nil value)") {
    Request r = Req("GET", "http://example.com/", "example.com");
    r.header.Add("user-agent", "first");
    r.header.Add("User-Agent", "second");
    CHECK(Write(r) == "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: first\r\n\r\n");
    Request quiet = Req("GET", "http://example.com/", "example.com");
    quiet.header.Add("User-Agent", "");
    CHECK(Write(quiet) == "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
  }

  TEST_CASE("1/2: unknown length is chunked; close adds Connection: close first") {
    Request r = Req("POST", "http://www.google.com/search");
    r.body = "abcdef";
    r.content_length = -1;
    r.close = true;
    CHECK(Write(r) ==
          "POST /search HTTP/1.1\r\nHost: www.google.com\r\nUser-Agent: nethttp/0.1\r\n"
          "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n");
  }

  TEST_CASE("3: POST with Content-Length") {
    Request r = Req("POST", "http://www.google.com/search");
    r.body = "abcdef";
    r.content_length = 6;
    r.close = true;
    CHECK(Write(r) ==
          "POST /search HTTP/1.1\r\nHost: www.google.com\r\nUser-Agent: nethttp/0.1\r\n"
          "Connection: close\r\nContent-Length: 6\r\n\r\nabcdef");
  }

  TEST_CASE("4: the caller's Content-Length field is ignored") {
    Request r = Req("POST", "http://example.com/", "example.com");
    r.header.Add("Content-Length", "10");
    r.body = "abcdef";
    r.content_length = 6;
    CHECK(Write(r) ==
          "POST / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: nethttp/0.1\r\n"
          "Content-Length: 6\r\n\r\nabcdef");
  }

  TEST_CASE("5: a relative URL with Host") {
    CHECK(Write(Req("GET", "/search", "www.google.com")) ==
          "GET /search HTTP/1.1\r\nHost: www.google.com\r\nUser-Agent: nethttp/0.1\r\n\r\n");
  }

  TEST_CASE("7/26: POST, PUT and PATCH without a body still send Content-Length: 0") {
    for (const char* m : {"POST", "PUT", "PATCH"}) {
      CAPTURE(m);
      CHECK(Write(Req(m, "/", "example.com")) ==
            std::string(m) + " / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: nethttp/0.1\r\n"
                             "Content-Length: 0\r\n\r\n");
    }
    // GET without a body sends no framing at all.
    CHECK(Write(Req("GET", "/", "example.com")).find("Content-Length") == std::string::npos);
  }

  TEST_CASE("8: bytes with content_length 0 are sent chunked (length unknown)") {
    Request r = Req("POST", "/", "example.com");
    r.body = "x";
    CHECK(Write(r) ==
          "POST / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: nethttp/0.1\r\n"
          "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n");
  }

  TEST_CASE("9/10/11: Content-Length that disagrees with the body is an error") {
    Request r = Req("POST", "/", "example.com");
    r.body = "12345";
    r.content_length = 10;
    CHECK(WriteErr(r) == "http: ContentLength=10 with Body length 5");
    r.body = "12345678";
    r.content_length = 4;
    CHECK(WriteErr(r) == "http: ContentLength=4 with Body length 8");
    r.body.clear();
    r.content_length = 5;
    CHECK(WriteErr(r) == "http: Request.ContentLength=5 with nil Body");
  }

  TEST_CASE("14/15: no Host anywhere sends an empty one; a Host field is not used") {
    Request r = Req("GET", "/foo");
    r.header.Add("X-Foo", "X-Bar");
    r.header.Add("Host", "bad.example.com");
    CHECK(Write(r) == "GET /foo HTTP/1.1\r\nHost: \r\nUser-Agent: nethttp/0.1\r\nX-Foo: X-Bar\r\n\r\n");
  }

  TEST_CASE("19/20: an IPv6 zone is never sent") {
    CHECK(Write(Req("GET", "http://[fe80::1%25en0]/")) ==
          "GET / HTTP/1.1\r\nHost: [fe80::1]\r\nUser-Agent: nethttp/0.1\r\n\r\n");
    CHECK(Write(Req("GET", "http://www.example.com/", "[fe80::1%en0]:8080")) ==
          "GET / HTTP/1.1\r\nHost: [fe80::1]:8080\r\nUser-Agent: nethttp/0.1\r\n\r\n");
  }

  TEST_CASE("21: CONNECT names the authority") {
    CHECK(Write(Req("CONNECT", "http://proxy.com")) ==
          "CONNECT proxy.com HTTP/1.1\r\nHost: proxy.com\r\nUser-Agent: nethttp/0.1\r\n\r\n");
  }

  TEST_CASE("25: a control byte in the URL is refused") {
    Request r = Req("GET", "http://www.example.com/");
    r.url.raw_query = "new\nline";
    CHECK(WriteErr(r) == "net/http: can't write control character in Request.URL");
  }

  TEST_CASE("an empty User-Agent sends none") {
    Request r = Req("GET", "http://a/");
    r.header.Set("User-Agent", "");
    CHECK(Write(r) == "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  }

  TEST_CASE("force_close (DisableKeepAlives) adds Connection: close once") {
    Request r = Req("GET", "http://a/");
    CHECK(Write(r, true) == "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: nethttp/0.1\r\nConnection: close\r\n\r\n");
    r.header.Set("Connection", "close");
    CHECK(Write(r, true) == "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: nethttp/0.1\r\nConnection: close\r\n\r\n");
  }

  TEST_CASE("accept_gzip (the Transport's own request for gzip) comes after the caller's fields") {
    Request r = Req("GET", "http://a/");
    r.header.Set("X-A", "1");
    std::string out;
    RequestWriteOptions opts;
    opts.accept_gzip = true;
    REQUIRE(!WriteRequest(r, opts, &out));
    CHECK(out == "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: nethttp/0.1\r\nX-A: 1\r\nAccept-Encoding: gzip\r\n\r\n");
  }

  TEST_CASE("header injection is impossible: bad names and values are errors") {
    Request r = Req("GET", "http://a/");
    r.header.AddCanonical("X-Evil", "a\r\nInjected: yes");
    CHECK(WriteErr(r) == "net/http: invalid header field value for \"X-Evil\"");
    Request r2 = Req("GET", "http://a/");
    r2.header.AddCanonical("Bad Name", "v");
    CHECK(WriteErr(r2) == "net/http: invalid header field name \"Bad Name\"");
    Request r3 = Req("GET", "http://a/", "a\r\nX: y");
    CHECK(WriteErr(r3) == "http: invalid Host header");
  }

  TEST_CASE("a declared trailer: the names sorted once in Trailer, chunked framing, the values after the body") {
    Request r = Req("POST", "/", "example.com");
    r.body = "abc";
    r.content_length = 3;  // a trailer needs chunked framing (Go would send 3 bytes and lose it)
    r.trailer.Add("x-sum", "6");
    r.trailer.Add("X-Algo", "add");
    r.trailer.Add("X-Sum", "7");
    CHECK(nethttp::SendsChunked(r));
    CHECK(Write(r) ==
          "POST / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: nethttp/0.1\r\n"
          "Transfer-Encoding: chunked\r\nTrailer: X-Algo,X-Sum\r\n\r\n"
          "3\r\nabc\r\n0\r\nX-Sum: 6\r\nX-Algo: add\r\nX-Sum: 7\r\n\r\n");
    // No body at all: an empty chunked one still carries the trailer.
    Request get = Req("GET", "/", "example.com");
    get.trailer.Add("X-T", "1");
    CHECK(Write(get) ==
          "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: nethttp/0.1\r\n"
          "Transfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n0\r\nX-T: 1\r\n\r\n");
    // A streamed body with a known length and no trailer keeps its length.
    Request streamed = Req("PUT", "/", "example.com");
    streamed.body_stream = std::make_shared<nethttp::StreamBody>(nullptr);
    streamed.content_length = 10;
    CHECK_FALSE(nethttp::SendsChunked(streamed));
    streamed.trailer.Add("X-T", "");
    CHECK(nethttp::SendsChunked(streamed));
  }

  TEST_CASE("a trailer name that frames, routes or authenticates is refused, as is a bad value") {
    for (const char* name : {"Content-Length", "Transfer-Encoding", "Trailer", "Host", "Authorization",
                             "If-Match", "Bad Name", "content-length", "transfer-encoding"}) {
      CAPTURE(name);
      Request r = Req("POST", "/", "example.com");
      r.body = "x";
      r.trailer.AddCanonical(name, "1");
      CHECK(WriteErr(r) == std::string("net/http: invalid Trailer key \"") + name + "\"");
    }
    Request r = Req("POST", "/", "example.com");
    r.trailer.Add("X-T", "a\r\nInjected: yes");
    CHECK(WriteErr(r) == "net/http: invalid trailer field value for \"X-T\"");
  }

  TEST_CASE("AppendLastChunk: the body's trailer first, then declared values it did not set") {
    std::string out;
    nethttp::AppendLastChunk(nethttp::Header(), nullptr, &out);
    CHECK(out == "0\r\n\r\n");
    nethttp::Header declared;
    declared.Add("X-Sum", "");      // declared, no value of its own
    declared.Add("X-Algo", "add");  // a value the body does not replace
    declared.Add("X-Id", "1");      // replaced by the body's
    nethttp::Header from_body;
    from_body.Add("X-Id", "2");
    from_body.Add("X-Sum", "a\r\nInjected: yes");  // a source's bytes never add a line
    from_body.Add("Content-Length", "5");           // nor a framing field,
    from_body.AddCanonical("transfer-encoding", "x");  // in any case
    out.clear();
    nethttp::AppendLastChunk(declared, &from_body, &out);
    CHECK(out == "0\r\nX-Id: 2\r\nX-Sum: a  Injected: yes\r\nX-Algo: add\r\n\r\n");
    // The body's trailer alone (an undeclared one, as a proxy relays it).
    out.clear();
    nethttp::AppendLastChunk(nethttp::Header(), &from_body, &out);
    CHECK(out == "0\r\nX-Id: 2\r\nX-Sum: a  Injected: yes\r\n\r\n");
  }

  TEST_CASE("through a proxy: absolute form, and the proxy URL's credentials replace the caller's") {
    Request r = Req("GET", "http://example.com/a?b=c");
    r.header.Add("Proxy-Authorization", "Basic stale");
    std::string out;
    RequestWriteOptions opts;
    opts.absolute_form = true;
    opts.proxy_authorization = "Basic dTpw";
    REQUIRE_FALSE(WriteRequest(r, opts, &out));
    CHECK(out ==
          "GET http://example.com/a?b=c HTTP/1.1\r\nHost: example.com\r\nUser-Agent: nethttp/0.1\r\n"
          "Proxy-Authorization: Basic dTpw\r\n\r\n");
    // Without credentials of its own the caller's field goes as it is
    // (Go: the mutateHeaderFunc is only installed for a proxy URL with
    // userinfo); a Host that differs from the URL's names the target.
    Request h = Req("GET", "http://10.0.0.1:8080/x", "vhost.example");
    h.header.Add("Proxy-Authorization", "Basic mine");
    out.clear();
    opts.proxy_authorization = {};
    REQUIRE_FALSE(WriteRequest(h, opts, &out));
    CHECK(out ==
          "GET http://vhost.example/x HTTP/1.1\r\nHost: vhost.example\r\nUser-Agent: nethttp/0.1\r\n"
          "Proxy-Authorization: Basic mine\r\n\r\n");
  }

  TEST_CASE("WriteConnect: Go's connectReq, with Host and credentials") {
    std::string out;
    nethttp::WriteConnect("example.com:443", "", &out);
    CHECK(out == "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nUser-Agent: nethttp/0.1\r\n\r\n");
    out.clear();
    nethttp::WriteConnect("[::1]:8443", "Basic dTpw", &out);
    CHECK(out ==
          "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nUser-Agent: nethttp/0.1\r\n"
          "Proxy-Authorization: Basic dTpw\r\n\r\n");
  }
}
