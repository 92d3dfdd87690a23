// PerLoopTransport: a Transport per loop, each kept in its Loop's locals so
// that no thread ever reaches another's pool and no lock is taken.
#include "nethttp/per_loop_transport.h"

#include <cstdio>
#include <cstdlib>
#include <typeinfo>
#include <utility>

#include "internal/loop_local.h"
#include "internal/transport_impl.h"

namespace nethttp {

PerLoopTransport::PerLoopTransport(Make make) : make_(std::move(make)), key_(NewLoopLocalKey()) {}

Transport& PerLoopTransport::ForCurrentLoop() {
  Loop& loop = EventLoop();
  return LoopLocal<Transport>(loop, key_, [this, &loop] {
    std::shared_ptr<Transport> t = make_(loop);
    // A Transport on another loop would run its sockets from this thread
    // while its own loop's thread runs them too: a bug to stop at once (as
    // Result's BadResultAccess does), not a race to find later.
    if (t == nullptr || &t->EventLoop() != &loop) {
      std::fprintf(stderr, "nethttp: PerLoopTransport's Make must return a Transport on the loop it is given\n");
      std::abort();
    }
    return t;
  });
}

void PerLoopTransport::RoundTrip(Request req, Done done, std::shared_ptr<Cancelation> cancel) {
  // Straight to the Impl: Transport::RoundTrip takes the Request by value,
  // and a move of one is some twenty strings'.
  // A subclass that overrides RoundTrip keeps its override.
  Transport& t = ForCurrentLoop();
  if (typeid(t) != typeid(Transport)) {
    t.RoundTrip(std::move(req), std::move(done), std::move(cancel));
    return;
  }
  t.impl_->RoundTrip(std::move(req), std::move(done), std::move(cancel));
}

Loop& PerLoopTransport::EventLoop() {
  Loop* current = Loop::Current();
  return current != nullptr ? *current : DefaultLoop();
}

}  // namespace nethttp
