// Server: Go's http.Server as one ServerLoop (server_loop.cc) per worker.
// With one worker, the default, everything runs on the server's loop. With
// more, worker 0 still does, and every other worker is a thread running a
// loop of its own, with its own listener bound to the same address
// (SO_REUSEPORT: the kernel spreads new connections over them). Workers
// share the Server's knobs and handler, which they only read, and a count
// of open connections; Shutdown, Close and SetKeepAlivesEnabled reach them
// through an Inbox on each loop, so nothing on the request path is locked.
#include "nethttp/server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <csignal>

#include <atomic>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "internal/inbox.h"
#include "internal/listen_socket.h"
#include "internal/server_loop.h"
#include "internal/sigpipe.h"
#include "internal/tls_context.h"
#include "nethttp/loop.h"

namespace nethttp {
namespace {

// CpusAvailable is how many CPUs this process may run on (workers = 0):
// the affinity mask, as Go's GOMAXPROCS default, so that a server started
// under taskset or in a cpuset gets one worker per CPU it really has.
size_t CpusAvailable() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) {
    return static_cast<size_t>(CPU_COUNT(&set));
  }
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 1;
}

// ShutdownError is what Shutdown's done gets when its timeout closed
// forced connections (none: the empty Error).
Error ShutdownError(size_t forced) {
  if (forced == 0) return Error();
  return Error(ErrorCode::kTimeout,
               "http: Shutdown timeout: closed " + std::to_string(forced) + " connections still open");
}

}  // namespace

std::string_view ConnStateName(ConnState s) {
  switch (s) {
    case ConnState::kNew: return "new";
    case ConnState::kActive: return "active";
    case ConnState::kIdle: return "idle";
    case ConnState::kHijacked: return "hijacked";
    case ConnState::kClosed: return "closed";
  }
  return "?";
}

class Server::Impl {
 public:
  explicit Impl(Server* server) : server_(server) {}
  ~Impl();

  // Listen binds addr, or adopts listen_fd when it is not -1.
  Error Listen(std::shared_ptr<TlsContext> tls, int listen_fd);
  void Shutdown(Duration timeout, std::function<void(Error)> done);
  void Close();
  void SetKeepAlivesEnabled(bool v);
  std::string ListenAddr() const { return listen_addr_; }
  size_t NumConns() const { return open_conns_.load(std::memory_order_relaxed); }
  size_t NumWorkers() const { return workers_.size(); }
  Loop& HomeLoop() { return server_->loop != nullptr ? *server_->loop : DefaultLoop(); }
  // Stopped: the server was shut down or closed and every worker has
  // finished (ListenAndServe returns then). Home loop's thread.
  bool Stopped() const;

 private:
  // Worker is one loop of the server. Worker 0 runs on the home loop (the
  // Server's loop) and has no thread of its own.
  struct Worker {
    std::unique_ptr<Loop> own_loop;      // null for worker 0
    std::unique_ptr<ServerLoop> server;  // destroyed before own_loop
    Inbox* inbox = nullptr;              // with several workers only
    std::thread thread;
  };
  // Shutting is one Shutdown call in progress over several workers: home
  // loop's thread only.
  struct Shutting {
    size_t pending;
    size_t forced = 0;
    std::function<void(Error)> done;
  };

  // OpenFirstSocket makes the first worker's listening socket: listen_fd
  // adopted, or addr bound. *addr is what error messages call it.
  Error OpenFirstSocket(int listen_fd, size_t num_workers, ListenAddress* where, std::string* addr,
                        int* fd);
  // OpenWorker makes one of num_workers workers, on loop, accepting on fd
  // (which it owns, even when it fails); null and *rc on failure.
  std::unique_ptr<Worker> OpenWorker(size_t num_workers, Loop* loop, int fd,
                                     const std::shared_ptr<TlsContext>& tls, int* rc);
  // StopListening: Shutdown or Close was called; a Unix-domain socket
  // file goes now (the workers close their descriptors on their loops).
  void StopListening();
  void StartThreads();
  // OnEach runs f on every worker's loop: at once with one worker (which
  // must then be called on its loop's thread, as every Server call was
  // before workers), else through each worker's inbox, from any thread.
  void OnEach(std::function<void(ServerLoop&)> f);
  // OnWorkerStopped: a worker thread's loop has finished. Home loop's thread.
  void OnWorkerStopped();
  void JoinThreads();

  Server* server_;
  std::vector<std::unique_ptr<Worker>> workers_;  // fixed once Listen returns
  std::string listen_addr_;
  UnixSocketFile socket_file_;  // set by Listen; Remove'd once, by StopListening
  std::atomic<bool> socket_file_removed_{false};
  std::atomic<size_t> open_conns_{0};
  std::atomic<bool> stopped_{false};  // Shutdown or Close was called
  std::atomic<bool> keep_alives_{true};
  size_t threads_running_ = 0;  // home loop's thread only
};

Server::Impl::~Impl() {
  // Worker threads still serving are closed and waited for: their loops
  // and connections are freed here, on this thread, once they have stopped.
  if (threads_running_ > 0) {
    for (size_t i = 1; i < workers_.size(); ++i) {
      ServerLoop* sl = workers_[i]->server.get();
      workers_[i]->inbox->Post([sl] { sl->Close(); });
    }
  }
  JoinThreads();
  for (auto& w : workers_) {
    if (w->inbox != nullptr) w->inbox->Close();  // (worker 0's is the home loop's)
  }
  workers_.clear();
  StopListening();
}

std::unique_ptr<Server::Impl::Worker> Server::Impl::OpenWorker(size_t num_workers, Loop* loop, int fd,
                                                               const std::shared_ptr<TlsContext>& tls,
                                                               int* rc) {
  auto w = std::make_unique<Worker>();
  w->server = std::make_unique<ServerLoop>(server_, loop, &open_conns_, keep_alives_.load(), num_workers);
  *rc = w->server->Serve(fd, tls);
  if (*rc != 0) return nullptr;
  return w;
}

Error Server::Impl::OpenFirstSocket(int listen_fd, size_t num_workers, ListenAddress* where,
                                    std::string* addr, int* fd) {
  if (listen_fd >= 0) {
    *addr = "fd " + std::to_string(listen_fd);
    if (Error err = AdoptListener(listen_fd)) {
      close(listen_fd);  // (owned from the call on, as documented)
      return err;
    }
    *fd = listen_fd;
    return Error();
  }
  *addr = server_->addr.empty() ? ":http" : server_->addr;
  if (*addr == ":http") *addr = ":80";
  if (Error err = ParseListenAddress(HomeLoop().get(), *addr, where)) return err;
  if (where->is_unix()) return OpenUnixListener(where->unix_path, fd, &socket_file_);
  PortSharing sharing = num_workers > 1 ? PortSharing::kFirst : PortSharing::kNone;
  auto* sa = reinterpret_cast<sockaddr*>(&where->tcp);
  int rc = OpenTcpListener(sa, sharing, fd);
  if (rc != 0 && where->any_host && (rc == UV_EAFNOSUPPORT || rc == UV_EADDRNOTAVAIL)) {
    // No IPv6 on this machine: listen on every IPv4 interface instead.
    int port = ntohs(reinterpret_cast<sockaddr_in6*>(sa)->sin6_port);
    uv_ip4_addr("0.0.0.0", port, reinterpret_cast<sockaddr_in*>(sa));
    rc = OpenTcpListener(sa, sharing, fd);
  }
  if (rc != 0) return Error::FromUv(rc, "listen tcp " + *addr);
  return Error();
}

Error Server::Impl::Listen(std::shared_ptr<TlsContext> tls, int listen_fd) {
  IgnoreSigpipe();
  auto refuse = [listen_fd](Error err) {
    if (listen_fd >= 0) close(listen_fd);
    return err;
  };
  if (stopped_) return refuse(Error(ErrorCode::kServerClosed, "http: Server closed"));
  if (!workers_.empty()) return refuse(Error(ErrorCode::kInvalidArgument, "http: Server already listening"));
  // The loop is chosen here, not at construction, so that the knobs can be
  // set in any order after `Server srv;`.
  Loop* home = &HomeLoop();
  size_t n = server_->workers > 0 ? server_->workers : CpusAvailable();
  ListenAddress where;
  std::string addr;
  int fd = -1;
  if (Error err = OpenFirstSocket(listen_fd, n, &where, &addr, &fd)) return err;
  // (What errors call the socket, as Go's do: "listen tcp :80: ...".)
  std::string context = listen_fd >= 0 ? "listen " + addr
                                       : std::string(where.is_unix() ? "listen unix " : "listen tcp ") + addr;
  bool tcp_addr = listen_fd < 0 && !where.is_unix();
  // The others bind what the first got: the same port when addr asked for
  // port 0, so that every worker listens on the one address. A socket
  // that cannot be bound twice (Unix-domain, or one handed to us) is
  // shared: each worker polls a duplicate of it, and whichever accepts
  // first takes the connection.
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  std::vector<int> fds{fd};
  for (size_t i = 1; i < n; ++i) {
    int other = -1;
    int rc = tcp_addr ? OpenTcpListener(reinterpret_cast<sockaddr*>(&bound), PortSharing::kJoin, &other)
                      : (other = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0 ? uv_translate_sys_error(errno) : 0;
    if (rc != 0) {
      for (int f : fds) close(f);
      socket_file_.Remove();
      return Error::FromUv(rc, context);
    }
    fds.push_back(other);
  }

  int rc = 0;
  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t i = 0; i < n; ++i) {
    std::unique_ptr<Loop> loop = i == 0 ? nullptr : std::make_unique<Loop>();
    auto w = OpenWorker(n, i == 0 ? home : loop.get(), fds[i], tls, &rc);
    if (w == nullptr) {
      // (The workers made so far close their sockets as they go; the
      // loops' destructors close the rest.)
      for (size_t j = i + 1; j < n; ++j) close(fds[j]);
      socket_file_.Remove();
      return Error::FromUv(rc, context);
    }
    w->own_loop = std::move(loop);
    workers.push_back(std::move(w));
  }
  workers_ = std::move(workers);
  listen_addr_ = workers_[0]->server->ListenAddr();
  if (workers_.size() > 1) StartThreads();
  return Error();
}

void Server::Impl::StopListening() {
  if (!socket_file_removed_.exchange(true)) socket_file_.Remove();
}

void Server::Impl::StartThreads() {
  Inbox* home = Inbox::New(workers_[0]->server->loop());
  workers_[0]->inbox = home;
  for (size_t i = 1; i < workers_.size(); ++i) workers_[i]->inbox = Inbox::New(workers_[i]->own_loop->get());
  threads_running_ = workers_.size() - 1;
  // The workers take no asynchronous signal: one sent to the process (a
  // SIGTERM) goes to a thread that does not block it, such as this one,
  // whose loop may be watching for it (pingd's is), rather than to a worker
  // in the middle of a request. A thread inherits its creator's mask, so
  // the signals are blocked here while the threads are made. Faults
  // (SIGSEGV and the like) stay deliverable, for the sanitizers' reports.
  sigset_t blocked, old;
  sigfillset(&blocked);
  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&blocked, fault);
  pthread_sigmask(SIG_BLOCK, &blocked, &old);
  for (size_t i = 1; i < workers_.size(); ++i) {
    Worker* w = workers_[i].get();
    w->thread = std::thread([this, w, home] {
      w->own_loop->RunUntil([w] { return w->server->closed(); });
      // A closed ServerLoop only answers: a Shutdown's done, a no-op Close.
      w->inbox->Retire();
      home->Post([this] { OnWorkerStopped(); });
    });
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void Server::Impl::OnWorkerStopped() {
  if (--threads_running_ > 0) return;
  JoinThreads();
  // Nothing is left to wait for: the home loop may end once worker 0 has.
  workers_[0]->inbox->Unref();
}

void Server::Impl::JoinThreads() {
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

bool Server::Impl::Stopped() const {
  if (workers_.empty()) return stopped_;
  return workers_[0]->server->closed() && threads_running_ == 0;
}

void Server::Impl::OnEach(std::function<void(ServerLoop&)> f) {
  if (workers_.size() == 1) {
    f(*workers_[0]->server);
    return;
  }
  for (auto& w : workers_) {
    w->inbox->Post([sl = w->server.get(), f] { f(*sl); });
  }
}

void Server::Impl::Shutdown(Duration timeout, std::function<void(Error)> done) {
  stopped_ = true;
  StopListening();
  if (workers_.empty()) {  // never listened: nothing to wait for
    if (done) done(Error());
    return;
  }
  if (workers_.size() == 1) {
    workers_[0]->server->Shutdown(timeout, [done = std::move(done)](size_t forced) {
      if (done) done(ShutdownError(forced));
    });
    return;
  }
  // Each worker shuts down on its own loop and reports to the home loop,
  // which calls done once the last has finished.
  Inbox* home = workers_[0]->inbox;
  auto shutting = std::make_shared<Shutting>();
  shutting->pending = workers_.size();
  shutting->done = std::move(done);
  OnEach([home, shutting, timeout](ServerLoop& sl) {
    sl.Shutdown(timeout, [home, shutting](size_t forced) {
      home->Post([shutting, forced] {
        shutting->forced += forced;
        if (--shutting->pending == 0 && shutting->done) shutting->done(ShutdownError(shutting->forced));
      });
    });
  });
}

void Server::Impl::Close() {
  stopped_ = true;
  StopListening();
  if (!workers_.empty()) OnEach([](ServerLoop& sl) { sl.Close(); });
}

void Server::Impl::SetKeepAlivesEnabled(bool v) {
  keep_alives_ = v;
  if (workers_.empty()) return;
  OnEach([v](ServerLoop& sl) {
    sl.set_keep_alives(v);
    if (!v) sl.CloseIdleConns();  // Go: srv.closeIdleConns()
  });
}

Server::Server() : impl_(std::make_unique<Impl>(this)) {}
Server::~Server() = default;

Error Server::Listen() { return impl_->Listen(nullptr, -1); }
Error Server::Listen(int listen_fd) { return impl_->Listen(nullptr, listen_fd); }

// ServeUntilClosed runs the server's loop until Shutdown or Close has
// ended it on every worker: the Serve half of ListenAndServe and
// ListenAndServeTLS.
Error Server::ServeUntilClosed() {
  impl_->HomeLoop().RunUntil([this] { return impl_->Stopped(); });
  return Error(ErrorCode::kServerClosed, "http: Server closed");
}

Error Server::ListenAndServe() {
  if (Error err = Listen()) return err;
  return ServeUntilClosed();
}

Error Server::Serve(int listen_fd) {
  if (Error err = Listen(listen_fd)) return err;
  return ServeUntilClosed();
}

Error Server::ListenTLS(const std::string& cert_file, const std::string& key_file) {
  return ListenTLS(-1, cert_file, key_file);
}

Error Server::ListenTLS(int listen_fd, const std::string& cert_file, const std::string& key_file) {
  // Go's ServeTLS: a copy of TLSConfig, plus the files' certificate. The
  // context is made before the port is bound, so a bad certificate is
  // reported with nothing listening.
  TLSConfig config = tls_config ? *tls_config : TLSConfig();
  Error err;
  if (!cert_file.empty() || !key_file.empty()) {
    Result<Certificate> cert = LoadX509KeyPair(cert_file, key_file);
    if (cert.ok()) {
      config.certificates.push_back(std::move(*cert));
    } else {
      err = cert.error();
    }
  }
  Result<std::shared_ptr<TlsContext>> ctx = err ? Result<std::shared_ptr<TlsContext>>(err)
                                                : TlsContext::NewServer(config);
  if (!ctx.ok()) {
    if (listen_fd >= 0) close(listen_fd);  // (owned from the call on)
    return ctx.error();
  }
  return impl_->Listen(std::move(*ctx), listen_fd);
}

Error Server::ListenAndServeTLS(const std::string& cert_file, const std::string& key_file) {
  if (Error err = ListenTLS(cert_file, key_file)) return err;
  return ServeUntilClosed();
}

Error Server::ServeTLS(int listen_fd, const std::string& cert_file, const std::string& key_file) {
  if (Error err = ListenTLS(listen_fd, cert_file, key_file)) return err;
  return ServeUntilClosed();
}

std::string Server::ListenAddr() const { return impl_->ListenAddr(); }
void Server::Shutdown(std::function<void()> done) {
  impl_->Shutdown(Duration(0), [done = std::move(done)](Error) {
    if (done) done();
  });
}
void Server::Shutdown(Duration timeout, std::function<void(Error)> done) {
  impl_->Shutdown(timeout, std::move(done));
}
void Server::Close() { impl_->Close(); }
void Server::SetKeepAlivesEnabled(bool v) { impl_->SetKeepAlivesEnabled(v); }
size_t Server::NumConns() const { return impl_->NumConns(); }
size_t Server::NumWorkers() const { return impl_->NumWorkers(); }

Error ListenAndServe(std::string_view addr, std::shared_ptr<Handler> handler) {
  Server srv;
  srv.addr = std::string(addr);
  srv.handler = std::move(handler);
  return srv.ListenAndServe();
}

Error ListenAndServeTLS(std::string_view addr, const std::string& cert_file, const std::string& key_file,
                        std::shared_ptr<Handler> handler) {
  Server srv;
  srv.addr = std::string(addr);
  srv.handler = std::move(handler);
  return srv.ListenAndServeTLS(cert_file, key_file);
}

}  // namespace nethttp
