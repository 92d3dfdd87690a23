// Dumps of requests and responses in HTTP/1.x wire form, for debugging (Go:
// net/http/httputil's DumpRequest, DumpRequestOut and DumpResponse). Sans-I/O:
// a message in, bytes out. The client's side reuses the Transport's own
// serialiser (internal/request_writer.h), so DumpRequestOut shows the bytes
// a round trip would send; post-json -v prints its heads with them.
#ifndef NETHTTP_DUMP_H_
#define NETHTTP_DUMP_H_

#include <string>
#include <string_view>

#include "nethttp/error.h"
#include "nethttp/request.h"
#include "nethttp/response.h"

namespace nethttp {

// Bodies. Go's dump functions read the body and put back a new reader of
// the same bytes. A nethttp body that streams (Request::body_stream,
// Response::body) is read on the loop, once, so a dump never reads it:
// asked for a body that streams, the dump functions fail with
// kInvalidArgument and leave the stream untouched. With body = false they
// work on any message, as Go writes the head alone then too. A request
// whose bytes are in Request::body (where the server puts them for every
// handler that does not stream, and NewRequest puts them) dumps whole; for
// a response, read the body first (Body::ReadAll) and give the bytes to
// DumpResponseWithBody.

// DumpRequest returns req as the server received it, in HTTP/1.x wire form
// (Go: httputil.DumpRequest), for a server to debug its clients' requests:
// the request line with req.request_uri (else the URL's RequestURI()) and
// req's own protocol version; "Host: " req.host (else the URL's host; none
// when the request-target was in absolute form, as in Go); the
// Transfer-Encoding field; "Connection: close" when req.close and the
// header does not say so already (Go 1.19 writes it a second time when it
// does); then the other header fields in the order they arrived (Go sorts
// them; Header keeps arrival order). The Host, Transfer-Encoding and
// Trailer fields of req.header are not repeated. Content-Length is a field
// like any other here: shown when it was received, as in Go.
//
// With body, req.body follows the head: as one chunk and the last chunk
// (no trailer, as in Go) when the header says Transfer-Encoding: chunked,
// else as it is. It fails (see above) when req.body is empty but
// req.body_stream may hold bytes: any stream of a request built for a
// client, and on a request the server read, one whose content_length is
// not 0 (Request::Body() wraps an empty req.body in a stream too).
Result<std::string> DumpRequest(const Request& req, bool body);

// DumpRequestOut returns the bytes the client Transport would send for req
// (Go: httputil.DumpRequestOut): it is written by the Transport's own
// serialiser, so it has the User-Agent the Transport adds (nethttp/0.1,
// where Go's is Go-http-client/1.1), its Content-Length or chunked framing,
// and "Accept-Encoding: gzip" when a default Transport would ask for gzip
// (no Accept-Encoding or Range of the caller's, not HEAD). A Transport with
// disable_compression or disable_keep_alives sends what this shows, less
// the Accept-Encoding field or plus "Connection: close". Like Go's, it
// fails for a request the Transport would refuse: a scheme other than http
// and https, no host, an invalid method, header field or URL, or a
// content_length that does not match req.body. What the Client adds before
// the Transport (cookies from a jar, Referer after a redirect) is not in it.
//
// Without body the dump ends with the head, whatever req's body; with
// body, req.body follows (chunked when its length is unknown). A
// req.body_stream is the head only, and fails with body, see above.
Result<std::string> DumpRequestOut(const Request& req, bool body);

// DumpResponse returns resp in HTTP/1.x wire form (Go:
// httputil.DumpResponse, which writes with Response.Write): the status line
// "HTTP/<major>.<minor> <code> <text>"; the framing Go's transferWriter
// derives from resp.content_length, a Transfer-Encoding: chunked field of
// resp.header, resp.close and the request's method ("Connection: close"
// for a body that runs to the connection's close, Content-Length or
// "Transfer-Encoding: chunked", the Trailer declarations of a chunked
// body); the other header fields in arrival order; and last, for an empty
// body no field framed, "Content-Length: 0", as Go does. The Content-Length
// and Transfer-Encoding fields of resp.header give way to that framing, so
// a dump may differ from the bytes received: a Content-Length moves to the
// front, and a gzip response the Transport decodes (resp.uncompressed) has
// none.
//
// With body = false the head alone is returned (Go stops at the body's
// first read), whatever the body. With body = true a null resp.body is an
// empty body; one that streams fails, see above.
Result<std::string> DumpResponse(const Response& resp, bool body);

// DumpResponseWithBody is DumpResponse with body = true for a response
// whose body the caller has read (Body::ReadAll): body stands in for
// resp.body, whose Trailer() gives the trailer of a chunked dump. It has no
// Go counterpart: Go's DumpResponse reads and replaces Response.Body, and a
// nethttp Body can be read only once, on the loop. A positive
// content_length that body's size does not match is Go's error, "http:
// ContentLength=N with Body length M" (a content_length of 0 with bytes
// is taken as unknown, as Go does).
Result<std::string> DumpResponseWithBody(const Response& resp, std::string_view body);

}  // namespace nethttp

#endif  // NETHTTP_DUMP_H_
