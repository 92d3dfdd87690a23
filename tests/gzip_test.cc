// Tests for lib/gzip.cc: GzipEncoder's output decodes back with zlib's own
// reader and with GzipDecoder, in pieces of any size; GzipDecoder bounds its
// output, reads several members as one stream, and reports Go's errors.
#include "internal/gzip.h"

#include <doctest/doctest.h>
#include <zlib.h>

#include <random>
#include <string>
#include <vector>

namespace nethttp {
namespace {

std::string Compress(std::string_view data, int level = -1) {
  GzipEncoder enc(level);
  std::string out;
  REQUIRE(!enc.Write(data, &out));
  REQUIRE(!enc.Close(&out));
  return out;
}

// DecodeAll feeds in in pieces of step bytes, taking at most max_out a call.
Result<std::string> DecodeAll(std::string_view in, size_t step, size_t max_out) {
  GzipDecoder dec;
  std::string out;
  size_t pos = 0;
  while (pos < in.size()) {
    std::string_view piece = in.substr(pos, step);
    size_t used_total = 0;
    for (;;) {
      size_t before = out.size();
      Result<size_t> used = dec.Decode(piece.substr(used_total), max_out, &out);
      if (!used.ok()) return used.error();
      CHECK(out.size() - before <= max_out);
      used_total += *used;
      // Done with the piece once it is used and the output was not capped
      // (a capped call may have more to give for input already taken).
      if (used_total == piece.size() && out.size() - before < max_out) break;
      if (*used == 0 && out.size() == before) break;
    }
    REQUIRE(used_total == piece.size());
    pos += piece.size();
  }
  // Drain what zlib holds for input it took.
  for (;;) {
    size_t before = out.size();
    Result<size_t> used = dec.Decode({}, max_out, &out);
    if (!used.ok()) return used.error();
    if (out.size() == before) break;
  }
  if (Error err = dec.Finish()) return err;
  return out;
}

std::string Random(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() % 16 + 'a');  // compressible, not trivially
  return s;
}

TEST_SUITE("gzip") {
  TEST_CASE("what the encoder writes, zlib's uncompress reads back") {
    const std::string data = Random(100000, 1);
    std::string gz = Compress(data);
    CHECK(gz.size() < data.size());
    CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);  // the gzip magic
    CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
    z_stream z{};
    REQUIRE(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
    std::string back(data.size() + 16, '\0');
    z.next_in = reinterpret_cast<Bytef*>(gz.data());
    z.avail_in = static_cast<uInt>(gz.size());
    z.next_out = reinterpret_cast<Bytef*>(back.data());
    z.avail_out = static_cast<uInt>(back.size());
    CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END);
    back.resize(back.size() - z.avail_out);
    inflateEnd(&z);
    CHECK(back == data);
  }

  TEST_CASE("the decoder reads the encoder in any pieces, its output bounded") {
    const std::string data = Random(70000, 2);
    const std::string gz = Compress(data, 1);
    for (size_t step : {size_t{1}, size_t{7}, size_t{4096}, gz.size()}) {
      for (size_t max_out : {size_t{1}, size_t{1000}, size_t{1} << 20}) {
        CAPTURE(step);
        CAPTURE(max_out);
        if (step == 1 && max_out == 1) continue;  // slow, and no different
        Result<std::string> back = DecodeAll(gz, step, max_out);
        REQUIRE(back.ok());
        CHECK(*back == data);
      }
    }
  }

  TEST_CASE("a reused deflate state (one per thread and level) writes what a fresh one does") {
    const std::string data = Random(50000, 3);
    std::string first = Compress(data, 1);
    std::string nine = Compress(data, 9);
    {
      GzipEncoder abandoned(1);  // dropped mid-stream: its state is reset before reuse
      std::string out;
      REQUIRE(!abandoned.Write(data.substr(0, 1000), &out));
    }
    CHECK(Compress(data, 1) == first);
    CHECK(Compress(data, 9) == nine);
    CHECK(Compress(data, -1) == Compress(data, 6));
    CHECK(DecodeAll(first, first.size(), 1 << 20).value() == data);
  }

  TEST_CASE("Flush makes everything so far decodable before Close") {
    GzipEncoder enc(-1);
    std::string out;
    REQUIRE(!enc.Write("event: one\n\n", &out));
    REQUIRE(!enc.Flush(&out));
    GzipDecoder dec;
    std::string got;
    REQUIRE(dec.Decode(out, 1 << 16, &got).ok());
    CHECK(got == "event: one\n\n");
    CHECK(dec.Finish().message() == "unexpected EOF");  // the member is not closed yet
  }

  TEST_CASE("several members are one stream; a 1000:1 bomb comes out a bounded piece at a time") {
    std::string two = Compress("first ") + Compress("second");
    Result<std::string> back = DecodeAll(two, two.size(), 1 << 16);
    REQUIRE(back.ok());
    CHECK(*back == "first second");

    const std::string bomb = Compress(std::string(8 << 20, '\0'), 9);
    CHECK(bomb.size() < (16 << 10));
    GzipDecoder dec;
    std::string out;
    Result<size_t> used = dec.Decode(bomb, 64 << 10, &out);
    REQUIRE(used.ok());
    CHECK(out.size() == (64 << 10));
    CHECK(*used < bomb.size());  // the rest waits for the caller
  }

  TEST_CASE("Go's errors: a bad header, a bad checksum, a cut stream, garbage after a member") {
    std::string gz = Compress("hello, world");
    CHECK(DecodeAll("not gzip at all", 64, 1 << 16).error().message() == "gzip: invalid header");
    std::string bad_crc = gz;
    bad_crc[bad_crc.size() - 8] ^= 1;
    CHECK(DecodeAll(bad_crc, 64, 1 << 16).error().message() == "gzip: invalid checksum");
    CHECK(DecodeAll(gz.substr(0, gz.size() - 3), 64, 1 << 16).error().message() == "unexpected EOF");
    Result<std::string> trailing = DecodeAll(gz + "junk", 64, 1 << 16);
    CHECK(trailing.error().message() == "gzip: invalid header");
    CHECK(trailing.error().code() == ErrorCode::kMalformedResponse);
    std::string bad_deflate = gz;
    bad_deflate[10] = static_cast<char>(0xff);
    CHECK(DecodeAll(bad_deflate, 64, 1 << 16).error().message().starts_with("flate: corrupt input"));
    // No input at all is an empty body, as Go reads one.
    GzipDecoder empty;
    CHECK(!empty.Finish());
  }
}

}  // namespace
}  // namespace nethttp
