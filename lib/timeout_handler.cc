// TimeoutHandler (Go: server.go, TimeoutHandler and timeoutWriter): a
// buffering writer for the wrapped handler and, while it holds, a uv timer
// on the request's loop that answers 503 when it fires first.
#include "nethttp/timeout_handler.h"

#include <uv.h>

#include <string_view>
#include <unordered_set>
#include <utility>

#include "nethttp/loop.h"
#include "nethttp/status.h"

namespace nethttp {
namespace {

constexpr std::string_view kDefaultTimeoutBody =
    "<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>";

// TimeoutWriter is Go's timeoutWriter: what the wrapped handler writes to.
class TimeoutWriter : public ResponseWriter, public std::enable_shared_from_this<TimeoutWriter> {
 public:
  // State says who answers the client; each state says what it waits for.
  enum class State {
    kServing,   // h is in ServeHTTP: the client is answered when it returns
    kHolding,   // h holds its response: waiting for its Finish or the timer
    kDone,      // the buffer went to the client, or h aborted
    kTimedOut,  // the 503 went to the client; h's writes fail
  };

  nethttp::Header& Header() override { return header_; }
  void WriteHeader(int status_code) override {
    if (state_ == State::kTimedOut || wrote_header_) return;  // Go: ignored (logged as superfluous)
    wrote_header_ = true;
    code_ = status_code;
  }
  Error Write(std::string_view data) override {
    if (state_ == State::kTimedOut) return ErrHandlerTimeout();
    if (state_ == State::kDone) return Error(ErrorCode::kInvalidArgument, "http: Write after Finish");
    if (!wrote_header_) WriteHeader(StatusOK);
    buf_.append(data);
    return {};
  }
  std::shared_ptr<ResponseWriter> Hold() override {
    held_ = true;
    return shared_from_this();
  }
  void Finish() override {
    if (state_ == State::kHolding) {
      Deliver(*real_);
      real_->Finish();
      End(State::kDone);
    } else if (state_ == State::kServing) {
      finished_ = true;  // delivered when ServeHTTP returns
    }
  }
  void Abort() override {
    if (state_ == State::kHolding) {
      real_->Abort();
      End(State::kDone);
    } else if (state_ == State::kServing) {
      aborted_ = true;
    }
  }
  void Flush() override {}  // nothing leaves before h is done (Go: no Flusher)
  bool Writable() override { return true; }
  void OnWritable(std::function<void()> f) override {
    if (f) f();
  }
  void CloseNotify(std::function<void()> f) override { close_notify_ = std::move(f); }

  // AfterServeHTTP is called when h's ServeHTTP has returned: it answers
  // now unless h holds its response, and then starts the clock.
  void AfterServeHTTP(ResponseWriter& w, std::chrono::milliseconds dt, std::string_view msg) {
    if (aborted_) {
      state_ = State::kDone;
      w.Abort();
      return;
    }
    if (!held_ || finished_) {
      state_ = State::kDone;
      Deliver(w);
      return;
    }
    state_ = State::kHolding;
    real_ = w.Hold();
    msg_ = std::string(msg);
    std::weak_ptr<TimeoutWriter> weak = weak_from_this();
    real_->CloseNotify([weak] {
      if (auto self = weak.lock()) self->ClientGone();
    });
    Loop* loop = Loop::Current();
    if (loop == nullptr) loop = &DefaultLoop();  // ServeHTTP called by hand, off any run
    timer_ = new Timer{};
    timer_->handle.data = timer_;
    timer_->owner = shared_from_this();  // answers the client even if h lets go of w
    uv_timer_init(loop->get(), &timer_->handle);
    uv_timer_start(&timer_->handle, Timer::OnFire, static_cast<uint64_t>(dt.count()), 0);
  }

 private:
  // Timer is the deadline's uv timer; the handle outlives its close
  // callback, so it lives apart and frees itself there.
  struct Timer {
    uv_timer_t handle;
    std::shared_ptr<TimeoutWriter> owner;  // null once closed

    static void OnFire(uv_timer_t* t) {
      // A copy: TimedOut closes the timer, which lets go of owner.
      std::shared_ptr<TimeoutWriter> self = static_cast<Timer*>(t->data)->owner;
      if (self != nullptr) self->TimedOut();
    }
    void Close() {
      owner.reset();
      uv_timer_stop(&handle);
      uv_close(reinterpret_cast<uv_handle_t*>(&handle), [](uv_handle_t* h) { delete static_cast<Timer*>(h->data); });
    }
  };

  // Deliver copies the buffered answer to w (Go: the <-done branch): the
  // header replaces w's fields of the same names.
  void Deliver(ResponseWriter& w) {
    nethttp::Header& dst = w.Header();
    std::unordered_set<std::string> replaced;
    for (const nethttp::Header::Field& f : header_) {
      if (replaced.insert(f.key).second) dst.Del(f.key);
      dst.AddCanonical(f.key, f.value);
    }
    w.WriteHeader(wrote_header_ ? code_ : StatusOK);
    w.Write(buf_);
    buf_.clear();
  }

  void TimedOut() {
    std::shared_ptr<ResponseWriter> real = real_;
    End(State::kTimedOut);
    real->WriteHeader(StatusServiceUnavailable);
    real->Write(msg_.empty() ? kDefaultTimeoutBody : std::string_view(msg_));
    real->Finish();
    buf_.clear();
    // Go cancels the request's context: a coroutine handler stops here.
    if (auto f = std::move(close_notify_)) f();
  }

  void ClientGone() {
    if (state_ != State::kHolding) return;
    End(State::kDone);
    if (auto f = std::move(close_notify_)) f();
  }

  // End is the one place where a held answer ends: the timer goes, and
  // the client's response with it.
  void End(State s) {
    state_ = s;
    real_.reset();
    if (timer_ != nullptr) std::exchange(timer_, nullptr)->Close();
  }

  State state_ = State::kServing;
  nethttp::Header header_;
  std::string buf_;
  int code_ = StatusOK;
  bool wrote_header_ = false;
  bool held_ = false;
  bool finished_ = false;  // Finish came while in ServeHTTP
  bool aborted_ = false;   // Abort came while in ServeHTTP
  std::function<void()> close_notify_;
  std::shared_ptr<ResponseWriter> real_;  // the client's held response, while kHolding
  std::string msg_;
  Timer* timer_ = nullptr;
};

class TimeoutHandlerImpl : public Handler {
 public:
  TimeoutHandlerImpl(std::shared_ptr<Handler> h, std::chrono::milliseconds dt, std::string msg)
      : h_(std::move(h)), dt_(dt), msg_(std::move(msg)) {}

  void ServeHTTP(ResponseWriter& w, Request& r) override {
    auto tw = std::make_shared<TimeoutWriter>();
    h_->ServeHTTP(*tw, r);
    tw->AfterServeHTTP(w, dt_, msg_);
  }
  bool StreamsRequestBody(const Request& r) override { return h_->StreamsRequestBody(r); }

 private:
  std::shared_ptr<Handler> h_;
  std::chrono::milliseconds dt_;
  std::string msg_;
};

}  // namespace

Error ErrHandlerTimeout() { return Error(ErrorCode::kTimeout, "http: Handler timeout"); }

std::shared_ptr<Handler> TimeoutHandler(std::shared_ptr<Handler> h, std::chrono::milliseconds dt, std::string msg) {
  return std::make_shared<TimeoutHandlerImpl>(std::move(h), dt, std::move(msg));
}

}  // namespace nethttp
