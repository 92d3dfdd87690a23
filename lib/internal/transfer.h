// Message framing rules shared by both sides (Go: transfer.go): which
// messages carry a body, what a Transfer-Encoding field means, which fields
// a trailer may not hold. Sans-I/O; the parser, the response writer and the
// client's connection all ask here, so the rules cannot drift apart.
#ifndef NETHTTP_INTERNAL_TRANSFER_H_
#define NETHTTP_INTERNAL_TRANSFER_H_

#include <string_view>

namespace nethttp {

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
