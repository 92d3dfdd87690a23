// TurnEndList: work put off to the end of the current loop turn, once per
// entry however often it is asked for. A held response's writes gather
// here, so the pieces a callback writes leave in one write, and a body
// written whole before Finish still gets its Content-Length.
#ifndef NETHTTP_INTERNAL_TURN_END_LIST_H_
#define NETHTTP_INTERNAL_TURN_END_LIST_H_

#include <uv.h>

#include "internal/timeout_list.h"

namespace nethttp {

// TurnEndEntry is the same intrusive link as a deadline's (its due_ms is
// unused): embedded in its owner, in at most one list.
using TurnEndEntry = TimeoutEntry;

// TurnEndList runs its callback for each linked entry at the end of the
// loop turn that linked it. "The end" is whichever comes first of libuv's
// check phase (right after the I/O callbacks of this turn) and its prepare
// phase (right after the timers, before the loop blocks in poll), so work
// linked from any callback runs before the loop waits again. The handles
// are active only while an entry is linked: an empty list costs nothing
// per turn.
class TurnEndList {
 public:
  using RunFn = void (*)(TurnEndEntry* e);

  // New makes a list on loop; Close frees it. run is called for each
  // entry, already unlinked (so it may link the entry again, for the next
  // turn).
  static TurnEndList* New(uv_loop_t* loop, RunFn run);

  TurnEndList(const TurnEndList&) = delete;
  TurnEndList& operator=(const TurnEndList&) = delete;

  // Link puts e in the list; a no-op when it is already linked here.
  void Link(TurnEndEntry* e);
  // Close frees the list once libuv is done with its handles. No entry may
  // be linked.
  void Close();

 private:
  TurnEndList(uv_loop_t* loop, RunFn run);
  ~TurnEndList() = default;
  template <typename H>
  static void OnPhase(H* h);
  void RunAll();
  void RunBatch();

  TurnEndEntry head_;  // sentinel of a circular list
  uv_check_t check_;
  uv_prepare_t prepare_;
  RunFn run_;
  bool active_ = false;  // the handles are started
  int open_handles_ = 2;  // until both close callbacks have run
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_TURN_END_LIST_H_
