// MultipartParser: Go's mime/multipart Reader (multipart.go) as a push
// parser. Go scans a buffered reader line by line; here bytes come in
// pieces, so every state takes what it can decide now and leaves the rest,
// which is never more than a delimiter or one header line, for the next.
#include "internal/multipart_parser.h"

#include <string.h>

#include <algorithm>
#include <utility>

#include "internal/ascii.h"

namespace nethttp {
namespace {

constexpr size_t kMaxBoundaryBytes = 70;  // RFC 2046 §5.1.1

bool IsLwsp(char c) { return c == ' ' || c == '\t'; }

size_t Find(std::string_view haystack, std::string_view needle, size_t from) {
  if (from >= haystack.size()) return std::string_view::npos;
  const void* at = memmem(haystack.data() + from, haystack.size() - from, needle.data(), needle.size());
  return at == nullptr ? std::string_view::npos : static_cast<const char*>(at) - haystack.data();
}

Error Malformed(std::string message) { return Error(ErrorCode::kBadRequest, std::move(message)); }

// Quote keeps a bad line short and printable in an error message.
std::string Quote(std::string_view line) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  for (char c : line.substr(0, kMax)) {
    auto b = static_cast<unsigned char>(c);
    out += (b >= 0x20 && b < 0x7F && c != '"') ? c : '?';
  }
  if (line.size() > kMax) out += "...";
  return out + "\"";
}

}  // namespace

Error CheckBoundary(std::string_view boundary) {
  if (boundary.empty()) return Error(ErrorCode::kBadRequest, "multipart: boundary is empty");
  if (boundary.size() > kMaxBoundaryBytes) {
    return Error(ErrorCode::kBadRequest, "multipart: boundary longer than 70 bytes");
  }
  for (char c : boundary) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) return Error(ErrorCode::kBadRequest, "multipart: invalid byte in boundary");
  }
  return {};
}

MultipartParser::MultipartParser(std::string_view boundary, Handler* handler)
    : handler_(handler), delimiter_("\r\n--") {
  delimiter_.append(boundary);
}

void MultipartParser::Fail(Error err) {
  err_ = std::move(err);
  state_ = State::kFailed;
}

Error MultipartParser::Feed(std::string_view data) {
  if (state_ == State::kFailed) return err_;
  if (state_ == State::kEpilogue) return {};
  // Parse straight from data when nothing is left over, which is the usual
  // case: a piece of a body rarely ends inside a delimiter.
  if (buf_.empty()) {
    size_t used = Parse(data);
    if (state_ == State::kFailed) return err_;
    if (state_ != State::kEpilogue) buf_.assign(data.substr(used));
  } else {
    buf_.append(data);
    size_t used = Parse(buf_);
    if (state_ == State::kFailed) return err_;
    buf_.erase(0, used);
  }
  if (state_ == State::kEpilogue) buf_.clear();
  return {};
}

Error MultipartParser::Finish() {
  if (state_ == State::kFailed) return err_;
  // What was left undecided for want of bytes is decided now: a delimiter
  // at the very end is one (Go's matchAfterPrefix at EOF).
  at_eof_ = true;
  if (!buf_.empty()) {
    size_t used = Parse(buf_);
    if (state_ == State::kFailed) return err_;
    buf_.erase(0, used);
  }
  if (state_ == State::kCloseDelimiterEnd && buf_.empty()) state_ = State::kEpilogue;
  switch (state_) {
    case State::kEpilogue: return {};
    case State::kBody: Fail(Error(ErrorCode::kUnexpectedEof, "unexpected EOF")); break;
    default: Fail(Error(ErrorCode::kUnexpectedEof, "multipart: NextPart: EOF")); break;
  }
  return err_;
}

size_t MultipartParser::Parse(std::string_view data) {
  size_t pos = 0;
  for (;;) {
    const State before = state_;
    std::string_view rest = data.substr(pos);
    size_t used = 0;
    switch (state_) {
      case State::kPreamble: used = ParsePreamble(rest); break;
      case State::kHeaders: used = ParseHeaders(rest); break;
      case State::kBody: used = ParseBody(rest); break;
      case State::kDelimiterEnd: used = ParseDelimiterEnd(rest); break;
      case State::kTransportPadding: used = ParseTransportPadding(rest); break;
      case State::kCloseDelimiterEnd: used = ParseCloseDelimiterEnd(rest); break;
      case State::kEpilogue: return data.size();
      case State::kFailed: return pos;
    }
    pos += used;
    if (used == 0 && state_ == before) return pos;  // needs more bytes
  }
}

int MultipartParser::MatchAfterDelimiter(std::string_view data, size_t delimiter_size) const {
  if (data.size() == delimiter_size) return at_eof_ ? +1 : 0;
  const char c = data[delimiter_size];
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return +1;
  if (c == '-') {
    if (data.size() == delimiter_size + 1) return at_eof_ ? -1 : 0;
    if (data[delimiter_size + 1] == '-') return +1;
  }
  return -1;  // "--foobar" is not the delimiter "--foo"
}

size_t MultipartParser::ParsePreamble(std::string_view data) {
  // Go skips every line before the first delimiter line; only a line that
  // starts like "--boundary" needs looking at.
  const std::string_view dash = std::string_view(delimiter_).substr(2);
  size_t pos = 0;
  auto count = [this](size_t used) {
    preamble_bytes_ += used;
    if (preamble_bytes_ > kMaxPartHeaderBytes) {
      Fail(Error(ErrorCode::kBodyTooLarge, "multipart: preamble too large"));
    }
    return used;
  };
  while (pos < data.size()) {
    if (skip_line_) {
      size_t nl = data.find('\n', pos);
      if (nl == std::string_view::npos) return count(data.size());
      pos = nl + 1;
      skip_line_ = false;
      continue;
    }
    std::string_view line = data.substr(pos);
    const size_t n = std::min(line.size(), dash.size());
    if (line.compare(0, n, dash.substr(0, n)) != 0) {
      skip_line_ = true;
      continue;
    }
    if (line.size() < dash.size() && !at_eof_) return count(pos);
    switch (line.size() < dash.size() ? -1 : MatchAfterDelimiter(line, dash.size())) {
      case 0: return count(pos);
      case +1: state_ = State::kDelimiterEnd; return count(pos + dash.size());
      default: skip_line_ = true; break;
    }
  }
  return count(pos);
}

size_t MultipartParser::ParseHeaders(std::string_view data) {
  size_t pos = 0;
  for (;;) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (header_bytes_ + (data.size() - pos) > kMaxPartHeaderBytes) {
        Fail(Error(ErrorCode::kBodyTooLarge, "multipart: message too large"));
      }
      return pos;
    }
    std::string_view line = data.substr(pos, nl - pos);
    header_bytes_ += nl + 1 - pos;
    pos = nl + 1;
    if (header_bytes_ > kMaxPartHeaderBytes) {
      Fail(Error(ErrorCode::kBodyTooLarge, "multipart: message too large"));
      return pos;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (IsLwsp(line.front())) {
      // A folded line continues the field before it (RFC 5322 §2.2.3), as
      // Go's textproto reads it.
      if (fields_.empty()) {
        Fail(Malformed("malformed MIME header initial line: " + Quote(line)));
        return pos;
      }
      std::string& value = fields_.back().value;
      std::string_view more = TrimOws(line);
      if (!more.empty()) value.append(value.empty() ? "" : " ").append(more);
      continue;
    }
    const size_t colon = line.find(':');
    std::string_view key = colon == std::string_view::npos ? std::string_view() : line.substr(0, colon);
    // Go 1.19 takes any bytes before the colon; a field name is a token
    // (RFC 9110 §5.1), and one that is not is refused here, as Go 1.20 does.
    if (key.empty() || !std::all_of(key.begin(), key.end(), IsTokenByte)) {
      Fail(Malformed("malformed MIME header line: " + Quote(line)));
      return pos;
    }
    fields_.push_back({CanonicalHeaderKey(key), std::string(TrimOws(line.substr(colon + 1)))});
  }
  Header header;
  for (Header::Field& f : fields_) header.AddCanonical(std::move(f.key), std::move(f.value));
  fields_.clear();
  header_bytes_ = 0;
  part_bytes_ = 0;
  ++parts_;
  state_ = State::kBody;
  if (Error err = handler_->OnPartBegin(std::move(header))) Fail(std::move(err));
  return pos;
}

size_t MultipartParser::ParseBody(std::string_view data) {
  const std::string_view delimiter = std::string_view(delimiter_).substr(2 - nl_size_);
  const std::string_view dash = delimiter.substr(nl_size_);
  size_t end = data.size();  // data before end is the part's
  size_t next = data.size();  // where parsing resumes
  bool at_delimiter = false;
  if (part_bytes_ == 0 && dash.starts_with(data.substr(0, dash.size()))) {
    // Go also ends an empty part at a "--boundary" right after the blank
    // line, as if the blank line's line end were the delimiter's.
    const int match = data.size() < dash.size() ? (at_eof_ ? -1 : 0) : MatchAfterDelimiter(data, dash.size());
    if (match == 0) return 0;
    if (match > 0) end = 0, next = dash.size(), at_delimiter = true;
  }
  for (size_t from = 0; !at_delimiter;) {
    const size_t i = Find(data, delimiter, from);
    if (i == std::string_view::npos) {
      // Keep a tail that could begin a delimiter: the last line end, if
      // what follows it is a prefix of one. A boundary has no control
      // bytes, so no line end after it can begin an overlapping match.
      const size_t last = data.rfind(delimiter[0]);
      if (!at_eof_ && last != std::string_view::npos && last >= from &&
          delimiter.starts_with(data.substr(last))) {
        end = next = last;
      }
      break;
    }
    const int match = MatchAfterDelimiter(data.substr(i), delimiter.size());
    if (match == 0) {
      end = next = i;
      break;
    }
    if (match > 0) {
      end = i, next = i + delimiter.size(), at_delimiter = true;
      break;
    }
    from = i + 1;
  }
  if (end > 0) {
    part_bytes_ += static_cast<int64_t>(end);
    if (Error err = handler_->OnPartData(data.substr(0, end))) {
      Fail(std::move(err));
      return next;
    }
  }
  if (at_delimiter) {
    state_ = State::kDelimiterEnd;
    if (Error err = handler_->OnPartEnd()) Fail(std::move(err));
  }
  return next;
}

size_t MultipartParser::ParseDelimiterEnd(std::string_view data) {
  // Past "--boundary": "--" ends the body (the close delimiter).
  if (data.empty()) return 0;
  if (data[0] == '-') {
    if (data.size() < 2) return 0;
    if (data[1] == '-') {
      state_ = State::kCloseDelimiterEnd;
      return 2;
    }
  }
  state_ = State::kTransportPadding;
  return 0;
}

size_t MultipartParser::ParseTransportPadding(std::string_view data) {
  // Optional spaces and the line end begin a part's header (RFC 2046
  // §5.1.1's transport-padding).
  size_t pos = 0;
  while (pos < data.size() && IsLwsp(data[pos])) ++pos;
  if (pos == data.size()) return pos;
  std::string_view line_end = data.substr(pos, 2);
  if (line_end == "\r") return pos;  // the LF may follow
  // The first delimiter line fixes the line end: Go accepts bare LFs when
  // it ends in one (a violation of the RFC seen in practice).
  if (parts_ == 0 && data[pos] == '\n') nl_size_ = 1;
  const std::string_view nl = nl_size_ == 2 ? "\r\n" : "\n";
  if (!line_end.starts_with(nl)) {
    Fail(Malformed("multipart: expecting a new Part; got more on the delimiter line"));
    return pos;
  }
  state_ = State::kHeaders;
  return pos + nl.size();
}

size_t MultipartParser::ParseCloseDelimiterEnd(std::string_view data) {
  size_t pos = 0;
  while (pos < data.size() && IsLwsp(data[pos])) ++pos;
  if (pos == data.size()) return pos;
  const std::string_view nl = nl_size_ == 2 ? "\r\n" : "\n";
  std::string_view line_end = data.substr(pos, nl.size());
  if (nl.starts_with(line_end) && line_end.size() < nl.size() && !at_eof_) return pos;
  if (line_end != nl) {
    Fail(Malformed("multipart: expecting a new Part; got more on the close delimiter line"));
    return pos;
  }
  state_ = State::kEpilogue;
  return pos + nl.size();
}

}  // namespace nethttp
