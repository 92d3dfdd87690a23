// Server: the listener and the set of live connections (Go: Server.Serve,
// Shutdown, Close in server.go). Each accepted socket becomes a Conn
// (conn.cc) on the same loop; there is no thread per connection.
#include "nethttp/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <csignal>
#include <cstring>
#include <utility>

#include "internal/conn.h"
#include "internal/log.h"
#include "internal/server_impl.h"
#include "internal/sigpipe.h"
#include "internal/tls_context.h"
#include "internal/sock_addr.h"
#include "internal/uv_handle.h"
#include "nethttp/loop.h"
#include "nethttp/serve_mux.h"

namespace nethttp {
namespace {

// kMaxSpareRequestStates bounds the pool of per-request state: after a
// burst of busy connections it keeps this many (about 1.2 KiB each, more
// with the capacity their strings grew) for the next burst, and frees the
// rest.
constexpr size_t kMaxSpareRequestStates = 256;

// kBacklog is the listen(2) backlog; the kernel caps it at somaxconn. Go
// uses the system's somaxconn.
constexpr int kBacklog = 4096;

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

// kDeferAcceptSeconds: how long Linux may hold a connection that has sent
// nothing yet before handing it to accept anyway (see DeferAccept).
constexpr int kDeferAcceptSeconds = 1;

// DeferAccept asks Linux to hand over a connection only once its first
// bytes are in (TCP_DEFER_ACCEPT, as h2o does and nginx's "deferred"):
// the accept and the read of the request then come in one loop turn, not
// two, and a connection per request cost a fifth less CPU
// (tools/bench/run --shapes close). A client that connects and stays
// silent is accepted after kDeferAcceptSeconds all the same, so
// ReadHeaderTimeout still ends it, that much later; Go has no such delay.
// Best effort: where the option is missing nothing changes.
void DeferAccept(uv_tcp_t* listener) {
#ifdef TCP_DEFER_ACCEPT
  uv_os_fd_t fd;
  int secs = kDeferAcceptSeconds;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(listener), &fd) == 0) {
    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs);
  }
#else
  (void)listener;
#endif
}

}  // namespace

// Listener owns the listening socket; it deletes itself in its close callback.
struct Server::Impl::Listener {
  uv_tcp_t tcp;
  Server::Impl* server;
};

void Server::Impl::CloseListener(Listener* l) {
  l->server = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp),
           [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
}

void Server::Impl::StopListening() {
  if (listener_ != nullptr) CloseListener(std::exchange(listener_, nullptr));
}

std::string_view ConnStateName(ConnState s) {
  switch (s) {
    case ConnState::kNew: return "new";
    case ConnState::kActive: return "active";
    case ConnState::kIdle: return "idle";
    case ConnState::kClosed: return "closed";
  }
  return "?";
}

Server::Impl::Impl(Server* server)
    : server_(server), read_buf_(new char[kReadBufferBytes]) {}

Server::Impl::~Impl() {
  // The Server is going away: every handle must stop pointing at us.
  StopListening();
  while (conns_ != nullptr) {
    Conn* c = conns_;
    conns_ = c->next_;
    c->Detach();
    c->Close();
  }
  for (TimeoutList*& list : timeouts_) {
    if (list != nullptr) list->Close();
    list = nullptr;
  }
  shutdown_deadline_.Unlink();
  if (shutdown_timeouts_ != nullptr) shutdown_timeouts_->Close();
  if (turn_end_ != nullptr) turn_end_->Close();
}

std::unique_ptr<RequestState> Server::Impl::TakeRequestState() {
  std::unique_ptr<RequestState> rs;
  if (spare_states_.empty()) {
    rs = std::make_unique<RequestState>();
  } else {
    rs = std::move(spare_states_.back());
    spare_states_.pop_back();
  }
  // (Zero means the default, as in Go: a Server{} literal is safe as is.)
  auto or_default = [](size_t v, size_t d) { return v > 0 ? v : d; };
  rs->parser.set_max_header_bytes(or_default(server_->max_header_bytes, DefaultMaxHeaderBytes));
  rs->parser.set_max_request_target_bytes(
      or_default(server_->max_request_target_bytes, DefaultMaxRequestTargetBytes));
  rs->parser.set_max_header_fields(or_default(server_->max_header_fields, DefaultMaxHeaderFields));
  // Default request body limit for the buffered body: 64 MiB.
  rs->parser.set_max_body_bytes(server_->max_body_bytes > 0 ? server_->max_body_bytes
                                                            : int64_t{64} << 20);
  // Each head with a body stops the parser, so the connection can ask the
  // handler whether it streams the body before a byte of it is parsed.
  rs->parser.set_stop_after_head(true);
  return rs;
}

bool Server::Impl::WantsIdleStatesBack() const { return num_conns_ > kMaxSpareRequestStates; }

void Server::Impl::ReturnRequestState(std::unique_ptr<RequestState> rs) {
  if (spare_states_.size() < kMaxSpareRequestStates) spare_states_.push_back(std::move(rs));
}

Handler& Server::Impl::handler() {
  return server_->handler != nullptr ? *server_->handler : DefaultServeMux();
}

uv_buf_t Server::Impl::ReadBuffer() {
  return uv_buf_init(read_buf_.get(), static_cast<unsigned>(kReadBufferBytes));
}

std::string_view Server::Impl::Date() {
  std::time_t now = std::time(nullptr);
  if (now != date_sec_ || date_.empty()) {
    date_sec_ = now;
    date_.clear();
    AppendHttpDate(now, &date_);
  }
  return date_;
}

int Server::Impl::OpenListener(const sockaddr* addr, Listener** out) {
  auto* l = new Listener{};
  l->server = this;
  l->tcp.data = l;
  uv_tcp_init(loop_, &l->tcp);
  *out = l;
  int rc = uv_tcp_bind(&l->tcp, addr, 0);
  // Accepted sockets inherit TCP_NODELAY from here on Linux (Conn::Accept).
  if (rc == 0) rc = uv_tcp_nodelay(&l->tcp, 1);
  if (rc == 0) DeferAccept(&l->tcp);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->tcp), kBacklog, OnConnection);
  return rc;
}

Error Server::Impl::Listen(std::shared_ptr<TlsContext> tls) {
  IgnoreSigpipe();
  if (stopped_) return Error(ErrorCode::kServerClosed, "http: Server closed");
  if (listener_ != nullptr) return Error(ErrorCode::kInvalidArgument, "http: Server already listening");
  // The loop is chosen here, not at construction, so that the knobs can be
  // set in any order after `Server srv;`.
  loop_ = (server_->loop != nullptr ? server_->loop : &DefaultLoop())->get();
  if (timeouts_[0] == nullptr) {  // (a Listen that failed before made them already)
    for (TimeoutList*& list : timeouts_) list = TimeoutList::New(loop_, Conn::OnTimeout);
    shutdown_timeouts_ = TimeoutList::New(loop_, OnShutdownDeadline);
    shutdown_deadline_.owner = this;
    turn_end_ = TurnEndList::New(loop_, Conn::OnTurnEnd);
  }
  std::string addr = server_->addr.empty() ? ":http" : server_->addr;
  if (addr == ":http") addr = ":80";
  sockaddr_storage ss;
  bool any_host = false;
  if (Error err = ResolveListenAddr(loop_, addr, &ss, &any_host)) return err;

  Listener* l = nullptr;
  int rc = OpenListener(reinterpret_cast<sockaddr*>(&ss), &l);
  if (rc != 0 && any_host && (rc == UV_EAFNOSUPPORT || rc == UV_EADDRNOTAVAIL)) {
    // No IPv6 on this machine: listen on every IPv4 interface instead. The
    // failed socket is closed and a fresh one made.
    int port = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    CloseListener(l);
    uv_ip4_addr("0.0.0.0", port, reinterpret_cast<sockaddr_in*>(&ss));
    rc = OpenListener(reinterpret_cast<sockaddr*>(&ss), &l);
  }
  if (rc != 0) {
    CloseListener(l);
    return Error::FromUv(rc, "listen tcp " + addr);
  }
  listener_ = l;
  listen_addr_ = SockAddr(&l->tcp);
  tls_ = std::move(tls);
  return Error();
}

void Server::Impl::OnConnection(uv_stream_t* stream, int status) {
  auto* l = OwnerOf<Listener>(stream);
  if (l->server == nullptr) return;
  if (status < 0) {
    // EMFILE and friends: libuv already keeps a spare fd to shed the
    // connection; we log and keep listening.
    Log().warn("http: Accept error: {}", uv_strerror(status));
    return;
  }
  Server::Impl* server = l->server;
  size_t limit = server->server().max_conns;
  if (limit > 0 && server->num_conns() >= limit) {
    server->ShedConnection(server->loop(), stream);
    return;
  }
  Conn::Accept(server, stream);
}

void Server::Impl::ShedConnection(uv_loop_t* loop, uv_stream_t* listener) {
  // Take the connection off the listener and close it: the peer sees an
  // immediate EOF (or a reset) instead of waiting in the backlog.
  auto* tcp = new uv_tcp_t;
  uv_tcp_init(loop, tcp);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(tcp)) == 0) {
    Log().debug("http: over max_conns ({}): closing a new connection", server_->max_conns);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(tcp), [](uv_handle_t* h) {
    delete reinterpret_cast<uv_tcp_t*>(h);
  });
}

void Server::Impl::OnConnOpened(Conn* c) {
  c->next_ = conns_;
  c->prev_ = nullptr;
  if (conns_ != nullptr) conns_->prev_ = c;
  conns_ = c;
  ++num_conns_;
  conns_high_water_ = std::max(conns_high_water_, num_conns_);
}

void Server::Impl::OnConnClosed(Conn* c) {
  if (c->prev_ != nullptr) c->prev_->next_ = c->next_;
  if (c->next_ != nullptr) c->next_->prev_ = c->prev_;
  if (conns_ == c) conns_ = c->next_;
  c->next_ = c->prev_ = nullptr;
  --num_conns_;
  MaybeTrimMemory();
  MaybeStopTimeouts();
  MaybeFinishShutdown();
}

// MaybeTrimMemory gives the allocator's free memory back to the system once
// most of a crowd of connections has gone. Each connection's memory is
// freed when it closes, but glibc keeps freed heap pages for reuse, so a
// burst of ten thousand connections (a flood of TLS handshakes, each with
// OpenSSL's buffers) would otherwise leave the process at its peak size for
// good. Trimming costs a walk of the free lists, so it runs only when the
// count has fallen to a quarter of a high-water mark of at least
// kTrimHighWater connections.
void Server::Impl::MaybeTrimMemory() {
#ifdef __GLIBC__
  constexpr size_t kTrimHighWater = 512;
  if (conns_high_water_ < kTrimHighWater || num_conns_ > conns_high_water_ / 4) return;
  malloc_trim(0);
  conns_high_water_ = num_conns_;
#endif
}

void Server::Impl::MaybeStopTimeouts() {
  // A timer still armed for a deadline since gone must not hold the loop
  // (pingd runs it until nothing is active) once the server has stopped.
  if (!stopped_ || num_conns_ != 0) return;
  for (TimeoutList* list : timeouts_) {
    if (list != nullptr) list->Stop();
  }
  shutdown_deadline_.Unlink();
  if (shutdown_timeouts_ != nullptr) shutdown_timeouts_->Stop();
}

void Server::Impl::MaybeFinishShutdown() {
  if (!shutting_down_ || listener_ != nullptr || num_conns_ != 0) return;
  shutting_down_ = false;
  if (auto done = std::move(shutdown_done_)) done(std::move(shutdown_error_));
}

void Server::Impl::Shutdown(Server::Duration timeout, std::function<void(Error)> done) {
  stopped_ = true;
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  shutdown_error_ = Error();
  StopListening();
  // Idle connections close now; busy ones close after their response,
  // which says Connection: close because KeepAlivesAllowed() is now false.
  CloseIdleConns();
  if (timeout.count() > 0 && num_conns_ != 0 && shutdown_timeouts_ != nullptr) {
    shutdown_timeouts_->Link(&shutdown_deadline_, static_cast<uint64_t>(timeout.count()));
  }
  MaybeStopTimeouts();
  MaybeFinishShutdown();
}

void Server::Impl::OnShutdownDeadline(TimeoutEntry* e) {
  auto* self = static_cast<Server::Impl*>(e->owner);
  if (!self->shutting_down_) return;
  self->shutdown_error_ = Error(ErrorCode::kTimeout,
                                "http: Shutdown timeout: closed " + std::to_string(self->num_conns_) +
                                    " connections still open");
  self->Close();  // their close callbacks finish the shutdown
}

void Server::Impl::CloseIdleConns() {
  for (Conn* c = conns_; c != nullptr;) {
    Conn* next = c->next_;
    c->CloseIfIdle();
    c = next;
  }
}

void Server::Impl::Close() {
  stopped_ = true;
  StopListening();
  for (Conn* c = conns_; c != nullptr;) {
    Conn* next = c->next_;
    c->Close();
    c = next;
  }
  MaybeStopTimeouts();
}

Server::Server() : impl_(std::make_unique<Impl>(this)) {}
Server::~Server() = default;

Error Server::Listen() { return impl_->Listen(); }

// ServeUntilClosed runs the server's loop until Shutdown or Close has
// ended it: the Serve half of ListenAndServe and ListenAndServeTLS.
Error Server::ServeUntilClosed() {
  Loop& loop = this->loop != nullptr ? *this->loop : DefaultLoop();
  loop.RunUntil([this] { return impl_->closed(); });
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
void Server::SetKeepAlivesEnabled(bool v) {
  impl_->set_keep_alives(v);
  if (!v) impl_->CloseIdleConns();  // Go: srv.closeIdleConns()
}
size_t Server::NumConns() const { return impl_->num_conns(); }

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
