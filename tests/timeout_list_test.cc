// Tests for lib/timeout_list.cc on a real loop: entries expire in due
// order and never early, unlinked ones never, and the one timer re-arms for
// whatever is first; the fixture proves the list's timer is freed.
#include <doctest/doctest.h>
#include <uv.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "internal/timeout_list.h"
#include "testutil/loop_fixture.h"

using nethttp::TimeoutEntry;
using nethttp::TimeoutList;
using nethttp::testutil::LoopFixture;

namespace {

// Record is what an entry's owner is here: a name written to `order` when
// the entry expires.
struct Record {
  std::string name;
  std::vector<std::string>* order = nullptr;
  // on_expire runs inside the expire callback (a relink, say).
  std::function<void()> on_expire;
};

void Expire(TimeoutEntry* e) {
  auto* r = static_cast<Record*>(e->owner);
  CHECK_FALSE(e->linked());  // unlinked before the callback
  r->order->push_back(r->name);
  if (r->on_expire) r->on_expire();
}

// Entry is a TimeoutEntry with its Record.
struct Entry {
  Entry(std::string name, std::vector<std::string>* order) {
    record.name = std::move(name);
    record.order = order;
    entry.owner = &record;
  }
  ~Entry() { entry.Unlink(); }
  Record record;
  TimeoutEntry entry;
};

// ListOwner closes its list at scope exit, as Server::Impl does.
struct ListOwner {
  explicit ListOwner(uv_loop_t* loop) : list(TimeoutList::New(loop, Expire)) {}
  ~ListOwner() { list->Close(); }
  TimeoutList* list;
};

}  // namespace

TEST_SUITE("timeout_list") {
  TEST_CASE("entries expire in due order, not before their time") {
    LoopFixture fx;
    std::vector<std::string> order;
    ListOwner owner(fx.uv());
    TimeoutList& list = *owner.list;
    Entry a("a", &order), b("b", &order), c("c", &order);
    uv_update_time(fx.uv());
    uint64_t start = uv_now(fx.uv());
    list.Link(&a.entry, 60);
    list.Link(&b.entry, 60);
    // A shorter duration (a knob changed) still lands in order: first.
    list.Link(&c.entry, 20);
    CHECK(fx.RunUntil([&] { return order.size() == 3; }));
    CHECK(order == std::vector<std::string>{"c", "a", "b"});
    // Loop time is in whole milliseconds: an entry may not expire before
    // its due time.
    CHECK(uv_now(fx.uv()) >= start + 60);
    CHECK(list.empty());
  }

  TEST_CASE("an unlinked entry never expires; a relinked one moves to its new time") {
    LoopFixture fx;
    std::vector<std::string> order;
    ListOwner owner(fx.uv());
    TimeoutList& list = *owner.list;
    Entry first("first", &order), gone("gone", &order), moved("moved", &order),
        last("last", &order);
    list.Link(&first.entry, 10);
    list.Link(&gone.entry, 15);
    list.Link(&moved.entry, 20);
    list.Link(&last.entry, 40);
    gone.entry.Unlink();
    CHECK_FALSE(gone.entry.linked());
    list.Link(&moved.entry, 80);  // relinked: now after "last"
    CHECK(fx.RunUntil([&] { return order.size() == 3; }));
    CHECK(order == std::vector<std::string>{"first", "last", "moved"});
  }

  TEST_CASE("the first entry unlinked: the timer fires early, re-arms, and the next still expires") {
    LoopFixture fx;
    std::vector<std::string> order;
    ListOwner owner(fx.uv());
    TimeoutList& list = *owner.list;
    Entry early("early", &order), later("later", &order);
    // Link counts from the loop's cached clock, so "later" is due 50 ms
    // after this reading (an updated clock, read after the Links, was up
    // to a few ms later on a loaded TSan run, and the check failed).
    uint64_t start = uv_now(fx.uv());
    list.Link(&early.entry, 10);
    list.Link(&later.entry, 50);
    early.entry.Unlink();
    CHECK(fx.RunUntil([&] { return order.size() == 1; }));
    CHECK(order == std::vector<std::string>{"later"});
    CHECK(uv_now(fx.uv()) + 1 >= start + 50);
  }

  TEST_CASE("an expire callback may link entries into the same list") {
    LoopFixture fx;
    std::vector<std::string> order;
    ListOwner owner(fx.uv());
    TimeoutList& list = *owner.list;
    Entry again("again", &order), other("other", &order);
    int rounds = 0;
    // Each re-link starts from the (possibly late) expiry, so the margins
    // are wide: a loop that wakes up to 25 ms late, as on a loaded
    // machine, still sees this order.
    again.record.on_expire = [&] {
      if (++rounds < 3) list.Link(&again.entry, 100);  // expires once per 100 ms, three times
    };
    list.Link(&again.entry, 100);
    list.Link(&other.entry, 250);
    CHECK(fx.RunUntil([&] { return order.size() == 4; }));
    CHECK(order == std::vector<std::string>{"again", "again", "other", "again"});
    CHECK(rounds == 3);
  }

  TEST_CASE("Stop disarms an emptied list, so the loop ends at once") {
    LoopFixture fx;
    std::vector<std::string> order;
    ListOwner owner(fx.uv());
    TimeoutList& list = *owner.list;
    Entry e("e", &order);
    list.Link(&e.entry, 60'000);
    e.entry.Unlink();
    list.Stop();
    // Nothing is active on the loop any more: uv_run returns without waiting
    // a minute for the stale deadline.
    CHECK(uv_run(fx.uv(), UV_RUN_NOWAIT) == 0);
    CHECK(order.empty());
  }
}
