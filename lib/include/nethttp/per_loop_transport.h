// PerLoopTransport: one configured Transport per loop, for a RoundTripper
// that the workers of a Server share. A Transport lives on one loop (its
// pool, timers and sockets are that loop's), so a handler running on
// several workers cannot share one; Go needs no such thing because its
// Transport takes a lock, which nethttp keeps off the request path.
#ifndef NETHTTP_PER_LOOP_TRANSPORT_H_
#define NETHTTP_PER_LOOP_TRANSPORT_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "nethttp/loop.h"
#include "nethttp/transport.h"

namespace nethttp {

class PerLoopTransport : public RoundTripper {
 public:
  // Make returns a new Transport for loop, configured as every other one
  // (Transport(&loop) plus its knobs). It runs on loop's thread, the first
  // time a request is sent from that loop, so it may run on several
  // threads at once: it must only read what it shares (a TLSConfig, say).
  using Make = std::function<std::shared_ptr<Transport>(Loop& loop)>;

  explicit PerLoopTransport(Make make);

  using RoundTripper::RoundTrip;
  // RoundTrip sends req through the calling loop's Transport
  // (Loop::Current(), or DefaultLoop() on a thread that runs none).
  void RoundTrip(Request req, Done done, std::shared_ptr<Cancelation> cancel) override;
  // EventLoop is the calling loop: done is called on it.
  Loop& EventLoop() override;
  bool ReturnsRequest() const override { return true; }

  // ForCurrentLoop returns the calling loop's Transport, made on first use.
  // It is freed with its Loop, not with this object: a worker's idle
  // connections close when the worker stops. Call it on the loop's thread
  // (for instance to CloseIdleConnections on the loop that stops last).
  Transport& ForCurrentLoop();

 private:
  Make make_;
  uint64_t key_;  // where each loop keeps its Transport (internal/loop_local.h)
};

}  // namespace nethttp

#endif  // NETHTTP_PER_LOOP_TRANSPORT_H_
