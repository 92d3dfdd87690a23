// Request method names as Go spells them (net/http/method.go).
#ifndef NETHTTP_METHOD_H_
#define NETHTTP_METHOD_H_

#include <string_view>

namespace nethttp {

inline constexpr std::string_view MethodGet = "GET";
inline constexpr std::string_view MethodHead = "HEAD";
inline constexpr std::string_view MethodPost = "POST";
inline constexpr std::string_view MethodPut = "PUT";
inline constexpr std::string_view MethodPatch = "PATCH";
inline constexpr std::string_view MethodDelete = "DELETE";
inline constexpr std::string_view MethodConnect = "CONNECT";
inline constexpr std::string_view MethodOptions = "OPTIONS";
inline constexpr std::string_view MethodTrace = "TRACE";

}  // namespace nethttp

#endif  // NETHTTP_METHOD_H_
