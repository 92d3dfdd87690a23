// Loop: ownership of a uv_loop_t, and RunUntil for the blocking calls.
#include "nethttp/loop.h"

#include <cstdlib>

#include "internal/log.h"

namespace nethttp {
namespace {

// current is Loop::Current(): the innermost Loop running on this thread.
thread_local Loop* current = nullptr;

// RunningScope sets a Loop's running flag and this thread's current loop
// for one uv_run and restores what it found after it, so that a run nested
// in a run of the same loop (which only the blocking client calls refuse;
// Server::ListenAndServe's does not) cannot clear the flag while the outer
// run goes on.
class RunningScope {
 public:
  RunningScope(Loop* loop, bool* flag) : flag_(flag), was_(*flag), outer_(current) {
    *flag_ = true;
    current = loop;
  }
  ~RunningScope() {
    *flag_ = was_;
    current = outer_;
  }
  RunningScope(const RunningScope&) = delete;
  RunningScope& operator=(const RunningScope&) = delete;

 private:
  bool* flag_;
  bool was_;
  Loop* outer_;
};

}  // namespace

Loop::Loop() : loop_(new uv_loop_t), owned_(true) {
  if (int rc = uv_loop_init(loop_); rc != 0) {
    Log().critical("uv_loop_init: {}", uv_strerror(rc));
    std::abort();
  }
}

Loop::Loop(uv_loop_t* borrowed) : loop_(borrowed), owned_(false) {}

Loop::~Loop() {
  if (!owned_) return;
  // What was kept for this loop may close handles of its own (a default
  // Transport's connections): it goes first, and the run below finishes it.
  locals_.clear();
  RunningScope running(this, &running_);
  // Close callbacks already queued run before anything else is closed:
  // one may drop the last reference to an object that closes handles of
  // its own (a Client's finished exchange holds its Transport), which
  // must find them open and free them in its own callbacks.
  uv_run(loop_, UV_RUN_NOWAIT);
  // Handles still open are a leak in the caller; close them so that the
  // loop can be closed rather than abort in the destructor.
  uv_walk(loop_, [](uv_handle_t* h, void*) {
    if (!uv_is_closing(h)) uv_close(h, nullptr);
  }, nullptr);
  uv_run(loop_, UV_RUN_DEFAULT);
  uv_loop_close(loop_);
  delete loop_;
}

void Loop::Run() {
  RunningScope running(this, &running_);
  uv_run(loop_, UV_RUN_DEFAULT);
}

void Loop::RunUntil(const std::function<bool()>& done) {
  RunningScope running(this, &running_);
  while (!done()) {
    if (uv_run(loop_, UV_RUN_ONCE) == 0 && !done()) return;
  }
}

void Loop::Stop() { uv_stop(loop_); }

Loop* Loop::Current() { return current; }

Loop& DefaultLoop() {
  static Loop loop(uv_default_loop());
  return loop;
}

}  // namespace nethttp
