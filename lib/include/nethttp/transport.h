// Transport is the low-level client (Go: http.Transport): it keeps a pool of
// idle kept-alive connections per host and runs one round trip per request
// on the loop. The high-level interface (redirects, cookies, Timeout) is
// Client, in client.h.
#ifndef NETHTTP_TRANSPORT_H_
#define NETHTTP_TRANSPORT_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "nethttp/error.h"
#include "nethttp/request.h"
#include "nethttp/response.h"

namespace nethttp {

class Loop;

// RoundTripper executes a single HTTP transaction (Go: http.RoundTripper).
// done is called exactly once, on the loop, when the response head has
// arrived (the body then streams) or the round trip failed.
class RoundTripper {
 public:
  using Done = std::function<void(Result<Response>)>;
  virtual ~RoundTripper() = default;
  virtual void RoundTrip(Request req, Done done) = 0;
};

class Transport : public RoundTripper {
 public:
  using Duration = std::chrono::milliseconds;

  // max_idle_conns bounds idle connections across all hosts (0: no limit).
  size_t max_idle_conns = 100;
  // max_idle_conns_per_host bounds idle connections per host. Go's default
  // of 2 makes a client with more requests in flight than that close and
  // redial connections all the time, so ours is larger.
  size_t max_idle_conns_per_host = 64;
  // max_conns_per_host bounds connections per host, dialing included (0: no
  // limit); requests beyond it wait in FIFO order.
  size_t max_conns_per_host = 0;
  // idle_conn_timeout closes a connection idle in the pool for this long.
  Duration idle_conn_timeout{90'000};
  // response_header_timeout bounds the wait for a response head after the
  // request was written (0: no limit).
  Duration response_header_timeout{0};
  // dial_timeout bounds DNS plus TCP connect (Go's net.Dialer Timeout: 30 s).
  Duration dial_timeout{30'000};
  // disable_keep_alives makes every request use a new connection.
  bool disable_keep_alives = false;

  // Transport runs on loop (null: DefaultLoop()).
  explicit Transport(Loop* loop = nullptr);
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  void RoundTrip(Request req, Done done) override;
  // CloseIdleConnections closes every connection idle in the pool.
  void CloseIdleConnections();
  // ConnectionsOpened counts the TCP connections this Transport has dialed.
  size_t ConnectionsOpened() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// DefaultTransport is the Transport of DefaultClient(), on DefaultLoop().
Transport& DefaultTransport();

}  // namespace nethttp

#endif  // NETHTTP_TRANSPORT_H_
