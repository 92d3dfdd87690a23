// Tests for lib/inbox.cc: functions posted from other threads run on the
// loop's thread in order, and a retired inbox still runs what it is given.
#include "internal/inbox.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "testutil/loop_fixture.h"

using nethttp::Inbox;
using nethttp::testutil::LoopFixture;

TEST_SUITE("inbox") {
  TEST_CASE("what another thread posts runs on the loop's thread, in the order posted") {
    LoopFixture fx;
    Inbox* in = Inbox::New(fx.uv());
    std::vector<int> order;
    std::vector<std::thread::id> ran_on;
    std::thread poster([&] {
      for (int i = 0; i < 100; ++i) {
        in->Post([&, i] {
          order.push_back(i);
          ran_on.push_back(std::this_thread::get_id());
        });
      }
    });
    CHECK(fx.RunUntil([&] { return order.size() == 100; }));
    poster.join();
    for (int i = 0; i < 100; ++i) CHECK(order[i] == i);
    for (auto id : ran_on) CHECK(id == std::this_thread::get_id());
    in->Close();
  }

  TEST_CASE("Retire runs what is queued, then each post runs at once on its poster's thread") {
    LoopFixture fx;
    Inbox* in = Inbox::New(fx.uv());
    std::vector<int> order;
    in->Post([&] { order.push_back(1); });
    in->Post([&] { order.push_back(2); });
    CHECK(order.empty());  // queued for a turn of the loop that never comes
    in->Retire();
    CHECK(order == std::vector<int>{1, 2});
    // From another thread: it runs there, before Post returns.
    std::thread::id ran_on;
    std::thread poster([&] {
      in->Post([&] { ran_on = std::this_thread::get_id(); });
      CHECK(ran_on == std::this_thread::get_id());
    });
    poster.join();
    // A function that posts to the same retired inbox does not deadlock.
    in->Post([&] { in->Post([&] { order.push_back(3); }); });
    CHECK(order == std::vector<int>{1, 2, 3});
    in->Close();
  }

  TEST_CASE("posts racing Retire each run exactly once") {
    LoopFixture fx;
    Inbox* in = Inbox::New(fx.uv());
    std::atomic<int> ran{0};
    constexpr int kPosts = 2000;
    std::thread poster([&] {
      for (int i = 0; i < kPosts; ++i) in->Post([&] { ++ran; });
    });
    // Serve a few of them on the loop, then retire while the poster goes on.
    CHECK(fx.RunUntil([&] { return ran.load() > 0; }));
    in->Retire();
    poster.join();
    CHECK(ran.load() == kPosts);
    in->Close();
  }
}
