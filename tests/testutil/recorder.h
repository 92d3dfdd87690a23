// ResponseRecorder records what a handler does, for tests that call
// ServeHTTP directly with no connection (Go: net/http/httptest.ResponseRecorder).
// Header-only; any unit test can include "testutil/recorder.h".
#ifndef NETHTTP_TESTS_TESTUTIL_RECORDER_H_
#define NETHTTP_TESTS_TESTUTIL_RECORDER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/error.h"
#include "nethttp/handler.h"
#include "nethttp/header.h"

namespace nethttp::testutil {

// ResponseRecorder mirrors Go's recorder fields: `code` starts at 200 as in
// httptest.NewRecorder, `snap_header` is the header as it was at the first
// WriteHeader (what Result().Header shows in Go), while Header() stays the
// live map a handler may keep changing. Unlike Go's recorder it does not
// sniff a Content-Type on the first Write: that is the server's
// ResponseWriter's job, and a recorder should show what the handler set.
class ResponseRecorder : public nethttp::ResponseWriter {
 public:
  nethttp::Header& Header() override { return header_; }

  void WriteHeader(int status_code) override {
    // Go: a second WriteHeader is ignored (the server logs "superfluous").
    if (wrote_header) {
      ++superfluous_write_headers;
      return;
    }
    code = status_code;
    wrote_header = true;
    snap_header = header_;
  }

  nethttp::Error Write(std::string_view data) override {
    // A handler that writes after Finish() has a bug the server would hide
    // (the bytes go nowhere); the recorder reports it.
    if (finished) {
      return nethttp::Error(nethttp::ErrorCode::kInvalidArgument, "http: Write after Finish");
    }
    if (!wrote_header) WriteHeader(200);  // Go: implicit WriteHeader(StatusOK)
    body.append(data);
    return {};
  }

  // Hold returns a non-owning pointer to this recorder (an aliasing
  // shared_ptr with no control block): the test owns the recorder and must
  // keep it alive while the handler holds it.
  std::shared_ptr<nethttp::ResponseWriter> Hold() override {
    held = true;
    return std::shared_ptr<nethttp::ResponseWriter>(std::shared_ptr<nethttp::ResponseWriter>{}, this);
  }

  void Finish() override { finished = true; }
  void Abort() override { aborted = true; }

  // Flush records the call (Go's recorder sets Flushed). Output is never
  // queued, so the recorder is always writable and an OnWritable callback
  // runs at once; CloseNotify keeps its callback for the test to run
  // (the client "leaving").
  void Flush() override {
    if (!wrote_header) WriteHeader(200);
    flushed = true;
  }
  bool Writable() override { return true; }
  void OnWritable(std::function<void()> f) override {
    if (f) f();
  }
  void CloseNotify(std::function<void()> f) override { close_notify = std::move(f); }

  int code = 200;                    // status passed to the first WriteHeader
  nethttp::Header snap_header;       // header at the first WriteHeader
  std::string body;                  // every byte written
  bool wrote_header = false;         // WriteHeader was called (or implied by Write)
  int superfluous_write_headers = 0; // WriteHeader calls after the first
  bool held = false;                 // Hold() was called
  bool finished = false;             // Finish() was called
  bool flushed = false;              // Flush() was called
  bool aborted = false;              // Abort() was called
  std::function<void()> close_notify;  // the last CloseNotify callback

 private:
  nethttp::Header header_;
};

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_RECORDER_H_
