// Range header parsing and multipart/byteranges framing for the file server
// (Go: fs.go parseRange and friends, mime/multipart's Writer for the part
// heads). internal/byte_range.h says where we differ from Go, and why.
#include "internal/byte_range.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "internal/ascii.h"

namespace nethttp {
namespace {

using namespace std::string_view_literals;

// ParseInt is strconv.ParseInt(s, 10, 64): an optional sign, then decimal
// digits only, and no overflow.
bool ParseInt(std::string_view s, int64_t* out) {
  bool neg = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  uint64_t u = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), u);
  if (ec != std::errc() || end != s.data() + s.size()) return false;
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  if (u > kMax + (neg ? 1 : 0)) return false;
  *out = neg ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
  return true;
}

size_t DecimalLen(int64_t v) {
  char buf[24];
  return static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf);
}

// Spec is what one byte-range-spec of the list comes to.
enum class Spec {
  kRange,      // a range that overlaps the content
  kNoOverlap,  // a well-formed range that asks for nothing of the content
  kInvalid,    // Go's "invalid range"
};

// ParseRangeSpec is the body of Go's parseRange loop for one trimmed,
// non-empty item ra: "first-last", "first-" or "-suffix".
Spec ParseRangeSpec(std::string_view ra, int64_t size, HttpRange* r) {
  const size_t dash = ra.find('-');
  if (dash == std::string_view::npos) return Spec::kInvalid;
  std::string_view start = TrimString(ra.substr(0, dash));
  std::string_view end = TrimString(ra.substr(dash + 1));
  int64_t i = 0;
  if (start.empty()) {
    // A suffix range: the last `end` bytes. Go requires a non-negative
    // number (RFC 7233 §2.1); a negative one would read "--5".
    if (end.empty() || end.front() == '-' || !ParseInt(end, &i) || i < 0) return Spec::kInvalid;
    // RFC 9110 §14.1.2: a zero suffix is unsatisfiable (Go: a zero-length range).
    if (i == 0) return Spec::kNoOverlap;
    i = std::min(i, size);
    r->start = size - i;
    r->length = size - r->start;
    return Spec::kRange;
  }
  if (!ParseInt(start, &i) || i < 0) return Spec::kInvalid;
  // A range that begins after the end of the content does not overlap. As
  // in Go, its last-pos is then not looked at ("10-Z" is no overlap).
  if (i >= size) return Spec::kNoOverlap;
  r->start = i;
  if (end.empty()) {
    r->length = size - r->start;  // to the end of the content
    return Spec::kRange;
  }
  int64_t last = 0;
  if (!ParseInt(end, &last) || r->start > last) return Spec::kInvalid;
  last = std::min(last, size - 1);
  r->length = last - r->start + 1;
  return Spec::kRange;
}

}  // namespace

std::string HttpRange::ContentRange(int64_t size) const {
  std::string s = "bytes ";
  s += std::to_string(start);
  s += '-';
  s += std::to_string(start + length - 1);
  s += '/';
  s += std::to_string(size);
  return s;
}

std::string_view RangeErrorText(RangeError err) {
  switch (err) {
    case RangeError::kNone:
      return "";
    case RangeError::kInvalid:
      return "invalid range";
    case RangeError::kNoOverlap:
      return "invalid range: failed to overlap";
  }
  return "";
}

RangeError ParseRange(std::string_view s, int64_t size, std::vector<HttpRange>* ranges) {
  ranges->clear();
  if (s.empty()) return RangeError::kNone;  // header not present
  constexpr std::string_view kUnit = "bytes=";
  if (s.size() < kUnit.size() || !EqualFold(s.substr(0, kUnit.size()), kUnit)) {
    // A unit we do not know is ignored (RFC 9110 §14.2 MUST); only a value
    // that is not "unit=..." at all is an error (Go: any other value is).
    const size_t eq = s.find('=');
    if (eq != std::string_view::npos && eq > 0 &&
        std::all_of(s.begin(), s.begin() + static_cast<ptrdiff_t>(eq), IsTokenByte)) {
      return RangeError::kNone;
    }
    return RangeError::kInvalid;
  }
  std::string_view list = s.substr(kUnit.size());
  bool no_overlap = false;
  size_t count = 0;
  while (true) {
    const size_t comma = list.find(',');
    std::string_view ra = TrimString(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (!ra.empty()) {
      HttpRange r;
      switch (ParseRangeSpec(ra, size, &r)) {
        case Spec::kInvalid:
          ranges->clear();
          return RangeError::kInvalid;
        case Spec::kNoOverlap:
          no_overlap = true;
          break;
        case Spec::kRange:
          if (++count <= kMaxRanges + 1) ranges->push_back(r);
          break;
      }
    }
    if (comma == std::string_view::npos) break;
  }
  if (no_overlap && count == 0) return RangeError::kNoOverlap;
  return RangeError::kNone;
}

int64_t SumRangesSize(const std::vector<HttpRange>& ranges) {
  int64_t size = 0;
  for (const HttpRange& r : ranges) size += r.length;
  return size;
}

bool IgnoreRanges(const std::vector<HttpRange>& ranges, int64_t size) {
  return SumRangesSize(ranges) > size || ranges.size() > kMaxRanges ||
         std::any_of(ranges.begin(), ranges.end(), [](const HttpRange& r) { return r.length == 0; });
}

void AppendPartHead(std::string_view boundary, bool first, const HttpRange& range,
                    std::string_view content_type, int64_t size, std::string* out) {
  out->append(first ? "--"sv : "\r\n--"sv).append(boundary).append("\r\n"sv);
  out->append("Content-Range: "sv).append(range.ContentRange(size)).append("\r\n"sv);
  // Go writes the header even when the type is empty ("Content-Type: ").
  out->append("Content-Type: "sv).append(content_type).append("\r\n"sv);
  out->append("\r\n"sv);
}

void AppendClosingBoundary(std::string_view boundary, std::string* out) {
  out->append("\r\n--"sv).append(boundary).append("--\r\n"sv);
}

int64_t RangesMIMESize(const std::vector<HttpRange>& ranges, std::string_view content_type,
                       int64_t content_size, std::string_view boundary) {
  // Counted, not built: byte_range_test checks the sum against a body
  // that AppendPartHead and AppendClosingBoundary make.
  constexpr size_t kFixedPerPart = "\r\n--"sv.size() + "\r\n"sv.size() + "Content-Range: bytes -/"sv.size() +
                                   "\r\n"sv.size() + "Content-Type: "sv.size() + "\r\n\r\n"sv.size();
  int64_t n = 0;
  for (const HttpRange& r : ranges) {
    n += static_cast<int64_t>(kFixedPerPart + boundary.size() + DecimalLen(r.start) +
                              DecimalLen(r.start + r.length - 1) + DecimalLen(content_size) +
                              content_type.size());
    n += r.length;
  }
  if (!ranges.empty()) n -= 2;  // the first boundary has no CRLF before it
  n += static_cast<int64_t>("\r\n--"sv.size() + boundary.size() + "--\r\n"sv.size());
  return n;
}

}  // namespace nethttp
