// Server: Go's http.Server as one ServerLoop (server_loop.cc) per worker.
// With one worker, the default, everything runs on the server's loop. With
// more, worker 0 still does, and every other worker is a thread running a
// loop of its own, with its own listener bound to the same address
// (SO_REUSEPORT: the kernel spreads new connections over them). Workers
// share the Server's knobs and handler, which they only read, and a count
// of open connections; Shutdown, Close and SetKeepAlivesEnabled reach them
// through an Inbox on each loop, so nothing on the request path is locked.
#include "nethttp/server.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>

#include <csignal>

#include <atomic>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "internal/inbox.h"
#include "internal/server_loop.h"
#include "internal/sigpipe.h"
#include "internal/tls_context.h"
#include "nethttp/loop.h"

namespace nethttp {
namespace {

// ResolveListenAddr turns "host:port" into a socket address. An empty host
// means every interface: "::" (which also accepts IPv4 on Linux) when the
// machine has IPv6, else "0.0.0.0" (Go's ":8091").
// The split is not host_port.h's SplitHostPort (Go's net.Listen uses
// net.SplitHostPort): it is more lenient, taking the port after the last
// colon, so "::1:80" listens on [::1]:80 where Go says "too many colons",
// and moving to the strict rule would refuse addresses accepted today.
Error ResolveListenAddr(uv_loop_t* loop, std::string_view addr, sockaddr_storage* out,
                        bool* any_host) {
  size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument,
                 "listen tcp " + std::string(addr) + ": missing port in address");
  }
  std::string host(addr.substr(0, colon));
  std::string port(addr.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535) {
    return Error(ErrorCode::kInvalidArgument,
                 "listen tcp " + std::string(addr) + ": invalid port \"" + port + "\"");
  }
  *any_host = host.empty();
  std::memset(out, 0, sizeof *out);
  if (host.empty()) {
    uv_ip6_addr("::", static_cast<int>(p), reinterpret_cast<sockaddr_in6*>(out));
    return Error();
  }
  if (uv_ip4_addr(host.c_str(), static_cast<int>(p), reinterpret_cast<sockaddr_in*>(out)) == 0 ||
      uv_ip6_addr(host.c_str(), static_cast<int>(p), reinterpret_cast<sockaddr_in6*>(out)) == 0) {
    return Error();
  }
  // A name: resolve it synchronously (a null callback makes uv_getaddrinfo
  // block), once, at start-up.
  uv_getaddrinfo_t req;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (int rc = uv_getaddrinfo(loop, &req, nullptr, host.c_str(), port.c_str(), &hints); rc != 0) {
    return Error::FromUv(rc, "listen tcp " + std::string(addr) + ": lookup " + host);
  }
  std::memcpy(out, req.addrinfo->ai_addr, req.addrinfo->ai_addrlen);
  uv_freeaddrinfo(req.addrinfo);
  return Error();
}


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

  Error Listen(std::shared_ptr<TlsContext> tls = nullptr);
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

  // OpenWorker makes one of num_workers workers, on loop, listening on
  // addr; null and *rc on failure.
  std::unique_ptr<Worker> OpenWorker(size_t num_workers, Loop* loop, const sockaddr* addr,
                                     ServerLoop::PortSharing sharing,
                                     const std::shared_ptr<TlsContext>& tls, int* rc);
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
}

std::unique_ptr<Server::Impl::Worker> Server::Impl::OpenWorker(size_t num_workers, Loop* loop,
                                                               const sockaddr* addr,
                                                               ServerLoop::PortSharing sharing,
                                                               const std::shared_ptr<TlsContext>& tls,
                                                               int* rc) {
  auto w = std::make_unique<Worker>();
  w->server = std::make_unique<ServerLoop>(server_, loop, &open_conns_, keep_alives_.load(), num_workers);
  *rc = w->server->Listen(addr, sharing, tls);
  if (*rc != 0) return nullptr;
  return w;
}

Error Server::Impl::Listen(std::shared_ptr<TlsContext> tls) {
  IgnoreSigpipe();
  if (stopped_) return Error(ErrorCode::kServerClosed, "http: Server closed");
  if (!workers_.empty()) return Error(ErrorCode::kInvalidArgument, "http: Server already listening");
  // The loop is chosen here, not at construction, so that the knobs can be
  // set in any order after `Server srv;`.
  Loop* home = &HomeLoop();
  size_t n = server_->workers > 0 ? server_->workers : CpusAvailable();
  using PortSharing = ServerLoop::PortSharing;
  PortSharing sharing = n > 1 ? PortSharing::kFirst : PortSharing::kNone;
  std::string addr = server_->addr.empty() ? ":http" : server_->addr;
  if (addr == ":http") addr = ":80";
  sockaddr_storage ss;
  bool any_host = false;
  if (Error err = ResolveListenAddr(home->get(), addr, &ss, &any_host)) return err;

  int rc = 0;
  auto first = OpenWorker(n, home, reinterpret_cast<sockaddr*>(&ss), sharing, tls, &rc);
  if (first == nullptr && any_host && (rc == UV_EAFNOSUPPORT || rc == UV_EADDRNOTAVAIL)) {
    // No IPv6 on this machine: listen on every IPv4 interface instead.
    int port = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    uv_ip4_addr("0.0.0.0", port, reinterpret_cast<sockaddr_in*>(&ss));
    first = OpenWorker(n, home, reinterpret_cast<sockaddr*>(&ss), sharing, tls, &rc);
  }
  if (first == nullptr) return Error::FromUv(rc, "listen tcp " + addr);
  // The others bind what the first got: the same port when addr asked for
  // port 0, so that every worker listens on the one address.
  sockaddr_storage bound = first->server->BoundAddr();
  std::vector<std::unique_ptr<Worker>> workers;
  workers.push_back(std::move(first));
  for (size_t i = 1; i < n; ++i) {
    auto loop = std::make_unique<Loop>();
    auto w = OpenWorker(n, loop.get(), reinterpret_cast<sockaddr*>(&bound), PortSharing::kJoin, tls, &rc);
    if (w == nullptr) return Error::FromUv(rc, "listen tcp " + addr);  // (loop's destructor closes the rest)
    w->own_loop = std::move(loop);
    workers.push_back(std::move(w));
  }
  workers_ = std::move(workers);
  listen_addr_ = workers_[0]->server->ListenAddr();
  if (workers_.size() > 1) StartThreads();
  return Error();
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

Error Server::Listen() { return impl_->Listen(); }

// ServeUntilClosed runs the server's loop until Shutdown or Close has
// ended it on every worker: the Serve half of ListenAndServe and
// ListenAndServeTLS.
Error Server::ServeUntilClosed() {
  impl_->HomeLoop().RunUntil([this] { return impl_->Stopped(); });
  return Error(ErrorCode::kServerClosed, "http: Server closed");
}

Error Server::ListenAndServe() {
  if (Error err = impl_->Listen()) return err;
  return ServeUntilClosed();
}

Error Server::ListenTLS(const std::string& cert_file, const std::string& key_file) {
  // Go's ServeTLS: a copy of TLSConfig, plus the files' certificate. The
  // context is made before the port is bound, so a bad certificate is
  // reported with nothing listening.
  TLSConfig config = tls_config ? *tls_config : TLSConfig();
  if (!cert_file.empty() || !key_file.empty()) {
    Result<Certificate> cert = LoadX509KeyPair(cert_file, key_file);
    if (!cert.ok()) return cert.error();
    config.certificates.push_back(std::move(*cert));
  }
  Result<std::shared_ptr<TlsContext>> ctx = TlsContext::NewServer(config);
  if (!ctx.ok()) return ctx.error();
  return impl_->Listen(std::move(*ctx));
}

Error Server::ListenAndServeTLS(const std::string& cert_file, const std::string& key_file) {
  if (Error err = ListenTLS(cert_file, key_file)) return err;
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
