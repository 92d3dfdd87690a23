// PoolAllocator keeps the blocks of the objects every exchange makes and
// frees (a Header's fields, a held response, a round trip's state) in
// per-thread free lists, for the next exchange to take back (Go: the
// sync.Pools of net/http). Header allocates with it; an application may
// use it for its own per-request objects.
#ifndef NETHTTP_POOL_ALLOCATOR_H_
#define NETHTTP_POOL_ALLOCATOR_H_

#include <cstddef>

namespace nethttp {
namespace pool_detail {

// Blocks are kept by size class, a multiple of kGrain bytes up to
// kMaxBytes, at most kClassBudget bytes of free blocks per class and
// thread (pool_allocator.cc says why these sizes).
inline constexpr size_t kGrain = 64;
inline constexpr size_t kMaxBytes = 2048;
inline constexpr size_t kClasses = kMaxBytes / kGrain;
inline constexpr size_t kClassBudget = 64 * 1024;

// ClassOf is the size class of a block of n bytes, 1 <= n <= kMaxBytes.
constexpr size_t ClassOf(size_t n) { return (n - 1) / kGrain; }
// MaxBlocks is how many free blocks class c keeps: 1024 of 64 bytes, 32 of 2 KiB.
constexpr size_t MaxBlocks(size_t c) { return kClassBudget / ((c + 1) * kGrain); }

// Allocate and Deallocate are defined in the library, so that whether the
// pools are on (they are off in a sanitizer build of it) is decided once,
// whatever the flags of the code that includes this header.
void* Allocate(size_t n);
void Deallocate(void* p, size_t n) noexcept;
// For tests: whether the pools are on, and how many blocks this thread's
// list of class c holds.
bool Enabled();
size_t FreeBlocks(size_t c);

}  // namespace pool_detail

// PoolAllocator is a stateless std allocator over the pools: two of them
// always compare equal, so containers and shared_ptrs that use it copy,
// move and swap as those with std::allocator do.
template <class T>
struct PoolAllocator {
  using value_type = T;

  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT: implicit, as allocators are

  T* allocate(size_t n) {
    // (Blocks come from plain operator new, aligned for any ordinary type.)
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "PoolAllocator: an over-aligned type");
    return static_cast<T*>(pool_detail::Allocate(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept { pool_detail::Deallocate(p, n * sizeof(T)); }

  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace nethttp

#endif  // NETHTTP_POOL_ALLOCATOR_H_
