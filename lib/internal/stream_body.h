// StreamBody is a Body fed by a connection as bytes arrive: a response body
// on the client (PersistConn) and, for a handler that streams it, a request
// body on the server (Conn). One implementation of Body's contract for both.
#ifndef NETHTTP_INTERNAL_STREAM_BODY_H_
#define NETHTTP_INTERNAL_STREAM_BODY_H_

#include <memory>
#include <string>
#include <string_view>

#include "nethttp/body.h"
#include "nethttp/error.h"
#include "nethttp/header.h"

namespace nethttp {

// kMaxBufferedBodyBytes bounds what a body buffers for a consumer that is
// not reading (yet): one read buffer's worth. Past it the connection stops
// reading from the socket, so a slow consumer slows the peer (TCP
// backpressure).
inline constexpr size_t kMaxBufferedBodyBytes = 64 * 1024;

class StreamBody final : public Body, public std::enable_shared_from_this<StreamBody> {
 public:
  // Source is the connection feeding the body.
  class Source {
   public:
    virtual ~Source() = default;
    // UpdateReading: the consumer started reading, paused or resumed;
    // WantsMore may have changed.
    virtual void UpdateReading() = 0;
    // BodyAbandoned: the consumer closed the body (or dropped it) before
    // its end. The source is forgotten first, so it may close at once.
    virtual void BodyAbandoned() = 0;
  };

  explicit StreamBody(Source* source) : source_(source) {}
  ~StreamBody() override;

  void Read(DataFunc on_data, EndFunc on_end) override;
  void Pause() override;
  void Resume() override;
  void Close() override;

  // The source's side. Deliver hands over body bytes; End detaches the
  // body from its source with the body's outcome and trailer.
  void Deliver(std::string_view data);
  void End(Error err, Header trailer);
  // Abort is End for a body its connection is done with (Go: the handler
  // returned, and its body is closed): what is buffered is dropped and a
  // reader gets err now, even a paused one, so that no reader is left
  // holding callbacks (and what they keep alive) for an end that a pause
  // would otherwise hold back for ever.
  void Abort(Error err);
  // WantsMore: the source should keep reading for this body.
  bool WantsMore() const;
  // read_started: Read was called (the server's cue for 100 Continue).
  bool read_started() const { return reading_; }
  // closed: the consumer closed the body before it ended.
  bool closed() const { return finished_ && !ended_; }

  // replays_string: Request::Body made this body from r.body, which still
  // holds all of it; a form can be parsed from r.body whatever was read.
  bool replays_string = false;

 private:
  void Drain();
  void CallData(std::string_view data);

  Source* source_;  // null once the body has ended or been closed
  std::string buf_;  // received, not yet handed to on_data
  bool reading_ = false;   // Read was called
  bool paused_ = false;
  bool ended_ = false;     // End was called: no more bytes will come
  bool finished_ = false;  // on_end was called, or Close: no more callbacks
  int depth_ = 0;          // on_data calls in progress (the callback may Close us)
  Error err_;
  DataFunc on_data_;
  EndFunc on_end_;
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_STREAM_BODY_H_
