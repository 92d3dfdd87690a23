// End-to-end tests of apps/relay: the real relay binary (RELAY) in front of
// the real pingd (PINGD), both on 127.0.0.1:0, driven over raw sockets.
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

Listening Start(std::vector<std::string> argv) {
  Listening l = SpawnListening(argv);
  REQUIRE_MESSAGE(l.port > 0, l.error);
  return l;
}

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
    for (std::vector<std::string> args : {std::vector<std::string>{"ftp://x"}, {"not a url"}, {}, {"--nope", "http://x"}}) {
      args.insert(args.begin(), Env("RELAY"));
      auto r = Run(args, 5s);
      CAPTURE(r.err);
      CHECK(r.exit_code == 2);
      CHECK(r.err.find("relay: ") == 0);
      CHECK(r.err.find('\n') == r.err.size() - 1);
    }
  }
}
