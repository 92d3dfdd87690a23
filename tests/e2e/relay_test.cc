// End-to-end tests of apps/relay: the real relay binary (RELAY) in front of
// the real pingd (PINGD), both on 127.0.0.1:0, driven over raw sockets and
// curl. In suite e2e_workers (PINGD_WORKERS=2) both serve on two workers.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "testutil/pingd.h"
#include "testutil/process.h"
#include "testutil/raw_conn.h"
#include "testutil/sanitized.h"
#include "testutil/temp_tree.h"

namespace {

using namespace std::chrono_literals;
using nethttp::testutil::After;
using nethttp::testutil::HttpResponse;
using nethttp::testutil::kLargeBodyBytes;
using nethttp::testutil::kMaxRssKb;
using nethttp::testutil::ProcStatus;
using nethttp::testutil::RunResult;
using nethttp::testutil::TempTree;
using nethttp::testutil::Listening;
using nethttp::testutil::RawConn;
using nethttp::testutil::Run;
using nethttp::testutil::SpawnListening;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  REQUIRE_MESSAGE((v != nullptr && *v != '\0'), name, " is not set: run this through `meson test`");
  return v;
}

// Start runs a server (pingd or relay) and waits until it listens; with
// PINGD_WORKERS set, on that many workers.
Listening Start(std::vector<std::string> argv) {
  if (std::string workers = nethttp::testutil::EnvOr("PINGD_WORKERS", ""); !workers.empty()) {
    argv.insert(argv.begin() + 1, {"--workers", workers});
  }
  Listening l = SpawnListening(argv);
  REQUIRE_MESSAGE(l.port > 0, l.error);
  return l;
}

std::string Cert(const char* name) { return std::string(NETHTTP_TEST_CERTS) + "/" + name; }

std::optional<HttpResponse> Exchange(int port, const std::string& request) {
  RawConn c;
  if (!c.Connect(port)) return std::nullopt;
  c.Send(request);
  return c.ReadResponse();
}

}  // namespace

TEST_SUITE("relay_e2e") {
  TEST_CASE("relay carries requests to pingd and its answers back, kept alive") {
    Listening up = Start({Env("PINGD"), "--addr", "127.0.0.1:0"});
    Listening relay = Start({Env("RELAY"), "--addr", "127.0.0.1:0",
                             "http://127.0.0.1:" + std::to_string(up.port)});
    RawConn c;
    REQUIRE(c.Connect(relay.port));
    for (int i = 0; i < 3; ++i) {
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      auto r = c.ReadResponse();
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK(r->body == "pong");
    }
    c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
    auto e = c.ReadResponse();
    REQUIRE(e);
    CHECK(e->body == "{\"a\":1}");
    CHECK(e->Get("Content-Type") == "application/json");

    // SIGTERM: relay closes its idle upstream connection and exits 0 at once.
    REQUIRE(relay.proc->Signal(SIGTERM));
    c.Close();
    std::optional<int> code = relay.proc->Wait(After(5s));
    REQUIRE(code);
    CHECK(*code == 0);
  }

  TEST_CASE("a 1 GiB upload (64 MiB under ASan) relayed to pingd's /echo and back: whole, in relay's constant memory") {
    TempTree t;
    t.Sparse("gig", off_t{kLargeBodyBytes});  // no disk blocks: zeros
    Listening up = Start({Env("PINGD"), "--addr", "127.0.0.1:0", "--max-body-bytes", "2147483648"});
    Listening relay = Start({Env("RELAY"), "--addr", "127.0.0.1:0",
                             "http://127.0.0.1:" + std::to_string(up.port)});
    std::vector<std::string> args = {"--max-time", "120", "-X", "POST", "-T", t.Path("gig"), "-o", "/dev/null",
                                     "-w", "%{http_code} %{size_download}"};
    SUBCASE("with a Content-Length") {}
    SUBCASE("chunked") { args.insert(args.end(), {"-H", "Transfer-Encoding: chunked"}); }
    SUBCASE("Expect: 100-continue") { args.insert(args.end(), {"-H", "Expect: 100-continue"}); }
    args.push_back("http://127.0.0.1:" + std::to_string(relay.port) + "/echo");
    args.insert(args.begin(), {nethttp::testutil::EnvOr("CURL", "curl"), "-sS"});
    RunResult r = nethttp::testutil::Run(args, 150s);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == "200 " + std::to_string(kLargeBodyBytes));
    long hwm = ProcStatus(relay.proc->pid(), "VmHWM:");
    REQUIRE(hwm > 0);
    MESSAGE("relay VmHWM after relaying a " << (kLargeBodyBytes >> 20) << " MiB upload and its echo: " << hwm << " kB");
#if !defined(NETHTTP_SANITIZED)
    CHECK(hwm < kMaxRssKb);
#endif
  }

  TEST_CASE("relay --workers 2 in front of an https pingd: --cacert verifies it, -k skips that, neither is a 502") {
    Listening up = Start({Env("PINGD"), "--addr", "127.0.0.1:0", "--tls-cert", Cert("server.pem"),
                          "--tls-key", Cert("server.key")});
    std::string upstream = "https://127.0.0.1:" + std::to_string(up.port);
    std::vector<std::string> trust;
    int want = 200;
    SUBCASE("--cacert") { trust = {"--cacert", Cert("ca.pem")}; }
    SUBCASE("-k") { trust = {"-k"}; }
    SUBCASE("neither: the certificate is not trusted") { want = 502; }
    // Explicit --workers 2 (not Start's PINGD_WORKERS): each worker makes
    // its own Transport with the same TLS settings.
    std::vector<std::string> argv = {Env("RELAY"), "--addr", "127.0.0.1:0", "--workers", "2"};
    argv.insert(argv.end(), trust.begin(), trust.end());
    argv.push_back(upstream);
    Listening relay = SpawnListening(argv);
    REQUIRE_MESSAGE(relay.port > 0, relay.error);
    CHECK(relay.proc->err().find("(2 workers)") != std::string::npos);

    // Enough connections at once that both workers take some (the kernel
    // spreads them by hash), each kept alive over three requests.
    constexpr int kConns = 24;
    std::vector<RawConn> conns(kConns);
    for (RawConn& c : conns) REQUIRE(c.Connect(relay.port));
    for (int round = 0; round < 3; ++round) {
      for (RawConn& c : conns) c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      for (RawConn& c : conns) {
        auto r = c.ReadResponse();
        REQUIRE(r);
        CHECK(r->status == want);
        if (want == 200) CHECK(r->body == "pong");
      }
    }
    REQUIRE(relay.proc->Signal(SIGTERM));
    for (RawConn& c : conns) c.Close();
    std::optional<int> code = relay.proc->Wait(After(10s));
    REQUIRE(code);
    CHECK(*code == 0);
    if (want == 502) {  // (all of stderr is in now: relay has exited)
      CHECK(relay.proc->err().find("x509: certificate signed by unknown authority") != std::string::npos);
    }
  }

  TEST_CASE("a request's trailer reaches Go's net/http through relay, after the streamed body") {
    std::string go_server = nethttp::testutil::EnvOr("GO_TLS_SERVER", "");
    if (go_server.empty()) {
      MESSAGE("go is not installed: skipped (tools/setup installs golang-go)");
      return;
    }
    Listening up = SpawnListening({go_server, "-cert", Cert("server.pem"), "-key", Cert("server.key")});
    REQUIRE_MESSAGE(up.port > 0, up.error);
    Listening relay = Start({Env("RELAY"), "--addr", "127.0.0.1:0", "--cacert", Cert("ca.pem"),
                             "https://localhost:" + std::to_string(up.port)});
    // Declared X-Sum; X-Late comes undeclared (relayed, as Go's proxy
    // relays it); the Content-Length field is one a trailer may not carry.
    auto r = Exchange(relay.port,
                      "POST /trailer HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                      "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\nX-Late: yes\r\n"
                      "Content-Length: 99\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "te=chunked\nbody=11\ndeclared=X-Sum\nX-Late=yes\nX-Sum=11\n");
  }

  TEST_CASE("an upstream that is gone: 502, and relay goes on") {
    Listening up = Start({Env("PINGD"), "--addr", "127.0.0.1:0"});
    int up_port = up.port;
    Listening relay = Start({Env("RELAY"), "--addr", "127.0.0.1:0",
                             "http://127.0.0.1:" + std::to_string(up_port)});
    REQUIRE(up.proc->Signal(SIGTERM));
    REQUIRE(up.proc->Wait(After(5s)));
    auto r = Exchange(relay.port, "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
    REQUIRE(r);
    CHECK(r->status == 502);
    auto again = Exchange(relay.port, "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
    REQUIRE(again);
    CHECK(again->status == 502);
  }

  TEST_CASE("bad usage is one line on stderr and exit 2") {
    for (std::vector<std::string> args : {std::vector<std::string>{"ftp://x"}, {"not a url"}, {}, {"--nope", "http://x"},
                                          {"--workers", "0", "http://x"}, {"--workers", "many", "http://x"}}) {
      args.insert(args.begin(), Env("RELAY"));
      auto r = Run(args, 5s);
      CAPTURE(r.err);
      CHECK(r.exit_code == 2);
      CHECK(r.err.find("relay: ") == 0);
      CHECK(r.err.find('\n') == r.err.size() - 1);
    }
  }
}
