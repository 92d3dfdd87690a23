// Tests for lib/loop.cc: what Run, RunUntil and Stop promise about when they
// return, that a private Loop is its own uv loop and closes what a careless
// owner left open, and that DefaultLoop is the process's one uv default loop.
// Iterations are counted with uv_idle_t, whose callback runs exactly once per
// loop iteration, so every count below is exact rather than "at least".
#include <doctest/doctest.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <thread>

#include "nethttp/loop.h"
#include "testutil/loop_fixture.h"

using nethttp::DefaultLoop;
using nethttp::Loop;
using nethttp::testutil::LoopFixture;

namespace {

// Ticker counts the loop's iterations with an idle handle and runs on_tick
// (if set) on each; Close releases the handle.
struct Ticker {
  explicit Ticker(uv_loop_t* loop) {
    uv_idle_init(loop, &idle);
    idle.data = this;
    uv_idle_start(&idle, [](uv_idle_t* h) {
      auto* t = static_cast<Ticker*>(h->data);
      ++t->ticks;
      if (t->on_tick) t->on_tick();
    });
  }
  void Close() { uv_close(reinterpret_cast<uv_handle_t*>(&idle), nullptr); }
  bool active() const { return uv_is_active(reinterpret_cast<const uv_handle_t*>(&idle)) != 0; }

  uv_idle_t idle;
  int ticks = 0;
  std::function<void()> on_tick;
};

// OneShot is a timer that fires once after ms and closes itself, so that
// afterwards the loop has nothing left to do.
struct OneShot {
  OneShot(uv_loop_t* loop, uint64_t ms) {
    uv_timer_init(loop, &timer);
    timer.data = this;
    uv_timer_start(&timer, [](uv_timer_t* t) {
      auto* s = static_cast<OneShot*>(t->data);
      ++s->fired;
      uv_close(reinterpret_cast<uv_handle_t*>(t), [](uv_handle_t* h) {
        ++static_cast<OneShot*>(h->data)->closed;
      });
    }, ms, 0);
  }
  uv_timer_t timer;
  int fired = 0;
  int closed = 0;
};

}  // namespace

TEST_SUITE("loop") {
  TEST_CASE("a new Loop is private: not the default loop, and not another Loop's") {
    Loop a;
    Loop b;
    CHECK(a.get() != nullptr);
    CHECK(a.get() != uv_default_loop());
    CHECK(a.get() != b.get());
  }

  TEST_CASE("Run on a loop with nothing to do returns at once") {
    LoopFixture fx;
    fx.loop().Run();
    CHECK(uv_loop_alive(fx.uv()) == 0);
  }

  TEST_CASE("Run returns once the last handle has closed, and not before") {
    LoopFixture fx;
    OneShot shot(fx.uv(), 1);
    fx.loop().Run();
    CHECK(shot.fired == 1);
    CHECK(shot.closed == 1);  // close callbacks ran inside Run, not after it
  }

  TEST_CASE("Run drives handles of its own loop only") {
    LoopFixture fx;
    Loop other;
    OneShot mine(fx.uv(), 0);
    OneShot theirs(other.get(), 0);
    fx.loop().Run();
    CHECK(mine.fired == 1);
    CHECK(theirs.fired == 0);
    other.Run();
    CHECK(theirs.fired == 1);
  }

  TEST_CASE("RunUntil returns as soon as done() holds, with handles still active") {
    LoopFixture fx;
    Ticker ticker(fx.uv());
    fx.loop().RunUntil([&] { return ticker.ticks == 3; });
    // done() is asked after every iteration: not one tick more.
    CHECK(ticker.ticks == 3);
    CHECK(ticker.active());
    ticker.Close();
  }

  TEST_CASE("RunUntil with done() already true does not run the loop") {
    LoopFixture fx;
    OneShot shot(fx.uv(), 0);  // due at once: one iteration would fire it
    int asked = 0;
    fx.loop().RunUntil([&] {
      ++asked;
      return true;
    });
    CHECK(asked == 1);
    CHECK(shot.fired == 0);
    fx.loop().Run();  // let it fire and close so the loop ends empty
    CHECK(shot.closed == 1);
  }

  TEST_CASE("RunUntil returns when the loop runs dry, even if done() never holds") {
    // The blocking calls rely on this: an exchange whose handles all closed
    // without calling back must not hang the caller.
    LoopFixture fx;
    OneShot shot(fx.uv(), 1);
    int asked = 0;
    fx.loop().RunUntil([&] {
      ++asked;
      return false;
    });
    CHECK(shot.fired == 1);
    CHECK(shot.closed == 1);
    CHECK(asked >= 2);  // before the first iteration and after the last
    CHECK(uv_loop_alive(fx.uv()) == 0);
  }

  TEST_CASE("Stop makes Run return after the current iteration, handles still active") {
    LoopFixture fx;
    Ticker ticker(fx.uv());
    ticker.on_tick = [&] {
      if (ticker.ticks == 3) fx.loop().Stop();
    };
    fx.loop().Run();
    CHECK(ticker.ticks == 3);
    CHECK(ticker.active());
    // Stop is one-shot: the next Run runs again until told otherwise.
    ticker.on_tick = [&] {
      if (ticker.ticks == 5) ticker.Close();
    };
    fx.loop().Run();
    CHECK(ticker.ticks == 5);
  }

  TEST_CASE("Current is the Loop running on this thread: null off any loop, the inner one while nested") {
    CHECK(Loop::Current() == nullptr);
    LoopFixture outer, inner;
    Loop* seen_outer = nullptr;
    Loop* seen_inner = nullptr;
    Loop* after_inner = nullptr;
    Loop* other_thread = &DefaultLoop();  // (anything but null, to see it change)
    outer.Call([&] {
      seen_outer = Loop::Current();
      // A loop run from a callback of another's, as a blocking call would.
      inner.Call([&] { seen_inner = Loop::Current(); });
      after_inner = Loop::Current();
      // Another thread runs no loop, whatever this one does.
      std::thread([&] { other_thread = Loop::Current(); }).join();
    });
    CHECK(seen_outer == &outer.loop());
    CHECK(seen_inner == &inner.loop());
    CHECK(after_inner == &outer.loop());
    CHECK(other_thread == nullptr);
    CHECK(Loop::Current() == nullptr);
  }

  TEST_CASE("destroying a private Loop closes the handles its owner left open") {
    // The handles are ours and outlive the loop, so they can be inspected
    // after it is gone; ASan and LSan would catch a loop that was not torn
    // down (the asan build runs this suite).
    uv_timer_t timer;
    uv_idle_t idle;
    {
      Loop loop;
      uv_timer_init(loop.get(), &timer);
      uv_timer_start(&timer, [](uv_timer_t*) {}, 60'000, 0);
      uv_idle_init(loop.get(), &idle);  // initialised, never started
      CHECK(uv_loop_alive(loop.get()) != 0);
    }
    CHECK(uv_is_closing(reinterpret_cast<uv_handle_t*>(&timer)) != 0);
    CHECK(uv_is_closing(reinterpret_cast<uv_handle_t*>(&idle)) != 0);
    CHECK(uv_is_active(reinterpret_cast<uv_handle_t*>(&timer)) == 0);
  }

  // A Client's finished exchange holds its Transport until its handle's
  // close callback; when that is the last reference and the Loop goes
  // first, ~Transport closes its connections from inside ~Loop. They must
  // still be open then (libuv aborts on a second uv_close), and close
  // with their own callbacks, which free them.
  TEST_CASE("a close callback pending when a Loop is destroyed runs before the Loop closes anything else") {
    struct Owner {  // stands for the Transport: a handle it frees itself
      explicit Owner(uv_loop_t* loop, bool* freed) : timer(new uv_timer_t), freed(freed) {
        uv_timer_init(loop, timer);
        uv_timer_start(timer, [](uv_timer_t*) {}, 60'000, 0);
        timer->data = freed;
      }
      ~Owner() {
        REQUIRE(uv_is_closing(reinterpret_cast<uv_handle_t*>(timer)) == 0);
        uv_close(reinterpret_cast<uv_handle_t*>(timer), [](uv_handle_t* h) {
          *static_cast<bool*>(h->data) = true;
          delete reinterpret_cast<uv_timer_t*>(h);
        });
      }
      uv_timer_t* timer;
      bool* freed;
    };
    bool freed = false;
    {
      Loop loop;
      auto* exchange = new uv_async_t;  // stands for the exchange: holds the Owner
      uv_async_init(loop.get(), exchange, [](uv_async_t*) {});
      exchange->data = new std::shared_ptr<Owner>(std::make_shared<Owner>(loop.get(), &freed));
      uv_close(reinterpret_cast<uv_handle_t*>(exchange), [](uv_handle_t* h) {
        delete static_cast<std::shared_ptr<Owner>*>(h->data);
        delete reinterpret_cast<uv_async_t*>(h);
      });
    }
    CHECK(freed);
  }

  TEST_CASE("DefaultLoop is one Loop around uv_default_loop") {
    Loop& a = DefaultLoop();
    Loop& b = DefaultLoop();
    CHECK(&a == &b);
    CHECK(a.get() == uv_default_loop());
    // It runs like any other loop (and is left as empty as it was found).
    OneShot shot(a.get(), 0);
    a.Run();
    CHECK(shot.closed == 1);
    CHECK(uv_loop_alive(a.get()) == 0);
  }
}
