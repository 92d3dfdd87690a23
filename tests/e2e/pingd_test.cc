// End-to-end tests of apps/pingd (SPEC §3): each case spawns the built
// binary (PINGD, set by tests/e2e/meson.build) on 127.0.0.1:0 and drives it
// with raw sockets (testutil/raw_conn.h) and curl. Bad requests: bad_requests.txt.
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "testutil/pingd.h"
#include "testutil/process.h"
#include "testutil/raw_conn.h"
#include "testutil/sanitized.h"
#include "testutil/temp_tree.h"

namespace {

using namespace std::chrono_literals;
using nethttp::testutil::After;
using nethttp::testutil::Clock;
using nethttp::testutil::CountLines;
using nethttp::testutil::Curl;
using nethttp::testutil::EnvOr;
using nethttp::testutil::HttpResponse;
using nethttp::testutil::kLargeBodyBytes;
using nethttp::testutil::kMaxRssKb;
using nethttp::testutil::Pingd;
using nethttp::testutil::PingdPath;
using nethttp::testutil::Pong;
using nethttp::testutil::ProcStatus;
using nethttp::testutil::Process;
using nethttp::testutil::RawConn;
using nethttp::testutil::Run;
using nethttp::testutil::RunResult;
using nethttp::testutil::StopCleanly;
using nethttp::testutil::TempTree;

// ExitCode waits (5 s at most) for the process to exit: its exit code,
// 128 + signal if a signal ended it, or -1 if it is still running.
int ExitCode(Process& p) { return p.Wait(After(5s)).value_or(-1); }

HttpResponse MustRead(RawConn& c, bool head_request = false) {
  std::optional<HttpResponse> r = c.ReadResponse(After(nethttp::testutil::kIoTimeout), head_request);
  REQUIRE_MESSAGE(r.has_value(), "reading a response: " << c.error());
  return *r;
}

void MustSend(RawConn& c, std::string_view data) { REQUIRE_MESSAGE(c.Send(data), c.error()); }

std::string GetReq(std::string_view path, std::string_view extra_headers = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: e2e\r\n" + std::string(extra_headers) +
         "\r\n";
}

std::string PostReq(std::string_view path, std::string_view body,
                    std::string_view content_type = "text/plain") {
  std::string r = "POST " + std::string(path) + " HTTP/1.1\r\nHost: e2e\r\n";
  if (!content_type.empty()) r += "Content-Type: " + std::string(content_type) + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r += body;
  return r;
}

void CheckPong(const HttpResponse& r) {
  CHECK(r.status_line == "HTTP/1.1 200 OK");
  CHECK(r.body == "pong");
  CHECK(r.Get("Content-Length") == "4");
}

// ---------------------------------------------------------------------------
// bad_requests.txt: see the format described at the top of that file.

struct BadRequestCase {
  std::string name;
  std::string request;
  std::string expect;
  int line = 0;
};

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "{{") == 0) {
      size_t star = s.find('*', i);
      size_t end = s.find("}}", i);
      REQUIRE_MESSAGE((star != std::string_view::npos && end == star + 2),
                      "bad {{N*c}} in: " << s);
      size_t n = std::strtoul(std::string(s.substr(i + 2, star - i - 2)).c_str(), nullptr, 10);
      out.append(n, s[star + 1]);
      i = end + 1;
      continue;
    }
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'r': out.push_back('\r'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case '0': out.push_back('\0'); break;
      case '\\': out.push_back('\\'); break;
      case 'x':
        REQUIRE_MESSAGE(i + 2 < s.size(), "bad \\x escape in: " << s);
        out.push_back(static_cast<char>(std::strtoul(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16)));
        i += 2;
        break;
      default: FAIL("unknown escape \\" << c << " in: " << s);
    }
  }
  return out;
}

std::vector<BadRequestCase> LoadBadRequests() {
  std::string path = EnvOr("BAD_REQUESTS", "");
  REQUIRE_MESSAGE(!path.empty(), "BAD_REQUESTS is not set: run this through `meson test`");
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::vector<BadRequestCase> cases;
  std::string line;
  int lineno = 0;
  auto finish = [&] {
    if (cases.empty()) return;
    const BadRequestCase& c = cases.back();
    REQUIRE_MESSAGE((!c.request.empty() && !c.expect.empty()),
                    path << ":" << c.line << ": case \"" << c.name << "\" needs send: and expect:");
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("case: ", 0) == 0) {
      finish();
      cases.push_back({line.substr(6), "", "", lineno});
    } else if (line.rfind("send: ", 0) == 0 && !cases.empty()) {
      cases.back().request += Unescape(line.substr(6));
    } else if (line.rfind("expect: ", 0) == 0 && !cases.empty()) {
      cases.back().expect = line.substr(8);
    } else {
      FAIL(path << ":" << lineno << ": cannot parse: " << line);
    }
  }
  finish();
  return cases;
}

}  // namespace

TEST_SUITE("pingd") {

TEST_CASE("GET /ping answers pong") {
  Pingd pingd;
  SUBCASE("raw") {
    RawConn c = pingd.Connect();
    MustSend(c, GetReq("/ping"));
    HttpResponse r = MustRead(c);
    CheckPong(r);
    CHECK(r.Has("Date"));
    CHECK(r.Get("Content-Type") == "text/plain; charset=utf-8");
  }
  SUBCASE("curl") {
    RunResult r = Curl({pingd.Url("/ping")});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "pong");
    CHECK(r.err == "");
  }
  SUBCASE("absolute-form target (RFC 9112 §3.2.2)") {
    RawConn c = pingd.Connect();
    MustSend(c, "GET http://e2e/ping HTTP/1.1\r\nHost: e2e\r\n\r\n");
    CheckPong(MustRead(c));
  }
}

TEST_CASE("HEAD /ping: Content-Length 4 and no body") {
  Pingd pingd;
  RawConn c = pingd.Connect();
  MustSend(c, "HEAD /ping HTTP/1.1\r\nHost: e2e\r\n\r\n");
  HttpResponse r = MustRead(c, /*head_request=*/true);
  CHECK(r.status == 200);
  CHECK(r.Get("Content-Length") == "4");
  // Had the body been sent, it would now precede the next status line.
  MustSend(c, GetReq("/ping"));
  CheckPong(MustRead(c));
  CHECK(c.buffered().empty());
}

TEST_CASE("POST /ping is the app's 405") {
  Pingd pingd;
  RawConn c = pingd.Connect();
  MustSend(c, PostReq("/ping", "x"));
  HttpResponse r = MustRead(c);
  CHECK(r.status_line == "HTTP/1.1 405 Method Not Allowed");
  CHECK(r.Get("Allow") == "GET, HEAD");
  CHECK(r.body == "method not allowed\n");
  // An application error keeps the connection.
  MustSend(c, GetReq("/ping"));
  CheckPong(MustRead(c));
}

TEST_CASE("unknown paths are the mux's 404") {
  Pingd pingd;
  RawConn c = pingd.Connect();
  for (const char* path : {"/nope", "/", "/pingx", "/ping/", "/echo/x"}) {
    CAPTURE(path);
    MustSend(c, GetReq(path));
    HttpResponse r = MustRead(c);
    CHECK(r.status_line == "HTTP/1.1 404 Not Found");
    CHECK(r.body == "404 page not found\n");
    CHECK(r.Get("Content-Type") == "text/plain; charset=utf-8");
  }
  RunResult cr = Curl({"-o", "/dev/null", "-w", "%{http_code}", pingd.Url("/nope")});
  CHECK(cr.exit_code == 0);
  CHECK(cr.out == "404");
}

TEST_CASE("/echo sends the body back with its Content-Type") {
  Pingd pingd;
  RawConn c = pingd.Connect();
  SUBCASE("text") {
    MustSend(c, PostReq("/echo", "hello, world", "text/x-e2e; charset=utf-8"));
    HttpResponse r = MustRead(c);
    CHECK(r.status == 200);
    CHECK(r.body == "hello, world");
    CHECK(r.Get("Content-Type") == "text/x-e2e; charset=utf-8");
  }
  SUBCASE("binary with NULs, every byte value") {
    std::string body;
    for (int round = 0; round < 4; ++round) {
      for (int b = 0; b < 256; ++b) body.push_back(static_cast<char>(b));
    }
    body += std::string(100, '\0');
    MustSend(c, PostReq("/echo", body, "application/octet-stream"));
    HttpResponse r = MustRead(c);
    CHECK(r.status == 200);
    CHECK(r.body.size() == body.size());
    CHECK(r.body == body);
    CHECK(r.Get("Content-Type") == "application/octet-stream");
  }
  SUBCASE("zero-length body") {
    MustSend(c, PostReq("/echo", "", "application/json"));
    HttpResponse r = MustRead(c);
    CHECK(r.status == 200);
    CHECK(r.Get("Content-Length") == "0");
    CHECK(r.body.empty());
    CHECK(r.Get("Content-Type") == "application/json");
  }
  SUBCASE("any method: PUT") {
    MustSend(c, "PUT /echo HTTP/1.1\r\nHost: e2e\r\nContent-Type: a/b\r\nContent-Length: 3\r\n\r\nput");
    HttpResponse r = MustRead(c);
    CHECK(r.status == 200);
    CHECK(r.body == "put");
    CHECK(r.Get("Content-Type") == "a/b");
  }
  SUBCASE("10 MiB through curl --data-binary @file") {
    TempTree dir;
    std::string in = dir.Path("in.bin"), out = dir.Path("out.bin");
    {
      std::mt19937 rng(1234);
      std::string data(10 << 20, '\0');
      for (char& ch : data) ch = static_cast<char>(rng());
      std::ofstream f(in, std::ios::binary);
      f.write(data.data(), static_cast<std::streamsize>(data.size()));
      REQUIRE(f.good());
    }
    RunResult r = Curl({"--data-binary", "@" + in, "-H", "Content-Type: application/x-e2e",
                        "-o", out, "-w", "%{http_code} %{content_type} %{size_download}",
                        pingd.Url("/echo")});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "200 application/x-e2e 10485760");
    RunResult sums = Run({"sha256sum", in, out}, 10s);
    REQUIRE(sums.exit_code == 0);
    std::istringstream lines(sums.out);
    std::string sum_in, sum_out, ignore;
    lines >> sum_in >> ignore >> sum_out;
    CHECK(sum_in.size() == 64);
    CHECK(sum_in == sum_out);
  }
}

TEST_CASE("keep-alive") {
  Pingd pingd;
  SUBCASE("100 requests on one connection") {
    RawConn c = pingd.Connect();
    for (int i = 0; i < 100; ++i) {
      CAPTURE(i);
      if (i % 2 == 0) {
        MustSend(c, GetReq("/ping"));
        HttpResponse r = MustRead(c);
        CHECK(r.body == "pong");
        CHECK_FALSE(r.Has("Connection"));
      } else {
        std::string body = "request " + std::to_string(i);
        MustSend(c, PostReq("/echo", body));
        CHECK(MustRead(c).body == body);
      }
    }
    CHECK_FALSE(c.PeerClosed());
  }
  SUBCASE("HTTP/1.0: the response, then the close") {
    RawConn c = pingd.Connect();
    MustSend(c, "GET /ping HTTP/1.0\r\n\r\n");
    HttpResponse r = MustRead(c);
    CHECK(r.status_line == "HTTP/1.0 200 OK");
    CHECK(r.body == "pong");
    CHECK(c.WaitClosed());
  }
  SUBCASE("HTTP/1.0 with Connection: keep-alive stays open") {
    RawConn c = pingd.Connect();
    for (int i = 0; i < 3; ++i) {
      MustSend(c, "GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      HttpResponse r = MustRead(c);
      CHECK(r.status_line == "HTTP/1.0 200 OK");
      CHECK(r.Get("Connection") == "keep-alive");
      CHECK(r.body == "pong");
    }
    // A 1.0 request without keep-alive on that connection ends it.
    MustSend(c, "GET /ping HTTP/1.0\r\n\r\n");
    CHECK(MustRead(c).body == "pong");
    CHECK(c.WaitClosed());
  }
  SUBCASE("Connection: close on HTTP/1.1 closes after the response") {
    RawConn c = pingd.Connect();
    MustSend(c, GetReq("/ping", "Connection: close\r\n"));
    HttpResponse r = MustRead(c);
    CheckPong(r);
    CHECK(r.Get("Connection") == "close");
    CHECK(c.WaitClosed());
  }
  SUBCASE("requests pipelined after Connection: close are not answered") {
    RawConn c = pingd.Connect();
    MustSend(c, GetReq("/ping", "Connection: close\r\n") + GetReq("/ping"));
    CHECK(MustRead(c).Get("Connection") == "close");
    bool closed = false;
    CHECK(c.ReadUntilClose(After(3s), &closed).empty());
    CHECK(closed);
  }
  SUBCASE("leading CRLF before a request line is tolerated (Go TestTolerateCRLFBeforeRequestLine)") {
    RawConn c = pingd.Connect();
    MustSend(c, PostReq("/echo", "ABC") + "\r\n\r\n" + GetReq("/ping"));
    CHECK(MustRead(c).body == "ABC");
    CheckPong(MustRead(c));
  }
  SUBCASE("a client that half-closes after its request still gets the response") {
    RawConn c = pingd.Connect();
    MustSend(c, PostReq("/echo", "half"));
    c.ShutdownWrite();
    bool closed = false;
    std::string all = c.ReadUntilClose(After(3s), &closed);
    CHECK(closed);
    CHECK(all.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(all.size() >= 4);
    CHECK(all.substr(all.size() - 4) == "half");
  }
}

TEST_CASE("pipelining: 50 requests in one write, 50 responses in order") {
  Pingd pingd;
  RawConn c = pingd.Connect();
  std::string batch;
  for (int i = 0; i < 50; ++i) {
    batch += i % 3 == 0 ? GetReq("/ping")
                        : PostReq("/echo", "body #" + std::to_string(i) + std::string(i, '.'),
                                  "text/x-" + std::to_string(i));
  }
  MustSend(c, batch);
  for (int i = 0; i < 50; ++i) {
    CAPTURE(i);
    HttpResponse r = MustRead(c);
    REQUIRE(r.status == 200);
    if (i % 3 == 0) {
      CHECK(r.body == "pong");
    } else {
      CHECK(r.body == "body #" + std::to_string(i) + std::string(i, '.'));
      CHECK(r.Get("Content-Type") == "text/x-" + std::to_string(i));
    }
  }
  CHECK(c.buffered().empty());
  CHECK_FALSE(c.PeerClosed());
}

TEST_CASE("chunked request bodies and 1-byte writes") {
  Pingd pingd;
  const std::string chunked =
      "POST /echo HTTP/1.1\r\nHost: e2e\r\nContent-Type: text/x-chunks\r\n"
      "Transfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n"
      "1;quoted=\"a b\";bare\r\n,\r\n"
      "6\r\n world\r\n"
      "0\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n";
  RawConn c = pingd.Connect();
  SUBCASE("whole") { MustSend(c, chunked); }
  SUBCASE("one byte per write") { REQUIRE_MESSAGE(c.SendBytewise(chunked, 0ms), c.error()); }
  HttpResponse r = MustRead(c);
  CHECK(r.status == 200);
  CHECK(r.body == "hello, world");
  CHECK(r.Get("Content-Type") == "text/x-chunks");
  // The trailer was consumed exactly: the next request parses.
  std::string next = PostReq("/echo", "after");
  REQUIRE_MESSAGE(c.SendBytewise(next, 0ms), c.error());
  CHECK(MustRead(c).body == "after");
  // Content-Length beside chunked: Go (and RFC 9112 §6.3) drop the length,
  // and RFC 9112 §6.1 has the server close after answering (Go does not).
  MustSend(c, "POST /echo HTTP/1.1\r\nHost: e2e\r\nContent-Length: 100\r\n"
              "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
              GetReq("/ping"));
  HttpResponse cl_te = MustRead(c);
  CHECK(cl_te.body == "abc");
  CHECK(cl_te.Get("Connection") == "close");
  bool closed = false;
  CHECK(c.ReadUntilClose(After(3s), &closed).empty());  // the pipelined GET is not answered
  CHECK(closed);
}

TEST_CASE("Expect: 100-continue") {
  Pingd pingd;
  SUBCASE("the client waits for 100 Continue before sending the body") {
    RawConn c = pingd.Connect();
    MustSend(c, "POST /echo HTTP/1.1\r\nHost: e2e\r\nExpect: 100-continue\r\n"
                "Content-Type: text/x-expect\r\nContent-Length: 5\r\n\r\n");
    HttpResponse interim = MustRead(c);
    CHECK(interim.status_line == "HTTP/1.1 100 Continue");
    MustSend(c, "hello");
    HttpResponse r = MustRead(c);
    CHECK(r.status == 200);
    CHECK(r.body == "hello");
    CHECK(r.Get("Content-Type") == "text/x-expect");
  }
  SUBCASE("chunked body") {
    RawConn c = pingd.Connect();
    MustSend(c, "POST /echo HTTP/1.1\r\nHost: e2e\r\nExpect: 100-continue\r\n"
                "Transfer-Encoding: chunked\r\n\r\n");
    CHECK(MustRead(c).status_line == "HTTP/1.1 100 Continue");
    MustSend(c, "2\r\nok\r\n0\r\n\r\n");
    CHECK(MustRead(c).body == "ok");
  }
  SUBCASE("the body sent without waiting is read (Go TestIssue13893_Expect100)") {
    RawConn c = pingd.Connect();
    MustSend(c, "PUT /echo HTTP/1.1\r\nHost: e2e\r\nExpect: 100-continue\r\n"
                "Content-Length: 10\r\n\r\nHelloWorld");
    HttpResponse r = MustRead(c);
    if (r.status == 100) r = MustRead(c);
    CHECK(r.status == 200);
    CHECK(r.body == "HelloWorld");
    MustSend(c, GetReq("/ping"));
    CheckPong(MustRead(c));
  }
  SUBCASE("no 100 Continue for an empty body (Go TestServerExpect)") {
    RawConn c = pingd.Connect();
    MustSend(c, "POST /echo HTTP/1.1\r\nHost: e2e\r\nExpect: 100-continue\r\n"
                "Content-Length: 0\r\n\r\n");
    HttpResponse r = MustRead(c);
    CHECK(r.status == 200);
    CHECK(r.body.empty());
  }
  SUBCASE("HTTP/1.0 gets no 100 Continue (RFC 9110 §10.1.1)") {
    RawConn c = pingd.Connect();
    MustSend(c, "POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    MustSend(c, "abc");
    HttpResponse r = MustRead(c);
    CHECK(r.status_line == "HTTP/1.0 200 OK");
    CHECK(r.body == "abc");
  }
  SUBCASE("curl -H 'Expect: 100-continue'") {
    // With a 20 s --expect100-timeout, curl only sends the body this soon
    // if the server said 100 Continue; -v shows the interim response.
    RunResult r = Curl({"-v", "--expect100-timeout", "20", "-H", "Expect: 100-continue",
                        "-H", "Content-Type: text/x-curl", "--data-binary", "curl body",
                        pingd.Url("/echo")});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "curl body");
    CHECK(r.err.find("HTTP/1.1 100 Continue") != std::string::npos);
  }
}

// Go's serverHandler.ServeHTTP answers "OPTIONS *" before any handler with
// globalOptionsHandler: 200 and "Content-Length: 0" (Go TestOptions); so
// does Conn::ServeRequest.
TEST_CASE("OPTIONS * is answered 200 by the server (Go TestOptions)") {
  Pingd pingd;
  RawConn c = pingd.Connect();
  MustSend(c, "OPTIONS * HTTP/1.1\r\nHost: e2e\r\n\r\n");
  HttpResponse r = MustRead(c);
  CHECK(r.status_line == "HTTP/1.1 200 OK");
  CHECK(r.Get("Content-Length") == "0");
  MustSend(c, GetReq("/ping"));
  CheckPong(MustRead(c));
}

TEST_CASE("CONNECT to pingd is 405 with Allow, then the close") {
  // RFC 9110 §9.3.6: pingd is an origin server, not a proxy (Go: 404).
  Pingd pingd;
  RawConn c = pingd.Connect();
  MustSend(c, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  HttpResponse r = MustRead(c);
  CHECK(r.status_line == "HTTP/1.1 405 Method Not Allowed");
  CHECK(r.Get("Allow").find("GET") != std::string::npos);
  CHECK(r.Get("Connection") == "close");
  bool closed = false;
  CHECK(c.ReadUntilClose(After(3s), &closed).empty());
  CHECK(closed);
}

TEST_CASE("fields a trailer may not hold are ignored and the request served") {
  // RFC 9110 §6.5.1 (Go 1.19: 501 for a Transfer-Encoding trailer field).
  Pingd pingd;
  for (const char* field : {"Transfer-Encoding: chunked", "Content-Length: 100", "Host: other"}) {
    CAPTURE(field);
    RawConn c = pingd.Connect();
    MustSend(c, std::string("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "3\r\nabc\r\n0\r\n") + field + "\r\n\r\n");
    HttpResponse r = MustRead(c);
    CHECK(r.status_line == "HTTP/1.1 200 OK");
    CHECK(r.body == "abc");
    // The connection either serves the next request or says it is closing.
    if (r.Get("Connection") != "close") {
      MustSend(c, GetReq("/ping"));
      CheckPong(MustRead(c));
    }
  }
}

TEST_CASE("a bad request after good ones in the same write") {
  Pingd pingd;
  RawConn c = pingd.Connect();
  MustSend(c, GetReq("/ping") + PostReq("/echo", "ok") + "GET /ping HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n" +
                  GetReq("/ping"));
  CheckPong(MustRead(c));
  CHECK(MustRead(c).body == "ok");
  HttpResponse bad = MustRead(c);
  CHECK(bad.status_line == "HTTP/1.1 400 Bad Request");
  CHECK(bad.Get("Connection") == "close");
  // Nothing after the bad request is answered.
  bool closed = false;
  CHECK(c.ReadUntilClose(After(3s), &closed).empty());
  CHECK(closed);
}

TEST_CASE("bad requests get their status, Connection: close, then the close") {
  Pingd pingd({"--max-header-bytes", "4096", "--max-body-bytes", "65536",
               "--max-request-target-bytes", "2048", "--max-header-fields", "50"});
  std::vector<BadRequestCase> cases = LoadBadRequests();
  REQUIRE(cases.size() >= 20);
  for (const BadRequestCase& bad : cases) {
    INFO("bad_requests.txt:" << bad.line << ": " << bad.name);
    RawConn c = pingd.Connect();
    // The server may answer and close before it has read everything we
    // send (e.g. at the head of an oversized body), so a failed send is
    // fine as long as the response arrives.
    c.Send(bad.request);
    std::optional<HttpResponse> r = c.ReadResponse();
    CHECK_MESSAGE(r.has_value(), "no response: " << c.error());
    if (!r) continue;
    CHECK(r->status_line == bad.expect);
    CHECK(r->Get("Connection") == "close");
    // Nothing follows the answer, not even for requests pipelined behind it.
    bool closed = false;
    CHECK(c.ReadUntilClose(After(3s), &closed).empty());
    CHECK_MESSAGE(closed, "the server kept the connection open");
  }
  // The process never dies from what a client sends.
  CHECK(pingd.proc().Running());
  RawConn c = pingd.Connect();
  MustSend(c, GetReq("/ping"));
  CheckPong(MustRead(c));
}

TEST_CASE("odd but valid requests are served (Go TestServerValidatesHeaders/HostHeader)") {
  Pingd pingd;
  const char* const kGood[] = {
      "GET /ping HTTP/1.0\r\n\r\n",                                   // 1.0 needs no Host
      "GET /ping HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",               // IPv6 literal
      "GET /ping HTTP/1.1\r\nHost: \r\n\r\n",                         // empty Host is allowed
      "GET /ping HTTP/1.1\r\nHost: e2e\r\nX-Foo: bar\tbaz\r\n\r\n",   // HTAB in a value
      "GET /ping HTTP/1.1\r\nHost: e2e\r\nX-Foo: \xff\r\n\r\n",       // obs-text
      "GET /ping HTTP/1.1\r\nHost: e2e\r\nX-Foo:   padded   \r\n\r\n",
      "GET /ping?x=1&y=%20 HTTP/1.1\r\nhost: e2e\r\n\r\n",            // lower-case name
      "GET /ping HTTP/1.1\r\nHost: e2e\r\nX-Empty:\r\n\r\n",
  };
  for (const char* req : kGood) {
    CAPTURE(req);
    RawConn c = pingd.Connect();
    MustSend(c, req);
    HttpResponse r = MustRead(c);
    CHECK(r.status == 200);
    CHECK(r.body == "pong");
  }
}

TEST_CASE("slow client: a head sent a byte every 50 ms is served") {
  Pingd pingd;
  RawConn c = pingd.Connect();
  REQUIRE_MESSAGE(c.SendBytewise("GET /ping HTTP/1.1\r\nHost: a\r\n\r\n", 50ms), c.error());
  CheckPong(MustRead(c));
}

TEST_CASE("timeouts") {
  SUBCASE("--read-header-timeout closes a connection with half a head") {
    Pingd pingd({"--read-header-timeout", "300ms"});
    RawConn c = pingd.Connect();
    MustSend(c, "GET /ping HTTP/1.1\r\nHo");
    CHECK_MESSAGE(c.WaitClosed(After(3s)), c.error());
    // Go answers nothing on a read timeout; neither do we.
    CHECK(c.buffered().empty());
    RawConn fresh = pingd.Connect();
    MustSend(fresh, GetReq("/ping"));
    CheckPong(MustRead(fresh));
  }
  SUBCASE("--read-header-timeout closes a connection that sends nothing") {
    Pingd pingd({"--read-header-timeout", "300ms"});
    RawConn c = pingd.Connect();
    CHECK_MESSAGE(c.WaitClosed(After(3s)), c.error());
  }
  SUBCASE("the header timeout does not run between requests (Go: IdleTimeout does)") {
    Pingd pingd({"--read-header-timeout", "300ms", "--idle-timeout", "10s"});
    RawConn c = pingd.Connect();
    MustSend(c, GetReq("/ping"));
    CheckPong(MustRead(c));
    // Idle for twice the header timeout: the connection must stay.
    CHECK_FALSE(c.WaitClosed(After(600ms)));
    MustSend(c, GetReq("/ping"));
    CheckPong(MustRead(c));
  }
  SUBCASE("--idle-timeout closes an idle kept-alive connection") {
    Pingd pingd({"--idle-timeout", "300ms"});
    RawConn c = pingd.Connect();
    MustSend(c, GetReq("/ping"));
    CheckPong(MustRead(c));
    CHECK_MESSAGE(c.WaitClosed(After(3s)), c.error());
  }
}

TEST_CASE("pipelining with backpressure: 400 x 16 KiB echoes, read while sending") {
  // 6.4 MB of responses: pingd must stop reading while its writes are
  // backlogged and resume when they drain, losing nothing.
  constexpr int kRequests = 400;
  const std::string body(16 << 10, 'b');
  Pingd pingd;
  RawConn c = pingd.Connect();
  std::string batch;
  for (int i = 0; i < kRequests; ++i) {
    std::string b = body;
    b.replace(0, std::to_string(i).size(), std::to_string(i));
    batch += PostReq("/echo", b);
  }
  // The writer needs its own thread: neither side can take everything
  // before the other reads. RawConn's send and recv touch no shared state
  // but the fd.
  bool sent = false;
  std::thread writer([&] { sent = c.Send(batch, After(10s)); });
  int ok = 0;
  for (int i = 0; i < kRequests; ++i) {
    std::optional<HttpResponse> r = c.ReadResponse(After(10s));
    if (!r) break;
    std::string b = body;
    b.replace(0, std::to_string(i).size(), std::to_string(i));
    ok += r->status == 200 && r->body == b ? 1 : 0;
  }
  writer.join();
  CHECK(sent);
  CHECK(ok == kRequests);
}

// /echo streams a body that does not come with its head: these hold pingd
// to constant memory whatever the body's size, and to serving others
// while one client is slow either way.
TEST_CASE("a 1 GiB upload (64 MiB in a sanitized build) to /echo comes back whole while pingd's memory stays small") {
  TempTree t;
  t.Sparse("gig", off_t{kLargeBodyBytes});  // no disk blocks: zeros
  // --max-body-bytes keeps its meaning for /echo: the default 64 MiB would refuse it.
  Pingd pingd({"--max-body-bytes", "2147483648"});
  std::vector<std::string> args = {"-sS", "--max-time", "300", "-X", "POST", "-T", t.Path("gig"),
                                   "-H", "Content-Type: application/octet-stream",
                                   "-o", "/dev/null", "-w", "%{http_code} %{size_download}"};
  SUBCASE("with a Content-Length") {}
  SUBCASE("chunked") { args.insert(args.end(), {"-H", "Transfer-Encoding: chunked"}); }
  args.push_back(pingd.Url("/echo"));
  RunResult r = Curl(args);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == "200 " + std::to_string(kLargeBodyBytes));
  long hwm = ProcStatus(pingd.proc().pid(), "VmHWM:");
  REQUIRE(hwm > 0);
  MESSAGE("pingd VmHWM after a " << (kLargeBodyBytes >> 20) << " MiB upload echoed: " << hwm << " kB");
  // A sanitizer's shadow memory (and ASan's quarantine) dwarf the bound.
#if !defined(NETHTTP_SANITIZED)
  CHECK(hwm < kMaxRssKb);
#endif
  StopCleanly(pingd);
}

// ChunkedEcho is a POST /echo head and n chunks of 30,000 bytes, no end.
std::string ChunkedEcho(int n) {
  std::string req = "POST /echo HTTP/1.1\r\nHost: e2e\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < n; ++i) req += "7530\r\n" + std::string(30000, 'c') + "\r\n";
  return req;
}

TEST_CASE("--max-body-bytes bounds a streamed /echo body: 413, then the close") {
  // (Under the 64 KiB /echo holds back before it answers.)
  Pingd pingd({"--max-body-bytes", "50000"});
  RawConn c = pingd.Connect();
  SUBCASE("declared too long: refused before a byte of it is read") {
    MustSend(c, "POST /echo HTTP/1.1\r\nHost: e2e\r\nContent-Length: 50001\r\n\r\n");
  }
  SUBCASE("chunked, found too long as it arrives") { MustSend(c, ChunkedEcho(2)); }
  HttpResponse r = MustRead(c);
  CHECK(r.status == 413);
  CHECK(r.Get("Connection") == "close");
  CHECK(c.WaitClosed());
}

TEST_CASE("an /echo past --max-body-bytes after its answer began is cut, never a clean end") {
  Pingd pingd({"--max-body-bytes", "100000"});
  RawConn c = pingd.Connect();
  MustSend(c, ChunkedEcho(4));  // 120,000 bytes: the echo starts past 64 KiB
  bool closed = false;
  std::string got = c.ReadUntilClose(After(10s), &closed);
  CHECK(closed);
  CHECK(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(got.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(got.find("\r\n0\r\n\r\n") == std::string::npos);  // no last chunk
}

TEST_CASE("a slow writer (a byte every 10 ms) holds nobody else up") {
  Pingd pingd;
  std::string body;
  for (int i = 0; i < 150; ++i) body.push_back(static_cast<char>('a' + i % 26));
  RawConn slow = pingd.Connect();
  MustSend(slow, "POST /echo HTTP/1.1\r\nHost: e2e\r\nContent-Length: 150\r\n\r\n");
  bool sent = false;
  std::thread writer([&] { sent = slow.SendBytewise(body, 10ms); });
  // Pings on other connections while the body trickles in (1.5 s): each
  // must be answered at once, not after the slow body.
  int pongs = 0;
  std::string why;
  auto deadline = After(1s);
  while (Clock::now() < deadline) {
    auto start = Clock::now();
    CHECK_MESSAGE(Pong(pingd, &why), why);
    CHECK(Clock::now() - start < 500ms);
    ++pongs;
  }
  writer.join();
  REQUIRE(sent);
  CHECK(pongs >= 5);
  HttpResponse r = MustRead(slow);
  CHECK(r.status == 200);
  CHECK(r.body == body);
  CHECK(r.Get("Content-Length") == "150");
}

TEST_CASE("an upload whose echo is not read: pingd stops reading it, and its memory stays small") {
  Pingd pingd;
  RawConn c = pingd.Connect();
  MustSend(c, "POST /echo HTTP/1.1\r\nHost: e2e\r\nContent-Length: 60000000\r\n\r\n");
  // Send until a second passes without the server taking a 64 KiB piece:
  // then the echo's output, the server's reading and the socket buffers
  // are all full, and the rest of the body waits.
  const std::string piece(64 << 10, 'u');
  size_t sent = 0;
  while (sent + piece.size() <= 60000000 && c.Send(piece, After(1s))) sent += piece.size();
  MESSAGE("sent before pingd stopped reading: " << sent << " bytes");
  CHECK(sent < 40000000);  // socket buffers, a few MiB each way; not the body
  std::string why;
  CHECK_MESSAGE(Pong(pingd, &why), why);
  long rss = ProcStatus(pingd.proc().pid(), "VmRSS:");
#if !defined(NETHTTP_SANITIZED)
  CHECK(rss < kMaxRssKb);
#endif
  MESSAGE("pingd VmRSS with the echo unread: " << rss << " kB");
}

TEST_CASE("--max-conns: beyond the limit a new connection is closed, the open ones are served") {
  Pingd pingd({"--max-conns", "2"});
  RawConn a = pingd.Connect();
  RawConn b = pingd.Connect();
  MustSend(a, GetReq("/ping"));
  CheckPong(MustRead(a));
  MustSend(b, GetReq("/ping"));
  CheckPong(MustRead(b));
  // The third is accepted and closed at once: EOF (or a reset), no answer.
  RawConn over = pingd.Connect();
  over.Send(GetReq("/ping"));  // may fail: the close can come first
  bool closed = false;
  CHECK(over.ReadUntilClose(After(3s), &closed).empty());
  CHECK(closed);
  // The two open ones go on working, kept alive.
  MustSend(a, GetReq("/ping"));
  CheckPong(MustRead(a));
  // Once one closes, its slot is free again: the server notices the EOF on
  // its own time, so a new connection is tried until one is served.
  b.Close();
  bool served = false;
  for (auto deadline = After(5s); !served && Clock::now() < deadline;) {
    RawConn c = pingd.Connect();
    if (!c.Send(GetReq("/ping"))) continue;
    std::optional<HttpResponse> r = c.ReadResponse();
    served = r && r->body == "pong";
  }
  CHECK(served);
  CHECK(pingd.proc().Running());
}

TEST_CASE("file-descriptor exhaustion (EMFILE): pingd survives it and serves again after") {
  // 32 fds: pingd's own (stdio, epoll, signals, the listener, libuv's
  // spare) leave room for about twenty connections.
  Pingd pingd({}, {"prlimit", "--nofile=32", "--"});
  {
    // One connection is served and closed before the fds run out. UBSan's
    // vptr check looks up a dynamic type it has not seen yet with a pipe(2)
    // (sanitizer_common's IsAccessibleMemoryRange); at EMFILE that pipe
    // fails and it reports "invalid vptr" for a sound object, and under
    // meson's halt_on_error pingd dies of it. ~Conn is the one call site
    // the requests below do not warm up, so it runs here first: pingd sees
    // this close before the next connection's request (the kernel delivers
    // them in that order) and runs its close callbacks before the next poll.
    RawConn first = pingd.Connect();
    MustSend(first, GetReq("/ping"));
    CheckPong(MustRead(first));
  }
  std::string why;
  REQUIRE_MESSAGE(Pong(pingd, &why), why);
  std::vector<RawConn> conns(60);
  size_t connected = 0;
  for (RawConn& c : conns) connected += c.Connect(pingd.port()) ? 1 : 0;
  REQUIRE(connected == conns.size());  // the kernel's backlog takes them all
  // Each connection is served, shed (accepted and closed at once, libuv's
  // spare-descriptor trick) or still waiting in a backlog. Waiting happens
  // only with several workers: they share the descriptor table, so one
  // worker can take the descriptor another freed for the trick, which then
  // rests until a descriptor frees, as Go and nginx do at EMFILE.
  size_t served = 0, shed = 0, waiting = 0;
  auto deadline = After(5s);
  for (RawConn& c : conns) {
    if (!c.Send(GetReq("/ping"))) {
      ++shed;
      continue;
    }
    std::optional<HttpResponse> r = c.ReadResponse(deadline);
    if (r && r->body == "pong") {
      ++served;
    } else if (c.PeerClosed()) {
      ++shed;
    } else {
      ++waiting;
    }
  }
  CAPTURE(served);
  CAPTURE(shed);
  CAPTURE(waiting);
  CHECK(served >= 10);
  CHECK(shed + waiting >= 1);  // the limit was really reached
  CHECK(served + shed + waiting == conns.size());
  if (EnvOr("PINGD_WORKERS", "1") == "1") CHECK(waiting == 0);
  CHECK(pingd.proc().Running());
  conns.clear();  // every fd back
  // The server recovers: once its connections are gone, new ones are served.
  bool recovered = false;
  for (auto deadline = After(15s); !recovered && Clock::now() < deadline;) {
    RawConn c;
    if (!c.Connect(pingd.port()) || !c.Send(GetReq("/ping"))) continue;
    std::optional<HttpResponse> r = c.ReadResponse();
    recovered = r && r->body == "pong";
  }
  CHECK_MESSAGE(recovered, "pingd's stderr:\n" << pingd.proc().err());
}

TEST_CASE("1000 idle connections stay open and are all served again") {
  constexpr size_t kConns = 1000;
  // Both this process and pingd (which inherits the limit) need ~1000 fds.
  rlimit lim{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &lim) == 0);
  if (lim.rlim_cur < 4096 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = std::min<rlim_t>(4096, lim.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  REQUIRE_MESSAGE(lim.rlim_cur >= kConns + 100, "RLIMIT_NOFILE too low: " << lim.rlim_cur);
  Pingd pingd;
  std::vector<RawConn> conns(kConns);
  for (size_t i = 0; i < kConns; ++i) {
    REQUIRE_MESSAGE(conns[i].Connect(pingd.port()), i << ": " << conns[i].error());
    MustSend(conns[i], GetReq("/ping"));
  }
  size_t answered = 0;
  for (RawConn& c : conns) {
    std::optional<HttpResponse> r = c.ReadResponse();
    answered += r && r->body == "pong" ? 1 : 0;
  }
  CHECK(answered == kConns);
  size_t open = 0;
  for (RawConn& c : conns) open += c.PeerClosed() ? 0 : 1;
  CHECK(open == kConns);
  for (size_t i = 0; i < kConns; ++i) {
    MustSend(conns[i], PostReq("/echo", std::to_string(i)));
  }
  size_t echoed = 0;
  for (size_t i = 0; i < kConns; ++i) {
    std::optional<HttpResponse> r = conns[i].ReadResponse();
    echoed += r && r->body == std::to_string(i) ? 1 : 0;
  }
  CHECK(echoed == kConns);
  CHECK(pingd.proc().Running());
}

TEST_CASE("graceful shutdown") {
  SUBCASE("SIGTERM: idle conns close, the in-flight request finishes, exit 0") {
    Pingd pingd;
    // In flight: the head is in (the 100 Continue proves the server read
    // it), and half of the body.
    RawConn busy = pingd.Connect();
    MustSend(busy, "POST /echo HTTP/1.1\r\nHost: e2e\r\nExpect: 100-continue\r\n"
                   "Content-Length: 10\r\n\r\n");
    REQUIRE(MustRead(busy).status == 100);
    MustSend(busy, "01234");
    // Five idle keep-alive connections, each after one answered request.
    std::vector<RawConn> idle(5);
    for (RawConn& c : idle) {
      REQUIRE_MESSAGE(c.Connect(pingd.port()), c.error());
      MustSend(c, GetReq("/ping"));
      CheckPong(MustRead(c));
    }
    REQUIRE(pingd.proc().Signal(SIGTERM));
    for (RawConn& c : idle) CHECK_MESSAGE(c.WaitClosed(After(2s)), c.error());
    // The idle ones closing shows the shutdown began, and with it the
    // listener closed: new connections are refused. With --workers each
    // worker closes its own listener, and the idle conns may all have been
    // one worker's: a connect may still reach another's for a moment (a
    // TSan CI run under load saw it), so wait, bounded, for the refusal.
    bool refused = false;
    for (auto until = After(2s); !refused && Clock::now() < until;) {
      RawConn late;
      refused = !late.Connect(pingd.port()) && late.last_errno() == ECONNREFUSED;
      if (!refused) poll(nullptr, 0, 5);
    }
    CHECK(refused);
    // The in-flight request is still being waited for.
    CHECK_FALSE(busy.PeerClosed());
    CHECK(pingd.proc().Running());
    MustSend(busy, "56789");
    HttpResponse r = MustRead(busy);
    CHECK(r.status == 200);
    CHECK(r.body == "0123456789");
    CHECK(r.Get("Connection") == "close");
    CHECK(busy.WaitClosed());
    CHECK(ExitCode(pingd.proc()) == 0);
    CHECK(pingd.proc().err().find("SIGTERM") != std::string::npos);
  }
  // The exchange before each signal proves the loop runs (and so that the
  // signal handlers are installed; see the skipped case below).
  SUBCASE("SIGINT exits 0") {
    Pingd pingd;
    RawConn c = pingd.Connect();
    MustSend(c, GetReq("/ping", "Connection: close\r\n"));
    CheckPong(MustRead(c));
    CHECK(c.WaitClosed());
    REQUIRE(pingd.proc().Signal(SIGINT));
    CHECK(ExitCode(pingd.proc()) == 0);
    CHECK(pingd.proc().err().find("SIGINT") != std::string::npos);
  }
  SUBCASE("SIGTERM closes a kept-alive connection and exits 0") {
    Pingd pingd;
    RawConn c = pingd.Connect();
    MustSend(c, GetReq("/ping"));
    CheckPong(MustRead(c));
    REQUIRE(pingd.proc().Signal(SIGTERM));
    CHECK(c.WaitClosed(After(2s)));
    CHECK(ExitCode(pingd.proc()) == 0);
  }
  SUBCASE("--shutdown-timeout force-closes a request that never finishes") {
    Pingd pingd({"--shutdown-timeout", "300ms"});
    RawConn stuck = pingd.Connect();
    MustSend(stuck, "POST /echo HTTP/1.1\r\nHost: e2e\r\nExpect: 100-continue\r\n"
                    "Content-Length: 10\r\n\r\n");
    REQUIRE(MustRead(stuck).status == 100);  // the server is reading the body
    REQUIRE(pingd.proc().Signal(SIGTERM));
    CHECK_MESSAGE(stuck.WaitClosed(After(3s)), stuck.error());
    CHECK(ExitCode(pingd.proc()) == 0);
    CHECK(pingd.proc().err().find("shutdown timeout") != std::string::npos);
  }
}

// pingd's "listening on" line is its readiness signal: a supervisor may send
// SIGTERM the moment it appears, so the handlers must already be installed
// (they once were not, and half of these runs died by the signal).
TEST_CASE("a signal right after the listening line still exits 0") {
#if defined(__SANITIZE_THREAD__)
  // Not under ThreadSanitizer, which holds back a signal that arrives
  // outside a blocking call until the thread's next intercepted one: a
  // SIGTERM sent the instant pingd logs is then lost to libuv's handler
  // (seen with one worker as with two, never in a plain or ASan build).
  return;
#endif
  for (int i = 0; i < 10; ++i) {
    CAPTURE(i);
    Pingd pingd;
    REQUIRE(pingd.proc().Signal(i % 2 == 0 ? SIGTERM : SIGINT));
    CHECK(ExitCode(pingd.proc()) == 0);
  }
}

TEST_CASE("flags") {
  std::string path = PingdPath();
  REQUIRE_MESSAGE(!path.empty(), "PINGD is not set: run this through `meson test`");
  SUBCASE("--help prints usage on stdout and exits 0") {
    RunResult r = Run({path, "--help"}, 5s);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Usage") != std::string::npos);
    CHECK(r.out.find("--addr") != std::string::npos);
    CHECK(r.out.find("--log-level") != std::string::npos);
    CHECK(r.err.empty());
  }
  SUBCASE("--version") {
    RunResult r = Run({path, "--version"}, 5s);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "pingd 0.1.0\n");
  }
  SUBCASE("an unknown flag is exit 2 with one line on stderr") {
    RunResult r = Run({path, "--bogus"}, 5s);
    CHECK(r.exit_code == 2);
    CHECK(CountLines(r.err) == 1);
    CHECK(r.err.find("--bogus") != std::string::npos);
    CHECK(r.out.empty());
  }
  SUBCASE("a bad --log-level is exit 2 with one line on stderr") {
    RunResult r = Run({path, "--log-level", "loud", "--addr", "127.0.0.1:0"}, 5s);
    CHECK(r.exit_code == 2);
    CHECK(CountLines(r.err) == 1);
  }
  SUBCASE("a bad duration is exit 2 with one line on stderr") {
    RunResult r = Run({path, "--idle-timeout", "soon", "--addr", "127.0.0.1:0"}, 5s);
    CHECK(r.exit_code == 2);
    CHECK(CountLines(r.err) == 1);
  }
  SUBCASE("--addr garbage fails with one line on stderr") {
    for (const char* addr : {"garbage", "127.0.0.1:99999", "127.0.0.1:port"}) {
      CAPTURE(addr);
      RunResult r = Run({path, "--addr", addr}, 5s);
      CHECK(r.exit_code != 0);
      CHECK_FALSE(r.timed_out);
      CHECK(CountLines(r.err) == 1);
      CHECK(r.err.find(addr) != std::string::npos);
    }
  }
  SUBCASE("the limit flags refuse zero and garbage with one line on stderr") {
    for (const char* flag : {"--max-header-bytes", "--max-request-target-bytes", "--max-header-fields"}) {
      for (const char* value : {"0", "lots"}) {
        CAPTURE(flag);
        CAPTURE(value);
        RunResult r = Run({path, flag, value, "--addr", "127.0.0.1:0"}, 5s);
        CHECK(r.exit_code == 2);
        CHECK(CountLines(r.err) == 1);
        CHECK(r.err.find(flag) != std::string::npos);
      }
    }
  }
  SUBCASE("a port in use is exit 1 with a clear line") {
    Pingd first;
    std::string addr = "127.0.0.1:" + std::to_string(first.port());
    RunResult r = Run({path, "--addr", addr}, 5s);
    CHECK(r.exit_code == 1);
    CHECK(CountLines(r.err) == 1);
    CHECK(r.err.find("address already in use") != std::string::npos);
    CHECK(r.err.find(addr) != std::string::npos);
    // The first one is unharmed.
    RawConn c = first.Connect();
    MustSend(c, GetReq("/ping"));
    CheckPong(MustRead(c));
  }
}

}  // TEST_SUITE
