// Conn is the server side of one TCP connection (Go: conn.serve): read bytes,
// parse a request, run the handler, queue the response, and go round again
// on a kept-alive connection. One explicit state machine; its deadlines are
// entries in the server's timeout lists.
#ifndef NETHTTP_INTERNAL_CONN_H_
#define NETHTTP_INTERNAL_CONN_H_

#include <uv.h>

#include <memory>
#include <string>
#include <string_view>

#include "internal/http1_parser.h"
#include "internal/response_writer.h"
#include "internal/server_loop.h"
#include "internal/stream_body.h"
#include "internal/timeout_list.h"
#include "internal/tls_session.h"
#include "nethttp/request.h"

namespace nethttp {

class HijackedStream;

// RequestState is what a connection needs only while a request is on it:
// the parser, the Request its handler sees, and the byte buffers. An idle
// connection hands its state back to the server's pool
// (ServerLoop::TakeRequestState), so ten thousand idle keep-alive
// connections do not each hold a kilobyte of parser and request, nor the
// capacity their buffers grew to; a busy one takes a pooled state, so
// nothing is allocated per request once the pool is warm, and a new
// connection starts with buffers already grown (h2o keeps its per-request
// memory apart from the connection the same way).
struct RequestState {
  RequestState() : parser(Http1Parser::Type::kRequest) {}
  Http1Parser parser;
  Request req;      // reused per request; valid for the handler until Finish
  std::string in;   // received bytes not yet parsed (pipelined or partial)
  std::string out;  // response bytes not yet handed to uv_write
  // spare_response is the last request's ServerResponse, which nothing
  // holds any more: the next request reuses it (ServerResponse::Reuse)
  // rather than allocating its own.
  std::shared_ptr<ServerResponse> spare_response;
};

class Conn final : public ResponseSink, public StreamBody::Source {
 public:
  enum class State {
    kNew,           // accepted; waits for the first request (ReadHeaderTimeout)
    kIdle,          // kept alive between requests; waits for a byte (IdleTimeout)
    kReadingHead,   // part of a head arrived; waits for the rest (ReadHeaderTimeout)
    kReadingBody,   // head parsed; waits for the body's end (ReadTimeout)
    kHandling,      // ServeHTTP is running; nothing else happens meanwhile
    kHeld,          // the handler returned after Hold(); waits for Finish (WriteTimeout),
                    // reading on to notice the client leaving, and to feed a
                    // streamed request body to the handler
    kDiscardingBody,  // the response is done, its streamed request body is not; waits
                      // for the body's end, dropping at most kMaxPostHandlerReadBytes
                      // (IdleTimeout), then the next request
    kWriteBlocked,  // the peer reads slower than it sends; waits for write_cb to drain
    kLingering,      // last response queued and the write side shut; waits for the
                    // peer's EOF or the linger timer, so the peer reads it before a RST
    kClosing,       // uv_close called; waits for both close callbacks, then deletes this
    kHijacked,      // the handler took the socket (Hijack): a HijackedStream owns the
                    // handle, and this object is only the memory it lives in
  };

  // Accept serves fd, a connection the server's listener accepted from
  // peer; the Conn owns fd from here. On failure it logs and closes fd.
  static void Accept(ServerLoop* server, int fd, const sockaddr_storage& peer);

  // Close closes at once, whatever is in flight (Server::Close).
  void Close();
  // CloseIfIdle closes a connection that is between requests; a busy one
  // closes after its current response because keep-alives are now off.
  void CloseIfIdle();
  // Detach forgets the server: it is going away before this conn.
  void Detach() { server_ = nullptr; }
  // OnTimeout is the timeout lists' expire callback: a deadline of this
  // connection passed.
  static void OnTimeout(TimeoutEntry* e);
  // OnTurnEnd is the TurnEndList's callback: send what a held response
  // wrote this turn, and tell a handler waiting in OnWritable that the
  // output drained.
  static void OnTurnEnd(TurnEndEntry* e);

  State state() const { return state_; }
  Conn* next_ = nullptr;  // ServerLoop's intrusive list
  Conn* prev_ = nullptr;

  // ResponseSink. Output is asked for only while a request is on the
  // connection, so rs_ is there.
  std::string& Output() override { return rs_->out; }
  void OutputGrew() override;
  std::string_view Date() override;
  bool KeepAlivesAllowed() override;
  void ResponseFinished() override;
  void SendNow() override { Flush(); }
  size_t Unsent() override;
  void WantWritable() override;
  uint64_t StallMs() const;
  bool UnreadBodyForcesClose() override;
  Result<std::shared_ptr<HijackedConn>> Hijack() override;

  // StreamBody::Source, for a request body streamed to its handler.
  void UpdateReading() override;
  void BodyAbandoned() override;

 private:
  friend class HijackedStream;  // takes over tcp_ and tls_, and deletes this
  struct WriteReq;

  explicit Conn(ServerLoop* server);
  ~Conn() override;

  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnShutdown(uv_shutdown_t* req, int status);
  static void OnClose(uv_handle_t* h);

  void SetState(State next);
  void AtTurnEnd();
  // ArmTimeouts links this connection's deadlines for entering state next
  // from prev; see SetState.
  void ArmTimeouts(State prev, State next);
  void HandleRead(ssize_t nread, const uv_buf_t* buf);
  void HandleEof();
  // ProcessInput parses requests from data (a view of in_ when from_in) and
  // serves each complete one; unparsed bytes stay in in_.
  void ProcessInput(std::string_view data, bool from_in);
  // Parsing: ProcessInput may feed the parser in this state; for a
  // streamed body, only while its reader keeps up.
  bool Parsing() const;
  // StartBody follows a head that a body follows, not all of it here: it
  // asks the handler whether it streams the body, and serves a streaming
  // one now. False if the request failed.
  bool StartBody();
  // BuildRequest fills rs_->req from the parsed head (all but the body).
  bool BuildRequest();
  // ServeRequest serves a request read whole; RunHandler calls the handler.
  void ServeRequest();
  void RunHandler(bool body_pending);
  void OnBodyBytes(std::string_view s);
  // EndStreamedBody ends a streamed body's message, with err if it broke.
  void EndStreamedBody(Error err);
  void SendContinue();
  void AfterResponse();
  // NextRequest readies the connection for the next request once a
  // response and its request are both done.
  void NextRequest();
  void ResumeInput();
  void FailRequest(const Error& err);
  // FinishHijack gives the hijacked stream the bytes read past the request
  // (they may be in ProcessInput's hands: then it calls this once the
  // handler is back) and lets go of the request.
  void FinishHijack(std::string_view buffered);
  void StartLingering();
  bool PeerIsDone() const;
  // Decrypt turns a TLS connection's read into plaintext (in the server's
  // TlsPlaintext buffer), answering the handshake on the way; false when
  // nothing is left to parse, because the read held none or the session
  // ended (then the connection is closing).
  bool Decrypt(std::string_view* data);
  // TlsFailed ends a connection whose TLS failed: Go's plaintext answer to
  // a plaintext request, else the alert OpenSSL queued, then the close.
  void TlsFailed();
  // Encrypt turns the response bytes of rs_->out into records in
  // tls_->out, which is what a TLS connection's socket gets; false (and
  // the connection closing) if the session refused.
  bool Encrypt();
  // AppendCloseNotify queues TLS's close_notify, after the response
  // bytes, before our FIN. Nothing on a plain connection.
  void AppendCloseNotify();
  // Flush hands rs_->out to the kernel, or to libuv for what the kernel
  // does not take. fin_follows: our FIN comes right after (see
  // TrySendBeforeFin).
  void Flush(bool fin_follows = false);
  int TrySendBeforeFin(std::string_view bytes);
  // ShutdownWrite sends our FIN now (shutdown(2) SHUT_WR), after what the
  // kernel holds; false if it could not.
  bool ShutdownWrite();
  void StartReading();
  void StopReading();
  bool WriteBacklogged() const;
  // OutputInKernel: libuv holds no unwritten response bytes, so the kernel
  // has all of them and sends them before a FIN, whatever we do next.
  bool OutputInKernel() const;
  // MaybeReleaseRequestState returns rs_ to the pool when nothing of a
  // request is left on this connection (idle, no unparsed or unsent bytes).
  void MaybeReleaseRequestState();
  // RecycleRequestState gives a closed connection's rs_ back to the pool
  // when nothing can still use it.
  void RecycleRequestState();

  ServerLoop* server_;
  uv_tcp_t tcp_;
  State state_ = State::kNew;
  // timeout_ is the current state's deadline (ReadHeaderTimeout, IdleTimeout,
  // WriteTimeout, the linger); request_timeout_ is ReadTimeout, which runs
  // across the head and the body. Each is linked in one of the server's
  // timeout lists, or in none.
  TimeoutEntry timeout_;
  TimeoutEntry request_timeout_;
  // stall_timeout_ is nginx's send_timeout for a held response whose
  // handler waits in OnWritable: linked while it waits, it closes the
  // connection if the client took none of the unsent bytes (stall_unsent_
  // when it was linked) in WriteTimeout, else IdleTimeout. Without it a
  // client that never reads would hold what the handler holds for ever (a
  // file's open-file slot: 256 such clients would stall every FileServer
  // on the loop).
  TimeoutEntry stall_timeout_;
  size_t stall_unsent_ = 0;
  // turn_end_ is linked in the server's TurnEndList while this connection
  // has work for the end of the loop turn (OnTurnEnd).
  TurnEndEntry turn_end_;
  bool reading_ = false;
  // in_process_input_: ProcessInput is on the stack; a handler's callback
  // that finishes a response (or resumes a body) must not start another.
  bool in_process_input_ = false;
  // head_taken_: the current request's head went into rs_->req already
  // (to ask StreamsRequestBody), so ServeRequest must not take it again.
  bool head_taken_ = false;
  // body_streaming_: the current request's body goes to its handler as it
  // is parsed (the parser's body sink is set) and has not ended. body_ is
  // the handler's stream, null once the handler closed it or its response
  // finished (then the rest is dropped); continue_pending_: the request
  // expects 100-continue, which goes out on the handler's first Read.
  bool body_streaming_ = false;
  bool continue_pending_ = false;
  // read_broken_: a streamed body's framing failed, or its trailer said
  // Connection: close; nothing more can be parsed, and the connection
  // closes after the response.
  bool read_broken_ = false;
  int64_t discarded_ = 0;  // body bytes dropped in kDiscardingBody
  std::shared_ptr<StreamBody> body_;
  // read_eof_: the peer half-closed while a response was pending; the
  // connection closes once that response is out. A fact about the read
  // side, orthogonal to State: it can come in kHandling, kHeld and
  // kWriteBlocked alike, and as states it would double those three.
  bool read_eof_ = false;
  std::string remote_addr_;
  // rs_ is taken from the server's pool when a request's first bytes
  // arrive, and given back once the connection is idle again, or closed
  // (RecycleRequestState). A closing connection keeps its own until its
  // close callback, except that a held response takes it over (Close): its
  // handler may still read the Request. A parser cut off mid-message is not
  // reusable, so such a state is freed.
  std::unique_ptr<RequestState> rs_;
  std::shared_ptr<ServerResponse> resp_;
  // Tls is what a TLS connection adds: the session, the ciphertext not yet
  // handed to the socket (Flush encrypts rs_->out into it), and the
  // ConnectionState its requests share once the handshake is done. One
  // pointer on a plain connection.
  struct Tls {
    explicit Tls(std::shared_ptr<TlsContext> ctx) : session(std::move(ctx)) {}
    TlsSession session;
    std::string out;
    std::shared_ptr<const ConnectionState> state;
  };
  std::unique_ptr<Tls> tls_;
  // hijacked_ is the stream a Hijack made, until FinishHijack starts it.
  std::shared_ptr<HijackedStream> hijacked_;
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_CONN_H_
