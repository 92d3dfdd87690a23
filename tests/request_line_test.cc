// Tests for lib/request_line.cc: the request line's grammar, byte by byte,
// whole, and split at every offset (the scanner keeps its state across
// Scan calls, as it does across reads).
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "internal/request_line.h"

using nethttp::ErrorCode;
using nethttp::RequestLineScanner;

namespace {

struct Verdict {
  RequestLineScanner::State state;
  ErrorCode error;
  size_t used;  // bytes the scanner took up to its verdict
};

Verdict ScanPieces(std::string_view line, size_t piece, size_t max_target = 8192) {
  RequestLineScanner s;
  s.set_max_target_bytes(max_target);
  size_t used = 0;
  for (size_t off = 0; off < line.size() && !s.done() && !s.failed(); off += piece) {
    used += s.Scan(line.substr(off, piece));
  }
  return {s.state(), s.error().code(), used};
}

// Scan checks that every way of cutting line gives the same verdict.
Verdict Scan(std::string_view line, size_t max_target = 8192) {
  Verdict whole = ScanPieces(line, line.size() + 1, max_target);
  for (size_t piece = 1; piece < line.size(); ++piece) {
    Verdict v = ScanPieces(line, piece, max_target);
    INFO("pieces of ", piece);
    CHECK(v.state == whole.state);
    CHECK(v.error == whole.error);
    CHECK(v.used == whole.used);
  }
  return whole;
}

}  // namespace

TEST_SUITE("request_line") {
  TEST_CASE("well-formed lines end at their LF, and what follows is not taken") {
    for (std::string_view line : {"GET /ping HTTP/1.1\r\n", "POST /echo?x=1 HTTP/1.0\r\n",
                                  "OPTIONS * HTTP/1.1\r\n", "GET http://h/p HTTP/1.1\r\n",
                                  "\r\n\r\nGET / HTTP/1.1\r\n", "M-SEARCH * HTTP/1.1\r\n",
                                  "GET /caf\xc3\xa9 HTTP/1.1\r\n"}) {
      CAPTURE(line);
      Verdict v = Scan(std::string(line) + "Host: h\r\n");
      CHECK(v.state == RequestLineScanner::State::kDone);
      CHECK(v.error == ErrorCode::kOk);
      CHECK(v.used == line.size());
    }
  }

  TEST_CASE("a line that has not ended is neither done nor failed") {
    for (std::string_view prefix : {"", "\r\n", "GET", "GET ", "GET /p", "GET /p ", "GET /p HTTP/1.",
                                    "GET /p HTTP/1.1", "GET /p HTTP/1.1\r", "GET /p HTTP/7.7\r"}) {
      CAPTURE(prefix);
      Verdict v = Scan(prefix);
      CHECK(v.error == ErrorCode::kOk);
      CHECK(v.state != RequestLineScanner::State::kDone);
      CHECK(v.used == prefix.size());
    }
  }

  TEST_CASE("syntax errors are 400 at the offending byte") {
    struct Row {
      std::string_view line;
      size_t at;  // the offending byte's offset
    };
    const Row rows[] = {
        {"GET  /p HTTP/1.1\r\n", 4},  {"GET /p  HTTP/1.1\r\n", 7}, {"GET\t/p HTTP/1.1\r\n", 3},
        {"GET /p\tHTTP/1.1\r\n", 6},  {"GET /p HTTP/1.1 \r\n", 15}, {" GET /p HTTP/1.1\r\n", 0},
        {"GET /p HTTP/01.1\r\n", 13}, {"GET /p HTTP/1\r\n", 13},    {"GET /p HTTP/ 1.1\r\n", 12},
        {"GET /p HTTP/1.1\rX", 16},   {"GET /p\r\n", 6},            {"GET /p HTTP/1.10\r\n", 15},
        {"GET /p http/1.1\r\n", 7},   {"GET /a\x01 HTTP/1.1\r\n", 6}, {"G(T / HTTP/1.1\r\n", 1},
        {"GET /p HTTP/1.1\n", 15},    {"GET /p HTTP/2.0x\r\n", 15},
    };
    for (const Row& row : rows) {
      CAPTURE(row.line);
      Verdict v = Scan(row.line);
      CHECK(v.state == RequestLineScanner::State::kFailed);
      CHECK(v.error == ErrorCode::kBadRequest);
      CHECK(v.used == row.at);
    }
  }

  TEST_CASE("a well-formed version other than 1.0 and 1.1 is 505, decided at the LF") {
    for (std::string_view line : {"GET / HTTP/2.0\r\n", "GET / HTTP/0.9\r\n", "GET / HTTP/1.2\r\n",
                                  "PRI * HTTP/2.0\r\n", "GET / HTTP/9.9\r\n"}) {
      CAPTURE(line);
      Verdict v = Scan(line);
      CHECK(v.error == ErrorCode::kVersionNotSupported);
      CHECK(v.used == line.size());
    }
  }

  TEST_CASE("a target past the limit is 414 at its first byte over, line ended or not") {
    Verdict at = Scan("GET /2345678 HTTP/1.1\r\n", 8);
    CHECK(at.state == RequestLineScanner::State::kDone);
    Verdict over = Scan("GET /23456789 HTTP/1.1\r\n", 8);
    CHECK(over.error == ErrorCode::kUriTooLong);
    CHECK(over.used == 4 + 8);
    Verdict open = Scan("GET /" + std::string(50, 'x'), 8);
    CHECK(open.error == ErrorCode::kUriTooLong);
    CHECK(open.used == 4 + 8);
  }

  TEST_CASE("Reset readies the scanner for the next line") {
    RequestLineScanner s;
    s.Scan("GET  /");
    REQUIRE(s.failed());
    s.Reset();
    CHECK_FALSE(s.started());
    CHECK(s.Scan("GET / HTTP/1.1\r\n") == 16);
    CHECK(s.done());
    CHECK(s.error().ok());
  }
}
