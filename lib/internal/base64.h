// Base64 in the standard alphabet with padding (RFC 4648 §4; Go:
// base64.StdEncoding), for Basic credentials.
#ifndef NETHTTP_INTERNAL_BASE64_H_
#define NETHTTP_INTERNAL_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace nethttp {

std::string Base64Encode(std::string_view in);

// Base64Decode decodes as Go's StdEncoding.DecodeString does: padding is
// required and '=' may only end the input; CR and LF are skipped; any
// other byte outside the alphabet fails. Bits left over in the last
// quantum are ignored (StdEncoding is not Strict). OpenSSL's
// EVP_DecodeBlock would accept "Q=I=", hence this decoder.
std::optional<std::string> Base64Decode(std::string_view in);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_BASE64_H_
