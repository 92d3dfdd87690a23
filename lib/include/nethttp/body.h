// Body is a message body being received as a stream (Go: the io.ReadCloser
// of Response.Body and Request.Body), driven by the loop: the client's
// response bodies, and the request bodies of handlers that stream them.
#ifndef NETHTTP_BODY_H_
#define NETHTTP_BODY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/error.h"
#include "nethttp/header.h"
#include "nethttp/task.h"

namespace nethttp {

class Loop;
class NextAwaiter;
class ReadAllAwaiter;
namespace internal {
class ChunkQueue;
}

// Exactly one of Read, ReadAll or ReadAllAsync may be called, once; or
// Next, as often as there are pieces.
class Body {
 public:
  using DataFunc = std::function<void(std::string_view chunk)>;
  using EndFunc = std::function<void(Error err)>;  // ok Error at the body's end

  Body();
  virtual ~Body();

  // Read streams the body: on_data for each piece as it arrives, then on_end
  // once, with an ok Error at the end of the body or the failure (a body cut
  // short is an error, never a clean end).
  virtual void Read(DataFunc on_data, EndFunc on_end) = 0;
  // Pause stops reading from the socket until Resume (backpressure for a
  // slow consumer); bytes already received may still be delivered.
  virtual void Pause() = 0;
  virtual void Resume() = 0;
  // Close abandons the rest of the body: on_end is not called after it,
  // and neither is on_data once Read's caller is back on the loop. As in
  // Go, a connection whose body was not read to its end is not reused.
  virtual void Close() = 0;

  // ReadAll collects the whole body; on the loop it calls done when complete.
  void ReadAll(std::function<void(Result<std::string>)> done);
  // ReadAllBlocking runs loop until the whole body has arrived (off the loop
  // only: the blocking convenience style, like io.ReadAll(resp.Body)). From
  // a callback of loop it reads nothing and returns kBlockingCallOnLoop.
  Result<std::string> ReadAllBlocking(Loop& loop);
  // ReadAllAsync is ReadAll for a coroutine (task.h): `auto body = co_await
  // resp.body->ReadAllAsync();` gives the whole body or the error. The body
  // must live until then (resp, kept in the coroutine, keeps it). Canceled,
  // the body is closed and the result is the Cancelation's error.
  ReadAllAwaiter ReadAllAsync();
  // Next is the streaming read for a coroutine (Go: a Read loop on
  // resp.Body): each `co_await body.Next()` gives the bytes that arrived
  // since the last one, an empty view at the body's end, or the error that
  // cut it short:
  //
  //   for (;;) {
  //     Result<std::string_view> chunk = co_await resp->body->Next();
  //     if (!chunk.ok()) co_return chunk.error();
  //     if (chunk->empty()) break;  // the end
  //     Consume(*chunk);
  //   }
  //
  // The view is valid until the next Next. Between two calls the body is
  // paused (backpressure: a coroutine slow to ask slows the peer). The
  // body must live until the await ends; canceled, the body is closed and
  // the result is the Cancelation's error. Close the body only when done
  // with Next (a Next after Close would wait for ever).
  NextAwaiter Next();

  // Trailer holds the trailer fields of a chunked body, complete once
  // on_end has been called with an ok Error (Go: Response.Trailer, filled
  // in when the body hits EOF).
  virtual const Header& Trailer() const { return trailer_; }

 protected:
  Header trailer_;

 private:
  friend class NextAwaiter;
  std::unique_ptr<internal::ChunkQueue> chunks_;  // made by the first Next
};

// NextAwaiter is what Body::Next returns.
class NextAwaiter : public internal::OpAwaiter<Result<std::string_view>, NextAwaiter> {
 public:
  explicit NextAwaiter(Body& body) : body_(&body) {}
  ~NextAwaiter() { AbandonIfWaiting(); }

 private:
  friend class internal::OpAwaiter<Result<std::string_view>, NextAwaiter>;
  friend class internal::ChunkQueue;
  Result<std::string_view> Canceled(const Error& err) { return err; }
  void Start();
  void Stop(const Error& err);
  void Abandon();
  // Deliver is the queue's answer (last thing it does: the coroutine may
  // resume and free the body).
  void Deliver(std::string_view chunk) { Complete(chunk); }
  void Deliver(const Error& err) { Complete(err); }

  Body* body_;
};

// ReadAllAwaiter is what Body::ReadAllAsync returns.
class ReadAllAwaiter : public internal::OpAwaiter<Result<std::string>, ReadAllAwaiter> {
 public:
  explicit ReadAllAwaiter(Body& body) : body_(&body) {}
  ~ReadAllAwaiter() { AbandonIfWaiting(); }

 private:
  friend class internal::OpAwaiter<Result<std::string>, ReadAllAwaiter>;
  Result<std::string> Canceled(const Error& err) { return err; }
  void Start();
  void Stop(const Error& err);
  void Abandon() { body_->Close(); }

  Body* body_;
  std::string data_;
};

inline ReadAllAwaiter Body::ReadAllAsync() { return ReadAllAwaiter(*this); }
inline NextAwaiter Body::Next() { return NextAwaiter(*this); }

// MaxBytesReader limits body to n bytes (Go: http.MaxBytesReader): the
// bytes up to the limit pass, then the read ends with kBodyTooLarge ("http:
// request body too large") and the rest is never read. Meant for request
// bodies, as Go's is: an unread request body keeps the server from reusing
// the connection, so the client sees the close after the response (Go's
// MaxBytesReader takes the ResponseWriter to arrange that; here closing the
// body does). A handler answers the error with 413.
std::shared_ptr<Body> MaxBytesReader(std::shared_ptr<Body> body, int64_t n);

// FileBody is a regular file opened as a Body, and its size.
struct FileBody {
  std::shared_ptr<Body> body;
  int64_t size = 0;
};

// OpenFileBody opens the regular file at path (now, so a missing file is
// an error at once) as a Body that reads it a piece at a time on loop's
// thread pool, for a request of any size in constant memory (Go: an
// *os.File passed as the request body). Set the Request's body_stream to
// body and its content_length to size.
Result<FileBody> OpenFileBody(Loop& loop, const std::string& path);

}  // namespace nethttp

#endif  // NETHTTP_BODY_H_
