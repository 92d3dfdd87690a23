// Framing rules on byte strings (Go: transfer.go). See internal/transfer.h.
#include "internal/transfer.h"

#include <algorithm>
#include <array>

#include "internal/ascii.h"

namespace nethttp {

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
