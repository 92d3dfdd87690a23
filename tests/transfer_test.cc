// Tests for lib/transfer.cc: the framing rules both sides share.
#include <doctest/doctest.h>

#include <string>
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

TEST_SUITE("transfer writers") {
  TEST_CASE("AppendChunk: hex size, CRLF, data, CRLF; nothing for no data") {
    std::string out;
    nethttp::AppendChunk(&out, "hello");
    nethttp::AppendChunk(&out, "");
    nethttp::AppendChunk(&out, std::string(255, 'x'));
    CHECK(out == "5\r\nhello\r\nff\r\n" + std::string(255, 'x') + "\r\n");
    std::string hex;
    nethttp::AppendHex(0, &hex);
    nethttp::AppendHex(4096, &hex);
    CHECK(hex == "01000");
    CHECK(nethttp::kLastChunk == "0\r\n\r\n");
  }

  TEST_CASE("RequestIsLast: close on 1.1, no keep-alive on 1.0") {
    CHECK(nethttp::RequestIsLast(1, 1, "close"));
    CHECK(nethttp::RequestIsLast(1, 1, "Upgrade, Close"));
    CHECK_FALSE(nethttp::RequestIsLast(1, 1, ""));
    CHECK_FALSE(nethttp::RequestIsLast(1, 1, "keep-alive"));
    CHECK(nethttp::RequestIsLast(1, 0, ""));
    CHECK_FALSE(nethttp::RequestIsLast(1, 0, "Keep-Alive"));
  }

  TEST_CASE("AppendErrorResponse: the table's status, close, and the reason for a 400") {
    using nethttp::Error;
    using nethttp::ErrorCode;
    std::string out;
    nethttp::AppendErrorResponse(&out, Error(ErrorCode::kBadRequest, "http: bad thing"));
    CHECK(out ==
          "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
          "Connection: close\r\nContent-Length: 32\r\n\r\n400 Bad Request: http: bad thing");
    struct Row {
      ErrorCode code;
      std::string_view status_line;
    };
    const Row rows[] = {
        {ErrorCode::kHeaderTooLarge, "HTTP/1.1 431 Request Header Fields Too Large\r\n"},
        {ErrorCode::kUriTooLong, "HTTP/1.1 414 Request URI Too Long\r\n"},
        {ErrorCode::kBodyTooLarge, "HTTP/1.1 413 Request Entity Too Large\r\n"},
        {ErrorCode::kUnsupportedTransferEncoding, "HTTP/1.1 501 Not Implemented\r\n"},
        {ErrorCode::kVersionNotSupported, "HTTP/1.1 505 HTTP Version Not Supported\r\n"},
        {ErrorCode::kExpectationFailed, "HTTP/1.1 417 Expectation Failed\r\n"},
        {ErrorCode::kUnexpectedEof, "HTTP/1.1 400 Bad Request\r\n"},
    };
    for (const Row& row : rows) {
      std::string o;
      nethttp::AppendErrorResponse(&o, Error(row.code, "http: x"));
      CAPTURE(row.status_line);
      CHECK(o.rfind(row.status_line, 0) == 0);
      CHECK(o.find("Connection: close\r\n") != std::string::npos);
      // Only a 400 carries the reason.
      CHECK((o.find("http: x") != std::string::npos) == (row.code == ErrorCode::kUnexpectedEof));
    }
  }
}
