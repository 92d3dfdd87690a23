// PersistConn is one client connection that may carry many requests in turn
// (Go: persistConn, whose readLoop and writeLoop goroutines become one
// explicit state machine driven by libuv callbacks). It dials with Dialer,
// shakes hands through a TlsSession for https, writes what request_writer
// built, parses the answer with Http1Parser in response mode and streams
// the body through a StreamBody. Its owner, the Transport (transport.cc), pools
// it between requests.
#ifndef NETHTTP_INTERNAL_PERSIST_CONN_H_
#define NETHTTP_INTERNAL_PERSIST_CONN_H_

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "internal/dialer.h"
#include "internal/http1_parser.h"
#include "internal/stream_body.h"
#include "internal/tls_session.h"
#include "internal/uv_handle.h"
#include "nethttp/error.h"
#include "nethttp/response.h"

namespace nethttp {

// OutgoingBody is a request body that streams after the request's head
// (PersistConn::RoundTrip).
struct OutgoingBody {
  // source is read and sent as it comes, with backpressure.
  std::shared_ptr<Body> source;
  // length is the body's declared length, which the source must produce
  // exactly (Go: "http: ContentLength=N with Body length M"), or -1:
  // unknown.
  int64_t length = -1;
  // chunked frames the body as chunks: no length was declared, or a
  // trailer follows (SendsChunked). Otherwise the head said
  // Content-Length: length and the bytes go as they are.
  bool chunked = true;
  // trailer holds the request's declared trailer fields, sent after a
  // chunked body with what the source's Trailer() holds as it ends
  // (AppendLastChunk).
  Header trailer;
  // continue_timeout (for a request that says "Expect: 100-continue")
  // holds the body back until a 100 Continue comes or that long has
  // passed; a final response first means the body is never sent, and the
  // conn closes after the response (Go: Transport.ExpectContinueTimeout).
  std::chrono::milliseconds continue_timeout{0};
};

class PersistConn;

// TlsDial asks PersistConn::Dial for https: after the TCP connect, a
// handshake with ctx's settings, for the host dialed (SNI and the name
// verified), within handshake_timeout (0: none). No ctx: plain http.
struct TlsDial {
  std::shared_ptr<TlsContext> ctx;
  std::chrono::milliseconds handshake_timeout{0};
  // Through an HTTP proxy, the address dialed is the proxy's: connect is
  // the CONNECT request (WriteConnect) that first opens a tunnel to the
  // server, and host the server's name, for SNI and verification.
  std::string connect;
  std::string host;
};

class PersistConn final : public StreamBody::Source {
 public:
  enum class State {
    kDialing,         // Dialer running; waits for its done (dial deadline on timer_)
    kProxyConnecting,  // connected to a proxy, CONNECT sent; waits for its 200
                       // (a minute on timer_, as Go allows)
    kHandshaking,     // https: connected, ClientHello sent; waits for the server's
                      // handshake messages (tls_handshake_timeout on timer_)
    kIdle,            // connected, no request; a read stays armed so the server's
                      // close is seen at once; waits for RoundTrip or the idle timer
    kWritingRequest,  // the request did not fit the socket buffer, or its body is
                      // still coming from its source; waits for write_cb and the
                      // body's end (a response may come first: the body goes on)
    kReadingHead,     // request sent; waits for a final (non-1xx) response head
                      // (ResponseHeaderTimeout on timer_)
    kReadingBody,     // head delivered; waits for the body's end, reading only
                      // while the consumer keeps up
    kClosing,         // uv_close called (or the dial being canceled); waits for
                      // every callback, then deletes this
  };

  // Owner is the Transport side (Go: the Transport methods a persistConn
  // calls). Its calls never delete the conn.
  class Owner {
   public:
    virtual ~Owner() = default;
    // OnReusable: a response was read to its end and the conn is kIdle,
    // ready for another request (Go: tryPutIdleConn).
    virtual void OnReusable(PersistConn* pc) = 0;
    // OnClosing: the conn started closing; forget it (Go: removeIdleConn,
    // decConnsPerHost).
    virtual void OnClosing(PersistConn* pc) = 0;
    // ReadBuffer: the buffer libuv reads into, shared by all the owner's
    // conns (STYLE rule 11).
    virtual uv_buf_t ReadBuffer() = 0;
    // TlsPlaintext: the string an https conn decrypts a read into, shared
    // alike; empty between reads.
    virtual std::string& TlsPlaintext() = 0;
  };

  // Failure tells the Transport whether a failed round trip may be retried
  // on another connection (Go: shouldRetryRequest's inputs).
  struct Failure {
    bool reused = false;           // the conn had served a response before
    bool nothing_written = false;  // no byte of the request reached the socket
    bool before_response = false;  // the conn broke before any response byte
  };
  // (The result is passed on by reference: a Response moved at each call
  // is several strings' moves on every request.)
  using Done = std::function<void(Result<Response>&&, Failure)>;
  using Duration = std::chrono::milliseconds;

  // PersistConn starts in kDialing; call Dial once.
  // idle_timeout closes the conn after that long in kIdle (0: never).
  PersistConn(uv_loop_t* loop, Owner* owner, std::string key, Duration idle_timeout);
  PersistConn(const PersistConn&) = delete;
  PersistConn& operator=(const PersistConn&) = delete;

  // Dial connects to host:port within timeout (0: none), then shakes hands
  // when tls is given; dialed is called once, with the conn kIdle on
  // success. On failure the conn is closing.
  // set_max_header_bytes bounds each response head (Transport's
  // max_response_header_bytes).
  void set_max_header_bytes(size_t n) { parser_.set_max_header_bytes(n); }
  void Dial(std::string host, std::string port, Duration timeout, std::function<void(Error)> dialed,
            TlsDial tls = {});

  // RoundTrip sends wire (a whole serialised request, or its head when
  // body streams after it) and calls done once: with the response head
  // (the response body then streams) or an error. From kIdle only. head:
  // the request was HEAD (no body follows its response). close_after: the
  // request asked to close the connection afterwards. keep is what done's
  // captures point into, held as long as done is: a std::function keeps a
  // capture of a plain pointer in itself, where one of a shared_ptr costs
  // an allocation on every request.
  void RoundTrip(std::string_view wire, bool head, bool close_after, Duration header_timeout,
                 Done done, OutgoingBody body = {}, std::shared_ptr<void> keep = nullptr);

  // Cancel fails the current round trip or body with err and closes the
  // conn (Go: the request's context canceled). Without one it just closes.
  void Cancel(Error err) { Close(std::move(err)); }
  // Close closes the connection; an exchange in progress fails with err.
  void Close(Error err = Error(ErrorCode::kCanceled, "http: connection closed")) {
    CloseWith(std::move(err), false);
  }
  // Detach forgets the owner and the current exchange's callbacks: the
  // Transport is going away.
  void Detach();

  // PeerGone reports, without blocking, whether the server has closed or
  // reset this idle connection, or sent bytes nobody asked for. The close
  // that follows a response is often already in our socket when the next
  // request wants the connection, before the loop has read it; checking
  // here keeps that request off a dead connection (curl does the same).
  // Over TLS it reads what waits through the session, since records that
  // carry no data (a TLS 1.3 server's session tickets) are no sign.
  //
  // It costs a syscall, so the Transport asks only where it matters: when
  // a request that could not be sent again (a POST) takes the conn from
  // the pool, or when a finished conn goes straight to a waiting request.
  // A request that can be resent skips it and is retried if the conn
  // proves dead (Go's way). A conn resting in the pool needs no look: its
  // armed read sees the close.
  bool PeerGone();

  State state() const { return state_; }
  const std::string& key() const { return key_; }
  bool reused() const { return reused_; }

  // StreamBody::Source, for the response body.
  void BodyAbandoned() override;
  void UpdateReading() override;

 private:
  struct WriteReq;
  ~PersistConn() override;

  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnTimer(uv_timer_t* t);
  static void OnClose(uv_handle_t* h);

  void SetState(State next);
  // ArmTimer sets the current state's deadline d from now (0: none). The
  // timer itself is restarted only when it would fire too late: it fires
  // at most early, and OnTimer then waits out the rest. A conn that goes
  // from the pool to a request and back arms the idle deadline and drops
  // it on every exchange, and restarting the timer each time was two
  // heap operations of libuv's.
  void ArmTimer(Duration d);
  void OnDialed(Error err);
  // OnBytes takes what the socket read: over TLS it is decrypted first,
  // and handshake or close_notify records are dealt with here.
  void OnBytes(std::string_view bytes);
  // StartHandshake sends the ClientHello, on a conn connected to the server
  // or tunneled to it.
  void StartHandshake();
  void HandshakeDone();
  // TakenDone is done_ taken to be called (or dropped), with what it keeps
  // alive until then.
  struct TakenDone {
    Done fn;
    std::shared_ptr<void> keep;
    explicit operator bool() const { return static_cast<bool>(fn); }
    void operator()(Result<Response>&& r, Failure f) { fn(std::move(r), f); }
  };
  TakenDone TakeDone() { return {std::move(done_), std::move(done_keep_)}; }
  // HandleConnectAnswer reads the proxy's answer to CONNECT: a 200 opens
  // the tunnel, anything else fails the dial.
  void HandleConnectAnswer(std::string_view data);
  void HandleData(std::string_view data);
  void HandleEof(int status, Error cut = Error());
  // Write sends bytes (ciphertext over TLS): at once when the socket takes
  // them, the rest queued (*queued). It returns 0 or a libuv error, and
  // sets wrote_any_ once a byte may have reached the server.
  int Write(std::string_view bytes, bool* queued);
  // WriteOrClose writes bytes that belong to no request (handshake
  // records, alerts); false when that failed and the conn is closing.
  bool WriteOrClose(std::string_view bytes);
  Response TakeHead();
  // ReuseOrClose runs when a response has been read to its end: the conn
  // goes back to its owner if it may carry another request (leftover: bytes
  // followed the response), else it closes; then the body sees its end.
  void ReuseOrClose(bool leftover);
  // CloseWith closes the conn and reports err to whoever waits on it: the
  // dial, the round trip or the body. server_closed: the server closed or
  // reset the conn before any byte of a response (Go:
  // transportReadFromServerError, errServerClosedIdle), which makes a
  // replayable request retryable.
  void CloseWith(Error err, bool server_closed);
  // The request body's pump: its source's on_data and on_end, and what
  // stops it (a response that came first, a close).
  void OnRequestBodyData(std::string_view chunk);
  void OnRequestBodyEnd(Error err);
  void StopRequestBody();
  // StartRequestBody reads the body's source into the socket; it is held
  // back while awaiting_continue_.
  void StartRequestBody();
  // SendRequestBytes writes plaintext request bytes, through TLS on https;
  // false (and the conn closing) if that failed.
  bool SendRequestBytes(std::string_view bytes);
  void ClosedOne();
  void StartReading();
  void StopReading();

  uv_loop_t* loop_;
  Owner* owner_;
  std::string key_;
  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uint64_t deadline_ = 0;  // loop time the state's deadline falls due; 0: none
  Dialer dialer_;
  std::string host_;  // dialed, without the port: an https conn's SNI
  TlsDial tls_dial_;
  // tls_ is the session of an https conn (null over http); tls_state_ its
  // ConnectionState once the handshake is done, shared by its responses.
  std::unique_ptr<TlsSession> tls_;
  std::shared_ptr<const ConnectionState> tls_state_;
  std::string tls_out_;  // ciphertext made by the last call into tls_
  State state_ = State::kDialing;
  int pending_closes_ = 0;  // close callbacks (and a canceled dial) still to come
  int writes_in_flight_ = 0;
  bool tcp_open_ = false;   // tcp_ is initialised and ours (after the dial)
  bool reading_ = false;
  bool reused_ = false;
  // The current exchange.
  Http1Parser parser_;
  int status_code_ = 0;  // of the response being read
  int interim_responses_ = 0;  // 1xx responses skipped in this exchange
  bool head_request_ = false;
  bool close_after_ = false;
  bool wrote_any_ = false;
  Duration idle_timeout_{0};
  Duration header_timeout_{0};
  Done done_;
  std::shared_ptr<void> done_keep_;  // (see RoundTrip)
  std::function<void(Error)> dialed_;
  std::shared_ptr<StreamBody> pending_body_;  // until the head is delivered
  std::weak_ptr<StreamBody> body_;            // after: the Response owns it
  // req_body_ is the request body's source while it is being sent;
  // req_length_ its declared length (-1: unknown), req_chunked_ its
  // framing, req_sent_ what it gave, req_trailer_ the request's declared
  // trailer.
  std::shared_ptr<Body> req_body_;
  int64_t req_length_ = -1;
  bool req_chunked_ = true;
  Header req_trailer_;
  int64_t req_sent_ = 0;
  bool req_body_paused_ = false;  // paused while the socket drains
  bool awaiting_continue_ = false;  // the body waits for 100 Continue (timer_: its timeout)
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_PERSIST_CONN_H_
