// ServerLoop (internal/server_loop.h): one loop's listener and the set of
// its live connections (Go: Server.Serve, Shutdown, Close in server.go).
// Each accepted socket becomes a Conn (conn.cc) on the same loop; there is
// no thread per connection.
#include "internal/server_loop.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <cstring>
#include <utility>

#include "internal/conn.h"
#include "internal/listen_socket.h"
#include "internal/log.h"
#include "internal/sock_addr.h"
#include "internal/tls_context.h"
#include "internal/uv_handle.h"
#include "nethttp/loop.h"
#include "nethttp/serve_mux.h"

namespace nethttp {
namespace {

// kMaxSpareRequestStates bounds the pool of per-request state: after a
// burst of busy connections it keeps this many (about 1.2 KiB each, more
// with the capacity their strings grew) for the next burst, and frees the
// rest. It is the Server's, shared out evenly among its workers: each sees
// its share of a burst, and a server on more cores holds no more memory
// while idle.
constexpr size_t kMaxSpareRequestStates = 256;

}  // namespace

// Listener is the listening socket, accepted from here rather than through
// uv_listen. At EMFILE, libuv frees a spare descriptor for a moment to
// accept and close the backlog (uv__emfile_trick); with several workers
// sharing the process's descriptor table, another worker's accept can take
// that descriptor first, and libuv then calls back with EMFILE in a loop
// for as long as the backlog is full: a worker spinning a core and filling
// the log. Here that case rests instead (AcceptFailed). The poll and the
// timer close together; the second close callback frees the Listener.
struct ServerLoop::Listener {
  uv_poll_t poll;       // readable: connections wait in the backlog
  uv_timer_t backoff;   // a rest after accept failed (AcceptFailed)
  int fd = -1;          // the socket, closed with the handles
  int spare_fd = -1;    // given up at EMFILE to accept-and-close the backlog
  uint64_t rest_ms = 0;  // the last rest; 0 once an accept succeeds
  int open_handles = 2;
  ServerLoop* server;
};

namespace {

// A listener whose accept fails, with a backlog it cannot shed, rests
// before it polls again: kMinRestMs, doubled at each failure in a row up to
// kMaxRestMs (Go's accept loop; nginx rests 500 ms).
constexpr uint64_t kMinRestMs = 5;
constexpr uint64_t kMaxRestMs = 1000;

int OpenSpare() { return open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

void ServerLoop::CloseListener(Listener* l) {
  l->server = nullptr;
  auto closed = [](uv_handle_t* h) {
    auto* l = static_cast<Listener*>(h->data);
    if (--l->open_handles == 0) delete l;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&l->poll), closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&l->backoff), closed);
  // The socket closes now, not with the handles a turn later: a client that
  // connects once Shutdown or Close has returned is refused, as in Go.
  // (uv_close has stopped the poll, so the descriptor may go.)
  close(l->fd);
  if (l->spare_fd >= 0) close(l->spare_fd);
  l->fd = l->spare_fd = -1;
}

void ServerLoop::StopListening() {
  if (listener_ != nullptr) CloseListener(std::exchange(listener_, nullptr));
}

ServerLoop::ServerLoop(Server* server, Loop* loop, std::atomic<size_t>* open_conns, bool keep_alives,
                       size_t num_workers)
    : server_(server),
      event_loop_(loop),
      loop_(loop->get()),
      open_conns_(open_conns),
      max_spare_states_((kMaxSpareRequestStates + num_workers - 1) / std::max<size_t>(num_workers, 1)),
      keep_alives_(keep_alives),
      read_buf_(new char[kReadBufferBytes]) {
  for (TimeoutList*& list : timeouts_) list = TimeoutList::New(loop_, Conn::OnTimeout);
  shutdown_timeouts_ = TimeoutList::New(loop_, OnShutdownDeadline);
  shutdown_deadline_.owner = this;
  turn_end_ = TurnEndList::New(loop_, Conn::OnTurnEnd);
  // libuv opens a spare descriptor for its EMFILE handling with a loop's
  // first stream (uv__stream_init), which would be the first Conn: it is
  // opened now, with a handle made for nothing else, so that a server holds
  // the same descriptors before its first connection as after its last
  // (tools/soak counts them to find leaks).
  auto* first_stream = new uv_tcp_t;
  uv_tcp_init(loop_, first_stream);
  uv_close(reinterpret_cast<uv_handle_t*>(first_stream), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
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

bool ServerLoop::WantsIdleStatesBack() const { return num_conns_ > max_spare_states_; }

void ServerLoop::ReturnRequestState(std::unique_ptr<RequestState> rs) {
  rs->req.multipart_form.reset();  // its temporary files go now, not at reuse
  if (spare_states_.size() < max_spare_states_) spare_states_.push_back(std::move(rs));
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

int ServerLoop::Serve(int fd, std::shared_ptr<TlsContext> tls) {
  auto* l = new Listener;
  l->fd = fd;
  l->server = this;
  if (int rc = uv_poll_init_socket(loop_, &l->poll, fd); rc != 0) {
    close(fd);
    delete l;
    return rc;
  }
  uv_timer_init(loop_, &l->backoff);
  l->poll.data = l->backoff.data = l;
  l->spare_fd = OpenSpare();
  uv_poll_start(&l->poll, UV_READABLE, OnReadable);
  listener_ = l;
  listen_addr_ = FormatListenAddr(fd);
  tls_ = std::move(tls);
  return 0;
}

void ServerLoop::OnReadable(uv_poll_t* poll, int status, int) {
  auto* l = OwnerOf<Listener>(poll);
  if (l->server == nullptr || status < 0) return;
  // Every waiting connection is taken now (as libuv's uv__server_io does):
  // with SO_REUSEPORT each worker has a backlog of its own to drain.
  for (;;) {
    sockaddr_storage peer;
    socklen_t len = sizeof peer;
    int fd = accept4(l->fd, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) l->server->AcceptFailed(l, errno);
      return;
    }
    if (peer.ss_family == AF_UNIX) {
      // (FormatSockaddr reads sun_path up to a NUL; an unnamed peer's
      // address is the family alone.)
      std::memset(reinterpret_cast<char*>(&peer) + len, 0, sizeof peer - len);
    }
    l->rest_ms = 0;
    ServerLoop* server = l->server;
    size_t limit = server->server().max_conns;
    if (limit > 0 && server->open_conns_->load(std::memory_order_relaxed) >= limit) {
      // The peer sees an immediate close instead of waiting in the backlog.
      Log().debug("http: over max_conns ({}): closing a new connection", limit);
      close(fd);
      continue;
    }
    Conn::Accept(server, fd, peer);
    if (l->server == nullptr) return;  // (conn_state closed the server)
  }
}

// AcceptFailed: accept(2) failed with err. At EMFILE or ENFILE the backlog
// cannot be taken, and the poll would wake for it again at once, for ever.
// The spare descriptor is given up for a moment to accept each waiting
// connection and close it, so that its client sees a close rather than a
// wait, and is then opened again: libuv's trick. When another worker took
// the freed descriptor first (the spare is then lost until a descriptor
// frees), or the error is another (ENOBUFS, ENOMEM), the listener rests
// instead, and its backlog waits, as under Go and nginx, which never shed.
void ServerLoop::AcceptFailed(Listener* l, int err) {
  if ((err == EMFILE || err == ENFILE) && l->spare_fd >= 0) {
    close(l->spare_fd);
    size_t shed = 0;
    for (;;) {
      int fd = accept4(l->fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        close(fd);
        ++shed;
      } else if (errno != EINTR && errno != ECONNABORTED) {
        break;
      }
    }
    err = errno;
    l->spare_fd = OpenSpare();
    Log().debug("http: Accept error: {}: closed {} waiting connections", uv_strerror(UV_EMFILE), shed);
    if ((err == EAGAIN || err == EWOULDBLOCK) && l->spare_fd >= 0) return;
  }
  l->rest_ms = l->rest_ms == 0 ? kMinRestMs : std::min(l->rest_ms * 2, kMaxRestMs);
  Log().warn("http: Accept error: {}; retrying in {}ms", uv_strerror(uv_translate_sys_error(err)), l->rest_ms);
  uv_poll_stop(&l->poll);
  uv_timer_start(&l->backoff, OnBackoffEnd, l->rest_ms, 0);
}

void ServerLoop::OnBackoffEnd(uv_timer_t* t) {
  auto* l = OwnerOf<Listener>(t);
  if (l->server == nullptr) return;
  if (l->spare_fd < 0) l->spare_fd = OpenSpare();
  uv_poll_start(&l->poll, UV_READABLE, OnReadable);
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
  for (auto& done : std::exchange(shutdown_done_, {})) {
    if (done) done(shutdown_forced_);
  }
}

void ServerLoop::Shutdown(Server::Duration timeout, std::function<void(size_t)> done) {
  // A second Shutdown while the first waits adds its done; the first
  // one's deadline stands unless it had none.
  bool again = shutting_down_;
  stopped_ = true;
  shutting_down_ = true;
  shutdown_done_.push_back(std::move(done));
  if (!again) shutdown_forced_ = 0;
  StopListening();
  // Idle connections close now; busy ones close after their response,
  // which says Connection: close because KeepAlivesAllowed() is now false.
  CloseIdleConns();
  if (timeout.count() > 0 && num_conns_ != 0 && !shutdown_deadline_.linked()) {
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
