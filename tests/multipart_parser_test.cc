// Tests for lib/multipart_parser.cc: Go 1.19's mime/multipart parse tests
// (parseTests, TestVariousTextLineEndings, TestMultipartTruncated,
// TestLineContinuation, TestParseAllSizes), each fed whole, split at every
// byte and a byte at a time, plus the limits that are ours.
#include "internal/multipart_parser.h"
#include "testutil/multipart.h"  // Crlf

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nethttp {
using nethttp::testutil::Crlf;

namespace {

struct HeaderBody {
  std::vector<std::pair<std::string, std::string>> header;
  std::string body;
  bool operator==(const HeaderBody&) const = default;
};

// Collector records the parts; every part must end before the next begins.
class Collector : public MultipartParser::Handler {
 public:
  Error OnPartBegin(Header header) override {
    REQUIRE_FALSE(in_part);
    in_part = true;
    HeaderBody part;
    for (const Header::Field& f : header) part.header.emplace_back(f.key, f.value);
    parts.push_back(std::move(part));
    return {};
  }
  Error OnPartData(std::string_view data) override {
    REQUIRE(in_part);
    REQUIRE_FALSE(data.empty());
    parts.back().body.append(data);
    return {};
  }
  Error OnPartEnd() override {
    REQUIRE(in_part);
    in_part = false;
    return {};
  }

  std::vector<HeaderBody> parts;
  bool in_part = false;
};

struct Outcome {
  std::vector<HeaderBody> parts;
  Error err;
};

// Parse feeds in to a parser in pieces of the given sizes (the rest in one
// piece), then finishes it.
Outcome Parse(std::string_view in, std::string_view sep, std::vector<size_t> cuts = {}) {
  Collector c;
  MultipartParser p(sep, &c);
  Error err;
  size_t pos = 0;
  for (size_t cut : cuts) {
    if (err) break;
    err = p.Feed(in.substr(pos, cut));
    pos += cut;
  }
  if (!err && pos < in.size()) err = p.Feed(in.substr(pos));
  if (!err) err = p.Finish();
  return {std::move(c.parts), err};
}

// ParseEveryWay checks that in parses the same whole, split at any byte and
// a byte at a time, and returns that outcome.
Outcome ParseEveryWay(std::string_view in, std::string_view sep) {
  Outcome whole = Parse(in, sep);
  for (size_t cut = 1; cut < in.size(); ++cut) {
    Outcome split = Parse(in, sep, {cut});
    CAPTURE(cut);
    CHECK(split.parts == whole.parts);
    CHECK(split.err.message() == whole.err.message());
  }
  Outcome bytes = Parse(in, sep, std::vector<size_t>(in.size(), 1));
  CHECK(bytes.parts == whole.parts);
  CHECK(bytes.err.message() == whole.err.message());
  return whole;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

HeaderBody FormData(std::string key, std::string value) {
  return {{{"Content-Type", "text/plain; charset=ISO-8859-1"}, {"Content-Disposition", "form-data; name=" + key}},
          std::move(value)};
}

TEST_SUITE("multipart_parser") {
  TEST_CASE("Go's parseTests") {
    struct Case {
      std::string name;
      std::string in;
      std::string sep;
      std::vector<HeaderBody> want;
    };
    const std::string long_sep = "00ffded004d4dd0fdf945fbdef9d9050cfd6a13a821846299b27fc71b9db";
    const std::string a4031(4096 - 65, 'A');
    const std::string safe_count(4096 - (3 + 60 + 1 + 1), 'A');
    const std::string safe_sep = "08b84578eabc563dcba967a945cdf0d9f613864a8f4a716f0e81caa71a74";
    const Case cases[] = {
        {"single empty part, --boundary", "--abc\r\nFoo: bar\r\n\r\n--abc--", "abc", {{{{"Foo", "bar"}}, ""}}},
        {"single empty part, \\r\\n--boundary", "--abc\r\nFoo: bar\r\n\r\n\r\n--abc--", "abc",
         {{{{"Foo", "bar"}}, ""}}},
        {"final part empty", "--abc\r\nFoo: bar\r\n\r\n--abc\r\nFoo2: bar2\r\n\r\n--abc--", "abc",
         {{{{"Foo", "bar"}}, ""}, {{{"Foo2", "bar2"}}, ""}}},
        {"final part empty then crlf", "--abc\r\nFoo: bar\r\n\r\n--abc--\r\n", "abc", {{{{"Foo", "bar"}}, ""}}},
        {"final part empty then lwsp", "--abc\r\nFoo: bar\r\n\r\n--abc-- \t", "abc", {{{{"Foo", "bar"}}, ""}}},
        {"no parts", "------WebKitFormBoundaryQfEAfzFOiSemeHfA--\r\n", "----WebKitFormBoundaryQfEAfzFOiSemeHfA", {}},
        {"fake separator as data", "--sep\r\nFoo: bar\r\n\r\n--sepFAKE\r\n--sep--", "sep",
         {{{{"Foo", "bar"}}, "--sepFAKE"}}},
        {"boundary with whitespace", "--sep \r\nFoo: bar\r\n\r\ntext\r\n--sep--", "sep", {{{{"Foo", "bar"}}, "text"}}},
        {"leading line",
         Crlf("This is a multi-part message.  This line is ignored.\n--MyBoundary\nfoo: bar\n\n\n--MyBoundary--"),
         "MyBoundary",
         {{{{"Foo", "bar"}}, ""}}},
        {"issue 10616 minimal", "--sep \r\nFoo: bar\r\n\r\na\r\n--sep_alt\r\nb\r\n\r\n--sep--", "sep",
         {{{{"Foo", "bar"}}, "a\r\n--sep_alt\r\nb\r\n"}}},
        {"peek buffer boundary condition",
         Crlf("--" + long_sep +
              "\nContent-Disposition: form-data; name=\"block\"; filename=\"block\"\nContent-Type: "
              "application/octet-stream\n\n" +
              a4031 + "\n--" + long_sep + "--\n"),
         long_sep,
         {{{{"Content-Disposition", "form-data; name=\"block\"; filename=\"block\""},
            {"Content-Type", "application/octet-stream"}},
           a4031}}},
        {"safeCount off by one",
         Crlf("--" + safe_sep +
              "\nContent-Disposition: form-data; name=\"myfile\"; filename=\"my-file.txt\"\nContent-Type: "
              "application/octet-stream\n\n") +
             safe_count + Crlf("\n--" + safe_sep + "\nContent-Disposition: form-data; name=\"key\"\n\nval\n--" +
                               safe_sep + "--\n"),
         safe_sep,
         {{{{"Content-Disposition", "form-data; name=\"myfile\"; filename=\"my-file.txt\""},
            {"Content-Type", "application/octet-stream"}},
           safe_count},
          {{{"Content-Disposition", "form-data; name=\"key\""}}, "val"}}},
        {"nested separator prefix is outer separator followed by a dash",
         Crlf("--foo\nContent-Type: multipart/alternative; boundary=\"foo-bar\"\n\n--foo-bar\n\nBody\n--foo-bar\n\n"
              "Body2\n--foo-bar--\n--foo--"),
         "foo",
         {{{{"Content-Type", "multipart/alternative; boundary=\"foo-bar\""}},
           Crlf("--foo-bar\n\nBody\n--foo-bar\n\nBody2\n--foo-bar--")}}},
        {"nested separator prefix is outer separator followed by double dash",
         Crlf("--foo\nContent-Type: multipart/alternative; boundary=\"foo--\"\n\n--foo--\n\nBody\n\n--foo--"), "foo",
         {{{{"Content-Type", "multipart/alternative; boundary=\"foo--\""}}, ""}}},
        {"round trip (Go's Writer output)",
         "--b1\r\nContent-Disposition: form-data; name=empty\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\n"
         "\r\n--b1\r\nContent-Disposition: form-data; name=lf\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\n"
         "\n\r\n--b1\r\nContent-Disposition: form-data; name=cr\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\n"
         "\r\r\n--b1\r\nContent-Disposition: form-data; name=crlf\r\nContent-Type: text/plain; "
         "charset=ISO-8859-1\r\n\r\n\r\n\r\n--b1--\r\n",
         "b1",
         {{{{"Content-Disposition", "form-data; name=empty"}, {"Content-Type", "text/plain; charset=ISO-8859-1"}}, ""},
          {{{"Content-Disposition", "form-data; name=lf"}, {"Content-Type", "text/plain; charset=ISO-8859-1"}}, "\n"},
          {{{"Content-Disposition", "form-data; name=cr"}, {"Content-Type", "text/plain; charset=ISO-8859-1"}}, "\r"},
          {{{"Content-Disposition", "form-data; name=crlf"}, {"Content-Type", "text/plain; charset=ISO-8859-1"}},
           "\r\n"}}},
        {"the epilogue is ignored", "--abc\r\nA: b\r\n\r\nx\r\n--abc--\r\nanything at all, even --abc\r\n", "abc",
         {{{{"A", "b"}}, "x"}}},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      Outcome got = ParseEveryWay(c.in, c.sep);
      CHECK_MESSAGE(!got.err, got.err.message());
      CHECK(got.parts == c.want);
    }
  }

  TEST_CASE("the App Engine post: many empty values and a part that looks like a header") {
    const std::string sep = "00151757727e9583fd04bfbca4c6";
    std::string in;
    std::vector<HeaderBody> want;
    for (auto [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"otherEmpty1", ""}, {"otherFoo1", "foo"}, {"submit", "Submit"}, {"otherRepeatEmpty", ""}}) {
      in += "--" + sep + "\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Disposition: form-data; name=" +
            name + "\r\n\r\n" + value + (value.empty() ? "" : "\r\n");
      want.push_back(FormData(name, value));
    }
    const std::string inner = "Content-Type: image/png\r\nContent-Length: 232303\r\n\r\n";
    in += "--" + sep + "\r\nContent-Disposition: form-data; name=file; filename=\"fall.png\"\r\n\r\n" + inner +
          "\r\n--" + sep + "--";
    want.push_back({{{"Content-Disposition", "form-data; name=file; filename=\"fall.png\""}}, inner});
    Outcome got = ParseEveryWay(in, sep);
    CHECK_MESSAGE(!got.err, got.err.message());
    CHECK(got.parts == want);
  }

  TEST_CASE("TestVariousTextLineEndings: a body's own line ends are data") {
    for (std::string body : std::vector<std::string>{"Foo\nBar", "Foo\nBar\n", "Foo\r\nBar", "Foo\r\nBar\r\n", "Foo\rBar", "Foo\rBar\r",
                             std::string("\x00\x01\x02\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 11)}) {
      CAPTURE(body);
      Outcome got = ParseEveryWay(
          "--BOUNDARY\r\nContent-Disposition: form-data; name=\"value\"\r\n\r\n" + body + "\r\n--BOUNDARY--\r\n",
          "BOUNDARY");
      CHECK(!got.err);
      REQUIRE(got.parts.size() == 1);
      CHECK(got.parts[0].body == body);
    }
  }

  TEST_CASE("TestLineContinuation: bare LF line ends and folded header lines") {
    const std::string in =
        "\n--Apple-Mail-2-292336769\nContent-Transfer-Encoding: 7bit\nContent-Type: text/plain;\n\tcharset=US-ASCII;"
        "\n\tdelsp=yes;\n\tformat=flowed\n\nI'm finding the same thing.\n\n\n--Apple-Mail-2-292336769\nContent-Type: "
        "text/html;\n\tcharset=ISO-8859-1\n\n<HTML>2.0.</HTML>=\n\r\n--Apple-Mail-2-292336769--\n";
    Outcome got = ParseEveryWay(in, "Apple-Mail-2-292336769");
    CHECK_MESSAGE(!got.err, got.err.message());
    REQUIRE(got.parts.size() == 2);
    CHECK(got.parts[0].header ==
          Fields{{"Content-Transfer-Encoding", "7bit"},
                 {"Content-Type", "text/plain; charset=US-ASCII; delsp=yes; format=flowed"}});
    CHECK(got.parts[0].body == "I'm finding the same thing.\n\n");
    // In LF mode the CR before the delimiter's LF is the body's.
    CHECK(got.parts[1].body == "<HTML>2.0.</HTML>=\n\r");
  }

  TEST_CASE("TestParseAllSizes: a part of every size up to 5 KiB before another") {
    const std::string sep = "1d6f2f8b6a7e5c4d3b2a19087f6e5d4c3b2a1908f7e6d5c4b3a2";
    const std::string data(5 << 10, 'a');
    for (size_t size = 0; size < data.size(); size += (size < 200 ? 1 : 97)) {
      CAPTURE(size);
      std::string in = "--" + sep + "\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n" + data.substr(0, size) +
                       "\r\n--" + sep + "\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nval\r\n--" + sep +
                       "--\r\n";
      // Split in the last 80 bytes of the big part, where a delimiter search
      // has to hold bytes back.
      for (size_t back = 0; back < 80 && back <= size; back += 7) {
        size_t cut = in.find("\r\n--" + sep + "\r\nContent-Disposition: form-data; name=\"key\"") - back;
        Outcome got = Parse(in, sep, {cut});
        REQUIRE(!got.err);
        REQUIRE(got.parts.size() == 2);
        CHECK(got.parts[0].body.size() == size);
        CHECK(got.parts[1].body == "val");
      }
    }
  }

  TEST_CASE("errors: a body that ends early, bad lines, and our limits") {
    struct Case {
      std::string name;
      std::string in;
      ErrorCode code;
      std::string message;
    };
    const Case cases[] = {
        {"empty body", "", ErrorCode::kUnexpectedEof, "multipart: NextPart: EOF"},
        {"no delimiter at all", "just text\r\n", ErrorCode::kUnexpectedEof, "multipart: NextPart: EOF"},
        {"TestMultipartTruncated: EOF in a part",
         Crlf("\nThis is a multi-part message.  This line is ignored.\n--MyBoundary\nfoo-bar: baz\n\nOh no, premature "
              "EOF!\n"),
         ErrorCode::kUnexpectedEof, "unexpected EOF"},
        {"TestMultipartTruncated: half a close delimiter",
         Crlf("\nThis is a multi-part message.  This line is ignored.\n--MyBoundary\nfoo-bar: baz\n\nOh no, premature "
              "EOF!\n--MyBoundary-"),
         ErrorCode::kUnexpectedEof, "unexpected EOF"},
        {"EOF after a delimiter", "--MyBoundary\r\nA: b\r\n\r\nx\r\n--MyBoundary", ErrorCode::kUnexpectedEof,
         "multipart: NextPart: EOF"},
        {"EOF in a header", "--MyBoundary\r\nA: b\r\n", ErrorCode::kUnexpectedEof, "multipart: NextPart: EOF"},
        {"junk after a delimiter", "--MyBoundary\r\nA: b\r\n\r\nx\r\n--MyBoundary junk\r\n", ErrorCode::kBadRequest,
         "multipart: expecting a new Part; got more on the delimiter line"},
        // Found by multipart_fuzz: split after the tab, "--" was taken as the
        // close delimiter's.
        {"padding, then dashes", "--MyBoundary\r\nA: b\r\n\r\nx\r\n--MyBoundary\t--\r\n", ErrorCode::kBadRequest,
         "multipart: expecting a new Part; got more on the delimiter line"},
        {"junk after the close delimiter", "--MyBoundary\r\nA: b\r\n\r\nx\r\n--MyBoundary--junk\r\n",
         ErrorCode::kBadRequest, "multipart: expecting a new Part; got more on the close delimiter line"},
        {"CRLF after an LF first delimiter", "--MyBoundary\nA: b\n\nx\n--MyBoundary\r\nB: c\n\n\n--MyBoundary--",
         ErrorCode::kBadRequest, "multipart: expecting a new Part; got more on the delimiter line"},
        {"a header line without a colon", "--MyBoundary\r\nno colon here\r\n\r\n", ErrorCode::kBadRequest,
         "malformed MIME header line: \"no colon here\""},
        {"a field name that is no token", "--MyBoundary\r\nBad Name: v\r\n\r\n", ErrorCode::kBadRequest,
         "malformed MIME header line: \"Bad Name: v\""},
        {"a folded first line", "--MyBoundary\r\n folded: v\r\n\r\n", ErrorCode::kBadRequest,
         "malformed MIME header initial line: \" folded: v\""},
        {"a part header over 64 KiB", "--MyBoundary\r\nX: " + std::string(kMaxPartHeaderBytes, 'v') + "\r\n\r\n",
         ErrorCode::kBodyTooLarge, "multipart: message too large"},
        {"a part header of many short lines", "--MyBoundary\r\n" + [] {
           std::string many;
           while (many.size() <= kMaxPartHeaderBytes) many += "A: b\r\n";
           return many;
         }(),
         ErrorCode::kBodyTooLarge, "multipart: message too large"},
        {"a preamble over 64 KiB", std::string(kMaxPartHeaderBytes + 1, 'x') + "\r\n--MyBoundary--",
         ErrorCode::kBodyTooLarge, "multipart: preamble too large"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      Outcome got = c.in.size() < 4096 ? ParseEveryWay(c.in, "MyBoundary") : Parse(c.in, "MyBoundary");
      CHECK(got.err.code() == c.code);
      CHECK(got.err.message() == c.message);
    }
  }

  TEST_CASE("a handler's error stops the parse, and the parser keeps returning it") {
    class Refuser : public Collector {
     public:
      Error OnPartData(std::string_view) override { return Error(ErrorCode::kBodyTooLarge, "too much"); }
    } refuser;
    MultipartParser p("b", &refuser);
    Error err = p.Feed("--b\r\nA: b\r\n\r\ndata\r\n--b--\r\n");
    CHECK(err.message() == "too much");
    CHECK(p.Feed("more").message() == "too much");
    CHECK(p.Finish().message() == "too much");
    CHECK_FALSE(p.done());
  }

  TEST_CASE("CheckBoundary: RFC 2046's 1 to 70 bytes, no control bytes") {
    CHECK(CheckBoundary("").message() == "multipart: boundary is empty");
    CHECK(!CheckBoundary(std::string(70, 'b')));
    CHECK(CheckBoundary(std::string(71, 'b')).code() == ErrorCode::kBadRequest);
    CHECK(CheckBoundary("a\rb").code() == ErrorCode::kBadRequest);
    CHECK(CheckBoundary("a\nb").code() == ErrorCode::kBadRequest);
    CHECK(!CheckBoundary("----WebKitFormBoundary7MA4YWxkTrZu0gW"));
    CHECK(!CheckBoundary("'()+_,-./:=? x"));
  }
}

}  // namespace
}  // namespace nethttp
