// The feeding loop the three parser targets share. It drives Http1Parser the
// way Conn (server side) and PersistConn (client side) do, unconsumed bytes
// waiting for the next read, checks Feed's contract on every call, and
// records what a connection would learn, so a target can compare runs that
// cut the same input differently (tests/testutil/grind.h, with aborts).
#ifndef NETHTTP_TESTS_FUZZ_PARSER_DRIVER_H_
#define NETHTTP_TESTS_FUZZ_PARSER_DRIVER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "internal/ascii.h"
#include "internal/http1_parser.h"
#include "nethttp/header.h"

namespace nethttp::fuzz {

struct Message {
  MessageHead head;
  std::string body;
  // end is the input offset just past the message's last byte: the same
  // for every way of cutting the input, or framing depends on the reads.
  size_t end = 0;
};

struct Outcome {
  std::vector<Message> messages;
  ErrorCode error = ErrorCode::kOk;
  std::string error_message;
  bool eof_complete = false;  // Finish() completed the last message
};

struct Options {
  Http1Parser::Type type = Http1Parser::Type::kRequest;
  size_t max_header_bytes = 1 << 20;  // Http1Parser's default (Go's)
  int64_t max_body_bytes = 0;
  bool response_to_head = false;  // every response answers a HEAD request
  bool finish_at_end = false;     // the peer closes after the last byte
  bool use_sink = false;          // stream the body instead of buffering it
  // stop_after_head parses requests as the server does: Feed stops after a
  // head whose body is not all there, and AcceptBody(false) (a body read
  // whole, within max_body_bytes) lets it go on. It must change nothing.
  bool stop_after_head = false;
};

inline bool IsError(const Error& e) { return static_cast<bool>(e); }

// Feed parses input in pieces of the given sizes (adding up to its size).
inline Outcome Feed(std::string_view input, const std::vector<size_t>& pieces,
                    const Options& opt) {
  Http1Parser p(opt.type);
  p.set_max_header_bytes(opt.max_header_bytes);
  p.set_max_body_bytes(opt.max_body_bytes);
  p.set_response_to_head(opt.response_to_head);
  p.set_stop_after_head(opt.stop_after_head);
  std::string streamed;
  if (opt.use_sink) p.set_body_sink([&streamed](std::string_view s) { streamed.append(s); });

  Outcome out;
  std::string pending;
  size_t pos = 0;       // input bytes handed to the loop so far
  size_t consumed = 0;  // input bytes the parser has consumed

  auto complete = [&]() {
    FUZZ_CHECK(p.head_complete());
    FUZZ_CHECK(p.message_started());
    FUZZ_CHECK(!IsError(p.error()));
    if (opt.use_sink) FUZZ_CHECK_MSG(p.body().empty(), "a sink was set, yet body() filled");
    out.messages.push_back({p.head(), opt.use_sink ? streamed : p.body(), consumed});
    streamed.clear();
    // Until NextMessage, the parser holds the message and takes nothing more.
    Http1Parser::FeedResult again = p.Feed(pending.empty() ? std::string_view("x") : pending);
    FUZZ_CHECK(again.status == Http1Parser::Status::kMessageComplete && again.consumed == 0);
    p.NextMessage();
    p.set_response_to_head(opt.response_to_head);
    FUZZ_CHECK(!p.message_started() && !p.head_complete());
  };
  auto fail = [&]() {
    FUZZ_CHECK(IsError(p.error()));
    const std::string& msg = p.error().message();
    FUZZ_CHECK_MSG(msg.starts_with("http: "), "error text \"" + Escape(msg) + "\"");
    out.error = p.error().code();
    out.error_message = msg;
    // An error is final: the connection closes, the parser takes nothing.
    Http1Parser::FeedResult again = p.Feed("x");
    FUZZ_CHECK(again.status == Http1Parser::Status::kError && again.consumed == 0);
  };

  for (size_t n : pieces) {
    pending.append(input.substr(pos, n));
    pos += n;
    while (!pending.empty()) {
      Http1Parser::FeedResult r = p.Feed(pending);
      FUZZ_CHECK_MSG(r.consumed <= pending.size(), "consumed past the bytes it was given");
      consumed += r.consumed;
      pending.erase(0, r.consumed);
      if (r.status == Http1Parser::Status::kNeedMore) {
        FUZZ_CHECK_MSG(pending.empty(), "kNeedMore must consume every byte");
        FUZZ_CHECK(!IsError(p.error()));
        break;
      }
      if (r.status == Http1Parser::Status::kError) {
        fail();
        return out;
      }
      if (r.status == Http1Parser::Status::kHeadComplete) {
        FUZZ_CHECK_MSG(opt.stop_after_head, "kHeadComplete without stop_after_head");
        FUZZ_CHECK(p.head_accepted() && !IsError(p.error()));
        FUZZ_CHECK(p.head().chunked || p.head().content_length > 0);
        if (!p.AcceptBody(false)) {
          fail();
          return out;
        }
        continue;
      }
      complete();
    }
  }
  FUZZ_CHECK(pos == input.size() && consumed == input.size());
  if (opt.finish_at_end) {
    bool started = p.message_started();
    Http1Parser::FeedResult r = p.Finish();
    FUZZ_CHECK(r.consumed == 0);
    if (r.status == Http1Parser::Status::kMessageComplete) {
      out.eof_complete = true;
      complete();
    } else if (r.status == Http1Parser::Status::kError) {
      FUZZ_CHECK_MSG(started, "a close between messages is not an error");
      fail();
    } else {
      FUZZ_CHECK_MSG(!started, "a close inside a message must complete it or fail");
    }
  }
  return out;
}

inline std::string DescribeHeader(const Header& h) {
  std::string s;
  for (const auto& f : h) s += "[" + Escape(f.key) + ": " + Escape(f.value) + "]";
  return s;
}

inline std::string Describe(const Outcome& o) {
  std::string s = "error=" + std::string(ErrorCodeName(o.error)) + " \"" +
                  Escape(o.error_message) + "\" eof_complete=" + std::to_string(o.eof_complete) +
                  " messages=" + std::to_string(o.messages.size());
  for (const Message& m : o.messages) {
    const MessageHead& h = m.head;
    s += "\n    {" + h.method + " " + Escape(h.target) + " " + std::to_string(h.status_code) +
         " \"" + Escape(h.reason) + "\" " + std::to_string(h.proto_major) + "." +
         std::to_string(h.proto_minor) + " cl=" + std::to_string(h.content_length) +
         " chunked=" + std::to_string(h.chunked) + " keep_alive=" + std::to_string(h.keep_alive) +
         " expect=" + std::to_string(h.expect_continue) + " header=" + DescribeHeader(h.header) +
         " trailer=" + DescribeHeader(h.trailer) + " body=\"" + Escape(m.body) +
         "\" end=" + std::to_string(m.end) + "}";
  }
  return s;
}

inline bool SameHeader(const Header& a, const Header& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
    if (i->key != j->key || i->value != j->value) return false;
  }
  return true;
}

inline bool SameHead(const MessageHead& a, const MessageHead& b) {
  return a.method == b.method && a.target == b.target && a.status_code == b.status_code &&
         a.reason == b.reason && a.proto_major == b.proto_major &&
         a.proto_minor == b.proto_minor && SameHeader(a.header, b.header) &&
         SameHeader(a.trailer, b.trailer) && a.content_length == b.content_length &&
         a.chunked == b.chunked && a.keep_alive == b.keep_alive &&
         a.expect_continue == b.expect_continue;
}

// SameRewrittenHead compares a head with the head of its canonical rewrite
// (Serialize): the same, except that the rewrite may keep alive what the
// original closed, since a close can come from the framing conflict the
// rewrite removes (Content-Length beside chunked: RFC 9112 §6.1).
inline bool SameRewrittenHead(const MessageHead& rewritten, const MessageHead& original) {
  MessageHead a = rewritten;
  a.keep_alive = original.keep_alive;
  return SameHead(a, original) && (rewritten.keep_alive || !original.keep_alive);
}

inline bool SameOutcome(const Outcome& a, const Outcome& b) {
  if (a.error != b.error || a.eof_complete != b.eof_complete ||
      a.messages.size() != b.messages.size()) {
    return false;
  }
  for (size_t i = 0; i < a.messages.size(); ++i) {
    const Message& x = a.messages[i];
    const Message& y = b.messages[i];
    if (!SameHead(x.head, y.head) || x.body != y.body || x.end != y.end) return false;
  }
  return true;
}

// CheckSame aborts, showing both outcomes, when two ways of feeding the
// same bytes disagree.
inline void CheckSame(const Outcome& want, const Outcome& got, const std::string& how) {
  FUZZ_CHECK_MSG(SameOutcome(want, got),
                 how + " differs from the whole input:\n  whole: " + Describe(want) +
                     "\n  " + how + ": " + Describe(got));
}

// CheckFreshParse: each message of a pipelined run parses the same on a
// fresh parser, from its own bytes alone. NextMessage must leave nothing of
// one message in the next (a field, a count, a limit), and no cut of the
// input can show that, since every cut inherits the same leftover.
inline void CheckFreshParse(std::string_view input, const Outcome& run, const Options& opt) {
  size_t start = 0;
  for (size_t i = 0; i < run.messages.size(); ++i) {
    const Message& m = run.messages[i];
    std::string_view own = input.substr(start, m.end - start);
    Options fresh = opt;
    fresh.use_sink = false;
    fresh.finish_at_end = i + 1 == run.messages.size() && run.eof_complete;
    Outcome alone = Feed(own, {own.size()}, fresh);
    FUZZ_CHECK_MSG(alone.error == ErrorCode::kOk && alone.messages.size() == 1 &&
                       SameHead(alone.messages[0].head, m.head) &&
                       alone.messages[0].body == m.body && alone.messages[0].end == own.size(),
                   "message " + std::to_string(i) + " alone (\"" + Escape(own) +
                       "\") parses as " + Describe(alone) + "\n  in the run: " + Describe(run));
    start = m.end;
  }
}

// MakeCuts returns the three cuts every parser target compares: whole, split
// at a point derived from the input, and one byte at a time.
struct Cuts {
  std::vector<size_t> whole, split, bytes;
  size_t cut = 0;
};

inline Cuts MakeCuts(size_t size, uint64_t hash) {
  Cuts c;
  c.whole = {size};
  c.cut = size == 0 ? 0 : static_cast<size_t>(hash % (size + 1));
  c.split = {c.cut, size - c.cut};
  c.bytes.assign(size, 1);
  return c;
}

// CheckFields checks what the parser promises about every field it hands
// out: a canonical token name and a trimmed value with no CTL but HTAB, so
// nothing downstream can be tricked into writing a CR or LF.
inline void CheckFields(const Header& h) {
  for (const auto& f : h) {
    // A line ": v" has an empty name: the parser skips it, as Go's
    // textproto does (fuzz_regressions_test "a field with an empty name
    // does not reach the Header"), so no Header ever holds an empty key.
    FUZZ_CHECK_MSG(!f.key.empty(), "a field with an empty name, value \"" + Escape(f.value) + "\"");
    FUZZ_CHECK_MSG(ValidHeaderFieldName(f.key), "field name \"" + Escape(f.key) + "\"");
    FUZZ_CHECK_MSG(CanonicalHeaderKey(f.key) == f.key, "not canonical: \"" + Escape(f.key) + "\"");
    FUZZ_CHECK_MSG(ValidHeaderFieldValue(f.value), "field value \"" + Escape(f.value) + "\"");
    FUZZ_CHECK_MSG(TrimOws(f.value) == f.value, "untrimmed value \"" + Escape(f.value) + "\"");
  }
}

// CheckHeadEnd: the head of a message that is not chunked ends right before
// its body, and it ends with an empty line: CRLF CRLF for a request (RFC
// 9112 §2.1; any other reading of where a request head ends is a smuggling
// seam with a proxy). Responses (crlf_only false) may end lines with a bare
// LF, as Go's client reads them (textproto), so only the empty line counts.
inline void CheckHeadEnd(std::string_view input, const Message& m, bool crlf_only) {
  if (m.head.chunked) return;  // the body's framing bytes are not in m.body
  FUZZ_CHECK(m.end >= m.body.size());
  std::string_view head = input.substr(0, m.end - m.body.size());
  FUZZ_CHECK(input.substr(head.size(), m.body.size()) == m.body);
  bool crlf = head.ends_with("\r\n\r\n");
  bool lf = head.ends_with("\n\n") || head.ends_with("\n\r\n");
  bool ok = crlf || (lf && !crlf_only);
  FUZZ_CHECK_MSG(ok, "a head ends with \"" +
                         Escape(head.substr(head.size() < 8 ? 0 : head.size() - 8)) + "\"");
}

// DeclaredLength reads a Content-Length value the way RFC 9110 §8.6 writes
// it (1*DIGIT, leading zeros allowed, as Go's ParseUint takes them); -1 when
// it is not that or does not fit 62 bits (the parser refuses more than 63).
inline int64_t DeclaredLength(std::string_view v) {
  if (v.empty()) return -1;
  while (v.size() > 1 && v.front() == '0') v.remove_prefix(1);
  if (v.size() > 18) return -1;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

// Serialize writes a parsed message back in canonical form: the same start
// line, fields and trailer, and the body framed as the head says (one chunk
// when chunked). Parsing it again must give the same message: what the
// parser accepted is what it understood, with nothing left to a second
// reading (the root of request smuggling).
// no_body: the message cannot have a body whatever its head says (a
// response to HEAD, 1xx, 204, 304), so none is written.
inline std::string Serialize(const Message& m, Http1Parser::Type type, bool no_body = false) {
  const MessageHead& h = m.head;
  std::string version =
      "HTTP/" + std::to_string(h.proto_major) + "." + std::to_string(h.proto_minor);
  std::string s;
  if (type == Http1Parser::Type::kRequest) {
    s = h.method + " " + h.target + " " + version + "\r\n";
  } else {
    char code[8];
    std::snprintf(code, sizeof code, "%03d", h.status_code);
    s = version + " " + code + " " + h.reason + "\r\n";
  }
  for (const auto& f : h.header) s += f.key + ": " + f.value + "\r\n";
  s += "\r\n";
  if (no_body) return s;
  if (h.chunked) {
    if (!m.body.empty()) {
      char size[24];
      std::snprintf(size, sizeof size, "%zx\r\n", m.body.size());
      s += size + m.body + "\r\n";
    }
    s += "0\r\n";
    for (const auto& f : h.trailer) s += f.key + ": " + f.value + "\r\n";
    s += "\r\n";
  } else {
    s += m.body;
  }
  return s;
}

// HeadSize is the size of the head Serialize wrote at the start of wire
// (its values hold no CR or LF, so the first empty line ends it), and
// TrailerSize that of the trailer section it wrote at the end of a
// chunked message's wire, the empty line included.
inline size_t HeadSize(std::string_view wire) {
  size_t end = wire.find("\r\n\r\n");
  FUZZ_CHECK(end != std::string_view::npos);
  return end + 4;
}

inline size_t TrailerSize(const MessageHead& h) {
  size_t n = 2;
  for (const auto& f : h.trailer) n += f.key.size() + 2 + f.value.size() + 2;
  return n;
}

// CrlfsIn returns the offsets of the CRLFs in wire[from, to).
inline std::vector<size_t> CrlfsIn(std::string_view wire, size_t from, size_t to) {
  std::vector<size_t> at;
  for (size_t i = wire.find("\r\n", from); i != std::string_view::npos && i + 2 <= to;
       i = wire.find("\r\n", i + 2)) {
    at.push_back(i);
  }
  return at;
}

// CheckEmptyName: a line with an empty field name (": v"), put in
// the head of a message's canonical form (and in its trailer, if it has
// one), is skipped in a response as Go's textproto skips it: the message
// parses exactly as without it. A request with one is malformed (RFC 9112
// §5: a field name is a token): 400, and no message (http1_parser_test
// "an empty field name is 400 in a request, skipped in a response").
inline void CheckEmptyName(const std::string& wire, const Message& want,
                                  const Options& opt, bool has_trailer, uint64_t hash) {
  static constexpr std::string_view kLines[] = {": x\r\n", ":\r\n", ":x y\r\n", ": \r\n"};
  std::string_view line = kLines[hash % 4];
  size_t head = HeadSize(wire);
  // After the start line or any field line, never after the empty line.
  std::vector<size_t> crlfs = CrlfsIn(wire, 0, head - 2);
  std::string with = wire;
  if (has_trailer) with.insert(with.size() - 2, line);  // before the trailer's empty line
  with.insert(crlfs[(hash >> 2) % crlfs.size()] + 2, line);
  Outcome o = Feed(with, {with.size()}, opt);
  if (opt.type == Http1Parser::Type::kRequest) {
    FUZZ_CHECK_MSG(o.error == ErrorCode::kBadRequest && o.messages.empty(),
                   "a request with an empty-name line, \"" + Escape(with) + "\", parses as " +
                       Describe(o));
    return;
  }
  FUZZ_CHECK_MSG(o.error == ErrorCode::kOk && o.messages.size() == 1 &&
                     SameHead(o.messages[0].head, want.head) && o.messages[0].body == want.body &&
                     o.messages[0].end == with.size(),
                 "with an empty-name line, \"" + Escape(with) + "\" parses as " + Describe(o) +
                     "\n  without it: " + Describe(Outcome{{want}, ErrorCode::kOk, {}, false}));
}

}  // namespace nethttp::fuzz

#endif  // NETHTTP_TESTS_FUZZ_PARSER_DRIVER_H_
