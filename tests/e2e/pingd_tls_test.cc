// End-to-end tests of pingd over TLS (issue 12): the built binary with
// --tls-cert/--tls-key on 127.0.0.1:0, driven by real peers (curl, openssl
// s_client, Go's net/http client from go-tls-client/, our own post-json) and
// by raw sockets that misbehave. The certificates are the build's (tests/tls/make_certs.sh).
#include <doctest/doctest.h>
#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "testutil/pingd.h"
#include "testutil/process.h"
#include "testutil/raw_conn.h"
#include "testutil/sanitized.h"

namespace {

using namespace std::chrono_literals;
using nethttp::testutil::After;
using nethttp::testutil::Clock;
using nethttp::testutil::Curl;
using nethttp::testutil::EnvOr;
using nethttp::testutil::HttpResponse;
using nethttp::testutil::Pingd;
using nethttp::testutil::Process;
using nethttp::testutil::ProcStatus;
using nethttp::testutil::RawConn;
using nethttp::testutil::Run;
using nethttp::testutil::RunResult;

std::string Cert(std::string_view name) { return std::string(NETHTTP_TEST_CERTS) + "/" + std::string(name); }

// TlsPingd is one pingd serving https with the build's server certificate
// (and the other.test one for SNI), on a kernel-chosen port.
class TlsPingd : public Pingd {
 public:
  explicit TlsPingd(const std::vector<std::string>& extra_args = {}) : Pingd(TlsArgs(extra_args)) {
    CHECK(listen_line().find("(https)") != std::string::npos);
  }
  std::string Url(std::string_view host, std::string_view path) const {
    return "https://" + std::string(host) + ":" + std::to_string(port()) + std::string(path);
  }

 private:
  static std::vector<std::string> TlsArgs(const std::vector<std::string>& extra_args) {
    std::vector<std::string> argv = {"--tls-cert", Cert("server.pem"), "--tls-key", Cert("server.key"),
                                     "--tls-cert", Cert("other.pem"), "--tls-key", Cert("other.key")};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    return argv;
  }
};

int OpenFds(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return -1;
  int n = 0;
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n - 2;  // . and ..
}

// Pong asks for /ping over a fresh TLS connection with curl.
bool Pong(TlsPingd& pingd) {
  RunResult r = Curl({"--cacert", Cert("ca.pem"), pingd.Url("localhost", "/ping")});
  return r.exit_code == 0 && r.out == "pong";
}

}  // namespace

// PostJson runs the built post-json with args.
RunResult PostJson(std::vector<std::string> args) {
  std::string path = EnvOr("POST_JSON", "");
  REQUIRE_MESSAGE(!path.empty(), "POST_JSON is not set: run this through `meson test`");
  args.insert(args.begin(), path);
  RunResult r = Run(args, 25s);
  REQUIRE_MESSAGE(r.started, r.err);
  return r;
}

// OneLine: stderr is exactly one line (post-json's contract for failures).
bool OneLine(const std::string& err) {
  return !err.empty() && err.back() == '\n' && err.find('\n') == err.size() - 1;
}

TEST_CASE("post-json over TLS: verified, refused, insecure, repeated on kept-alive conns") {
  TlsPingd pingd;
  const std::string ca = Cert("ca.pem");
  SUBCASE("verified against --cacert, by name and by address") {
    for (const char* host : {"localhost", "127.0.0.1"}) {
      RunResult r = PostJson({"--cacert", ca, pingd.Url(host, "/echo"), "a=1", "n:=2"});
      CHECK_MESSAGE(r.exit_code == 0, host << ": " << r.err);
      CHECK(r.out == R"({"a":"1","n":2})");
      CHECK(r.err == "");
    }
  }
  SUBCASE("a CA it does not trust: exit 3, Go's words, nothing printed") {
    RunResult r = PostJson({pingd.Url("localhost", "/echo"), "a=1"});
    CHECK(r.exit_code == 3);
    CHECK(r.out == "");
    CHECK(r.err == "post-json: Post \"" + pingd.Url("localhost", "/echo") +
                       "\": x509: certificate signed by unknown authority\n");
  }
  SUBCASE("-k skips verification") {
    RunResult r = PostJson({"-k", pingd.Url("localhost", "/echo"), "a=1"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == R"({"a":"1"})");
  }
  SUBCASE("--repeat keeps its C connections across the requests") {
    RunResult r = PostJson({"--cacert", ca, "-n", "300", "-c", "3", pingd.Url("localhost", "/echo"), "a=1"});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find("requests: 300\nfailures: 0\nstatus 200: 300\n") == 0);
    CHECK(r.out.find("connections: 3\n") != std::string::npos);
  }
  SUBCASE("http:// to the https port: Go's plaintext 400, exit 1") {
    RunResult r = PostJson({"http://127.0.0.1:" + std::to_string(pingd.port()) + "/echo", "a=1"});
    CHECK(r.exit_code == 1);
    CHECK(r.out == "Client sent an HTTP request to an HTTPS server.\n");
  }
  SUBCASE("a client certificate whose key does not match: exit 2 before any connection") {
    RunResult r = PostJson({"--cert", Cert("client.pem"), "--key", Cert("server.key"),
                            pingd.Url("localhost", "/echo"), "a=1"});
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(OneLine(r.err), r.err);
  }
  CHECK(pingd.proc().Running());
}

TEST_CASE("post-json https:// to a plain http port says so (Go's words), exit 3") {
  std::string path = EnvOr("PINGD", "");
  REQUIRE_FALSE(path.empty());
  std::string error;
  std::unique_ptr<Process> plain = Process::Spawn({path, "--addr", "127.0.0.1:0"}, &error);
  REQUIRE_MESSAGE(plain != nullptr, error);
  std::optional<std::string> line = plain->WaitForStderrLine("listening on 127.0.0.1:", After(5s));
  REQUIRE(line.has_value());
  int port = std::atoi(line->c_str() + line->rfind("127.0.0.1:") + 10);
  RunResult r = PostJson({"https://127.0.0.1:" + std::to_string(port) + "/echo", "a=1"});
  CHECK(r.exit_code == 3);
  CHECK(r.out == "");
  CHECK(r.err == "post-json: Post \"https://127.0.0.1:" + std::to_string(port) +
                     "/echo\": http: server gave HTTP response to HTTPS client\n");
}

TEST_CASE("curl over TLS: keep-alive, both versions, bodies, 100-continue, close, SNI") {
  TlsPingd pingd;
  const std::string ca = Cert("ca.pem");
  SUBCASE("two requests, one connection, TLS 1.3 with http/1.1 by ALPN") {
    RunResult r = Curl({"--cacert", ca, "-w", " %{num_connects} %{http_version}\\n", "-v",
                        pingd.Url("localhost", "/ping"), pingd.Url("localhost", "/ping")});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == "pong 1 1.1\npong 0 1.1\n");
    CHECK(r.err.find("SSL connection using TLSv1.3") != std::string::npos);
    CHECK(r.err.find("ALPN: server accepted http/1.1") != std::string::npos);
  }
  SUBCASE("TLS 1.2 with Go's first ECDSA suite, by address (the IP SAN)") {
    RunResult r = Curl({"--cacert", ca, "--tls-max", "1.2", "-v", pingd.Url("127.0.0.1", "/ping")});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == "pong");
    CHECK(r.err.find("SSL connection using TLSv1.2 / ECDHE-ECDSA-AES128-GCM-SHA256") != std::string::npos);
  }
  SUBCASE("a chunked upload and a 100-continue one come back whole") {
    std::string body(300000, 'x');
    for (size_t i = 0; i < body.size(); i += 7) body[i] = static_cast<char>('a' + i % 26);
    std::string file = EnvOr("TMPDIR", "/tmp") + "/pingd-tls-body-" + std::to_string(getpid());
    std::ofstream(file, std::ios::binary) << body;
    for (const char* header : {"Transfer-Encoding: chunked", "Expect: 100-continue"}) {
      CAPTURE(header);
      RunResult r = Curl({"--cacert", ca, "--data-binary", "@" + file, "-H", header,
                          pingd.Url("localhost", "/echo")});
      CHECK(r.exit_code == 0);
      CHECK(r.out == body);
    }
    std::remove(file.c_str());
  }
  SUBCASE("Connection: close ends the connection after the response") {
    RunResult r = Curl({"--cacert", ca, "-v", "-H", "Connection: close", pingd.Url("localhost", "/ping"),
                        pingd.Url("localhost", "/ping"), "-w", " %{num_connects}\\n"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == "pong 1\npong 1\n");
  }
  SUBCASE("SNI chooses the certificate: other.test verifies only with the other certificate") {
    std::string resolve = "other.test:" + std::to_string(pingd.port()) + ":127.0.0.1";
    RunResult r = Curl({"--cacert", ca, "--resolve", resolve, pingd.Url("other.test", "/ping")});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == "pong");
  }
  SUBCASE("a client offering only h2 is refused: there is no HTTP/2 yet") {
    RunResult r = Run({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(pingd.port()),
                       "-alpn", "h2", "-CAfile", ca, "-servername", "localhost"},
                      20s);
    CHECK(r.exit_code != 0);
    bool said = (r.out + r.err).find("no application protocol") != std::string::npos;
    CHECK_MESSAGE(said, r.out << r.err);
  }
  SUBCASE("renegotiation is refused (TLS 1.2; 1.3 has none)") {
    // s_client's "R" line asks for a renegotiation and waits for the answer
    // (a blocking handshake) before it reads the end of its input.
    RunResult r = Run({"sh", "-c",
                       "echo R | openssl s_client -tls1_2 -connect 127.0.0.1:" +
                           std::to_string(pingd.port()) + " -servername localhost -CAfile " + ca},
                      20s);
    bool refused = (r.out + r.err).find("no renegotiation") != std::string::npos;
    CHECK_MESSAGE(refused, r.out << r.err);
  }
  CHECK(pingd.proc().Running());
}

TEST_CASE("Go's http.Client over TLS: keep-alive, bodies, 100-continue, resumption, 1.2 and 1.3") {
  std::string client = EnvOr("GO_TLS_CLIENT", "");
  if (client.empty()) {
    MESSAGE("go is not installed: skipped (tools/setup installs golang-go)");
    return;
  }
  TlsPingd pingd;
  for (const char* max : {"1.3", "1.2"}) {
    CAPTURE(max);
    RunResult r = Run({client, "-url", pingd.Url("localhost", ""), "-ca", Cert("ca.pem"), "-max", max}, 30s);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    std::string want_cipher = std::string_view(max) == "1.3" ? "TLS_AES_128_GCM_SHA256"
                                                             : "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    CHECK(r.out == "conns=1 version=" + std::string(max) + " cipher=" + want_cipher + " alpn= resumed=true\n");
  }
}

TEST_CASE("pipelined requests over TLS are answered in order (openssl s_client)") {
  TlsPingd pingd;
  std::string requests;
  for (int i = 0; i < 5; ++i) {
    requests += "POST /echo HTTP/1.1\r\nHost: e2e\r\nContent-Length: 1\r\n\r\n" + std::to_string(i);
  }
  requests += "GET /ping HTTP/1.1\r\nHost: e2e\r\nConnection: close\r\n\r\n";
  std::string in = EnvOr("TMPDIR", "/tmp") + "/pingd-tls-pipe-" + std::to_string(getpid());
  std::ofstream(in, std::ios::binary) << requests;
  // s_client sends its stdin at once after the handshake; -ign_eof keeps it
  // reading until the server closes after the last, Connection: close one.
  RunResult r = Run({"sh", "-c",
                     "openssl s_client -quiet -ign_eof -connect 127.0.0.1:" + std::to_string(pingd.port()) +
                         " -servername localhost -CAfile " + Cert("ca.pem") + " < " + in},
                    20s);
  std::remove(in.c_str());
  size_t pos = 0;
  for (const char* want : {"\r\n\r\n0", "\r\n\r\n1", "\r\n\r\n2", "\r\n\r\n3", "\r\n\r\n4", "\r\n\r\npong"}) {
    CAPTURE(want);
    size_t at = r.out.find(want, pos);
    CHECK(at != std::string::npos);
    if (at != std::string::npos) pos = at;
  }
}

TEST_CASE("a plaintext request to the https port gets Go's answer, then the close") {
  TlsPingd pingd;
  for (const char* req : {"GET /ping HTTP/1.1\r\nHost: e2e\r\n\r\n", "POST /echo HTTP/1.1\r\n"}) {
    CAPTURE(req);
    RawConn c = pingd.Connect();
    REQUIRE(c.Send(req));
    bool closed = false;
    std::string got = c.ReadUntilClose(After(5s), &closed);
    CHECK(closed);
    CHECK(got == "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
  }
  CHECK(Pong(pingd));
}

TEST_CASE("bad certificate flags: one line on stderr, exit 2, before listening") {
  std::string pingd = EnvOr("PINGD", "");
  REQUIRE(!pingd.empty());
  struct Row {
    std::vector<std::string> args;
    std::string want;
  };
  const Row rows[] = {
      {{"--tls-cert", Cert("missing.pem"), "--tls-key", Cert("server.key")}, "missing.pem"},
      {{"--tls-cert", Cert("server.pem"), "--tls-key", Cert("other.key")}, "private key does not match"},
      {{"--tls-cert", Cert("server.key"), "--tls-key", Cert("server.key")}, "failed to find any PEM data"},
      {{"--tls-cert", Cert("server.pem")}, "--tls-cert and --tls-key come in pairs"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.want);
    std::vector<std::string> argv = {pingd, "--addr", "127.0.0.1:0"};
    argv.insert(argv.end(), row.args.begin(), row.args.end());
    RunResult r = Run(argv, 10s);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(row.want) != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.find("listening") == std::string::npos);
  }
}

TEST_CASE("hostile clients: garbage, huge records, stalled and abandoned handshakes") {
  // pingd and this process each hold one fd per connection below. Under
  // ThreadSanitizer pingd runs many times slower, and with 2000 the served
  // client's own handshake can wait past the 1 s deadline behind them.
#if defined(__SANITIZE_THREAD__)
  constexpr size_t kAbandoned = 500;
#else
  constexpr size_t kAbandoned = 2000;
#endif
  rlimit lim{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &lim) == 0);
  if (lim.rlim_cur < kAbandoned + 500 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = std::min<rlim_t>(kAbandoned + 1000, lim.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  REQUIRE_MESSAGE(lim.rlim_cur >= kAbandoned + 100, "RLIMIT_NOFILE too low: " << lim.rlim_cur);
  TlsPingd pingd({"--read-header-timeout", "1s"});
  const pid_t pid = pingd.proc().pid();
  REQUIRE(Pong(pingd));

  SUBCASE("garbage bytes: closed") {
    std::mt19937 rng(7);
    std::string junk(4096, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng());
    junk[0] = 0x16;  // a handshake record header, with a random version and length
    RawConn c = pingd.Connect();
    c.Send(junk);  // (the server may close before it has all of it)
    CHECK(c.WaitClosed(After(5s)));
  }
  SUBCASE("a record of 65535 bytes, a ClientHello claiming 16 MiB: closed at the header") {
    for (std::string head : {std::string("\x16\x03\x01\xff\xff", 5),
                             std::string("\x16\x03\x01\x00\x04\x01\xff\xff\xff", 9)}) {
      RawConn c = pingd.Connect();
      REQUIRE(c.Send(head));
      CHECK(c.WaitClosed(After(5s)));
    }
  }
  SUBCASE("a handshake that stalls is closed by --read-header-timeout") {
    RawConn c = pingd.Connect();
    REQUIRE(c.Send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01", 8)));  // a ClientHello's start
    auto start = Clock::now();
    CHECK(c.WaitClosed(After(10s)));
    CHECK(Clock::now() - start >= 500ms);  // the deadline, not an error, closed it
  }
  SUBCASE("thousands of abandoned handshakes: served meanwhile, fds and memory back after") {
    // The baseline is taken once pingd has served TLS, so that its buffers
    // and pools exist already.
    for (int i = 0; i < 20; ++i) REQUIRE(Pong(pingd));
    const int fds_before = OpenFds(pid);
    const long rss_before = ProcStatus(pid, "VmRSS:");
    REQUIRE(fds_before > 0);
    std::vector<RawConn> conns(kAbandoned);
    for (size_t i = 0; i < conns.size(); ++i) {
      REQUIRE_MESSAGE(conns[i].Connect(pingd.port()), i << ": " << conns[i].error());
      // Half send nothing, half the start of a ClientHello.
      if (i % 2 == 1) REQUIRE(conns[i].Send(std::string("\x16\x03\x01\x02\x00\x01", 6)));
    }
    CHECK(Pong(pingd));  // served while they wait
    // Their deadline (1 s) closes every one of them.
    size_t closed = 0;
    for (RawConn& c : conns) closed += c.WaitClosed(After(15s)) ? 1 : 0;
    CHECK(closed == kAbandoned);
    conns.clear();
    int fds_after = -1;
    for (auto deadline = After(10s); Clock::now() < deadline;) {
      fds_after = OpenFds(pid);
      if (fds_after <= fds_before) break;
    }
    CHECK(fds_after <= fds_before);
    const long rss_after = ProcStatus(pid, "VmRSS:");
    MESSAGE("pingd RSS: " << rss_before << " kB before, " << rss_after << " kB after " << kAbandoned
                          << " abandoned handshakes");
    // Freed memory the allocator keeps is fine; what must not be there is
    // memory per abandoned connection (at 2000 of them, even 4 KiB each
    // would be 8 MB). AddressSanitizer's quarantine holds freed memory on
    // purpose, so a sanitized pingd (this test's build is sanitized alike)
    // is only checked for leaks, by LeakSanitizer at its exit.
#if !defined(NETHTTP_SANITIZED)
    CHECK(rss_after - rss_before < 8 * 1024);
#endif
    CHECK(Pong(pingd));
  }
  // A clean exit after the attack; in a sanitized build LeakSanitizer runs
  // at that exit, and any report it or ASan makes fails here.
  REQUIRE(pingd.proc().Signal(SIGTERM));
  CHECK(pingd.proc().Wait(After(10s)).value_or(-1) == 0);
  CHECK(pingd.proc().err().find("Sanitizer") == std::string::npos);
}

TEST_CASE("SIGTERM drains TLS connections and exits 0") {
  TlsPingd pingd;
  RunResult r = Curl({"--cacert", Cert("ca.pem"), pingd.Url("localhost", "/ping")});
  REQUIRE(r.out == "pong");
  REQUIRE(pingd.proc().Signal(SIGTERM));
  CHECK(pingd.proc().Wait(After(5s)).value_or(-1) == 0);
}
