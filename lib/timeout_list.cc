// TimeoutList (internal/timeout_list.h): an intrusive circular list sorted
// by due time, and the one timer that serves it.
#include "internal/timeout_list.h"

#include "internal/uv_handle.h"

namespace nethttp {

void TimeoutEntry::Unlink() {
  if (next == nullptr) return;
  prev->next = next;
  next->prev = prev;
  prev = next = nullptr;
}

TimeoutList* TimeoutList::New(uv_loop_t* loop, ExpireFn expire) { return new TimeoutList(loop, expire); }

TimeoutList::TimeoutList(uv_loop_t* loop, ExpireFn expire) : expire_(expire) {
  head_.prev = head_.next = &head_;
  uv_timer_init(loop, &timer_);
  timer_.data = this;
}

void TimeoutList::Link(TimeoutEntry* e, uint64_t duration_ms) {
  e->Unlink();
  uint64_t now = uv_now(timer_.loop);
  e->due_ms = now + duration_ms;
  TimeoutEntry* after = head_.prev;  // the tail, or head_ when empty
  while (after != &head_ && after->due_ms > e->due_ms) after = after->prev;
  e->prev = after;
  e->next = after->next;
  after->next->prev = e;
  after->next = e;
  // The timer is armed no later than the first entry: it may fire early
  // (for an entry unlinked since), never late.
  if (armed_ms_ == 0 || armed_ms_ > head_.next->due_ms) Arm(now);
}

void TimeoutList::Arm(uint64_t now) {
  uint64_t due = head_.next->due_ms;
  armed_ms_ = due;
  uv_timer_start(&timer_, OnTimer, due > now ? due - now : 0, 0);
}

void TimeoutList::OnTimer(uv_timer_t* t) {
  TimeoutList* list = OwnerOf<TimeoutList>(t);
  list->armed_ms_ = 0;
  uint64_t now = uv_now(t->loop);
  // An expiry may link other entries (into this list too: they go at the
  // tail with a due time after now), so the first entry is re-read each
  // time round.
  while (!list->empty() && list->head_.next->due_ms <= now) {
    TimeoutEntry* e = list->head_.next;
    e->Unlink();
    list->expire_(e);
  }
  if (!list->empty() && list->armed_ms_ == 0) list->Arm(now);
}

void TimeoutList::Stop() {
  if (!empty()) return;
  uv_timer_stop(&timer_);
  armed_ms_ = 0;
}

void TimeoutList::Close() {
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_),
           [](uv_handle_t* h) { delete OwnerOf<TimeoutList>(h); });
}

}  // namespace nethttp
