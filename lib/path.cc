// CleanPath, Go's path.Clean, shared by the mux (which redirects unclean
// request paths) and Redirect (which cleans a relative target).
#include "internal/path.h"

namespace nethttp {

std::string CleanPath(std::string_view p) {
  if (p.empty()) return ".";
  const bool rooted = p.front() == '/';
  std::string out;
  out.reserve(p.size());
  size_t r = 0;
  size_t dotdot = 0;  // where ".." must stop backtracking
  if (rooted) {
    out.push_back('/');
    r = dotdot = 1;
  }
  const size_t n = p.size();
  while (r < n) {
    if (p[r] == '/') {
      ++r;
    } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
      ++r;
    } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
      r += 2;
      if (out.size() > dotdot) {
        // Go: backtrack to the last '/' (or dotdot) and cut there.
        size_t w = out.size() - 1;
        while (w > dotdot && out[w] != '/') --w;
        out.resize(w);
      } else if (!rooted) {
        if (!out.empty()) out.push_back('/');
        out.append("..");
        dotdot = out.size();
      }
    } else {
      if ((rooted && out.size() != 1) || (!rooted && !out.empty())) out.push_back('/');
      for (; r < n && p[r] != '/'; ++r) out.push_back(p[r]);
    }
  }
  if (out.empty()) return ".";
  return out;
}

}  // namespace nethttp
