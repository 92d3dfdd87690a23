// Tests for nethttp/pool_allocator.h: a freed block comes back to the next
// allocation of its size class on the same thread, the lists are bounded,
// and the containers and shared_ptrs that use it behave as with
// std::allocator. Under a sanitizer the pools are off (every block goes
// back to the system, so a use after free is caught): the reuse checks
// then assert that instead.
#include <doctest/doctest.h>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "nethttp/header.h"
#include "nethttp/pool_allocator.h"

using nethttp::PoolAllocator;
namespace pd = nethttp::pool_detail;

namespace {

struct Block512 {
  char bytes[500];
};

}  // namespace

TEST_SUITE("pool_allocator") {
  TEST_CASE("a freed block is what the next allocation of its size class gets") {
    PoolAllocator<Block512> a;
    Block512* p = a.allocate(1);
    a.deallocate(p, 1);
    Block512* q = a.allocate(1);
    CHECK((q == p) == pd::Enabled());
    // Another type of the same class (449 to 512 bytes) takes it too.
    a.deallocate(q, 1);
    PoolAllocator<char> c;
    char* r = c.allocate(449);
    CHECK((r == reinterpret_cast<char*>(q)) == pd::Enabled());
    // One of another class does not.
    char* s = c.allocate(513);
    CHECK(s != r);
    c.deallocate(s, 513);
    c.deallocate(r, 449);
  }

  TEST_CASE("each class keeps at most MaxBlocks; more go back to the system") {
    if (!pd::Enabled()) return;
    PoolAllocator<Block512> a;
    const size_t cls = pd::ClassOf(sizeof(Block512));
    const size_t max_blocks = pd::MaxBlocks(cls);
    CHECK(max_blocks * 512 == pd::kClassBudget);
    std::vector<Block512*> held;
    for (size_t i = 0; i < 2 * max_blocks; ++i) held.push_back(a.allocate(1));
    CHECK(pd::FreeBlocks(cls) == 0);
    for (Block512* p : held) a.deallocate(p, 1);
    CHECK(pd::FreeBlocks(cls) == max_blocks);
    // The first max_blocks freed are the ones kept (the list was full after), handed out again.
    std::set<Block512*> kept(held.begin(), held.begin() + max_blocks);
    for (size_t i = 0; i < max_blocks; ++i) {
      Block512* p = a.allocate(1);
      CHECK(kept.count(p) == 1);
      held[i] = p;
    }
    CHECK(pd::FreeBlocks(cls) == 0);
    for (size_t i = 0; i < max_blocks; ++i) a.deallocate(held[i], 1);
  }

  TEST_CASE("a block larger than kMaxBytes is the system's") {
    if (!pd::Enabled()) return;
    PoolAllocator<char> c;
    auto kept = [] {
      size_t n = 0;
      for (size_t k = 0; k < pd::kClasses; ++k) n += pd::FreeBlocks(k);
      return n;
    };
    size_t before = kept();
    char* big = c.allocate(pd::kMaxBytes + 1);
    c.deallocate(big, pd::kMaxBytes + 1);
    CHECK(kept() == before);  // no list took it
  }

  TEST_CASE("a block freed on another thread joins that thread's lists, and they are freed with it") {
    PoolAllocator<Block512> a;
    Block512* p = a.allocate(1);
    p->bytes[0] = 'x';
    size_t other_count = 0;
    std::thread t([&] {
      a.deallocate(p, 1);
      other_count = pd::FreeBlocks(pd::ClassOf(sizeof(Block512)));
    });
    t.join();
    CHECK(other_count == (pd::Enabled() ? 1u : 0u));
    // (The thread's lists, and p with them, were freed as it ended.)
  }

  TEST_CASE("a Header's fields live in the pools and copy, move and compare as before") {
    nethttp::Header h;
    h.Add("a", "1");
    h.Add("b", std::string(100, 'v'));
    nethttp::Header copy = h;
    nethttp::Header moved = std::move(copy);
    REQUIRE(moved.size() == 2);
    CHECK(moved.Get("A") == "1");
    CHECK(moved.Get("B") == std::string(100, 'v'));
    nethttp::Header assigned;
    assigned.Add("c", "3");
    assigned = moved;
    CHECK(assigned.size() == 2);
    CHECK(!assigned.Has("C"));
    std::string wire;
    assigned.Write(&wire);
    CHECK(wire == "A: 1\r\nB: " + std::string(100, 'v') + "\r\n");
  }

  TEST_CASE("allocate_shared through the pools frees its object and block once") {
    struct Counted {
      explicit Counted(int* n) : n_(n) { ++*n_; }
      ~Counted() { --*n_; }
      int* n_;
      char pad[300];
    };
    int live = 0;
    {
      auto p = std::allocate_shared<Counted>(PoolAllocator<Counted>(), &live);
      std::shared_ptr<Counted> q = p;
      CHECK(live == 1);
    }
    CHECK(live == 0);
  }
}
