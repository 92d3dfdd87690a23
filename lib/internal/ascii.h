// ASCII helpers for protocol text (Go: internal/ascii and textproto's
// TrimString). Header names and tokens are ASCII; locale never applies.
#ifndef NETHTTP_INTERNAL_ASCII_H_
#define NETHTTP_INTERNAL_ASCII_H_

#include <string_view>

namespace nethttp {

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
