// Http1Parser turns bytes into HTTP/1.x message heads and bodies, for both
// sides: requests on the server (conn.cc), responses on the client
// (persist_conn.cc). It has no sockets: bytes in, a MessageHead and body out.
// It is the only user of llhttp, driven strictly (STYLE rule 4).
#ifndef NETHTTP_INTERNAL_HTTP1_PARSER_H_
#define NETHTTP_INTERNAL_HTTP1_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "internal/request_line.h"
#include "internal/transfer.h"  // ServerStatusForError, for the parser's users
#include "nethttp/error.h"
#include "nethttp/header.h"

namespace nethttp {

// MessageHead is what the parser knows once the header block has been read.
struct MessageHead {
  // Request line (requests only).
  std::string method;
  std::string target;
  // Status line (responses only).
  int status_code = 0;
  std::string reason;

  int proto_major = 1;
  int proto_minor = 1;
  Header header;
  // trailer holds the fields after a chunked body's last chunk.
  Header trailer;
  // content_length is the declared body length; -1 when the body is chunked
  // or, for a response, delimited by the connection's close.
  int64_t content_length = 0;
  bool chunked = false;
  // keep_alive reports whether the connection may carry another message
  // after this one (HTTP/1.1 without Connection: close, or 1.0 with
  // Connection: keep-alive).
  bool keep_alive = true;
  // expect_continue: the request carries "Expect: 100-continue".
  bool expect_continue = false;

  // Reset empties the head for the next message but keeps the strings' and
  // the header's capacity, so a kept-alive connection parses its requests
  // without allocating once it has seen the first.
  void Reset();
};

class Http1Parser {
 public:
  enum class Type { kRequest, kResponse };

  // Status is what Feed found: it never consumes past the end of a message,
  // so pipelined bytes stay with the caller.
  enum class Status {
    kNeedMore,         // every byte was consumed; the message goes on
    kMessageComplete,  // a whole message ends at `consumed`
    kHeadComplete,     // with stop_after_head: a request's head, accepted, ends at
                       // `consumed`, and a body follows that is not all in the
                       // data fed; see AcceptBody
    kError,            // error() says why; the connection must close
  };
  struct FeedResult {
    Status status;
    size_t consumed;
  };

  // BodySink receives body bytes as they are parsed. Without one, the body
  // accumulates in body().
  using BodySink = std::function<void(std::string_view)>;

  explicit Http1Parser(Type type);
  ~Http1Parser();
  Http1Parser(const Http1Parser&) = delete;
  Http1Parser& operator=(const Http1Parser&) = delete;

  // set_max_header_bytes bounds the raw bytes of a head (the request or
  // status line and the header fields, line endings included), and those of
  // a trailer; past it Feed fails with kHeaderTooLarge.
  void set_max_header_bytes(size_t n) { max_header_bytes_ = n; }
  // set_max_request_target_bytes bounds a request's target; past it Feed
  // fails with kUriTooLong (414).
  void set_max_request_target_bytes(size_t n) { line_.set_max_target_bytes(n); }
  // set_max_header_fields bounds the fields of a head plus its trailer; 0
  // means no limit. Past it Feed fails with kHeaderTooLarge (431).
  void set_max_header_fields(size_t n) { max_header_fields_ = n; }
  // set_max_body_bytes bounds the body; 0 means no limit. Past it Feed fails
  // with kBodyTooLarge.
  void set_max_body_bytes(int64_t n) { max_body_bytes_ = n; }
  // set_body_sink streams the body instead of buffering it.
  void set_body_sink(BodySink sink) { body_sink_ = std::move(sink); }
  // set_stop_after_head makes Feed return kHeadComplete after a request
  // head that a body follows, before any of the body is parsed, so the
  // caller can decide where the body goes (the server asks the handler
  // whether it streams) before the first body byte is taken. A body that
  // is all in the data fed with its head, within max_body_bytes, is simply
  // read whole (as if AcceptBody(false) had been called): there is nothing
  // to stream.
  void set_stop_after_head(bool v) { stop_after_head_ = v; }
  // AcceptBody follows kHeadComplete: a streamed body is its reader's to
  // bound, so max_body_bytes does not apply to it; a buffered one whose
  // declared length is past max_body_bytes fails now (kBodyTooLarge, and
  // false), before a 100 Continue could invite it.
  bool AcceptBody(bool streamed);
  // set_response_to_head tells a response parser that the next response
  // answers a HEAD request, so no body follows its head whatever it declares.
  void set_response_to_head(bool v) { response_to_head_ = v; }

  // Feed parses data. After kMessageComplete the caller reads head() and
  // body(), then calls NextMessage() before feeding the rest.
  FeedResult Feed(std::string_view data);
  // Finish tells the parser the peer closed its side. A close-delimited
  // response body completes (kMessageComplete); a close between messages is
  // kNeedMore (nothing was lost); a close inside a message is kError with
  // kUnexpectedEof.
  FeedResult Finish();
  // NextMessage clears the finished message and readies the parser for the
  // next one on the same connection.
  void NextMessage();
  // Reset readies the parser for a new connection, as if just made (the
  // limits and the body sink stay). llhttp remembers across messages that a
  // connection is to close, so NextMessage alone would refuse what comes
  // next.
  void Reset();

  // message_started: at least one byte of the current message was parsed.
  bool message_started() const { return phase_ != Phase::kIdle; }
  // AtMessageBoundary: no error and no message half parsed, so that after
  // Reset the parser can serve another connection.
  bool AtMessageBoundary() const {
    return !error_ && (phase_ == Phase::kComplete || phase_ == Phase::kIdle);
  }
  // head_complete: the header block of the current message was parsed.
  bool head_complete() const { return phase_ >= Phase::kHeadParsed; }
  // head_accepted: that header block also passed validation, so what
  // follows is its body. A framing error after this point belongs to the
  // body (a client has a response to hand over); one before, to the head.
  bool head_accepted() const { return phase_ >= Phase::kBody; }
  MessageHead& head() { return head_; }
  const MessageHead& head() const { return head_; }
  // body_bytes: the current message's body bytes parsed so far.
  int64_t body_bytes() const { return body_bytes_; }
  std::string& body() { return body_; }
  const Error& error() const { return error_; }

 private:
  struct Callbacks;
  friend struct Callbacks;

  int OnMessageBegin();
  int OnMethod(std::string_view s);
  int OnUrl(std::string_view s);
  int OnStatus(std::string_view s);
  int OnHeaderField(std::string_view s);
  int OnHeaderValue(std::string_view s);
  int OnHeaderValueComplete();
  int OnHeadersComplete();
  int OnBody(std::string_view s);
  int OnMessageComplete();
  int OnChunkHeader();

  // FeedLineOnly feeds the rest of a request line that llhttp refused to
  // line_ alone, for its verdict.
  FeedResult FeedLineOnly(std::string_view data);
  // FeedPieces is Feed but for the fields it leaves half read (see Span).
  FeedResult FeedPieces(std::string_view data);
  // Fail records the first error; llhttp is then told HPE_USER.
  int Fail(ErrorCode code, std::string message);
  Error ValidateRequestHead();
  // ConnectionHas: a Connection field of the head lists token.
  bool ConnectionHas(std::string_view token) const;
  // InLineRegion: the bytes being parsed are head or trailer lines of a
  // request, whose line endings Feed checks itself.
  bool InLineRegion() const;
  // InHeadOrTrailer: the bytes being parsed are a head's or a trailer's,
  // which max_header_bytes bounds.
  bool InHeadOrTrailer() const { return phase_ < Phase::kHeadParsed || phase_ == Phase::kTrailer; }
  Error ValidateResponseHead();
  std::string HeaderTooLargeMessage() const;

  struct LlhttpState;
  std::unique_ptr<LlhttpState> ll_;

  Type type_;
  size_t max_header_bytes_ = 1 << 20;
  size_t max_header_fields_ = 0;
  int64_t max_body_bytes_ = 0;
  BodySink body_sink_;
  bool response_to_head_ = false;
  bool stop_after_head_ = false;
  bool paused_after_head_ = false;  // llhttp is paused at the end of a head
  bool body_limit_lifted_ = false;  // AcceptBody(true): this body is unbounded

  MessageHead head_;
  std::string body_;
  int64_t body_bytes_ = 0;
  // Span gathers one field name or value that llhttp hands over in pieces:
  // a view into the bytes being fed while the pieces lie there end to end
  // (a field is then copied once, into the Header, not twice), a copy of
  // its own once they do not, or once Feed returns (Keep), since the
  // caller's bytes go with it.
  class Span {
   public:
    void Append(std::string_view s);
    // Keep copies the bytes viewed, which the caller is about to reuse.
    // (Inline for the common case, nothing half read at a Feed's end.)
    void Keep() {
      if (!owned_ && !view_.empty()) Copy();
    }
    std::string_view get() const { return owned_ ? std::string_view(copy_) : view_; }
    void clear();

   private:
    void Copy();

    std::string_view view_;
    std::string copy_;
    bool owned_ = false;  // the bytes are in copy_
  };
  Span field_;
  Span value_;
  size_t header_fields_ = 0;
  size_t raw_head_bytes_ = 0;
  // Fields counted as they arrive, so the head checks need no header scan.
  int content_length_fields_ = 0;
  int transfer_encoding_fields_ = 0;
  int host_fields_ = 0;
  bool host_malformed_ = false;  // a Host field's value is not a valid host[:port]
  int expect_fields_ = 0;
  int connection_fields_ = 0;
  // last_byte_ is the byte before the next Feed's data, for the bare-LF
  // check across Feeds; it carries over between messages on a connection.
  char last_byte_ = '\0';
  // line_ checks a request line's grammar ahead of llhttp. Once llhttp
  // has refused the line's version (llhttp_refused_version_), the rest of
  // the line goes to line_ alone, whose verdict (400 or 505) then stands.
  RequestLineScanner line_;
  bool llhttp_refused_version_ = false;
  // Phase is where the current message is; SetPhase is the one place it
  // changes. The order matters: the accessors above compare phases.
  enum class Phase {
    kIdle,          // no byte of a message yet (leading empty lines are skipped here)
    kHead,          // in the start line or the fields; waits for the empty line
    kHeadParsed,    // the header block ended; OnHeadersComplete is checking it
    kBody,          // the head was accepted; waits for the body's end
    kTrailerStart,  // the last chunk's size line was read; llhttp paused to say so
    kTrailer,       // in the trailer lines; waits for the empty line
    kComplete,      // a whole message; waits for NextMessage
  };
  void SetPhase(Phase next);
  Phase phase_ = Phase::kIdle;
  Error error_;
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_HTTP1_PARSER_H_
