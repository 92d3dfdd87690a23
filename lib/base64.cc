// Base64 (RFC 4648 §4) with Go's StdEncoding rules. Pure bytes.
#include "internal/base64.h"

#include <array>
#include <cstdint>

namespace nethttp {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// kDecode maps a byte to its 6-bit value, or 0xFF outside the alphabet.
constexpr std::array<uint8_t, 256> kDecode = [] {
  std::array<uint8_t, 256> t{};
  t.fill(0xFF);
  for (size_t i = 0; i < kAlphabet.size(); ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<uint8_t>(i);
  return t;
}();

}  // namespace

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = static_cast<uint8_t>(in[i]) << 16 | static_cast<uint8_t>(in[i + 1]) << 8 |
                       static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (const size_t left = in.size() - i; left > 0) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (left == 2) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += left == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  int have = 0;     // 6-bit groups in the current quantum
  int padding = 0;  // '=' seen; once one is, only '=' (and CR/LF) may follow
  for (char c : in) {
    if (c == '\r' || c == '\n') continue;
    if (c == '=') {
      // Padding fills a quantum of 2 or 3 groups; it cannot start one.
      if (have + padding < 2) return std::nullopt;
      if (++padding + have > 4) return std::nullopt;
      continue;
    }
    const uint8_t v = kDecode[static_cast<unsigned char>(c)];
    if (v == 0xFF || padding > 0) return std::nullopt;
    acc = acc << 6 | v;
    if (++have == 4) {
      out += static_cast<char>(acc >> 16);
      out += static_cast<char>(acc >> 8);
      out += static_cast<char>(acc);
      acc = 0;
      have = 0;
    }
  }
  if (have == 0 && padding == 0) return out;
  if (have + padding != 4) return std::nullopt;  // a short final quantum
  acc <<= 6 * padding;
  out += static_cast<char>(acc >> 16);
  if (have == 3) out += static_cast<char>(acc >> 8);
  return out;
}

}  // namespace nethttp
