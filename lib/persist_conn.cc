// PersistConn: the client side of one kept-alive connection (Go: persistConn
// with its readLoop and writeLoop in transport.go), as one state machine on
// the loop. The Transport (transport.cc) decides which request runs on which
// conn and pools it between requests; this file moves the bytes, through a
// TlsSession (tls_session.cc) for https.
#include "internal/persist_conn.h"

#include <sys/socket.h>

#include <cassert>
#include <cerrno>
#include <utility>

#include "internal/log.h"
#include "internal/request_writer.h"
#include "internal/transfer.h"
#include "internal/uv_handle.h"
#include "nethttp/handler.h"
#include "nethttp/pool_allocator.h"
#include "nethttp/status.h"

namespace nethttp {
namespace {

// kMaxInterimResponses: Go's max1xxResponses, how many 1xx responses one
// exchange may skip before the final one.
constexpr int kMaxInterimResponses = 5;

// kProxyConnectTimeout bounds the wait for a proxy's answer to CONNECT
// (Go's dialConn gives it a minute when the request has no deadline).
constexpr std::chrono::milliseconds kProxyConnectTimeout{60'000};

// IsInterim: a 1xx response other than 101, which ends HTTP/1 on the conn.
bool IsInterim(int code) { return code >= 100 && code < 200 && code != StatusSwitchingProtocols; }

const char* StateName(PersistConn::State s) {
  switch (s) {
    case PersistConn::State::kDialing: return "dialing";
    case PersistConn::State::kProxyConnecting: return "proxy-connecting";
    case PersistConn::State::kHandshaking: return "handshaking";
    case PersistConn::State::kIdle: return "idle";
    case PersistConn::State::kWritingRequest: return "writing-request";
    case PersistConn::State::kReadingHead: return "reading-head";
    case PersistConn::State::kReadingBody: return "reading-body";
    case PersistConn::State::kClosing: return "closing";
  }
  return "?";
}

bool LegalTransition(PersistConn::State from, PersistConn::State to) {
  using S = PersistConn::State;
  if (to == S::kClosing) return from != S::kClosing;
  switch (from) {
    case S::kDialing: return to == S::kIdle || to == S::kHandshaking || to == S::kProxyConnecting;
    case S::kProxyConnecting: return to == S::kHandshaking;
    case S::kHandshaking: return to == S::kIdle;
    case S::kIdle: return to == S::kWritingRequest || to == S::kReadingHead;
    // A server may answer before it has read the whole request (an early
    // 413, say): the head can arrive while we are still writing.
    case S::kWritingRequest:
      return to == S::kReadingHead || to == S::kReadingBody || to == S::kIdle;
    case S::kReadingHead: return to == S::kReadingBody || to == S::kIdle;
    case S::kReadingBody: return to == S::kIdle;
    case S::kClosing: return false;
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------
// PersistConn

struct PersistConn::WriteReq {
  uv_write_t req;
  std::string data;
};

PersistConn::PersistConn(uv_loop_t* loop, Owner* owner, std::string key, Duration idle_timeout)
    : loop_(loop),
      owner_(owner),
      key_(std::move(key)),
      dialer_(loop, &tcp_),
      parser_(Http1Parser::Type::kResponse),
      idle_timeout_(idle_timeout) {
  uv_timer_init(loop, &timer_);
  timer_.data = this;
  // Response bodies are never buffered whole in the parser: they stream to
  // the StreamBody of the exchange in progress.
  parser_.set_body_sink([this](std::string_view s) {
    if (pending_body_) {
      pending_body_->Deliver(s);
    } else if (auto body = body_.lock()) {
      body->Deliver(s);
    }
  });
}

PersistConn::~PersistConn() = default;

void PersistConn::SetState(State next) {
  assert(LegalTransition(state_, next));
  if (Log().should_log(spdlog::level::trace)) {
    Log().trace("client conn {}: {} -> {}", key_, StateName(state_), StateName(next));
  }
  state_ = next;
  switch (next) {
    case State::kIdle: ArmTimer(idle_timeout_); break;
    case State::kReadingHead: ArmTimer(header_timeout_); break;
    case State::kHandshaking: ArmTimer(tls_dial_.handshake_timeout); break;
    case State::kProxyConnecting: ArmTimer(kProxyConnectTimeout); break;
    case State::kDialing: break;  // Dial arms the dial deadline
    default: ArmTimer(Duration(0)); break;
  }
}

void PersistConn::ArmTimer(Duration d) {
  if (d.count() <= 0) {
    deadline_ = 0;  // (a timer still running finds none, and stops there)
    // An idle conn with no deadline holds no timer (nor the loop running).
    if (state_ == State::kIdle) uv_timer_stop(&timer_);
    return;
  }
  auto ms = static_cast<uint64_t>(d.count());
  deadline_ = uv_now(loop_) + ms;
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&timer_)) && uv_timer_get_due_in(&timer_) <= ms) return;
  uv_timer_start(&timer_, OnTimer, ms, 0);
}

void PersistConn::OnTimer(uv_timer_t* t) {
  PersistConn* pc = OwnerOf<PersistConn>(t);
  if (pc->deadline_ == 0) return;  // the deadline it was started for is gone
  uint64_t now = uv_now(pc->loop_);
  if (now < pc->deadline_) {
    // Started for an earlier deadline that has gone: on to this one.
    uv_timer_start(t, OnTimer, pc->deadline_ - now, 0);
    return;
  }
  pc->deadline_ = 0;
  switch (pc->state_) {
    case State::kDialing:
      // Go: "dial tcp 10.0.0.1:80: i/o timeout".
      pc->Close(Error(ErrorCode::kTimeout, "dial tcp " + pc->dialer_.Addr() + ": i/o timeout"));
      return;
    case State::kHandshaking:
      pc->Close(Error(ErrorCode::kTimeout, "net/http: TLS handshake timeout"));
      return;
    case State::kProxyConnecting:
      pc->Close(Error(ErrorCode::kTimeout, "proxyconnect: timeout awaiting the proxy's answer to CONNECT"));
      return;
    case State::kIdle:
      // Go: IdleConnTimeout ("http: idle connection timeout"); nobody waits.
      pc->Close(Error(ErrorCode::kTimeout, "http: idle connection timeout"));
      return;
    case State::kWritingRequest:
      if (pc->awaiting_continue_) {
        pc->StartRequestBody();  // no 100 Continue in time: send it anyway, as Go does
        return;
      }
      pc->Close(Error(ErrorCode::kTimeout, "net/http: timeout awaiting response headers"));
      return;
    case State::kReadingHead:
      pc->Close(Error(ErrorCode::kTimeout, "net/http: timeout awaiting response headers"));
      return;
    default:
      return;
  }
}

void PersistConn::Dial(std::string host, std::string port, Duration timeout,
                       std::function<void(Error)> dialed, TlsDial tls) {
  assert(state_ == State::kDialing);
  dialed_ = std::move(dialed);
  host_ = tls.host.empty() ? host : tls.host;
  tls_dial_ = std::move(tls);
  ArmTimer(timeout);
  dialer_.Dial(std::move(host), std::move(port), [this](Error err) { OnDialed(std::move(err)); });
}

void PersistConn::OnDialed(Error err) {
  if (state_ == State::kClosing) {
    // Close canceled the dial; this was its last callback. A dial that won
    // the race and connected anyway still has a socket to close.
    if (!err) {
      tcp_open_ = true;
      tcp_.data = this;
      ++pending_closes_;
      uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClose);
    }
    ClosedOne();
    return;
  }
  if (err) {
    CloseWith(std::move(err), false);
    return;
  }
  tcp_open_ = true;
  tcp_.data = this;
  // Go's dialer leaves Nagle on, but a request goes out in one write, so
  // Nagle would only delay a second small write; off, as on the server.
  uv_tcp_nodelay(&tcp_, 1);
  if (tls_dial_.ctx == nullptr) {
    SetState(State::kIdle);
    StartReading();
    auto dialed = std::move(dialed_);
    if (dialed) dialed(Error());
    return;
  }
  if (!tls_dial_.connect.empty()) {
    // Through a proxy the tunnel comes first, within the dial as in Go's
    // dialConn; the proxy's answer is a head only (RFC 9110 §9.3.6: a 2xx
    // to CONNECT has no body), so it is parsed as the answer to a HEAD.
    SetState(State::kProxyConnecting);
    parser_.set_response_to_head(true);
    StartReading();
    WriteOrClose(tls_dial_.connect);
    return;
  }
  StartHandshake();
}

void PersistConn::StartHandshake() {
  // https: the handshake is part of the dial (Go: persistConn.addTLS in
  // dialConn), so a conn reaches the pool, or a request, only once the
  // server has proved who it is. The session cache is keyed like the pool,
  // so a session is only offered back to the server that issued it.
  tls_ = std::make_unique<TlsSession>(tls_dial_.ctx, host_, key_);
  SetState(State::kHandshaking);
  StartReading();
  tls_out_.clear();
  tls_->Start(&tls_out_);
  WriteOrClose(tls_out_);
}

void PersistConn::HandleConnectAnswer(std::string_view data) {
  Http1Parser::FeedResult r = parser_.Feed(data);
  if (r.status == Http1Parser::Status::kError) {
    CloseWith(Error(ErrorCode::kMalformedResponse, "proxyconnect: " + parser_.error().message()), false);
    return;
  }
  if (r.status != Http1Parser::Status::kMessageComplete) return;  // (more of the head to come)
  const MessageHead& h = parser_.head();
  if (h.status_code != StatusOK) {
    // Go's dialConn fails with the status text alone ("Forbidden"); the
    // code in front says which answer it was.
    CloseWith(Error(ErrorCode::kProxy, std::to_string(h.status_code) + " " + h.reason), false);
    return;
  }
  if (r.consumed < data.size()) {
    // The server speaks after our ClientHello, so a byte here came from
    // the proxy, and would be read as the server's.
    CloseWith(Error(ErrorCode::kMalformedResponse, "proxyconnect: bytes after the answer to CONNECT"), false);
    return;
  }
  parser_.Reset();
  parser_.set_response_to_head(false);
  tls_dial_.connect.clear();
  StartHandshake();
}

void PersistConn::HandshakeDone() {
  tls_state_ = std::make_shared<const ConnectionState>(tls_->ConnectionStateNow());
  SetState(State::kIdle);
  auto dialed = std::move(dialed_);
  if (dialed) dialed(Error());
}

bool PersistConn::PeerGone() {
  uv_os_fd_t fd;
  if (!tcp_open_ || uv_fileno(reinterpret_cast<const uv_handle_t*>(&tcp_), &fd) != 0) return true;
  if (tls_ == nullptr) {
    char byte;
    ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK;
    return true;  // 0: EOF; > 0: bytes before any request (Go: "Unsolicited response")
  }
  // Over TLS, bytes waiting are often no answer at all: a TLS 1.3 server
  // sends its session tickets after the handshake, and they may still sit
  // in the socket. They are read here, through the session (the loop will
  // find the socket empty); only data, close_notify, an error or the end
  // of the stream mean the conn is gone.
  if (tls_->state() != TlsSession::State::kOpen) return true;
  char buf[4096];
  while (true) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno != EAGAIN && errno != EWOULDBLOCK;
    }
    if (n == 0) return true;
    std::string plain, out;
    TlsSession::State st = tls_->Receive(std::string_view(buf, static_cast<size_t>(n)), &plain, &out);
    if (st != TlsSession::State::kOpen || !plain.empty()) return true;
    bool queued;
    if (!out.empty() && Write(out, &queued) != 0) return true;
  }
}

void PersistConn::RoundTrip(std::string_view wire, bool head, bool close_after,
                            Duration header_timeout, Done done, OutgoingBody body,
                            std::shared_ptr<void> keep) {
  assert(state_ == State::kIdle);
  done_ = std::move(done);
  done_keep_ = std::move(keep);
  head_request_ = head;
  close_after_ = close_after;
  header_timeout_ = header_timeout;
  wrote_any_ = false;
  status_code_ = 0;
  interim_responses_ = 0;
  parser_.set_response_to_head(head);
  pending_body_ = std::allocate_shared<StreamBody>(PoolAllocator<StreamBody>(), this);

  std::string_view bytes = wire;
  if (tls_ != nullptr) {
    tls_out_.clear();
    if (!tls_->Send(wire, &tls_out_)) {
      CloseWith(tls_->error(), false);  // nothing written: retryable
      return;
    }
    bytes = tls_out_;
  }
  bool queued = false;
  int rc = Write(bytes, &queued);
  if (tls_out_.capacity() > kReadBufferBytes) std::string().swap(tls_out_);  // a large body's
  if (rc != 0) {
    // When nothing reached the socket (Go: nothingWrittenError, here
    // !wrote_any_), even a POST may be retried on another conn.
    CloseWith(Error::FromUv(rc, "write tcp " + key_), false);
    return;
  }
  if (body.source == nullptr) {
    SetState(queued ? State::kWritingRequest : State::kReadingHead);
    return;
  }
  SetState(State::kWritingRequest);
  req_body_ = std::move(body.source);
  req_length_ = body.length;
  req_chunked_ = body.chunked;
  req_trailer_ = std::move(body.trailer);
  req_sent_ = 0;
  req_body_paused_ = false;
  awaiting_continue_ = false;
  if (body.continue_timeout.count() > 0) {
    // Go's waitForContinue: the server may answer the head alone (417,
    // 401, a redirect) and spare the body's trip.
    awaiting_continue_ = true;
    ArmTimer(body.continue_timeout);
    return;
  }
  StartRequestBody();
}

void PersistConn::StartRequestBody() {
  awaiting_continue_ = false;
  if (state_ == State::kWritingRequest) ArmTimer(Duration(0));
  // The source's callbacks hold this conn by raw pointer: every way out
  // (its end, a response first, a close) goes through StopRequestBody or
  // OnRequestBodyEnd, which drop the source before the conn can go.
  std::shared_ptr<Body> source = req_body_;
  source->Read([this](std::string_view chunk) { OnRequestBodyData(chunk); },
               [this](Error err) { OnRequestBodyEnd(std::move(err)); });
}

bool PersistConn::SendRequestBytes(std::string_view bytes) {
  if (tls_ != nullptr) {
    tls_out_.clear();
    if (!tls_->Send(bytes, &tls_out_)) {
      CloseWith(tls_->error(), false);
      return false;
    }
    bytes = tls_out_;
  }
  return WriteOrClose(bytes);
}

// BodyLengthError is Go's transferWriter complaint about a body that did
// not match its Content-Length.
static Error BodyLengthError(int64_t declared, int64_t actual) {
  return Error(ErrorCode::kInvalidArgument, "http: ContentLength=" + std::to_string(declared) +
                                                " with Body length " + std::to_string(actual));
}

void PersistConn::OnRequestBodyData(std::string_view chunk) {
  if (req_body_ == nullptr || state_ == State::kClosing || chunk.empty()) return;
  int64_t n = static_cast<int64_t>(chunk.size());
  if (req_length_ >= 0 && req_sent_ + n > req_length_) {
    CloseWith(BodyLengthError(req_length_, req_sent_ + n), false);
    return;
  }
  req_sent_ += n;
  if (req_chunked_) {
    std::string framed;
    AppendChunk(&framed, chunk);
    if (!SendRequestBytes(framed)) return;
  } else if (!SendRequestBytes(chunk)) {
    return;
  }
  // Backpressure: a source faster than the socket waits for it to drain
  // (OnWrite resumes it), so a large body never piles up in memory.
  if (tcp_.write_queue_size > kWriteHighWater && !req_body_paused_) {
    req_body_paused_ = true;
    req_body_->Pause();
  }
}

void PersistConn::OnRequestBodyEnd(Error err) {
  if (req_body_ == nullptr || state_ == State::kClosing) return;
  std::shared_ptr<Body> source = std::move(req_body_);  // (alive until we return)
  if (err) {
    CloseWith(std::move(err), false);
    return;
  }
  if (req_length_ >= 0 && req_sent_ != req_length_) {
    CloseWith(BodyLengthError(req_length_, req_sent_), false);
    return;
  }
  if (req_chunked_) {
    std::string last;
    AppendLastChunk(req_trailer_, &source->Trailer(), &last);
    req_trailer_.clear();
    if (!SendRequestBytes(last)) return;
  }
  if (state_ == State::kWritingRequest && writes_in_flight_ == 0) SetState(State::kReadingHead);
}

void PersistConn::StopRequestBody() {
  req_trailer_.clear();
  if (req_body_ == nullptr) return;
  std::shared_ptr<Body> source = std::move(req_body_);
  source->Close();
}

int PersistConn::Write(std::string_view bytes, bool* queued) {
  *queued = false;
  if (bytes.empty()) return 0;
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  // Most requests fit the socket buffer: write directly, and queue only the
  // rest (as conn.cc does for responses).
  uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
  int n = uv_try_write(stream, &buf, 1);
  if (n == static_cast<int>(bytes.size())) {
    wrote_any_ = true;
    return 0;
  }
  if (n < 0 && n != UV_EAGAIN) return n;
  size_t sent = n > 0 ? static_cast<size_t>(n) : 0;
  if (sent > 0) wrote_any_ = true;
  auto* w = new WriteReq;
  w->req.data = this;
  w->data.assign(bytes.substr(sent));
  buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  if (int rc = uv_write(&w->req, stream, &buf, 1, OnWrite); rc != 0) {
    delete w;
    return rc;
  }
  // From here some bytes may have reached the server: no more "nothing
  // written" retries (Go compares nwrite before and after).
  wrote_any_ = true;
  ++writes_in_flight_;
  *queued = true;
  return 0;
}

bool PersistConn::WriteOrClose(std::string_view bytes) {
  bool queued;
  if (int rc = Write(bytes, &queued); rc != 0) {
    CloseWith(Error::FromUv(rc, "write tcp " + key_), false);
    return false;
  }
  return true;
}

void PersistConn::OnWrite(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteReq*>(req);
  PersistConn* pc = OwnerOf<PersistConn>(req);
  delete w;
  --pc->writes_in_flight_;
  if (pc->state_ == State::kClosing) return;  // UV_ECANCELED while closing
  if (status < 0) {
    pc->CloseWith(Error::FromUv(status, "write tcp " + pc->key_), false);
    return;
  }
  if (pc->req_body_paused_ && pc->req_body_ != nullptr && pc->tcp_.write_queue_size <= kWriteLowWater) {
    pc->req_body_paused_ = false;
    pc->req_body_->Resume();  // (may write, or end the body)
    if (pc->state_ == State::kClosing) return;
  }
  // Writes finish in order, so the last one out is the request's end (a
  // handshake record may have been queued before it), once the body's
  // source has ended.
  if (pc->state_ == State::kWritingRequest && pc->writes_in_flight_ == 0 && pc->req_body_ == nullptr) {
    pc->SetState(State::kReadingHead);
  }
}

void PersistConn::StartReading() {
  if (reading_ || !tcp_open_ || state_ == State::kClosing) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), OnAlloc, OnRead) == 0) reading_ = true;
}

void PersistConn::StopReading() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
  reading_ = false;
}

void PersistConn::UpdateReading() {
  bool want = false;
  switch (state_) {
    case State::kIdle:  // to see the server's close at once (Go: readLoop's Peek)
    case State::kHandshaking:
    case State::kWritingRequest:
    case State::kReadingHead:
      want = true;
      break;
    case State::kReadingBody: {
      // Backpressure: read only while the body's consumer keeps up.
      std::shared_ptr<StreamBody> body = pending_body_ ? pending_body_ : body_.lock();
      want = body != nullptr && body->WantsMore();
      break;
    }
    default:
      break;
  }
  if (want) {
    StartReading();
  } else {
    StopReading();
  }
}

void PersistConn::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  PersistConn* pc = OwnerOf<PersistConn>(h);
  *buf = pc->owner_ != nullptr ? pc->owner_->ReadBuffer() : uv_buf_init(nullptr, 0);
}

void PersistConn::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  PersistConn* pc = OwnerOf<PersistConn>(s);
  if (nread == 0) return;
  if (nread < 0) {
    // A TLS stream may only end at a record's boundary (Go: a record cut
    // short is io.ErrUnexpectedEOF); whether a message was cut is the
    // HTTP framing's question, as over plain TCP.
    Error cut;
    if (pc->tls_ != nullptr && nread == UV_EOF) cut = pc->tls_->ReceiveEof();
    pc->HandleEof(static_cast<int>(nread), std::move(cut));
    return;
  }
  pc->OnBytes(std::string_view(buf->base, static_cast<size_t>(nread)));
  if (pc->state_ != State::kClosing) pc->UpdateReading();
}

void PersistConn::OnBytes(std::string_view bytes) {
  if (state_ == State::kProxyConnecting) {
    HandleConnectAnswer(bytes);
    return;
  }
  if (tls_ == nullptr) {
    HandleData(bytes);
    return;
  }
  // owner_ is set: OnAlloc gave no buffer without one, so no bytes came.
  std::string& plain = owner_->TlsPlaintext();
  plain.clear();
  tls_out_.clear();
  TlsSession::State st = tls_->Receive(bytes, &plain, &tls_out_);
  // Whatever the session answers goes out first: handshake messages, or
  // the alert that tells the server why we give up.
  if (!WriteOrClose(tls_out_)) return;
  if (st == TlsSession::State::kFailed) {
    plain.clear();
    if (tls_->looks_like_http()) {
      // Go's words (client.go) for an https URL whose port speaks http.
      CloseWith(Error(ErrorCode::kTls, "http: server gave HTTP response to HTTPS client"), false);
      return;
    }
    CloseWith(tls_->error(), false);
    return;
  }
  if (state_ == State::kHandshaking) {
    if (st == TlsSession::State::kHandshaking) return;
    HandshakeDone();  // the dialed callback may start a request at once
    if (state_ == State::kClosing) return;
  }
  if (!plain.empty()) {
    HandleData(plain);
    plain.clear();
  }
  if (st == TlsSession::State::kPeerClosed && state_ != State::kClosing) HandleEof(UV_EOF);
}

void PersistConn::HandleData(std::string_view data) {
  switch (state_) {
    case State::kIdle:
      // Go: "Unsolicited response received on idle HTTP channel": the
      // conn's framing can no longer be trusted.
      Log().debug("client conn {}: unsolicited bytes while idle", key_);
      Close(Error(ErrorCode::kMalformedResponse, "http: unsolicited response on idle connection"));
      return;
    case State::kWritingRequest:
    case State::kReadingHead:
    case State::kReadingBody:
      break;
    default:
      return;
  }
  while (true) {
    Http1Parser::FeedResult r = parser_.Feed(data);
    data.remove_prefix(r.consumed);
    if (state_ == State::kClosing) return;  // the body's consumer closed it
    if (r.status == Http1Parser::Status::kError) {
      if (state_ != State::kReadingBody && parser_.head_accepted() &&
          !IsInterim(parser_.head().status_code)) {
        // The error is in the body of a response whose head came in the
        // same read. Go's ReadResponse returns that response and its body's
        // Read fails after the bytes before the error; so do we, and what
        // the caller gets no longer depends on how TCP cut the bytes.
        // Pinned by persist_conn_test "a framing error in the body ...".
        Response resp = TakeHead();
        TakenDone done = TakeDone();
        SetState(State::kReadingBody);
        if (done) done(std::move(resp), Failure{});
      }
      CloseWith(parser_.error(), false);
      return;
    }
    bool complete = r.status == Http1Parser::Status::kMessageComplete;
    if (state_ != State::kReadingBody && parser_.head_complete()) {
      int code = parser_.head().status_code;
      if (awaiting_continue_ && code == StatusContinue) {
        StartRequestBody();
        if (state_ == State::kClosing) return;
      } else if (awaiting_continue_ && !IsInterim(code)) {
        // A final answer to the head alone: the body is never sent, and
        // since the server may still wait for it, the conn is not reused.
        awaiting_continue_ = false;
        StopRequestBody();
        close_after_ = true;
      }
      if (IsInterim(code)) {
        // Interim responses (100 Continue, 103 Early Hints) are skipped;
        // the final one follows on the same conn (Go: readLoop's
        // is1xxNonTerminal loop). They never have a body, so the parser
        // completes them at once. Go gives up after five of them
        // (max1xxResponses), so a server cannot hold a request forever
        // with a stream of them; so do we.
        if (++interim_responses_ > kMaxInterimResponses) {
          CloseWith(Error(ErrorCode::kMalformedResponse,
                          "http: too many 1xx informational responses"), false);
          return;
        }
        parser_.NextMessage();
        parser_.set_response_to_head(head_request_);
        if (data.empty()) return;
        continue;
      }
      Response resp = TakeHead();
      TakenDone done = TakeDone();
      if (complete) {
        // The whole response is here: the conn goes back to the pool before
        // the caller even sees the head, so a caller that ignores an empty
        // body (HEAD, 204) costs no connection.
        ReuseOrClose(!data.empty());
      } else {
        SetState(State::kReadingBody);
      }
      if (done) done(std::move(resp), Failure{});
      return;
    }
    if (complete) ReuseOrClose(!data.empty());
    return;
  }
}

Response PersistConn::TakeHead() {
  MessageHead& h = parser_.head();
  status_code_ = h.status_code;
  Response resp;
  resp.status_code = h.status_code;
  // "200 OK", made in place (the parser holds a code to three digits).
  resp.status = std::to_string(h.status_code);
  resp.status.push_back(' ');
  resp.status.append(h.reason);
  resp.proto_major = h.proto_major;
  resp.proto_minor = h.proto_minor;
  if (h.proto_major == 1 && (h.proto_minor == 0 || h.proto_minor == 1)) {
    resp.proto = h.proto_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";  // (every response, unformatted)
  } else {
    resp.proto = "HTTP/" + std::to_string(h.proto_major) + "." + std::to_string(h.proto_minor);
  }
  resp.header = std::move(h.header);
  resp.content_length = h.content_length;
  // Go: Response.Close is shouldClose(major, minor, header), which is
  // what llhttp's keep-alive verdict says, plus close-delimited bodies.
  resp.close = !h.keep_alive;
  resp.tls = tls_state_;
  body_ = pending_body_;
  resp.body = std::move(pending_body_);
  return resp;
}

void PersistConn::ReuseOrClose(bool leftover) {
  // Go: a conn goes back to the pool only after the whole body was read,
  // when neither side asked to close, and (our addition) when no stray
  // bytes follow the response, since they would be taken for the next one.
  // A response may come while the request body is still being sent (an
  // echo streams back, an early 413 refuses): the body goes on, as in Go,
  // and a conn whose request is not all out when its response has ended
  // is not reused (Go waits 50 ms for the write, then closes).
  bool reusable = parser_.head().keep_alive && !close_after_ && !leftover &&
                  writes_in_flight_ == 0 && req_body_ == nullptr && status_code_ != StatusSwitchingProtocols &&
                  owner_ != nullptr;
  Header trailer = std::move(parser_.head().trailer);
  std::shared_ptr<StreamBody> body = body_.lock();
  body_.reset();
  parser_.NextMessage();
  if (reusable) {
    reused_ = true;
    SetState(State::kIdle);
    owner_->OnReusable(this);  // may start the next request on this conn at once
  } else {
    Close(Error());
  }
  if (body) body->End(Error(), std::move(trailer));
}

void PersistConn::HandleEof(int status, Error cut) {
  StopReading();
  std::string what = status == UV_EOF ? "EOF" : uv_strerror(status);
  switch (state_) {
    case State::kHandshaking:
      // Go reports the bare io.EOF of a server that hangs up mid-handshake.
      CloseWith(cut ? std::move(cut) : Error(ErrorCode::kUnexpectedEof, what), false);
      return;
    case State::kIdle:
      // The server closed a kept-alive conn (Go: errServerClosedIdle);
      // it leaves the pool at once, before a request can pick it.
      Close(Error(ErrorCode::kUnexpectedEof, "http: server closed idle connection"));
      return;
    case State::kWritingRequest:
    case State::kReadingHead:
      if (cut) {
        CloseWith(std::move(cut), false);
        return;
      }
      if (!parser_.message_started()) {
        CloseWith(Error(ErrorCode::kUnexpectedEof,
                        "http: server closed the connection before sending a response (" +
                            what + ")"),
                  true);
        return;
      }
      if (status == UV_EOF) parser_.Finish();
      CloseWith(parser_.error() ? parser_.error()
                                : Error(ErrorCode::kUnexpectedEof,
                                        "http: unexpected " + what + " reading response head"),
                false);
      return;
    case State::kReadingBody: {
      if (cut) {
        CloseWith(std::move(cut), false);
        return;
      }
      if (status != UV_EOF) {
        // A reset is never the end of a close-delimited body.
        CloseWith(Error::FromUv(status, "http: reading response body"), false);
        return;
      }
      Http1Parser::FeedResult r = parser_.Finish();
      if (r.status == Http1Parser::Status::kMessageComplete) {
        ReuseOrClose(false);  // a close-delimited body: never reusable
        return;
      }
      CloseWith(parser_.error() ? parser_.error()
                                : Error(ErrorCode::kUnexpectedEof, "http: unexpected EOF reading body"),
                false);
      return;
    }
    default:
      return;
  }
}

void PersistConn::BodyAbandoned() {
  if (state_ == State::kReadingBody) {
    Close(Error(ErrorCode::kCanceled, "http: response body closed before its end"));
  }
}

void PersistConn::Detach() {
  owner_ = nullptr;
  done_ = nullptr;
  done_keep_.reset();
  dialed_ = nullptr;
}

void PersistConn::CloseWith(Error err, bool server_closed) {
  if (state_ == State::kClosing) return;
  State prev = state_;
  SetState(State::kClosing);
  if (owner_ != nullptr) owner_->OnClosing(this);
  StopReading();
  uv_timer_stop(&timer_);
  pending_closes_ = 1;
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), OnClose);
  if (tcp_open_) {
    if (tls_ != nullptr && tls_->state() == TlsSession::State::kOpen && writes_in_flight_ == 0) {
      // close_notify, best effort, as Go's tls.Conn.Close sends it: the
      // server then knows our end from a cut. Nothing waits for it.
      tls_out_.clear();
      tls_->Close(&tls_out_);
      uv_buf_t buf = uv_buf_init(tls_out_.data(), static_cast<unsigned>(tls_out_.size()));
      uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1);
    }
    ++pending_closes_;
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), OnClose);
  } else if (dialer_.state() != Dialer::State::kIdle && dialer_.state() != Dialer::State::kDone) {
    ++pending_closes_;  // OnDialed comes back once the dial is canceled
    dialer_.Cancel(err);
  }
  // Tell whoever waits. The conn stays allocated until the close callbacks,
  // so these callbacks may do anything, including starting new requests.
  StopRequestBody();
  Failure failure;
  failure.reused = reused_;
  failure.nothing_written = !wrote_any_;
  failure.before_response = server_closed;
  auto dialed = std::move(dialed_);
  TakenDone done = TakeDone();
  std::shared_ptr<StreamBody> body = pending_body_ ? pending_body_ : body_.lock();
  pending_body_.reset();
  body_.reset();
  if (dialed) dialed(err);
  if (done && (prev == State::kWritingRequest || prev == State::kReadingHead || prev == State::kIdle)) {
    done(err ? err : Error(ErrorCode::kUnexpectedEof, "http: connection closed"), failure);
  } else if (body) {
    body->End(err ? err : Error(ErrorCode::kUnexpectedEof, "http: connection closed"), Header());
  }
}

void PersistConn::ClosedOne() {
  if (--pending_closes_ > 0) return;
  delete this;
}

void PersistConn::OnClose(uv_handle_t* h) { OwnerOf<PersistConn>(h)->ClosedOne(); }

}  // namespace nethttp
