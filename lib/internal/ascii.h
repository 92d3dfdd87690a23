// ASCII helpers for protocol text (Go: internal/ascii and textproto's
// TrimString). Header names and tokens are ASCII; locale never applies.
#ifndef NETHTTP_INTERNAL_ASCII_H_
#define NETHTTP_INTERNAL_ASCII_H_

#include <array>
#include <string_view>

namespace nethttp {

// kTokenByte marks the RFC 9110 §5.6.2 tchar bytes: "!#$%&'*+-.^_`|~",
// DIGIT and ALPHA (Go: isTokenTable in net/http/lex.go). A table, since
// every method and field name goes through it.
inline constexpr std::array<bool, 256> kTokenByte = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (unsigned char c : std::string_view("!#$%&'*+-.^_`|~")) t[c] = true;
  return t;
}();

// IsTokenByte reports whether c may appear in a token (a method, a field
// name, a transfer coding).
inline bool IsTokenByte(char c) { return kTokenByte[static_cast<unsigned char>(c)]; }

// EqualFold reports whether a and b are equal ignoring ASCII case.
inline bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// TrimOws strips optional whitespace (SP and HTAB, RFC 9110 §5.6.3) from
// both ends.
inline std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// HasToken reports whether the comma-separated list v holds token, ignoring
// ASCII case and the whitespace around each item (Go's hasToken, as used
// on Connection and Expect).
inline bool HasToken(std::string_view v, std::string_view token) {
  while (!v.empty()) {
    size_t comma = v.find(',');
    if (EqualFold(TrimOws(v.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_ASCII_H_
