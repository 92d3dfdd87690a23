// Tests for lib/transfer.cc: the framing rules both sides share.
#include <doctest/doctest.h>

#include <string_view>

#include "internal/transfer.h"

using nethttp::AllowedInTrailer;
using nethttp::BodyAllowedForStatus;
using nethttp::ClassifyTransferEncoding;
using nethttp::TransferCoding;

TEST_SUITE("transfer") {
  TEST_CASE("ClassifyTransferEncoding: chunked alone, one unknown coding, or malformed") {
    struct Row {
      std::string_view value;
      TransferCoding want;
    };
    const Row rows[] = {
        {"chunked", TransferCoding::kChunked},
        {"Chunked", TransferCoding::kChunked},
        {" chunked\t", TransferCoding::kChunked},  // OWS is not part of the value
        {"gzip", TransferCoding::kUnsupported},
        {"x-custom", TransferCoding::kUnsupported},
        {"identity", TransferCoding::kUnsupported},
        {"", TransferCoding::kMalformed},
        {"gzip, chunked", TransferCoding::kMalformed},
        {"chunked, chunked", TransferCoding::kMalformed},
        {", chunked", TransferCoding::kMalformed},
        {"chunked,", TransferCoding::kMalformed},
        {"chunked;ext=1", TransferCoding::kMalformed},
        {"\"chunked\"", TransferCoding::kMalformed},
        {"chun ked", TransferCoding::kMalformed},
        {"chun\xe2\x84\xaa" "ed", TransferCoding::kMalformed},  // a Kelvin sign for the k
    };
    for (const Row& row : rows) {
      CAPTURE(row.value);
      CHECK(ClassifyTransferEncoding(row.value) == row.want);
    }
  }

  TEST_CASE("AllowedInTrailer: Go's badTrailer list is refused, the rest allowed") {
    for (std::string_view key : {"Transfer-Encoding", "Content-Length", "Host", "Authorization",
                                 "Content-Type", "Trailer", "Te", "Connection", "Www-Authenticate",
                                 "Proxy-Authorization", "Cache-Control", "Range"}) {
      CAPTURE(key);
      CHECK_FALSE(AllowedInTrailer(key));
    }
    for (std::string_view key : {"X-Checksum", "Server-Timing", "Digest", "Expires", "X-A"}) {
      CAPTURE(key);
      CHECK(AllowedInTrailer(key));
    }
  }

  TEST_CASE("BodyAllowedForStatus: never for 1xx, 204, 304") {
    for (int code : {100, 101, 103, 199, 204, 304}) CHECK_FALSE(BodyAllowedForStatus(code));
    for (int code : {200, 201, 205, 301, 400, 404, 500}) CHECK(BodyAllowedForStatus(code));
  }
}
