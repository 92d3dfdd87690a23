// Splitting "host:port" (Go: net.SplitHostPort in net/ipsock.go). Our
// callers need rules that agree on well-formed input and differ on the
// rest, so there are three, each named for how it differs:
//  - SplitHostPort (here) is net.SplitHostPort, strict: the mux's host
//    patterns (Go: stripHostPort) and the cookie jar's canonical host.
//  - SplitHostOptionalPort (here) is the Transport's, for a URL's host when
//    building the pool key: the port may be missing (the scheme's default
//    fills it in), a malformed host is an error rather than a dial.
//  - url.cc's SplitURLHostPort is net/url's splitHostPort behind
//    URL::Hostname and URL::Port: it never fails.
// server.cc's ResolveListenAddr keeps a split of its own, laxer than
// Go's net.Listen; its comment says why.
// Sans-I/O: byte strings only.
#ifndef NETHTTP_INTERNAL_HOST_PORT_H_
#define NETHTTP_INTERNAL_HOST_PORT_H_

#include <string>
#include <string_view>

namespace nethttp {

// SplitHostPort is Go's net.SplitHostPort: "host:port", "[host]:port" or
// "[host%zone]:port" into host (brackets removed) and port. It returns
// false, with Go's reason in *why when why is not null ("missing port in
// address", "too many colons in address", "missing ']' in address",
// "unexpected '[' in address", "unexpected ']' in address"), for anything
// else; host and port then are unchanged.
//
// Inline: the mux calls it for every request, and inlined with why null it
// costs what serve_mux.cc's own copy did (callgrind).
inline bool SplitHostPort(std::string_view hostport, std::string_view* host, std::string_view* port,
                          std::string_view* why = nullptr) {
  auto fail = [why](std::string_view reason) {
    if (why != nullptr) *why = reason;
    return false;
  };
  // The port starts after the last colon.
  const size_t colon = hostport.rfind(':');
  if (colon == std::string_view::npos) return fail("missing port in address");
  std::string_view h;
  size_t j = 0;  // there can't be a '[' before j, nor a ']' before k
  size_t k = 0;
  if (hostport.front() == '[') {
    // Expect the first ']' just before the last ':'.
    const size_t end = hostport.find(']');
    if (end == std::string_view::npos) return fail("missing ']' in address");
    if (end + 1 == hostport.size()) return fail("missing port in address");
    if (end + 1 != colon) {
      // Either ']' isn't followed by a colon, or it is followed by a
      // colon that is not the last one.
      return fail(hostport[end + 1] == ':' ? "too many colons in address" : "missing port in address");
    }
    h = hostport.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    h = hostport.substr(0, colon);
    if (h.find(':') != std::string_view::npos) return fail("too many colons in address");
  }
  if (hostport.find('[', j) != std::string_view::npos) return fail("unexpected '[' in address");
  if (hostport.find(']', k) != std::string_view::npos) return fail("unexpected ']' in address");
  *host = h;
  *port = hostport.substr(colon + 1);
  return true;
}

// SplitHostOptionalPort splits a URL's host the way the Transport's pool
// key needs it: "host", "host:port", "[v6]" or "[v6]:port", brackets
// removed, port empty when there is none. Unlike SplitHostPort a missing
// port is fine (Go: canonicalAddr fills in the scheme's), and stray
// brackets are not checked; unlike URL::Hostname it fails on an unclosed
// '[', on bytes after ']' other than ":port", and on a second colon
// outside brackets (an IPv6 literal without them; Go's dial refuses it as
// "too many colons"). host_port_test pins these, and
// connect_method_key_test the errors KeyForURL makes of them.
bool SplitHostOptionalPort(std::string_view addr, std::string* host, std::string* port);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_HOST_PORT_H_
