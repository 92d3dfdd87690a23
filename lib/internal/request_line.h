// RequestLineScanner checks a request line against RFC 9112 §3 exactly, byte
// by byte as it arrives: method SP request-target SP HTTP/D.D CRLF. llhttp
// still tokenises the line (http1_parser.cc); this is the stricter grammar
// on top, and what decides 400 vs 414 vs 505. Sans-I/O.
#ifndef NETHTTP_INTERNAL_REQUEST_LINE_H_
#define NETHTTP_INTERNAL_REQUEST_LINE_H_

#include <cstddef>
#include <string_view>

#include "nethttp/error.h"

namespace nethttp {

// kDefaultMaxRequestTargetBytes bounds a request-target: nginx's
// large_client_header_buffers line (8k), where Go has no limit of its own
// but MaxHeaderBytes. RFC 9112 §3: a server that receives a target longer
// than it wishes to parse MUST respond with 414.
inline constexpr size_t kDefaultMaxRequestTargetBytes = 8 << 10;

class RequestLineScanner {
 public:
  // State is where in the line the next byte falls.
  enum class State {
    kStart,     // before the method; CR and LF here are skipped (Go: numLeadingCRorLF)
    kMethod,    // inside the method token; waits for its SP
    kTarget0,   // after the method's SP; waits for the target's first byte
    kTarget,    // inside the target; waits for its SP
    kVersion,   // after the target's SP: "HTTP/" D "." D, one byte at a time
    kCr,        // after the version; waits for CR
    kLf,        // after the CR; waits for LF
    kDone,      // the line is complete and well formed
    kFailed,    // error() says why; nothing more is scanned
  };

  void set_max_target_bytes(size_t n) { max_target_bytes_ = n; }

  // Scan reads data up to the end of the request line and returns how many
  // bytes it used: all of data while the line goes on, up to and including
  // the LF once it ends (kDone), up to but not including the offending
  // byte when it fails (kFailed).
  size_t Scan(std::string_view data);
  State state() const { return state_; }
  // started: a byte of the request line (not a leading CR or LF) was seen.
  bool started() const { return state_ != State::kStart; }
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  // error is the verdict of a failed line: kBadRequest for any syntax
  // error, kUriTooLong for a target past the limit, kVersionNotSupported
  // for a well-formed line whose version is not HTTP/1.0 or HTTP/1.1.
  const Error& error() const { return error_; }
  // Reset readies the scanner for the next request line.
  void Reset() {
    state_ = State::kStart;
    target_bytes_ = 0;
    version_pos_ = 0;
    major_ = minor_ = 0;
    if (error_) error_ = Error();
  }

 private:
  size_t Fail(ErrorCode code, const char* message, size_t used);

  State state_ = State::kStart;
  size_t max_target_bytes_ = kDefaultMaxRequestTargetBytes;
  size_t target_bytes_ = 0;
  // version_pos_ indexes "HTTP/D.D" in kVersion; the digits are kept for
  // the verdict at the line's end.
  unsigned version_pos_ = 0;
  char major_ = 0;
  char minor_ = 0;
  Error error_;
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_REQUEST_LINE_H_
