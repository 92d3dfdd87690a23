// MultipartParser splits a multipart body (RFC 2046 §5.1, as RFC 7578 uses
// it for multipart/form-data) into parts as its bytes arrive: Go's
// mime/multipart Reader turned inside out, so that a loop can push bytes
// into it. Byte strings in, events out; no I/O.
#ifndef NETHTTP_INTERNAL_MULTIPART_PARSER_H_
#define NETHTTP_INTERNAL_MULTIPART_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/error.h"
#include "nethttp/header.h"

namespace nethttp {

// kMaxPartHeaderBytes bounds one part's header section, and the preamble
// before the first part. Go allows 10 MB for a part's header (and counts
// it against ReadForm's memory) and any number of preamble lines; a
// browser sends a few hundred bytes of header and no preamble.
inline constexpr size_t kMaxPartHeaderBytes = 64 * 1024;

// CheckBoundary validates a Content-Type boundary parameter: 1 to 70 bytes
// and no control characters (RFC 2046 §5.1.1). Go checks only that it is
// not empty; refusing CR and LF also keeps the delimiter search unambiguous.
Error CheckBoundary(std::string_view boundary);

class MultipartParser {
 public:
  // Handler receives the parts. A non-ok Error returned from a callback
  // stops the parse: Feed returns it, and so does every later call.
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual Error OnPartBegin(Header header) = 0;
    // OnPartData may be called any number of times per part, with pieces
    // of any size (empty never).
    virtual Error OnPartData(std::string_view data) = 0;
    virtual Error OnPartEnd() = 0;
  };

  // The boundary must have passed CheckBoundary.
  MultipartParser(std::string_view boundary, Handler* handler);

  // Feed parses the next bytes of the body. Bytes after the final boundary
  // (the epilogue) are ignored, as in Go, which stops reading there.
  Error Feed(std::string_view data);
  // Finish is the end of the body: an error unless the final boundary came.
  Error Finish();
  // done: the final boundary came; no more events.
  bool done() const { return state_ == State::kEpilogue; }

 private:
  enum class State {
    // kPreamble skips lines until the first delimiter line "--boundary".
    kPreamble,
    // kHeaders reads a part's header lines up to the empty line.
    kHeaders,
    // kBody passes bytes on until "\r\n--boundary" and a byte that ends it.
    kBody,
    // kDelimiterEnd is just past a delimiter: "--" makes it the final one,
    // anything else is the next.
    kDelimiterEnd,
    // kTransportPadding is past a delimiter that is not the final one:
    // spaces, then the line end before the next part's header.
    kTransportPadding,
    // kCloseDelimiterEnd is past "--boundary--": spaces, then the line end
    // or the body's end.
    kCloseDelimiterEnd,
    // kEpilogue: the final boundary came; the rest is ignored.
    kEpilogue,
    // kFailed: an error was returned; it is returned again.
    kFailed,
  };

  // Parse consumes what it can of data and returns how much; it stops
  // early only when it needs more bytes to decide.
  size_t Parse(std::string_view data);
  size_t ParsePreamble(std::string_view data);
  size_t ParseHeaders(std::string_view data);
  size_t ParseBody(std::string_view data);
  size_t ParseDelimiterEnd(std::string_view data);
  size_t ParseTransportPadding(std::string_view data);
  size_t ParseCloseDelimiterEnd(std::string_view data);
  // Fail records err and moves to kFailed.
  void Fail(Error err);
  // MatchAfterDelimiter is Go's matchAfterPrefix: +1 when the delimiter
  // at the front of data is one (a "--", space, tab, CR, LF or the body's
  // end follow it), -1 when it is not, 0 when more bytes must tell.
  int MatchAfterDelimiter(std::string_view data, size_t delimiter_size) const;

  State state_ = State::kPreamble;
  Error err_;
  Handler* handler_;
  // delimiter_ is "\r\n--boundary"; a body with bare LF line ends (Go
  // accepts them when the first delimiter line ends in LF) uses it from
  // offset 1 on.
  std::string delimiter_;
  size_t nl_size_ = 2;  // 2 for CRLF, 1 for LF
  std::string buf_;     // bytes Parse could not decide yet
  std::vector<Header::Field> fields_;  // the part header being read
  size_t header_bytes_ = 0;
  size_t preamble_bytes_ = 0;  // bounded by kMaxPartHeaderBytes too
  int64_t parts_ = 0;        // parts begun
  bool skip_line_ = false;   // kPreamble: inside a line that is no delimiter
  int64_t part_bytes_ = 0;  // data bytes of the current part so far
  bool at_eof_ = false;     // Finish was called: no byte will follow buf_
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_MULTIPART_PARSER_H_
