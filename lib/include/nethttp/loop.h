// Loop owns the uv_loop_t that drives everything in nethttp: listeners,
// connections, timers, DNS and client connections. This is the only public
// header that includes <uv.h>.
#ifndef NETHTTP_LOOP_H_
#define NETHTTP_LOOP_H_

#include <uv.h>

#include <functional>

namespace nethttp {

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
  explicit Loop(uv_loop_t* borrowed);

  uv_loop_t* loop_;
  bool owned_;
  bool running_ = false;
};

// DefaultLoop is the process-wide loop (uv_default_loop) used by
// ListenAndServe, DefaultClient and the blocking convenience calls.
Loop& DefaultLoop();

}  // namespace nethttp

#endif  // NETHTTP_LOOP_H_
