// relay: a reverse proxy in front of one upstream (Go: a main around
// httputil.NewSingleHostReverseProxy). Every request that reaches --addr
// goes to UPSTREAM, over kept-alive connections, with its response streamed
// back.
//
//   relay [--addr HOST:PORT] [--cacert FILE] [-k] [--workers N|auto] UPSTREAM_URL
//
// Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 1 when the address
// cannot be bound, 2 for bad usage (one line on stderr).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "duration.h"
#include "graceful_shutdown.h"
#include "workers.h"
#include "nethttp/log.h"
#include "nethttp/nethttp.h"

namespace {

int UsageError(const std::string& msg) {
  std::fprintf(stderr, "relay: %s (see --help)\n", msg.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr = ":8092", upstream, log_level = "info", shutdown_timeout = "10s", cacert;
  // pingd's defaults: a slow or idle client may not hold a connection for ever.
  std::string read_header_timeout = "5s", idle_timeout = "30s";
  std::string workers = "1";
  bool insecure = false;
  CLI::App app{"relay: a reverse proxy to UPSTREAM_URL (http:// or https://)"};
  app.add_option("--addr", addr, "listen address HOST:PORT (\"127.0.0.1:0\" picks a port)")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")->capture_default_str();
  app.add_option("--read-header-timeout", read_header_timeout,
                 "how long a client may take to send a request head")
      ->capture_default_str();
  app.add_option("--idle-timeout", idle_timeout, "how long a kept-alive connection may wait for a request")
      ->capture_default_str();
  app.add_option("--shutdown-timeout", shutdown_timeout,
                 "how long SIGTERM waits for requests in flight")
      ->capture_default_str();
  app.add_option("--cacert", cacert, "a PEM file of CAs trusted for an https upstream, besides the system's");
  app.add_flag("-k,--insecure", insecure, "accept any certificate from an https upstream (tests only)");
  app.add_option("--workers", workers, "loops relaying in parallel, each on a thread (auto: one per CPU)")
      ->capture_default_str();
  app.add_option("upstream", upstream, "where requests go: http://host:port[/path]")->required();
  app.set_version_flag("--version", std::string("relay ") + std::string(nethttp::kVersion));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageError(e.what());
  }
  if (nethttp::Error err = nethttp::SetLogLevel(log_level)) return UsageError("--log-level: " + err.message());
  auto timeout = apps::ParseDuration(shutdown_timeout);
  if (!timeout) return UsageError("invalid --shutdown-timeout \"" + shutdown_timeout + "\"");
  auto header_timeout = apps::ParseDuration(read_header_timeout);
  if (!header_timeout) return UsageError("invalid --read-header-timeout \"" + read_header_timeout + "\"");
  auto idle = apps::ParseDuration(idle_timeout);
  if (!idle) return UsageError("invalid --idle-timeout \"" + idle_timeout + "\"");
  auto num_workers = apps::ParseWorkers(workers);
  if (!num_workers) return UsageError("invalid --workers \"" + workers + "\" (a count from 1 to 1024, or auto)");
  auto target = nethttp::Parse(upstream);
  if (!target.ok() || (target->scheme != "http" && target->scheme != "https") || target->host.empty()) {
    return UsageError("the upstream must be an http:// or https:// URL with a host, not \"" + upstream + "\"");
  }

  std::shared_ptr<nethttp::TLSConfig> tls;
  if (!cacert.empty() || insecure) {
    tls = std::make_shared<nethttp::TLSConfig>();
    if (!cacert.empty()) tls->root_ca_files.push_back(cacert);
    tls->insecure_skip_verify = insecure;
  }
  // Each worker's loop gets its own Transport (its own upstream pool), all
  // configured alike; the TLSConfig is shared and only read.
  auto transport = std::make_shared<nethttp::PerLoopTransport>([tls](nethttp::Loop& loop) {
    auto t = std::make_shared<nethttp::Transport>(&loop);
    t->tls_client_config = tls;
    return t;
  });
  auto proxy = nethttp::NewSingleHostReverseProxy(*target);
  proxy->transport = transport;

  nethttp::Server srv;
  srv.addr = addr;
  srv.handler = proxy;
  srv.read_header_timeout = *header_timeout;
  srv.idle_timeout = *idle;
  srv.workers = *num_workers;
  if (nethttp::Error err = srv.Listen()) {
    if (err.code() == nethttp::ErrorCode::kInvalidArgument) return UsageError(err.message());
    std::fprintf(stderr, "relay: %s\n", err.message().c_str());
    return 1;
  }
  apps::GracefulShutdown graceful;
  // The workers' Transports close with their loops; the main loop's idle
  // upstream connections would keep it running.
  graceful.Start(nethttp::DefaultLoop().get(), &srv, *timeout,
                 [&transport] { transport->ForCurrentLoop().CloseIdleConnections(); });
  nethttp::Log().info("listening on {}, relaying to {} ({} workers)", srv.ListenAddr(), upstream, srv.NumWorkers());
  nethttp::DefaultLoop().Run();
  nethttp::Log().info("stopped");
  return 0;
}
