// Server is Go's http.Server on libuv loops: a listener whose accept
// callback creates a connection state machine (conn.cc) per client, on one
// loop, or on one loop per worker thread (Server::workers). The knobs keep
// Go's names in snake_case and Go's meaning.
#ifndef NETHTTP_SERVER_H_
#define NETHTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/error.h"
#include "nethttp/handler.h"
#include "nethttp/tls.h"

namespace nethttp {

class Loop;
// ServerAccess is the library's way in to a Server's Impl (the listener and
// its connections), which is private so a user never meets it; it is only
// declared here, so that Server can name it a friend, and defined in
// lib/internal/server_impl.h, which the library and tests include.
struct ServerAccess;

// DefaultMaxHeaderBytes is the default limit on the request line plus header
// block: 64 KiB, where Go's is 1 MiB. No browser or well-behaved client
// comes near it (nginx stops at 32 KiB, Node at 16 KiB), and a megabyte of
// head per connection is a megabyte an attacker makes us hold.
inline constexpr size_t DefaultMaxHeaderBytes = 64 << 10;

// DefaultMaxRequestTargetBytes is the default limit on a request-target
// (414 past it): nginx's 8 KiB line buffer. Go has none but MaxHeaderBytes.
inline constexpr size_t DefaultMaxRequestTargetBytes = 8 << 10;

// DefaultMaxHeaderFields is the default limit on the fields of a request
// head plus its trailer (431 past it): Node's maxHeadersCount (2000 there,
// 100 in Apache's LimitRequestFields). Go has none but MaxHeaderBytes, so
// ten thousand tiny fields cost ten thousand allocations.
inline constexpr size_t DefaultMaxHeaderFields = 100;

// ConnState is a connection's state as reported to Server::conn_state (Go:
// ConnState). A connection ends in kClosed, or in kHijacked when its
// handler took it over (ResponseWriter::Hijack): the server forgets it then.
enum class ConnState { kNew, kActive, kIdle, kHijacked, kClosed };
std::string_view ConnStateName(ConnState s);

class Server {
 public:
  using Duration = std::chrono::milliseconds;

  // addr is "host:port"; ":8091" listens on every interface, port 0 picks a
  // free port (see ListenAddr). "unix:/run/app.sock" listens on a
  // Unix-domain socket instead, and "unix:@name" on one in Linux's abstract
  // namespace (Go: net.Listen("unix", path), then Serve). The socket file
  // is removed when the server stops listening, as Go's UnixListener does;
  // one left by a server that died (nobody accepts on it) is replaced,
  // where Go refuses, so a restarted service comes back up. It is made
  // with the process's umask: chmod it after Listen to open it wider.
  // Requests on it have remote_addr "@" (Go's, for an unnamed peer).
  std::string addr;
  // handler answers requests; null means DefaultServeMux(). Shared, as
  // everything the library keeps (handler.h's ownership rule): the server
  // keeps it alive, so a mux made with std::make_shared may be dropped by
  // the caller once it is set.
  std::shared_ptr<Handler> handler;
  // read_timeout bounds reading a whole request, head and body; zero means
  // no limit.
  Duration read_timeout{0};
  // read_header_timeout bounds reading the request head; zero means
  // read_timeout is used (as in Go).
  Duration read_header_timeout{0};
  // write_timeout bounds writing a response once its head is queued.
  Duration write_timeout{0};
  // idle_timeout bounds waiting for the next request on a keep-alive
  // connection; zero means read_timeout is used (as in Go). Beyond Go,
  // write_timeout (else idle_timeout) also bounds a client that takes
  // nothing while a handler waits in OnWritable, as nginx's send_timeout
  // does: any progress restarts it, none closes the connection.
  Duration idle_timeout{0};
  // max_header_bytes limits the raw bytes of the request line plus headers,
  // line endings included, and on its own budget those of a chunked
  // request's trailer; zero means DefaultMaxHeaderBytes. Larger heads are
  // answered with 431. (Go reads MaxHeaderBytes plus 4 KiB of slack.)
  size_t max_header_bytes = 0;
  // max_request_target_bytes limits the request-target (the URI of the
  // request line); zero means DefaultMaxRequestTargetBytes. Longer targets
  // are answered with 414 (RFC 9112 §3).
  size_t max_request_target_bytes = 0;
  // max_header_fields limits the number of fields in a request's head and
  // trailer together; zero means DefaultMaxHeaderFields. More are answered
  // with 431 (RFC 6585 §5).
  size_t max_header_fields = 0;
  // max_body_bytes limits a request body the server buffers for the handler
  // (every body but those streamed to a handler that asks for it, see
  // Handler::StreamsRequestBody); larger bodies are answered with 413.
  // Zero means 64 MiB.
  int64_t max_body_bytes = 0;
  // max_conns limits the connections open at once; zero means no limit.
  // Past it a new connection is accepted and closed at once, so the
  // backlog does not fill and the open ones are served as before (Go has
  // no such knob: netutil.LimitListener blocks Accept instead, which libuv
  // cannot do without leaving connections queued in the kernel).
  size_t max_conns = 0;
  // conn_state, when set, is called on each connection state change with the
  // peer address (Go: Server.ConnState).
  std::function<void(std::string_view remote_addr, ConnState)> conn_state;
  // loop drives the server (worker 0 with several workers); null means
  // DefaultLoop().
  Loop* loop = nullptr;
  // workers is how many loops serve, each on a thread of its own but the
  // first, which runs on loop; 0 means one per CPU this process may run on
  // (sched_getaffinity, as Go's GOMAXPROCS). Each worker has its own
  // listening socket on addr (SO_REUSEPORT: the kernel spreads new
  // connections over them), its own connections, timers and buffers, so
  // nothing on the request path is shared or locked; a connection is served
  // by one worker from its accept to its close.
  //
  // With several workers:
  // - handler runs on the worker's thread, several at once, so it must be
  //   safe for that: a ServeMux is, once its patterns are registered before
  //   Listen. What a handler binds to a loop belongs to its worker's loop,
  //   which Loop::Current() returns (DefaultTransport() and Dir() without a
  //   loop do so themselves);
  // - conn_state is called on the workers' threads, concurrently;
  // - Shutdown, Close and SetKeepAlivesEnabled may be called from any
  //   thread; they reach each worker's loop at its next turn, and
  //   Shutdown's done runs on loop's thread once every worker has finished;
  // - the other calls and the knobs stay for the thread that runs loop.
  // With one worker (the default) there is no thread and every call is for
  // loop's thread, as before workers existed.
  size_t workers = 1;
  // tls_config configures the TLS of ListenTLS and ListenAndServeTLS (Go:
  // Server.TLSConfig); Listen and ListenAndServe ignore it. Read when the
  // server starts listening. The TLS handshake counts as part of the first
  // request's head: read_header_timeout (else read_timeout) bounds it from
  // the accept, as in Go.
  std::shared_ptr<TLSConfig> tls_config;

  Server();
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Listen binds addr and starts accepting on the loop; it returns at once.
  // This is Go's net.Listen + go srv.Serve(l) in one step.
  nethttp::Error Listen();
  // ListenAndServe listens and runs the loop until the server is shut down or
  // closed. It always returns an error; after Shutdown or Close it is
  // kServerClosed (Go: ErrServerClosed).
  nethttp::Error ListenAndServe();
  // ListenTLS is Listen for https: connections speak TLS 1.2 or 1.3 and
  // then HTTP/1.1 (Go: net.Listen + go srv.ServeTLS(l, certFile, keyFile)).
  // cert_file and key_file (PEM) are added to tls_config's certificates;
  // both may be empty when tls_config already has some. A certificate that
  // cannot be loaded, or a key that is not its own, fails here, before the
  // port is bound.
  nethttp::Error ListenTLS(const std::string& cert_file, const std::string& key_file);
  // ListenAndServeTLS is ListenTLS plus running the loop, as ListenAndServe.
  nethttp::Error ListenAndServeTLS(const std::string& cert_file, const std::string& key_file);

  // Listen(listen_fd) is Listen on a socket someone else made and set
  // listening (a parent process; systemd, see ListenFds), in place of
  // binding addr, which is then not read. It must be a listening stream
  // socket, TCP or Unix-domain; the server owns it from the call on, and
  // closes it when it stops listening, or at once if Listen fails. With
  // several workers they all accept on it (a Unix-domain socket, too, is
  // shared this way; a TCP addr gets a socket per worker instead).
  nethttp::Error Listen(int listen_fd);
  // Serve is Listen(listen_fd) plus running the loop, as ListenAndServe
  // (Go: Server.Serve(l)).
  nethttp::Error Serve(int listen_fd);
  // ListenTLS(listen_fd, ...) and ServeTLS are the same for https (Go:
  // Server.ServeTLS(l, certFile, keyFile)).
  nethttp::Error ListenTLS(int listen_fd, const std::string& cert_file, const std::string& key_file);
  nethttp::Error ServeTLS(int listen_fd, const std::string& cert_file, const std::string& key_file);

  // ListenAddr is the bound "ip:port" once listening (the real port for
  // :0), or "unix:" and the socket's path.
  std::string ListenAddr() const;

  // Shutdown stops accepting, closes idle connections, lets in-flight
  // requests finish (each connection closes after its response), and calls
  // done when the last connection has closed (Go: Server.Shutdown).
  void Shutdown(std::function<void()> done = nullptr);
  // Shutdown with a timeout is Go's Shutdown(ctx) with a deadline plus the
  // Close a Go program calls when it passes: connections still open after
  // timeout are closed at once, and done then gets a kTimeout Error saying
  // how many; otherwise an empty Error. A zero timeout waits for ever.
  void Shutdown(Duration timeout, std::function<void(nethttp::Error)> done);
  // Close closes the listener and every connection at once (Go: Server.Close).
  void Close();
  // SetKeepAlivesEnabled controls HTTP keep-alive; it is on by default.
  // Turning it off also closes the connections that are idle now, as Go
  // does; busy ones close after their response.
  void SetKeepAlivesEnabled(bool v);

  // NumConns returns how many connections are open, over every worker
  // (for tests and logs). Any thread.
  size_t NumConns() const;
  // NumWorkers is how many workers listen (workers, with 0 resolved); 0
  // before Listen.
  size_t NumWorkers() const;

 private:
  friend struct ServerAccess;
  nethttp::Error ServeUntilClosed();
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// ListenAndServe listens on addr and serves with handler (null:
// DefaultServeMux) on the default loop (Go: http.ListenAndServe).
nethttp::Error ListenAndServe(std::string_view addr, std::shared_ptr<Handler> handler);
// ListenAndServeTLS is ListenAndServe for https, with the certificate chain
// and key in PEM files (Go: http.ListenAndServeTLS).
nethttp::Error ListenAndServeTLS(std::string_view addr, const std::string& cert_file,
                                 const std::string& key_file, std::shared_ptr<Handler> handler);

// ListenFds returns the listening sockets systemd passed to this process
// (socket activation, sd_listen_fds(3): LISTEN_FDS descriptors from 3 on,
// when LISTEN_PID is our pid), each close-on-exec, for Server::Listen(fd).
// It unsets LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, so a second call,
// or a child process, finds none. Empty when the process was not
// activated; an error when the variables are malformed or name a closed
// descriptor.
Result<std::vector<int>> ListenFds();

}  // namespace nethttp

#endif  // NETHTTP_SERVER_H_
