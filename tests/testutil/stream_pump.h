// StreamPump is a streaming handler's body written the way it is meant to
// be: pieces while the response is Writable, then a wait for OnWritable.
// Piece i is all 'a' + i % 26, so a reader can check that every piece came,
// in order (InOrder). Used by conn_test and reverse_proxy_test.
#ifndef NETHTTP_TESTS_TESTUTIL_STREAM_PUMP_H_
#define NETHTTP_TESTS_TESTUTIL_STREAM_PUMP_H_

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>

#include "nethttp/handler.h"
#include "testutil/peer.h"

namespace nethttp::testutil {

class StreamPump {
 public:
  StreamPump(size_t total, size_t piece) : total_(total), piece_(piece) {}

  // Start holds w, declares the length and writes until it must wait.
  void Start(ResponseWriter& w) {
    w.Header().Set("Content-Length", std::to_string(total_));
    w_ = w.Hold();
    Run();
  }
  // InOrder reports whether body is exactly what the pump writes.
  bool InOrder(const std::string& body) const {
    if (body.size() != total_) return false;
    for (size_t i = 0; i < total_; i += piece_) {
      if (body[i] != Fill(i) || body[std::min(i + piece_, total_) - 1] != Fill(i)) return false;
    }
    return true;
  }
  // waited is set the first time the pump had to wait for OnWritable.
  Flag waited;
  int waits() const { return waits_; }
  // Release drops the held response (a test's last step).
  void Release() { w_.reset(); }

 private:
  char Fill(size_t at) const { return static_cast<char>('a' + (at / piece_) % 26); }
  void Run() {
    while (sent_ < total_ && w_->Writable()) {
      if (w_->Write(std::string(std::min(piece_, total_ - sent_), Fill(sent_)))) return;  // the client left
      sent_ += piece_;
    }
    if (sent_ >= total_) {
      w_->Finish();
      return;
    }
    ++waits_;
    waited.Set();
    w_->OnWritable([this] { Run(); });
  }

  size_t total_, piece_;
  size_t sent_ = 0;
  int waits_ = 0;
  std::shared_ptr<ResponseWriter> w_;
};

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_STREAM_PUMP_H_
