// ServerLoop is the part of a Server that lives on one loop: a listening
// socket, the connections it accepted and what they share (the read
// buffer, the cached Date, the pool of request state, the timeout lists).
// A Server has one per worker (server.cc); nothing in one is touched from
// another thread. Conns (conn.cc) report back here when they close, so
// Shutdown knows when the last one is gone.
#ifndef NETHTTP_INTERNAL_SERVER_LOOP_H_
#define NETHTTP_INTERNAL_SERVER_LOOP_H_

#include <uv.h>

#include <atomic>
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

class ServerLoop {
 public:
  // server is read for its knobs and handler; open_conns counts the
  // connections of every ServerLoop of the server (for max_conns and
  // NumConns), so it is the one thing they share, and it is atomic.
  // num_workers is how many ServerLoops the server has: they split the
  // pool of spare request states between them.
  ServerLoop(Server* server, Loop* loop, std::atomic<size_t>* open_conns, bool keep_alives,
             size_t num_workers);
  ~ServerLoop();
  ServerLoop(const ServerLoop&) = delete;
  ServerLoop& operator=(const ServerLoop&) = delete;

  // Serve accepts on fd, a non-blocking listening socket (listen_socket.h),
  // which it owns from the call on, closing it on failure too; with tls,
  // every connection speaks TLS. A libuv status.
  int Serve(int fd, std::shared_ptr<TlsContext> tls);
  // Shutdown: Server::Shutdown on this loop. done gets how many
  // connections the timeout closed (0 when they all finished).
  void Shutdown(Server::Duration timeout, std::function<void(size_t forced)> done);
  // CloseIdleConns closes the connections that wait between requests.
  void CloseIdleConns();
  void Close();
  std::string ListenAddr() const { return listen_addr_; }
  void set_keep_alives(bool v) { keep_alives_ = v; }
  // closed: stopped, with neither a listener nor a connection left.
  bool closed() const { return listener_ == nullptr && num_conns_ == 0 && stopped_; }

  // Used by Conn.
  Server& server() { return *server_; }
  uv_loop_t* loop() { return loop_; }
  Loop* event_loop() { return event_loop_; }
  Handler& handler();
  bool KeepAlivesAllowed() const { return keep_alives_ && !shutting_down_; }
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
  // OnConnHijacked forgets c, which a handler took over: as for a closed
  // one, Shutdown no longer waits for it (Go: StateHijacked).
  void OnConnHijacked(Conn* c) { OnConnClosed(c); }
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
  static void OnReadable(uv_poll_t* poll, int status, int events);
  void AcceptFailed(Listener* l, int err);
  static void OnBackoffEnd(uv_timer_t* t);
  static void CloseListener(Listener* l);
  // StopListening closes the listener if it is open (Go: the ln.Close of
  // Shutdown and Close; also the teardown of a Server that is destroyed).
  void StopListening();
  void MaybeFinishShutdown();
  void MaybeTrimMemory();
  // MaybeStopTimeouts disarms the timeout lists once the server has stopped
  // and no connection is left.
  void MaybeStopTimeouts();
  // OnShutdownDeadline: Shutdown's timeout passed with connections open.
  static void OnShutdownDeadline(TimeoutEntry* e);

  Server* server_;
  Loop* event_loop_;
  uv_loop_t* loop_;  // event_loop_->get()
  std::atomic<size_t>* open_conns_;
  Listener* listener_ = nullptr;
  std::string listen_addr_;
  Conn* conns_ = nullptr;  // intrusive list through Conn::next_/prev_
  std::vector<std::unique_ptr<RequestState>> spare_states_;
  size_t max_spare_states_;  // this loop's share of kMaxSpareRequestStates
  TimeoutList* timeouts_[kTimeoutKinds] = {};  // freed by the destructor
  // Shutdown's deadline: one entry in a list of its own.
  TimeoutList* shutdown_timeouts_ = nullptr;
  TimeoutEntry shutdown_deadline_;
  TurnEndList* turn_end_ = nullptr;
  // shutdown_done_: every Shutdown's done, called together when the last
  // connection has gone (Go: each Shutdown call returns then).
  std::vector<std::function<void(size_t)>> shutdown_done_;
  size_t shutdown_forced_ = 0;  // what shutdown_done_ gets: set when the deadline passed
  size_t num_conns_ = 0;
  size_t conns_high_water_ = 0;  // most connections open since the last trim
  bool keep_alives_;
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

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_SERVER_LOOP_H_
