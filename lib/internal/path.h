// CleanPath is Go's path.Clean: the shortest path equivalent to p, by
// dropping empty and "." elements and resolving ".." lexically, never above
// the root. Sans-I/O; used by serve_mux.cc and handler.cc.
#ifndef NETHTTP_INTERNAL_PATH_H_
#define NETHTTP_INTERNAL_PATH_H_

#include <string>
#include <string_view>

namespace nethttp {

std::string CleanPath(std::string_view p);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_PATH_H_
