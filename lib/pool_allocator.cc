// The per-thread free lists behind PoolAllocator (nethttp/pool_allocator.h).
#include "nethttp/pool_allocator.h"

#include <new>

namespace nethttp {
namespace pool_detail {
namespace {

// Why pools, where malloc already caches: glibc's per-thread cache keeps 7
// blocks of a size. A loop with 50 exchanges in flight frees 50 alike at
// once, and the rest take malloc's slow path, about 200 instructions a
// block; a proxied request made a dozen such blocks.
//
// Why a budget in bytes per class, not a count: one exchange may take
// several blocks of a class (a proxied request has three headers of eight
// fields, 512 bytes each, alive at once), so 50 in flight need 150 of
// them back, and a cap of 64 blocks sent one block per request to malloc.
// 64 KiB per class is 128 such blocks (most of the 150), 1024 small ones,
// 32 of the largest. Why not more: the blocks a burst leaves behind stay
// with their class, where malloc would hand them to any size, and with
// 128 KiB a class pingd's memory per idle TLS connection rose past
// nginx's (15,827-15,850 bytes against 15,794 now; issue 12's row).
// A thread keeps at most 2 MiB that no exchange is using, if a burst
// filled every class (a proxied request uses six).
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
// of its class's whole size. The lists run through the free blocks
// themselves, so a thread's lists cost it a few hundred bytes whatever
// they hold.
struct FreeBlock {
  FreeBlock* next;
};
struct FreeLists {
  FreeBlock* head[kClasses] = {};
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
    while (FreeBlock* b = head[c]) {
      head[c] = b->next;
      ::operator delete(b);
    }
    count[c] = 0;
  }
}

}  // namespace

void* Allocate(size_t n) {
  if (!kEnabled || n == 0 || n > kMaxBytes) return ::operator new(n);
  size_t c = ClassOf(n);
  if (!lists_gone && lists.head[c] != nullptr) {
    FreeBlock* b = lists.head[c];
    lists.head[c] = b->next;
    --lists.count[c];
    return b;
  }
  return ::operator new((c + 1) * kGrain);  // the class's size: any block of it may reuse this one
}

void Deallocate(void* p, size_t n) noexcept {
  if (kEnabled && n != 0 && n <= kMaxBytes && !lists_gone) {
    size_t c = ClassOf(n);
    if (lists.count[c] < MaxBlocks(c)) {
      lists.head[c] = new (p) FreeBlock{lists.head[c]};
      ++lists.count[c];
      return;
    }
  }
  ::operator delete(p);
}

bool Enabled() { return kEnabled; }

size_t FreeBlocks(size_t c) { return lists_gone ? 0 : lists.count[c]; }

}  // namespace pool_detail
}  // namespace nethttp
