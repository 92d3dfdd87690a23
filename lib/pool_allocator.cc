// The per-thread free lists behind PoolAllocator (nethttp/pool_allocator.h).
#include "nethttp/pool_allocator.h"

#include <new>

namespace nethttp {
namespace pool_detail {
namespace {

// Why pools, where malloc already caches: glibc's per-thread cache keeps 7
// blocks of a size. A loop with 50 exchanges in flight frees 50 alike at
// once, and the rest take malloc's slow path, about 200 instructions a
// block; a proxied request made a dozen such blocks. 64 blocks per class
// cover the exchanges one loop has in flight under load, and a thread
// then holds at most a few hundred KiB that no exchange is using (blocks
// that malloc would mostly keep in its free lists too).
//
// Under a sanitizer every block goes back to the system at once, so that a
// use after free is still caught, not hidden by a block handed out again.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kEnabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
constexpr bool kEnabled = false;
#else
constexpr bool kEnabled = true;
#endif
#else
constexpr bool kEnabled = true;
#endif

// FreeLists are one thread's free blocks, handed back to the system when
// the thread ends. A block freed on another thread than the one that took
// it joins that thread's lists: every block is plain operator new memory
// of its class's whole size.
struct FreeLists {
  void* blocks[kClasses][kMaxBlocks];
  size_t count[kClasses] = {};
  ~FreeLists();
};

// Set once this thread's FreeLists are destroyed (it is trivially
// destructible, so it can still be read then): a block freed later, by a
// thread-local or static object's destructor, goes back to the system.
thread_local bool lists_gone = false;
thread_local FreeLists lists;

FreeLists::~FreeLists() {
  lists_gone = true;
  for (size_t c = 0; c < kClasses; ++c) {
    for (size_t i = 0; i < count[c]; ++i) ::operator delete(blocks[c][i]);
    count[c] = 0;
  }
}

}  // namespace

void* Allocate(size_t n) {
  if (!kEnabled || n == 0 || n > kMaxBytes) return ::operator new(n);
  size_t c = ClassOf(n);
  if (!lists_gone && lists.count[c] > 0) return lists.blocks[c][--lists.count[c]];
  return ::operator new((c + 1) * kGrain);  // the class's size: any block of it may reuse this one
}

void Deallocate(void* p, size_t n) noexcept {
  if (kEnabled && n != 0 && n <= kMaxBytes && !lists_gone) {
    size_t c = ClassOf(n);
    if (lists.count[c] < kMaxBlocks) {
      lists.blocks[c][lists.count[c]++] = p;
      return;
    }
  }
  ::operator delete(p);
}

bool Enabled() { return kEnabled; }

size_t FreeBlocks(size_t c) { return lists_gone ? 0 : lists.count[c]; }

}  // namespace pool_detail
}  // namespace nethttp
