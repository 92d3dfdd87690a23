// Fuzz target for the client's response parser (lib/http1_parser.cc, driven
// as persist_conn.cc drives it): any bytes a server may send, whole, split
// and byte by byte, with or without a close at the end, and to HEAD or not.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "internal/http1_parser.h"
#include "parser_driver.h"

namespace nethttp::fuzz {
namespace {

// NoBody: RFC 9112 §6.3 item 1, whatever the framing fields say.
bool NoBody(const MessageHead& h, const Options& opt) {
  return opt.response_to_head || (h.status_code >= 100 && h.status_code < 200) ||
         h.status_code == 204 || h.status_code == 304;
}

// AtLeast11 is Go's protoAtLeast(1, 1).
bool AtLeast11(const MessageHead& h) {
  return h.proto_major > 1 || (h.proto_major == 1 && h.proto_minor >= 1);
}

// CheckResponse checks one parsed response against what PersistConn and
// the Response a caller reads take for granted.
void CheckResponse(const Message& m, const Options& opt, bool last, bool eof_complete) {
  const MessageHead& h = m.head;
  FUZZ_CHECK(h.status_code >= 0 && h.status_code <= 999);
  FUZZ_CHECK(h.method.empty() && h.target.empty());
  CheckFields(h.header);
  CheckFields(h.trailer);
  // Go takes any reason phrase but one that breaks the line (ReadResponse
  // does not check it); a CR or LF in it would let a logged status line
  // forge another.
  FUZZ_CHECK_MSG(h.reason.find_first_of("\r\n") == std::string::npos,
                 "reason \"" + Escape(h.reason) + "\"");
  if (!h.chunked) FUZZ_CHECK(h.trailer.empty());

  std::vector<std::string_view> lengths = h.header.Values("Content-Length");
  FUZZ_CHECK_MSG(lengths.size() <= 1, "duplicate Content-Length accepted");
  // Go 1.19 readTransfer: on HTTP/1.1 and later (protoAtLeast(1, 1)) a
  // Transfer-Encoding is one field, "chunked", or the response is refused
  // (fuzz_regressions_test "a response with an unknown Transfer-Encoding
  // is refused").
  std::vector<std::string_view> codings = h.header.Values("Transfer-Encoding");
  if (AtLeast11(h) && !codings.empty()) {
    FUZZ_CHECK_MSG(h.chunked && codings.size() == 1 && EqualFold(codings[0], "chunked"),
                   "a response with Transfer-Encoding \"" + Escape(codings[0]) + "\" (" +
                       std::to_string(codings.size()) + " fields) accepted, chunked=" +
                       std::to_string(h.chunked));
  }
  if (NoBody(h, opt)) {
    FUZZ_CHECK_MSG(m.body.empty(), "a body on a response that cannot have one");
    FUZZ_CHECK(h.trailer.empty());
  } else if (h.chunked) {
    FUZZ_CHECK(h.content_length == -1);
    FUZZ_CHECK_MSG(lengths.empty(), "Content-Length kept beside chunked");
  } else if (h.content_length == -1) {
    // Close-delimited: only the peer's close ends it, and nothing follows.
    FUZZ_CHECK(lengths.empty());
    FUZZ_CHECK(!h.keep_alive);
    FUZZ_CHECK_MSG(last && eof_complete, "a close-delimited body ended before the close");
  } else {
    FUZZ_CHECK(!lengths.empty() && DeclaredLength(lengths[0]) == h.content_length);
    FUZZ_CHECK_MSG(static_cast<int64_t>(m.body.size()) == h.content_length,
                   "body of " + std::to_string(m.body.size()) + " bytes for Content-Length " +
                       std::to_string(h.content_length));
  }
}

// CheckRoundTrip parses the response written back canonically and wants the
// same message from it; then the same bytes with an empty-name field line
// (skipped) and, on HTTP/1.1, with a Transfer-Encoding that is not exactly
// one "chunked" (refused).
void CheckRoundTrip(const Message& m, const Options& from, uint64_t hash) {
  bool no_body = NoBody(m.head, from);
  std::string wire = Serialize(m, Http1Parser::Type::kResponse, no_body);
  Options opt;
  opt.type = Http1Parser::Type::kResponse;
  opt.response_to_head = from.response_to_head;
  opt.finish_at_end = true;  // ends a close-delimited body; harmless otherwise
  Outcome again = Feed(wire, {wire.size()}, opt);
  FUZZ_CHECK_MSG(again.error == ErrorCode::kOk && again.messages.size() == 1 &&
                     SameRewrittenHead(again.messages[0].head, m.head) &&
                     again.messages[0].body == m.body,
                 "written back as \"" + Escape(wire) + "\" it parses as " + Describe(again) +
                     "\n  from " + Describe(Outcome{{m}, ErrorCode::kOk, {}, false}));
  CheckEmptyName(wire, again.messages[0], opt, m.head.chunked && !no_body, hash);

  if (AtLeast11(m.head)) {
    static constexpr std::string_view kCodings[] = {
        "Transfer-Encoding: gzip\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: identity\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    };
    std::string coded = wire;
    coded.insert(HeadSize(wire) - 2, kCodings[(hash >> 8) % 4]);
    Outcome refused = Feed(coded, {coded.size()}, opt);
    FUZZ_CHECK_MSG(refused.error == ErrorCode::kMalformedResponse && refused.messages.empty(),
                   "\"" + Escape(coded) + "\" parses as " + Describe(refused));
  }
}

// TestOneInput is the target; LLVMFuzzerTestOneInput below only adapts it.
void TestOneInput(std::string_view input) {
  size_t size = input.size();
  uint64_t hash = Hash(input);

  Options opt;
  opt.type = Http1Parser::Type::kResponse;
  opt.response_to_head = hash % 4 == 0;
  opt.finish_at_end = (hash >> 2) % 4 != 0;  // servers mostly close at some point
  if ((hash >> 4) % 8 == 0) opt.max_header_bytes = 64;
  Cuts cuts = MakeCuts(size, hash >> 7);

  Outcome whole = Feed(input, cuts.whole, opt);
  Options streaming = opt;
  streaming.use_sink = true;  // PersistConn streams bodies through the sink
  CheckSame(whole, Feed(input, cuts.split, streaming), "split at " + std::to_string(cuts.cut));
  CheckSame(whole, Feed(input, cuts.bytes, opt), "byte at a time");
  CheckFreshParse(input, whole, opt);

  size_t last_end = 0;
  for (size_t i = 0; i < whole.messages.size(); ++i) {
    const Message& m = whole.messages[i];
    FUZZ_CHECK(m.end >= last_end && m.end <= size);
    FUZZ_CHECK(m.end > last_end || (i + 1 == whole.messages.size() && whole.eof_complete));
    last_end = m.end;
    bool last = i + 1 == whole.messages.size();
    CheckResponse(m, opt, last, whole.eof_complete);
    CheckHeadEnd(input, m, /*crlf_only=*/false);
    CheckRoundTrip(m, opt, hash >> 20);
  }
  if (whole.error != ErrorCode::kOk) {
    FUZZ_CHECK_MSG(whole.error == ErrorCode::kMalformedResponse ||
                       whole.error == ErrorCode::kUnexpectedEof ||
                       whole.error == ErrorCode::kHeaderTooLarge,
                   "a response error is malformed, EOF or too large, not " +
                       std::string(ErrorCodeName(whole.error)));
  }
}

}  // namespace
}  // namespace nethttp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nethttp::fuzz::TestOneInput(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
