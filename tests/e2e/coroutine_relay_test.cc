// Coroutine handlers at scale (issue 15): 10,000 of them at once, each
// awaiting a round trip to an upstream, driven by the real post-json binary
// (-n 10000 -c 10000, one connection per request in flight). The servers
// run in this process, on one loop, so that its memory is theirs.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nethttp/nethttp.h"
#include "testutil/loop_fixture.h"
#include "testutil/peer.h"
#include "testutil/pingd.h"  // ProcStatus
#include "testutil/process.h"
#include "testutil/sanitized.h"

namespace {

using namespace std::chrono_literals;
using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::Result;
using nethttp::Task;
using nethttp::testutil::After;
using nethttp::testutil::LoopFixture;
using nethttp::testutil::Peer;
using nethttp::testutil::PortOf;
using nethttp::testutil::Process;
using nethttp::testutil::ProcStatus;

constexpr size_t kHandlers = 10000;
// The front's transport opens at most this many upstream connections; the
// other round trips wait for one, as Go's do under MaxConnsPerHost.
constexpr size_t kUpstreamConns = 100;
// The resident memory each waiting handler may add: its connection and
// request state, its coroutine frame (2.7 KB for the handler below: GCC
// keeps every object live across an await in it, the Request three times
// over), its client request waiting for a connection. Measured: 8.0 KB, of
// which a callback handler doing the same (Hold, Client::Do) takes 5.1 KB.
// Go spends 16 KiB per idle connection alone (tools/bench/results,
// workers-idle).
constexpr long kMaxBytesPerHandler = 12 * 1024;

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

}  // namespace

TEST_CASE("10,000 coroutine handlers each await an upstream round trip at once: all answered, memory bounded") {
  const char* post_json = Env("POST_JSON");
  REQUIRE_MESSAGE(post_json != nullptr, "POST_JSON must name the post-json binary");
  LoopFixture fx;

  // The upstream holds every request until the front has all 10,000
  // handlers waiting, then answers them and every later one at once.
  std::vector<std::shared_ptr<ResponseWriter>> held;
  bool released = false;
  size_t upstream_served = 0;
  auto up_mux = std::make_shared<nethttp::ServeMux>();
  up_mux->HandleFunc("/up", [&](ResponseWriter& w, Request& r) {
    ++upstream_served;
    w.Header().Set("Content-Type", "application/json");
    if (released) {
      w.Write(R"({"up":true})");
      return;
    }
    held.push_back(w.Hold());
    (void)r;
  });
  nethttp::Server upstream;
  upstream.addr = "127.0.0.1:0";
  upstream.loop = &fx.loop();
  upstream.handler = up_mux;
  REQUIRE_FALSE(upstream.Listen());
  std::string up_url = "http://127.0.0.1:" + std::to_string(PortOf(upstream)) + "/up";

  auto transport = std::make_shared<nethttp::Transport>(&fx.loop());
  transport->max_conns_per_host = kUpstreamConns;
  transport->max_idle_conns_per_host = kUpstreamConns;
  nethttp::Client client;
  client.transport = transport;
  client.loop = &fx.loop();

  size_t waiting = 0, peak = 0, answered = 0, failed = 0;
  auto front_mux = std::make_shared<nethttp::ServeMux>();
  front_mux->HandleFunc("/relay", [&](ResponseWriter& w, Request& r) -> Task<> {
    if (r.body.empty()) co_return nethttp::HttpError(w, "no body", 400);
    ++waiting;
    peak = std::max(peak, waiting);
    Result<nethttp::Response> resp = co_await client.DoAsync(nethttp::NewRequest("GET", up_url).value());
    Result<std::string> body = resp.error();
    if (resp.ok()) body = co_await resp->body->ReadAllAsync();
    --waiting;
    if (!body.ok()) {
      ++failed;
      co_return nethttp::HttpError(w, body.error().message(), 502);
    }
    ++answered;
    w.Header().Set("Content-Type", "application/json");
    w.Write(*body);
  });
  nethttp::Server front;
  front.addr = "127.0.0.1:0";
  front.loop = &fx.loop();
  front.handler = front_mux;
  REQUIRE_FALSE(front.Listen());
  std::string front_url = "http://127.0.0.1:" + std::to_string(PortOf(front)) + "/relay";

  long rss_before_kb = ProcStatus(getpid(), "VmRSS:");
  std::string error;
  auto proc = Process::Spawn({post_json, front_url, "n=1", "-n", std::to_string(kHandlers), "-c",
                              std::to_string(kHandlers), "--timeout", "120"},
                             &error);
  REQUIRE_MESSAGE(proc, error);

  // Every handler in, every one waiting (kUpstreamConns at the upstream,
  // the rest for a connection to it). The upstream's requests are still on
  // their way when the last front handler starts waiting: wait for them too.
  bool all_in = fx.RunUntil(
      [&] { return (waiting == kHandlers && held.size() == kUpstreamConns) || !proc->Running(); }, 120s);
  CHECK(all_in);
  CHECK_MESSAGE(waiting == kHandlers, "post-json: " << proc->out() << proc->err());
  long rss_peak_kb = ProcStatus(getpid(), "VmRSS:");
  CHECK(held.size() == kUpstreamConns);
  CHECK(front.NumConns() == kHandlers);

  released = true;
  for (auto& w : held) {
    w->Write(R"({"up":true})");
    w->Finish();
  }
  held.clear();
  std::optional<int> exit;
  {
    Peer waiter(fx, [&] { exit = proc->Wait(After(120s)); });
  }
  REQUIRE(exit.has_value());
  CHECK_MESSAGE(*exit == 0, "post-json: " << proc->err());
  std::string out = proc->out();
  CHECK_MESSAGE(out.find("requests: 10000\n") != std::string::npos, out);
  CHECK_MESSAGE(out.find("failures: 0\n") != std::string::npos, out);
  CHECK_MESSAGE(out.find("status 200: 10000\n") != std::string::npos, out);
  CHECK(answered == kHandlers);
  CHECK(failed == 0);
  CHECK(peak == kHandlers);
  CHECK(upstream_served == kHandlers);
  // The frames are gone with their requests: nothing waits any more.
  CHECK(waiting == 0);

  long per_handler = (rss_peak_kb - rss_before_kb) * 1024 / static_cast<long>(kHandlers);
  MESSAGE("10,000 waiting coroutine handlers: VmRSS " << rss_before_kb << " kB before, " << rss_peak_kb
                                                      << " kB with all waiting: " << per_handler
                                                      << " bytes each");
#if !defined(NETHTTP_SANITIZED)
  CHECK(per_handler < kMaxBytesPerHandler);
#endif

  transport->CloseIdleConnections();
  front.Close();
  upstream.Close();
  CHECK(fx.RunUntil([&] { return front.NumConns() == 0 && upstream.NumConns() == 0; }));
}
