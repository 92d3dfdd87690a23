// GeneratorBody is a request body made on demand for the client's
// body_stream tests: one piece per loop turn (a uv_idle_t, so pieces come
// from the loop as a socket's or the thread pool's would, never all inside
// Read), byte i being Pattern(i), so a receiver can check every byte in
// place. It honours Pause and Resume, counts them, and can be held at an
// offset until Release, so a test can prove something happened while the
// body was still being sent. Used by transport_test and client_test.
#ifndef NETHTTP_TESTS_TESTUTIL_GENERATOR_BODY_H_
#define NETHTTP_TESTS_TESTUTIL_GENERATOR_BODY_H_

#include <uv.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "nethttp/body.h"
#include "nethttp/error.h"

namespace nethttp::testutil {

// Pattern is byte i of every generated body: not periodic in any piece
// size the tests use, so a dropped, repeated or reordered piece shows.
inline char Pattern(int64_t i) { return static_cast<char>((i * 31 + (i >> 13)) & 0xff); }

// PatternChecker follows a body as it arrives and remembers the first
// offset that is not Pattern (-1 while none).
struct PatternChecker {
  int64_t received = 0;
  int64_t first_bad = -1;
  void Feed(std::string_view s) {
    for (char c : s) {
      if (first_bad < 0 && c != Pattern(received)) first_bad = received;
      ++received;
    }
  }
};

inline std::string PatternString(int64_t from, int64_t n) {
  std::string s(static_cast<size_t>(n), '\0');
  for (int64_t i = 0; i < n; ++i) s[static_cast<size_t>(i)] = Pattern(from + i);
  return s;
}

class GeneratorBody final : public Body {
 public:
  // total bytes in pieces of piece bytes; the end is end_err (ok: a clean end).
  GeneratorBody(uv_loop_t* loop, int64_t total, size_t piece, Error end_err = Error())
      : total_(total), piece_(piece), end_err_(std::move(end_err)) {
    idle_ = new uv_idle_t;
    uv_idle_init(loop, idle_);
    idle_->data = this;
  }
  ~GeneratorBody() override {
    // The handle outlives us until its close callback, which frees it.
    idle_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(idle_), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
  }
  GeneratorBody(const GeneratorBody&) = delete;
  GeneratorBody& operator=(const GeneratorBody&) = delete;

  void Read(DataFunc on_data, EndFunc on_end) override {
    ++reads;
    if (reads > 1 || closed) {
      if (on_end) on_end(Error(ErrorCode::kInvalidArgument, "generator: read twice"));
      return;
    }
    on_data_ = std::move(on_data);
    on_end_ = std::move(on_end);
    Kick();
  }
  void Pause() override {
    ++pauses;
    paused_ = true;
    uv_idle_stop(idle_);
    if (on_pause) on_pause();
  }
  void Resume() override {
    ++resumes;
    paused_ = false;
    Kick();
  }
  void Close() override {
    closed = true;
    uv_idle_stop(idle_);
    on_data_ = nullptr;
    on_end_ = nullptr;
  }

  // HoldAt stops the body after offset bytes until Release (a gate a test
  // opens on an event).
  void HoldAt(int64_t offset) { hold_at_ = offset; }
  void Release() {
    hold_at_ = -1;
    Kick();
  }
  bool held() const { return hold_at_ >= 0 && produced == hold_at_; }

  // What the consumer did and what we gave it.
  int reads = 0, pauses = 0, resumes = 0;
  bool closed = false, ended = false;
  int64_t produced = 0;
  // on_piece runs after each piece was handed over; on_pause on each Pause;
  // on_finish once the end was handed over.
  std::function<void()> on_piece, on_pause, on_finish;
  // trailer_at_end becomes Trailer() just before the end is handed over,
  // as a Go body sets Request.Trailer's values before its reader's EOF.
  Header trailer_at_end;

 private:
  void Kick() {
    if (reads == 1 && !paused_ && !closed && !ended) uv_idle_start(idle_, OnIdle);
  }
  static void OnIdle(uv_idle_t* h) {
    auto* g = static_cast<GeneratorBody*>(h->data);
    if (g != nullptr) g->Step();
  }
  void Step() {
    if (produced == total_) {
      uv_idle_stop(idle_);
      ended = true;
      trailer_ = trailer_at_end;
      EndFunc end = std::move(on_end_);
      on_data_ = nullptr;
      if (end) end(end_err_);
      if (on_finish) on_finish();
      return;
    }
    int64_t n = std::min<int64_t>(static_cast<int64_t>(piece_), total_ - produced);
    if (hold_at_ >= 0) n = std::min(n, hold_at_ - produced);
    if (n <= 0) {
      uv_idle_stop(idle_);
      return;
    }
    std::string chunk = PatternString(produced, n);
    produced += n;
    DataFunc data = on_data_;  // (the consumer may Close us from inside)
    if (data) data(chunk);
    if (on_piece) on_piece();
  }

  int64_t total_;
  size_t piece_;
  Error end_err_;
  int64_t hold_at_ = -1;
  bool paused_ = false;
  uv_idle_t* idle_;
  DataFunc on_data_;
  EndFunc on_end_;
};

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_GENERATOR_BODY_H_
