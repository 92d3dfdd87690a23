// TurnEndList (internal/turn_end_list.h): an intrusive list drained by a
// check and a prepare handle, started only while the list is not empty.
#include "internal/turn_end_list.h"

#include "internal/uv_handle.h"

namespace nethttp {

TurnEndList* TurnEndList::New(uv_loop_t* loop, RunFn run) { return new TurnEndList(loop, run); }

TurnEndList::TurnEndList(uv_loop_t* loop, RunFn run) : run_(run) {
  head_.prev = head_.next = &head_;
  uv_check_init(loop, &check_);
  uv_prepare_init(loop, &prepare_);
  check_.data = prepare_.data = this;
  // Neither handle should keep a loop running that has nothing else to
  // do: whatever linked an entry is itself a reason to run.
  uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
  uv_unref(reinterpret_cast<uv_handle_t*>(&prepare_));
}

void TurnEndList::Link(TurnEndEntry* e) {
  if (e->linked()) return;
  e->prev = head_.prev;
  e->next = &head_;
  head_.prev->next = e;
  head_.prev = e;
  if (!active_) {
    active_ = true;
    uv_check_start(&check_, OnPhase<uv_check_t>);
    uv_prepare_start(&prepare_, OnPhase<uv_prepare_t>);
  }
}

template <typename H>
void TurnEndList::OnPhase(H* h) {
  OwnerOf<TurnEndList>(h)->RunAll();
}

void TurnEndList::RunAll() {
  // Work that the run itself links (an OnWritable callback that writes)
  // must not wait for the next phase: after prepare comes poll, which
  // would block. So the run goes round while entries keep coming, a few
  // times at most, so that an entry that links itself at every run cannot
  // hold the loop here.
  for (int round = 0; round < 8 && head_.next != &head_; ++round) RunBatch();
  if (head_.next == &head_ && active_) {
    active_ = false;
    uv_check_stop(&check_);
    uv_prepare_stop(&prepare_);
  }
}

void TurnEndList::RunBatch() {
  // The entries linked so far move to a list of their own first: one that
  // run_ links again waits for the next round, and one that another's
  // run_ unlinks (its owner closed) simply leaves it.
  TurnEndEntry batch;
  batch.prev = batch.next = &batch;
  if (head_.next != &head_) {
    batch.next = head_.next;
    batch.prev = head_.prev;
    batch.next->prev = batch.prev->next = &batch;
    head_.prev = head_.next = &head_;
  }
  while (batch.next != &batch) {
    TurnEndEntry* e = batch.next;
    e->Unlink();
    run_(e);
  }
}

void TurnEndList::Close() {
  auto closed = [](uv_handle_t* h) {
    TurnEndList* list = OwnerOf<TurnEndList>(h);
    if (--list->open_handles_ == 0) delete list;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&check_), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), closed);
}

}  // namespace nethttp
