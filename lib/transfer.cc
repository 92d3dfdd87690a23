// Framing rules on byte strings (Go: transfer.go). See internal/transfer.h.
#include "internal/transfer.h"

#include <algorithm>
#include <array>

#include "internal/ascii.h"
#include "nethttp/status.h"

namespace nethttp {

using namespace std::string_view_literals;

void AppendHex(size_t n, std::string* out) {
  constexpr char kHex[] = "0123456789abcdef";
  char buf[2 * sizeof n];
  int i = sizeof buf;
  do {
    buf[--i] = kHex[n & 15];
    n >>= 4;
  } while (n != 0);
  out->append(buf + i, sizeof buf - static_cast<size_t>(i));
}

void AppendChunk(std::string* out, std::string_view data) {
  if (data.empty()) return;
  AppendHex(data.size(), out);
  out->append("\r\n"sv).append(data).append("\r\n"sv);
}

bool RequestIsLast(int proto_major, int proto_minor, std::string_view connection) {
  if (proto_major == 1 && proto_minor == 0) return !HasToken(connection, "keep-alive");
  return HasToken(connection, "close");
}

int ServerStatusForError(const Error& err) {
  switch (err.code()) {
    case ErrorCode::kHeaderTooLarge: return StatusRequestHeaderFieldsTooLarge;
    case ErrorCode::kUriTooLong: return StatusRequestURITooLong;
    case ErrorCode::kBodyTooLarge: return StatusRequestEntityTooLarge;
    case ErrorCode::kUnsupportedTransferEncoding: return StatusNotImplemented;
    case ErrorCode::kVersionNotSupported: return StatusHTTPVersionNotSupported;
    case ErrorCode::kExpectationFailed: return StatusExpectationFailed;
    default: return StatusBadRequest;
  }
}

void AppendErrorResponse(std::string* out, const Error& err) {
  int code = ServerStatusForError(err);
  std::string_view text = StatusText(code);
  std::string body = std::to_string(code);
  body.append(" "sv).append(text);
  if (code == StatusBadRequest) body.append(": "sv).append(err.message());
  out->append("HTTP/1.1 "sv).append(std::to_string(code)).append(" "sv).append(text);
  out->append("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
              "Content-Length: "sv);
  out->append(std::to_string(body.size())).append("\r\n\r\n"sv).append(body);
}

TransferCoding ClassifyTransferEncoding(std::string_view value) {
  std::string_view v = TrimOws(value);
  if (EqualFold(v, "chunked")) return TransferCoding::kChunked;
  if (!v.empty() && std::all_of(v.begin(), v.end(), IsTokenByte)) return TransferCoding::kUnsupported;
  return TransferCoding::kMalformed;
}

bool AllowedInTrailer(std::string_view key) {
  // Go 1.19 transfer.go badTrailer, in canonical form; sorted for the search.
  static constexpr std::array<std::string_view, 21> kForbidden = {
      "Authorization",     "Cache-Control",     "Connection",          "Content-Encoding",
      "Content-Length",    "Content-Range",     "Content-Type",        "Expect",
      "Host",              "Keep-Alive",        "Max-Forwards",        "Pragma",
      "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "Range",
      "Realm",             "Te",                "Trailer",             "Transfer-Encoding",
      "Www-Authenticate",
  };
  static_assert(std::is_sorted(kForbidden.begin(), kForbidden.end()));
  return !std::binary_search(kForbidden.begin(), kForbidden.end(), key);
}

}  // namespace nethttp
