// Transport::Impl: the pool of idle connections, the dials in flight and the
// requests waiting for a connection (Go: Transport's idleConn, idleConnWait,
// connsPerHostWait and getConn/queueForIdleConn/queueForDial). The conns
// themselves are PersistConns (persist_conn.cc). Shared with tests.
#ifndef NETHTTP_INTERNAL_TRANSPORT_IMPL_H_
#define NETHTTP_INTERNAL_TRANSPORT_IMPL_H_

#include <uv.h>

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "internal/connect_method_key.h"
#include "internal/idle_pool.h"
#include "internal/persist_conn.h"
#include "internal/tls_context.h"
#include "nethttp/loop.h"
#include "nethttp/transport.h"

namespace nethttp {

class Transport::Impl final : public PersistConn::Owner {
 public:
  Impl(Transport* t, Loop* loop);
  ~Impl() override;

  void RoundTrip(Request&& req, Done done, std::shared_ptr<Cancelation> cancel);
  void CloseIdleConnections();
  size_t connections_opened() const { return conns_opened_; }
  Loop* loop() { return loop_obj_; }

  // For tests.
  size_t IdleConnCount() const { return pool_.size(); }
  size_t IdleConnCount(const std::string& addr) const { return pool_.size("http|" + addr); }
  size_t LiveConnCount() const { return conns_.size(); }
  size_t SpareWireCount() const { return spare_wires_.size(); }

  // PersistConn::Owner.
  void OnReusable(PersistConn* pc) override;
  void OnClosing(PersistConn* pc) override;
  uv_buf_t ReadBuffer() override;
  std::string& TlsPlaintext() override { return tls_plaintext_; }

 private:
  struct Attempt;   // one request's round trip, across retries (Go: transportRequest)
  struct WantConn;  // a request waiting for a conn (Go: wantConn)

  void GetConn(const std::shared_ptr<Attempt>& a);
  void QueueForDial(const std::shared_ptr<WantConn>& w);
  void StartDial(const std::shared_ptr<WantConn>& w);
  void OnDialed(PersistConn* pc, const std::shared_ptr<WantConn>& w, Error err);
  void StartOnConn(const std::shared_ptr<Attempt>& a, PersistConn* pc);
  // (Results are taken by rvalue reference: a Response moved at each call
  // is several strings' moves on every request.)
  void OnRoundTripDone(const std::shared_ptr<Attempt>& a, Result<Response>&& r,
                       PersistConn::Failure f);
  void Cancel(const std::shared_ptr<Attempt>& a, const Error& err);
  // Deliver hands the attempt its result, once: it leaves the wait queues,
  // stops listening for a cancel, and calls the RoundTrip callback.
  void Deliver(const std::shared_ptr<Attempt>& a, Result<Response>&& r);
  // PutIdle hands pc to the oldest request waiting for its host, or keeps
  // it in the pool (Go: tryPutIdleConn, putOrCloseIdleConn).
  void PutIdle(PersistConn* pc);
  void CloseAll(std::vector<PersistConn*> conns);
  // ClientTls is the context every https conn is cut from, made from
  // tls_client_config on the first https request; an error (a CA file
  // that cannot be read, say) fails that request, and the next one tries
  // again.
  Result<std::shared_ptr<TlsContext>> ClientTls();
  // KeyFor is KeyForURL(url) and the key's String(), remembered for the
  // last scheme and host asked: a client, or a proxy to one upstream, sends
  // request after request to one server, and parsing and canonicalising
  // its address again was some 900 instructions of each.
  const ConnectMethodKey* KeyFor(const URL& url, std::shared_ptr<const std::string>* key_string,
                                 Error* err);

  Transport* t_;
  Loop* loop_obj_;
  uv_loop_t* loop_;
  IdlePool<PersistConn> pool_;
  std::unordered_set<PersistConn*> conns_;  // every live conn, for ~Impl
  std::unordered_map<std::string, size_t> conns_per_host_;  // dialing + open
  // Requests waiting for an idle conn, and those waiting for a dial slot
  // under max_conns_per_host, oldest first. Entries served elsewhere stay
  // until popped (they are marked done).
  std::unordered_map<std::string, std::deque<std::shared_ptr<WantConn>>> idle_waiters_;
  std::unordered_map<std::string, std::deque<std::shared_ptr<WantConn>>> dial_waiters_;
  size_t conns_opened_ = 0;
  std::unique_ptr<char[]> read_buf_;
  // spare_wires_ are the emptied buffers of finished attempts' requests,
  // for the next ones to write theirs into (TakeWire, ReturnWire): every
  // round trip writes a request, and a fresh buffer was a malloc and a
  // free each time. Few and small, so they hold little memory.
  std::vector<std::string> spare_wires_;
  std::string TakeWire();
  void ReturnWire(std::string* wire);
  std::string tls_plaintext_;
  std::shared_ptr<TlsContext> tls_;
  struct KeyCache {
    std::string scheme, host;  // of the URL the key is for
    ConnectMethodKey key;
    std::shared_ptr<const std::string> key_string;  // key.String(), which attempts share
    bool valid = false;
  } key_cache_;
};

// TransportAccess (declared a friend in transport.h) names the private
// Transport::Impl for tests: TransportAccess::Of(t).IdleConnCount().
struct TransportAccess {
  using Impl = Transport::Impl;
  static Impl& Of(Transport& t) { return *t.impl_; }
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_TRANSPORT_IMPL_H_
