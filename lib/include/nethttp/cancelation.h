// Cancelation: a one-shot signal that abandons work in flight, Go's
// context cancellation reduced to what the loop needs. A round trip takes
// one (Transport::RoundTrip, Client::Do), and so does a coroutine: a Task
// started by Spawn or serving a request carries one, and what it awaits
// ends early with the Cancelation's error.
#ifndef NETHTTP_CANCELATION_H_
#define NETHTTP_CANCELATION_H_

#include <functional>
#include <utility>

#include "nethttp/error.h"

namespace nethttp {

// Cancelation lets whoever started a piece of work abandon it (Go:
// canceling a context). Client uses it for Timeout. The work in flight
// registers a hook with OnCancel; Cancel runs it once.
class Cancelation {
 public:
  // Cancel abandons the work: the hook runs with err (a round trip's done
  // is then called with it, unless it was already). Later calls do nothing.
  void Cancel(Error err) {
    if (err_) return;
    err_ = std::move(err);
    if (auto hook = std::move(hook_)) hook(err_);
  }
  bool canceled() const { return static_cast<bool>(err_); }
  const Error& err() const { return err_; }
  // OnCancel sets what Cancel runs (it replaces an earlier hook); it runs
  // at once when Cancel came first.
  void OnCancel(std::function<void(const Error&)> hook) {
    if (err_) {
      if (hook) hook(err_);
      return;
    }
    hook_ = std::move(hook);
  }

 private:
  Error err_;
  std::function<void(const Error&)> hook_;
};

}  // namespace nethttp

#endif  // NETHTTP_CANCELATION_H_
