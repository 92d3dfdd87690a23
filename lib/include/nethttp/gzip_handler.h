// GzipHandler compresses responses for clients that accept gzip: the
// middleware Go programs take from klauspost/compress/gzhttp or
// NYTimes/gziphandler, and nginx's "gzip on".
#ifndef NETHTTP_GZIP_HANDLER_H_
#define NETHTTP_GZIP_HANDLER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "nethttp/handler.h"
#include "nethttp/header.h"

namespace nethttp {

struct GzipOptions {
  // level is zlib's: 1 (fastest) to 9 (smallest), -1 for its default, 6
  // (Go's gzip.DefaultCompression). nginx's gzip_comp_level defaults to 1.
  int level = -1;
  // min_size: a body shorter than this goes out as it is; its gzip framing
  // (about 20 bytes) and the CPU would cost more than they save. A body
  // whose Content-Length says it is shorter is never buffered.
  size_t min_size = 1024;
  // compressible says whether a media type ("text/html", lower case, no
  // parameters) is worth compressing; null means DefaultCompressible.
  std::function<bool(std::string_view media_type)> compressible;
};

// DefaultCompressible is yes for text (text/*), JSON, JavaScript, XML
// (with their +json and +xml kin), SVG and WebAssembly, and no for the
// rest: images, audio, video and archives are compressed already.
bool DefaultCompressible(std::string_view media_type);

// AcceptsGzip reports whether a request's Accept-Encoding takes gzip: a
// "gzip" (or "x-gzip") coding, or "*", with a q-value above zero (RFC 9110
// §12.5.3); "gzip;q=0" refuses it.
bool AcceptsGzip(const Header& request_header);

// GzipHandler wraps h: when the request accepts gzip and the response is
// compressible, the body is compressed as h writes it (streaming: Flush
// sends what is compressed so far, a held response compresses until its
// Finish). The first min_size bytes are held back to decide, with the
// type sniffed from them when h set none, as the server would.
//
// A compressed response loses Content-Length (it is chunked, or closes)
// and Accept-Ranges (ranges would count compressed bytes), and gains
// Content-Encoding: gzip; a strong ETag becomes weak (W/"..."), since the
// bytes differ from the identity response's (RFC 9110 §8.8.1), as nginx
// does. Every response of a compressible type, compressed or not, says
// "Vary: Accept-Encoding", so that caches keep the two apart. Left alone:
// a response that has a Content-Encoding already, a 206 or any response
// with Content-Range, a HEAD, statuses without a body, and bodies under
// min_size.
std::shared_ptr<Handler> GzipHandler(std::shared_ptr<Handler> h, GzipOptions opts = {});

}  // namespace nethttp

#endif  // NETHTTP_GZIP_HANDLER_H_
