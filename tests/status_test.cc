// Tests for lib/status.cc: StatusText against Go's status.go table.
#include <doctest/doctest.h>

#include <string_view>

#include "nethttp/status.h"

TEST_SUITE("status") {
  TEST_CASE("StatusText has Go's text for every code Go names") {
    struct Case {
      int code;
      std::string_view text;
    };
    const Case cases[] = {
        {100, "Continue"},
        {101, "Switching Protocols"},
        {102, "Processing"},
        {103, "Early Hints"},
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {203, "Non-Authoritative Information"},
        {204, "No Content"},
        {205, "Reset Content"},
        {206, "Partial Content"},
        {207, "Multi-Status"},
        {208, "Already Reported"},
        {226, "IM Used"},
        {300, "Multiple Choices"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {303, "See Other"},
        {304, "Not Modified"},
        {305, "Use Proxy"},
        {307, "Temporary Redirect"},
        {308, "Permanent Redirect"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {402, "Payment Required"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {406, "Not Acceptable"},
        {407, "Proxy Authentication Required"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {410, "Gone"},
        {411, "Length Required"},
        {412, "Precondition Failed"},
        {413, "Request Entity Too Large"},
        {414, "Request URI Too Long"},
        {415, "Unsupported Media Type"},
        {416, "Requested Range Not Satisfiable"},
        {417, "Expectation Failed"},
        {418, "I'm a teapot"},
        {421, "Misdirected Request"},
        {422, "Unprocessable Entity"},
        {423, "Locked"},
        {424, "Failed Dependency"},
        {425, "Too Early"},
        {426, "Upgrade Required"},
        {428, "Precondition Required"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {451, "Unavailable For Legal Reasons"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
        {505, "HTTP Version Not Supported"},
        {506, "Variant Also Negotiates"},
        {507, "Insufficient Storage"},
        {508, "Loop Detected"},
        {510, "Not Extended"},
        {511, "Network Authentication Required"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.code);
      CHECK(nethttp::StatusText(c.code) == c.text);
    }
  }

  TEST_CASE("the named constants map to their text") {
    CHECK(nethttp::StatusText(nethttp::StatusOK) == "OK");
    CHECK(nethttp::StatusText(nethttp::StatusTeapot) == "I'm a teapot");
    CHECK(nethttp::StatusText(nethttp::StatusRequestHeaderFieldsTooLarge) ==
          "Request Header Fields Too Large");
    CHECK(nethttp::StatusText(nethttp::StatusHTTPVersionNotSupported) == "HTTP Version Not Supported");
  }

  TEST_CASE("unknown codes have no text") {
    for (int code : {-1, 0, 1, 99, 104, 199, 209, 227, 299, 306, 309, 419, 420, 427, 430, 432, 450,
                     452, 499, 509, 512, 599, 600, 999, 1000}) {
      CAPTURE(code);
      CHECK(nethttp::StatusText(code).empty());
    }
  }
}
