// WriteRequest serialises a client Request for the wire (Go: Request.write
// in request.go with transferWriter in transfer.go). Sans-I/O: a Request in,
// bytes appended to a string out. The reading half of the exchange is the
// response mode of http1_parser.h; persist_conn.cc drives both.
#ifndef NETHTTP_INTERNAL_REQUEST_WRITER_H_
#define NETHTTP_INTERNAL_REQUEST_WRITER_H_

#include <string>
#include <string_view>

#include "nethttp/error.h"
#include "nethttp/request.h"

namespace nethttp {

// kDefaultUserAgent is sent when the request has no User-Agent field (Go:
// defaultUserAgent = "Go-http-client/1.1"). An empty User-Agent value sends
// none, as in Go.
inline constexpr std::string_view kDefaultUserAgent = "nethttp/0.1";

struct RequestWriteOptions {
  // force_close adds "Connection: close" even when req.close is false (Go:
  // Transport.DisableKeepAlives sets it in the extra headers).
  bool force_close = false;
  // accept_gzip adds "Accept-Encoding: gzip" after the caller's fields: the
  // Transport asks for gzip on its own behalf, and decodes what it asked
  // for (Go: requestedGzip, in the extra headers).
  bool accept_gzip = false;
  // absolute_form writes the request-target as "http://host/path", the form
  // a request to a proxy takes (RFC 9112 §3.2.2; Go: usingProxy).
  bool absolute_form = false;
  // proxy_authorization, when set, is sent as Proxy-Authorization in place
  // of any the caller set: the credentials of the proxy URL (Go: the
  // mutateHeaderFunc dialConn installs for a proxied http conn).
  std::string_view proxy_authorization;
};

// WriteRequest appends req in HTTP/1.1 wire form to out: request line, Host,
// User-Agent, framing (Content-Length or chunked), the caller's fields, the
// blank line and the body (unless it streams from req.body_stream: then the
// head only, which promises chunks or content_length bytes). On error
// nothing is appended. A field name that is
// not a token, or a value with CR, LF or NUL, is an error (Go's Transport
// refuses them in roundTrip), so a header can never be injected.
//
// req.trailer declares trailer fields (Go: Request.Trailer): their names go
// out in a Trailer field, sorted as Go sorts them, and their values after
// the body (AppendLastChunk). A name that frames, routes or authenticates
// a message (ValidTrailerHeader) is an error, as Go refuses Content-Length,
// Transfer-Encoding and Trailer.
Error WriteRequest(const Request& req, const RequestWriteOptions& opts, std::string* out);

// SendsChunked reports whether WriteRequest frames req's body as chunked:
// a body whose length is unknown (content_length <= 0, Go's -1), and any
// request that declares trailers. Stricter than Go, which announces the
// trailer of a Content-Length body and then never sends it: a trailer can
// ride only on a chunked body, so declaring one chooses that framing.
bool SendsChunked(const Request& req);

// AppendLastChunk appends the end of a chunked request body: the last
// chunk, the trailer section and the blank line. The trailer is what the
// body's source set as it ended (from_body, may be null: Go fills
// Request.Trailer in before the body reader's EOF; a proxied request
// relays the trailer its incoming body carried), then declared's fields
// with a value that the source did not set. Names a trailer may not carry
// are dropped, and CR or LF in a value becomes a space (Header::Write), so
// nothing the source hands over can add a line. With neither, kLastChunk.
void AppendLastChunk(const Header& declared, const Header* from_body, std::string* out);

// AsksForGzip is the Transport's rule for adding "Accept-Encoding: gzip"
// on the caller's behalf (Go: requestedGzip in persistConn.roundTrip): not
// when the caller chose an encoding or a range (the range would count
// compressed bytes), nor for HEAD (no body to decode). The Transport also
// checks its disable_compression; DumpRequestOut (dump.h) uses the rule as
// a default Transport does, so the two cannot drift apart.
bool AsksForGzip(const Request& req);

// WriteConnect appends the CONNECT request that asks an HTTP proxy for a
// tunnel to addr ("host:port"), with proxy_authorization when set (Go: the
// connectReq of dialConn, which carries Host and User-Agent too).
void WriteConnect(std::string_view addr, std::string_view proxy_authorization, std::string* out);

// RequestHost returns the Host a request is sent with: req.host, else the
// URL's host, cleaned as Go's cleanHost and removeZone do.
std::string RequestHost(const Request& req);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_REQUEST_WRITER_H_
