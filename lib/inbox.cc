// Inbox (internal/inbox.h): a locked queue of functions drained by a
// uv_async_t callback on the loop that owns it.
#include "internal/inbox.h"

#include <utility>

#include "internal/uv_handle.h"

namespace nethttp {

Inbox* Inbox::New(uv_loop_t* loop) {
  auto* in = new Inbox;
  uv_async_init(loop, &in->async_, OnAsync);
  in->async_.data = in;
  return in;
}

void Inbox::Post(std::function<void()> f) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!retired_) {
      queue_.push_back(std::move(f));
      // Sent under the lock: once it is released the message may run (and
      // whoever waited for it free this inbox) before a send made after
      // it. (libuv coalesces sends made before the callback runs: one
      // wake-up drains them all.)
      uv_async_send(&async_);
      return;
    }
  }
  std::lock_guard<std::recursive_mutex> run(retired_mu_);
  f();
}

void Inbox::OnAsync(uv_async_t* a) {
  auto* in = OwnerOf<Inbox>(a);
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(in->mu_);
    batch.swap(in->queue_);
  }
  // Run without the lock: a function may post again (to this inbox too).
  for (auto& f : batch) f();
}

void Inbox::Retire() {
  std::lock_guard<std::recursive_mutex> run(retired_mu_);
  std::vector<std::function<void()>> rest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    retired_ = true;
    rest.swap(queue_);
  }
  for (auto& f : rest) f();
}

void Inbox::Unref() { uv_unref(reinterpret_cast<uv_handle_t*>(&async_)); }

void Inbox::Close() {
  uv_close(reinterpret_cast<uv_handle_t*>(&async_), [](uv_handle_t* h) { delete OwnerOf<Inbox>(h); });
}

}  // namespace nethttp
