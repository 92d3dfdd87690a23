// Loop owns the uv_loop_t that drives everything in nethttp: listeners,
// connections, timers, DNS and client connections. This is the only public
// header that includes <uv.h>.
#ifndef NETHTTP_LOOP_H_
#define NETHTTP_LOOP_H_

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace nethttp {

// LoopAccess is the library's way in to a Loop's per-loop state (defined in
// lib/internal/loop_local.h); declared here so that Loop can befriend it.
struct LoopAccess;

class Loop {
 public:
  // Loop creates a new, private uv loop.
  Loop();
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_t* get() { return loop_; }

  // Run runs the loop until no handle is active (uv_run UV_RUN_DEFAULT).
  void Run();
  // RunUntil runs the loop until done() is true or the loop has nothing left
  // to do; the blocking convenience calls (Post, Get) use it.
  void RunUntil(const std::function<bool()>& done);
  // Stop makes Run return after the current iteration.
  void Stop();
  // running says whether Run or RunUntil is on the stack for this loop, so
  // that code called back from it knows it must not run the loop again:
  // uv_run is not reentrant, and the blocking calls (Client::Do without a
  // callback, Get, Post, Body::ReadAllBlocking) refuse to start there
  // (ErrorCode::kBlockingCallOnLoop). Only runs through Loop are seen: a
  // caller of uv_run(get()) is on its own. uv_loop_alive cannot answer
  // this, since a loop has live handles whether it is running or not.
  bool running() const { return running_; }
  // Current is the Loop whose Run or RunUntil is innermost on this thread's
  // stack, or null. A handler finds its worker's loop here (a Server with
  // several workers runs one loop per thread), and what the library binds
  // to a loop when it was given none (DefaultTransport, Dir) binds to this
  // one, so that nothing of one worker is touched from another's thread.
  // As with running(), only runs through Loop are seen.
  static Loop* Current();

 private:
  friend Loop& DefaultLoop();
  friend struct LoopAccess;
  explicit Loop(uv_loop_t* borrowed);

  uv_loop_t* loop_;
  bool owned_;
  bool running_ = false;
  // locals_ is what the library keeps for this loop on behalf of objects
  // used from several loops (internal/loop_local.h), by key; freed first
  // when the Loop goes, while its handles can still close.
  std::vector<std::pair<uint64_t, std::shared_ptr<void>>> locals_;
};

// DefaultLoop is the process-wide loop (uv_default_loop) used by
// ListenAndServe, DefaultClient and the blocking convenience calls.
Loop& DefaultLoop();

}  // namespace nethttp

#endif  // NETHTTP_LOOP_H_
