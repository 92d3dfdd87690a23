// Tests for lib/gzip_body.cc: GzipBody inflates a Body as it is read, ends
// with the decoder's verdict, and never inflates more than a piece ahead
// of a paused reader (a gzip bomb costs what is read).
#include "internal/gzip_body.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "internal/gzip.h"
#include "internal/stream_body.h"

namespace nethttp {
namespace {

std::string Compress(std::string_view data) {
  GzipEncoder enc(9);
  std::string out;
  REQUIRE(!enc.Write(data, &out));
  REQUIRE(!enc.Close(&out));
  return out;
}

struct Reader {
  std::string got;
  int pieces = 0;
  bool ended = false;
  Error err;
};

void Start(Body& b, Reader& r) {
  b.Read(
      [&r](std::string_view d) {
        r.got.append(d);
        ++r.pieces;
      },
      [&r](Error e) {
        r.ended = true;
        r.err = e;
      });
}

TEST_SUITE("gzip_body") {
  TEST_CASE("pieces of a gzip stream come out inflated, then the end") {
    const std::string text = "hello, gzip body; " + std::string(100000, 'q');
    const std::string gz = Compress(text);
    auto inner = std::make_shared<StreamBody>(nullptr);
    std::shared_ptr<Body> body = NewGzipBody(inner);
    Reader r;
    Start(*body, r);
    for (size_t i = 0; i < gz.size(); i += 5) inner->Deliver(std::string_view(gz).substr(i, 5));
    CHECK_FALSE(r.ended);
    Header trailer;
    trailer.Set("X-T", "1");
    inner->End(Error(), trailer);
    CHECK(r.ended);
    CHECK(!r.err);
    CHECK(r.got == text);
    CHECK(body->Trailer().Get("X-T") == "1");
  }

  TEST_CASE("a paused reader holds the inflating back, and the inner body with it") {
    const std::string gz = Compress(std::string(16 << 20, '\0'));  // 16 MiB of zeros in ~16 KiB
    auto inner = std::make_shared<StreamBody>(nullptr);
    std::shared_ptr<Body> body = NewGzipBody(inner);
    std::string got;
    size_t max_piece = 0;
    bool ended = false;
    body->Read(
        [&](std::string_view d) {
          got.append(d);
          max_piece = std::max(max_piece, d.size());
          body->Pause();
        },
        [&](Error e) {
          CHECK(!e);
          ended = true;
        });
    inner->Deliver(gz);
    inner->End(Error(), Header());
    CHECK(got.size() == 64 * 1024);  // one piece, then the pause
    CHECK_FALSE(ended);
    CHECK_FALSE(inner->WantsMore());
    size_t resumes = 0;
    while (!ended && resumes < 1000) {
      ++resumes;
      body->Resume();
    }
    CHECK(ended);
    CHECK(got.size() == (16u << 20));
    CHECK(max_piece == 64 * 1024);
    CHECK(resumes == 256);
  }

  TEST_CASE("errors: not gzip, cut short, and the inner body's own failure") {
    {
      auto inner = std::make_shared<StreamBody>(nullptr);
      std::shared_ptr<Body> body = NewGzipBody(inner);
      Reader r;
      Start(*body, r);
      inner->Deliver("<html>not gzip</html>");
      CHECK(r.ended);
      CHECK(r.err.message() == "gzip: invalid header");
      CHECK(inner->closed());
    }
    {
      const std::string gz = Compress("a body cut short");
      auto inner = std::make_shared<StreamBody>(nullptr);
      std::shared_ptr<Body> body = NewGzipBody(inner);
      Reader r;
      Start(*body, r);
      inner->Deliver(gz.substr(0, gz.size() - 4));
      inner->End(Error(), Header());
      CHECK(r.err.message() == "unexpected EOF");
    }
    {
      auto inner = std::make_shared<StreamBody>(nullptr);
      std::shared_ptr<Body> body = NewGzipBody(inner);
      Reader r;
      Start(*body, r);
      inner->End(Error(ErrorCode::kUnexpectedEof, "http: unexpected EOF reading body"), Header());
      CHECK(r.err.message() == "http: unexpected EOF reading body");
    }
    {
      auto inner = std::make_shared<StreamBody>(nullptr);
      std::shared_ptr<Body> body = NewGzipBody(inner);
      Reader r;
      Start(*body, r);
      inner->End(Error(), Header());
      CHECK(r.ended);
      CHECK(!r.err);  // an empty body is an empty body
      CHECK(r.got.empty());
    }
  }

  TEST_CASE("Close stops every callback and closes the inner body") {
    const std::string gz = Compress(std::string(1 << 20, 'a'));
    auto inner = std::make_shared<StreamBody>(nullptr);
    std::shared_ptr<Body> body = NewGzipBody(inner);
    Reader r;
    body->Read(
        [&](std::string_view d) {
          r.got.append(d);
          body->Close();
        },
        [&](Error) { r.ended = true; });
    inner->Deliver(gz);
    CHECK(inner->closed());
    inner->End(Error(), Header());
    CHECK(r.got.size() == 64 * 1024);
    CHECK_FALSE(r.ended);
  }
}

}  // namespace
}  // namespace nethttp
