// Request is Go's http.Request, used on both sides: the server builds one per
// message it reads; the client sends one built by NewRequest.
#ifndef NETHTTP_REQUEST_H_
#define NETHTTP_REQUEST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/body.h"
#include "nethttp/error.h"
#include "nethttp/header.h"
#include "nethttp/tls.h"
#include "nethttp/url.h"

namespace nethttp {

struct Request {
  std::string method = "GET";
  URL url;
  std::string proto = "HTTP/1.1";
  int proto_major = 1;
  int proto_minor = 1;
  Header header;
  // body holds the whole request body when the server read it before the
  // handler ran, as it does unless the handler streams it (see
  // Handler::StreamsRequestBody); bounded by Server::max_body_bytes. A
  // handler that streams finds it empty and reads Body() instead.
  std::string body;
  // body_stream is the body as the server streams it to a handler that
  // asked to (null otherwise, and on the client). Read it through Body().
  std::shared_ptr<nethttp::Body> body_stream;
  // content_length is the body's declared length, -1 when unknown (chunked).
  int64_t content_length = 0;
  // close is true when the connection closes after this exchange
  // (Connection: close, or HTTP/1.0 without keep-alive).
  bool close = false;
  // host is the Host header or the authority of an absolute-form target.
  std::string host;
  // trailer holds the fields of a chunked body's trailer section.
  Header trailer;
  // remote_addr is the peer's "ip:port" (server side).
  std::string remote_addr;
  // tls describes the connection's TLS on a server that serves https, and
  // is null on plain HTTP (Go: Request.TLS). Shared by the requests of one
  // connection; a handler may keep it.
  std::shared_ptr<const ConnectionState> tls;
  // request_uri is the unmodified request-target of the request line.
  std::string request_uri;

  // Body returns the request body as a stream (Go: Request.Body): the
  // bytes as they arrive when the server streams them, else a stream of
  // body (a copy, read at once), so a handler may use Body() either way.
  // Each call returns the same stream, which may be read once.
  std::shared_ptr<nethttp::Body> Body();

  // ProtoAtLeast reports whether the protocol is at least major.minor.
  bool ProtoAtLeast(int major, int minor) const {
    return proto_major > major || (proto_major == major && proto_minor >= minor);
  }
};

// NewRequest returns a Request for the client with the URL parsed and the
// body's length set (Go: http.NewRequest). The method defaults to GET when
// empty; an invalid method or URL is an error.
Result<Request> NewRequest(std::string_view method, std::string_view url, std::string body = {});

}  // namespace nethttp

#endif  // NETHTTP_REQUEST_H_
