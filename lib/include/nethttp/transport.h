// Transport is the low-level client (Go: http.Transport): it keeps a pool of
// idle kept-alive connections per host and runs one round trip per request
// on the loop. The high-level interface (redirects, cookies, Timeout) is
// Client, in client.h.
#ifndef NETHTTP_TRANSPORT_H_
#define NETHTTP_TRANSPORT_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <utility>

#include "nethttp/cancelation.h"
#include "nethttp/error.h"
#include "nethttp/proxy.h"
#include "nethttp/request.h"
#include "nethttp/response.h"
#include "nethttp/tls.h"

namespace nethttp {

class Loop;
// TransportAccess is the tests' way in to a Transport's Impl (the pool),
// which is private so a user never meets it; it is only declared here, so
// that Transport can name it a friend, and defined in
// lib/internal/transport_impl.h (Go's export_test.go).
struct TransportAccess;

// RoundTripper executes a single HTTP transaction (Go: http.RoundTripper).
// done is called exactly once, on the loop, when the response head has
// arrived (the body then streams) or the round trip failed; for a request
// refused before any I/O (a bad URL, say) it is called before RoundTrip
// returns. cancel, when set, abandons the round trip.
//
// Go's interface has RoundTrip alone; Client also asks the two questions
// below, which a goroutine-based client never needs to, so that it can
// work with any RoundTripper without knowing its concrete type.
class RoundTripper {
 public:
  using Done = std::function<void(Result<Response>)>;
  virtual ~RoundTripper() = default;
  virtual void RoundTrip(Request req, Done done, std::shared_ptr<Cancelation> cancel) = 0;
  void RoundTrip(Request req, Done done) { RoundTrip(std::move(req), std::move(done), nullptr); }

  // EventLoop is the loop RoundTrip calls done on. A Client whose loop is
  // null runs this one for its blocking calls and its Timeout timer. The
  // default, DefaultLoop(), suits a RoundTripper that runs on that loop.
  virtual Loop& EventLoop();
  // ReturnsRequest says whether a successful RoundTrip sets
  // Response::request to the very request it was given (moved in, body
  // dropped), never to another one. Client then takes the request it sent
  // from the response instead of keeping a copy of each hop. The default,
  // false, is always correct: a RoundTripper may send a request of its own
  // (a rewritten URL, say), and Client copies.
  virtual bool ReturnsRequest() const { return false; }
};

// kDefaultMaxResponseHeaderBytes is the Transport's limit on a response
// head: 1 MiB, where Go allows 10 MB; a head that large is an attack or a
// bug, and each byte of it is held in memory.
inline constexpr size_t kDefaultMaxResponseHeaderBytes = 1 << 20;

class Transport : public RoundTripper {
 public:
  using Duration = std::chrono::milliseconds;

  // max_idle_conns bounds idle connections across all hosts (0: no limit).
  size_t max_idle_conns = 100;
  // max_idle_conns_per_host bounds idle connections per host. Go's default
  // of 2 makes a client with more requests in flight than that close and
  // redial connections all the time, so ours is larger.
  size_t max_idle_conns_per_host = 64;
  // max_conns_per_host bounds connections per host, dialing included (0: no
  // limit); requests beyond it wait in FIFO order.
  size_t max_conns_per_host = 0;
  // idle_conn_timeout closes a connection idle in the pool for this long.
  Duration idle_conn_timeout{90'000};
  // response_header_timeout bounds the wait for a response head after the
  // request was written (0: no limit).
  Duration response_header_timeout{0};
  // max_response_header_bytes bounds a response's status line and header
  // (Go: MaxResponseHeaderBytes); more fails the round trip ("http:
  // malformed response: header too large"). Zero means
  // kDefaultMaxResponseHeaderBytes.
  size_t max_response_header_bytes = 0;
  // dial_timeout bounds DNS plus TCP connect (Go's net.Dialer Timeout: 30 s).
  Duration dial_timeout{30'000};
  // disable_keep_alives makes every request use a new connection.
  bool disable_keep_alives = false;
  // expect_continue_timeout: a request with "Expect: 100-continue" and a
  // body sends its head, then waits this long for the server's 100
  // Continue before sending the body anyway (Go: ExpectContinueTimeout, 1 s
  // in DefaultTransport). A final response first (417, 401, a redirect)
  // means the body is never sent, and the connection is not reused. Zero
  // sends the body at once, with the head.
  Duration expect_continue_timeout{1'000};
  // disable_compression stops the Transport from asking for gzip (Go:
  // DisableCompression). Unless it is set, a request without its own
  // Accept-Encoding, Range or HEAD method goes out with "Accept-Encoding:
  // gzip", and a gzip'd response is decoded as it streams: resp.body gives
  // the decoded bytes, Content-Encoding and Content-Length are dropped from
  // resp.header, content_length is -1 and resp.uncompressed is true. A
  // caller that sets Accept-Encoding itself gets the bytes as they came.
  // Decoding never runs ahead of the reader: a gzip bomb costs a reader
  // what it reads, no more (bound it with MaxBytesReader).
  bool disable_compression = false;
  // tls_client_config is how https connections check the server and what
  // they show it (Go: TLSClientConfig): extra root CAs, a client
  // certificate, insecure_skip_verify. Null means the defaults: the
  // system's roots, and the URL's host as SNI and as the name verified.
  // It is read once, when the first https request is sent; later changes
  // are not seen.
  std::shared_ptr<TLSConfig> tls_client_config;
  // tls_handshake_timeout bounds the TLS handshake after the TCP connect
  // (Go: TLSHandshakeTimeout, 10 s in DefaultTransport; 0: no limit).
  Duration tls_handshake_timeout{10'000};
  // proxy picks the proxy for each request (Go: Transport.Proxy): an
  // http:// proxy URL, nullopt for a direct connection, or an error that
  // fails the request. Null means no proxy; DefaultTransport() uses
  // ProxyFromEnvironment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), as Go's
  // does. Through a proxy, http requests go in absolute form and share
  // the proxy's connections; https ones each open a CONNECT tunnel to
  // their server and shake hands with it inside. The proxy URL's userinfo
  // becomes Proxy-Authorization (Basic). A CONNECT answered other than
  // 200 fails the request with kProxy; https:// and socks5:// proxies are
  // kNotSupported.
  ProxyFunc proxy;

  // Transport runs on loop (null: DefaultLoop()).
  explicit Transport(Loop* loop = nullptr);
  ~Transport() override;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  using RoundTripper::RoundTrip;
  // RoundTrip sends req on an idle kept-alive connection to its host, or on
  // a new one, whichever is ready first (Go: Transport.RoundTrip). A request
  // that fails on a reused connection before any response byte is retried
  // on another one when that is safe: nothing was written, or the method is
  // idempotent (GET, HEAD, OPTIONS, TRACE, or an Idempotency-Key field). A
  // POST that may have reached the server is never sent twice. Destroying
  // the Transport abandons its round trips without calling their done.
  void RoundTrip(Request req, Done done, std::shared_ptr<Cancelation> cancel) override;
  // CloseIdleConnections closes every connection idle in the pool.
  void CloseIdleConnections();
  // ConnectionsOpened counts the TCP connections this Transport has dialed.
  size_t ConnectionsOpened() const;
  // EventLoop is the loop given to the constructor (DefaultLoop() if null).
  Loop& EventLoop() override;
  // ReturnsRequest is true: Response::request is the request RoundTrip was
  // given, moved in once the round trip is over (transport.cc's Finish). A
  // subclass whose RoundTrip passes on a request other than the one it was
  // given must override this to return false.
  bool ReturnsRequest() const override { return true; }

 private:
  // Impl is private: tests reach it through TransportAccess to count idle
  // and live conns; library code, Client included, sees a Transport only
  // through RoundTripper.
  friend struct TransportAccess;
  friend class PerLoopTransport;  // hands requests to impl_ without another move
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// DefaultTransport is the Transport of DefaultClient(): DefaultLoop()'s,
// or, when called on another running loop (Loop::Current(), a Server
// worker's in a handler), that loop's own, made on first use and freed
// with the Loop. Each loop thus keeps its own pool of idle connections,
// as Go keeps one per Transport, and no pool is shared between threads.
Transport& DefaultTransport();

}  // namespace nethttp

#endif  // NETHTTP_TRANSPORT_H_
