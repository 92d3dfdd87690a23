// HijackedStream: a server connection after its handler hijacked it (Go:
// the net.Conn of Hijacker.Hijack). Bytes in go to a StreamBody, the same
// reader a streamed request body has; bytes out go straight to the socket,
// through the TLS session on an https connection.
#include "internal/hijacked_conn.h"

#include <sys/socket.h>

#include <cassert>
#include <utility>

#include "internal/log.h"
#include "internal/uv_handle.h"
#include "nethttp/handler.h"

namespace nethttp {

struct HijackedStream::WriteReq {
  uv_write_t req;
  std::string data;
};

std::shared_ptr<HijackedStream> HijackedStream::Adopt(Conn* conn, std::unique_ptr<Conn::Tls> tls,
                                                      std::string remote_addr) {
  auto* s = new HijackedStream(conn, std::move(tls), std::move(remote_addr));
  // The owner's last reference closes the connection rather than deleting
  // the stream, which lives on until the handle's close callback.
  return std::shared_ptr<HijackedStream>(s, [](HijackedStream* p) { p->Release(); });
}

HijackedStream::HijackedStream(Conn* conn, std::unique_ptr<Conn::Tls> tls, std::string remote_addr)
    : conn_(conn),
      tcp_(&conn->tcp_),
      tls_(std::move(tls)),
      remote_addr_(std::move(remote_addr)),
      reader_(std::make_shared<StreamBody>(this)) {
  tcp_->data = this;
}

HijackedStream::~HijackedStream() {
  // The reader was closed or ended before the handle closed; its source
  // must not point at us when a Next awaiter or the owner drops it later.
  reader_->Abort(Error(ErrorCode::kCanceled, "http: hijacked connection closed"));
  delete conn_;
}

void HijackedStream::Start(std::string_view buffered, bool eof) {
  started_ = true;
  reader_->Deliver(buffered);
  if (state_ != State::kOpen) return;  // (the reader closed us from its callback)
  if (eof || (tls_ != nullptr && tls_->session.state() == TlsSession::State::kPeerClosed)) {
    EndRead(Error());
    return;
  }
  UpdateReading();
}

void HijackedStream::UpdateReading() {
  if (!started_) return;
  if (state_ == State::kDraining) {
    StartReading();  // to drop what comes and to notice the client leave
  } else if (state_ == State::kOpen && !read_ended_ && reader_->WantsMore()) {
    StartReading();
  } else {
    StopReading();
  }
}

void HijackedStream::StartReading() {
  if (reading_) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(tcp_), OnAlloc, OnRead) == 0) reading_ = true;
}

void HijackedStream::StopReading() {
  if (!reading_) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(tcp_));
  reading_ = false;
}

void HijackedStream::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* s = OwnerOf<HijackedStream>(h);
  if (s->read_buf_.empty()) s->read_buf_.resize(kReadBufferBytes);
  *buf = uv_buf_init(s->read_buf_.data(), static_cast<unsigned>(s->read_buf_.size()));
}

void HijackedStream::OnRead(uv_stream_t* st, ssize_t nread, const uv_buf_t* buf) {
  OwnerOf<HijackedStream>(st)->HandleRead(nread, buf);
}

void HijackedStream::HandleRead(ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0 || state_ == State::kClosing || state_ == State::kClosed) return;
  if (state_ == State::kDraining) {
    if (nread < 0) CloseNow();  // the client left: nobody waits for the bytes
    return;
  }
  if (nread < 0) {
    if (nread == UV_EOF) {
      EndRead(tls_ != nullptr ? tls_->session.ReceiveEof() : Error());
    } else {
      Error err = Error::FromUv(static_cast<int>(nread), "read");
      EndRead(err);
      Broken(err);
    }
    return;
  }
  std::string_view data(buf->base, static_cast<size_t>(nread));
  if (tls_ != nullptr) {
    plain_.clear();
    TlsSession::State st = tls_->session.Receive(data, &plain_, &tls_->out);
    SendTlsOut();  // (tickets, key updates, an alert)
    if (st == TlsSession::State::kFailed) {
      EndRead(tls_->session.error());
      Broken(tls_->session.error());
      return;
    }
    data = plain_;
    reader_->Deliver(data);
    if (st == TlsSession::State::kPeerClosed && state_ == State::kOpen) EndRead(Error());
  } else {
    reader_->Deliver(data);
  }
  if (state_ == State::kOpen) UpdateReading();
}

void HijackedStream::EndRead(Error err) {
  if (read_ended_) return;
  read_ended_ = true;
  StopReading();
  reader_->End(std::move(err), Header());
}

void HijackedStream::Broken(Error err) {
  if (broken_) return;
  broken_ = std::move(err);
  MaybeWritable();  // a writer waiting learns it from its next Write
}

Error HijackedStream::Write(std::string_view data) {
  if (state_ != State::kOpen) return Error(ErrorCode::kCanceled, "http: write on a closed hijacked connection");
  if (write_shut_) return Error(ErrorCode::kInvalidArgument, "http: write after CloseWrite");
  if (broken_) return broken_;
  if (data.empty()) return Error();
  if (tls_ != nullptr) {
    if (!tls_->session.Send(data, &tls_->out)) {
      Broken(tls_->session.error());
      return broken_;
    }
    SendTlsOut();
  } else {
    Send(data);
  }
  return broken_;
}

void HijackedStream::SendTlsOut() {
  if (tls_ == nullptr || tls_->out.empty()) return;
  std::string out = std::move(tls_->out);
  tls_->out.clear();
  Send(out);
}

void HijackedStream::Send(std::string_view bytes) {
  if (bytes.empty() || state_ == State::kClosing || state_ == State::kClosed) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(tcp_);
  size_t sent = 0;
  if (tcp_->write_queue_size == 0) {
    uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
    int n = uv_try_write(stream, &buf, 1);
    if (n < 0 && n != UV_EAGAIN) {
      Broken(Error::FromUv(n, "write"));
      return;
    }
    if (n > 0) sent = static_cast<size_t>(n);
  }
  if (sent == bytes.size()) return;
  auto* w = new WriteReq;  // freed by OnWrite, which libuv always calls
  w->req.data = this;
  w->data.assign(bytes.substr(sent));
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  if (int rc = uv_write(&w->req, stream, &buf, 1, OnWrite); rc != 0) {
    delete w;
    Broken(Error::FromUv(rc, "write"));
  }
}

void HijackedStream::OnWrite(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteReq*>(req);
  HijackedStream* s = OwnerOf<HijackedStream>(req);
  delete w;
  s->WriteDone(status);
}

void HijackedStream::WriteDone(int status) {
  if (status == UV_ECANCELED || state_ == State::kClosing || state_ == State::kClosed) return;
  if (status < 0) {
    Broken(Error::FromUv(status, "write"));
    if (state_ == State::kDraining) CloseNow();
    return;
  }
  if (state_ == State::kDraining) {
    if (tcp_->write_queue_size == 0) {
      CloseNow();
    } else {
      ArmDrainTimer();  // the client took some: it has drain_timeout_ again
    }
    return;
  }
  MaybeWritable();
}

void HijackedStream::ArmDrainTimer() {
  if (drain_timeout_.count() <= 0) return;
  if (drain_timer_ == nullptr) {
    drain_timer_ = new uv_timer_t;
    uv_timer_init(tcp_->loop, drain_timer_);
    drain_timer_->data = this;
  }
  uv_timer_start(drain_timer_, OnDrainTimeout, static_cast<uint64_t>(drain_timeout_.count()), 0);
}

void HijackedStream::OnDrainTimeout(uv_timer_t* t) {
  auto* s = static_cast<HijackedStream*>(t->data);
  Log().debug("http: hijacked conn {}: client took nothing for {} ms; closing with {} bytes unsent",
              s->remote_addr_, s->drain_timeout_.count(), s->Unsent());
  s->CloseNow();
}

size_t HijackedStream::Unsent() const { return tcp_->write_queue_size; }

bool HijackedStream::Writable() const { return Unsent() < kWriteHighWater; }

void HijackedStream::OnWritable(std::function<void()> f) {
  on_writable_ = std::move(f);
  MaybeWritable();
}

void HijackedStream::MaybeWritable() {
  if (!on_writable_ || (Unsent() > kWriteLowWater && !broken_)) return;
  std::function<void()> f = std::move(on_writable_);
  on_writable_ = nullptr;
  f();
}

void HijackedStream::CloseWrite() {
  if (state_ != State::kOpen || write_shut_) return;
  write_shut_ = true;
  if (broken_) return;
  if (tls_ != nullptr) {
    tls_->session.Close(&tls_->out);
    SendTlsOut();
  }
  // uv_shutdown waits for the queued writes, then sends the FIN.
  auto* req = new uv_shutdown_t;  // freed by OnShutdown, which libuv always calls
  req->data = this;
  if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(tcp_), OnShutdown) != 0) delete req;
}

void HijackedStream::OnShutdown(uv_shutdown_t* req, int status) {
  HijackedStream* s = OwnerOf<HijackedStream>(req);
  delete req;
  if (status < 0 && status != UV_ECANCELED) s->Broken(Error::FromUv(status, "shutdown"));
}

const ConnectionState* HijackedStream::TLS() const { return tls_ != nullptr ? tls_->state.get() : nullptr; }

void HijackedStream::Close() {
  if (state_ != State::kOpen) return;
  on_writable_ = nullptr;
  read_ended_ = true;
  reader_->Close();  // (no on_end after Close)
  if (tls_ != nullptr && !write_shut_ && !broken_) {
    // close_notify, so the client can tell our end from a cut.
    tls_->session.Close(&tls_->out);
    SendTlsOut();
  }
  if (Unsent() == 0 || broken_) {
    CloseNow();
    return;
  }
  state_ = State::kDraining;
  ArmDrainTimer();
  UpdateReading();
}

void HijackedStream::CloseNow() {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  state_ = State::kClosing;
  StopReading();
  if (drain_timer_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(std::exchange(drain_timer_, nullptr)),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }
  // (Writes still queued end with UV_ECANCELED: what the client never
  // took is dropped.)
  uv_close(reinterpret_cast<uv_handle_t*>(tcp_), OnClose);
}

void HijackedStream::OnClose(uv_handle_t* h) {
  HijackedStream* s = OwnerOf<HijackedStream>(h);
  s->state_ = State::kClosed;
  if (s->released_) delete s;
}

void HijackedStream::Release() {
  released_ = true;
  if (state_ == State::kClosed) {
    delete this;
    return;
  }
  // A connection nobody can reach any more: Close, as Go's finalizer on
  // an unreachable net.Conn closes its descriptor.
  Close();
}

}  // namespace nethttp
