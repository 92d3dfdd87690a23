// Task: C++20 coroutines on the loop, so that a handler or a client reads
// top to bottom as Go code does (resp, err := client.Do(req)) with no thread
// and no callback in sight. A Task is lazy: it runs when it is awaited
// (co_await std::move(task)) or handed to Spawn, and each co_await of an
// operation (Client::DoAsync, Body::ReadAllAsync, Sleep) suspends it until
// the loop calls back, then resumes it on the loop, exactly once.
//
// Cancellation is Go's context: the Task at the root of a chain (the one
// Spawn started, or a coroutine handler's) carries a Cancelation that every
// Task it awaits shares. Cancel it (Spawn's return value; a coroutine
// handler's is canceled when its client goes away) and the operation being
// awaited ends at once with the Cancelation's error, as do all later ones:
// the coroutine sees an error, never a hang, and runs its destructors on
// its way out. Destroying a Task that is suspended destroys its frame and
// abandons what it awaited; nothing resumes it afterwards.
#ifndef NETHTTP_TASK_H_
#define NETHTTP_TASK_H_

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "nethttp/cancelation.h"
#include "nethttp/error.h"

namespace nethttp {

class Loop;
template <typename T = void>
class Task;

namespace internal {

// TaskAwaitedTwice stops the program: a Task runs once, and resuming a
// finished coroutine is undefined behaviour, so a second co_await of the
// same Task (or of one moved from) is refused loudly, as Result's
// BadResultAccess refuses a value that is not there.
[[noreturn]] void TaskAwaitedTwice();
// SpawnedTaskThrew logs an exception that left a Spawned task that has no
// done callback to take it.
void SpawnedTaskThrew(std::exception_ptr e);

// PromiseBase is what every Task's promise has, whatever it returns.
class PromiseBase {
 public:
  // Frames come from a small cache of freed ones per thread (task.cc): a
  // coroutine handler takes one per request, and a recycled frame costs a
  // tenth of a malloc and free.
  static void* operator new(std::size_t n);
  static void operator delete(void* p, std::size_t n) noexcept;

  // Lazy: the body runs when the Task is awaited or spawned.
  std::suspend_always initial_suspend() noexcept { return {}; }

  // At the end, control goes to whoever awaited the Task (symmetric
  // transfer: no stack grows however long a chain of awaits is); a root
  // Task calls its on_done_ and frees its own frame instead.
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      PromiseBase& p = h.promise();
      if (p.continuation_) return p.continuation_;
      if (p.on_done_) {
        auto done = std::move(p.on_done_);
        std::exception_ptr e = std::move(p.exception_);
        h.destroy();
        done(std::move(e));
      }
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

  // continuation_: the coroutine awaiting this one, resumed at the end.
  std::coroutine_handle<> continuation_;
  // cancelation_: the root's, shared down the chain; null for a Task
  // awaited by a coroutine of another kind.
  Cancelation* cancelation_ = nullptr;
  // loop_: the loop the chain runs on, shared down it like cancelation_:
  // what Sleep and Offload schedule on. Null: Loop::Current() when they
  // start (else DefaultLoop()).
  Loop* loop_ = nullptr;
  // own_cancelation_: what a root's cancelation_ points to when the root
  // is a coroutine handler (no allocation for it).
  Cancelation own_cancelation_;
  // on_done_: a root's end (Spawn's done, a handler's Finish).
  std::function<void(std::exception_ptr)> on_done_;
  std::exception_ptr exception_;
  bool started_ = false;
};

template <typename T>
class Promise : public PromiseBase {
 public:
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& v) {
    value_.emplace(std::forward<U>(v));
  }
  T TakeValue() {
    if (exception_) std::rethrow_exception(std::exchange(exception_, nullptr));
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class Promise<void> : public PromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void TakeValue() {
    if (exception_) std::rethrow_exception(std::exchange(exception_, nullptr));
  }
};

// CancelationOf is the Cancelation of the chain the coroutine h is part
// of, or null when h is not a Task (a coroutine type of the user's own).
template <typename P>
Cancelation* CancelationOf(std::coroutine_handle<P> h) {
  if constexpr (std::is_base_of_v<PromiseBase, P>) {
    return h.promise().cancelation_;
  } else {
    (void)h;
    return nullptr;
  }
}

// LoopOf is the loop of the chain the coroutine h is part of, or null.
template <typename P>
Loop* LoopOf(std::coroutine_handle<P> h) {
  if constexpr (std::is_base_of_v<PromiseBase, P>) {
    return h.promise().loop_;
  } else {
    (void)h;
    return nullptr;
  }
}

// OffloadJob is one run of Offload's work on libuv's thread pool (task.cc).
struct OffloadJob;

// RunningLoop is loop, or else the loop running on this thread, or else
// DefaultLoop(): where a chain without a loop of its own schedules.
Loop& RunningLoop(Loop* loop);

// TaskAccess lets the library start a Task as a root (Spawn, coroutine
// handlers): it takes the frame out of the Task.
struct TaskAccess {
  template <typename T>
  static std::coroutine_handle<Promise<T>> Release(Task<T>&& t) {
    if (!t.h_ || t.h_.promise().started_) TaskAwaitedTwice();
    t.h_.promise().started_ = true;
    return std::exchange(t.h_, {});
  }
};

// OpAwaiter turns a callback-style operation into an awaitable that lives
// in the awaiting coroutine's frame (no allocation of its own). Derived
// provides:
//   T Canceled(const Error& err)  the outcome of a canceled wait
//   void Start()               begin; the operation's callback calls Complete
//   void Stop(const Error& err)  canceled: end the operation; Complete(Canceled(err))
//                              unless its callback already did
//   void Abandon()             the frame is going: end the operation so that
//                              its callback never reaches this awaiter
// and a destructor that calls AbandonIfWaiting() first. Start may complete
// at once; the coroutine then does not suspend at all.
template <typename T, typename Derived>
class OpAwaiter {
 public:
  OpAwaiter() = default;
  OpAwaiter(const OpAwaiter&) = delete;
  OpAwaiter& operator=(const OpAwaiter&) = delete;

  bool await_ready() const noexcept { return false; }
  template <typename P>
  bool await_suspend(std::coroutine_handle<P> h) {
    cancel_ = CancelationOf(h);
    loop_ = LoopOf(h);
    if (cancel_ != nullptr && cancel_->canceled()) {
      result_.emplace(static_cast<Derived*>(this)->Canceled(cancel_->err()));
      return false;
    }
    starting_ = true;
    static_cast<Derived*>(this)->Start();
    starting_ = false;
    if (result_) return false;
    waiter_ = h;
    if (cancel_ != nullptr) {
      cancel_->OnCancel([this](const Error& err) { static_cast<Derived*>(this)->Stop(err); });
    }
    return true;
  }
  T await_resume() {
    if (cancel_ != nullptr) cancel_->OnCancel(nullptr);
    return std::move(*result_);
  }

 protected:
  ~OpAwaiter() = default;

  // Complete records the outcome (the first one wins: a cancel, then the
  // operation's own late answer) and resumes the coroutine waiting for it,
  // which may finish and free this awaiter before Complete returns: the
  // caller must touch nothing of the awaiter afterwards.
  // (U: T, or what a T is made of, built in place.)
  template <typename U>
    requires std::is_convertible_v<U&&, T>
  void Complete(U&& v) {
    if (result_) return;
    result_.emplace(std::forward<U>(v));
    if (starting_ || !waiter_) return;
    std::exchange(waiter_, nullptr).resume();
  }
  bool done() const { return result_.has_value(); }
  // loop is the loop of the awaiting coroutine's chain (see RunningLoop).
  Loop& loop() { return RunningLoop(loop_); }
  // AbandonIfWaiting: Derived's destructor calls it first; the awaiter is
  // destroyed while suspended only when its frame is (the Task was).
  void AbandonIfWaiting() {
    if (!waiter_) return;
    waiter_ = nullptr;
    if (cancel_ != nullptr) cancel_->OnCancel(nullptr);
    static_cast<Derived*>(this)->Abandon();
  }

 private:
  std::optional<T> result_;
  std::coroutine_handle<> waiter_;  // set while suspended
  Cancelation* cancel_ = nullptr;
  Loop* loop_ = nullptr;
  bool starting_ = false;  // inside Start: a result then means "do not suspend"
};

}  // namespace internal

// Task<T> is a coroutine that produces a T on the loop: write
// `Task<Result<std::string>> Fetch(...) { ... co_return body; }` and
// `auto body = co_await Fetch(...);`. Errors travel as values (Result<T>,
// Error), as in the rest of the library; an exception thrown inside
// reaches whoever awaits the Task.
//
// A Task is awaited once, as an rvalue: `co_await Fetch()`, or
// `co_await std::move(task)` for one kept in a variable. Awaiting an
// lvalue does not compile, and a second await of the same Task stops the
// program. Destroying a Task that has not finished destroys its coroutine
// (what it awaits is abandoned; nothing of it runs again).
template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = internal::Promise<T>;

  Task(Task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      Reset();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  ~Task() { Reset(); }

  // Awaiter starts the Task as the awaiting coroutine suspends, and gives
  // its value when it resumes.
  struct Awaiter {
    std::coroutine_handle<promise_type> h;
    bool await_ready() const noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
      h.promise().continuation_ = parent;
      h.promise().cancelation_ = internal::CancelationOf(parent);
      h.promise().loop_ = internal::LoopOf(parent);
      return h;  // start it; it comes back through continuation_
    }
    T await_resume() { return h.promise().TakeValue(); }
  };
  Awaiter operator co_await() && {
    if (!h_ || h_.promise().started_) internal::TaskAwaitedTwice();
    h_.promise().started_ = true;
    return Awaiter{h_};
  }

 private:
  friend class internal::Promise<T>;
  friend struct internal::TaskAccess;
  explicit Task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  void Reset() {
    if (h_) std::exchange(h_, {}).destroy();
  }

  std::coroutine_handle<promise_type> h_;
};

namespace internal {
template <typename T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
}  // namespace internal

// Spawn starts task now, on the calling thread (a loop callback, or code
// that then runs the loop), and lets it run by itself: its frame is freed
// when it finishes. done, if given, is called then, with the exception
// that left the task (null if none); without done, such an exception is
// logged. The returned Cancelation cancels it (see the top of this file);
// dropping it does not.
std::shared_ptr<Cancelation> Spawn(Task<void> task, std::function<void(std::exception_ptr)> done = nullptr);

// SleepAwaiter is what Sleep returns; co_await gives Error() after the
// duration, or the Cancelation's error when canceled first.
class SleepAwaiter : public internal::OpAwaiter<Error, SleepAwaiter> {
 public:
  explicit SleepAwaiter(std::chrono::milliseconds d) : duration_(d) {}
  ~SleepAwaiter() { AbandonIfWaiting(); }

 private:
  friend class internal::OpAwaiter<Error, SleepAwaiter>;
  struct Timer;
  Error Canceled(const Error& err) { return err; }
  void Start();
  void Stop(const Error& err);
  void Abandon();
  // Fired: the timer's callback.
  void Fired();

  std::chrono::milliseconds duration_;
  Timer* timer_ = nullptr;  // freed in its handle's close callback
};

// Sleep suspends the calling coroutine for at least d on its loop (the loop its
// root was started on: Spawn's caller's, a handler's worker's): Go's
// time.Sleep, without blocking anything else on the loop.
inline SleepAwaiter Sleep(std::chrono::milliseconds d) { return SleepAwaiter(d); }

// OffloadAwaiter is what Offload returns; co_await gives Error() once the
// work has run (rethrowing what it threw), or the Cancelation's error when
// canceled before a pool thread took it up. Work already running cannot be
// interrupted: the await then ends when it does, since the work may be
// writing into the coroutine's variables.
class OffloadAwaiter : public internal::OpAwaiter<Error, OffloadAwaiter> {
 public:
  explicit OffloadAwaiter(std::function<void()> work) : work_(std::move(work)) {}
  ~OffloadAwaiter() { AbandonIfWaiting(); }
  Error await_resume() {
    Error err = OpAwaiter::await_resume();
    if (thrown_) std::rethrow_exception(std::exchange(thrown_, nullptr));
    return err;
  }

 private:
  friend class internal::OpAwaiter<Error, OffloadAwaiter>;
  Error Canceled(const Error& err) { return err; }
  void Start();
  void Stop(const Error& err);
  void Abandon();
  // Ran: the job came back to the loop (status: 0, or UV_ECANCELED).
  void Ran(int status, std::exception_ptr thrown);

  std::function<void()> work_;
  internal::OffloadJob* job_ = nullptr;  // freed on the loop after the pool is done with it
  std::exception_ptr thrown_;
};

// Offload runs work, a blocking call (a database driver, a file parser), on
// libuv's thread pool and resumes the coroutine on its loop afterwards, so
// that a slow call stalls no connection: `co_await Offload([&] { rows =
// db.Query(q); });`. work runs on another thread: it may touch the
// coroutine's own variables (nothing else reads them meanwhile) but nothing
// of the loop's. The pool has UV_THREADPOOL_SIZE threads (4 by default),
// shared with libuv's DNS and file work.
inline OffloadAwaiter Offload(std::function<void()> work) { return OffloadAwaiter(std::move(work)); }

// Offload without a coroutine: work runs on loop's thread pool, then done
// on loop's thread with what work threw (null if it returned). Call it on
// loop's thread. done may own what work writes into: it runs after work,
// always, even when the loop has nothing else left to do.
void Offload(Loop& loop, std::function<void()> work, std::function<void(std::exception_ptr thrown)> done);

}  // namespace nethttp

#endif  // NETHTTP_TASK_H_
