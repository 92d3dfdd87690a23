// Conditional requests (Go: fs.go checkPreconditions and its helpers; RFC
// 9110 §13.1-13.2): which of 304, 412 or "serve it" a request gets, and
// whether its Range still applies. Sans-I/O; see internal/preconditions.h.
#include "internal/preconditions.h"

#include "internal/ascii.h"
#include "internal/http_time.h"

namespace nethttp {
namespace {

using std::chrono::floor;
using std::chrono::seconds;
using std::chrono::system_clock;

bool IsGetOrHead(std::string_view method) { return method == "GET" || method == "HEAD"; }

// IsZeroTime is Go's isZeroTime: unknown, or the Unix epoch (what a file
// system or a caller without a time tends to report).
bool IsZeroTime(const ModTime& t) { return !t || *t == system_clock::time_point{}; }

// Seconds truncates t to the second, as the Last-Modified header it is
// compared with was (Go: modtime.Truncate(time.Second)).
std::chrono::sys_seconds Seconds(system_clock::time_point t) { return floor<seconds>(t); }

// ETagListMatches walks an If-Match or If-None-Match list (RFC 9110 §13.1.1:
// "*" / #entity-tag) the way Go's loops do: empty items are skipped, "*"
// matches at once, and a malformed item ends the walk without a match.
bool ETagListMatches(std::string_view list, std::string_view etag,
                     bool (*match)(std::string_view, std::string_view)) {
  while (true) {
    list = TrimString(list);
    if (list.empty()) return false;
    if (list.front() == ',') {
      list.remove_prefix(1);
      continue;
    }
    if (list.front() == '*') return true;
    ETagScan scan = ScanETag(list);
    if (scan.etag.empty()) return false;
    if (match(scan.etag, etag)) return true;
    list = scan.remain;
  }
}

}  // namespace

ETagScan ScanETag(std::string_view s) {
  s = TrimString(s);
  size_t start = s.starts_with("W/") ? 2 : 0;
  if (s.size() - start < 2 || s[start] != '"') return {};
  for (size_t i = start + 1; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') return {s.substr(0, i + 1), s.substr(i + 1)};
    // etagc: %x21 / %x23-7E / obs-text
    if (!(c == 0x21 || (c >= 0x23 && c <= 0x7E) || c >= 0x80)) return {};
  }
  return {};  // no closing quote
}

bool ETagStrongMatch(std::string_view a, std::string_view b) {
  return a == b && !a.empty() && a.front() == '"';
}

bool ETagWeakMatch(std::string_view a, std::string_view b) {
  if (a.starts_with("W/")) a.remove_prefix(2);
  if (b.starts_with("W/")) b.remove_prefix(2);
  return a == b;
}

CondResult CheckIfMatch(const Header& request_header, std::string_view etag) {
  std::string_view im = request_header.Get("If-Match");
  if (im.empty()) return CondResult::kNone;
  return ETagListMatches(im, etag, ETagStrongMatch) ? CondResult::kTrue : CondResult::kFalse;
}

CondResult CheckIfUnmodifiedSince(const Header& request_header, const ModTime& modtime) {
  std::string_view ius = request_header.Get("If-Unmodified-Since");
  if (ius.empty() || IsZeroTime(modtime)) return CondResult::kNone;
  std::optional<std::chrono::sys_seconds> t = ParseTime(ius);
  if (!t) return CondResult::kNone;  // RFC 9110 §13.1.4: an invalid date is ignored
  return Seconds(*modtime) <= *t ? CondResult::kTrue : CondResult::kFalse;
}

CondResult CheckIfNoneMatch(const Header& request_header, std::string_view etag) {
  std::string_view inm = request_header.Get("If-None-Match");
  if (inm.empty()) return CondResult::kNone;
  return ETagListMatches(inm, etag, ETagWeakMatch) ? CondResult::kFalse : CondResult::kTrue;
}

CondResult CheckIfModifiedSince(std::string_view method, const Header& request_header,
                                const ModTime& modtime) {
  if (!IsGetOrHead(method)) return CondResult::kNone;
  std::string_view ims = request_header.Get("If-Modified-Since");
  if (ims.empty() || IsZeroTime(modtime)) return CondResult::kNone;
  std::optional<std::chrono::sys_seconds> t = ParseTime(ims);
  if (!t) return CondResult::kNone;  // RFC 9110 §13.1.3: an invalid date is ignored
  return Seconds(*modtime) <= *t ? CondResult::kFalse : CondResult::kTrue;
}

CondResult CheckIfRange(std::string_view method, const Header& request_header, std::string_view etag,
                        const ModTime& modtime) {
  if (!IsGetOrHead(method)) return CondResult::kNone;
  std::string_view ir = request_header.Get("If-Range");
  if (ir.empty()) return CondResult::kNone;
  ETagScan scan = ScanETag(ir);
  if (!scan.etag.empty()) {
    return ETagStrongMatch(scan.etag, etag) ? CondResult::kTrue : CondResult::kFalse;
  }
  // The value may also be a date, the modtime's (Go: golang.org/issue/8367).
  // Go checks modtime.IsZero() here, not isZeroTime: the epoch is a time.
  if (!modtime) return CondResult::kFalse;
  std::optional<std::chrono::sys_seconds> t = ParseTime(ir);
  if (!t) return CondResult::kFalse;
  return *t == Seconds(*modtime) ? CondResult::kTrue : CondResult::kFalse;
}

PreconditionResult CheckPreconditions(std::string_view method, const Header& request_header,
                                      std::string_view etag, const ModTime& modtime) {
  CondResult ch = CheckIfMatch(request_header, etag);
  if (ch == CondResult::kNone) ch = CheckIfUnmodifiedSince(request_header, modtime);
  if (ch == CondResult::kFalse) return {Precondition::kPreconditionFailed, {}};
  switch (CheckIfNoneMatch(request_header, etag)) {
    case CondResult::kFalse:
      return {IsGetOrHead(method) ? Precondition::kNotModified : Precondition::kPreconditionFailed, {}};
    case CondResult::kNone:
      if (CheckIfModifiedSince(method, request_header, modtime) == CondResult::kFalse) {
        return {Precondition::kNotModified, {}};
      }
      break;
    case CondResult::kTrue:
      break;
  }
  // Not Go: Range only for GET and HEAD (see the header).
  if (!IsGetOrHead(method)) return {Precondition::kContinue, {}};
  std::string_view range = request_header.Get("Range");
  if (!range.empty() && CheckIfRange(method, request_header, etag, modtime) == CondResult::kFalse) {
    range = {};
  }
  return {Precondition::kContinue, range};
}

void SetLastModified(Header* response_header, const ModTime& modtime) {
  if (IsZeroTime(modtime)) return;
  std::string v;
  FormatTime(Seconds(*modtime), &v);
  response_header->Set("Last-Modified", v);
}

void StripForNotModified(Header* response_header) {
  response_header->Del("Content-Type");
  response_header->Del("Content-Length");
  response_header->Del("Content-Encoding");
  if (!response_header->Get("Etag").empty()) response_header->Del("Last-Modified");
}

}  // namespace nethttp
