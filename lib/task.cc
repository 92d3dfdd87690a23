// The loop side of coroutines: Spawn, Sleep's timer, and the handler that
// runs a coroutine per request and holds its response until it ends.
#include "nethttp/task.h"

#include <uv.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <typeinfo>
#include <utility>

#include "internal/log.h"
#include "internal/response_writer.h"
#include "nethttp/handler.h"
#include "nethttp/loop.h"

namespace nethttp {
namespace internal {

Loop& RunningLoop(Loop* loop) {
  if (loop != nullptr) return *loop;
  if (Loop* current = Loop::Current()) return *current;
  return DefaultLoop();
}

void TaskAwaitedTwice() {
  std::fprintf(stderr, "nethttp: a Task was awaited twice (or after it was moved from): a Task runs once\n");
  std::abort();
}

namespace {

std::string Describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace

namespace {

// FrameCache keeps freed coroutine frames for the next coroutine of the
// same size class on this thread: 64-byte classes up to 4 KiB (a relay
// handler's frame is 2.7 KiB: past glibc's per-thread cache, malloc's slow
// path costs it a thousand instructions), at most 16 frames in each and
// 256 KiB in all. Frames are
// plain memory: one freed on another thread than it was made on joins that
// thread's cache. Under AddressSanitizer frames go straight to malloc, so a
// use after free is still caught.
#if defined(__SANITIZE_ADDRESS__)
#define NETHTTP_FRAME_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NETHTTP_FRAME_CACHE 0
#endif
#endif
#ifndef NETHTTP_FRAME_CACHE
#define NETHTTP_FRAME_CACHE 1
#endif

constexpr size_t kFrameStep = 64;
constexpr size_t kFrameClasses = 64;
constexpr unsigned kFramesPerClass = 16;
constexpr size_t kMaxCachedBytes = 256 * 1024;

struct FreeFrame {
  FreeFrame* next;
};

struct FrameCache {
  FreeFrame* head[kFrameClasses] = {};
  unsigned count[kFrameClasses] = {};
  size_t bytes = 0;  // in all the lists
  ~FrameCache() {
    for (size_t c = 0; c < kFrameClasses; ++c) {
      while (FreeFrame* f = head[c]) {
        head[c] = f->next;
        ::operator delete(f);
      }
    }
  }
};

#if NETHTTP_FRAME_CACHE
thread_local FrameCache frame_cache;
#endif

}  // namespace

void* PromiseBase::operator new(std::size_t n) {
#if NETHTTP_FRAME_CACHE
  size_t c = (n - 1) / kFrameStep;
  if (c < kFrameClasses) {
    FrameCache& cache = frame_cache;
    if (FreeFrame* f = cache.head[c]) {
      cache.head[c] = f->next;
      --cache.count[c];
      cache.bytes -= (c + 1) * kFrameStep;
      return f;
    }
    return ::operator new((c + 1) * kFrameStep);
  }
#endif
  return ::operator new(n);
}

void PromiseBase::operator delete(void* p, std::size_t n) noexcept {
#if NETHTTP_FRAME_CACHE
  size_t c = (n - 1) / kFrameStep;
  if (c < kFrameClasses) {
    FrameCache& cache = frame_cache;
    if (cache.count[c] < kFramesPerClass && cache.bytes < kMaxCachedBytes) {
      cache.head[c] = new (p) FreeFrame{cache.head[c]};
      ++cache.count[c];
      cache.bytes += (c + 1) * kFrameStep;
      return;
    }
    ::operator delete(p);
    return;
  }
#endif
  ::operator delete(p);  // (unsized: clang 14 has no sized delete by default)
}

void SpawnedTaskThrew(std::exception_ptr e) { Log().error("nethttp: a spawned Task threw: {}", Describe(e)); }

}  // namespace internal

std::shared_ptr<Cancelation> Spawn(Task<void> task, std::function<void(std::exception_ptr)> done) {
  auto h = internal::TaskAccess::Release(std::move(task));
  auto cancel = std::make_shared<Cancelation>();
  auto& p = h.promise();
  p.cancelation_ = cancel.get();
  // The chain keeps the loop it starts on: a coroutine resumed from a raw
  // uv_run (where Loop::Current() is null) still sleeps on its own loop.
  p.loop_ = &internal::RunningLoop(nullptr);
  // on_done_ keeps the Cancelation alive as long as the frame points to it.
  p.on_done_ = [cancel, done = std::move(done)](std::exception_ptr e) {
    if (done) {
      done(std::move(e));
    } else if (e) {
      internal::SpawnedTaskThrew(std::move(e));
    }
  };
  h.resume();
  return cancel;
}

// Timer is Sleep's uv timer: a handle must outlive its close callback, so
// it lives apart from the awaiter (which dies with the coroutine frame).
struct SleepAwaiter::Timer {
  uv_timer_t handle;
  SleepAwaiter* awaiter;  // null once the awaiter let go

  static void OnFire(uv_timer_t* t) {
    auto* timer = static_cast<Timer*>(t->data);
    if (timer->awaiter != nullptr) timer->awaiter->Fired();
  }
  // Close stops the timer for good; the memory goes in the close callback.
  void Close() {
    awaiter = nullptr;
    uv_timer_stop(&handle);
    uv_close(reinterpret_cast<uv_handle_t*>(&handle),
             [](uv_handle_t* h) { delete static_cast<Timer*>(h->data); });
  }
};

void SleepAwaiter::Start() {
  Loop* loop = &this->loop();
  timer_ = new Timer{};
  timer_->awaiter = this;
  timer_->handle.data = timer_;
  uv_timer_init(loop->get(), &timer_->handle);
  // At least the duration, as Go's time.Sleep: libuv counts from the loop's
  // cached time, whole milliseconds that may be most of one stale, so the
  // clock is read now and one more millisecond is waited.
  uv_update_time(loop->get());
  int64_t ms = duration_.count() > 0 ? duration_.count() + 1 : 0;
  uv_timer_start(&timer_->handle, Timer::OnFire, static_cast<uint64_t>(ms), 0);
}

void SleepAwaiter::Fired() {
  std::exchange(timer_, nullptr)->Close();
  Complete(Error());
}

void SleepAwaiter::Stop(const Error& err) {
  if (timer_ != nullptr) std::exchange(timer_, nullptr)->Close();
  Complete(err);
}

void SleepAwaiter::Abandon() {
  if (timer_ != nullptr) std::exchange(timer_, nullptr)->Close();
}

namespace internal {

// OffloadJob is one run of Offload's work: libuv owns the request until its
// after callback, which frees it on the loop whether or not anyone still
// wants the outcome.
struct OffloadJob {
  uv_work_t req;
  std::function<void()> work;
  std::exception_ptr thrown;
  // after gets the status (0, or UV_ECANCELED) and what work threw; null
  // once its awaiter let go.
  std::function<void(int status, std::exception_ptr thrown)> after;

  // Queue hands the job to loop's pool; it is freed (and after called) on
  // loop's thread once the pool is done with it.
  static int Queue(Loop& loop, OffloadJob* job) {
    job->req.data = job;
    int rc = uv_queue_work(loop.get(), &job->req, Work, After);
    if (rc != 0) delete job;
    return rc;
  }
  static void Work(uv_work_t* r) {
    auto* job = static_cast<OffloadJob*>(r->data);
    try {
      job->work();
    } catch (...) {
      job->thrown = std::current_exception();
    }
  }
  static void After(uv_work_t* r, int status) {
    std::unique_ptr<OffloadJob> job(static_cast<OffloadJob*>(r->data));
    job->work = nullptr;  // its captures go on the loop's thread
    if (job->after) job->after(status, std::move(job->thrown));
  }
};

}  // namespace internal

void Offload(Loop& loop, std::function<void()> work, std::function<void(std::exception_ptr thrown)> done) {
  auto* job = new internal::OffloadJob{};
  job->work = std::move(work);
  job->after = [done = std::move(done)](int, std::exception_ptr thrown) {
    if (done) done(std::move(thrown));
  };
  if (int rc = internal::OffloadJob::Queue(loop, job); rc != 0) {
    // uv_queue_work refuses only a null work callback: not ours to pass.
    Log().error("nethttp: Offload could not queue its work: {}", uv_strerror(rc));
    std::abort();
  }
}

void OffloadAwaiter::Start() {
  job_ = new internal::OffloadJob{};
  job_->work = std::move(work_);
  job_->after = [this](int status, std::exception_ptr thrown) { Ran(status, std::move(thrown)); };
  if (int rc = internal::OffloadJob::Queue(loop(), job_); rc != 0) {
    job_ = nullptr;
    Complete(Error::FromUv(rc, "offload"));
  }
}

void OffloadAwaiter::Ran(int status, std::exception_ptr thrown) {
  job_ = nullptr;
  thrown_ = std::move(thrown);
  Complete(status == 0 ? Error() : Error::FromUv(status, "offload"));
}

void OffloadAwaiter::Stop(const Error& err) {
  // Only a job no thread has taken up can be dropped; After still comes
  // (with UV_ECANCELED) and frees it.
  if (job_ != nullptr && uv_cancel(reinterpret_cast<uv_req_t*>(&job_->req)) == 0) {
    std::exchange(job_, nullptr)->after = nullptr;
    Complete(err);
  }
}

void OffloadAwaiter::Abandon() {
  if (job_ == nullptr) return;
  uv_cancel(reinterpret_cast<uv_req_t*>(&job_->req));
  std::exchange(job_, nullptr)->after = nullptr;
}

void CoroutineHandlerFunc::ServeHTTP(ResponseWriter& w, Request& r) {
  auto h = internal::TaskAccess::Release(f_(w, r));
  auto& p = h.promise();
  p.cancelation_ = &p.own_cancelation_;
  // The connection's own writer, found without a dynamic_cast (a quarter
  // of what a coroutine adds to a request): a middleware writer wrapping
  // it is served through its public methods instead.
  ServerResponse* resp = typeid(w) == typeid(ServerResponse) ? static_cast<ServerResponse*>(&w) : nullptr;
  // The loop of the connection's worker (behind a wrapper: the loop
  // running this call).
  p.loop_ = &internal::RunningLoop(resp != nullptr ? resp->loop() : nullptr);
  // A client that leaves cancels what the coroutine awaits, from its first
  // step: one that goes while the coroutine runs without suspending (a
  // Write and Drain loop into a socket that takes everything) must find
  // its next await canceled, not spin on a writer that stays Writable.
  if (resp != nullptr) {
    resp->CancelWhenGone(&p.own_cancelation_);
  } else {
    w.CloseNotify([h] { h.promise().own_cancelation_.Cancel(Error(ErrorCode::kCanceled, "context canceled")); });
  }
  h.resume();
  if (h.done()) {
    // It answered without waiting: an ordinary handler, at the cost of
    // its frame. What it threw goes to the connection, which answers 500.
    if (resp != nullptr) {
      resp->CancelWhenGone(nullptr);
    } else {
      w.CloseNotify(nullptr);
    }
    std::exception_ptr e = std::move(p.exception_);
    h.destroy();
    if (e) std::rethrow_exception(e);
    return;
  }
  // It waits for something: the response is held until the coroutine
  // ends. (A held response keeps the Request alive too, so the coroutine
  // may go on reading r after the connection is gone.)
  std::shared_ptr<ResponseWriter> held = w.Hold();
  p.on_done_ = [held, resp](std::exception_ptr e) {
    // (Its frame is gone.)
    if (resp != nullptr) {
      resp->CancelWhenGone(nullptr);
    } else {
      held->CloseNotify(nullptr);
    }
    if (!e) {
      held->Finish();
      return;
    }
    // Thrown after a suspension: answered as conn.cc answers a handler
    // that throws, a 500 if nothing was sent, else a cut response.
    Log().error("http: panic serving a coroutine handler: {}", internal::Describe(e));
    if (resp != nullptr) {
      resp->RecoverHeld();
    } else {
      held->Abort();
    }
  };
}

}  // namespace nethttp
