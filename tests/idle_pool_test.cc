// Tests for internal/idle_pool.h (a template, no .cc): MRU order, per-host
// and total caps, expiry (Go: TestTransportMaxPerHostIdleConns,
// TestIdleConnH2Crash's idleLRU). The key is connect_method_key_test's.
#include "internal/idle_pool.h"

#include <doctest/doctest.h>

#include <vector>

using nethttp::IdlePool;

namespace {
struct FakeConn {
  int id;
};
}  // namespace

TEST_SUITE("idle_pool") {
  TEST_CASE("Take returns the most recently used conn first") {
    IdlePool<FakeConn> pool(0, 10);
    FakeConn a{1}, b{2}, c{3};
    CHECK(pool.Put("k", &a, 1).empty());
    CHECK(pool.Put("k", &b, 2).empty());
    CHECK(pool.Put("other", &c, 3).empty());
    std::vector<FakeConn*> expired;
    CHECK(pool.Take("k", 4, 0, &expired) == &b);
    CHECK(pool.Take("k", 4, 0, &expired) == &a);
    CHECK(pool.Take("k", 4, 0, &expired) == nullptr);
    CHECK(pool.size() == 1);
    CHECK(expired.empty());
  }

  TEST_CASE("the per-host cap refuses the newcomer (Go: errTooManyIdleHost)") {
    IdlePool<FakeConn> pool(0, 2);
    FakeConn a{1}, b{2}, c{3};
    pool.Put("k", &a, 1);
    pool.Put("k", &b, 2);
    std::vector<FakeConn*> out = pool.Put("k", &c, 3);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == &c);
    CHECK(pool.size("k") == 2);
  }

  TEST_CASE("the total cap evicts the least recently used conn of any host") {
    IdlePool<FakeConn> pool(2, 10);
    FakeConn a{1}, b{2}, c{3};
    pool.Put("x", &a, 1);
    pool.Put("y", &b, 2);
    std::vector<FakeConn*> out = pool.Put("z", &c, 3);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == &a);
    CHECK(pool.size() == 2);
    CHECK(pool.size("x") == 0);
  }

  TEST_CASE("conns idle too long are handed back as expired, never reused") {
    IdlePool<FakeConn> pool(0, 10);
    FakeConn a{1}, b{2}, c{3};
    pool.Put("k", &a, 0);
    pool.Put("k", &b, 10);
    pool.Put("k", &c, 100);
    std::vector<FakeConn*> expired;
    CHECK(pool.Take("k", 105, 50, &expired) == &c);
    CHECK(expired.size() == 2);
    CHECK(pool.size() == 0);
    pool.Put("k", &a, 200);
    expired.clear();
    CHECK(pool.Take("k", 300, 50, &expired) == nullptr);
    CHECK(expired.size() == 1);
  }

  TEST_CASE("Remove and RemoveAll") {
    IdlePool<FakeConn> pool(0, 10);
    FakeConn a{1}, b{2};
    pool.Put("k", &a, 1);
    pool.Put("j", &b, 1);
    CHECK(pool.Remove("k", &a));
    CHECK_FALSE(pool.Remove("k", &a));
    CHECK(pool.RemoveAll().size() == 1);
    CHECK(pool.size() == 0);
  }

  TEST_CASE("a zero per-host cap keeps nothing") {
    IdlePool<FakeConn> pool(0, 0);
    FakeConn a{1};
    CHECK(pool.Put("k", &a, 1).size() == 1);
    CHECK(pool.size() == 0);
  }
}
