// ASCII helpers for protocol text (Go: internal/ascii and textproto's
// TrimString). Header names and tokens are ASCII; locale never applies.
#ifndef NETHTTP_INTERNAL_ASCII_H_
#define NETHTTP_INTERNAL_ASCII_H_

#include <array>
#include <string>
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

// ToLower maps an ASCII upper-case letter to lower case and leaves every
// other byte alone (Go: the ASCII branch of strings.ToLower and of
// unicode.ToLower). Scheme, host, method and field names are all lowered
// this way; a locale's tolower is never right for protocol text.
inline char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// ToLowerInPlace lowers each ASCII letter of s.
inline void ToLowerInPlace(std::string& s) {
  for (char& c : s) c = ToLower(c);
}

// ToLower returns s with each ASCII letter lowered (Go: strings.ToLower on
// ASCII input).
inline std::string ToLower(std::string_view s) {
  std::string out(s);
  ToLowerInPlace(out);
  return out;
}

// AsciiToLower is Go's internal/ascii.ToLower: s lowered into *out, and
// false (as Go's ok) when s has a byte outside printable ASCII (0x20-0x7e),
// which callers use to skip a cookie attribute or domain Go would skip.
inline bool AsciiToLower(std::string_view s, std::string* out) {
  out->clear();
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
    out->push_back(ToLower(c));
  }
  return true;
}

// EqualFold reports whether a and b are equal ignoring ASCII case.
inline bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
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

// TrimString strips ASCII space, tab, CR and LF from both ends (Go:
// textproto.TrimString, used on header values and cookie lines).
inline std::string_view TrimString(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// IsSpace is Go's unicode.IsSpace restricted to ASCII: space, \t, \n,
// \v, \f, \r. strings.TrimSpace and the mime grammar trim with it.
inline bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

inline std::string_view TrimLeftSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

// TrimSpace is Go's strings.TrimSpace on ASCII whitespace.
inline std::string_view TrimSpace(std::string_view s) {
  s = TrimLeftSpace(s);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// ForEachListItem calls f with each item of the comma-separated list v
// (RFC 9110 §5.6.1), trimmed of the whitespace around it; empty items,
// which the list syntax allows, are skipped.
template <typename F>
inline void ForEachListItem(std::string_view v, F&& f) {
  while (!v.empty()) {
    size_t comma = v.find(',');
    std::string_view item = TrimOws(v.substr(0, comma));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
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
