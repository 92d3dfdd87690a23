// Inbox runs on a loop's thread the functions other threads hand it: how
// the workers of a Server (server.cc) reach each other's loops. A
// uv_async_t wakes the loop; the queue behind it is the one lock, taken
// once per message and never on the request path.
#ifndef NETHTTP_INTERNAL_INBOX_H_
#define NETHTTP_INTERNAL_INBOX_H_

#include <uv.h>

#include <functional>
#include <mutex>
#include <vector>

namespace nethttp {

class Inbox {
 public:
  // New makes an inbox on loop, from the loop's thread or before the loop
  // first runs. It keeps the loop running until Unref or Close.
  static Inbox* New(uv_loop_t* loop);
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  // Post queues f to run on the loop's thread in a later turn, in the order
  // posted. Once the inbox is retired it runs f at once on the caller's
  // thread instead, one such call at a time. Any thread; never after Close.
  void Post(std::function<void()> f);
  // Retire is the loop thread's last word: its loop has stopped for good.
  // What is still queued runs now, and later posts run on their poster's
  // thread, so that a message racing the loop's end (a second Shutdown
  // reaching a worker whose last connection just went) is still answered.
  // A retired inbox's functions must be safe on a loop no one runs.
  void Retire();
  // Unref lets the loop end while the inbox waits (uv_unref). Loop thread.
  void Unref();
  // Close frees the inbox once the loop has run its close callback; what is
  // still queued is dropped unrun. Loop thread, or a loop no longer running.
  void Close();

 private:
  Inbox() = default;
  static void OnAsync(uv_async_t* a);

  uv_async_t async_;
  std::mutex mu_;
  std::vector<std::function<void()>> queue_;  // guarded by mu_
  bool retired_ = false;                      // guarded by mu_
  // Serialises what runs once retired: posts may come from several threads.
  // Recursive, because a function may post to this inbox again.
  std::recursive_mutex retired_mu_;
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_INBOX_H_
