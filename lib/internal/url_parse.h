// ParseRequestURIInto: ParseRequestURI for the server's hot path, parsing
// into a URL the connection reuses for each of its requests. Sans-I/O; the
// public Parse/ParseRequestURI are in nethttp/url.h, both in url.cc.
#ifndef NETHTTP_INTERNAL_URL_PARSE_H_
#define NETHTTP_INTERNAL_URL_PARSE_H_

#include <string_view>

#include "nethttp/error.h"
#include "nethttp/url.h"

namespace nethttp {

// ParseRequestURIInto sets *url to what ParseRequestURI(raw) returns, or
// returns its error. Every field of *url is overwritten (strings are cleared
// in place, keeping their capacity), so a URL reused across the requests of
// a kept-alive connection stops allocating after the first.
Error ParseRequestURIInto(std::string_view raw, URL* url);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_URL_PARSE_H_
