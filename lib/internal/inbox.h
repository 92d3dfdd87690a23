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
  // posted. Any thread; never after Close.
  void Post(std::function<void()> f);
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
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_INBOX_H_
