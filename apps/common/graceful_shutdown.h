// GracefulShutdown: what the apps do on SIGINT and SIGTERM: stop accepting,
// let the requests in flight finish (at most a timeout), then let the loop
// end. Shared by pingd and relay.
#ifndef NETHTTP_APPS_COMMON_GRACEFUL_SHUTDOWN_H_
#define NETHTTP_APPS_COMMON_GRACEFUL_SHUTDOWN_H_

#include <uv.h>

#include <functional>

#include "nethttp/server.h"

namespace apps {

// GracefulShutdown owns the two signal handles on loop, from Start until
// the shutdown is done. It must outlive the loop's run.
class GracefulShutdown {
 public:
  // Start watches SIGINT and SIGTERM; the first one shuts server down,
  // closing what is still open after timeout (at least 1 ms: Server's
  // Shutdown would wait for ever on 0), and later ones are ignored. after,
  // if given, runs once the server is done: what else keeps the loop busy
  // (a Transport's idle connections) goes there.
  void Start(uv_loop_t* loop, nethttp::Server* server, nethttp::Server::Duration timeout,
             std::function<void()> after = nullptr);

 private:
  static void OnSignal(uv_signal_t* h, int signum);
  void Close();

  uv_signal_t sigint_;
  uv_signal_t sigterm_;
  nethttp::Server* server_ = nullptr;
  nethttp::Server::Duration timeout_{};
  bool shutting_down_ = false;
  std::function<void()> after_;
};

}  // namespace apps

#endif  // NETHTTP_APPS_COMMON_GRACEFUL_SHUTDOWN_H_
