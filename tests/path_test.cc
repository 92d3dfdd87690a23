// Tests for lib/path.cc: CleanPath against Go's path.Clean table
// (go/src/path/path_test.go, cleantests), plus the rooted cases the mux and
// Redirect lean on. Go's cleanPath (net/http, trailing slash kept) is not
// here: it is serve_mux.cc's CleanMuxPath, tested through serve_mux_test.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "internal/path.h"

using nethttp::CleanPath;

namespace {

struct Case {
  std::string_view path;
  std::string_view want;
};

// Go's cleantests, verbatim and in Go's order.
constexpr Case kGoCleanTests[] = {
    // Already clean
    {"", "."},
    {"abc", "abc"},
    {"abc/def", "abc/def"},
    {"a/b/c", "a/b/c"},
    {".", "."},
    {"..", ".."},
    {"../..", "../.."},
    {"../../abc", "../../abc"},
    {"/abc", "/abc"},
    {"/", "/"},

    // Remove trailing slash
    {"abc/", "abc"},
    {"abc/def/", "abc/def"},
    {"a/b/c/", "a/b/c"},
    {"./", "."},
    {"../", ".."},
    {"../../", "../.."},
    {"/abc/", "/abc"},

    // Remove doubled slash
    {"abc//def//ghi", "abc/def/ghi"},
    {"//abc", "/abc"},
    {"///abc", "/abc"},
    {"//abc//", "/abc"},
    {"abc//", "abc"},

    // Remove . elements
    {"abc/./def", "abc/def"},
    {"/./abc/def", "/abc/def"},
    {"abc/.", "abc"},

    // Remove .. elements
    {"abc/def/ghi/../jkl", "abc/def/jkl"},
    {"abc/def/../ghi/../jkl", "abc/jkl"},
    {"abc/def/..", "abc"},
    {"abc/def/../..", "."},
    {"/abc/def/../..", "/"},
    {"abc/def/../../..", ".."},
    {"/abc/def/../../..", "/"},
    {"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},

    // Combinations
    {"abc/./../def", "def"},
    {"abc//./../def", "def"},
    {"abc/../../././../def", "../../def"},
};

// Ours: request paths as the mux sees them (always rooted), where ".." must
// stop at the root so that no request can name a path above it, and names
// that merely start with dots are ordinary elements.
constexpr Case kRootedCases[] = {
    {"/..", "/"},
    {"/../", "/"},
    {"/../../etc/passwd", "/etc/passwd"},
    {"/a/../../b", "/b"},
    {"/./", "/"},
    {"//", "/"},
    {"/a/b/c/../../../..", "/"},
    {"/...", "/..."},
    {"/..a/b", "/..a/b"},
    {"/a../b", "/a../b"},
    {"/.hidden/./x", "/.hidden/x"},
    {"/a/./b/../c/", "/a/c"},
    {"/%2e%2e/x", "/%2e%2e/x"},  // escapes are not decoded here: the mux cleans the decoded path
    {"..a", "..a"},
    {"a/..b/..", "a"},
};

}  // namespace

TEST_SUITE("path") {
  TEST_CASE("CleanPath matches Go's path.Clean table, and is idempotent") {
    for (const Case& c : kGoCleanTests) {
      CAPTURE(c.path);
      CHECK(CleanPath(c.path) == c.want);
      // Go's TestClean: a clean path cleans to itself.
      CHECK(CleanPath(c.want) == c.want);
    }
  }

  TEST_CASE("CleanPath never climbs above the root of a rooted path") {
    for (const Case& c : kRootedCases) {
      CAPTURE(c.path);
      CHECK(CleanPath(c.path) == c.want);
      CHECK(CleanPath(c.want) == c.want);
    }
  }

  TEST_CASE("CleanPath reads only its view, not up to a terminator beyond it") {
    // The input is a view into a longer string: a '.' or '/' right past its
    // end must not change the answer (p[r + 1] at the last byte reads past
    // the view otherwise; ASan in the asan build, a wrong answer here).
    const std::string backing = "/a/b/..";
    CHECK(CleanPath(std::string_view(backing).substr(0, 5)) == "/a/b");  // "/a/b/"
    CHECK(CleanPath(std::string_view(backing).substr(0, 6)) == "/a/b");  // "/a/b/."
    CHECK(CleanPath(std::string_view(backing).substr(0, 7)) == "/a");    // "/a/b/.."
  }
}
