// Fuzz target for chunked bodies (RFC 9112 §7.1) through Http1Parser, on
// both sides: the input is what follows a chunked head, and the decoded body
// must be what two small reference decoders here compute from the same bytes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "internal/http1_parser.h"
#include "parser_driver.h"

namespace nethttp::fuzz {
namespace {

struct Decoded {
  std::string body;
  size_t end = 0;  // offset just past the final CRLF
  size_t trailer_fields = 0;
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ReadSize reads 1*HEXDIG at *pos; nullopt when there is none or it
// overflows 60 bits (no body this fuzzer makes is near that).
std::optional<uint64_t> ReadSize(std::string_view s, size_t* pos) {
  uint64_t n = 0;
  size_t start = *pos;
  while (*pos < s.size() && HexValue(s[*pos]) >= 0) {
    if (n >> 56) return std::nullopt;
    n = n * 16 + static_cast<uint64_t>(HexValue(s[*pos]));
    ++*pos;
  }
  if (*pos == start) return std::nullopt;
  return n;
}

bool Crlf(std::string_view s, size_t* pos) {
  if (s.substr(*pos, 2) != "\r\n") return false;
  *pos += 2;
  return true;
}

// Lenient decodes what any reading of RFC 9112 §7.1 could accept: a chunk
// extension and a trailer line are anything up to CRLF. Whatever the parser
// accepts, Lenient accepts too, with the same body and the same end.
// request: the trailer is a request's, whose lines hold no bare LF at all.
std::optional<Decoded> Lenient(std::string_view s, bool request) {
  Decoded d;
  size_t pos = 0;
  while (true) {
    std::optional<uint64_t> size = ReadSize(s, &pos);
    if (!size) return std::nullopt;
    size_t eol = s.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::nullopt;
    pos = eol + 2;
    if (*size == 0) break;
    if (*size > s.size() - pos) return std::nullopt;
    d.body.append(s.substr(pos, *size));
    pos += *size;
    if (!Crlf(s, &pos)) return std::nullopt;
  }
  while (true) {  // trailer section, ended by an empty line
    // A response's trailer may end with a bare LF, as Go's client reads
    // it (textproto; llhttp 8.1 takes it too): not a bug. A request's may
    // not: a bare LF anywhere in its trailer is a 400 (fuzz_regressions_test
    // "a bare LF does not end a request line, a head or a trailer").
    if (!request && pos < s.size() && s[pos] == '\n') {
      ++pos;
      break;
    }
    size_t eol = s.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::nullopt;
    if (request && s.substr(pos, eol - pos).find('\n') != std::string_view::npos) {
      return std::nullopt;
    }
    bool empty = eol == pos;
    pos = eol + 2;
    if (empty) break;
    ++d.trailer_fields;  // an upper bound: obs-fold lines join a field
  }
  d.end = pos;
  return d;
}

bool IsTrailerNameByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// Strict decodes the plainest form the RFC allows: hex sizes with no
// extension, and trailer fields "X-name: value" of visible ASCII (named
// X-... so none of them is a framing field the parser must refuse in a
// trailer). Whatever Strict accepts, the parser must accept.
std::optional<Decoded> Strict(std::string_view s) {
  Decoded d;
  size_t pos = 0;
  while (true) {
    size_t start = pos;
    std::optional<uint64_t> size = ReadSize(s, &pos);
    if (!size || pos - start > 8 || !Crlf(s, &pos)) return std::nullopt;
    if (*size == 0) break;
    if (*size > s.size() - pos) return std::nullopt;
    d.body.append(s.substr(pos, *size));
    pos += *size;
    if (!Crlf(s, &pos)) return std::nullopt;
  }
  while (!Crlf(s, &pos)) {
    if (s.substr(pos, 2) != "X-" && s.substr(pos, 2) != "x-") return std::nullopt;
    size_t name = pos + 2;
    while (name < s.size() && IsTrailerNameByte(s[name])) ++name;
    if (name >= s.size() || s[name] != ':') return std::nullopt;
    size_t value = name + 1;
    while (value < s.size() && s[value] > 0x20 && s[value] < 0x7f) ++value;
    pos = value;
    if (!Crlf(s, &pos)) return std::nullopt;
    ++d.trailer_fields;
  }
  d.end = pos;
  return d;
}

struct Side {
  Http1Parser::Type type;
  std::string_view head;
};

// The heads a chunked body follows: plain, with a Content-Length that must
// be dropped (Go's fixLength; RFC 9112 §6.3 item 3), and a coding in
// upper case (codings are case-insensitive, RFC 9110 §10.1.4).
constexpr Side kSides[] = {
    {Http1Parser::Type::kRequest,
     "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {Http1Parser::Type::kRequest,
     "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {Http1Parser::Type::kRequest,
     "PUT /x HTTP/1.1\r\nTransfer-Encoding: CHUNKED\r\nHost: h\r\n\r\n"},
    {Http1Parser::Type::kResponse, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {Http1Parser::Type::kResponse,
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"},
};

void CheckSide(const Side& side, std::string_view body, uint64_t hash) {
  std::string input(side.head);
  input.append(body);
  Options opt;
  opt.type = side.type;
  // Sometimes a small body limit, on the request side where conn.cc sets one.
  if (side.type == Http1Parser::Type::kRequest && hash % 4 == 0) {
    opt.max_body_bytes = static_cast<int64_t>((hash >> 2) % 32) + 1;
  }
  Cuts cuts = MakeCuts(input.size(), hash >> 7);
  Outcome whole = Feed(input, cuts.whole, opt);
  Options streaming = opt;
  streaming.use_sink = true;
  CheckSame(whole, Feed(input, cuts.split, streaming), "split at " + std::to_string(cuts.cut));
  CheckSame(whole, Feed(input, cuts.bytes, opt), "byte at a time");

  std::optional<Decoded> lenient = Lenient(body, side.type == Http1Parser::Type::kRequest);
  std::optional<Decoded> strict = Strict(body);
  std::string context = "\n  body \"" + Escape(body) + "\" after \"" + Escape(side.head) +
                        "\"\n  parsed: " + Describe(whole);
  if (!whole.messages.empty()) {
    const Message& m = whole.messages[0];
    FUZZ_CHECK_MSG(m.head.chunked && m.head.content_length == -1, "not chunked" + context);
    FUZZ_CHECK_MSG(!m.head.header.Has("Content-Length"), "CL kept beside chunked" + context);
    FUZZ_CHECK_MSG(lenient.has_value(), "the parser accepted a body no decoder would" + context);
    FUZZ_CHECK_MSG(m.body == lenient->body, "decoded \"" + Escape(lenient->body) + "\"" + context);
    FUZZ_CHECK_MSG(m.end == side.head.size() + lenient->end,
                   "the reference ends at " + std::to_string(side.head.size() + lenient->end) +
                       context);
    FUZZ_CHECK(m.head.trailer.size() <= lenient->trailer_fields);
    FUZZ_CHECK(m.body.size() <= body.size());
    if (opt.max_body_bytes > 0) {
      FUZZ_CHECK(static_cast<int64_t>(m.body.size()) <= opt.max_body_bytes);
    }
  }
  if (strict) {
    bool too_large = opt.max_body_bytes > 0 &&
                     static_cast<int64_t>(strict->body.size()) > opt.max_body_bytes;
    if (too_large) {
      FUZZ_CHECK_MSG(whole.error == ErrorCode::kBodyTooLarge && whole.messages.empty(),
                     "a body over the limit got through" + context);
    } else {
      FUZZ_CHECK_MSG(!whole.messages.empty(), "the parser refused a plain chunked body" + context);
      FUZZ_CHECK(whole.messages[0].body == strict->body);
      FUZZ_CHECK(whole.messages[0].head.trailer.size() == strict->trailer_fields);
    }
  }
}

// TestOneInput is the target; LLVMFuzzerTestOneInput below only adapts it.
void TestOneInput(std::string_view body) {
  uint64_t hash = Hash(body);
  // Every body goes to a request side and a response side; which variant of
  // each comes from the hash.
  CheckSide(kSides[hash % 3], body, hash);
  CheckSide(kSides[3 + (hash >> 2) % 2], body, hash >> 3);
}

}  // namespace
}  // namespace nethttp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nethttp::fuzz::TestOneInput(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
