// GzipBody is a Body that inflates a gzip'd Body as it is read: the
// Transport's transparent decompression (Go: transport.go's gzipReader).
#ifndef NETHTTP_INTERNAL_GZIP_BODY_H_
#define NETHTTP_INTERNAL_GZIP_BODY_H_

#include <memory>

#include "nethttp/body.h"

namespace nethttp {

// NewGzipBody returns a Body of inner's bytes inflated. It inflates at most
// 64 KiB ahead of its reader: a paused reader pauses inner too, so a
// thousandfold gzip bomb costs memory only as fast as it is read. A body
// that is not gzip, or is cut short, ends with Go's error ("gzip: invalid
// header", "unexpected EOF", ...); an empty one is an empty body.
std::shared_ptr<Body> NewGzipBody(std::shared_ptr<Body> inner);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_GZIP_BODY_H_
