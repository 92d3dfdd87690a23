// ParseMediaType (Go: mime/mediatype.go and grammar.go): Content-Type and
// Content-Disposition values, with RFC 2231 parameters. Pure text, no I/O.
#include "nethttp/media_type.h"

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "internal/ascii.h"
#include "internal/media_type.h"
#include "nethttp/url.h"

namespace nethttp {
namespace {

// IsTSpecial is mime's isTSpecial: RFC 2045's tspecials.
bool IsTSpecial(char c) { return std::string_view(R"(()<>@,;:\"/[]?=)").find(c) != std::string_view::npos; }

bool IsMimeTokenByte(char c) { return c > 0x20 && c < 0x7f && !IsTSpecial(c); }

// ConsumeToken is mime's consumeToken: the token at the start of v and what
// follows it (an empty token when v does not start with one).
std::pair<std::string_view, std::string_view> ConsumeToken(std::string_view v) {
  size_t n = 0;
  while (n < v.size() && IsMimeTokenByte(v[n])) ++n;
  return {v.substr(0, n), v.substr(n)};
}

// ConsumeValue is mime's consumeValue: a token or a quoted-string. A
// backslash escapes only a tspecial; before anything else it is literal,
// because MSIE sends Windows paths ("C:\dev\x.txt") unescaped and no MIME
// writer escapes a plain character. An empty value with v unchanged means
// failure.
std::pair<std::string, std::string_view> ConsumeValue(std::string_view v) {
  if (v.empty()) return {"", v};
  if (v.front() != '"') {
    auto [token, rest] = ConsumeToken(v);
    return {std::string(token), rest};
  }
  std::string out;
  for (size_t i = 1; i < v.size(); ++i) {
    char c = v[i];
    if (c == '"') return {std::move(out), v.substr(i + 1)};
    if (c == '\\' && i + 1 < v.size() && IsTSpecial(v[i + 1])) {
      out.push_back(v[++i]);
      continue;
    }
    if (c == '\r' || c == '\n') return {"", v};
    out.push_back(c);
  }
  return {"", v};  // no closing quote
}

struct Param {
  std::string key;  // lowered; empty when v does not start with a parameter
  std::string value;
  std::string_view rest;
};

// ConsumeMediaParam is mime's consumeMediaParam: "; key = value".
Param ConsumeMediaParam(std::string_view v) {
  std::string_view rest = TrimLeftSpace(v);
  if (rest.empty() || rest.front() != ';') return {};
  auto [key, after_key] = ConsumeToken(TrimLeftSpace(rest.substr(1)));
  if (key.empty()) return {};
  rest = TrimLeftSpace(after_key);
  if (rest.empty() || rest.front() != '=') return {};
  rest = TrimLeftSpace(rest.substr(1));
  auto [value, after_value] = ConsumeValue(rest);
  if (value.empty() && after_value == rest) return {};
  return {ToLower(key), std::move(value), after_value};
}

// Decode2231 is mime's decode2231Enc: "charset'language'percent-encoded".
// Only utf-8 and us-ascii are understood; anything else is dropped.
std::optional<std::string> Decode2231(std::string_view v) {
  const size_t q1 = v.find('\'');
  if (q1 == std::string_view::npos) return std::nullopt;
  const size_t q2 = v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  const std::string charset = ToLower(v.substr(0, q1));
  if (charset != "us-ascii" && charset != "utf-8") return std::nullopt;
  Result<std::string> decoded = PathUnescape(v.substr(q2 + 1));
  if (!decoded.ok()) return std::nullopt;
  return std::move(*decoded);
}

// CheckMediaTypeDisposition is mime's: "type", or "type/subtype".
Error CheckMediaTypeDisposition(std::string_view s) {
  auto [type, rest] = ConsumeToken(s);
  if (type.empty()) return {ErrorCode::kInvalidArgument, "mime: no media type"};
  if (rest.empty()) return {};
  if (rest.front() != '/') return {ErrorCode::kInvalidArgument, "mime: expected slash after first token"};
  auto [subtype, after] = ConsumeToken(rest.substr(1));
  if (subtype.empty()) return {ErrorCode::kInvalidArgument, "mime: expected token after slash"};
  if (!after.empty()) return {ErrorCode::kInvalidArgument, "mime: unexpected content after media subtype"};
  return {};
}

// StitchContinuations joins the RFC 2231 pieces of one parameter: "key*"
// alone (encoded), or "key*0", "key*1*", ... numbered from 0 without gaps,
// where a starred piece is percent-encoded and the first names the charset.
std::optional<std::string> StitchContinuations(const std::string& key,
                                               const std::map<std::string, std::string>& pieces) {
  if (auto it = pieces.find(key + "*"); it != pieces.end()) return Decode2231(it->second);
  std::string out;
  bool valid = false;
  for (int n = 0;; ++n) {
    const std::string simple = key + "*" + std::to_string(n);
    if (auto it = pieces.find(simple); it != pieces.end()) {
      valid = true;
      out += it->second;
      continue;
    }
    auto it = pieces.find(simple + "*");
    if (it == pieces.end()) break;
    valid = true;
    if (n == 0) {
      if (std::optional<std::string> first = Decode2231(it->second)) out += *first;
    } else if (Result<std::string> piece = PathUnescape(it->second); piece.ok()) {
      out += *piece;
    }
  }
  if (!valid) return std::nullopt;
  return out;
}

}  // namespace

bool IsMimeToken(std::string_view s) { return !s.empty() && ConsumeToken(s).second.empty(); }

Result<MediaType> ParseMediaType(std::string_view v) {
  const std::string_view base = v.substr(0, v.find(';'));
  MediaType out;
  out.type = ToLower(TrimSpace(base));
  if (Error err = CheckMediaTypeDisposition(out.type)) return err;

  // Parameters with a '*' in their name, by the name before it: RFC 2231
  // pieces, put together once all are read since they may come in any order.
  std::map<std::string, std::map<std::string, std::string>> continuations;
  v.remove_prefix(base.size());
  while (!(v = TrimLeftSpace(v)).empty()) {
    Param p = ConsumeMediaParam(v);
    if (p.key.empty()) {
      if (TrimSpace(v) == ";") break;  // a trailing semicolon is not an error
      return Error(ErrorCode::kInvalidArgument, "mime: invalid media parameter");
    }
    const size_t star = p.key.find('*');
    auto& into = star == std::string::npos ? out.params : continuations[p.key.substr(0, star)];
    if (into.contains(p.key)) return Error(ErrorCode::kInvalidArgument, "mime: duplicate parameter name");
    into.emplace(std::move(p.key), std::move(p.value));
    v = p.rest;
  }
  for (const auto& [key, pieces] : continuations) {
    if (std::optional<std::string> value = StitchContinuations(key, pieces)) out.params[key] = std::move(*value);
  }
  return out;
}

}  // namespace nethttp
