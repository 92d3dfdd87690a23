// Server::Impl: the listener, the list of live connections and what they
// share (the loop-wide read buffer, the cached Date). Conns (conn.cc) report
// back here when they close, so Shutdown knows when the last one is gone.
#ifndef NETHTTP_INTERNAL_SERVER_IMPL_H_
#define NETHTTP_INTERNAL_SERVER_IMPL_H_

#include <uv.h>

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "internal/timeout_list.h"
#include "internal/turn_end_list.h"
#include "nethttp/server.h"

namespace nethttp {

class Conn;
struct RequestState;
class TlsContext;

class Server::Impl {
 public:
  explicit Impl(Server* server);
  ~Impl();

  // Listen binds and accepts; with tls, every connection speaks TLS.
  Error Listen(std::shared_ptr<TlsContext> tls = nullptr);
  void Shutdown(Server::Duration timeout, std::function<void(Error)> done);
  // CloseIdleConns closes the connections that wait between requests.
  void CloseIdleConns();
  void Close();
  std::string ListenAddr() const { return listen_addr_; }

  // Used by Conn.
  Server& server() { return *server_; }
  uv_loop_t* loop() { return loop_; }
  Handler& handler();
  bool KeepAlivesAllowed() const { return keep_alives_ && !shutting_down_; }
  void set_keep_alives(bool v) { keep_alives_ = v; }
  std::string_view Date();
  // ReadBuffer is the loop-wide buffer libuv reads into (STYLE rule 11):
  // a connection keeps only the bytes it has not parsed yet.
  uv_buf_t ReadBuffer();
  // tls_context: what a TLS listener's connections are made with; null on
  // plain HTTP.
  const std::shared_ptr<TlsContext>& tls_context() const { return tls_; }
  // TlsPlaintext is the loop-wide buffer a TLS connection decrypts a read
  // into, the plaintext twin of ReadBuffer: empty between reads.
  std::string& TlsPlaintext() { return tls_plaintext_; }
  void OnConnOpened(Conn* c);
  void OnConnClosed(Conn* c);
  size_t num_conns() const { return num_conns_; }
  // TakeRequestState and ReturnRequestState keep the pool of per-request
  // state that connections share (conn.h RequestState).
  std::unique_ptr<RequestState> TakeRequestState();
  void ReturnRequestState(std::unique_ptr<RequestState> rs);
  // WantsIdleStatesBack: there are more connections than the pool keeps
  // states for, so an idle connection should give its state back. Below
  // that, each keeps its own: the memory is bounded all the same, and a
  // busy keep-alive connection does not trade its state at every request.
  bool WantsIdleStatesBack() const;
  bool closed() const { return listener_ == nullptr && num_conns_ == 0 && stopped_; }

  // Timeout is a kind of connection deadline; each has its own TimeoutList
  // (one timer on the loop for all connections), so that the entries of a
  // list share a duration and stay in order.
  enum class Timeout {
    kHeader,        // ReadHeaderTimeout: from the first byte (or the accept) to a whole head
    kRequest,       // ReadTimeout: from the first byte (or the accept) to the body's end
    kIdle,          // IdleTimeout between requests
    kHeld,          // WriteTimeout for a response the handler finishes later
    kWriteBlocked,  // WriteTimeout (else IdleTimeout) while the peer does not read
    kLinger,        // the lingering close after the last response
  };
  static constexpr int kTimeoutKinds = 6;
  TimeoutList& Timeouts(Timeout kind) { return *timeouts_[static_cast<int>(kind)]; }
  // TurnEnd is where connections put off work to the end of the loop turn
  // (a held response's writes, OnWritable callbacks).
  TurnEndList& TurnEnd() { return *turn_end_; }

 private:
  struct Listener;
  static void OnConnection(uv_stream_t* listener, int status);
  // ShedConnection accepts the pending connection and closes it (max_conns).
  void ShedConnection(uv_loop_t* loop, uv_stream_t* listener);
  static void CloseListener(Listener* l);
  // StopListening closes the listener if it is open (Go: the ln.Close of
  // Shutdown and Close; also the teardown of a Server that is destroyed).
  void StopListening();
  void MaybeFinishShutdown();
  void MaybeTrimMemory();
  // OpenListener makes *out, a listening socket on addr (bound, with the
  // options accepted sockets inherit); the libuv status. *out is set even
  // on failure, for CloseListener.
  int OpenListener(const sockaddr* addr, Listener** out);
  // MaybeStopTimeouts disarms the timeout lists once the server has stopped
  // and no connection is left.
  void MaybeStopTimeouts();
  // OnShutdownDeadline: Shutdown's timeout passed with connections open.
  static void OnShutdownDeadline(TimeoutEntry* e);

  Server* server_;
  uv_loop_t* loop_ = nullptr;  // set by Listen
  Listener* listener_ = nullptr;
  std::string listen_addr_;
  Conn* conns_ = nullptr;  // intrusive list through Conn::next_/prev_
  std::vector<std::unique_ptr<RequestState>> spare_states_;
  TimeoutList* timeouts_[kTimeoutKinds] = {};  // made by Listen, freed by Close
  // Shutdown's deadline: one entry in a list of its own (made by Listen).
  TimeoutList* shutdown_timeouts_ = nullptr;
  TimeoutEntry shutdown_deadline_;
  TurnEndList* turn_end_ = nullptr;  // made by Listen with the timeout lists
  std::function<void(Error)> shutdown_done_;
  Error shutdown_error_;  // what shutdown_done_ gets: set when the deadline passed
  size_t num_conns_ = 0;
  size_t conns_high_water_ = 0;  // most connections open since the last trim
  bool keep_alives_ = true;
  bool shutting_down_ = false;
  bool stopped_ = false;  // Shutdown or Close was called
  std::unique_ptr<char[]> read_buf_;
  std::shared_ptr<TlsContext> tls_;
  std::string tls_plaintext_;
  std::string date_;
  std::time_t date_sec_ = 0;
};

// ServerAccess (declared a friend in server.h) names the private
// Server::Impl for the library's files and tests, as Go's export_test.go
// exports internals to tests only.
struct ServerAccess {
  using Impl = Server::Impl;
  static Impl& Of(Server& s) { return *s.impl_; }
};
// ServerImpl is Server::Impl as code outside Server spells it (conn.cc).
using ServerImpl = ServerAccess::Impl;

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_SERVER_IMPL_H_
