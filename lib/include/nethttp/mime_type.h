// TypeByExtension, the MIME type of a file extension (Go: mime.TypeByExtension
// in mime/type.go and type_unix.go). The file server names a file's
// Content-Type with it before falling back to sniffing (sniff.h).
#ifndef NETHTTP_MIME_TYPE_H_
#define NETHTTP_MIME_TYPE_H_

#include <string>
#include <string_view>

namespace nethttp {

// TypeByExtension returns the MIME type associated with the file extension
// ext, which begins with a dot, as in ".html"; "" when there is none. As in
// Go, it looks ext up first as written, then with ASCII letters lowered,
// and text types carry "; charset=utf-8" unless their entry names a
// charset. The table is Go's built-in one plus the entries of
// /etc/mime.types (Debian's media-types), read once, on the first call
// from any thread; a built-in entry wins over the file's.
std::string TypeByExtension(std::string_view ext);

}  // namespace nethttp

#endif  // NETHTTP_MIME_TYPE_H_
