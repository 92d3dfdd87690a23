// Message framing rules shared by both sides (Go: transfer.go): which
// messages carry a body, what a Transfer-Encoding field means, which fields
// a trailer may not hold. Sans-I/O; the parser, the response writer and the
// client's connection all ask here, so the rules cannot drift apart.
#ifndef NETHTTP_INTERNAL_TRANSFER_H_
#define NETHTTP_INTERNAL_TRANSFER_H_

#include <string>
#include <string_view>

#include "nethttp/error.h"

namespace nethttp {

// kContinueResponse is the interim answer to "Expect: 100-continue" (RFC
// 9110 §10.1.1): the client waits for it before it sends the body.
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

// kLastChunk ends a chunked body that has no trailer (RFC 9112 §7.1).
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// AppendChunk appends data as one chunk: its size in hex, CRLF, the data,
// CRLF. An empty data appends nothing, since a zero-size chunk would end
// the body.
void AppendChunk(std::string* out, std::string_view data);

// AppendHex appends n in lower-case hex, without leading zeros.
void AppendHex(size_t n, std::string* out);

// RequestIsLast reports whether a request said it is the connection's last:
// "Connection: close", or HTTP/1.0 without "Connection: keep-alive" (RFC
// 9112 §9.3, §9.6). The client MUST NOT send another after it.
bool RequestIsLast(int proto_major, int proto_minor, std::string_view connection);

// ServerStatusForError maps a request parse error to the status the server
// answers with before closing: the one table (STYLE rule 5; Go: the error
// cases of conn.serve).
int ServerStatusForError(const Error& err);

// AppendErrorResponse appends the whole response a server sends for a
// request it could not parse, then closes after: the status from
// ServerStatusForError, "Connection: close", and a short plain-text body
// that for a 400 carries the reason, as Go's badRequestError does.
void AppendErrorResponse(std::string* out, const Error& err);

// BodyAllowedForStatus reports whether a response with this status may
// carry content: 1xx, 204 and 304 never do (RFC 9110 §6.4.1; Go:
// bodyAllowedForStatus).
inline bool BodyAllowedForStatus(int code) {
  return !((code >= 100 && code <= 199) || code == 204 || code == 304);
}

// TransferCoding is what a request's single Transfer-Encoding field asks.
enum class TransferCoding {
  kChunked,     // exactly "chunked": the body is chunked
  kUnsupported, // one well-formed coding that is not chunked ("gzip"): 501
  kMalformed,   // anything else: a list, parameters, an empty value: 400
};

// ClassifyTransferEncoding reads a request's Transfer-Encoding value. RFC
// 9112 §6.3: when chunked is not the final coding of a request, the server
// MUST answer 400 and close. We go further and accept chunked only alone:
// "gzip, chunked" would need a decoder we do not have, and a list that a
// front proxy reads one way and we another ("chunked, chunked", ", chunked",
// "chunked;ext=1") is how requests are smuggled. A single coding we simply
// do not implement is 501 (RFC 9110 §6.1's SHOULD). Go 1.19 answers 501 to
// all of these; pinned by http1_parser_test "Transfer-Encoding other than
// exactly chunked".
TransferCoding ClassifyTransferEncoding(std::string_view value);

// AllowedInTrailer reports whether a field (canonical key) may act as a
// trailer field. RFC 9110 §6.5.1: a sender MUST NOT put in a trailer the
// fields that frame the message, route it, modify or authenticate the
// request, or say how to process its content, and a recipient MUST NOT
// merge those into the header section. Go's list (transfer.go badTrailer)
// is taken whole; the parser drops such fields from Request::trailer.
bool AllowedInTrailer(std::string_view key);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_TRANSFER_H_
