// Conn: the server's per-connection state machine on libuv (Go: conn.serve
// in server.go). Bytes come from the loop-wide read buffer, go through
// Http1Parser, and the responses of a batch of pipelined requests leave in
// one write. The handler side of a response is ServerResponse.
#include "internal/conn.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <climits>
#include <exception>
#include <utility>

#include "internal/hijacked_conn.h"
#include "internal/log.h"
#include "internal/transfer.h"
#include "internal/url_parse.h"
#include "internal/sock_addr.h"
#include "internal/uv_handle.h"
#include "nethttp/pool_allocator.h"
#include "nethttp/status.h"

namespace nethttp {
namespace {

// kLingerMs is how long a closing connection keeps reading (and discarding)
// after its last response, so that unread request bytes do not turn our
// close into a RST that destroys the response in flight. Go: closeWriteAndWait
// with rstAvoidanceDelay = 500ms.
constexpr uint64_t kLingerMs = 500;

// kMaxWriteBacklog bounds the response bytes queued in libuv for one
// connection before we stop reading its requests (pipelining backpressure).
constexpr size_t kMaxWriteBacklog = 1 << 20;

// kMaxPostHandlerReadBytes: how much of a streamed request body is read
// and dropped after its handler answered without reading it all, to keep
// the connection (Go: maxPostHandlerReadBytes). Past it the connection
// closes after the response instead.
constexpr int64_t kMaxPostHandlerReadBytes = 256 << 10;

// kStreamFlushBytes: a streaming handler's output is written once this much
// has built up, as much as one read takes in.
constexpr size_t kStreamFlushBytes = kReadBufferBytes;

// kRetainedBufferBytes: an idle connection keeps at most this much buffer
// capacity, so ten thousand idle connections cost little memory.
constexpr size_t kRetainedBufferBytes = 4096;

// ReleaseIfLarge frees s's storage when it holds more than
// kRetainedBufferBytes: clear() keeps the capacity, and swapping with an
// empty string is how a std::string gives it back.
void ReleaseIfLarge(std::string& s) {
  if (s.capacity() > kRetainedBufferBytes) std::string().swap(s);
}

const char* StateName(Conn::State s) {
  switch (s) {
    case Conn::State::kNew: return "new";
    case Conn::State::kIdle: return "idle";
    case Conn::State::kReadingHead: return "reading-head";
    case Conn::State::kReadingBody: return "reading-body";
    case Conn::State::kHandling: return "handling";
    case Conn::State::kHeld: return "held";
    case Conn::State::kDiscardingBody: return "discarding-body";
    case Conn::State::kWriteBlocked: return "write-blocked";
    case Conn::State::kLingering: return "lingering";
    case Conn::State::kClosing: return "closing";
    case Conn::State::kHijacked: return "hijacked";
  }
  return "?";
}

ConnState PublicState(Conn::State s) {
  switch (s) {
    case Conn::State::kNew: return ConnState::kNew;
    case Conn::State::kIdle: return ConnState::kIdle;
    case Conn::State::kClosing: return ConnState::kClosed;
    case Conn::State::kHijacked: return ConnState::kHijacked;
    default: return ConnState::kActive;
  }
}

// LegalTransition is the state diagram; SetState asserts it.
[[maybe_unused]] bool LegalTransition(Conn::State from, Conn::State to) {
  using S = Conn::State;
  if (from == S::kHijacked) return false;  // (the stream has the socket)
  if (to == S::kHijacked) return from == S::kHandling || from == S::kHeld;
  if (to == S::kClosing) return from != S::kClosing;
  if (to == S::kLingering) return from != S::kClosing && from != S::kLingering;
  switch (from) {
    case S::kNew:
    case S::kIdle: return to == S::kReadingHead || to == S::kHandling;  // (a request read whole)
    case S::kReadingHead: return to == S::kReadingBody || to == S::kHandling;
    case S::kReadingBody: return to == S::kHandling;
    case S::kHandling:
      return to == S::kIdle || to == S::kHeld || to == S::kWriteBlocked || to == S::kDiscardingBody;
    case S::kHeld: return to == S::kIdle || to == S::kWriteBlocked || to == S::kDiscardingBody;
    case S::kDiscardingBody: return to == S::kIdle || to == S::kWriteBlocked;
    case S::kWriteBlocked: return to == S::kIdle;
    default: return false;
  }
}

uint64_t Ms(Server::Duration d) { return d.count() > 0 ? static_cast<uint64_t>(d.count()) : 0; }

}  // namespace

struct Conn::WriteReq {
  uv_write_t req;
  std::string data;
};

Conn::Conn(ServerLoop* server) : server_(server) {
  tcp_.data = this;
  timeout_.owner = this;
  request_timeout_.owner = this;
  stall_timeout_.owner = this;
  turn_end_.owner = this;
}

Conn::~Conn() {
  assert(!timeout_.linked() && !request_timeout_.linked() && !stall_timeout_.linked() && !turn_end_.linked());
}

void Conn::Accept(ServerLoop* server, int fd, const sockaddr_storage& peer) {
  auto* c = new Conn(server);
  uv_tcp_init(server->loop(), &c->tcp_);
  if (int rc = uv_tcp_open(&c->tcp_, fd); rc != 0) {
    Log().warn("http: accept: {}", uv_strerror(rc));
    close(fd);  // (not the handle's: the open failed)
    c->state_ = State::kClosing;
    c->server_ = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp_), OnClose);
    return;
  }
  // Go sets TCP_NODELAY on accepted connections: responses are written
  // whole, so Nagle would only add latency. Linux hands it down from the
  // listening socket (listen_socket.cc sets it there), which spares a
  // setsockopt per connection; elsewhere it is set here. The inheritance
  // is pinned by conn_test "accepted sockets have TCP_NODELAY ...".
#ifndef __linux__
  uv_tcp_nodelay(&c->tcp_, 1);
#endif
  c->remote_addr_ = FormatSockaddr(peer);
  if (server->tls_context() != nullptr) c->tls_ = std::make_unique<Tls>(server->tls_context());
  server->OnConnOpened(c);
  Server& srv = server->server();
  if (srv.conn_state) srv.conn_state(c->remote_addr_, ConnState::kNew);
  c->ArmTimeouts(State::kNew, State::kNew);
  c->StartReading();
}

void Conn::SetState(State next) {
  assert(LegalTransition(state_, next));
  if (Log().should_log(spdlog::level::trace)) {
    Log().trace("conn {}: {} -> {}", remote_addr_, StateName(state_), StateName(next));
  }
  State prev = state_;
  state_ = next;
  ArmTimeouts(prev, next);
  if (server_ == nullptr) return;
  Server& srv = server_->server();
  ConnState before = PublicState(prev), after = PublicState(next);
  if (before != after && srv.conn_state) srv.conn_state(remote_addr_, after);
}

// ArmTimeouts gives each state its deadline, as Go's conn.serve sets the
// socket's deadlines: the head must arrive within ReadHeaderTimeout and the
// whole request within ReadTimeout, both counted from the request's first
// byte (from the accept for the first request); the response then has
// WriteTimeout; a kept-alive connection waits IdleTimeout for the next
// request. A zero knob falls back as Go's does (ReadHeaderTimeout and
// IdleTimeout to ReadTimeout), and zero after that means no deadline.
void Conn::ArmTimeouts(State prev, State next) {
  using Timeout = ServerLoop::Timeout;
  if (next != State::kHeld) stall_timeout_.Unlink();  // (only a held response waits in OnWritable)
  if (server_ == nullptr || next == State::kClosing || next == State::kHijacked) {
    timeout_.Unlink();
    request_timeout_.Unlink();
    return;
  }
  const Server& srv = server_->server();
  // Link puts the state's deadline ms from now in kind's list (none for 0).
  auto link = [this](TimeoutEntry* e, Timeout kind, uint64_t ms) {
    if (ms == 0) {
      e->Unlink();
    } else {
      server_->Timeouts(kind).Link(e, ms);
    }
  };
  switch (next) {
    case State::kNew:  // (from Accept)
    case State::kReadingHead:
      // The first request's deadlines run from the accept; later ones from
      // their first byte (Go resets the deadline after peeking a byte).
      if (prev == State::kNew && next == State::kReadingHead) break;
      link(&timeout_, Timeout::kHeader, Ms(srv.read_header_timeout));
      link(&request_timeout_, Timeout::kRequest, Ms(srv.read_timeout));
      break;
    case State::kReadingBody:
      timeout_.Unlink();  // the head is in; ReadTimeout still runs
      break;
    case State::kHandling:
      timeout_.Unlink();
      // A streamed body is still being read: ReadTimeout runs on, over
      // the handler's reading, as it does over a Go handler's reads of
      // r.Body, until the body's end (EndStreamedBody).
      if (!body_streaming_) request_timeout_.Unlink();
      break;
    case State::kIdle:
      link(&timeout_, Timeout::kIdle,
           Ms(srv.idle_timeout > Server::Duration(0) ? srv.idle_timeout : srv.read_timeout));
      break;
    case State::kHeld: link(&timeout_, Timeout::kHeld, Ms(srv.write_timeout)); break;
    case State::kDiscardingBody:
      // As between requests: a client that stops mid-body is not waited for.
      link(&timeout_, Timeout::kIdle,
           Ms(srv.idle_timeout > Server::Duration(0) ? srv.idle_timeout : srv.read_timeout));
      break;
    case State::kWriteBlocked:
      link(&timeout_, Timeout::kWriteBlocked, StallMs());
      break;
    case State::kLingering:
      request_timeout_.Unlink();  // (a request refused before its end)
      link(&timeout_, Timeout::kLinger, kLingerMs);
      break;
    case State::kClosing:
    case State::kHijacked: break;  // (above)
  }
}

void Conn::OnTimeout(TimeoutEntry* e) {
  Conn* c = static_cast<Conn*>(e->owner);
  if (e == &c->stall_timeout_) {
    // As nginx's send_timeout, any progress counts: a slow client that
    // took some of the bytes gets another period.
    size_t unsent = c->Unsent();
    if (unsent < c->stall_unsent_) {
      c->stall_unsent_ = unsent;
      c->server_->Timeouts(ServerLoop::Timeout::kWriteBlocked).Link(e, c->StallMs());
      return;
    }
    Log().debug("conn {}: the client took nothing of a held response for {} ms", c->remote_addr_, c->StallMs());
  }
  // Every deadline ends the connection. Go answers nothing on a read
  // timeout either: the peer sees the close.
  if (c->state_ != State::kLingering) {
    Log().debug("conn {}: timeout in state {}", c->remote_addr_, StateName(c->state_));
  }
  c->Close();
}

void Conn::StartReading() {
  if (reading_ || state_ == State::kClosing) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), OnAlloc, OnRead) == 0) reading_ = true;
}

void Conn::StopReading() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
}

void Conn::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  Conn* c = OwnerOf<Conn>(h);
  if (c->server_ == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  *buf = c->server_->ReadBuffer();
}

void Conn::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  OwnerOf<Conn>(s)->HandleRead(nread, buf);
}

void Conn::HandleRead(ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0) return;
  if (nread < 0) {
    if (nread != UV_EOF) Log().debug("conn {}: read: {}", remote_addr_, uv_strerror(static_cast<int>(nread)));
    HandleEof();
    return;
  }
  std::string_view data(buf->base, static_cast<size_t>(nread));
  // Lingering, the bytes are discarded: we only wait for the peer to finish.
  if (state_ == State::kLingering || state_ == State::kClosing) return;
  if (tls_ != nullptr && !Decrypt(&data)) return;
  // A streamed request body's bytes are parsed as they come, for the
  // handler, while its reader keeps up (ProcessInput keeps the rest).
  if (!Parsing() && !body_streaming_) {
    // A held response's connection reads on, to notice the client
    // leaving, until the first byte of another request: then it stops,
    // as Go's background read does, so that the client's later EOF is
    // not taken for leaving before its pipelined requests are served.
    // In the other states reading is stopped, but libuv may deliver
    // what it had already read. Either way the bytes wait. (A request is
    // on the connection in these states, so rs_ is there.)
    rs_->in.append(data);
    StopReading();
    if (tls_ != nullptr && tls_->session.state() == TlsSession::State::kPeerClosed) HandleEof();
    return;
  }
  if (!rs_ || rs_->in.empty()) {
    ProcessInput(data, /*from_in=*/false);
  } else {
    rs_->in.append(data);
    ProcessInput(rs_->in, /*from_in=*/true);
  }
  // The peer's close_notify came with its last request: that is its EOF.
  if (tls_ != nullptr && tls_->session.state() == TlsSession::State::kPeerClosed) HandleEof();
}

bool Conn::Decrypt(std::string_view* data) {
  if (server_ == nullptr) return false;
  std::string& plain = server_->TlsPlaintext();
  plain.clear();
  TlsSession& session = tls_->session;
  TlsSession::State st = session.Receive(*data, &plain, &tls_->out);
  if (st == TlsSession::State::kFailed) {
    TlsFailed();
    return false;
  }
  if (tls_->state == nullptr && st != TlsSession::State::kHandshaking) {
    tls_->state = std::make_shared<const ConnectionState>(session.ConnectionStateNow());
  }
  // Handshake messages and tickets go out now; a read that completes the
  // handshake and carries the first request answers both in one write.
  if (plain.empty()) {
    Flush();
    if (st == TlsSession::State::kPeerClosed) HandleEof();
    return false;
  }
  *data = plain;
  return true;
}

bool Conn::Encrypt() {
  if (!rs_ || rs_->out.empty()) return true;
  if (!tls_->session.Send(rs_->out, &tls_->out)) {
    Log().debug("conn {}: {}", remote_addr_, tls_->session.error().message());
    Close();
    return false;
  }
  rs_->out.clear();
  ReleaseIfLarge(rs_->out);
  return true;
}

void Conn::AppendCloseNotify() {
  if (tls_ == nullptr || !Encrypt()) return;
  tls_->session.Close(&tls_->out);
}

void Conn::TlsFailed() {
  const TlsSession& session = tls_->session;
  Log().debug("http: TLS handshake error from {}: {}", remote_addr_, session.error().message());
  if (session.looks_like_http()) {
    // Go's conn.serve: a plaintext request gets a plaintext answer, whose
    // status line Go writes as HTTP/1.0, and the close.
    tls_->out.assign("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
  }
  // Nothing more is encrypted: what OpenSSL queued (an alert) or the answer
  // above leaves, then our FIN.
  if (rs_) {
    rs_->in.clear();
    rs_->out.clear();
  }
  StartLingering();
}

void Conn::HandleEof() {
  StopReading();
  // A peer that leaves mid-handshake is logged as Go logs it ("EOF").
  if (tls_ != nullptr && tls_->session.state() == TlsSession::State::kHandshaking) {
    Log().debug("http: TLS handshake error from {}: {}", remote_addr_, tls_->session.ReceiveEof().message());
  }
  switch (state_) {
    case State::kHandling:
    case State::kHeld:
    case State::kWriteBlocked:
      // The peer half-closed after its request: answer, then close. A
      // held handler hears of it (Go cancels the request's context on the
      // background read's EOF alike), and may stop working for nobody.
      read_eof_ = true;
      if (body_streaming_) {
        // The body is cut short: its reader gets the error (or, if the
        // whole body was in, its end: the parser completes it).
        rs_->parser.Finish();
        EndStreamedBody(rs_->parser.error() ? rs_->parser.error()
                                            : Error(ErrorCode::kUnexpectedEof, "http: unexpected EOF reading body"));
        if (state_ == State::kClosing || resp_ == nullptr) return;
      }
      if (resp_ != nullptr && state_ == State::kHeld) {
        std::shared_ptr<ServerResponse> resp = resp_;
        resp->ClientGone();
      }
      return;
    default:
      // Between requests, in a partial request (Go closes silently), or
      // done lingering.
      Close();
  }
}

void Conn::ProcessInput(std::string_view data, bool from_in) {
  if (!rs_) {
    if (server_ == nullptr) {  // the server is gone: nothing will be served
      Close();
      return;
    }
    rs_ = server_->TakeRequestState();
  }
  // A handler called from here (or from a streamed body's callbacks) may
  // finish its response or resume its body: those must not parse more of
  // data behind this loop's back (ResumeInput, UpdateReading).
  struct InProcessInput {
    explicit InProcessInput(bool* flag) : flag_(flag) { *flag_ = true; }
    ~InProcessInput() { *flag_ = false; }
    bool* flag_;
  } in_process(&in_process_input_);
  // keep: a streamed body's reader may close this connection from inside
  // Feed, which hands rs_ to the unfinished response (Close); holding the
  // response keeps parser and in alive until Feed has returned.
  std::shared_ptr<ServerResponse> keep;
  Http1Parser& parser = rs_->parser;
  std::string& in = rs_->in;
  size_t consumed = 0;
  while (consumed < data.size() && Parsing()) {
    if (body_streaming_) keep = resp_;
    Http1Parser::FeedResult r = parser.Feed(data.substr(consumed));
    consumed += r.consumed;
    if (state_ == State::kClosing) return;  // (by a streamed body's reader)
    if (r.status == Http1Parser::Status::kError) {
      if (body_streaming_) {
        // The body's framing broke under a handler that has the request:
        // its reader gets the error and the handler answers; nothing more
        // can be parsed, so the connection closes after that.
        StopReading();
        consumed = data.size();
        EndStreamedBody(parser.error());
        if (state_ == State::kClosing) return;
        break;
      }
      FailRequest(parser.error());
      break;
    }
    // A request that came whole in this read goes straight to kHandling:
    // its head and read deadlines would be armed only to be disarmed.
    if ((state_ == State::kNew || state_ == State::kIdle) && r.status == Http1Parser::Status::kNeedMore) {
      SetState(State::kReadingHead);
    }
    if (r.status == Http1Parser::Status::kHeadComplete) {
      if (!StartBody()) break;
      if (state_ == State::kClosing) return;
      continue;
    }
    if (state_ == State::kDiscardingBody && discarded_ > kMaxPostHandlerReadBytes) {
      StartLingering();  // more unread body than is worth reading: close
      break;
    }
    if (r.status == Http1Parser::Status::kMessageComplete) {
      if (body_streaming_) {
        EndStreamedBody(Error());
      } else {
        ServeRequest();
      }
      // Closed meanwhile (a write failed), its request state may have
      // gone to a held response: parser and in are not ours to touch.
      if (state_ == State::kClosing) return;
      // Hijacked, what follows the request is the stream's.
      if (state_ == State::kHijacked) {
        FinishHijack(data.substr(consumed));
        return;
      }
    }
  }
  if (from_in) {
    in.erase(0, consumed);
  } else if (consumed < data.size() && state_ != State::kClosing && state_ != State::kLingering) {
    in.assign(data.substr(consumed));
  }
  if (in.empty()) ReleaseIfLarge(in);
  if (state_ == State::kHeld && !in.empty()) StopReading();  // (see HandleRead)
  Flush();
  MaybeReleaseRequestState();
}

bool Conn::Parsing() const {
  switch (state_) {
    case State::kNew:
    case State::kIdle:
    case State::kReadingHead:
    case State::kReadingBody:
    case State::kDiscardingBody:
      return true;
    case State::kHandling:
    case State::kHeld:
      return body_streaming_ && body_ != nullptr && body_->WantsMore();
    default:
      return false;
  }
}

bool Conn::StartBody() {
  // (A body that came whole with its head never stops the parser: the
  // small requests of a kept-alive connection do not pay for the route
  // lookup that asking the handler costs.)
  Http1Parser& parser = rs_->parser;
  const MessageHead& h = parser.head();
  if (!BuildRequest()) return false;
  bool streams = server_ != nullptr && server_->handler().StreamsRequestBody(rs_->req);
  if (!parser.AcceptBody(streams)) {
    FailRequest(parser.error());
    return false;
  }
  if (!streams) {
    if (state_ == State::kNew || state_ == State::kIdle) SetState(State::kReadingHead);
    SetState(State::kReadingBody);
    // 100-continue: the client waits for our word before sending the
    // body; for a body read before the handler runs we give it as soon
    // as the head is accepted (RFC 9110 §10.1.1). A streaming handler
    // gets it sent on its first Read instead, as Go does.
    if (h.expect_continue) rs_->out.append(kContinueResponse);
    return true;
  }
  // ReadTimeout covers the body: a request that came with its head in
  // one read still passes through kReadingHead, which arms it.
  if (state_ == State::kNew || state_ == State::kIdle) SetState(State::kReadingHead);
  body_ = std::allocate_shared<StreamBody>(PoolAllocator<StreamBody>(), this);
  body_streaming_ = true;
  continue_pending_ = h.expect_continue;
  discarded_ = 0;
  parser.set_body_sink([this](std::string_view s) { OnBodyBytes(s); });
  Request& r = rs_->req;
  r.body.clear();
  r.trailer.clear();
  r.body_stream = body_;
  RunHandler(/*body_pending=*/true);
  return true;
}

void Conn::OnBodyBytes(std::string_view s) {
  if (body_ != nullptr) {
    body_->Deliver(s);
  } else {
    discarded_ += static_cast<int64_t>(s.size());
  }
}

void Conn::EndStreamedBody(Error err) {
  body_streaming_ = false;
  rs_->parser.set_body_sink(nullptr);
  std::shared_ptr<StreamBody> body = std::move(body_);
  Request& r = rs_->req;
  if (err) {
    read_broken_ = true;
  } else {
    request_timeout_.Unlink();  // the whole request is in
    std::swap(r.trailer, rs_->parser.head().trailer);
    // A trailer's Connection: close ends the connection too (see
    // Http1Parser::OnMessageComplete), which the head could not say.
    if (!rs_->parser.head().keep_alive) {
      r.close = true;
      read_broken_ = true;
    }
  }
  if (state_ == State::kDiscardingBody) {
    if (read_broken_) {
      StartLingering();
    } else {
      NextRequest();
    }
    return;
  }
  // The reader's on_end, which may finish the response.
  if (body != nullptr) body->End(std::move(err), r.trailer);
}

void Conn::SendContinue() {
  // Go sends 100 Continue on the first read of the body, unless the
  // response head is out already: the client has its answer, and then
  // the connection is not kept (AfterResponse), since whether the body
  // is coming is anybody's guess.
  if (resp_ != nullptr && resp_->head_written()) return;
  continue_pending_ = false;
  rs_->out.append(kContinueResponse);
  Flush();
}

void Conn::UpdateReading() {
  if (!body_streaming_ || body_ == nullptr || state_ == State::kClosing) return;
  if (continue_pending_ && body_->read_started()) SendContinue();
  if (Parsing()) {
    StartReading();
    // Bytes that waited while the reader was paused are parsed at the end
    // of this turn, not inside the reader's own call.
    if (!in_process_input_ && rs_ && !rs_->in.empty() && server_ != nullptr) {
      server_->TurnEnd().Link(&turn_end_);
    }
  } else if (state_ == State::kHeld) {
    StopReading();
  }
}

void Conn::BodyAbandoned() {
  // Go: a body the handler closed before its end is not read further, and
  // the connection closes after the response.
  body_.reset();
  if (state_ == State::kHeld) StopReading();
}

bool Conn::UnreadBodyForcesClose() {
  if (read_broken_) return true;  // (the body may be over: a trailer said close)
  if (!body_streaming_) return false;
  if (body_ == nullptr || continue_pending_) return true;
  if (body_->read_started()) return false;  // the handler is reading: full duplex
  // Unread, and more of it to come than is worth dropping after.
  const Http1Parser& parser = rs_->parser;
  int64_t length = parser.head().content_length;
  return length >= 0 && length - parser.body_bytes() >= kMaxPostHandlerReadBytes;  // (Go: >=)
}

void Conn::MaybeReleaseRequestState() {
  if (rs_ && rs_->in.empty() && rs_->out.empty() &&
      (state_ == State::kIdle || state_ == State::kNew) &&
      server_ != nullptr && server_->WantsIdleStatesBack()) {
    server_->ReturnRequestState(std::move(rs_));
  }
}

bool Conn::BuildRequest() {
  MessageHead& h = rs_->parser.head();
  Request& r = rs_->req;
  head_taken_ = true;
  // Copied, not moved: the parser's next message and the next Request each
  // keep their own buffers, so a kept-alive connection stops allocating
  // for them (a swap would too, but costs more than the copy of a short
  // string).
  r.method.assign(h.method);
  r.request_uri.assign(h.target);
  if (ParseRequestURIInto(r.request_uri, &r.url)) {
    FailRequest(Error(ErrorCode::kBadRequest, "http: malformed request URI"));
    return false;
  }
  r.proto_major = h.proto_major;
  r.proto_minor = h.proto_minor;
  r.proto = h.proto_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
  std::swap(r.header, h.header);
  r.content_length = h.content_length;
  r.close = !h.keep_alive;
  // Go: the Host header, or the authority of an absolute-form target.
  r.host = r.url.host.empty() ? std::string(r.header.Get("Host")) : r.url.host;
  r.remote_addr = remote_addr_;
  r.body_stream = nullptr;
  // A kept-alive connection reuses its Request: the last one's parsed form
  // must not show through.
  r.form.reset();
  r.post_form.reset();
  r.multipart_form.reset();
  if (tls_ != nullptr) r.tls = tls_->state;
  return true;
}

void Conn::ServeRequest() {
  if (!head_taken_ && !BuildRequest()) return;
  Request& r = rs_->req;
  std::swap(r.trailer, rs_->parser.head().trailer);
  r.body = std::move(rs_->parser.body());  // moved: a large body must not stay with the parser
  RunHandler(/*body_pending=*/false);
}

void Conn::RunHandler(bool body_pending) {
  Request& r = rs_->req;
  head_taken_ = false;
  SetState(State::kHandling);
  ServerResponse::RequestInfo info;
  info.head_request = r.method == "HEAD";
  info.proto_minor = r.proto_minor;
  info.wants_close = r.close;
  info.body_pending = body_pending;
  info.loop = server_->event_loop();
  if (rs_->spare_response) {
    resp_ = std::move(rs_->spare_response);
    resp_->Reuse(this, info);
  } else {
    resp_ = std::allocate_shared<ServerResponse>(PoolAllocator<ServerResponse>(), this, info);
  }
  {
    // The handler's ResponseWriter& must outlive any Close() its own
    // writes cause (a write error closes the conn, which drops resp_).
    std::shared_ptr<ServerResponse> resp = resp_;
    try {
      // Go's serverHandler: "OPTIONS *" asks about the server, not a
      // resource, so the server answers it before any handler (200, empty).
      if (r.request_uri == "*" && r.method == "OPTIONS") {
        resp->Header().Set("Content-Length", "0");
        resp->WriteHeader(StatusOK);
      } else {
        server_->handler().ServeHTTP(*resp, r);
      }
    } catch (const std::exception& e) {
      Log().error("http: panic serving {}: {}", remote_addr_, e.what());
      if (resp_) resp->Recover();
    } catch (...) {
      Log().error("http: panic serving {}: unknown exception", remote_addr_);
      if (resp_) resp->Recover();
    }
  }
  if (state_ != State::kHandling) return;  // closed by the handler's side
  if (!resp_->CompleteUnlessHeld()) {
    // Reading goes on, so that a client that leaves while its response
    // is held is noticed (CloseNotify), unless another request is already
    // here (ProcessInput stops it then). What the handler wrote before
    // returning leaves at the end of this turn.
    SetState(State::kHeld);
    if (server_ != nullptr) server_->TurnEnd().Link(&turn_end_);
    // An OnWritable wait begun inside ServeHTTP (a coroutine's first
    // Drain) gets its stall deadline now that the response is held.
    if (resp_->wants_writable()) WantWritable();
    return;
  }
  AfterResponse();
}

void Conn::AfterResponse() {
  // During Shutdown a response whose head went out before it began still
  // ends the connection: closing after a complete response is always legal.
  bool close = resp_->close_after() || read_eof_ || read_broken_ || !KeepAlivesAllowed();
  resp_->Detach();
  // The next request reuses it, unless a handler that held it still does.
  if (resp_.use_count() == 1) {
    rs_->spare_response = std::move(resp_);
  } else {
    resp_.reset();
  }
  // An idle connection holds no request body: ten thousand of them after a
  // large upload each must not keep its buffer.
  ReleaseIfLarge(rs_->req.body);
  // Go's finishRequest removes the form's temporary files here; dropping
  // the form does (a handler may keep them by keeping the pointer).
  rs_->req.multipart_form.reset();
  if (body_streaming_) {
    // The response is done before its streamed body. As after a Go
    // handler returns, the body is closed to the handler; what is left of
    // it is read and dropped to keep the connection (kDiscardingBody),
    // unless the handler closed it, or never asked for the 100-continue
    // the client may still be waiting for: then we close.
    if (body_ == nullptr || continue_pending_) close = true;
    if (std::shared_ptr<StreamBody> body = std::move(body_)) {
      body->Abort(Error(ErrorCode::kCanceled, "http: request body read after the response finished"));
      if (state_ == State::kClosing) return;
    }
    if (!close) {
      discarded_ = 0;
      SetState(State::kDiscardingBody);
      StartReading();
      return;
    }
  }
  if (close) {
    AppendCloseNotify();
    Flush(/*fin_follows=*/true);
    if (state_ == State::kClosing) return;  // (a write error)
    if (PeerIsDone() && OutputInKernel()) {
      // The response is in the kernel: the shutdown sends it with our FIN.
      // Closing alone would too, unless the peer sent bytes we have not
      // read: then the close is a RST, and the held response is lost.
      ShutdownWrite();
      Close();
    } else {
      StartLingering();
    }
    return;
  }
  NextRequest();
}

void Conn::NextRequest() {
  rs_->parser.NextMessage();
  if (WriteBacklogged()) {
    Flush();
    SetState(State::kWriteBlocked);
    StopReading();
    return;
  }
  SetState(State::kIdle);
}

// PeerIsDone: the peer sends nothing more on this connection, so closing it
// at once cannot turn into a RST that destroys the response in flight (the
// reason for StartLingering's lingering close). It is so when the peer
// half-closed, or when its request was to be its last (Connection: close,
// or HTTP/1.0 without keep-alive: RFC 9112 §9.6, a client that sends close
// MUST NOT send further requests) and no byte of another one is here. Go
// closes at once in these cases too: conn.serve lingers
// (closeWriteAndWait) only for a request body left unread. Pinned by
// conn_test "a request that says Connection: close ...".
bool Conn::PeerIsDone() const {
  if (read_eof_) return true;
  // (A body not read to its end may still be coming, whatever it said.)
  if (!rs_->in.empty() || body_streaming_) return false;
  const Request& r = rs_->req;
  return RequestIsLast(r.proto_major, r.proto_minor, r.header.Get("Connection"));
}

void Conn::ResponseFinished() {
  if (state_ != State::kHeld) return;  // finished inside ServeHTTP: handled there
  AfterResponse();
  if (state_ == State::kIdle || state_ == State::kDiscardingBody) {
    ResumeInput();
  } else {
    Flush();
  }
}

void Conn::ResumeInput() {
  StartReading();
  if (in_process_input_) return;  // the loop on the stack goes on with the bytes
  if (rs_ && !rs_->in.empty()) {
    ProcessInput(rs_->in, /*from_in=*/true);
  } else {
    Flush();
    MaybeReleaseRequestState();
  }
}

void Conn::FailRequest(const Error& err) {
  Log().debug("conn {}: {} ({})", remote_addr_, err.message(), ServerStatusForError(err));
  // Go's conn.serve answers a bad request with a short plain-text response
  // and closes.
  AppendErrorResponse(&rs_->out, err);
  rs_->in.clear();
  StartLingering();
}

void Conn::StartLingering() {
  AppendCloseNotify();
  Flush(/*fin_follows=*/true);
  SetState(State::kLingering);
  // Our FIN goes out after the last response; then we read and discard
  // until the peer closes or the linger timeout fires.
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  if (OutputInKernel()) {
    // The usual case (Flush wrote it all directly): shut the write side
    // now. uv_shutdown would first wait for the socket to be writable: one
    // more epoll_ctl and one more loop turn for every connection that closes.
    if (!ShutdownWrite()) {
      Close();
      return;
    }
  } else {
    auto* req = new uv_shutdown_t;  // freed by OnShutdown, which libuv always calls
    req->data = this;
    if (uv_shutdown(req, stream, OnShutdown) != 0) {
      delete req;
      Close();
      return;
    }
  }
  StartReading();
}

bool Conn::ShutdownWrite() {
  uv_os_fd_t fd;
  return uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) == 0 && shutdown(fd, SHUT_WR) == 0;
}

void Conn::OnShutdown(uv_shutdown_t* req, int status) {
  Conn* c = OwnerOf<Conn>(req);
  delete req;
  // UV_ECANCELED: the conn is closing (libuv cancels before the close callback).
  if (status < 0 && c->state_ != State::kClosing) c->Close();
}

#ifdef MSG_MORE
constexpr int kHoldForFin = MSG_MORE;
#else
constexpr int kHoldForFin = 0;  // the FIN then leaves on its own
#endif

// TrySendBeforeFin is uv_try_write for the last bytes before our FIN. Sent
// with MSG_MORE, they wait in the kernel for the shutdown that follows at
// once and leave with the FIN in one segment. Sent plainly, the FIN is a
// segment of its own, which the peer wakes up for and ACKs: two more
// segments on every connection that closes (tools/bench's close shape: 10
// -> 8 segments and 43 -> 34 us of pingd's CPU per connection). Bytes the
// kernel does not take go through uv_write as usual, and that write,
// without MSG_MORE, pushes the held ones out.
int Conn::TrySendBeforeFin(std::string_view bytes) {
  uv_os_fd_t fd;
  if (!OutputInKernel() || uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) != 0) {
    return UV_EAGAIN;  // queue behind what libuv holds
  }
  ssize_t n;
  do {
    n = send(fd, bytes.data(), std::min<size_t>(bytes.size(), INT_MAX),
             kHoldForFin | MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return static_cast<int>(n);
  return errno == EAGAIN || errno == EWOULDBLOCK ? UV_EAGAIN : uv_translate_sys_error(errno);
}

bool Conn::WriteBacklogged() const { return tcp_.write_queue_size > kMaxWriteBacklog; }

bool Conn::OutputInKernel() const { return tcp_.write_queue_size == 0; }

void Conn::OutputGrew() {
  // A streaming handler's output goes out as it grows, not all at the end.
  if (rs_->out.size() >= kStreamFlushBytes) Flush();
  // A held response is written from the handler's callbacks, a piece at a
  // time: the pieces of one loop turn leave together at its end.
  if (state_ == State::kHeld && server_ != nullptr) server_->TurnEnd().Link(&turn_end_);
}

size_t Conn::Unsent() {
  size_t n = tcp_.write_queue_size;
  if (rs_) n += rs_->out.size();
  if (tls_ != nullptr) n += tls_->out.size();
  return n;
}

void Conn::WantWritable() {
  // Checked at the end of the turn, and again whenever a write completes.
  if (state_ == State::kClosing || server_ == nullptr) return;
  server_->TurnEnd().Link(&turn_end_);
  if (state_ == State::kHeld && !stall_timeout_.linked()) {
    if (uint64_t ms = StallMs(); ms > 0) {
      stall_unsent_ = Unsent();
      server_->Timeouts(ServerLoop::Timeout::kWriteBlocked).Link(&stall_timeout_, ms);
    }
  }
}

// StallMs is how long a client may take nothing, in kWriteBlocked and in
// a held response's OnWritable wait: WriteTimeout else IdleTimeout (zero:
// no deadline, as in Go, whose blocked Write waits as long as WriteTimeout
// lets it).
uint64_t Conn::StallMs() const {
  const Server& srv = server_->server();
  return Ms(srv.write_timeout > Server::Duration(0) ? srv.write_timeout : srv.idle_timeout);
}

void Conn::OnTurnEnd(TurnEndEntry* e) { static_cast<Conn*>(e->owner)->AtTurnEnd(); }

void Conn::AtTurnEnd() {
  if (state_ == State::kClosing) return;
  // A streamed body's reader resumed (UpdateReading): what waited is parsed.
  if (body_streaming_ && rs_ && !rs_->in.empty() && Parsing()) {
    ProcessInput(rs_->in, /*from_in=*/true);
    if (state_ == State::kClosing) return;
  }
  if (resp_ == nullptr) return;
  std::shared_ptr<ServerResponse> resp = resp_;  // (Drained may finish it)
  if (state_ == State::kHeld) resp->SendBuffered(/*even_empty=*/false);
  Flush();
  if (state_ != State::kClosing && resp->wants_writable() && Unsent() <= kWriteLowWater) {
    stall_timeout_.Unlink();
    resp->Drained();
  }
}

void Conn::Flush(bool fin_follows) {
  std::string* wire;
  if (tls_ == nullptr) {
    if (!rs_ || rs_->out.empty() || state_ == State::kClosing) return;
    wire = &rs_->out;
  } else {
    if (state_ == State::kClosing || !Encrypt() || tls_->out.empty()) return;
    wire = &tls_->out;
  }
  std::string& out = *wire;
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  uv_buf_t buf = uv_buf_init(out.data(), static_cast<unsigned>(out.size()));
  // Most responses fit the socket buffer: try a direct write first, and
  // queue only what the kernel did not take.
  int n = fin_follows ? TrySendBeforeFin(out) : uv_try_write(stream, &buf, 1);
  if (n == static_cast<int>(out.size())) {
    out.clear();
    ReleaseIfLarge(out);
    return;
  }
  if (n < 0 && n != UV_EAGAIN) {
    Log().debug("conn {}: write: {}", remote_addr_, uv_strerror(n));
    Close();
    return;
  }
  auto* w = new WriteReq;
  w->req.data = this;
  if (n > 0) {
    w->data.assign(out, static_cast<size_t>(n));
    out.clear();
  } else {
    w->data.swap(out);
  }
  buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  if (int rc = uv_write(&w->req, stream, &buf, 1, OnWrite); rc != 0) {
    delete w;
    Close();
  }
}

void Conn::OnWrite(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteReq*>(req);
  Conn* c = OwnerOf<Conn>(req);
  delete w;
  if (c->state_ == State::kHijacked) {
    // A response written before the Hijack has left, or failed: the
    // stream counts it as its own (its Close waits for it).
    OwnerOf<HijackedStream>(&c->tcp_)->WriteDone(status);
    return;
  }
  if (status < 0) {
    // UV_ECANCELED is expected while closing.
    if (c->state_ != State::kClosing) c->Close();
    return;
  }
  if (c->resp_ != nullptr && c->resp_->wants_writable() && c->Unsent() <= kWriteLowWater) {
    c->WantWritable();
  }
  if (c->state_ == State::kWriteBlocked && !c->WriteBacklogged()) {
    if (!c->KeepAlivesAllowed()) {
      c->StartLingering();  // shutting down: serve nothing more
      return;
    }
    c->SetState(State::kIdle);
    c->ResumeInput();
  }
}

std::string_view Conn::Date() { return server_ != nullptr ? server_->Date() : std::string_view(); }

bool Conn::KeepAlivesAllowed() { return server_ != nullptr && server_->KeepAlivesAllowed(); }

void Conn::CloseIfIdle() {
  if (state_ == State::kNew || state_ == State::kIdle) Close();
}

void Conn::Close() {
  if (state_ == State::kClosing || state_ == State::kHijacked) return;
  SetState(State::kClosing);
  turn_end_.Unlink();
  std::shared_ptr<ServerResponse> resp = std::move(resp_);
  if (resp && !resp->finished() && rs_) {
    // A handler that has not finished may still read its Request, now or
    // after a Hold it has yet to call: the response keeps the request's
    // state alive, and this connection forgets it.
    rs_->spare_response.reset();  // (no cycle through the pool's spare)
    resp->Retain(std::shared_ptr<RequestState>(std::move(rs_)));
  }
  StopReading();
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClose);
  std::shared_ptr<StreamBody> body = std::move(body_);
  if (body_streaming_) {
    body_streaming_ = false;
    // (The parser may have gone with rs_ to the response; either way no
    // byte is fed to it after the close.)
    if (rs_) rs_->parser.set_body_sink(nullptr);
  }
  // Last, with this connection closed to them: an unfinished response's
  // CloseNotify and OnWritable callbacks run, and so does a streamed
  // body's on_end, with the error; they may do anything.
  if (resp) resp->Detach();
  if (body) body->End(Error(ErrorCode::kUnexpectedEof, "http: connection closed before the request body ended"), Header());
}

Result<std::shared_ptr<HijackedConn>> Conn::Hijack() {
  if (state_ != State::kHandling && state_ != State::kHeld) {
    return Error(ErrorCode::kCanceled, "http: connection closed before the response was written");
  }
  if (body_streaming_ || read_broken_) {
    return Error(ErrorCode::kInvalidArgument, "http: Hijack while the request body is still arriving");
  }
  // The head the response wrote goes first; on the same handle, libuv
  // keeps it ahead of whatever the stream writes.
  Flush();
  if (state_ == State::kClosing) return Error(ErrorCode::kCanceled, "http: connection closed by a write error");
  StopReading();
  turn_end_.Unlink();
  SetState(State::kHijacked);  // (Server::conn_state hears kHijacked)
  if (server_ != nullptr) server_->OnConnHijacked(this);
  server_ = nullptr;
  hijacked_ = HijackedStream::Adopt(this, std::move(tls_), remote_addr_);
  std::shared_ptr<HijackedConn> conn = hijacked_;
  // Inside ProcessInput the bytes past the request are still in its hands
  // (it calls FinishHijack when the handler returns); elsewhere (a held
  // response) they wait in rs_->in.
  if (!in_process_input_) FinishHijack(rs_ ? std::string_view(rs_->in) : std::string_view());
  return conn;
}

void Conn::FinishHijack(std::string_view buffered) {
  std::shared_ptr<HijackedStream> stream = std::move(hijacked_);
  std::shared_ptr<ServerResponse> resp = std::move(resp_);
  std::string rest(buffered);  // (a view of rs_->in, which goes now)
  // The handler may still read its Request, as after a Close.
  if (resp != nullptr && rs_) {
    rs_->spare_response.reset();
    resp->Retain(std::shared_ptr<RequestState>(std::move(rs_)));
  }
  rs_.reset();
  if (resp != nullptr) resp->Detach();  // (finished: no callback runs)
  stream->Start(rest, read_eof_);
}

void Conn::OnClose(uv_handle_t* h) {
  Conn* c = OwnerOf<Conn>(h);
  if (c->server_ != nullptr) {
    c->RecycleRequestState();
    c->server_->OnConnClosed(c);
  }
  delete c;
}

// A connection per request (Connection: close, HTTP/1.0) would otherwise
// build and free a parser and a Request every time, since its state never
// sees an idle moment to go back to the pool.
void Conn::RecycleRequestState() {
  if (!rs_ || !rs_->parser.AtMessageBoundary()) return;
  rs_->parser.Reset();
  rs_->in.clear();
  rs_->out.clear();
  ReleaseIfLarge(rs_->in);
  ReleaseIfLarge(rs_->out);
  server_->ReturnRequestState(std::move(rs_));
}

}  // namespace nethttp
