// ServerLoop (internal/server_loop.h): one loop's listener and the set of
// its live connections (Go: Server.Serve, Shutdown, Close in server.go).
// Each accepted socket becomes a Conn (conn.cc) on the same loop; there is
// no thread per connection.
#include "internal/server_loop.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <cstring>
#include <utility>

#include "internal/conn.h"
#include "internal/log.h"
#include "internal/sock_addr.h"
#include "internal/tls_context.h"
#include "internal/uv_handle.h"
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
void DeferAccept(uv_os_fd_t fd) {
#ifdef TCP_DEFER_ACCEPT
  int secs = kDeferAcceptSeconds;
  setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs);
#else
  (void)fd;
#endif
}

}  // namespace

// Listener owns the listening socket; it deletes itself in its close callback.
struct ServerLoop::Listener {
  uv_tcp_t tcp;
  ServerLoop* server;
};

void ServerLoop::CloseListener(Listener* l) {
  l->server = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&l->tcp),
           [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
}

void ServerLoop::StopListening() {
  if (listener_ != nullptr) CloseListener(std::exchange(listener_, nullptr));
}

ServerLoop::ServerLoop(Server* server, uv_loop_t* loop, std::atomic<size_t>* open_conns, bool keep_alives)
    : server_(server),
      loop_(loop),
      open_conns_(open_conns),
      keep_alives_(keep_alives),
      read_buf_(new char[kReadBufferBytes]) {
  for (TimeoutList*& list : timeouts_) list = TimeoutList::New(loop_, Conn::OnTimeout);
  shutdown_timeouts_ = TimeoutList::New(loop_, OnShutdownDeadline);
  shutdown_deadline_.owner = this;
  turn_end_ = TurnEndList::New(loop_, Conn::OnTurnEnd);
}

ServerLoop::~ServerLoop() {
  // The Server is going away: every handle must stop pointing at us.
  StopListening();
  while (conns_ != nullptr) {
    Conn* c = conns_;
    conns_ = c->next_;
    c->Detach();
    c->Close();
    open_conns_->fetch_sub(1, std::memory_order_relaxed);
  }
  for (TimeoutList* list : timeouts_) list->Close();
  shutdown_deadline_.Unlink();
  shutdown_timeouts_->Close();
  turn_end_->Close();
}

std::unique_ptr<RequestState> ServerLoop::TakeRequestState() {
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

bool ServerLoop::WantsIdleStatesBack() const { return num_conns_ > kMaxSpareRequestStates; }

void ServerLoop::ReturnRequestState(std::unique_ptr<RequestState> rs) {
  if (spare_states_.size() < kMaxSpareRequestStates) spare_states_.push_back(std::move(rs));
}

Handler& ServerLoop::handler() {
  return server_->handler != nullptr ? *server_->handler : DefaultServeMux();
}

uv_buf_t ServerLoop::ReadBuffer() {
  return uv_buf_init(read_buf_.get(), static_cast<unsigned>(kReadBufferBytes));
}

std::string_view ServerLoop::Date() {
  std::time_t now = std::time(nullptr);
  if (now != date_sec_ || date_.empty()) {
    date_sec_ = now;
    date_.clear();
    AppendHttpDate(now, &date_);
  }
  return date_;
}

int ServerLoop::OpenListener(const sockaddr* addr, bool reuse_port, Listener** out) {
  auto* l = new Listener{};
  l->server = this;
  l->tcp.data = l;
  *out = l;
  // The socket is made now (uv_tcp_init_ex), not by the bind, so that
  // SO_REUSEPORT can be set before the bind: libuv 1.44 has no flag for it.
  int rc = uv_tcp_init_ex(loop_, &l->tcp, addr->sa_family);
  if (rc != 0) {
    uv_tcp_init(loop_, &l->tcp);  // (so that CloseListener has a handle to close)
    return rc;
  }
  uv_os_fd_t fd;
  rc = uv_fileno(reinterpret_cast<uv_handle_t*>(&l->tcp), &fd);
  int on = 1;
  if (rc == 0 && reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) {
    rc = uv_translate_sys_error(errno);
  }
  if (rc == 0) rc = uv_tcp_bind(&l->tcp, addr, 0);
  // Accepted sockets inherit TCP_NODELAY from here on Linux (Conn::Accept).
  if (rc == 0) rc = uv_tcp_nodelay(&l->tcp, 1);
  if (rc == 0) DeferAccept(fd);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->tcp), kBacklog, OnConnection);
  return rc;
}

int ServerLoop::Listen(const sockaddr* addr, bool reuse_port, std::shared_ptr<TlsContext> tls) {
  Listener* l = nullptr;
  if (int rc = OpenListener(addr, reuse_port, &l); rc != 0) {
    CloseListener(l);
    return rc;
  }
  listener_ = l;
  listen_addr_ = SockAddr(&l->tcp);
  tls_ = std::move(tls);
  return 0;
}

sockaddr_storage ServerLoop::BoundAddr() const {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (listener_ != nullptr) uv_tcp_getsockname(&listener_->tcp, reinterpret_cast<sockaddr*>(&ss), &len);
  return ss;
}

void ServerLoop::OnConnection(uv_stream_t* stream, int status) {
  auto* l = OwnerOf<Listener>(stream);
  if (l->server == nullptr) return;
  if (status < 0) {
    // EMFILE and friends: libuv already keeps a spare fd to shed the
    // connection; we log and keep listening.
    Log().warn("http: Accept error: {}", uv_strerror(status));
    return;
  }
  ServerLoop* server = l->server;
  size_t limit = server->server().max_conns;
  if (limit > 0 && server->open_conns_->load(std::memory_order_relaxed) >= limit) {
    server->ShedConnection(stream);
    return;
  }
  Conn::Accept(server, stream);
}

void ServerLoop::ShedConnection(uv_stream_t* listener) {
  // Take the connection off the listener and close it: the peer sees an
  // immediate EOF (or a reset) instead of waiting in the backlog.
  auto* tcp = new uv_tcp_t;
  uv_tcp_init(loop_, tcp);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(tcp)) == 0) {
    Log().debug("http: over max_conns ({}): closing a new connection", server_->max_conns);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(tcp), [](uv_handle_t* h) {
    delete reinterpret_cast<uv_tcp_t*>(h);
  });
}

void ServerLoop::OnConnOpened(Conn* c) {
  c->next_ = conns_;
  c->prev_ = nullptr;
  if (conns_ != nullptr) conns_->prev_ = c;
  conns_ = c;
  ++num_conns_;
  open_conns_->fetch_add(1, std::memory_order_relaxed);
  conns_high_water_ = std::max(conns_high_water_, num_conns_);
}

void ServerLoop::OnConnClosed(Conn* c) {
  if (c->prev_ != nullptr) c->prev_->next_ = c->next_;
  if (c->next_ != nullptr) c->next_->prev_ = c->prev_;
  if (conns_ == c) conns_ = c->next_;
  c->next_ = c->prev_ = nullptr;
  --num_conns_;
  open_conns_->fetch_sub(1, std::memory_order_relaxed);
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
void ServerLoop::MaybeTrimMemory() {
#ifdef __GLIBC__
  constexpr size_t kTrimHighWater = 512;
  if (conns_high_water_ < kTrimHighWater || num_conns_ > conns_high_water_ / 4) return;
  malloc_trim(0);
  conns_high_water_ = num_conns_;
#endif
}

void ServerLoop::MaybeStopTimeouts() {
  // A timer still armed for a deadline since gone must not hold the loop
  // (pingd runs it until nothing is active) once the server has stopped.
  if (!stopped_ || num_conns_ != 0) return;
  for (TimeoutList* list : timeouts_) list->Stop();
  shutdown_deadline_.Unlink();
  shutdown_timeouts_->Stop();
}

void ServerLoop::MaybeFinishShutdown() {
  if (!shutting_down_ || listener_ != nullptr || num_conns_ != 0) return;
  shutting_down_ = false;
  if (auto done = std::move(shutdown_done_)) done(shutdown_forced_);
}

void ServerLoop::Shutdown(Server::Duration timeout, std::function<void(size_t)> done) {
  stopped_ = true;
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  shutdown_forced_ = 0;
  StopListening();
  // Idle connections close now; busy ones close after their response,
  // which says Connection: close because KeepAlivesAllowed() is now false.
  CloseIdleConns();
  if (timeout.count() > 0 && num_conns_ != 0) {
    shutdown_timeouts_->Link(&shutdown_deadline_, static_cast<uint64_t>(timeout.count()));
  }
  MaybeStopTimeouts();
  MaybeFinishShutdown();
}

void ServerLoop::OnShutdownDeadline(TimeoutEntry* e) {
  auto* self = static_cast<ServerLoop*>(e->owner);
  if (!self->shutting_down_) return;
  self->shutdown_forced_ = self->num_conns_;
  self->Close();  // their close callbacks finish the shutdown
}

void ServerLoop::CloseIdleConns() {
  for (Conn* c = conns_; c != nullptr;) {
    Conn* next = c->next_;
    c->CloseIfIdle();
    c = next;
  }
}

void ServerLoop::Close() {
  stopped_ = true;
  StopListening();
  for (Conn* c = conns_; c != nullptr;) {
    Conn* next = c->next_;
    c->Close();
    c = next;
  }
  MaybeStopTimeouts();
}

}  // namespace nethttp
