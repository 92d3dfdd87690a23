// HijackedConn is a server connection a handler took over from the server
// (Go: the net.Conn and bufio.ReadWriter that Hijacker.Hijack returns), so
// that WebSocket servers, CONNECT tunnels and other protocols after an
// Upgrade can be written on nethttp. ResponseWriter::Hijack makes one.
#ifndef NETHTTP_HIJACKED_CONN_H_
#define NETHTTP_HIJACKED_CONN_H_

#include <cstddef>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/body.h"
#include "nethttp/error.h"
#include "nethttp/tls.h"

namespace nethttp {

// The read side is a Body: Read (or Next, in a coroutine) gives the bytes
// the client sends, starting with those that arrived after the request
// (Go's bufio.Reader, which "may contain unprocessed buffered data"), then
// on_end with an ok Error at the client's EOF (on TLS, its close_notify
// or a clean end of the stream), or the error that cut the connection.
// Pause and Resume are backpressure, as on any Body. On a TLS connection
// the bytes are plaintext both ways: the session goes with the socket.
//
// The server forgets the connection (Go: StateHijacked): no deadline
// applies any more, Shutdown does not wait for it and Close does not close
// it, and it no longer counts towards Server::max_conns. Its owner ends
// it: Close, or dropping the last shared_ptr, which closes it the same way.
// Everything runs on the loop that served the request.
class HijackedConn : public Body {
 public:
  // Write queues data to the client, after whatever the response had
  // written before the Hijack. It fails once the connection is closed or
  // broken, or after CloseWrite. As with ResponseWriter, a writer of much
  // data checks Writable and waits for OnWritable.
  virtual Error Write(std::string_view data) = 0;
  // Writable: fewer than kWriteHighWater bytes wait for the client.
  virtual bool Writable() const = 0;
  // OnWritable calls f once when the waiting bytes drain to
  // kWriteLowWater, or when the connection breaks (then Write fails). A
  // later call replaces an earlier f; null cancels.
  virtual void OnWritable(std::function<void()> f) = 0;
  // CloseWrite sends our end of the stream once what was written has gone
  // (Go: TCPConn.CloseWrite; on TLS, close_notify first): the client reads
  // an EOF and the read side stays open, for protocols that half-close.
  virtual void CloseWrite() = 0;
  // Close ends the connection, read side included: what Write queued is
  // still sent (a Go Write returns only once the kernel has the bytes,
  // so a Go Close never loses them either), then the socket closes.
  // on_end is not called after Close. While the queue drains, bytes from
  // the client are dropped and its leaving ends the wait; so does a client
  // that takes nothing for the drain timeout (below): the rest is dropped.
  void Close() override = 0;
  // SetDrainTimeout sets how long Close waits for the client to take any
  // of what is queued before it gives up and closes anyway: 60 s unless
  // set (nginx's send_timeout), counted again from each write that
  // completes. A client that stops reading cannot hold a closed
  // connection, and its memory, for ever. Zero waits for ever.
  virtual void SetDrainTimeout(std::chrono::milliseconds timeout) = 0;

  // RemoteAddr is the client's "ip:port" (Go: Conn.RemoteAddr).
  virtual const std::string& RemoteAddr() const = 0;
  // TLS is the connection's TLS state, null on a plain connection.
  virtual const ConnectionState* TLS() const = 0;
};

}  // namespace nethttp

#endif  // NETHTTP_HIJACKED_CONN_H_
