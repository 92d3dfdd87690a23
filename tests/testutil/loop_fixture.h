// LoopFixture gives a test its own uv loop and, at the end, proves the test
// left nothing behind: no handle still open, then uv_loop_close() == 0.
// Stricter than libuv's MAKE_VALGRIND_HAPPY, which closes leftovers
// silently; a leaked handle or timer fails the test that leaked it.
#ifndef NETHTTP_TESTS_TESTUTIL_LOOP_FIXTURE_H_
#define NETHTTP_TESTS_TESTUTIL_LOOP_FIXTURE_H_

#include <doctest/doctest.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <string>

#include "nethttp/loop.h"
#include "nethttp/server.h"

namespace nethttp::testutil {

class LoopFixture {
 public:
  LoopFixture() = default;
  ~LoopFixture() {
    // Let close callbacks that are already queued run first.
    uv_run(loop_.get(), UV_RUN_NOWAIT);
    int open = 0;
    uv_walk(loop_.get(), [](uv_handle_t* h, void* arg) {
      if (!uv_is_closing(h)) ++*static_cast<int*>(arg);
    }, &open);
    CHECK_MESSAGE(open == 0, "handles left open by the test: ", open);
    loop_.Run();
    CHECK(uv_loop_close(loop_.get()) == 0);
    // uv_loop_close poisons the loop (libuv memsets it when built without
    // NDEBUG, as Debian's is), and ~Loop walks and closes it again: give
    // it a fresh, empty loop to do that on.
    uv_loop_init(loop_.get());
  }

  Loop& loop() { return loop_; }

  // Call runs f from a callback of this loop, where Loop::Current() is this
  // loop (what the library binds to a loop when given none), and returns
  // once it has run.
  void Call(const std::function<void()>& f) {
    struct Ctx {
      const std::function<void()>* f;
      bool ran = false;
    } ctx{&f};
    uv_timer_t t;
    uv_timer_init(loop_.get(), &t);
    t.data = &ctx;
    uv_timer_start(&t, [](uv_timer_t* h) {
      auto* c = static_cast<Ctx*>(h->data);
      (*c->f)();
      c->ran = true;
      // Without this, uv_run would go on to wait for the next event (a
      // timer f started, say) before Call could return.
      uv_stop(h->loop);
    }, 0, 0);
    RunUntil([&] { return ctx.ran; });
    Close(&t);
  }
  uv_loop_t* uv() { return loop_.get(); }

  // RunUntil runs the loop until done() or the deadline; it returns done().
  // The deadline is a safety net against a hung test, not a synchronisation.
  // It runs through Loop::RunUntil, as the blocking calls do, so that code
  // called back from the loop sees Loop::running() as it would in an app.
  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
    uv_timer_t guard;
    bool expired = false;
    uv_timer_init(loop_.get(), &guard);
    guard.data = &expired;
    uv_timer_start(&guard, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; },
                   static_cast<uint64_t>(deadline.count()), 0);
    loop_.RunUntil([&] { return expired || done(); });
    Close(&guard);
    return done();
  }

 private:
  // Close closes a timer on the stack and runs the loop until its close
  // callback has run, so that the memory may go. The run goes through
  // Loop::RunUntil, not a bare uv_run: whatever else that turn calls back
  // (a timer come due, a finished Offload resuming a coroutine) must see
  // Loop::Current(), as it would in an app (task_test's Offload case once
  // resumed off the loop, as it seemed, in a bare run under TSan).
  void Close(uv_timer_t* t) {
    bool closed = false;
    t->data = &closed;
    uv_close(reinterpret_cast<uv_handle_t*>(t), [](uv_handle_t* h) { *static_cast<bool*>(h->data) = true; });
    // (A closing handle makes the turn's poll return at once.)
    loop_.RunUntil([&] { return closed; });
  }

  Loop loop_;
};

// PortOf is the port a listening Server got (its ListenAddr's last part),
// for a test that listens on 127.0.0.1:0.
inline int PortOf(const Server& srv) {
  std::string addr = srv.ListenAddr();
  return std::stoi(addr.substr(addr.rfind(':') + 1));
}

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_LOOP_FIXTURE_H_
