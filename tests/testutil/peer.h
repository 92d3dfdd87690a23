// Peer runs a blocking client (a RawConn, say) on a second thread while the
// test's loop serves in this one; a uv_async wakes the loop when the client
// is done, so waiting for it is an event, not a sleep.
#ifndef NETHTTP_TESTS_TESTUTIL_PEER_H_
#define NETHTTP_TESTS_TESTUTIL_PEER_H_

#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "testutil/loop_fixture.h"

namespace nethttp::testutil {

class Peer {
 public:
  Peer(LoopFixture& fx, std::function<void()> fn) : fx_(fx) {
    uv_async_init(fx.uv(), &async_, [](uv_async_t*) {});
    thread_ = std::thread([this, fn = std::move(fn)] {
      fn();
      done_ = true;
      uv_async_send(&async_);
    });
  }
  ~Peer() { Wait(); }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // Wait serves the loop until fn has returned (30 s at most, a guard
  // against a hung test) and reports whether it did.
  bool Wait() {
    if (thread_.joinable()) {
      fx_.RunUntil([this] { return done_.load(); }, std::chrono::seconds(30));
      thread_.join();
      uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
      uv_run(fx_.uv(), UV_RUN_NOWAIT);  // runs the close callback
    }
    return done_;
  }

 private:
  LoopFixture& fx_;
  uv_async_t async_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Flag is a bool one thread sets and another waits for: how a peer
// thread waits for an event on the loop (or the other way round).
class Flag {
 public:
  void Set() {
    std::lock_guard<std::mutex> lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool Wait(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [this] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

// RunPeer runs fn as a Peer and returns once it is done.
inline void RunPeer(LoopFixture& fx, std::function<void()> fn) { Peer(fx, std::move(fn)).Wait(); }

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_PEER_H_
