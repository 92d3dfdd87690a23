// Byte ranges for the file server (Go: fs.go's httpRange, parseRange,
// sumRangesSize, rangesMIMESize, and the multipart/byteranges part heads
// that mime/multipart's Writer makes for serveContent). Sans-I/O: the
// server code that reads the file and sends the parts is the caller.
#ifndef NETHTTP_INTERNAL_BYTE_RANGE_H_
#define NETHTTP_INTERNAL_BYTE_RANGE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nethttp {

// kMaxRanges caps how many ranges one request may ask for; with more,
// IgnoreRanges says to send the whole content. Not in Go, which only
// refuses ranges that add up to more than the content: 10,000 one-byte
// ranges of a 10 kB file pass that test and make a multipart body ten
// times the file, each part a head of ~100 bytes (range amplification,
// CVE-2011-3192 against Apache). RFC 9110 §14.2 lets a server ignore "a
// set of many small ranges"; clients ask for a handful, and Apache's
// MaxRanges default is 200. byte_range_test pins it.
inline constexpr size_t kMaxRanges = 100;

// HttpRange is one byte range of the content: length bytes from start
// (Go: httpRange).
struct HttpRange {
  int64_t start = 0;
  int64_t length = 0;

  // ContentRange is the Content-Range value for this range of content of
  // the given size, "bytes first-last/size" (Go: httpRange.contentRange).
  std::string ContentRange(int64_t size) const;

  bool operator==(const HttpRange&) const = default;
};

// RangeError is how a Range header fails (Go: parseRange's errors). Both
// failures are answered 416 Range Not Satisfiable with the message as the
// body; kNoOverlap also gets "Content-Range: bytes */size" (Go:
// serveContent; RFC 9110 §15.5.17).
enum class RangeError {
  kNone,       // the header parsed (possibly into no ranges)
  kInvalid,    // Go: "invalid range": not a byte-ranges-specifier we accept
  kNoOverlap,  // Go: errNoOverlap: every range starts at or after the end
};

// RangeErrorText is Go's error text for err ("" for kNone).
std::string_view RangeErrorText(RangeError err);

// ParseRange is Go's parseRange: the ranges of a Range header value s for
// content of the given size, in the order asked, each clipped to the
// content; ranges starting past the end are dropped (kNoOverlap when none
// is left). An empty s, or one of only empty list items, is no ranges.
// Like Go it accepts whitespace around each number and each list item
// (Apache's laxity), a sign on a number (strconv.ParseInt), and overlapping
// or unordered ranges; and refuses a number past int64.
// Where it differs from Go, for RFC 9110 §14.1-14.2:
//  - the unit "bytes" matches ignoring case (§14.1: range units are
//    case-insensitive); Go answers "Bytes=0-1" with 416;
//  - a header in another unit ("items=0-5") is no ranges, so the whole
//    content goes out (§14.2: a server MUST ignore a range unit it does
//    not understand); Go answers 416. A value with no "unit=" at all is
//    still "invalid range", as in Go;
//  - "-0" (a suffix of zero bytes) is unsatisfiable (§14.1.2), like a range
//    starting past the end; Go makes a zero-length range of it and sends a
//    206 with "Content-Range: bytes 10-9/10".
// At most kMaxRanges + 1 ranges are stored (the rest are still checked for
// errors): more than kMaxRanges are ignored anyway, and a header of a
// megabyte of "0-0," should not become a vector five times its size.
RangeError ParseRange(std::string_view s, int64_t size, std::vector<HttpRange>* ranges);

// SumRangesSize is Go's sumRangesSize: the bytes the ranges cover, counting
// an overlap once per range.
int64_t SumRangesSize(const std::vector<HttpRange>& ranges);

// IgnoreRanges reports whether the server should send the whole content
// (200) instead of the ranges (206) that ParseRange returned. As Go's
// serveContent: when they add up to more than the content ("probably an
// attack, or a dumb client"). Stricter than Go: when there are more than
// kMaxRanges; and when a range is empty, which only a suffix range of
// empty content makes and no Content-Range can describe (Go 1.19 sends
// "bytes 0--1/0"; RFC 9110 §14.2 lets a server ignore the header).
bool IgnoreRanges(const std::vector<HttpRange>& ranges, int64_t size);

// AppendPartHead appends the head of one part of a multipart/byteranges
// body (RFC 9110 §14.6) as Go's multipart.Writer.CreatePart writes it for
// serveContent: the boundary line (after a CRLF that ends the previous
// part, unless first), "Content-Range" and "Content-Type" in that (sorted)
// order, and the blank line. The part's bytes follow it.
void AppendPartHead(std::string_view boundary, bool first, const HttpRange& range,
                    std::string_view content_type, int64_t size, std::string* out);

// AppendClosingBoundary appends what multipart.Writer.Close writes after
// the last part: "\r\n--boundary--\r\n".
void AppendClosingBoundary(std::string_view boundary, std::string* out);

// RangesMIMESize is Go's rangesMIMESize: the length of the whole
// multipart/byteranges body for these ranges (the Content-Length of the
// 206), parts and their content included. Go counts what a Writer with its
// random 60-byte boundary writes; the size depends only on the boundary's
// length, so the caller passes the boundary it will use.
int64_t RangesMIMESize(const std::vector<HttpRange>& ranges, std::string_view content_type,
                       int64_t content_size, std::string_view boundary);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_BYTE_RANGE_H_
