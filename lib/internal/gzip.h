// GzipEncoder and GzipDecoder turn a byte stream into gzip (RFC 1952) and
// back with zlib, a piece at a time: the compression of the Gzip handler
// and the Transport's transparent decoding. Byte strings in and out; no I/O.
#ifndef NETHTTP_INTERNAL_GZIP_H_
#define NETHTTP_INTERNAL_GZIP_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "nethttp/error.h"

namespace nethttp {

class GzipEncoder {
 public:
  // level is zlib's: 1 (fastest) to 9 (smallest), or -1 for its default (6).
  explicit GzipEncoder(int level);
  ~GzipEncoder();
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  // Write compresses data and appends what zlib has ready to out (often
  // nothing: it collects input for its blocks).
  Error Write(std::string_view data, std::string* out);
  // Flush appends everything written so far, ended so that a reader can
  // decode all of it now (Z_SYNC_FLUSH), at a few bytes' cost.
  Error Flush(std::string* out);
  // Close appends the rest and the gzip trailer; nothing may follow.
  Error Close(std::string* out);

  // State is zlib's stream, kept for reuse by the next encoder on this
  // thread when this one goes (gzip.cc).
  struct State;

 private:
  Error Deflate(std::string_view data, int flush, std::string* out);
  std::unique_ptr<State> state_;
};

class GzipDecoder {
 public:
  GzipDecoder();
  ~GzipDecoder();
  GzipDecoder(const GzipDecoder&) = delete;
  GzipDecoder& operator=(const GzipDecoder&) = delete;

  // Decode inflates from in until out has grown by max_out bytes or in is
  // used up, and returns how much of in it used: a caller that must bound
  // its memory (a gzip bomb inflates a thousandfold) passes the rest again
  // later. Several gzip members one after another are one stream, as Go's
  // gzip.Reader reads them. Errors carry Go's texts ("gzip: invalid
  // header", "gzip: invalid checksum", "flate: corrupt input").
  Result<size_t> Decode(std::string_view in, size_t max_out, std::string* out);
  // Finish is the end of the input: an error ("unexpected EOF") if it
  // stopped inside a member. No input at all is an empty stream, as Go
  // reads an empty gzip body.
  Error Finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_GZIP_H_
