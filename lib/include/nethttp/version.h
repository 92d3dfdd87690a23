// The library's version, for --version output and diagnostics.
#ifndef NETHTTP_VERSION_H_
#define NETHTTP_VERSION_H_

#include <string_view>

namespace nethttp {

inline constexpr std::string_view kVersion = "0.1.0";

}  // namespace nethttp

#endif  // NETHTTP_VERSION_H_
