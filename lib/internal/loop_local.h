// LoopLocal: state the library keeps per loop for an object that several
// loops use at once, such as a Dir or DefaultTransport() shared by the
// workers of a Server. Each loop gets its own copy, made on first use on
// that loop's thread and freed with the Loop, so no thread ever touches
// another's and no lock is taken. (A copy outlives its object until its
// loop goes: that is the price of never reaching into another thread.)
#ifndef NETHTTP_INTERNAL_LOOP_LOCAL_H_
#define NETHTTP_INTERNAL_LOOP_LOCAL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "nethttp/loop.h"

namespace nethttp {

struct LoopAccess {
  static auto& Locals(Loop& loop) { return loop.locals_; }
};

// NewLoopLocalKey returns a key no other object has had: keys are never
// reused, so a new object can never find what a dead one left on a loop.
inline uint64_t NewLoopLocalKey() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// LoopLocal returns loop's T for key, made by make() (a
// std::shared_ptr<T>) the first time. Call it on loop's thread.
template <typename T, typename Make>
T& LoopLocal(Loop& loop, uint64_t key, Make make) {
  auto& locals = LoopAccess::Locals(loop);
  for (auto& [k, v] : locals) {
    if (k == key) return *static_cast<T*>(v.get());
  }
  std::shared_ptr<T> made = make();
  T& ref = *made;
  locals.emplace_back(key, std::move(made));
  return ref;
}

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_LOOP_LOCAL_H_
