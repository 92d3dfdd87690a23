// The RFC 2045 token test shared by the media type parser and the MIME
// type table (Go: mime's isToken in grammar.go).
#ifndef NETHTTP_INTERNAL_MEDIA_TYPE_H_
#define NETHTTP_INTERNAL_MEDIA_TYPE_H_

#include <string_view>

namespace nethttp {

// IsMimeToken reports whether s is a non-empty RFC 2045 token: printable
// ASCII other than the tspecials. Wider than an HTTP token ('{' and '}'
// are tokens here), so ascii.h's table is not the one.
bool IsMimeToken(std::string_view s);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_MEDIA_TYPE_H_
