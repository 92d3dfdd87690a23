// TimeoutList: the deadlines of many connections on one uv_timer_t (STYLE
// rule 12; h2o's timeout lists). A list holds entries of one timeout kind,
// so they arrive in deadline order and linking one is O(1).
#ifndef NETHTTP_INTERNAL_TIMEOUT_LIST_H_
#define NETHTTP_INTERNAL_TIMEOUT_LIST_H_

#include <uv.h>

#include <cstdint>

namespace nethttp {

// TimeoutEntry is embedded in its owner (a Conn): a link in at most one
// TimeoutList, and when it expires.
struct TimeoutEntry {
  TimeoutEntry* prev = nullptr;
  TimeoutEntry* next = nullptr;  // null when not linked
  uint64_t due_ms = 0;           // loop time (uv_now) of expiry
  void* owner = nullptr;         // given back to the expire callback

  bool linked() const { return next != nullptr; }
  // Unlink takes the entry out of its list; a no-op when not linked. The
  // list's timer is left as it is: it fires early at worst, and re-arms for
  // the entry that is then first.
  void Unlink();
};

// TimeoutList keeps its entries sorted by due_ms and one timer armed for the
// first. An entry linked with the same duration as the others goes at the
// tail without a search, which is every link when the list serves one
// timeout kind; a different duration (the Server's knob changed) still
// lands in order, found by walking back from the tail.
//
// A connection moves between lists at every state change: that is a few
// pointer writes, where restarting a uv_timer_t per connection was a heap
// operation and 152 bytes per connection.
class TimeoutList {
 public:
  using ExpireFn = void (*)(TimeoutEntry* e);

  // New makes a list on loop; Close frees it. expire is called for each
  // entry whose time has come, already unlinked.
  static TimeoutList* New(uv_loop_t* loop, ExpireFn expire);

  TimeoutList(const TimeoutList&) = delete;
  TimeoutList& operator=(const TimeoutList&) = delete;

  // Link (re)links e to expire duration_ms from now, unlinking it from any
  // list it was in.
  void Link(TimeoutEntry* e, uint64_t duration_ms);
  bool empty() const { return head_.next == &head_; }
  // Stop disarms the timer of an empty list, so that a stopped server's
  // lists do not keep the loop running until a stale deadline.
  void Stop();
  // Close frees the list once libuv is done with its timer. No entry may
  // be linked.
  void Close();

 private:
  TimeoutList(uv_loop_t* loop, ExpireFn expire);
  ~TimeoutList() = default;
  static void OnTimer(uv_timer_t* t);
  void Arm(uint64_t now);

  TimeoutEntry head_;  // sentinel of a circular list: head_.next is the first entry
  uv_timer_t timer_;
  ExpireFn expire_;
  uint64_t armed_ms_ = 0;  // when timer_ fires (0: not armed)
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_TIMEOUT_LIST_H_
