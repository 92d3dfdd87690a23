// Grind feeds a parser the same bytes whole, split at every offset, and one
// byte at a time, and requires the same outcome each way (Beast's
// parsegrind/failgrind). A parser that depends on how TCP cut its input
// fails here rather than in production.
#ifndef NETHTTP_TESTS_TESTUTIL_GRIND_H_
#define NETHTTP_TESTS_TESTUTIL_GRIND_H_

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "internal/http1_parser.h"

namespace nethttp::testutil {

struct ParsedMessage {
  MessageHead head;
  std::string body;
};

// Outcome is everything a connection would learn from the bytes.
struct Outcome {
  std::vector<ParsedMessage> messages;
  ErrorCode error = ErrorCode::kOk;
  std::string error_message;
  bool eof_complete = false;  // Finish() completed a message at the end
  // head_ends: where each kHeadComplete stopped the parser, as offsets in
  // the input (stop_after_head).
  std::vector<size_t> head_ends;
};

struct ParseOptions {
  Http1Parser::Type type = Http1Parser::Type::kRequest;
  size_t max_header_bytes = 1 << 20;
  int64_t max_body_bytes = 0;
  size_t max_request_target_bytes = 8 << 10;
  size_t max_header_fields = 0;  // 0: no limit
  bool response_to_head = false;
  bool finish_at_end = false;  // call Finish() after the last byte (peer closed)
  // stop_after_head parses requests as the server does: the parser stops
  // after each head a body follows, and AcceptBody(stream_body) decides
  // the body's limit. Off, the parser runs through as the client's does.
  bool stop_after_head = true;
  bool stream_body = false;
};

// Parse feeds input in the given pieces (sizes add up to input.size()) the
// way Conn does: unconsumed bytes wait for the next piece.
inline Outcome Parse(std::string_view input, const std::vector<size_t>& pieces,
                     const ParseOptions& opt) {
  Http1Parser p(opt.type);
  p.set_max_header_bytes(opt.max_header_bytes);
  p.set_max_body_bytes(opt.max_body_bytes);
  p.set_max_request_target_bytes(opt.max_request_target_bytes);
  p.set_max_header_fields(opt.max_header_fields);
  p.set_response_to_head(opt.response_to_head);
  p.set_stop_after_head(opt.stop_after_head && opt.type == Http1Parser::Type::kRequest);
  Outcome out;
  std::string pending;
  size_t pos = 0;
  size_t parsed = 0;  // input bytes consumed so far
  auto take = [&](Http1Parser::FeedResult r) {
    parsed += r.consumed;
    if (r.status == Http1Parser::Status::kHeadComplete) {
      out.head_ends.push_back(parsed);
      if (!p.AcceptBody(opt.stream_body)) {
        out.error = p.error().code();
        out.error_message = p.error().message();
      }
    } else if (r.status == Http1Parser::Status::kMessageComplete) {
      out.messages.push_back({p.head(), p.body()});
      p.NextMessage();
      p.set_response_to_head(opt.response_to_head);
    } else if (r.status == Http1Parser::Status::kError) {
      out.error = p.error().code();
      out.error_message = p.error().message();
    }
  };
  for (size_t n : pieces) {
    pending.append(input.substr(pos, n));
    pos += n;
    while (!pending.empty() && out.error == ErrorCode::kOk) {
      Http1Parser::FeedResult r = p.Feed(pending);
      pending.erase(0, r.consumed);
      take(r);
      if (r.status == Http1Parser::Status::kNeedMore) break;
    }
    if (out.error != ErrorCode::kOk) return out;
  }
  if (opt.finish_at_end) {
    Http1Parser::FeedResult r = p.Finish();
    if (r.status == Http1Parser::Status::kMessageComplete) out.eof_complete = true;
    take(r);
  }
  return out;
}

inline bool SameHead(const MessageHead& a, const MessageHead& b) {
  auto fields = [](const Header& h) {
    std::vector<std::string> v;
    for (const auto& f : h) v.push_back(f.key + ": " + f.value);
    return v;
  };
  return a.method == b.method && a.target == b.target && a.status_code == b.status_code &&
         a.reason == b.reason && a.proto_major == b.proto_major &&
         a.proto_minor == b.proto_minor && fields(a.header) == fields(b.header) &&
         fields(a.trailer) == fields(b.trailer) && a.content_length == b.content_length &&
         a.chunked == b.chunked && a.keep_alive == b.keep_alive &&
         a.expect_continue == b.expect_continue;
}

inline bool SameOutcome(const Outcome& a, const Outcome& b) {
  if (a.error != b.error || a.messages.size() != b.messages.size()) return false;
  for (size_t i = 0; i < a.messages.size(); ++i) {
    if (!SameHead(a.messages[i].head, b.messages[i].head)) return false;
    if (a.messages[i].body != b.messages[i].body) return false;
  }
  // (head_ends are not compared: where the parser stops depends on the
  // cuts, since a body all in the data fed with its head is read whole.)
  return a.eof_complete == b.eof_complete;
}

// Grind parses input whole, then at every split point, then byte by byte,
// CHECKs that every way agrees, and returns the outcome.
inline Outcome Grind(std::string_view input, const ParseOptions& opt = {}) {
  Outcome whole = Parse(input, {input.size()}, opt);
  if (opt.stop_after_head && !opt.stream_body && opt.type == Http1Parser::Type::kRequest) {
    // Stopping after each head changes where Feed returns, never what
    // the messages are.
    ParseOptions through = opt;
    through.stop_after_head = false;
    Outcome t = Parse(input, {input.size()}, through);
    INFO("without stop_after_head");
    CHECK(SameOutcome(whole, t));
  }
  for (size_t i = 1; i < input.size(); ++i) {
    Outcome split = Parse(input, {i, input.size() - i}, opt);
    INFO("split at ", i, " of ", input.size());
    CHECK(SameOutcome(whole, split));
  }
  std::vector<size_t> ones(input.size(), 1);
  Outcome bytes = Parse(input, ones, opt);
  INFO("byte at a time");
  CHECK(SameOutcome(whole, bytes));
  return whole;
}

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_GRIND_H_
