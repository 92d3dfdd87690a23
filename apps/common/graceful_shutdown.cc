// GracefulShutdown (graceful_shutdown.h): Server::Shutdown on the first
// SIGINT or SIGTERM, then the handles close so the loop can end.
#include "graceful_shutdown.h"

#include <algorithm>
#include <csignal>
#include <utility>

#include "nethttp/log.h"

namespace apps {

void GracefulShutdown::Start(uv_loop_t* loop, nethttp::Server* server, nethttp::Server::Duration timeout,
                             std::function<void()> after) {
  server_ = server;
  after_ = std::move(after);
  timeout_ = std::max(timeout, nethttp::Server::Duration(1));
  uv_signal_init(loop, &sigint_);
  uv_signal_init(loop, &sigterm_);
  sigint_.data = sigterm_.data = this;
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
}

void GracefulShutdown::OnSignal(uv_signal_t* h, int signum) {
  auto* s = static_cast<GracefulShutdown*>(h->data);
  if (s->shutting_down_) return;
  s->shutting_down_ = true;
  nethttp::Log().info("received {}, shutting down (at most {} ms)", signum == SIGINT ? "SIGINT" : "SIGTERM",
                      s->timeout_.count());
  // Past the timeout, Shutdown closes what is left itself.
  s->server_->Shutdown(s->timeout_, [s](nethttp::Error err) {
    if (err) {
      nethttp::Log().warn("shutdown timeout: {}", err.message());
    } else {
      nethttp::Log().info("all connections closed");
    }
    s->Close();
    if (s->after_) s->after_();
  });
}

void GracefulShutdown::Close() {
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&sigint_), reinterpret_cast<uv_handle_t*>(&sigterm_)}) {
    if (!uv_is_closing(h)) uv_close(h, nullptr);
  }
}

}  // namespace apps
