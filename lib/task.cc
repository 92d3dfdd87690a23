// The loop side of coroutines: Spawn, Sleep's timer, and the handler that
// runs a coroutine per request and holds its response until it ends.
#include "nethttp/task.h"

#include <uv.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
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
  uv_timer_start(&timer_->handle, Timer::OnFire, static_cast<uint64_t>(std::max<int64_t>(duration_.count(), 0)),
                 0);
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

// Job is one run of Offload's work: libuv owns the request until its after
// callback, which frees it on the loop whether or not an awaiter still
// wants the outcome.
struct OffloadAwaiter::Job {
  uv_work_t req;
  std::function<void()> work;
  std::exception_ptr thrown;
  OffloadAwaiter* awaiter;  // null once the awaiter let go

  static void Work(uv_work_t* r) {
    auto* job = static_cast<Job*>(r->data);
    try {
      job->work();
    } catch (...) {
      job->thrown = std::current_exception();
    }
  }
  static void After(uv_work_t* r, int status) {
    std::unique_ptr<Job> job(static_cast<Job*>(r->data));
    job->work = nullptr;  // its captures go on the loop's thread
    if (job->awaiter != nullptr) job->awaiter->Ran(status, std::move(job->thrown));
  }
};

void OffloadAwaiter::Start() {
  Loop* loop = &this->loop();
  job_ = new Job{};
  job_->work = std::move(work_);
  job_->awaiter = this;
  job_->req.data = job_;
  if (int rc = uv_queue_work(loop->get(), &job_->req, Job::Work, Job::After); rc != 0) {
    delete std::exchange(job_, nullptr);
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
    std::exchange(job_, nullptr)->awaiter = nullptr;
    Complete(err);
  }
}

void OffloadAwaiter::Abandon() {
  if (job_ == nullptr) return;
  uv_cancel(reinterpret_cast<uv_req_t*>(&job_->req));
  std::exchange(job_, nullptr)->awaiter = nullptr;
}

void CoroutineHandlerFunc::ServeHTTP(ResponseWriter& w, Request& r) {
  auto h = internal::TaskAccess::Release(f_(w, r));
  auto& p = h.promise();
  p.cancelation_ = &p.own_cancelation_;
  // The loop of the connection's worker (a wrapper writer hides it: then
  // the loop running this call).
  auto* resp = dynamic_cast<ServerResponse*>(&w);
  p.loop_ = &internal::RunningLoop(resp != nullptr ? resp->loop() : nullptr);
  h.resume();
  if (h.done()) {
    // It answered without waiting: an ordinary handler, at the cost of
    // its frame. What it threw goes to the connection, which answers 500.
    std::exception_ptr e = std::move(p.exception_);
    h.destroy();
    if (e) std::rethrow_exception(e);
    return;
  }
  // It waits for something: the response is held until the coroutine
  // ends, and a client that leaves cancels what it awaits. (A held
  // response keeps the Request alive too, so the coroutine may go on
  // reading r after the connection is gone.)
  std::shared_ptr<ResponseWriter> held = w.Hold();
  held->CloseNotify([h] { h.promise().own_cancelation_.Cancel(Error(ErrorCode::kCanceled, "context canceled")); });
  p.on_done_ = [held](std::exception_ptr e) {
    if (!e) {
      held->Finish();
      return;
    }
    // Thrown after a suspension: answered as conn.cc answers a handler
    // that throws, a 500 if nothing was sent, else a cut response.
    Log().error("http: panic serving a coroutine handler: {}", internal::Describe(e));
    if (auto* resp = dynamic_cast<ServerResponse*>(held.get())) {
      resp->RecoverHeld();
    } else {
      held->Abort();
    }
  };
}

}  // namespace nethttp
