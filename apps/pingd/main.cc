// pingd: the seed's server. GET /ping answers "pong", /echo sends the
// request body back; everything else is the mux's 404. SIGINT or SIGTERM
// shuts down gracefully. Flags and behaviour are a contract: SPEC §3.
#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

#include "duration.h"
#include "graceful_shutdown.h"
#include "workers.h"
#include "nethttp/log.h"
#include "nethttp/nethttp.h"

namespace {

struct Flags {
  std::string addr = ":8091";
  std::string log_level = "info";
  std::string read_header_timeout = "5s";
  std::string idle_timeout = "30s";
  std::string shutdown_timeout = "10s";
  size_t max_header_bytes = nethttp::DefaultMaxHeaderBytes;
  size_t max_request_target_bytes = nethttp::DefaultMaxRequestTargetBytes;
  size_t max_header_fields = nethttp::DefaultMaxHeaderFields;
  int64_t max_body_bytes = int64_t{64} << 20;
  size_t max_conns = 0;
  // --tls-cert and --tls-key, in pairs: the first is the default
  // certificate, the others are chosen by the client's SNI.
  std::vector<std::string> tls_certs;
  std::vector<std::string> tls_keys;
  // --root: a directory served at /static/ (off when empty).
  std::string root;
  // --static-cache: how long a small file of --root is served from memory
  // before the disk is asked again (DirOptions::cache_valid).
  std::string static_cache = "0";
  // --gzip: compress --root's files at this level for clients that take
  // gzip (GzipHandler); 0 is off.
  int gzip = 0;
  // --workers: loops serving in parallel, "auto" for one per CPU.
  std::string workers = "1";
};

// Usage errors are one line on stderr and exit status 2, like Go's flag
// package.
int UsageError(const std::string& msg) {
  std::fprintf(stderr, "pingd: %s (see --help)\n", msg.c_str());
  return 2;
}

// kEchoBufferBytes: /echo holds back this much of a streamed body before
// answering, so that a short body is answered as a whole (with a
// Content-Length) and a malformed or oversized one with its error status,
// exactly as when the server reads the body first.
constexpr size_t kEchoBufferBytes = 64 * 1024;

// Echo answers /echo: the request body back, with its Content-Type. A
// body that came with its head (the usual small one) is written at once;
// a larger one streams back as it arrives, so an upload of any size takes
// constant memory: the body is paused while the client is slow to read.
// max_body_bytes bounds either (413), as MaxBytesReader does in Go.
void Echo(nethttp::ResponseWriter& w, nethttp::Request& r, int64_t max_body_bytes) {
  if (std::string_view ct = r.header.Get("Content-Type"); !ct.empty()) {
    w.Header().Set("Content-Type", ct);
  }
  if (r.body_stream == nullptr) {  // read whole by the server
    w.Header().Set("Content-Length", std::to_string(r.body.size()));
    w.Write(r.body);
    return;
  }
  if (r.content_length > max_body_bytes) {
    // Refused unread, as the server refuses a body it would read itself.
    w.Header().Set("Connection", "close");
    nethttp::HttpError(w, "http: request body too large", nethttp::StatusRequestEntityTooLarge);
    return;
  }
  struct Copy {
    std::shared_ptr<nethttp::ResponseWriter> w;
    std::shared_ptr<nethttp::Body> body;
    std::string held_back;  // the body so far, until kEchoBufferBytes
    bool streaming = false;  // past kEchoBufferBytes: written as it comes
    int64_t content_length = -1;
  };
  auto copy = std::make_shared<Copy>();
  copy->w = w.Hold();
  copy->body = nethttp::MaxBytesReader(r.Body(), max_body_bytes);
  copy->content_length = r.content_length;
  // Weak in the callbacks: the body holds them, and copy holds the body.
  std::weak_ptr<Copy> weak = copy;
  copy->body->Read(
      [weak](std::string_view chunk) {
        auto c = weak.lock();
        if (c == nullptr) return;
        if (!c->streaming) {
          c->held_back.append(chunk);
          // (Strictly past it: a limit of kEchoBufferBytes or less is then
          // always met while the body is still held back.)
          if (c->held_back.size() <= kEchoBufferBytes) return;
          c->streaming = true;
          if (c->content_length >= 0) c->w->Header().Set("Content-Length", std::to_string(c->content_length));
          chunk = c->held_back;
        }
        nethttp::Error err = c->w->Write(chunk);
        c->held_back.clear();
        if (!err && !c->w->Writable()) {
          c->body->Pause();
          c->w->OnWritable([weak] {
            if (auto c = weak.lock()) c->body->Resume();
          });
        }
      },
      [copy](nethttp::Error err) {
        // (This callback is the one that keeps copy alive.)
        nethttp::ResponseWriter& w = *copy->w;
        if (copy->streaming) {
          // A cut request body gives a cut response.
          if (err) {
            w.Abort();
          } else {
            w.Finish();
          }
        } else if (!err) {
          w.Header().Set("Content-Length", std::to_string(copy->held_back.size()));
          w.Write(copy->held_back);
          w.Finish();
        } else if (err.code() == nethttp::ErrorCode::kUnexpectedEof) {
          w.Abort();  // the client left mid-body: nobody to answer
        } else {
          // As the server answers a body it reads itself: 413 past the
          // limit, 431 for an oversized trailer, else 400; then it closes.
          int code = err.code() == nethttp::ErrorCode::kBodyTooLarge   ? nethttp::StatusRequestEntityTooLarge
                     : err.code() == nethttp::ErrorCode::kHeaderTooLarge ? nethttp::StatusRequestHeaderFieldsTooLarge
                                                                       : nethttp::StatusBadRequest;
          w.Header().Set("Connection", "close");
          nethttp::HttpError(w, err.message(), code);
          w.Finish();
        }
        copy->body = nullptr;
      });
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  CLI::App app{"pingd: an HTTP server answering /ping and /echo (nethttp)", "pingd"};
  app.add_option("--addr", flags.addr,
                 "listen address HOST:PORT (\"127.0.0.1:0\" picks a port), unix:/PATH or unix:@NAME; "
                 "ignored when systemd passes a socket (LISTEN_FDS)")
      ->capture_default_str();
  app.add_option("--log-level", flags.log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();
  app.add_option("--read-header-timeout", flags.read_header_timeout,
                 "limit for reading a request head (e.g. 5s, 500ms; 0 = none)")
      ->capture_default_str();
  app.add_option("--idle-timeout", flags.idle_timeout,
                 "limit for an idle keep-alive connection (0 = none)")
      ->capture_default_str();
  app.add_option("--shutdown-timeout", flags.shutdown_timeout,
                 "on SIGINT/SIGTERM, force-close connections still open after this long")
      ->capture_default_str();
  app.add_option("--max-header-bytes", flags.max_header_bytes,
                 "limit for a request line plus headers (431 beyond)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--max-request-target-bytes", flags.max_request_target_bytes,
                 "limit for the request-target, the URI of the request line (414 beyond)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--max-header-fields", flags.max_header_fields,
                 "limit for the fields of a request head and trailer (431 beyond)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--max-body-bytes", flags.max_body_bytes,
                 "limit for a request body (413 beyond)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--max-conns", flags.max_conns,
                 "limit for open connections; beyond it new ones are closed at once (0 = none)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--tls-cert", flags.tls_certs,
                 "serve https with this PEM certificate chain (repeat with --tls-key for SNI)");
  app.add_option("--tls-key", flags.tls_keys, "the PEM private key of the --tls-cert in the same position");
  app.add_option("--root", flags.root, "serve this directory's files at /static/ (off by default)");
  app.add_option("--static-cache", flags.static_cache,
                 "serve a small --root file (64 KiB at most) from memory for this long after reading it "
                 "(e.g. 1s; 0 = read it for every request)")
      ->capture_default_str();
  app.add_option("--gzip", flags.gzip,
                 "compress --root's files for clients that accept gzip, at this level (1-9; 0: off)");
  app.add_option("--workers", flags.workers,
                 "serve on this many loops, each on its own thread and CPU (\"auto\": one per CPU)")
      ->capture_default_str();
  app.set_version_flag("--version", std::string("pingd ") + std::string(nethttp::kVersion));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return UsageError(e.what());
  }

  if (nethttp::Error err = nethttp::SetLogLevel(flags.log_level)) {
    return UsageError("--log-level: " + err.message());
  }
  auto header_timeout = apps::ParseDuration(flags.read_header_timeout);
  auto idle_timeout = apps::ParseDuration(flags.idle_timeout);
  auto shutdown_timeout = apps::ParseDuration(flags.shutdown_timeout);
  if (!header_timeout) return UsageError("invalid --read-header-timeout \"" + flags.read_header_timeout + "\"");
  if (!idle_timeout) return UsageError("invalid --idle-timeout \"" + flags.idle_timeout + "\"");
  if (!shutdown_timeout) return UsageError("invalid --shutdown-timeout \"" + flags.shutdown_timeout + "\"");
  auto static_cache = apps::ParseDuration(flags.static_cache);
  if (!static_cache) return UsageError("invalid --static-cache \"" + flags.static_cache + "\"");
  auto workers = apps::ParseWorkers(flags.workers);
  if (!workers) return UsageError("invalid --workers \"" + flags.workers + "\" (a count from 1 to 1024, or auto)");
  if (flags.tls_certs.size() != flags.tls_keys.size()) {
    return UsageError("--tls-cert and --tls-key come in pairs (" + std::to_string(flags.tls_certs.size()) +
                      " certificates, " + std::to_string(flags.tls_keys.size()) + " keys)");
  }
  // Every pair is loaded before anything listens: a missing file or a key
  // that is not its certificate's is bad usage, said at once.
  std::shared_ptr<nethttp::TLSConfig> tls;
  if (!flags.tls_certs.empty()) {
    tls = std::make_shared<nethttp::TLSConfig>();
    for (size_t i = 0; i < flags.tls_certs.size(); ++i) {
      auto cert = nethttp::LoadX509KeyPair(flags.tls_certs[i], flags.tls_keys[i]);
      if (!cert.ok()) return UsageError(cert.error().message());
      tls->certificates.push_back(std::move(*cert));
    }
  }

  // Socket activation: systemd (or systemd-socket-activate) made the
  // listening socket and passed it as fd 3; --addr is then not used.
  auto activated = nethttp::ListenFds();
  if (!activated.ok()) return UsageError(activated.error().message());
  if (activated->size() > 1) {
    return UsageError("socket activation passed " + std::to_string(activated->size()) +
                      " sockets (LISTEN_FDS); pingd serves one");
  }
  int listen_fd = activated->empty() ? -1 : activated->front();

  nethttp::HandleFunc("/ping", [](nethttp::ResponseWriter& w, nethttp::Request& r) {
    if (r.method != "GET" && r.method != "HEAD") {
      w.Header().Set("Allow", "GET, HEAD");
      nethttp::HttpError(w, "method not allowed", nethttp::StatusMethodNotAllowed);
      return;
    }
    w.Write("pong");
  });
  nethttp::Handle("/echo", std::make_shared<nethttp::StreamingHandlerFunc>(
                              [max = flags.max_body_bytes](nethttp::ResponseWriter& w, nethttp::Request& r) {
                                Echo(w, r, max);
                              }));

  if (flags.gzip < 0 || flags.gzip > 9) return UsageError("--gzip: a level from 1 to 9, or 0 for off");
  if (flags.gzip > 0 && flags.root.empty()) return UsageError("--gzip compresses --root's files: give --root too");
  if (!flags.root.empty()) {
    // Checked now, so a typo is bad usage rather than a 404 on every request.
    struct stat st {};
    if (stat(flags.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return UsageError("--root: \"" + flags.root + "\" is not a directory");
    }
    nethttp::DirOptions dir_options;
    dir_options.cache_valid = *static_cache;
    std::shared_ptr<nethttp::Handler> files =
        nethttp::StripPrefix("/static", nethttp::FileServer(nethttp::Dir(flags.root, dir_options)));
    if (flags.gzip > 0) {
      nethttp::GzipOptions gzip;
      gzip.level = flags.gzip;
      files = nethttp::GzipHandler(std::move(files), gzip);
    }
    nethttp::Handle("/static/", std::move(files));
  }

  nethttp::Server srv;
  srv.addr = flags.addr;
  srv.read_header_timeout = *header_timeout;
  srv.idle_timeout = *idle_timeout;
  srv.max_header_bytes = flags.max_header_bytes;
  srv.max_request_target_bytes = flags.max_request_target_bytes;
  srv.max_header_fields = flags.max_header_fields;
  srv.max_body_bytes = flags.max_body_bytes;
  srv.max_conns = flags.max_conns;
  srv.tls_config = tls;
  srv.workers = *workers;
  nethttp::Error err = listen_fd >= 0 ? (tls ? srv.ListenTLS(listen_fd, "", "") : srv.Listen(listen_fd))
                                       : (tls ? srv.ListenTLS("", "") : srv.Listen());
  if (err) {
    // A malformed --addr is bad usage (2); a bind failure such as a port in
    // use is a run-time failure (1).
    if (err.code() == nethttp::ErrorCode::kInvalidArgument) return UsageError(err.message());
    std::fprintf(stderr, "pingd: %s\n", err.message().c_str());
    return 1;
  }
  uv_loop_t* loop = nethttp::DefaultLoop().get();
  apps::GracefulShutdown graceful;
  // --shutdown-timeout 0 closes at once.
  graceful.Start(loop, &srv, *shutdown_timeout);
  // Only now say we are listening: whoever waits for this line may signal
  // us at once, and the handlers must already be in place.
  size_t n = srv.NumWorkers();
  nethttp::Log().info("listening on {}{} ({} worker{})", srv.ListenAddr(), tls ? " (https)" : "", n,
                      n == 1 ? "" : "s");

  nethttp::DefaultLoop().Run();
  nethttp::Log().info("stopped");
  return 0;
}
