// Dialer opens the TCP connection of a PersistConn (Go: net.Dialer.DialContext
// as Transport.dialConn uses it): uv_getaddrinfo, then uv_tcp_connect to each
// address in turn, IPv6 and IPv4 alike, until one answers. Its owner is
// persist_conn.cc, which owns the uv_tcp_t it connects and enforces the dial
// deadline with its own timer by calling Cancel (one timer per connection).
#ifndef NETHTTP_INTERNAL_DIALER_H_
#define NETHTTP_INTERNAL_DIALER_H_

#include <uv.h>

#include <functional>
#include <string>
#include <vector>

#include "nethttp/error.h"

namespace nethttp {

class Dialer {
 public:
  enum class State {
    kIdle,           // Dial not called yet
    kResolving,      // uv_getaddrinfo in flight; waits for OnResolved
    kConnecting,     // uv_tcp_connect in flight on tcp; waits for OnConnect
    kClosingSocket,  // an attempt failed or was canceled and its socket is
                     // closing; waits for OnSocketClosed, then the next address
    kDone,           // done was called; nothing is outstanding
  };
  // Done is called exactly once. With an ok Error, *tcp is an open,
  // connected handle that now belongs to the caller (who must reset
  // tcp->data to itself). With an error, *tcp is closed or was never
  // initialised, and no callback of this Dialer is pending.
  using Done = std::function<void(Error)>;

  // tcp is uninitialised storage owned by the caller; it must outlive the
  // dial. While dialing, tcp->data points to this Dialer.
  Dialer(uv_loop_t* loop, uv_tcp_t* tcp);
  ~Dialer();
  Dialer(const Dialer&) = delete;
  Dialer& operator=(const Dialer&) = delete;

  // Dial connects to host:port (host without brackets). A literal address
  // skips the resolver.
  void Dial(std::string host, std::string port, Done done);
  // Cancel abandons the dial: done is called with err once every pending
  // libuv callback has come back (possibly from within Cancel's caller's
  // next loop iteration, never synchronously). No-op when not dialing.
  void Cancel(Error err);

  State state() const { return state_; }
  // Addr is the "ip:port" being or last tried (for error messages and logs).
  std::string Addr() const;

 private:
  static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res);
  static void OnConnect(uv_connect_t* req, int status);
  static void OnSocketClosed(uv_handle_t* h);

  void SetState(State next);
  void ConnectNext();
  void FailAttempt(Error err);
  // CallDone moves to kDone and calls done_ with err (Error() for a
  // connected socket), once.
  void CallDone(Error err);

  uv_loop_t* loop_;
  uv_tcp_t* tcp_;
  uv_getaddrinfo_t gai_req_;
  uv_connect_t connect_req_;
  State state_ = State::kIdle;
  std::string host_;
  std::string port_;
  std::vector<sockaddr_storage> addrs_;
  size_t next_ = 0;
  Error last_err_;    // the latest attempt's failure, reported if all fail
  Error cancel_err_;  // set by Cancel; wins over every other outcome
  Done done_;
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_DIALER_H_
