// This is the low-level Transport implementation of RoundTripper (Go:
// transport.go): it finds a connection for each request — an idle one from
// the pool or a new dial, whichever is ready first — and retries on another
// connection when that is safe. The high-level interface is in client.cc;
// the connections themselves are in persist_conn.cc.
#include "nethttp/transport.h"

#include <utility>
#include <vector>

#include "internal/ascii.h"
#include "internal/connect_method_key.h"
#include "internal/gzip_body.h"
#include "internal/host_port.h"
#include "internal/log.h"
#include "internal/loop_local.h"
#include "internal/request_writer.h"
#include "internal/sigpipe.h"
#include "internal/stream_body.h"
#include "internal/transport_impl.h"
#include "internal/uv_handle.h"
#include "nethttp/loop.h"
#include "nethttp/pool_allocator.h"

namespace nethttp {
namespace {

// kMaxRetries bounds retries of one request. Go loops as long as
// shouldRetryRequest says yes; since only a reused conn is ever retried,
// each retry consumes a pooled conn, so this only guards against a pool of
// many stale conns.
constexpr int kMaxRetries = 10;

// Replayable is Go's Request.isReplayable: the method is idempotent, or the
// caller vouches for it with an Idempotency-Key field. (Go also requires a
// body it can rewind: a whole string can be; a stream cannot, see
// OnRoundTripDone.)
bool Replayable(const Request& req) {
  const std::string& m = req.method;
  if (m.empty() || m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE") return true;
  return req.header.Has("Idempotency-Key") || req.header.Has("X-Idempotency-Key");
}

}  // namespace

struct Transport::Impl::Attempt : std::enable_shared_from_this<Attempt> {
  // (Flattened: GCC otherwise calls an out-of-line move for each of the
  // request's fifteen strings, some 60 instructions apiece where inlined
  // it is half that, on every round trip.)
  [[gnu::flatten]] explicit Attempt(Request&& r) : request(std::move(r)) {}
  // SendableTwice: a failure after the request went out, before any of
  // the response came, may be retried on another conn (Go: the request is
  // replayable and its body can be rewound; a whole-string body is in
  // wire, a streamed one is read once).
  bool SendableTwice() const { return body.source == nullptr && Replayable(request); }

  // An attempt that never finished (its Transport went first) must not
  // leave a hook behind that points at it.
  ~Attempt() {
    if (cancel && !finished) cancel->OnCancel(nullptr);
  }

  // request is what Response::request reports (its body is dropped): the
  // response points into the attempt (an aliasing shared_ptr) rather than
  // a Request moved again into an allocation of its own, since a move of
  // a Request moves some twenty strings. Deliver lets go of the rest.
  Request request;
  std::string wire;  // the serialised request (its head, if body streams), kept for a retry
  // body is the request body's stream (source, length, framing), sent
  // after wire; its source is null for a whole-string body, which is in
  // wire. StartOnConn adds the trailer and the 100-continue wait per try.
  OutgoingBody body;
  // key names the pool the attempt takes a conn from. (Shared with the
  // key cache, which it may outlive: a copy of the string was an
  // allocation of every request.)
  std::shared_ptr<const std::string> key;
  std::string addr;  // "host:port" to dial: the server's, or its proxy's
  std::shared_ptr<TlsContext> tls;  // https: the context its conn shakes hands with
  // Through a proxy: connect opens the tunnel to an https server, whose
  // name tls_host is (the proxy's is what is dialed).
  bool proxied = false;
  std::string connect;
  std::string tls_host;
  Done done;
  std::shared_ptr<Cancelation> cancel;
  std::shared_ptr<WantConn> want;  // while waiting for a conn
  PersistConn* pc = nullptr;       // while running on one
  int retries = 0;
  bool added_gzip = false;  // we asked for gzip: a gzip'd answer is ours to decode
  bool expects_continue = false;  // Expect: 100-continue, with a body held back for it
  bool finished = false;    // done was called
};

struct Transport::Impl::WantConn {
  std::shared_ptr<Attempt> attempt;  // null once served or abandoned
  std::string key;
  bool done = false;
};

Transport::Impl::Impl(Transport* t, Loop* loop)
    : t_(t),
      loop_obj_(loop),
      loop_(loop->get()),
      pool_(t->max_idle_conns, t->max_idle_conns_per_host),
      read_buf_(new char[kReadBufferBytes]) {
  IgnoreSigpipe();
}

Transport::Impl::~Impl() {
  std::vector<PersistConn*> all(conns_.begin(), conns_.end());
  conns_.clear();
  for (PersistConn* pc : all) {
    pc->Detach();
    pc->Close(Error(ErrorCode::kCanceled, "http: Transport destroyed"));
  }
}

uv_buf_t Transport::Impl::ReadBuffer() {
  return uv_buf_init(read_buf_.get(), static_cast<unsigned>(kReadBufferBytes));
}

const ConnectMethodKey* Transport::Impl::KeyFor(const URL& url,
                                                std::shared_ptr<const std::string>* key_string,
                                                Error* err) {
  KeyCache& c = key_cache_;
  if (!c.valid || url.host != c.host || url.scheme != c.scheme) {
    Result<ConnectMethodKey> key = KeyForURL(url);
    if (!key.ok()) {
      *err = key.error();
      return nullptr;
    }
    c.scheme = url.scheme;
    c.host = url.host;
    c.key = std::move(*key);
    c.key_string = std::make_shared<const std::string>(c.key.String());
    c.valid = true;
  }
  *key_string = c.key_string;
  return &c.key;
}

void Transport::Impl::RoundTrip(Request&& req, Done done, std::shared_ptr<Cancelation> cancel) {
  Error key_err;
  std::shared_ptr<const std::string> key_string;
  const ConnectMethodKey* key = KeyFor(req.url, &key_string, &key_err);
  if (key == nullptr) {
    done(key_err);
    return;
  }
  ConnectMethodKey through;  // the key through the proxy the proxy function names
  if (t_->proxy) {
    // Go's connectMethodForRequest: the proxy function decides per request.
    Result<std::optional<URL>> proxy = t_->proxy(req);
    if (!proxy.ok()) {
      done(proxy.error());
      return;
    }
    // (Asked again: the function may have sent a request of its own.)
    key = KeyFor(req.url, &key_string, &key_err);
    if (key == nullptr) {
      done(key_err);
      return;
    }
    if (proxy->has_value()) {
      Result<ConnectMethodKey> k = ThroughProxy(*key, **proxy);
      if (!k.ok()) {
        done(k.error());
        return;
      }
      through = std::move(*k);
      key = &through;
      key_string = std::make_shared<const std::string>(through.String());
    }
  }
  std::shared_ptr<TlsContext> tls;
  if (key->scheme == "https") {
    Result<std::shared_ptr<TlsContext>> ctx = ClientTls();
    if (!ctx.ok()) {
      done(ctx.error());
      return;
    }
    tls = std::move(*ctx);
  }
  RequestWriteOptions opts;
  opts.force_close = t_->disable_keep_alives;
  // Go asks for gzip unless the caller chose an encoding or a range, or
  // there is no body to decode (AsksForGzip, shared with DumpRequestOut).
  opts.accept_gzip = !t_->disable_compression && AsksForGzip(req);
  if (key->ProxiedHttp()) {
    opts.absolute_form = true;
    opts.proxy_authorization = key->proxy_authorization;
  }
  bool expects_continue = false;
  if (t_->expect_continue_timeout.count() > 0 && HasToken(req.header.Get("Expect"), "100-continue") &&
      (!req.body.empty() || req.body_stream != nullptr)) {
    // The body must follow the head, not ride in its write: a whole one
    // becomes a stream, as if the caller had passed one (so, like one, it
    // is sent again only when no byte of the request was written).
    expects_continue = true;
    if (req.body_stream == nullptr) {
      auto stream = std::make_shared<StreamBody>(nullptr);
      stream->Deliver(req.body);
      stream->End(Error(), Header());
      req.content_length = static_cast<int64_t>(req.body.size());
      req.body.clear();
      req.body_stream = std::move(stream);
    }
  }
  std::string wire = TakeWire();
  if (Error err = WriteRequest(req, opts, &wire)) {
    ReturnWire(&wire);
    done(err);
    return;
  }
  req.body.clear();
  req.body.shrink_to_fit();
  OutgoingBody body;
  // Go: a ContentLength of 0 with a body means "unknown".
  body.length = req.content_length > 0 ? req.content_length : -1;
  body.chunked = SendsChunked(req);
  body.source = std::move(req.body_stream);
  // (The request is moved once, into the attempt as it is made.)
  auto a = std::allocate_shared<Attempt>(PoolAllocator<Attempt>(), std::move(req));
  a->wire = std::move(wire);
  a->body = std::move(body);
  a->tls = std::move(tls);
  a->added_gzip = opts.accept_gzip;
  a->expects_continue = expects_continue;
  a->key = std::move(key_string);
  a->addr = key->DialAddr();
  a->proxied = !key->proxy.empty();
  if (key->Tunneled()) {
    WriteConnect(key->addr, key->proxy_authorization, &a->connect);
    std::string port;
    SplitHostOptionalPort(key->addr, &a->tls_host, &port);
  }
  a->done = std::move(done);
  a->cancel = std::move(cancel);
  if (a->cancel) {
    // (A plain pointer, which the std::function holds without allocating:
    // Deliver, or ~Attempt, removes the hook before the attempt goes.)
    a->cancel->OnCancel(
        [this, raw = a.get()](const Error& err) { Cancel(raw->shared_from_this(), err); });
    if (a->finished) return;  // it was canceled already
  }
  GetConn(a);
}

void Transport::Impl::GetConn(const std::shared_ptr<Attempt>& a) {
  if (!t_->disable_keep_alives) {
    pool_.set_limits(t_->max_idle_conns, t_->max_idle_conns_per_host);
    std::vector<PersistConn*> expired;
    PersistConn* pc = pool_.Take(*a->key, uv_now(loop_),
                                 static_cast<uint64_t>(t_->idle_conn_timeout.count()), &expired);
    CloseAll(std::move(expired));
    // A pooled conn the server has just closed (its FIN in our socket
    // before the loop read it) is found either by a look now (PeerGone, a
    // syscall) or by a failed exchange. Go never looks: it sends again
    // what can be sent again (shouldRetryRequest), and so do we, so the
    // look is kept for a request a failure could not retry, a POST above
    // all, which must not go out on a dead conn. (A GET is most requests:
    // through the relay the look was one of five syscalls per request.)
    bool look = !a->SendableTwice();
    while (pc != nullptr && look && pc->PeerGone()) {
      pc->Close(Error());
      std::vector<PersistConn*> more_expired;
      pc = pool_.Take(*a->key, uv_now(loop_), static_cast<uint64_t>(t_->idle_conn_timeout.count()),
                      &more_expired);
      CloseAll(std::move(more_expired));
    }
    if (pc != nullptr) {
      StartOnConn(a, pc);
      return;
    }
  }
  // Go's getConn: wait for an idle conn and dial one at the same time;
  // whichever comes first serves this request.
  auto w = std::make_shared<WantConn>();
  w->attempt = a;
  w->key = *a->key;
  a->want = w;
  if (!t_->disable_keep_alives) idle_waiters_[*a->key].push_back(w);
  QueueForDial(w);
}

void Transport::Impl::QueueForDial(const std::shared_ptr<WantConn>& w) {
  size_t max = t_->max_conns_per_host;
  if (max == 0 || conns_per_host_[w->key] < max) {
    StartDial(w);
    return;
  }
  dial_waiters_[w->key].push_back(w);  // Go: connsPerHostWait, FIFO
}

void Transport::Impl::StartDial(const std::shared_ptr<WantConn>& w) {
  std::string addr = w->attempt != nullptr ? w->attempt->addr : "";
  std::string host, port;
  SplitHostOptionalPort(addr, &host, &port);  // the rule KeyForURL built addr with
  ++conns_per_host_[w->key];
  ++conns_opened_;
  auto idle = t_->disable_keep_alives ? PersistConn::Duration(0) : t_->idle_conn_timeout;
  auto* pc = new PersistConn(loop_, this, w->key, idle);
  pc->set_max_header_bytes(t_->max_response_header_bytes > 0 ? t_->max_response_header_bytes
                                                             : kDefaultMaxResponseHeaderBytes);
  conns_.insert(pc);
  TlsDial tls;
  if (w->attempt != nullptr && w->attempt->tls != nullptr) {
    tls.ctx = w->attempt->tls;
    tls.handshake_timeout = t_->tls_handshake_timeout;
    tls.connect = w->attempt->connect;
    tls.host = w->attempt->tls_host;
  }
  pc->Dial(std::move(host), std::move(port), t_->dial_timeout,
           [this, pc, w](Error err) { OnDialed(pc, w, std::move(err)); }, std::move(tls));
}

Result<std::shared_ptr<TlsContext>> Transport::Impl::ClientTls() {
  if (tls_ == nullptr) {
    Result<std::shared_ptr<TlsContext>> ctx =
        TlsContext::NewClient(t_->tls_client_config ? *t_->tls_client_config : TLSConfig{});
    if (!ctx.ok()) return ctx.error();
    tls_ = std::move(*ctx);
  }
  return tls_;
}

void Transport::Impl::OnDialed(PersistConn* pc, const std::shared_ptr<WantConn>& w, Error err) {
  std::shared_ptr<Attempt> a = w->done ? nullptr : w->attempt;
  if (err) {
    // The conn is closing and already forgotten (OnClosing). Go delivers
    // the dial error to the request that asked for the dial, and says
    // when it was the proxy that could not be reached.
    if (a && a->proxied && err.message().rfind("dial tcp", 0) == 0) {
      err = Error(err.code(), "proxyconnect tcp: " + err.message(), err.uv_code());
    }
    if (a) Deliver(a, std::move(err));
    return;
  }
  if (a) {
    w->done = true;
    w->attempt.reset();
    a->want.reset();
    StartOnConn(a, pc);
    return;
  }
  // The request that wanted this conn was served by an idle one, or left
  // (Go: dialConnFor's putOrCloseIdleConn): the conn is not wasted.
  PutIdle(pc);
}

void Transport::Impl::StartOnConn(const std::shared_ptr<Attempt>& a, PersistConn* pc) {
  a->pc = pc;
  bool head = a->request.method == "HEAD";
  bool close = a->request.close || t_->disable_keep_alives;
  OutgoingBody body;
  if (a->body.source != nullptr) {
    body = a->body;
    body.trailer = a->request.trailer;  // (a copy: a retry sends it again)
    if (a->expects_continue) body.continue_timeout = t_->expect_continue_timeout;
  }
  // The conn keeps the attempt alive until it answers (keep); the
  // callback itself holds a plain pointer, so it needs no allocation.
  pc->RoundTrip(
      a->wire, head, close, t_->response_header_timeout,
      [this, raw = a.get()](Result<Response>&& r, PersistConn::Failure f) {
        OnRoundTripDone(raw->shared_from_this(), std::move(r), f);
      },
      std::move(body), a);
}

void Transport::Impl::OnRoundTripDone(const std::shared_ptr<Attempt>& a, Result<Response>&& r,
                                      PersistConn::Failure f) {
  a->pc = nullptr;
  if (a->finished) return;
  if (!r.ok()) {
    // Go: shouldRetryRequest. Only a conn that served a response before can
    // have gone stale under us; a new conn's failure is the server's answer.
    bool canceled = a->cancel && a->cancel->canceled();
    // A streamed body is read once: it can be sent again only if none of
    // it was taken, which nothing_written guarantees (the body is read
    // after the head is written).
    bool retry = !canceled && f.reused && a->retries < kMaxRetries &&
                 (f.nothing_written || (a->SendableTwice() && f.before_response));
    if (retry) {
      ++a->retries;
      Log().debug("http: retrying {} {} after: {}", a->request.method, a->addr, r.error().message());
      GetConn(a);
      return;
    }
  }
  Deliver(a, std::move(r));
}

void Transport::Impl::Cancel(const std::shared_ptr<Attempt>& a, const Error& err) {
  if (a->finished) return;  // the head arrived: the body is the caller's now
  if (a->pc != nullptr) {
    a->pc->Cancel(err);  // calls OnRoundTripDone with err
    return;
  }
  // Waiting for a conn: leave the queues. A dial started for this request
  // goes on and its conn goes to the pool (OnDialed).
  Deliver(a, Result<Response>(err));
}

void Transport::Impl::Deliver(const std::shared_ptr<Attempt>& a, Result<Response>&& r) {
  if (a->finished) return;
  a->finished = true;
  if (a->want) {
    a->want->done = true;
    a->want->attempt.reset();
    a->want.reset();
  }
  if (a->cancel) a->cancel->OnCancel(nullptr);
  a->cancel.reset();
  // The attempt is over: the response points at its request, and keeps
  // the attempt's memory, so what the request is not goes now.
  ReturnWire(&a->wire);
  a->body = OutgoingBody();
  if (r.ok()) r->request = std::shared_ptr<const Request>(a, &a->request);
  if (r.ok() && a->added_gzip && EqualFold(r->header.Get("Content-Encoding"), "gzip")) {
    // Go's transport.go: the caller did not ask for gzip, so it gets the
    // body decoded, and a header that no longer claims an encoding or a
    // length the decoded body does not have.
    r->body = NewGzipBody(std::move(r->body));
    r->header.Del("Content-Encoding");
    r->header.Del("Content-Length");
    r->content_length = -1;
    r->uncompressed = true;
  }
  Done done = std::move(a->done);
  done(std::move(r));
}

std::string Transport::Impl::TakeWire() {
  if (spare_wires_.empty()) return std::string();
  std::string wire = std::move(spare_wires_.back());
  spare_wires_.pop_back();
  return wire;
}

void Transport::Impl::ReturnWire(std::string* wire) {
  // As many as a busy loop has requests in flight at once, each the size
  // of a head with a few fields; a larger one (a body came with it) goes.
  constexpr size_t kSpareWires = 64, kSpareWireBytes = 1024;
  static const size_t kInline = std::string().capacity();  // (no buffer to keep)
  if (spare_wires_.size() < kSpareWires && wire->capacity() > kInline && wire->capacity() <= kSpareWireBytes) {
    wire->clear();
    spare_wires_.push_back(std::move(*wire));
  }
  std::string().swap(*wire);
}

void Transport::Impl::PutIdle(PersistConn* pc) {
  if (t_->disable_keep_alives) {
    pc->Close(Error());
    return;
  }
  // (Usually no request waits: then the key is not even hashed.)
  auto it = idle_waiters_.empty() ? idle_waiters_.end() : idle_waiters_.find(pc->key());
  if (it != idle_waiters_.end()) {
    // A waiting request takes the conn now, so this is its one look for a
    // close that came with the response (GetConn's look, for the pool).
    if (pc->PeerGone()) {
      pc->Close(Error());
      return;
    }
    auto& q = it->second;
    while (!q.empty()) {
      std::shared_ptr<WantConn> w = std::move(q.front());
      q.pop_front();
      if (w->done || !w->attempt) continue;
      std::shared_ptr<Attempt> a = std::move(w->attempt);
      w->done = true;
      a->want.reset();
      if (q.empty()) idle_waiters_.erase(it);
      StartOnConn(a, pc);
      return;
    }
    idle_waiters_.erase(it);
  }
  pool_.set_limits(t_->max_idle_conns, t_->max_idle_conns_per_host);
  CloseAll(pool_.Put(pc->key(), pc, uv_now(loop_)));
}

void Transport::Impl::OnReusable(PersistConn* pc) { PutIdle(pc); }

void Transport::Impl::OnClosing(PersistConn* pc) {
  pool_.Remove(pc->key(), pc);
  conns_.erase(pc);
  auto count = conns_per_host_.find(pc->key());
  if (count != conns_per_host_.end() && --count->second == 0) conns_per_host_.erase(count);
  // A slot under max_conns_per_host is free: the oldest request still
  // waiting for one dials now (Go: decConnsPerHost).
  auto it = dial_waiters_.find(pc->key());
  if (it == dial_waiters_.end()) return;
  auto& q = it->second;
  while (!q.empty()) {
    std::shared_ptr<WantConn> w = std::move(q.front());
    q.pop_front();
    if (w->done || !w->attempt) continue;
    if (q.empty()) dial_waiters_.erase(it);
    StartDial(w);
    return;
  }
  dial_waiters_.erase(it);
}

void Transport::Impl::CloseAll(std::vector<PersistConn*> conns) {
  for (PersistConn* pc : conns) pc->Close(Error());
}

void Transport::Impl::CloseIdleConnections() { CloseAll(pool_.RemoveAll()); }

Transport::Transport(Loop* loop)
    : impl_(std::make_unique<Impl>(this, loop != nullptr ? loop : &DefaultLoop())) {}

Transport::~Transport() = default;

void Transport::RoundTrip(Request req, Done done, std::shared_ptr<Cancelation> cancel) {
  impl_->RoundTrip(std::move(req), std::move(done), std::move(cancel));
}

void Transport::CloseIdleConnections() { impl_->CloseIdleConnections(); }

size_t Transport::ConnectionsOpened() const { return impl_->connections_opened(); }

Loop& Transport::EventLoop() { return *impl_->loop(); }

Loop& RoundTripper::EventLoop() { return DefaultLoop(); }

Transport& DefaultTransport() {
  Loop* current = Loop::Current();
  if (current == nullptr || current == &DefaultLoop()) {
    static Transport transport(&DefaultLoop());
    // Go's DefaultTransport honours HTTP_PROXY and its kin; so does ours.
    [[maybe_unused]] static const bool proxied = (transport.proxy = ProxyFromEnvironment, true);
    return transport;
  }
  // A worker's handler relaying to an upstream: its own loop's Transport,
  // whose kept-alive connections only that loop's handlers reuse.
  static const uint64_t key = NewLoopLocalKey();
  return LoopLocal<Transport>(*current, key, [current] {
    auto t = std::make_shared<Transport>(current);
    t->proxy = ProxyFromEnvironment;
    return t;
  });
}

}  // namespace nethttp
