// Body's conveniences (ReadAll, its blocking form) and MaxBytesReader: what
// every Body gets, whoever feeds it.
#include "nethttp/body.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "internal/blocking_call.h"
#include "nethttp/loop.h"

namespace nethttp {
namespace {

// MaxBytesBody passes at most limit bytes of inner through, then fails.
class MaxBytesBody final : public Body, public std::enable_shared_from_this<MaxBytesBody> {
 public:
  MaxBytesBody(std::shared_ptr<Body> inner, int64_t limit) : inner_(std::move(inner)), left_(limit) {}

  void Read(DataFunc on_data, EndFunc on_end) override {
    if (read_) {
      if (on_end) on_end(Error(ErrorCode::kInvalidArgument, "http: body already read or closed"));
      return;
    }
    read_ = true;
    on_data_ = std::move(on_data);
    on_end_ = std::move(on_end);
    // The inner body's callbacks keep this wrapper alive, so a reader
    // need not (MaxBytesReader(b, n)->ReadAll(done) works on a temporary).
    // The cycle ends with the inner body, which drops its callbacks when
    // it ends or is closed.
    auto self = shared_from_this();
    inner_->Read([self](std::string_view chunk) { self->OnData(chunk); },
                 [self](Error err) { self->End(std::move(err)); });
  }
  void Pause() override { inner_->Pause(); }
  void Resume() override { inner_->Resume(); }
  void Close() override {
    read_ = true;
    on_data_ = nullptr;
    on_end_ = nullptr;
    inner_->Close();
  }
  const Header& Trailer() const override { return inner_->Trailer(); }

 private:
  void OnData(std::string_view chunk) {
    if (!on_data_) return;
    if (static_cast<int64_t>(chunk.size()) <= left_) {
      left_ -= static_cast<int64_t>(chunk.size());
      on_data_(chunk);
      return;
    }
    // As Go's maxBytesReader: the bytes up to the limit, then the error.
    // Closing the inner body before its end also tells the server not to
    // reuse the connection: the rest of the body is never read.
    auto self = shared_from_this();
    std::string_view allowed = chunk.substr(0, static_cast<size_t>(left_));
    left_ = 0;
    if (!allowed.empty()) on_data_(allowed);
    if (!on_end_) return;  // (on_data closed us)
    on_data_ = nullptr;
    inner_->Close();
    End(Error(ErrorCode::kBodyTooLarge, "http: request body too large"));
  }
  void End(Error err) {
    EndFunc end = std::move(on_end_);
    on_end_ = nullptr;
    on_data_ = nullptr;
    if (end) end(std::move(err));
  }

  std::shared_ptr<Body> inner_;
  int64_t left_;
  bool read_ = false;
  DataFunc on_data_;
  EndFunc on_end_;
};

}  // namespace

namespace internal {

// ChunkQueue is Next's side of a Body: it reads the body once, keeps what
// arrives while no Next waits (pausing the body meanwhile), and hands each
// waiting Next what there is. Two buffers swap places, so that a steady
// stream of Next calls allocates nothing once they have grown.
class ChunkQueue {
 public:
  explicit ChunkQueue(Body* body) : body_(body) {}

  // Want: w waits for the next piece; it may get it before Want returns.
  void Want(NextAwaiter* w) {
    waiter_ = w;
    if (!reading_) {
      reading_ = true;
      body_->Read([this](std::string_view data) { OnData(data); }, [this](Error err) { OnEnd(std::move(err)); });
    } else if (paused_ && ready_.empty() && !ended_) {
      paused_ = false;
      body_->Resume();  // (may deliver at once)
    }
    HandOut();
  }
  // Forget: the waiting Next is gone (canceled or destroyed).
  void Forget() { waiter_ = nullptr; }

 private:
  void OnData(std::string_view data) {
    ready_.append(data);
    if (waiter_ == nullptr) {
      if (!paused_) {
        paused_ = true;
        body_->Pause();
      }
      return;
    }
    HandOut();
  }
  void OnEnd(Error err) {
    ended_ = true;
    end_ = std::move(err);
    HandOut();
  }
  void HandOut() {
    if (waiter_ == nullptr) return;
    if (!ready_.empty()) {
      handed_.swap(ready_);
      ready_.clear();
      std::exchange(waiter_, nullptr)->Deliver(std::string_view(handed_));
    } else if (ended_) {
      // The end, again for every later Next (Go: Read returns EOF again).
      handed_.clear();
      if (end_) {
        std::exchange(waiter_, nullptr)->Deliver(end_);
      } else {
        std::exchange(waiter_, nullptr)->Deliver(std::string_view());
      }
    }
  }

  Body* body_;
  NextAwaiter* waiter_ = nullptr;
  std::string ready_;   // arrived, not yet handed out
  std::string handed_;  // what the last Next's view points into
  bool reading_ = false;
  bool paused_ = false;
  bool ended_ = false;
  Error end_;
};

}  // namespace internal

Body::Body() = default;
Body::~Body() = default;

void NextAwaiter::Start() {
  if (!body_->chunks_) body_->chunks_ = std::make_unique<internal::ChunkQueue>(body_);
  body_->chunks_->Want(this);
}

void NextAwaiter::Stop(const Error& err) {
  body_->chunks_->Forget();
  body_->Close();
  Complete(err);  // (last: the coroutine may end and free this awaiter)
}

void NextAwaiter::Abandon() {
  body_->chunks_->Forget();
  body_->Close();
}

void Body::ReadAll(std::function<void(Result<std::string>)> done) {
  auto acc = std::make_shared<std::string>();
  Read([acc](std::string_view s) { acc->append(s); },
       [acc, done = std::move(done)](Error err) {
         if (err) {
           done(err);
         } else {
           done(std::move(*acc));
         }
       });
}

void ReadAllAwaiter::Start() {
  body_->Read([this](std::string_view chunk) { data_.append(chunk); },
              [this](Error err) {
                if (err) {
                  Complete(std::move(err));
                } else {
                  Complete(std::move(data_));
                }
              });
}

void ReadAllAwaiter::Stop(const Error& err) {
  body_->Close();  // drops the callbacks above
  Complete(err);   // (last: the coroutine may end and free this awaiter)
}

Result<std::string> Body::ReadAllBlocking(Loop& loop) {
  // As in Client::Do: refused before reading, so ReadAll may still be used.
  if (loop.running()) return BlockingCallOnLoop("ReadAll(done)");
  std::optional<Result<std::string>> out;
  ReadAll([&out](Result<std::string> r) { out.emplace(std::move(r)); });
  loop.RunUntil([&out] { return out.has_value(); });
  if (!out) return Error(ErrorCode::kCanceled, "http: the loop stopped before the body ended");
  return std::move(*out);
}

std::shared_ptr<Body> MaxBytesReader(std::shared_ptr<Body> body, int64_t n) {
  return std::make_shared<MaxBytesBody>(std::move(body), n < 0 ? 0 : n);
}

}  // namespace nethttp
