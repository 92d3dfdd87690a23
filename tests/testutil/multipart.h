// multipart/byteranges read back part by part, as Go's tests read it with
// mime/multipart.Reader: the 206 answer to several ranges (RFC 9110
// §14.6). For file_server_test.cc and e2e/pingd_static_test.cc; and Crlf,
// for the multipart/form-data tests.
#ifndef NETHTTP_TESTS_TESTUTIL_MULTIPART_H_
#define NETHTTP_TESTS_TESTUTIL_MULTIPART_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nethttp::testutil {

// Crlf turns every "\n" of s into "\r\n": Go's multipart tests write their
// messages with bare newlines and convert them the same way.
inline std::string Crlf(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// Part is one part of a multipart/byteranges body: its two fields and bytes.
struct Part {
  std::string content_range;
  std::string content_type;
  std::string body;
};

// Boundary is the boundary of a multipart/byteranges Content-Type, "" for
// any other type.
inline std::string Boundary(std::string_view content_type) {
  constexpr std::string_view kPrefix = "multipart/byteranges; boundary=";
  if (!content_type.starts_with(kPrefix)) return {};
  return std::string(content_type.substr(kPrefix.size()));
}

// ParseParts splits a multipart/byteranges body (RFC 9110 §14.6, RFC 2046
// §5.1.1: "--boundary" CRLF, part head, CRLF, bytes, CRLF "--boundary" ...
// "--boundary--" CRLF) into its parts; nullopt, with *why, when it is not
// well formed.
inline std::optional<std::vector<Part>> ParseParts(std::string_view body, std::string_view boundary, std::string* why) {
  const std::string delim = "--" + std::string(boundary);
  std::vector<Part> parts;
  if (!body.starts_with(delim)) {
    *why = "the body does not start with the boundary";
    return std::nullopt;
  }
  size_t pos = delim.size();
  for (;;) {
    std::string_view rest = body.substr(pos);
    if (rest == "--\r\n") return parts;
    if (!rest.starts_with("\r\n")) {
      *why = "no CRLF after a boundary at " + std::to_string(pos);
      return std::nullopt;
    }
    size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) {
      *why = "a part head without its end";
      return std::nullopt;
    }
    Part p;
    for (size_t line = pos + 2; line < head_end + 2;) {
      size_t eol = body.find("\r\n", line);
      std::string_view l = body.substr(line, eol - line);
      size_t colon = l.find(": ");
      if (colon == std::string_view::npos) {
        *why = "a malformed part header: " + std::string(l);
        return std::nullopt;
      }
      std::string_view k = l.substr(0, colon), v = l.substr(colon + 2);
      if (k == "Content-Range") p.content_range = v;
      if (k == "Content-Type") p.content_type = v;
      line = eol + 2;
    }
    size_t next = body.find("\r\n" + delim, head_end + 4);
    if (next == std::string_view::npos) {
      *why = "a part without the boundary after it";
      return std::nullopt;
    }
    p.body = body.substr(head_end + 4, next - head_end - 4);
    parts.push_back(std::move(p));
    pos = next + 2 + delim.size();
  }
}

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_MULTIPART_H_
