// The request line's exact grammar (RFC 9112 §3), checked ahead of llhttp.
// llhttp 8.1 takes runs of spaces between the three parts, and it reports
// a malformed version the same way as an unsupported one; both decide who
// frames what behind a proxy, so the grammar is ours. Go: parseRequestLine.
#include "internal/request_line.h"

#include <array>
#include <cstring>

#include "internal/ascii.h"

namespace nethttp {
namespace {

// IsTargetByte: any byte of a request-target but the separators and
// controls. What the URI grammar allows beyond that is llhttp's and
// ParseRequestURI's to judge; here only the line's shape is at stake.
constexpr auto kTargetByte = [] {
  std::array<bool, 256> t{};
  for (int c = 0x21; c < 0x7f; ++c) t[c] = true;
  for (int c = 0x80; c < 0x100; ++c) t[c] = true;
  return t;
}();

constexpr std::string_view kHttpName = "HTTP/";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

size_t RequestLineScanner::Fail(ErrorCode code, const char* message, size_t used) {
  state_ = State::kFailed;
  error_ = Error(code, message);
  return used;
}

size_t RequestLineScanner::Scan(std::string_view data) {
  const char* const begin = data.data();
  const char* const end = begin + data.size();
  const char* p = begin;
  if (state_ == State::kStart) {
    // The common case: a whole line in one read, with no leading CRLF.
    // Straight-line loops here, the state machine below for the rest.
    const char* q = p;
    while (q < end && IsTokenByte(*q)) ++q;
    if (q != p && end - q > 1 && *q == ' ') {
      const char* target = ++q;
      while (q < end && kTargetByte[static_cast<unsigned char>(*q)]) ++q;
      auto n = static_cast<size_t>(q - target);
      if (n != 0 && n <= max_target_bytes_ && end - q >= 11 && *q == ' ' &&
          std::memcmp(q + 1, "HTTP/1.", 7) == 0 && (q[8] == '1' || q[8] == '0') && q[9] == '\r' &&
          q[10] == '\n') {
        state_ = State::kDone;
        return static_cast<size_t>(q + 11 - begin);
      }
    }
  }
  while (p < end) {
    switch (state_) {
      case State::kStart:
        if (*p == '\r' || *p == '\n') {
          ++p;
          continue;
        }
        if (!IsTokenByte(*p)) return Fail(ErrorCode::kBadRequest, "http: malformed request line: bad method", static_cast<size_t>(p - begin));
        state_ = State::kMethod;
        continue;
      case State::kMethod:
        while (p < end && IsTokenByte(*p)) ++p;
        if (p == end) return static_cast<size_t>(p - begin);
        // RFC 9112 §3: exactly one SP; tabs, runs of spaces and other
        // whitespace are the lenient parsing §3 warns a proxy may not share.
        if (*p != ' ') return Fail(ErrorCode::kBadRequest, "http: malformed request line: bad method", static_cast<size_t>(p - begin));
        ++p;
        state_ = State::kTarget0;
        continue;
      case State::kTarget0:
        if (*p == ' ') return Fail(ErrorCode::kBadRequest, "http: malformed request line: more than one space", static_cast<size_t>(p - begin));
        if (!kTargetByte[static_cast<unsigned char>(*p)]) {
          return Fail(ErrorCode::kBadRequest, "http: malformed request line: bad request-target", static_cast<size_t>(p - begin));
        }
        state_ = State::kTarget;
        continue;
      case State::kTarget: {
        const char* start = p;
        while (p < end && kTargetByte[static_cast<unsigned char>(*p)]) ++p;
        target_bytes_ += static_cast<size_t>(p - start);
        if (target_bytes_ > max_target_bytes_) {
          // Fail at the first byte past the limit, wherever the reads split.
          p -= target_bytes_ - max_target_bytes_;
          return Fail(ErrorCode::kUriTooLong, "http: request-target too long", static_cast<size_t>(p - begin));
        }
        if (p == end) return static_cast<size_t>(p - begin);
        if (*p != ' ') {
          // A CR or LF here is a line without a version (HTTP/0.9's form,
          // which RFC 9112 no longer defines): malformed, not unsupported.
          return Fail(ErrorCode::kBadRequest, "http: malformed request line: bad request-target", static_cast<size_t>(p - begin));
        }
        ++p;
        state_ = State::kVersion;
        continue;
      }
      case State::kVersion: {
        char c = *p;
        bool ok = version_pos_ < kHttpName.size() ? c == kHttpName[version_pos_]
                  : version_pos_ == 6           ? c == '.'
                                                : IsDigit(c);
        if (!ok) return Fail(ErrorCode::kBadRequest, "http: malformed request line: bad HTTP version", static_cast<size_t>(p - begin));
        if (version_pos_ == 5) major_ = c;
        if (version_pos_ == 7) {
          minor_ = c;
          state_ = State::kCr;
        }
        ++version_pos_;
        ++p;
        continue;
      }
      case State::kCr:
        // A bare CR, or anything else after the version, is malformed.
        if (*p != '\r') return Fail(ErrorCode::kBadRequest, "http: malformed request line: bad HTTP version", static_cast<size_t>(p - begin));
        ++p;
        state_ = State::kLf;
        continue;
      case State::kLf:
        if (*p != '\n') return Fail(ErrorCode::kBadRequest, "http: malformed request line: bare CR", static_cast<size_t>(p - begin));
        ++p;
        // RFC 9110 §6.2 / §15.6.6: 505 is for a major version we do not
        // speak. A 1.x above 1.1 is refused too, since llhttp 8.1 cannot
        // parse it (Go serves it as 1.x); pinned by http1_parser_test
        // "version 1.2 is refused".
        if (major_ != '1' || (minor_ != '0' && minor_ != '1')) {
          return Fail(ErrorCode::kVersionNotSupported, "http: unsupported protocol version", static_cast<size_t>(p - begin));
        }
        state_ = State::kDone;
        return static_cast<size_t>(p - begin);
      case State::kDone:
      case State::kFailed:
        return static_cast<size_t>(p - begin);
    }
  }
  return static_cast<size_t>(p - begin);
}

}  // namespace nethttp
