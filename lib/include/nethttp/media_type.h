// Media types and dispositions as they appear in Content-Type and
// Content-Disposition (Go: mime.ParseMediaType). Parsing only; the form
// and multipart readers are its users.
#ifndef NETHTTP_MEDIA_TYPE_H_
#define NETHTTP_MEDIA_TYPE_H_

#include <map>
#include <string>
#include <string_view>

#include "nethttp/error.h"

namespace nethttp {

// MediaType is a parsed "type/subtype; key=value" (or a disposition such
// as "form-data; name=x", which has no slash).
struct MediaType {
  std::string type;                           // lower case: "text/html", "form-data"
  std::map<std::string, std::string> params;  // keys lower case, values unquoted
};

// ParseMediaType parses v per RFC 2045 and RFC 2616 (Go: mime.ParseMediaType):
// the type is lowered and trimmed, parameter names are lowered, quoted
// values are unquoted, and RFC 2231 forms (title*=utf-8''a%20b, and
// continuations name*0, name*1*) are decoded when their charset is utf-8 or
// us-ascii. As in Go, a "name*" value in another charset is dropped, and
// so is the first piece of a continuation in one (its later pieces stay).
//
// Errors carry Go's messages: "mime: no media type", "mime: expected slash
// after first token", "mime: expected token after slash", "mime: unexpected
// content after media subtype", "mime: invalid media parameter", "mime:
// duplicate parameter name". Unlike Go, the error for bad parameters does
// not come with the type: a caller that wants the type of a malformed value
// is guessing, and the form reader does not. Go trims Unicode spaces; only
// ASCII ones are trimmed here (a header field holds no other kind that
// means space).
Result<MediaType> ParseMediaType(std::string_view v);

}  // namespace nethttp

#endif  // NETHTTP_MEDIA_TYPE_H_
