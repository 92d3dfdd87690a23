// co-pingd: pingd's /ping alone, served by a coroutine handler, or by the
// same handler written as a plain one with --callback, so that
// tools/bench/callgrind measures what a coroutine adds to a request (issue
// 15's budget: at most 5% more instructions). With --upstream, /relay
// fetches UPSTREAM/ping and returns its body, the README's relay, written
// both ways too. Not an app: a bench peer.
//
//   co-pingd [--addr HOST:PORT] [--log-level L] [--callback] [--upstream URL]
#include <CLI/CLI.hpp>

#include <chrono>
#include <memory>
#include <cstdio>
#include <string>

#include "graceful_shutdown.h"
#include "nethttp/log.h"
#include "nethttp/nethttp.h"

int main(int argc, char** argv) {
  std::string addr = ":8091", log_level = "info";
  bool callback = false;
  std::string upstream;
  CLI::App app{"co-pingd: GET /ping answered \"pong\" by a coroutine handler"};
  app.add_option("--addr", addr, "listen address HOST:PORT")->capture_default_str();
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")->capture_default_str();
  app.add_flag("--callback", callback, "a plain handler instead, for the comparison");
  app.add_option("--upstream", upstream, "serve /relay from this server's /ping (http://host:port)");
  CLI11_PARSE(app, argc, argv);
  if (nethttp::Error err = nethttp::SetLogLevel(log_level)) {
    std::fprintf(stderr, "co-pingd: %s\n", err.message().c_str());
    return 2;
  }

  // The two handlers do the same as pingd's /ping, line for line.
  if (callback) {
    nethttp::HandleFunc("/ping", [](nethttp::ResponseWriter& w, nethttp::Request& r) {
      if (r.method != "GET" && r.method != "HEAD") {
        w.Header().Set("Allow", "GET, HEAD");
        return nethttp::HttpError(w, "method not allowed", nethttp::StatusMethodNotAllowed);
      }
      w.Write("pong");
    });
  } else {
    nethttp::HandleFunc("/ping", [](nethttp::ResponseWriter& w, nethttp::Request& r) -> nethttp::Task<> {
      if (r.method != "GET" && r.method != "HEAD") {
        w.Header().Set("Allow", "GET, HEAD");
        co_return nethttp::HttpError(w, "method not allowed", nethttp::StatusMethodNotAllowed);
      }
      w.Write("pong");
    });
  }

  if (!upstream.empty() && callback) {
    std::string url = upstream + "/ping";
    nethttp::HandleFunc("/relay", [url](nethttp::ResponseWriter& w, nethttp::Request&) {
      std::shared_ptr<nethttp::ResponseWriter> held = w.Hold();
      nethttp::DefaultClient().Do(nethttp::NewRequest("GET", url).value(),
                                  [held](nethttp::Result<nethttp::Response> resp) {
        if (!resp.ok()) {
          nethttp::HttpError(*held, resp.error().message(), 502);
          return held->Finish();
        }
        std::shared_ptr<nethttp::Body> body = resp->body;
        body->ReadAll([held, body](nethttp::Result<std::string> b) {
          if (!b.ok()) {
            nethttp::HttpError(*held, b.error().message(), 502);
          } else {
            held->Write(*b);
          }
          held->Finish();
        });
      });
    });
  } else if (!upstream.empty()) {
    std::string url = upstream + "/ping";
    nethttp::HandleFunc("/relay", [url](nethttp::ResponseWriter& w, nethttp::Request&) -> nethttp::Task<> {
      auto resp = co_await nethttp::DefaultClient().DoAsync(nethttp::NewRequest("GET", url).value());
      if (!resp.ok()) co_return nethttp::HttpError(w, resp.error().message(), 502);
      auto body = co_await resp->body->ReadAllAsync();
      if (!body.ok()) co_return nethttp::HttpError(w, body.error().message(), 502);
      w.Write(*body);
    });
  }

  nethttp::Server srv;
  srv.addr = addr;
  if (nethttp::Error err = srv.Listen()) {
    std::fprintf(stderr, "co-pingd: %s\n", err.message().c_str());
    return 1;
  }
  apps::GracefulShutdown graceful;
  // The kept-alive upstream connections go once the server has: the loop
  // then ends.
  graceful.Start(nethttp::DefaultLoop().get(), &srv, std::chrono::seconds(10),
                 [] { nethttp::DefaultTransport().CloseIdleConnections(); });
  nethttp::Log().info("listening on {} ({} handler)", srv.ListenAddr(), callback ? "callback" : "coroutine");
  nethttp::DefaultLoop().Run();
  return 0;
}
