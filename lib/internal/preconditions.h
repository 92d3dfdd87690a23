// Conditional requests for the file server (Go: fs.go checkPreconditions
// and the checkIf* functions it calls, scanETag, etagStrongMatch and
// etagWeakMatch; RFC 9110 §13). A pure decision over the request's header
// and the representation's validators: the caller writes the response.
#ifndef NETHTTP_INTERNAL_PRECONDITIONS_H_
#define NETHTTP_INTERNAL_PRECONDITIONS_H_

#include <chrono>
#include <optional>
#include <string_view>

#include "nethttp/header.h"

namespace nethttp {

// ModTime is a representation's modification time; nullopt is Go's zero
// time.Time, "unknown". Like Go we also treat the Unix epoch as unknown for
// the Last-Modified comparisons (Go: isZeroTime), but not for If-Range,
// which Go checks with IsZero alone.
using ModTime = std::optional<std::chrono::system_clock::time_point>;

// CondResult is the result of one precondition (Go: condResult).
enum class CondResult {
  kNone,   // the header is absent, or to be ignored
  kTrue,   // the condition holds
  kFalse,  // the condition fails
};

// ETagScan is what ScanETag found: etag empty when s does not start with a
// valid entity-tag.
struct ETagScan {
  std::string_view etag;    // W/"..." or "...", quotes included
  std::string_view remain;  // the text after it
};

// ScanETag is Go's scanETag: the entity-tag (RFC 9110 §8.8.3) at the start
// of s after optional whitespace, and the text after it; etag and remain
// are empty when there is none. etagc is %x21 / %x23-7E / obs-text.
ETagScan ScanETag(std::string_view s);

// ETagStrongMatch is Go's etagStrongMatch (RFC 9110 §8.8.3.2): both strong
// and equal. a and b are assumed valid.
bool ETagStrongMatch(std::string_view a, std::string_view b);

// ETagWeakMatch is Go's etagWeakMatch: equal once any "W/" is dropped.
bool ETagWeakMatch(std::string_view a, std::string_view b);

// CheckIfMatch is Go's checkIfMatch (RFC 9110 §13.1.1) against the
// response's ETag, etag ("" when it has none).
CondResult CheckIfMatch(const Header& request_header, std::string_view etag);

// CheckIfUnmodifiedSince is Go's checkIfUnmodifiedSince (RFC 9110 §13.1.4).
CondResult CheckIfUnmodifiedSince(const Header& request_header, const ModTime& modtime);

// CheckIfNoneMatch is Go's checkIfNoneMatch (RFC 9110 §13.1.2): kFalse
// when an entity-tag weakly matches etag, or for "*".
CondResult CheckIfNoneMatch(const Header& request_header, std::string_view etag);

// CheckIfModifiedSince is Go's checkIfModifiedSince (RFC 9110 §13.1.3),
// for GET and HEAD only.
CondResult CheckIfModifiedSince(std::string_view method, const Header& request_header,
                                const ModTime& modtime);

// CheckIfRange is Go's checkIfRange (RFC 9110 §13.1.5): a strong ETag
// match, or a date equal to modtime to the second; GET and HEAD only.
CondResult CheckIfRange(std::string_view method, const Header& request_header, std::string_view etag,
                        const ModTime& modtime);

// Precondition is what the preconditions decide (Go: checkPreconditions'
// done, and the status it wrote).
enum class Precondition {
  kContinue,            // serve the representation (200, or 206 for a range)
  kNotModified,         // send 304 (Go: writeNotModified; see StripForNotModified)
  kPreconditionFailed,  // send 412
};

struct PreconditionResult {
  Precondition outcome = Precondition::kContinue;
  // range is the Range header value still to honour: the request's, or
  // empty when a precondition ended the request, If-Range failed, or the
  // method is neither GET nor HEAD. A view into the request header.
  std::string_view range;
};

// CheckPreconditions is Go's checkPreconditions, which follows RFC 9110
// §13.2.2's order: If-Match, else If-Unmodified-Since (failing: 412); then
// If-None-Match (failing: 304 for GET and HEAD, else 412), else
// If-Modified-Since (failing: 304); then If-Range decides whether Range
// still applies. etag is the response's ETag ("" for none) and modtime
// the representation's.
//
// Stricter than Go: the Range header is dropped for methods other than GET
// and HEAD (RFC 9110 §14.2: a server MUST ignore Range for a method whose
// range handling is undefined, which is every method but GET; HEAD mirrors
// GET, §9.3.2). Go's ServeContent answers a POST with Range with 206.
// preconditions_test pins it.
PreconditionResult CheckPreconditions(std::string_view method, const Header& request_header,
                                      std::string_view etag, const ModTime& modtime);

// SetLastModified is Go's setLastModified: Last-Modified from modtime in
// http.TimeFormat, unless modtime is unknown (nullopt or the Unix epoch).
void SetLastModified(Header* response_header, const ModTime& modtime);

// StripForNotModified is the header part of Go's writeNotModified: a 304
// carries no representation metadata (RFC 9110 §15.4.5), so Content-Type,
// Content-Length and Content-Encoding go, and Last-Modified too when there
// is an ETag.
void StripForNotModified(Header* response_header);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_PRECONDITIONS_H_
