// URL is the subset of Go's net/url this library needs: absolute http URLs
// for the client, request targets ("/path?query") for the server, and
// reference resolution for redirects.
#ifndef NETHTTP_URL_H_
#define NETHTTP_URL_H_

#include <string>
#include <string_view>

#include "nethttp/error.h"
#include "nethttp/values.h"

namespace nethttp {

struct URL {
  // Every member has a default initializer so that designated initializers
  // (URL{.scheme = "http", .host = "x"}) leave the rest empty without
  // -Wmissing-field-initializers.
  std::string scheme{};        // "http", lower case; empty for a request target
  // user is the encoded userinfo without the '@': "name" or "name:password",
  // escaped as Go's Userinfo.String does; "" when absent. Unlike Go, an
  // empty userinfo ("http://@host/") is the same as none: String drops the
  // '@' (pinned by url_test "an empty userinfo is dropped").
  std::string user{};
  std::string host{};          // "example.com", "example.com:8080", "[::1]:80"
  std::string path{};          // decoded path, e.g. "/a b"
  std::string raw_path{};      // the encoded path when it differs from the default encoding of path
  std::string raw_query{};     // encoded query, without '?'
  std::string fragment{};      // decoded fragment, without '#'
  // The fields below complete Go's URL so that Parse/String round-trip every
  // URL Go's do; an http URL leaves them empty.
  std::string opaque{};        // encoded opaque data: "mailto:x@y" has opaque "x@y"
  std::string raw_fragment{};  // the encoded fragment when it differs from the default encoding
  bool force_query = false;    // a '?' with an empty query ("/p?") is kept by String
  bool omit_host = false;      // "scheme:/path" has no "//" authority to write back

  // Username and Password return the decoded parts of user ("" when absent).
  std::string Username() const;
  std::string Password() const;
  // Hostname returns host without the port, and without brackets for IPv6.
  std::string Hostname() const;
  // Port returns the port from host, or "" when there is none.
  std::string Port() const;
  // EscapedPath returns the path in encoded form (raw_path when valid).
  std::string EscapedPath() const;
  // EscapedFragment returns the fragment in encoded form (raw_fragment when valid).
  std::string EscapedFragment() const;
  // RequestURI returns the encoded "path?query" for a request line; "/" when
  // the path is empty.
  std::string RequestURI() const;
  // Query parses raw_query and returns the pairs that decode, skipping
  // malformed ones (Go: URL.Query); ParseQuery reports them instead.
  Values Query() const;
  // String reassembles the URL in encoded form.
  std::string String() const;
  // IsAbs reports whether the URL has a scheme.
  bool IsAbs() const { return !scheme.empty(); }
  // ResolveReference resolves ref against this URL per RFC 3986 §5.2.
  URL ResolveReference(const URL& ref) const;
};

// Parse parses an absolute or relative URL (Go: url.Parse).
Result<URL> Parse(std::string_view raw);

// ParseRequestURI parses a request-target as received in a request line:
// origin-form "/path?q", absolute-form "http://host/path", or "*"
// (Go: url.ParseRequestURI).
Result<URL> ParseRequestURI(std::string_view raw);

// PathUnescape decodes %XX sequences; it fails on malformed escapes.
Result<std::string> PathUnescape(std::string_view s);
// QueryUnescape is PathUnescape that also turns '+' into ' ' (form encoding).
Result<std::string> QueryUnescape(std::string_view s);
// PathEscape / QueryEscape encode s for a path segment or a query component.
std::string PathEscape(std::string_view s);
std::string QueryEscape(std::string_view s);

}  // namespace nethttp

#endif  // NETHTTP_URL_H_
