// Response is the client's view of a server's answer (Go: http.Response).
// Its Body streams: bytes are handed over as they arrive from the socket, so
// a response larger than memory can be consumed in constant memory.
#ifndef NETHTTP_RESPONSE_H_
#define NETHTTP_RESPONSE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/body.h"
#include "nethttp/error.h"
#include "nethttp/header.h"
#include "nethttp/request.h"
#include "nethttp/tls.h"

namespace nethttp {

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
  // uncompressed: the Transport asked for gzip and is decoding the body
  // (Go: Uncompressed); Content-Encoding and Content-Length were dropped.
  bool uncompressed = false;
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
