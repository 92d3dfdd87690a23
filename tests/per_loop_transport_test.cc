// PerLoopTransport: one Transport per loop, made by Make on that loop, and
// a ReverseProxy that a two-worker Server shares relaying through it.
#include "nethttp/per_loop_transport.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/nethttp.h"
#include "testutil/loop_fixture.h"

namespace {

using nethttp::Loop;
using nethttp::PerLoopTransport;
using nethttp::Transport;
using nethttp::testutil::LoopFixture;
using nethttp::testutil::PortOf;

// Made records each loop Make was called for, from whichever thread.
struct Made {
  std::mutex mu;
  std::vector<Loop*> loops;
  std::vector<std::weak_ptr<Transport>> transports;

  PerLoopTransport::Make Factory() {
    return [this](Loop& loop) {
      auto t = std::make_shared<Transport>(&loop);
      std::lock_guard<std::mutex> lock(mu);
      loops.push_back(&loop);
      transports.push_back(t);
      return t;
    };
  }
};

// GetFromThread sends total GETs for /ping to port from a loop on this
// thread, conns at a time, each on a connection of its own, and returns
// how many answered "pong".
int GetFromThread(int port, int total, int conns) {
  Loop loop;
  Transport t(&loop);
  t.max_conns_per_host = t.max_idle_conns = t.max_idle_conns_per_host = static_cast<size_t>(conns);
  int started = 0, finished = 0, right = 0;
  std::function<void()> next = [&] {
    ++started;
    t.RoundTrip(nethttp::NewRequest("GET", "http://127.0.0.1:" + std::to_string(port) + "/ping").value(),
                [&](nethttp::Result<nethttp::Response> r) {
                  auto done = [&](bool ok) {
                    right += ok ? 1 : 0;
                    ++finished;
                    if (started < total) next();
                  };
                  if (!r.ok() || r->status_code != 200) return done(false);
                  auto body = r->body;
                  body->ReadAll([done, body](nethttp::Result<std::string> b) { done(b.ok() && *b == "pong"); });
                });
  };
  for (int k = 0; k < conns && started < total; ++k) next();
  loop.RunUntil([&] { return finished == total; });
  t.CloseIdleConnections();
  return right;
}

}  // namespace

TEST_SUITE("per_loop_transport") {
  TEST_CASE("each loop gets its own Transport, made once, on that loop") {
    Made made;
    PerLoopTransport plt(made.Factory());
    LoopFixture a, b;
    Transport* on_a = nullptr;
    Transport* on_a_again = nullptr;
    Transport* on_b = nullptr;
    Loop* event_loop_a = nullptr;
    a.Call([&] {
      on_a = &plt.ForCurrentLoop();
      event_loop_a = &plt.EventLoop();
    });
    a.Call([&] { on_a_again = &plt.ForCurrentLoop(); });
    b.Call([&] { on_b = &plt.ForCurrentLoop(); });
    REQUIRE(on_a != nullptr);
    CHECK(on_a == on_a_again);
    CHECK(on_a != on_b);
    CHECK(&on_a->EventLoop() == &a.loop());
    CHECK(&on_b->EventLoop() == &b.loop());
    CHECK(event_loop_a == &a.loop());
    CHECK(made.loops == std::vector<Loop*>{&a.loop(), &b.loop()});
  }

  TEST_CASE("a Transport lives as long as its loop, not as the PerLoopTransport") {
    Made made;
    LoopFixture a;
    {
      auto plt = std::make_shared<PerLoopTransport>(made.Factory());
      a.Call([&] { plt->ForCurrentLoop(); });
    }
    REQUIRE(made.transports.size() == 1);
    CHECK_FALSE(made.transports[0].expired());  // still a's, for a's requests in flight
    {
      LoopFixture b;
      PerLoopTransport plt(made.Factory());
      b.Call([&] { plt.ForCurrentLoop(); });
      REQUIRE(made.transports.size() == 2);
      CHECK_FALSE(made.transports[1].expired());
    }
    CHECK(made.transports[1].expired());  // freed with b's Loop
  }

  TEST_CASE("a ReverseProxy shared by two workers relays through each worker's own Transport") {
    LoopFixture fx;
    auto upstream_mux = std::make_shared<nethttp::ServeMux>();
    upstream_mux->HandleFunc("/ping", [](nethttp::ResponseWriter& w, nethttp::Request&) { w.Write("pong"); });
    nethttp::Server upstream;
    upstream.addr = "127.0.0.1:0";
    upstream.loop = &fx.loop();
    upstream.handler = upstream_mux;
    REQUIRE_FALSE(upstream.Listen());

    Made made;
    auto proxy = nethttp::NewSingleHostReverseProxy(
        nethttp::Parse("http://127.0.0.1:" + std::to_string(PortOf(upstream))).value());
    proxy->transport = std::make_shared<PerLoopTransport>(made.Factory());
    auto front_owner = std::make_unique<nethttp::Server>();
    nethttp::Server& front = *front_owner;
    front.addr = "127.0.0.1:0";
    front.loop = &fx.loop();
    front.workers = 2;
    front.handler = proxy;
    REQUIRE_FALSE(front.Listen());

    constexpr int kRequests = 2000;
    int right = 0;
    std::atomic<bool> shut{false};
    std::thread client([&] {
      right = GetFromThread(PortOf(front), kRequests, 64);
      front.Shutdown([&] { shut = true; });
    });
    bool stopped = fx.RunUntil([&] { return shut.load(); }, std::chrono::seconds(60));
    client.join();
    CHECK(stopped);
    CHECK(right == kRequests);
    // One Transport per worker (64 connections spread by the kernel reach
    // both), each made on its worker's loop: fx's, and worker 1's, which
    // goes with that loop once the Server has joined its thread.
    front_owner.reset();
    std::lock_guard<std::mutex> lock(made.mu);
    REQUIRE(made.loops.size() == 2);
    CHECK(std::set<Loop*>(made.loops.begin(), made.loops.end()).size() == 2);
    int on_fx = made.loops[0] == &fx.loop() ? 0 : 1;
    CHECK(made.loops[on_fx] == &fx.loop());
    CHECK(made.transports[1 - on_fx].expired());
    auto fx_transport = made.transports[on_fx].lock();
    REQUIRE(fx_transport != nullptr);
    CHECK(fx_transport->ConnectionsOpened() > 0);
    fx_transport->CloseIdleConnections();
    upstream.Close();
  }
}
