// ServerResponse is the server's ResponseWriter (Go: response + chunkWriter).
// It decides the framing of a response (Content-Length when the handler's
// output is small and finished, chunked when it streams, close-delimited for
// HTTP/1.0) and serialises head and body into its connection's output buffer.
// It has no sockets: the connection (conn.cc) moves the bytes.
#ifndef NETHTTP_INTERNAL_RESPONSE_WRITER_H_
#define NETHTTP_INTERNAL_RESPONSE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/cancelation.h"
#include "nethttp/handler.h"
#include "nethttp/header.h"

namespace nethttp {

// FinalTrailers gathers a response's trailer section from its header at the
// body's end (Go: response.finalTrailers): the TrailerPrefix fields, and
// the values of the fields the "Trailer" header declared, each one a field
// ValidTrailerHeader allows. The server sends it; httptest's recorder
// hands it to Result's body.
Header FinalTrailers(const Header& h);

// ResponseSink is the connection side of a response: where bytes go, and
// who is told when a held response finishes.
class Loop;

class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Output is the buffer response bytes are appended to.
  virtual std::string& Output() = 0;
  // OutputGrew is called after body bytes were appended, so the connection
  // can start writing a large response before the handler returns.
  virtual void OutputGrew() = 0;
  // Date returns the current IMF-fixdate, cached per second.
  virtual std::string_view Date() = 0;
  // KeepAlivesAllowed is false once the server is shutting down or
  // keep-alives were disabled; responses then say Connection: close.
  virtual bool KeepAlivesAllowed() = 0;
  // ResponseFinished is called when a held response is finished.
  virtual void ResponseFinished() = 0;
  // SendNow hands the output buffer to the socket now (Flush).
  virtual void SendNow() = 0;
  // Unsent is how many response bytes the connection holds that the
  // kernel has not taken: what Writable measures.
  virtual size_t Unsent() = 0;
  // WantWritable asks the connection to call Drained once Unsent is down
  // to kWriteLowWater.
  virtual void WantWritable() = 0;
  // UnreadBodyForcesClose is asked as the head is written, for a request
  // whose body is still arriving (RequestInfo::body_pending): true when
  // the connection cannot be kept because of that body, so the head says
  // Connection: close (Go: the unread-body checks of chunkWriter.writeHeader).
  virtual bool UnreadBodyForcesClose() = 0;
  // Hijack hands the connection to the handler (ResponseWriter::Hijack),
  // after the output so far. A sink that cannot says kNotSupported.
  virtual Result<std::shared_ptr<HijackedConn>> Hijack() {
    return Error(ErrorCode::kNotSupported, "http: this connection does not support Hijack");
  }
};

// kBufferBeforeChunking is how many body bytes a handler may write before
// the head must go out: a response whose body fits and is complete when the
// handler returns gets a Content-Length, a longer one is sent chunked. Go
// uses 2048 (server.go bufferBeforeChunkingSize) behind a 4 KiB bufio; we
// buffer 4 KiB, the same as Go's whole write buffer.
inline constexpr size_t kBufferBeforeChunking = 4096;

// AppendHttpDate appends t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37
// GMT", RFC 9110 §5.6.7).
void AppendHttpDate(std::time_t t, std::string* out);

class ServerResponse : public ResponseWriter,
                       public std::enable_shared_from_this<ServerResponse> {
 public:
  struct RequestInfo {
    bool head_request = false;  // a HEAD request: no body bytes are sent
    int proto_minor = 1;        // 0 for HTTP/1.0
    bool wants_close = false;   // the request asked to close (or 1.0 w/o keep-alive)
    bool body_pending = false;  // the request's body is streamed and not all in yet
    Loop* loop = nullptr;       // the loop serving the request (a coroutine handler runs on it)
  };

  ServerResponse(ResponseSink* sink, RequestInfo info) : sink_(sink), req_(info) {}

  // Reuse makes a finished response that nothing else holds into a fresh one
  // for the connection's next request: the assignment resets every field
  // and keeps the object and its buffers' capacity, so a kept-alive
  // connection allocates no response per request.
  void Reuse(ResponseSink* sink, RequestInfo info) { *this = ServerResponse(sink, info); }

  nethttp::Header& Header() override { return header_; }
  void WriteHeader(int status_code) override;
  nethttp::Error Write(std::string_view data) override;
  std::shared_ptr<ResponseWriter> Hold() override;
  void Finish() override;
  void Abort() override;
  void Flush() override;
  bool Writable() override;
  void OnWritable(std::function<void()> f) override;
  void CloseNotify(std::function<void()> f) override;
  // Hijack puts a head already written in the output (Go's cw.flush) and
  // asks the connection for itself. The response is then over: writes
  // fail with kHijacked and its callbacks never run.
  Result<std::shared_ptr<HijackedConn>> Hijack() override;

  // SendBuffered puts what the handler wrote so far in the output buffer:
  // the head (chunked, unless a Content-Length was set) and the body bytes
  // held back to decide the framing; nothing if no body byte was written,
  // unless even_empty. Flush is this (even empty) and SendNow; for a held
  // response the connection calls it at the end of each loop turn, so the
  // head of a held handler that has written nothing yet can still change.
  void SendBuffered(bool even_empty);
  // Drained runs the OnWritable callback: the output is down to the
  // low-water mark.
  void Drained();
  // ClientGone runs the CloseNotify callback: the client half-closed or
  // left while the response is unfinished.
  void ClientGone();

  // Complete finishes the response after ServeHTTP returned, unless it is
  // held; returns true when the response is complete.
  bool CompleteUnlessHeld();
  // Recover answers 500 for a handler that threw, when nothing has been
  // sent yet; otherwise the connection closes after what was sent, so the
  // peer sees a truncated response rather than a wrong one.
  void Recover();
  // RecoverHeld is Recover for a held response whose handler threw after
  // ServeHTTP had returned (a coroutine handler): the 500, or the close,
  // and then the connection goes on as after Finish.
  void RecoverHeld();
  // Detach cuts the response from its connection, finished or because the
  // connection is closing: later writes fail and Finish does nothing. An
  // unfinished response's CloseNotify and OnWritable callbacks run now;
  // a finished one's are dropped (they may hold the response itself).
  void Detach();
  // wants_writable: an OnWritable callback is waiting.
  bool wants_writable() const { return on_writable_ != nullptr; }

  // Retain keeps state (the connection's RequestState, whose Request the
  // handler was given) alive as long as this response is: a held handler
  // may read its Request after the connection is gone, when the peer left
  // or a deadline closed it (pinned by conn_test "a held handler may read
  // its Request after the peer is gone").
  void Retain(std::shared_ptr<void> state) { retained_ = std::move(state); }
  bool held() const { return held_; }
  bool head_written() const { return head_written_; }
  bool finished() const { return finished_; }
  // close_after is true when the connection must close after this response.
  bool close_after() const { return close_after_; }
  int status() const { return status_; }
  Loop* loop() const { return req_.loop; }
  // CancelWhenGone: a coroutine handler's Cancelation, canceled ("context
  // canceled") when the client goes away before the response is finished,
  // beside CloseNotify's callback; null to forget it. A plain pointer: it
  // is set and cleared on every request such a handler serves.
  void CancelWhenGone(Cancelation* c) { cancel_when_gone_ = c; }

 private:
  enum class Framing { kUndecided, kNone, kContentLength, kChunked, kUntilClose };

  // WriteTail ends the response on the wire, once: the head and buffered
  // body if the handler never flushed, the last chunk, and close_after_
  // when the handler wrote less than its Content-Length.
  void WriteTail();
  // WriteHead serialises the head; more is the body the handler is writing
  // right now (not yet in pending_), which the Content-Type sniffer sees too.
  void WriteHead(bool handler_done, std::string_view more = {});
  void AppendBody(std::string_view data);
  bool BodyAllowed() const;

  ResponseSink* sink_;
  RequestInfo req_;
  nethttp::Header header_;
  int status_ = 0;             // 0 until WriteHeader (explicit or implicit)
  bool head_written_ = false;  // the head is in the output buffer
  bool held_ = false;
  bool finished_ = false;
  bool close_after_ = false;
  bool client_gone_ = false;  // ClientGone ran: a later CloseNotify runs at once
  bool hijacked_ = false;     // Hijack succeeded (finished_ is set too)
  Framing framing_ = Framing::kUndecided;
  int64_t declared_length_ = -1;  // the handler's own Content-Length, if any
  int64_t written_ = 0;           // body bytes accepted from the handler
  std::string pending_;           // body bytes before the head is written
  std::shared_ptr<void> retained_;  // see Retain
  std::function<void()> on_writable_;   // see OnWritable
  std::function<void()> close_notify_;  // see CloseNotify
  Cancelation* cancel_when_gone_ = nullptr;  // see CancelWhenGone
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_RESPONSE_WRITER_H_
