// HijackedStream is what a server Conn becomes when its handler hijacks it:
// the same libuv handle and TLS session, no HTTP. The Conn object stays as
// the memory the handle lives in (a libuv handle cannot move), idle, until
// this stream's close callback frees both.
#ifndef NETHTTP_INTERNAL_HIJACKED_CONN_H_
#define NETHTTP_INTERNAL_HIJACKED_CONN_H_

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "internal/conn.h"
#include "internal/stream_body.h"
#include "nethttp/hijacked_conn.h"

namespace nethttp {

class HijackedStream final : public HijackedConn, public StreamBody::Source {
 public:
  enum class State {
    kOpen,      // reads go to the reader, writes to the client
    kDraining,  // Close was called with bytes queued; waits for them to leave
                // (or for the client to leave, or to take nothing for
                // drain_timeout_), dropping what it sends
    kClosing,   // uv_close called; waits for the close callback
    kClosed,    // the handle is closed; waits for the owner to let go
  };

  // Adopt takes over conn's socket and TLS session. The owner gets the
  // stream through a shared_ptr whose last release closes it; the stream
  // frees itself (and conn) once both the owner and the handle are done.
  // Until Start, the socket is not read: the Conn still has the bytes
  // that came after the request to hand over.
  static std::shared_ptr<HijackedStream> Adopt(Conn* conn, std::unique_ptr<Conn::Tls> tls,
                                               std::string remote_addr);
  // Start hands over what the Conn read past the request, then reads the
  // socket for the reader; eof: the client had already half-closed.
  void Start(std::string_view buffered, bool eof);
  // WriteDone is the end of a write on the handle, ours or one the Conn
  // queued before the hijack.
  void WriteDone(int status);

  // HijackedConn.
  void Read(DataFunc on_data, EndFunc on_end) override { reader_->Read(std::move(on_data), std::move(on_end)); }
  void Pause() override { reader_->Pause(); }
  void Resume() override { reader_->Resume(); }
  void Close() override;
  Error Write(std::string_view data) override;
  bool Writable() const override;
  void OnWritable(std::function<void()> f) override;
  void CloseWrite() override;
  void SetDrainTimeout(std::chrono::milliseconds timeout) override { drain_timeout_ = timeout; }
  const std::string& RemoteAddr() const override { return remote_addr_; }
  const ConnectionState* TLS() const override;

  // StreamBody::Source.
  void UpdateReading() override;
  void BodyAbandoned() override {}  // (only Close closes the reader)

 private:
  struct WriteReq;

  HijackedStream(Conn* conn, std::unique_ptr<Conn::Tls> tls, std::string remote_addr);
  ~HijackedStream() override;

  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnShutdown(uv_shutdown_t* req, int status);
  static void OnClose(uv_handle_t* h);

  // Release is the owner's shared_ptr letting go.
  void Release();
  void HandleRead(ssize_t nread, const uv_buf_t* buf);
  // EndRead ends the read side: the reader gets err (ok: the client's EOF).
  void EndRead(Error err);
  // Broken: the connection failed; writes fail from now on.
  void Broken(Error err);
  // Send hands bytes to the kernel, or queues them in libuv behind what
  // it holds already.
  void Send(std::string_view bytes);
  void SendTlsOut();
  void StartReading();
  void StopReading();
  void CloseNow();
  // ArmDrainTimer (re)starts the wait of kDraining for the client to take
  // some of what is queued; OnDrainTimeout gives up on it.
  void ArmDrainTimer();
  static void OnDrainTimeout(uv_timer_t* t);
  size_t Unsent() const;
  void MaybeWritable();

  Conn* conn_;       // the handle's storage; freed with us
  uv_tcp_t* tcp_;    // &conn_->tcp_
  std::unique_ptr<Conn::Tls> tls_;  // null on a plain connection
  std::string remote_addr_;
  std::shared_ptr<StreamBody> reader_;
  State state_ = State::kOpen;
  bool started_ = false;     // Start ran: the socket may be read
  bool reading_ = false;     // uv_read_start is on
  bool read_ended_ = false;  // the reader had its end, or the read side broke
  bool write_shut_ = false;  // CloseWrite: no more writes
  Error broken_;             // why writes fail, once they do
  bool released_ = false;    // the owner let go
  std::string read_buf_;     // what libuv reads into (the server's buffer is not ours)
  std::string plain_;        // a TLS read's plaintext
  std::function<void()> on_writable_;
  std::chrono::milliseconds drain_timeout_{60'000};
  uv_timer_t* drain_timer_ = nullptr;  // while kDraining; freed by its own close callback
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_HIJACKED_CONN_H_
