// What every fuzz target shares: FUZZ_CHECK, which turns a broken invariant
// into an abort that libFuzzer reports with the input, and the hash targets
// use to derive cut points and options from the input itself (so a crash
// file replays exactly, with no second input stream to keep).
#ifndef NETHTTP_TESTS_FUZZ_FUZZ_CHECK_H_
#define NETHTTP_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace nethttp::fuzz {

// Escape renders bytes as a C string literal body, so a report can be
// pasted into a regression test as it is.
inline std::string Escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
          // A hex escape swallows the hex digits after it; split the literal.
          out += "\"\"";
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

[[noreturn]] inline void Fail(const char* file, int line, const char* cond,
                              const std::string& why) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, cond);
  if (!why.empty()) std::fprintf(stderr, "  %s\n", why.c_str());
  std::fflush(stderr);
  std::abort();
}

// Hash is FNV-1a (64 bits): cheap, and any change to the input changes it.
inline uint64_t Hash(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace nethttp::fuzz

// FUZZ_CHECK(cond) aborts with the condition; FUZZ_CHECK_MSG adds a message
// (a std::string expression, only built when the check fails).
#define FUZZ_CHECK(cond)                                                      \
  do {                                                                        \
    if (!(cond)) ::nethttp::fuzz::Fail(__FILE__, __LINE__, #cond, {});        \
  } while (0)
#define FUZZ_CHECK_MSG(cond, msg)                                             \
  do {                                                                        \
    if (!(cond)) ::nethttp::fuzz::Fail(__FILE__, __LINE__, #cond, (msg));     \
  } while (0)

#endif  // NETHTTP_TESTS_FUZZ_FUZZ_CHECK_H_
