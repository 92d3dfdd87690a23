// Fuzz target for the server's request parser (lib/http1_parser.cc, driven
// as conn.cc drives it): any bytes a client may send, whole, split and byte
// by byte, with the framing and head invariants the server relies on.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "internal/http1_parser.h"
#include "parser_driver.h"

namespace nethttp::fuzz {
namespace {

// CheckFraming: exactly one of chunked and Content-Length, and the body is
// what that framing says, never a byte more or less.
void CheckFraming(const Message& m, const Options& opt) {
  const MessageHead& h = m.head;
  if (h.method == "CONNECT") {
    // llhttp reads no content after a CONNECT head (RFC 9110 §9.3.6), and
    // the head says so whatever it declared: no length, not chunked
    // (fuzz_regressions_test "a CONNECT head frames the body it gets").
    FUZZ_CHECK_MSG(h.content_length == 0 && !h.chunked,
                   "a CONNECT head frames a body: cl=" + std::to_string(h.content_length) +
                       " chunked=" + std::to_string(h.chunked));
    FUZZ_CHECK(m.body.empty() && h.trailer.empty());
    FUZZ_CHECK_MSG(h.header.Values("Content-Length").size() <= 1,
                   "duplicate Content-Length accepted");
    return;
  }
  std::vector<std::string_view> lengths = h.header.Values("Content-Length");
  std::vector<std::string_view> codings = h.header.Values("Transfer-Encoding");
  FUZZ_CHECK_MSG(lengths.size() <= 1, "duplicate Content-Length accepted");
  if (h.chunked) {
    FUZZ_CHECK(h.content_length == -1);
    FUZZ_CHECK_MSG(lengths.empty(), "Content-Length kept beside chunked");
    FUZZ_CHECK(codings.size() == 1 && EqualFold(codings[0], "chunked"));
    FUZZ_CHECK_MSG(h.proto_minor == 1, "Transfer-Encoding accepted on HTTP/1.0");
  } else {
    FUZZ_CHECK_MSG(codings.empty(), "Transfer-Encoding without chunked framing");
    FUZZ_CHECK(h.trailer.empty());
    int64_t declared = lengths.empty() ? 0 : DeclaredLength(lengths[0]);
    FUZZ_CHECK_MSG(declared == h.content_length,
                   "Content-Length \"" + (lengths.empty() ? std::string() : Escape(lengths[0])) +
                       "\" framed as " + std::to_string(h.content_length));
    FUZZ_CHECK_MSG(static_cast<int64_t>(m.body.size()) == h.content_length,
                   "body of " + std::to_string(m.body.size()) + " bytes for Content-Length " +
                       std::to_string(h.content_length));
  }
  if (opt.max_body_bytes > 0) {
    FUZZ_CHECK(static_cast<int64_t>(m.body.size()) <= opt.max_body_bytes);
  }
}

// CheckRequest checks one parsed request against what conn.cc and handlers
// take for granted.
void CheckRequest(const Message& m, const Options& opt) {
  const MessageHead& h = m.head;
  FUZZ_CHECK(!h.method.empty());
  FUZZ_CHECK(!h.target.empty());
  FUZZ_CHECK_MSG(h.proto_major == 1 && (h.proto_minor == 0 || h.proto_minor == 1),
                 "only HTTP/1.0 and 1.1 reach a handler");
  CheckFields(h.header);
  CheckFields(h.trailer);
  CheckFraming(m, opt);

  // Go's readRequest rules: one Host, required on 1.1.
  std::vector<std::string_view> hosts = h.header.Values("Host");
  FUZZ_CHECK(hosts.size() <= 1);
  if (h.proto_minor == 1) FUZZ_CHECK(hosts.size() == 1);
  if (h.expect_continue) {
    FUZZ_CHECK(h.proto_minor == 1 && EqualFold(h.header.Get("Expect"), "100-continue"));
  }
  if (h.header.Has("Expect")) FUZZ_CHECK(EqualFold(h.header.Get("Expect"), "100-continue"));
}

// CheckRoundTrip parses the request written back canonically and wants the
// same message from it; then the same canonical bytes with one line ending
// made a bare LF, with filler before the request line, and with an
// empty-name field line, each of which has one exact outcome.
void CheckRoundTrip(const Message& m, uint64_t hash) {
  // A CONNECT head is followed by tunnel bytes, never a body (see above).
  bool no_body = m.head.method == "CONNECT";
  std::string wire = Serialize(m, Http1Parser::Type::kRequest, no_body);
  Options opt;  // default limits: the written form is never larger than counted
  Outcome again = Feed(wire, {wire.size()}, opt);
  FUZZ_CHECK_MSG(again.error == ErrorCode::kOk && again.messages.size() == 1 &&
                     SameRewrittenHead(again.messages[0].head, m.head) &&
                     again.messages[0].body == m.body,
                 "written back as \"" + Escape(wire) + "\" it parses as " + Describe(again) +
                     "\n  from " + Describe(Outcome{{m}, ErrorCode::kOk, {}, false}));
  const Message& canon = again.messages[0];
  bool has_trailer = m.head.chunked && !no_body;

  // A bare LF in any line ending of the head or the trailer is a 400
  // (fuzz_regressions_test "a bare LF does not end a request line, a head
  // or a trailer"): the bytes before it are a request the parser accepts.
  size_t head = HeadSize(wire);
  std::vector<size_t> crlfs = CrlfsIn(wire, 0, head);
  if (has_trailer) {
    std::vector<size_t> t = CrlfsIn(wire, wire.size() - TrailerSize(m.head), wire.size());
    crlfs.insert(crlfs.end(), t.begin(), t.end());
  }
  std::string bare = wire;
  bare.erase(crlfs[hash % crlfs.size()], 1);
  Outcome refused = Feed(bare, {bare.size()}, opt);
  FUZZ_CHECK_MSG(refused.error == ErrorCode::kBadRequest && refused.messages.empty(),
                 "with a bare LF, \"" + Escape(bare) + "\" parses as " + Describe(refused));

  // Empty lines before a request line are skipped, CR or LF alike (Go's
  // numLeadingCRorLF): the same message, ending after the filler.
  static constexpr std::string_view kFiller[] = {"\n", "\r\n", "\r", "\n\r\n", "\r\n\r\n\n\r"};
  std::string padded = std::string(kFiller[(hash >> 8) % 5]) + wire;
  Outcome skipped = Feed(padded, {padded.size()}, opt);
  FUZZ_CHECK_MSG(skipped.error == ErrorCode::kOk && skipped.messages.size() == 1 &&
                     SameHead(skipped.messages[0].head, canon.head) &&
                     skipped.messages[0].body == canon.body &&
                     skipped.messages[0].end == padded.size(),
                 "after filler, \"" + Escape(padded) + "\" parses as " + Describe(skipped));

  CheckEmptyName(wire, canon, opt, has_trailer, hash >> 16);
}

// CheckNoBareLf: an accepted request's head ends every line with CRLF,
// from its request line on (what comes before it is CR/LF filler).
void CheckNoBareLf(std::string_view input, size_t start, const Message& m) {
  size_t s = start;
  while (s < m.end && (input[s] == '\r' || input[s] == '\n')) ++s;
  size_t end = m.head.chunked ? input.find("\r\n\r\n", s) : m.end - m.body.size();
  FUZZ_CHECK_MSG(end != std::string_view::npos && end <= m.end, "no CRLF CRLF ends the head");
  if (m.head.chunked) end += 4;
  for (size_t i = input.find('\n', s); i < end; i = input.find('\n', i + 1)) {
    FUZZ_CHECK_MSG(i > s && input[i - 1] == '\r',
                   "a bare LF at " + std::to_string(i) + " in the head \"" +
                       Escape(input.substr(start, end - start)) + "\"");
  }
}

// TestOneInput is the target; LLVMFuzzerTestOneInput below only adapts it.
void TestOneInput(std::string_view input) {
  size_t size = input.size();
  uint64_t hash = Hash(input);

  // Options from the input's hash, so every input replays alike: mostly the
  // defaults, sometimes small limits to reach the 431 and 413 paths.
  Options opt;
  opt.type = Http1Parser::Type::kRequest;
  switch (hash % 8) {
    case 0: opt.max_header_bytes = 64; break;
    case 1: opt.max_body_bytes = 8; break;
    default: break;
  }
  opt.finish_at_end = (hash >> 3) & 1;
  Cuts cuts = MakeCuts(size, hash >> 4);

  Outcome whole = Feed(input, cuts.whole, opt);
  Options streaming = opt;
  streaming.use_sink = true;  // the body sink must see the same bytes
  streaming.stop_after_head = true;  // and stopping after each head change nothing
  CheckSame(whole, Feed(input, cuts.split, streaming), "split at " + std::to_string(cuts.cut));
  CheckSame(whole, Feed(input, cuts.bytes, opt), "byte at a time");
  CheckFreshParse(input, whole, opt);

  size_t last_end = 0;
  for (const Message& m : whole.messages) {
    FUZZ_CHECK(m.end > last_end && m.end <= size);
    size_t start = last_end;
    last_end = m.end;
    CheckRequest(m, opt);
    CheckHeadEnd(input, m, /*crlf_only=*/true);
    CheckNoBareLf(input, start, m);
    CheckRoundTrip(m, hash >> 20);
  }
  if (whole.error != ErrorCode::kOk) {
    int status = ServerStatusForError(Error(whole.error, whole.error_message));
    FUZZ_CHECK(status == 400 || status == 413 || status == 417 || status == 431 ||
               status == 501 || status == 505);
    // The limits only bite when set low: inputs stay far below 1 MiB.
    if (status == 431) FUZZ_CHECK(opt.max_header_bytes < (1u << 20));
    if (status == 413) FUZZ_CHECK(opt.max_body_bytes > 0);
  }
}

}  // namespace
}  // namespace nethttp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nethttp::fuzz::TestOneInput(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
