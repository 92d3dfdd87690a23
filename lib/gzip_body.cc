// GzipBody: inner's pieces go into a GzipDecoder; what comes out is handed
// on in pieces of at most kStep bytes, only while the reader is not
// paused. Compressed bytes the reader is not ready for wait here, and
// inner is paused meanwhile, so neither side grows without bound.
#include "internal/gzip_body.h"

#include <string>
#include <utility>

#include "internal/gzip.h"

namespace nethttp {
namespace {

constexpr size_t kStep = 64 * 1024;

class GzipBody final : public Body, public std::enable_shared_from_this<GzipBody> {
 public:
  explicit GzipBody(std::shared_ptr<Body> inner) : inner_(std::move(inner)) {}

  void Read(DataFunc on_data, EndFunc on_end) override {
    on_data_ = std::move(on_data);
    on_end_ = std::move(on_end);
    // Weak: inner belongs to this body, and may call back while it goes.
    std::weak_ptr<GzipBody> weak = weak_from_this();
    inner_->Read(
        [weak](std::string_view data) {
          if (auto self = weak.lock()) self->OnData(data);
        },
        [weak](Error err) {
          if (auto self = weak.lock()) self->OnEnd(std::move(err));
        });
  }

  void Pause() override {
    paused_ = true;
    PauseInner();
  }

  void Resume() override {
    paused_ = false;
    Pump();
  }

  void Close() override {
    if (done_) return;
    done_ = true;
    on_data_ = nullptr;
    on_end_ = nullptr;
    inner_->Close();
  }

  const Header& Trailer() const override { return inner_->Trailer(); }

 private:
  void OnData(std::string_view data) {
    if (done_) return;
    in_.append(data);
    Pump();
  }

  void OnEnd(Error err) {
    if (done_) return;
    inner_ended_ = true;
    inner_err_ = std::move(err);
    Pump();
  }

  // Pump hands on what can be inflated while the reader takes it, then
  // ends the body, or lets inner read on.
  void Pump() {
    if (pumping_) return;  // the loop below, further up the stack, goes on
    pumping_ = true;
    auto self = shared_from_this();  // a callback may drop the last owner
    while (!done_ && !paused_) {
      std::string out;
      Result<size_t> used = decoder_.Decode(in_, kStep, &out);
      if (!used.ok()) {
        Fail(used.error());
        break;
      }
      in_.erase(0, *used);
      if (out.empty()) break;
      on_data_(out);
    }
    pumping_ = false;
    if (done_ || paused_) return;
    if (inner_ended_) {
      Error err = inner_err_ ? inner_err_ : decoder_.Finish();
      done_ = true;
      EndFunc end = std::move(on_end_);
      on_data_ = nullptr;
      if (end) end(std::move(err));
      return;
    }
    if (inner_paused_) {
      inner_paused_ = false;
      inner_->Resume();  // may deliver at once: OnData pumps again
    }
  }

  void PauseInner() {
    if (inner_paused_ || inner_ended_ || done_) return;
    inner_paused_ = true;
    inner_->Pause();
  }

  void Fail(Error err) {
    done_ = true;
    EndFunc end = std::move(on_end_);
    on_data_ = nullptr;
    inner_->Close();
    if (end) end(std::move(err));
  }

  std::shared_ptr<Body> inner_;
  GzipDecoder decoder_;
  std::string in_;  // compressed bytes not inflated yet
  DataFunc on_data_;
  EndFunc on_end_;
  Error inner_err_;
  bool paused_ = false;        // the reader's Pause
  bool inner_paused_ = false;  // we paused inner
  bool inner_ended_ = false;
  bool pumping_ = false;
  bool done_ = false;  // ended, failed or closed: no more callbacks
};

}  // namespace

std::shared_ptr<Body> NewGzipBody(std::shared_ptr<Body> inner) {
  return std::make_shared<GzipBody>(std::move(inner));
}

}  // namespace nethttp
