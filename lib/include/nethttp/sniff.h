// DetectContentType, the content sniffer (Go: sniff.go, after the WHATWG
// MIME Sniffing Standard). The server's ResponseWriter uses it for a body
// written without a Content-Type, as the file server does for a file whose
// extension says nothing (mime_type.h).
#ifndef NETHTTP_SNIFF_H_
#define NETHTTP_SNIFF_H_

#include <cstddef>
#include <string_view>

namespace nethttp {

// kSniffLen is how many leading bytes DetectContentType looks at (Go: sniffLen).
inline constexpr size_t kSniffLen = 512;

// DetectContentType implements the algorithm of
// https://mimesniff.spec.whatwg.org/ to determine the Content-Type of data,
// as Go's http.DetectContentType does, signature for signature. It considers
// at most the first kSniffLen bytes. It always returns a valid MIME type, a
// view of a static string: if it cannot find a more specific one, it returns
// "application/octet-stream"; empty data is "text/plain; charset=utf-8".
std::string_view DetectContentType(std::string_view data);

}  // namespace nethttp

#endif  // NETHTTP_SNIFF_H_
