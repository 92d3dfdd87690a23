// End-to-end tests of apps/post-json (SPEC §3, issue 4 "Tests"): each case
// runs the built binary (POST_JSON) against a real pingd (PINGD) or a
// scripted misbehaving server (testutil/scripted_server.h), and nginx if present.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "testutil/pingd.h"
#include "testutil/process.h"
#include "testutil/raw_conn.h"
#include "testutil/sanitized.h"
#include "testutil/scripted_server.h"
#include "testutil/temp_tree.h"

namespace {

using namespace std::chrono_literals;
using nethttp::testutil::After;
using nethttp::testutil::Clock;
using nethttp::testutil::EnvOr;
using nethttp::testutil::FreePort;
using nethttp::testutil::Pingd;
using nethttp::testutil::PipedResult;
using nethttp::testutil::Process;
using nethttp::testutil::RawConn;
using nethttp::testutil::RunPiped;
using nethttp::testutil::ScriptedConn;
using nethttp::testutil::ScriptedRequest;
using nethttp::testutil::ScriptedServer;

// Cert names a file the build made in tests/tls/ (make_certs.sh).
std::string Cert(std::string_view name) { return std::string(NETHTTP_TEST_CERTS) + "/" + std::string(name); }

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
  Clock::duration elapsed{};
};

// PostJson runs post-json with args (and stdin from stdin_path), within
// `timeout`, and returns what it did.
Outcome PostJson(std::vector<std::string> args, const std::string& stdin_path = "",
                 std::chrono::milliseconds timeout = 15s) {
  std::string path = EnvOr("POST_JSON", "");
  REQUIRE_MESSAGE(!path.empty(), "POST_JSON is not set: run this through `meson test`");
  args.insert(args.begin(), path);
  Outcome o;
  PipedResult r = RunPiped(args, stdin_path, [&](std::string_view c) { o.out.append(c); }, timeout);
  REQUIRE_MESSAGE(r.started, r.err);
  REQUIRE_MESSAGE(!r.timed_out, "post-json did not exit within " << timeout.count()
                                                                 << " ms; stderr:\n" << r.err);
  o.exit_code = r.exit_code;
  o.err = std::move(r.err);
  o.elapsed = r.elapsed;
  return o;
}

size_t CountLines(std::string_view s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// CheckOneLine: the contract's "one clear line on stderr".
void CheckOneLine(const Outcome& o) {
  INFO("stderr: " << o.err);
  CHECK(CountLines(o.err) == 1);
  CHECK(!o.err.empty());
  if (!o.err.empty()) CHECK(o.err.back() == '\n');
  CHECK(o.err.size() > std::string_view("post-json: ").size() + 3);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::vector<std::string> Lines(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string_view::npos) nl = s.size();
    out.emplace_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// TempFile is a scratch file with the given content, removed at scope exit.
class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    std::string tmpl = EnvOr("TMPDIR", "/tmp") + std::string("/post-json-e2e-XXXXXX");
    int fd = mkstemp(tmpl.data());
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    close(fd);
    path_ = tmpl;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Response(std::string_view status, std::string_view body,
                     std::string_view extra = "") {
  return "HTTP/1.1 " + std::string(status) + "\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra) + "\r\n" + std::string(body);
}

// HeadEcho answers every request with its own head as the body.
void HeadEcho(ScriptedConn& c) {
  while (std::optional<ScriptedRequest> r = c.ReadRequest()) {
    if (!c.Send(Response("200 OK", r->head))) return;
  }
}

// ---------------------------------------------------------------------------
// Against the real pingd.

TEST_CASE("post-json against pingd: fields, raw values, --data") {
  Pingd pingd;
  std::string port = ":" + std::to_string(pingd.port());

  SUBCASE("k=v is a JSON string field; :PORT/path means localhost") {
    Outcome o = PostJson({port + "/echo", "hello=world"});
    CHECK(o.exit_code == 0);
    CHECK(o.out == R"({"hello":"world"})");
    CHECK(o.err == "");
  }
  SUBCASE("k:=json raw values: numbers, arrays, nested objects, true, null, in order") {
    Outcome o = PostJson({pingd.Url("/echo"), "n:=42", "f:=-2.5", "arr:=[1,\"x\",[]]",
                          "obj:={\"x\":{\"y\":null}}", "t:=true", "z:=null", "s=1"});
    CHECK(o.exit_code == 0);
    CHECK(o.out == R"({"n":42,"f":-2.5,"arr":[1,"x",[]],"obj":{"x":{"y":null}},"t":true,"z":null,"s":"1"})");
  }
  SUBCASE("no items send {}") {
    Outcome o = PostJson({pingd.Url("/echo")});
    CHECK(o.exit_code == 0);
    CHECK(o.out == "{}");
  }
  SUBCASE("-d JSON is sent verbatim") {
    Outcome o = PostJson({"-d", R"({"a": 1})", pingd.Url("/echo")});
    CHECK(o.exit_code == 0);
    CHECK(o.out == R"({"a": 1})");
  }
  SUBCASE("-d @file") {
    TempFile f("[1, 2, {\"b\": \"c\"}]\n");
    Outcome o = PostJson({"--data", "@" + f.path(), pingd.Url("/echo")});
    CHECK(o.exit_code == 0);
    CHECK(o.out == "[1, 2, {\"b\": \"c\"}]\n");
  }
  SUBCASE("-d - reads stdin") {
    TempFile f(R"({"from":"stdin"})");
    Outcome o = PostJson({"-d", "-", pingd.Url("/echo")}, f.path());
    CHECK(o.exit_code == 0);
    CHECK(o.out == R"({"from":"stdin"})");
  }
  SUBCASE("404: the body is printed, exit 1") {
    Outcome o = PostJson({pingd.Url("/nope"), "a=1"});
    CHECK(o.exit_code == 1);
    CHECK(o.out.find("404 page not found") != std::string::npos);
  }
}

TEST_CASE("post-json -v: heads on stderr, the body alone on stdout") {
  Pingd pingd;
  Outcome o = PostJson({"-v", pingd.Url("/echo"), "a=b"});
  CHECK(o.exit_code == 0);
  CHECK(o.out == R"({"a":"b"})");
  INFO("stderr:\n" << o.err);
  CHECK(o.err.find("POST /echo HTTP/1.1") != std::string::npos);
  CHECK(o.err.find("Content-Type: application/json") != std::string::npos);
  CHECK(o.err.find("HTTP/1.1 200 OK") != std::string::npos);
  // The request head comes before the response head.
  CHECK(o.err.find("POST /echo") < o.err.find("HTTP/1.1 200"));
  // Nothing of the heads leaks into stdout.
  CHECK(o.out.find("HTTP/1.1") == std::string::npos);
  // The request head is the Transport's, fields it adds included
  // (DumpRequestOut); the response head is DumpResponse's, framing first.
  std::vector<std::string> lines = Lines(o.err);
  auto has = [&](const std::string& l) { return std::find(lines.begin(), lines.end(), l) != lines.end(); };
  CHECK(has("> POST /echo HTTP/1.1"));
  CHECK(has("> Host: 127.0.0.1:" + std::to_string(pingd.port())));
  CHECK(has("> User-Agent: nethttp/0.1"));
  CHECK(has("> Content-Length: 9"));
  CHECK(has("> Content-Type: application/json"));
  CHECK(has("> Accept-Encoding: gzip"));
  CHECK(has("< HTTP/1.1 200 OK"));
  CHECK(has("< Content-Length: 9"));
  CHECK(has("< Content-Type: application/json"));
}

// MarkedHead joins the stderr lines -v marked with `marker` back into a
// head in wire form (the "> " prefix off, CRLF after each line).
std::string MarkedHead(std::string_view err, char marker) {
  std::string head;
  for (const std::string& l : Lines(err)) {
    if (l.empty() || l[0] != marker) continue;
    head.append(l.size() > 2 ? l.substr(2) : "").append("\r\n");
  }
  return head;
}

TEST_CASE("post-json -v prints the request head byte for byte as the server got it") {
  // HeadEcho answers with the head it read, so stdout is the wire's head.
  ScriptedServer server(HeadEcho);
  SUBCASE("fields, -H") {
    Outcome o = PostJson({"-v", "-H", "X-A: b", server.Url("/hdr?q=1"), "k=v"});
    CHECK(o.exit_code == 0);
    INFO("stderr:\n" << o.err << "stdout:\n" << o.out);
    CHECK(o.out.rfind("POST /hdr?q=1 HTTP/1.1\r\n", 0) == 0);
    CHECK(MarkedHead(o.err, '>') == o.out);
    // The answer's head, as DumpResponse writes it: Content-Length first.
    CHECK(MarkedHead(o.err, '<') == "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(o.out.size()) +
                                        "\r\nContent-Type: text/plain\r\n\r\n");
  }
  SUBCASE("-d @file streams the body; -v shows its head without reading it") {
    TempFile f(R"({"from":"file"})");
    Outcome o = PostJson({"-v", "-d", "@" + f.path(), server.Url("/up")});
    CHECK(o.exit_code == 0);
    INFO("stderr:\n" << o.err << "stdout:\n" << o.out);
    CHECK(o.out.find("\r\nContent-Length: 15\r\n") != std::string::npos);
    CHECK(MarkedHead(o.err, '>') == o.out);
  }
}

TEST_CASE("post-json -H reaches the server; the request is a JSON POST") {
  ScriptedServer server(HeadEcho);
  Outcome o = PostJson({"-H", "X-A: b", "-H", "X-Multi: 1", "-H", "X-Multi: 2",
                        server.Url("/hdr?q=1"), "k=v"});
  CHECK(o.exit_code == 0);
  INFO("head seen by the server:\n" << o.out);
  CHECK(o.out.rfind("POST /hdr?q=1 HTTP/1.1\r\n", 0) == 0);
  CHECK(o.out.find("\r\nX-A: b\r\n") != std::string::npos);
  CHECK(o.out.find("\r\nX-Multi: 1\r\n") != std::string::npos);
  CHECK(o.out.find("\r\nX-Multi: 2\r\n") != std::string::npos);
  CHECK(o.out.find("\r\nContent-Type: application/json\r\n") != std::string::npos);
  CHECK(o.out.find("\r\nContent-Length: 9\r\n") != std::string::npos);  // {"k":"v"}
  CHECK(o.out.find("\r\nHost: 127.0.0.1:" + std::to_string(server.port()) + "\r\n") !=
        std::string::npos);
  CHECK(server.requests() == 1);
}

// CheckSummary checks the --repeat summary lines (SPEC §3).
void CheckSummary(const std::string& out, int n, int connections) {
  INFO("summary:\n" << out);
  std::vector<std::string> lines = Lines(out);
  REQUIRE(lines.size() == 8);
  CHECK(lines[0] == "requests: " + std::to_string(n));
  CHECK(lines[1] == "failures: 0");
  CHECK(lines[2] == "status 200: " + std::to_string(n));
  std::smatch m;
  CHECK(std::regex_match(lines[3], m, std::regex(R"(requests/s: ([0-9]+(\.[0-9]+)?))")));
  if (!m.empty()) CHECK(std::stod(m[1].str()) > 0);
  const std::regex latency(R"(p(50|90|99): [0-9]+(\.[0-9]+)?(ns|us|µs|ms|s))");
  CHECK(lines[4].rfind("p50: ", 0) == 0);
  CHECK(lines[5].rfind("p90: ", 0) == 0);
  CHECK(lines[6].rfind("p99: ", 0) == 0);
  for (int i = 4; i <= 6; ++i) CHECK(std::regex_match(lines[static_cast<size_t>(i)], latency));
  CHECK(lines[7] == "connections: " + std::to_string(connections));
  CHECK(out.back() == '\n');
}

TEST_CASE("post-json --repeat: summary and connection reuse") {
  Pingd pingd;
  SUBCASE("--repeat 2000 -c 8 opens 8 connections") {
    Outcome o = PostJson({"--repeat", "2000", "-c", "8", pingd.Url("/echo"), "a=1"}, "", 30s);
    CHECK(o.exit_code == 0);
    CHECK(o.err == "");
    CheckSummary(o.out, 2000, 8);
  }
  SUBCASE("-n 500 -c 1 opens 1 connection") {
    Outcome o = PostJson({"-n", "500", "-c", "1", pingd.Url("/echo"), "a=1"});
    CHECK(o.exit_code == 0);
    CheckSummary(o.out, 500, 1);
  }
}

// ---------------------------------------------------------------------------
// Bad input: exit 2, one stderr line, and no connection made.

TEST_CASE("bad input is refused before any connection") {
  ScriptedServer server(HeadEcho);
  std::string url = server.Url("/x");
  TempFile bad_file("{\"a\": }");
  std::vector<std::string> args;
  SUBCASE("invalid JSON in -d") { args = {"-d", "{a:1}", url}; }
  SUBCASE("invalid JSON in -d @file") { args = {"-d", "@" + bad_file.path(), url}; }
  SUBCASE("invalid k:=json") { args = {url, "a:={"}; }
  SUBCASE("unknown flag") { args = {"--bogus", url, "a=1"}; }
  SUBCASE("malformed header") { args = {"-H", "NoColonHere", url, "a=1"}; }
  SUBCASE("header with a bad name") { args = {"-H", "Bad Name: v", url, "a=1"}; }
  SUBCASE("missing URL") { args = {}; }
  SUBCASE("ftp:// URL") { args = {"ftp://127.0.0.1:" + std::to_string(server.port()) + "/x", "a=1"}; }
  SUBCASE("--cacert of a missing file") { args = {"--cacert", "/nonexistent.pem", url, "a=1"}; }
  SUBCASE("--cert without --key") { args = {"--cert", "/nonexistent.pem", url, "a=1"}; }
  SUBCASE("items and --data together") { args = {"-d", "{}", url, "a=1"}; }
  std::string first_arg = args.empty() ? std::string("(none)") : args[0];
  CAPTURE(first_arg);
  Outcome o = PostJson(args);
  CHECK(o.exit_code == 2);
  CHECK(o.out == "");
  CheckOneLine(o);
  CHECK_MESSAGE(server.ProbeNoOtherConnections(),
                "post-json connected although its input was bad (accepts: " << server.accepts()
                                                                           << ")");
}

// ---------------------------------------------------------------------------
// Transport failures: exit 3, one stderr line.

// https to servers that never finish the handshake: exit 3, one line in
// Go's words, and no hang.
TEST_CASE("https to servers that fail the TLS handshake exits 3 with one stderr line") {
  std::string want;
  double min_seconds = 0;
  std::unique_ptr<ScriptedServer> server;
  SUBCASE("silent after the ClientHello: Go's 10 s TLS handshake timeout") {
    server = std::make_unique<ScriptedServer>([](ScriptedConn& c) { c.WaitForStop(); });
    want = "net/http: TLS handshake timeout";
    min_seconds = 9.5;
  }
  SUBCASE("a handshake_failure alert") {
    server = std::make_unique<ScriptedServer>([](ScriptedConn& c) {
      if (c.Send(std::string_view("\x15\x03\x03\x00\x02\x02\x28", 7))) c.WaitForStop();
    });
    want = "remote error: tls: handshake failure";
  }
  SUBCASE("garbage instead of a ServerHello") {
    server = std::make_unique<ScriptedServer>([](ScriptedConn& c) {
      if (c.Send(std::string_view("\x16\x03\x03\x00\x04\x02\x00\x00\x00", 9))) c.WaitForStop();
    });
    want = "tls: ";
  }
  SUBCASE("an HTTP answer") {
    server = std::make_unique<ScriptedServer>([](ScriptedConn& c) {
      c.Send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    want = "http: server gave HTTP response to HTTPS client";
  }
  std::string url = "https://127.0.0.1:" + std::to_string(server->port()) + "/x";
  Outcome o = PostJson({url, "a=1"}, "", 30s);
  CHECK(o.exit_code == 3);
  CHECK(o.out == "");
  CheckOneLine(o);
  CHECK_MESSAGE(o.err.rfind("post-json: Post \"" + url + "\": " + want, 0) == 0, o.err);
  CHECK(Seconds(o.elapsed) >= min_seconds);
  CHECK(Seconds(o.elapsed) < min_seconds + 5);
}

// Go's https server (go-tls-server/), ending responses the ways a TLS
// stream can end: Go's client rules decide what post-json makes of each.
TEST_CASE("post-json against Go's https server: bodies cut with and without a TLS record boundary") {
  std::string binary = EnvOr("GO_TLS_SERVER", "");
  if (binary.empty()) {
    MESSAGE("go is not installed: skipped (tools/setup installs golang-go)");
    return;
  }
  std::string error;
  std::unique_ptr<Process> go = Process::Spawn(
      {binary, "-cert", Cert("server.pem"), "-key", Cert("server.key")}, &error);
  REQUIRE_MESSAGE(go != nullptr, error);
  std::optional<std::string> line = go->WaitForStderrLine("listening on 127.0.0.1:", After(10s));
  REQUIRE_MESSAGE(line.has_value(), go->err());
  std::string base = "https://localhost:" + line->substr(line->rfind(':') + 1);
  while (!base.empty() && (base.back() == '\n' || base.back() == '\r')) base.pop_back();
  const std::string ca = Cert("ca.pem");
  SUBCASE("an echo, verified, then 100 on kept-alive conns") {
    Outcome o = PostJson({"--cacert", ca, base + "/echo", "go=tls"});
    CHECK_MESSAGE(o.exit_code == 0, o.err);
    CHECK(o.out == R"({"go":"tls"})");
    Outcome n = PostJson({"--cacert", ca, "-n", "100", "-c", "2", base + "/echo", "a=1"});
    CHECK_MESSAGE(n.exit_code == 0, n.err);
    CHECK(n.out.find("connections: 2\n") != std::string::npos);
  }
  SUBCASE("a Content-Length body cut by a TCP close: the bytes, then exit 3") {
    Outcome o = PostJson({"--cacert", ca, base + "/truncated", "a=1"});
    CHECK(o.exit_code == 3);
    CHECK(o.out == "0123456789");
    CheckOneLine(o);
  }
  SUBCASE("a close-delimited body ended without close_notify: whole, as Go takes it") {
    // Go accepts an end at a record boundary without close_notify (the
    // HTTP framing decides); a close-delimited body has no framing to say
    // more, so this is what a truncation attack on HTTP/1.0 framing gets,
    // in Go and here alike.
    Outcome o = PostJson({"--cacert", ca, base + "/until-close", "a=1"});
    CHECK_MESSAGE(o.exit_code == 0, o.err);
    CHECK(o.out == "all of it");
  }
  SUBCASE("a stream cut inside a TLS record: an error, never an end") {
    Outcome o = PostJson({"--cacert", ca, base + "/cut-record", "a=1"});
    CHECK(o.exit_code == 3);
    CHECK(o.out == "before");
    CheckOneLine(o);
  }
}

TEST_CASE("transport failures exit 3 with one stderr line") {
  SUBCASE("connection refused") {
    Outcome o = PostJson({"127.0.0.1:" + std::to_string(FreePort()) + "/x", "a=1"});
    CHECK(o.exit_code == 3);
    CHECK(o.out == "");
    CheckOneLine(o);
  }
  SUBCASE("server never answers, --timeout 0.5") {
    ScriptedServer server([](ScriptedConn& c) { c.WaitForStop(); });
    Outcome o = PostJson({"--timeout", "0.5", server.Url("/x"), "a=1"}, "", 10s);
    CHECK(o.exit_code == 3);
    CHECK(o.out == "");
    CheckOneLine(o);
    CHECK(Seconds(o.elapsed) >= 0.45);
    CHECK(Seconds(o.elapsed) < 3.0);
  }
  SUBCASE("server sends its head, then stalls the body, --timeout 0.5") {
    // Client.Timeout covers reading the body too.
    ScriptedServer server([](ScriptedConn& c) {
      if (c.ReadRequest() && c.Send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")) {
        c.WaitForStop();
      }
    });
    Outcome o = PostJson({"--timeout", "0.5", server.Url("/x"), "a=1"}, "", 10s);
    CHECK(o.exit_code == 3);
    CHECK(o.out.size() <= 3);
    CheckOneLine(o);
    CHECK(Seconds(o.elapsed) < 3.0);
  }
  SUBCASE("garbage status line") {
    ScriptedServer server([](ScriptedConn& c) {
      if (c.ReadRequest()) c.Send("HTZP/1.1 2OO okay\r\nContent-Length: 2\r\n\r\nok");
    });
    Outcome o = PostJson({server.Url("/x"), "a=1"});
    CHECK(o.exit_code == 3);
    CHECK(o.out == "");
    CheckOneLine(o);
  }
  SUBCASE("empty reply: accept, read the request, close") {
    ScriptedServer server([](ScriptedConn& c) { c.ReadRequest(); });
    Outcome o = PostJson({server.Url("/x"), "a=1"});
    CHECK(o.exit_code == 3);
    CHECK(o.out == "");
    CheckOneLine(o);
    CHECK(server.requests() == 1);  // a POST is not sent twice
  }
  SUBCASE("truncated body: Content-Length 100, 10 bytes, close") {
    ScriptedServer server([](ScriptedConn& c) {
      if (c.ReadRequest()) c.Send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    });
    Outcome o = PostJson({server.Url("/x"), "a=1"});
    CHECK(o.exit_code == 3);
    // Streamed output may hold what arrived, never more, never "complete".
    CHECK(std::string_view("0123456789").substr(0, o.out.size()) == o.out);
    CheckOneLine(o);
  }
  SUBCASE("truncated chunked body: close before the last chunk") {
    ScriptedServer server([](ScriptedConn& c) {
      if (c.ReadRequest()) {
        c.Send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      }
    });
    Outcome o = PostJson({server.Url("/x"), "a=1"});
    CHECK(o.exit_code == 3);
    CHECK(std::string_view("hello").substr(0, o.out.size()) == o.out);
    CheckOneLine(o);
  }
  SUBCASE("DNS failure: nonexistent.invalid") {
    Outcome o = PostJson({"http://nonexistent.invalid/x", "a=1"}, "", 25s);
    CHECK(o.exit_code == 3);
    CHECK(o.out == "");
    CheckOneLine(o);
    // The message names the URL intact: a build before f5aa131 printed the
    // host out of a freed Exchange ("http://%E9u%94...lid/x").
    CHECK(o.err.find("Post \"http://nonexistent.invalid/x\"") != std::string::npos);
    CHECK(o.err.find("lookup nonexistent.invalid") != std::string::npos);
  }
}

// ---------------------------------------------------------------------------
// Redirects.

TEST_CASE("a redirect loop stops after 10 redirects, exit 3") {
  std::atomic<int> gets{0};
  ScriptedServer server([&](ScriptedConn& c) {
    while (std::optional<ScriptedRequest> r = c.ReadRequest()) {
      if (r->method == "GET") gets.fetch_add(1);
      if (!c.Send("HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n")) return;
    }
  });
  Outcome o = PostJson({server.Url("/loop"), "a=1"});
  CHECK(o.exit_code == 3);
  CheckOneLine(o);
  CHECK(o.err.find("stopped after 10 redirects") != std::string::npos);
  // Go sends the first request and follows 9 redirects; the 10th is refused.
  CHECK(server.requests() == 10);
  // 302 turns the POST into a GET (Go, and browsers).
  CHECK(gets.load() == server.requests() - 1);
}

TEST_CASE("a 307 redirect to pingd's /echo keeps the method and the body") {
  Pingd pingd;
  std::string location = pingd.Url("/echo");
  ScriptedServer server([&](ScriptedConn& c) {
    if (c.ReadRequest()) {
      c.Send("HTTP/1.1 307 Temporary Redirect\r\nLocation: " + location +
             "\r\nContent-Length: 0\r\n\r\n");
    }
  });
  Outcome o = PostJson({server.Url("/start"), "kept=yes", "n:=7"});
  CHECK(o.exit_code == 0);
  CHECK(o.out == R"({"kept":"yes","n":7})");
  CHECK(server.requests() == 1);
}

// ---------------------------------------------------------------------------
// Keep-alive that the server breaks.

// CheckCloserSummary: all 20 succeeded, each on a connection of its own.
void CheckCloserSummary(const Outcome& o, const ScriptedServer& server) {
  INFO("stdout:\n" << o.out << "stderr:\n" << o.err);
  CHECK(o.exit_code == 0);
  std::vector<std::string> lines = Lines(o.out);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[0] == "requests: 20");
  CHECK(lines[1] == "failures: 0");
  CHECK(lines[2] == "status 200: 20");
  CHECK(server.requests() == 20);  // no POST replayed
  CHECK(server.accepts() == 20);   // one connection per request, redialled
  CHECK(o.out.find("connections: 20\n") != std::string::npos);
}

// A server that closes right after its response without saying so: when
// the FIN is already in our socket as the next request wants a connection,
// Transport sees it (PersistConn::PeerGone) and dials instead; this once
// failed every other request. When the FIN is still on its way, the POST
// goes out on the dying connection and fails, and Go's rule forbids resending
// it: HTTP/1.1 cannot tell that race apart from a server that crashed while
// handling the request. How often the FIN loses the race is up to the
// scheduler (7 of 20 once under ASan on a busy CI machine), so this test pins
// only what holds every time: no request is replayed, every success is one
// request the server saw, every failure is reported. The PeerGone path
// itself is pinned without a race by transport_test's "a conn closed after
// each response: the client redials".
TEST_CASE("a server that closes every connection after one response: -n 20 -c 2") {
  ScriptedServer server([](ScriptedConn& c) {
    if (c.ReadRequest()) c.Send(Response("200 OK", "ok"));
    // No "Connection: close": the close comes unannounced, as from a server
    // with a tiny keep-alive limit.
  });
  Outcome o = PostJson({"-n", "20", "-c", "2", server.Url("/x"), "a=1"});
  INFO("stdout:\n" << o.out << "stderr:\n" << o.err);
  std::vector<std::string> lines = Lines(o.out);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[0] == "requests: 20");
  int failures = std::stoi(lines[1].substr(lines[1].find(':') + 1));
  int ok = lines[2].rfind("status 200: ", 0) == 0 ? std::stoi(lines[2].substr(12)) : 0;
  CHECK(failures + ok == 20);
  CHECK(ok >= 2);                  // the first two go out on fresh conns: no race
  CHECK(server.requests() == ok);  // no POST replayed
  CHECK(o.exit_code == (failures == 0 ? 0 : 1));
  if (failures > 0) CHECK(o.err.find("server closed the connection") != std::string::npos);
}

TEST_CASE("a server that answers Connection: close every time: -n 20 -c 2") {
  ScriptedServer server([](ScriptedConn& c) {
    if (c.ReadRequest()) c.Send(Response("200 OK", "ok", "Connection: close\r\n"));
  });
  CheckCloserSummary(PostJson({"-n", "20", "-c", "2", server.Url("/x"), "a=1"}), server);
}

// ---------------------------------------------------------------------------
// 200 MiB download in constant memory.

// kBoundedRssKb is what "bounded" means for post-json's memory while it
// streams 200 MiB: 64 MiB. Under AddressSanitizer the allocator keeps freed
// buffers resident in its quarantine (up to 256 MiB by default), which put
// a sanitized post-json at 58-67 MiB in a loaded CI run whatever our own
// buffering; that build gets twice the room, still far below the 200 MiB
// that an unbounded client would hold, and the normal build keeps 64.
#if defined(NETHTTP_SANITIZED)
constexpr long kBoundedRssKb = 128 * 1024;
#else
constexpr long kBoundedRssKb = 64 * 1024;
#endif

TEST_CASE("a 200 MiB chunked response streams through in bounded memory") {
  constexpr size_t kTotal = size_t{200} << 20;
  constexpr size_t kPeriod = 251;  // prime: a lost, doubled or moved chunk shows
  constexpr size_t kChunk = 64 << 10;
  // pattern[i] = i % kPeriod, long enough to compare any chunk at any phase.
  std::string pattern(kChunk + kPeriod, '\0');
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<char>(i % kPeriod);

  ScriptedServer server([&](ScriptedConn& c) {
    if (!c.ReadRequest()) return;
    if (!c.Send("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                "Transfer-Encoding: chunked\r\n\r\n")) {
      return;
    }
    char size_line[32];
    for (size_t sent = 0; sent < kTotal;) {
      size_t n = std::min(kChunk, kTotal - sent);
      int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
      std::string_view data(pattern.data() + sent % kPeriod, n);
      if (!c.Send(std::string_view(size_line, static_cast<size_t>(len))) || !c.Send(data) ||
          !c.Send("\r\n")) {
        return;
      }
      sent += n;
    }
    c.Send("0\r\n\r\n");
  });

  std::string path = EnvOr("POST_JSON", "");
  REQUIRE(!path.empty());
  size_t received = 0;
  size_t mismatches = 0;
  PipedResult r = RunPiped(
      {path, server.Url("/big"), "a=1"}, "",
      [&](std::string_view chunk) {
        if (std::string_view(pattern.data() + received % kPeriod, chunk.size()) != chunk) {
          ++mismatches;
        }
        received += chunk.size();
      },
      20s);
  REQUIRE(r.started);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(r.err == "");
  CHECK(received == kTotal);
  CHECK(mismatches == 0);
  MESSAGE("200 MiB in " << Seconds(r.elapsed) << " s; post-json VmHWM " << r.vm_hwm_kb
                        << " KiB, ru_maxrss " << r.max_rss_kb << " KiB");
  CHECK(r.vm_hwm_kb > 0);
  CHECK(r.vm_hwm_kb < kBoundedRssKb);
  CHECK(r.max_rss_kb < kBoundedRssKb);
}

TEST_CASE("post-json -d @FILE streams a 100 MiB file (16 MiB under ASan) to pingd's /echo in bounded memory") {
  // An array of numbered records, as a large JSON file is: a lost or moved
  // piece shows. (post-json validates the file as it reads it, holding one
  // token at a time, so a file that is one huge string would cost its size.)
#if defined(NETHTTP_SANITIZED)
  constexpr size_t kSize = size_t{16} << 20;  // (the bound is not ASan's to meet)
#else
  constexpr size_t kSize = size_t{100} << 20;
#endif
  std::string json = "[";
  json.reserve(kSize + 128);
  for (size_t i = 0; json.size() < kSize; ++i) {
    json += "{\"n\":" + std::to_string(i) + ",\"s\":\"abcdefghijklmnopqrstuvwxyz0123456789\"},";
  }
  json += "null]";
  nethttp::testutil::TempTree t;
  std::string path = t.Write("big.json", json);
  Pingd pingd({"--max-body-bytes", "200000000"});
  std::string post_json = EnvOr("POST_JSON", "");
  REQUIRE(!post_json.empty());
  size_t received = 0, mismatches = 0;
  PipedResult r = RunPiped(
      {post_json, "-d", "@" + path, pingd.Url("/echo")}, "",
      [&](std::string_view chunk) {
        if (json.compare(received, chunk.size(), chunk) != 0) ++mismatches;
        received += chunk.size();
      },
      60s);
  REQUIRE(r.started);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 0);
  CHECK(r.err == "");
  CHECK(received == json.size());
  CHECK(mismatches == 0);
  MESSAGE((kSize >> 20) << " MiB posted in " << Seconds(r.elapsed) << " s; post-json VmHWM " << r.vm_hwm_kb << " KiB");
  // (Not ru_maxrss here: it counts the fork before exec, which shares this
  // process's pages, the 100 MiB of json among them.)
  CHECK(r.vm_hwm_kb > 0);
  CHECK(r.vm_hwm_kb < kBoundedRssKb);
}

TEST_CASE("post-json -d @FILE: a file that is not JSON, missing, or a directory is refused before any connection") {
  nethttp::testutil::TempTree t;
  std::string bad = t.Write("bad.json", "{\"a\": 1,}");
  std::string post_json = EnvOr("POST_JSON", "");
  REQUIRE(!post_json.empty());
  // Port 1 refuses: were a connection tried, the exit would be 3.
  for (const auto& [arg, words] : std::vector<std::pair<std::string, std::string>>{
           {"@" + bad, "invalid JSON at line 1"},
           {"@" + t.Path("missing.json"), "No such file or directory"},
           {"@" + t.path(), "not a regular file"}}) {
    CAPTURE(arg);
    nethttp::testutil::RunResult r = nethttp::testutil::Run({post_json, "-d", arg, "http://127.0.0.1:1/echo"}, 10s);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(words) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
}

// ---------------------------------------------------------------------------
// nginx, when installed (tools/bench installs nginx-light).

std::string FindNginx() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx",
                        "/usr/local/nginx/sbin/nginx"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return {};
}

// Nginx is an nginx (1 worker, no daemon) in a temporary directory with
// one server block listening on a free port; `listen` and `body` are that
// block's listen parameters and its directives. Its destructor stops it.
class Nginx {
 public:
  Nginx(const std::string& binary, const std::string& listen, const std::string& body) {
    dir_ = EnvOr("TMPDIR", "/tmp") + std::string("/post-json-nginx-XXXXXX");
    REQUIRE(mkdtemp(dir_.data()) != nullptr);
    port_ = FreePort();
    std::string conf = dir_ + "/nginx.conf";
    {
      std::ofstream f(conf);
      f << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
        << "error_log " << dir_ << "/error.log;\npid " << dir_ << "/nginx.pid;\n"
        << "events { worker_connections 64; }\n"
        << "http {\n  access_log off;\n"
        << "  client_body_temp_path " << dir_ << "/body;\n  proxy_temp_path " << dir_ << "/proxy;\n"
        << "  fastcgi_temp_path " << dir_ << "/fcgi;\n  uwsgi_temp_path " << dir_ << "/uwsgi;\n"
        << "  scgi_temp_path " << dir_ << "/scgi;\n"
        << "  server {\n    listen 127.0.0.1:" << port_ << " " << listen << ";\n"
        << body << "\n  }\n}\n";
    }
    std::string error;
    proc_ = Process::Spawn({binary, "-p", dir_, "-e", dir_ + "/error.log", "-c", conf}, &error);
    REQUIRE_MESSAGE(proc_ != nullptr, error);
    // Ready when it accepts: retry connecting (nginx says nothing on stdout).
    bool up = false;
    auto deadline = After(5s);
    while (!up && Clock::now() < deadline && proc_->Running()) {
      RawConn c;
      up = c.Connect(port_);
      if (!up) poll(nullptr, 0, 20);
    }
    REQUIRE_MESSAGE(up, "nginx did not start on port " << port_ << "; stderr: " << proc_->err());
  }
  ~Nginx() {
    proc_.reset();  // SIGTERM: nginx exits
    std::string rm = "rm -rf '" + dir_ + "'";
    CHECK(std::system(rm.c_str()) == 0);
  }
  int port() const { return port_; }

 private:
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> proc_;
};

TEST_CASE("post-json against nginx") {
  std::string nginx = FindNginx();
  if (nginx.empty()) {
    MESSAGE("nginx is not installed: skipped (tools/bench installs nginx-light)");
    return;
  }
  Nginx server(nginx, "",
               "    location /api { default_type application/json; return 200 '{\"ok\":true}'; }");
  int port = server.port();
  Outcome o = PostJson({"127.0.0.1:" + std::to_string(port) + "/api", "hello=nginx"});
  CHECK(o.exit_code == 0);
  CHECK(o.out == R"({"ok":true})");
  CHECK(o.err == "");
  Outcome n = PostJson({"-n", "200", "-c", "4", "127.0.0.1:" + std::to_string(port) + "/api",
                        "a=1"});
  CHECK(n.exit_code == 0);
  CHECK(n.out.rfind("requests: 200\nfailures: 0\nstatus 200: 200\n", 0) == 0);
  CHECK(n.out.find("connections: 4\n") != std::string::npos);
  Outcome missing = PostJson({"127.0.0.1:" + std::to_string(port) + "/nope", "a=1"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("404") != std::string::npos);
}

// nginx with "gzip on": the Transport asks for gzip on its own and hands
// post-json the JSON decoded; a caller's own Accept-Encoding gets the
// compressed bytes as they came, as Go's Transport does.
TEST_CASE("post-json against nginx with gzip on: decoded unless asked for") {
  std::string nginx = FindNginx();
  if (nginx.empty()) {
    MESSAGE("nginx is not installed: skipped (tools/bench installs nginx-light)");
    return;
  }
  std::string json = "{\"items\":[";
  for (int i = 0; i < 200; ++i) json += std::string(i ? "," : "") + "\"item number " + std::to_string(i) + "\"";
  json += "]}";
  Nginx server(nginx, "",
               "    gzip on;\n    gzip_types application/json;\n    gzip_min_length 1;\n"
               "    location /api { default_type application/json; return 200 '" + json + "'; }");
  const std::string url = "127.0.0.1:" + std::to_string(server.port()) + "/api";
  Outcome o = PostJson({url, "a=1"});
  CHECK(o.exit_code == 0);
  CHECK(o.out == json);
  CHECK(o.err == "");
  Outcome raw = PostJson({"-H", "Accept-Encoding: gzip", url, "a=1"});
  CHECK(raw.exit_code == 0);
  REQUIRE(raw.out.size() > 2);
  CHECK(raw.out.substr(0, 2) == "\x1f\x8b");  // gzip's magic: the bytes as nginx sent them
  CHECK(raw.out.size() < json.size() / 2);
}

// nginx over TLS (nginx-light has the ssl module), with the build's
// certificates (tests/tls/make_certs.sh): the same OpenSSL on the other
// side, configured by someone else.
TEST_CASE("post-json against nginx over TLS: verification failures in Go's words, kept-alive conns") {
  std::string nginx = FindNginx();
  if (nginx.empty()) {
    MESSAGE("nginx is not installed: skipped (tools/bench installs nginx-light)");
    return;
  }
  std::string leaf = "server";
  std::string want_error;
  SUBCASE("a certificate for localhost: verified with --cacert, refused without") { leaf = "server"; }
  SUBCASE("a certificate for another name") {
    leaf = "other";
    want_error = "x509: certificate is valid for other.test, not localhost";
  }
  SUBCASE("an expired certificate") {
    leaf = "expired";
    want_error = "x509: certificate has expired or is not yet valid";
  }
  Nginx server(nginx, "ssl",
               "    ssl_certificate " + Cert(leaf + ".pem") + ";\n    ssl_certificate_key " +
                   Cert(leaf + ".key") + ";\n    ssl_protocols TLSv1.2 TLSv1.3;\n" +
                   "    location /api { default_type application/json; return 200 '{\"ok\":true}'; }");
  std::string url = "https://localhost:" + std::to_string(server.port()) + "/api";
  Outcome o = PostJson({"--cacert", Cert("ca.pem"), url, "hello=nginx"});
  if (want_error.empty()) {
    CHECK_MESSAGE(o.exit_code == 0, o.err);
    CHECK(o.out == R"({"ok":true})");
    Outcome n = PostJson({"--cacert", Cert("ca.pem"), "-n", "200", "-c", "4", url, "a=1"});
    CHECK_MESSAGE(n.exit_code == 0, n.err);
    CHECK(n.out.rfind("requests: 200\nfailures: 0\nstatus 200: 200\n", 0) == 0);
    CHECK(n.out.find("connections: 4\n") != std::string::npos);
    Outcome untrusted = PostJson({url, "a=1"});
    CHECK(untrusted.exit_code == 3);
    CHECK(untrusted.err == "post-json: Post \"" + url + "\": x509: certificate signed by unknown authority\n");
  } else {
    CHECK(o.exit_code == 3);
    CHECK(o.out == "");
    CheckOneLine(o);
    CHECK_MESSAGE(o.err.find(want_error) != std::string::npos, o.err);
    // -k takes any certificate, for any name, expired or not.
    Outcome k = PostJson({"-k", url, "a=1"});
    CHECK_MESSAGE(k.exit_code == 0, k.err);
    CHECK(k.out == R"({"ok":true})");
  }
}

}  // namespace
