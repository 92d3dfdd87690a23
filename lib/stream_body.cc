// StreamBody: Body's contract (one Read, Pause and Resume, Close, on_end
// once) for bytes a connection pushes in as they arrive, whichever side of
// HTTP the connection is on.
#include "internal/stream_body.h"

#include <utility>

namespace nethttp {

StreamBody::~StreamBody() {
  if (source_ != nullptr) {
    Source* source = source_;
    source_ = nullptr;
    source->BodyAbandoned();
  }
}

void StreamBody::Read(DataFunc on_data, EndFunc on_end) {
  if (reading_ || finished_) {
    // Exactly one Read per body (Body's contract); a second one only learns
    // that the body is gone.
    if (on_end) on_end(Error(ErrorCode::kInvalidArgument, "http: body already read or closed"));
    return;
  }
  reading_ = true;
  on_data_ = std::move(on_data);
  on_end_ = std::move(on_end);
  Drain();
  if (source_ != nullptr) source_->UpdateReading();
}

void StreamBody::Pause() {
  paused_ = true;
  if (source_ != nullptr) source_->UpdateReading();
}

void StreamBody::Resume() {
  paused_ = false;
  Drain();
  if (source_ != nullptr) source_->UpdateReading();
}

void StreamBody::Close() {
  if (finished_) return;
  finished_ = true;
  buf_.clear();
  on_end_ = nullptr;
  if (depth_ == 0) on_data_ = nullptr;
  if (source_ != nullptr) {
    // Go: closing a body before EOF means the conn cannot be reused.
    Source* source = source_;
    source_ = nullptr;
    source->BodyAbandoned();
  }
}

void StreamBody::CallData(std::string_view data) {
  ++depth_;
  on_data_(data);
  --depth_;
  if (depth_ == 0 && finished_) on_data_ = nullptr;
}

void StreamBody::Deliver(std::string_view data) {
  if (finished_ || data.empty()) return;
  if (reading_ && !paused_ && buf_.empty()) {
    auto self = shared_from_this();
    CallData(data);
    return;
  }
  buf_.append(data);
}

void StreamBody::End(Error err, Header trailer) {
  if (ended_) return;
  ended_ = true;
  source_ = nullptr;
  err_ = std::move(err);
  trailer_ = std::move(trailer);
  // Bytes that arrived before a failure are still the body's: the reader
  // gets them, then the error (Go's body Read returns n > 0 before err).
  Drain();
}

void StreamBody::Abort(Error err) {
  if (ended_) return;
  buf_.clear();
  paused_ = false;
  End(std::move(err), Header());
}

bool StreamBody::WantsMore() const {
  return !finished_ && !paused_ && buf_.size() < kMaxBufferedBodyBytes;
}

void StreamBody::Drain() {
  if (!reading_ || finished_) return;
  auto self = shared_from_this();
  while (!paused_ && !finished_ && !buf_.empty()) {
    std::string chunk;
    chunk.swap(buf_);
    CallData(chunk);
  }
  if (finished_ || paused_ || !buf_.empty() || !ended_) return;
  finished_ = true;
  EndFunc end = std::move(on_end_);
  if (depth_ == 0) on_data_ = nullptr;
  if (end) end(err_);
}

}  // namespace nethttp
