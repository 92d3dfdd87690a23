// Response is the client's view of a server's answer (Go: http.Response).
// Its Body streams: bytes are handed over as they arrive from the socket, so
// a response larger than memory can be consumed in constant memory.
#ifndef NETHTTP_RESPONSE_H_
#define NETHTTP_RESPONSE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/error.h"
#include "nethttp/header.h"
#include "nethttp/request.h"
#include "nethttp/tls.h"

namespace nethttp {

class Loop;

// Body is a response body being received (Go: Response.Body, an
// io.ReadCloser), driven by the loop. Exactly one of Read or ReadAll may be
// called, once.
class Body {
 public:
  using DataFunc = std::function<void(std::string_view chunk)>;
  using EndFunc = std::function<void(Error err)>;  // ok Error at the body's end

  virtual ~Body() = default;

  // Read streams the body: on_data for each piece as it arrives, then on_end
  // once, with an ok Error at the end of the body or the failure (a body cut
  // short is an error, never a clean end).
  virtual void Read(DataFunc on_data, EndFunc on_end) = 0;
  // Pause stops reading from the socket until Resume (backpressure for a
  // slow consumer); bytes already received may still be delivered.
  virtual void Pause() = 0;
  virtual void Resume() = 0;
  // Close abandons the rest of the body. As in Go, a connection whose body
  // was not read to its end is not reused.
  virtual void Close() = 0;

  // ReadAll collects the whole body; on the loop it calls done when complete.
  void ReadAll(std::function<void(Result<std::string>)> done);
  // ReadAllBlocking runs loop until the whole body has arrived (off the loop
  // only: the blocking convenience style, like io.ReadAll(resp.Body)). From
  // a callback of loop it reads nothing and returns kBlockingCallOnLoop.
  Result<std::string> ReadAllBlocking(Loop& loop);

  // Trailer holds the trailer fields of a chunked body, complete once
  // on_end has been called with an ok Error (Go: Response.Trailer, filled
  // in when the body hits EOF).
  virtual const Header& Trailer() const { return trailer_; }

 protected:
  Header trailer_;
};

struct Response {
  std::string status;  // "200 OK"
  int status_code = 0;
  std::string proto = "HTTP/1.1";
  int proto_major = 1;
  int proto_minor = 1;
  Header header;
  // content_length is the declared length, -1 when unknown (chunked or
  // delimited by the connection's close).
  int64_t content_length = -1;
  // close: the server will close the connection after this response.
  bool close = false;
  // request is the request that produced this response (after redirects,
  // the last one), without its body. Shared, as Go's *Request is: a
  // Response is handed from callback to callback, and a Request by value
  // made each of those moves a copy of two dozen strings.
  std::shared_ptr<const Request> request;
  // tls describes the connection's TLS when the response came over https
  // (Go: Response.TLS): version, cipher suite, the server's certificates.
  // Shared by every response of one connection; null over plain http.
  std::shared_ptr<const ConnectionState> tls;
  // body streams the payload; never null for a successful round trip (an
  // empty body ends at once).
  std::shared_ptr<Body> body;
};

}  // namespace nethttp

#endif  // NETHTTP_RESPONSE_H_
