// Tests for lib/body.cc: MaxBytesReader (Go: http.MaxBytesReader), ReadAll,
// and Request::Body() over a body the server read whole. The bodies under
// the reader are StreamBodies fed by hand, as a connection would feed them.
#include "nethttp/body.h"

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "internal/stream_body.h"
#include "nethttp/loop.h"
#include "nethttp/request.h"
#include "testutil/fake_source.h"

using nethttp::Body;
using nethttp::Error;
using nethttp::ErrorCode;
using nethttp::Header;
using nethttp::MaxBytesReader;
using nethttp::Result;
using nethttp::StreamBody;
using nethttp::testutil::FakeSource;

namespace {

// Reader records a body's callbacks: the bytes, each on_data's size, and
// the end (at most once, or the count shows it).
struct Reader {
  std::string data;
  std::vector<size_t> pieces;
  int ends = 0;
  Error end_err;

  void Start(Body& b) {
    b.Read(
        [this](std::string_view s) {
          data.append(s);
          pieces.push_back(s.size());
        },
        [this](Error err) {
          ++ends;
          end_err = std::move(err);
        });
  }
};

}  // namespace

TEST_SUITE("body") {
  TEST_CASE("MaxBytesReader: a body of exactly n bytes passes whole and ends ok") {
    FakeSource src;
    auto inner = std::make_shared<StreamBody>(&src);
    auto limited = MaxBytesReader(inner, 10);
    Reader r;
    r.Start(*limited);
    inner->Deliver("1234");
    inner->Deliver("567890");
    CHECK(r.ends == 0);
    inner->End(Error(), Header());
    CHECK(r.data == "1234567890");
    REQUIRE(r.ends == 1);
    CHECK(r.end_err.ok());
    CHECK(src.abandoned == 0);
    CHECK_FALSE(inner->closed());
  }

  TEST_CASE("MaxBytesReader: n+1 bytes give the first n, then kBodyTooLarge, and the inner body is closed") {
    // Split across the limit, in one piece, and with the limit reached
    // exactly before the piece that is too much (no empty on_data then).
    struct Case {
      const char* what;
      std::vector<std::string> pieces;
      std::vector<size_t> passed;
    };
    for (const Case& k : {Case{"split across the limit", {"12345", "678901"}, {5, 5}},
                          Case{"one piece", {"12345678901"}, {10}},
                          Case{"limit hit exactly first", {"1234567890", "1"}, {10}}}) {
      CAPTURE(k.what);
      FakeSource src;
      auto inner = std::make_shared<StreamBody>(&src);
      auto limited = MaxBytesReader(inner, 10);
      Reader r;
      r.Start(*limited);
      for (const std::string& p : k.pieces) inner->Deliver(p);
      CHECK(r.data == "1234567890");
      CHECK(r.pieces == k.passed);
      REQUIRE(r.ends == 1);
      CHECK(r.end_err.code() == ErrorCode::kBodyTooLarge);
      CHECK(r.end_err.message() == "http: request body too large");
      // Closed below: the connection learns the body was abandoned, which
      // is what keeps it from being reused.
      CHECK(inner->closed());
      CHECK(src.abandoned == 1);
      // Whatever the source still does, the reader hears nothing more.
      inner->Deliver("more");
      inner->End(Error(), Header());
      CHECK(r.ends == 1);
      CHECK(r.data.size() == 10);
    }
  }

  TEST_CASE("MaxBytesReader with n = 0 (or less): an empty body is fine, one byte is too many") {
    for (int64_t n : {int64_t{0}, int64_t{-5}}) {
      CAPTURE(n);
      FakeSource src;
      auto one = std::make_shared<StreamBody>(&src);
      auto limited = MaxBytesReader(one, n);
      Reader r;
      r.Start(*limited);
      one->Deliver("x");
      CHECK(r.pieces.empty());
      REQUIRE(r.ends == 1);
      CHECK(r.end_err.code() == ErrorCode::kBodyTooLarge);

      FakeSource src2;
      auto none = std::make_shared<StreamBody>(&src2);
      auto limited_none = MaxBytesReader(none, n);
      Reader e;
      e.Start(*limited_none);
      none->End(Error(), Header());
      REQUIRE(e.ends == 1);
      CHECK(e.end_err.ok());
    }
  }

  TEST_CASE("MaxBytesReader passes the inner body's own error through") {
    FakeSource src;
    auto inner = std::make_shared<StreamBody>(&src);
    auto limited = MaxBytesReader(inner, 100);
    Reader r;
    r.Start(*limited);
    inner->Deliver("abc");
    inner->End(Error(ErrorCode::kUnexpectedEof, "cut"), Header());
    CHECK(r.data == "abc");
    REQUIRE(r.ends == 1);
    CHECK(r.end_err.code() == ErrorCode::kUnexpectedEof);
  }

  TEST_CASE("MaxBytesReader forwards Pause, Resume and Close") {
    FakeSource src;
    auto inner = std::make_shared<StreamBody>(&src);
    auto limited = MaxBytesReader(inner, 100);
    Reader r;
    r.Start(*limited);
    limited->Pause();
    CHECK_FALSE(inner->WantsMore());
    inner->Deliver("waits");
    CHECK(r.data.empty());
    limited->Resume();
    CHECK(inner->WantsMore());
    CHECK(r.data == "waits");
    limited->Close();
    CHECK(inner->closed());
    CHECK(src.abandoned == 1);
    inner->End(Error(), Header());
    CHECK(r.ends == 0);  // a closed body calls nobody back
  }

  TEST_CASE("MaxBytesReader's Trailer is the inner body's") {
    FakeSource src;
    auto inner = std::make_shared<StreamBody>(&src);
    auto limited = MaxBytesReader(inner, 100);
    std::string in_end;
    limited->Read([](std::string_view) {},
                  [&](Error err) {
                    CHECK(err.ok());
                    in_end = std::string(limited->Trailer().Get("X-Sum"));
                  });
    Header trailer;
    trailer.Set("X-Sum", "42");
    inner->Deliver("data");
    inner->End(Error(), std::move(trailer));
    CHECK(in_end == "42");
    CHECK(limited->Trailer().Get("X-Sum") == "42");
  }

  TEST_CASE("MaxBytesReader: a second Read is refused and the first reader keeps the body") {
    // Body's contract: one Read. StreamBody refuses the second and keeps
    // the first reader (stream_body_test); the wrapper must not do less.
    FakeSource src;
    auto inner = std::make_shared<StreamBody>(&src);
    auto limited = MaxBytesReader(inner, 100);
    Reader first, second;
    first.Start(*limited);
    second.Start(*limited);
    CHECK(second.ends == 1);
    CHECK(second.end_err.code() == ErrorCode::kInvalidArgument);
    inner->Deliver("mine");
    inner->End(Error(), Header());
    CHECK(second.data.empty());
    // The refused second reader leaves the first in place.
    CHECK(first.data == "mine");
    CHECK(first.ends == 1);
    CHECK(first.end_err.ok());
  }

  TEST_CASE("ReadAll collects a streamed body, or returns its error") {
    FakeSource src;
    auto inner = std::make_shared<StreamBody>(&src);
    std::optional<Result<std::string>> got;
    inner->ReadAll([&](Result<std::string> r) { got.emplace(std::move(r)); });
    inner->Deliver("hel");
    inner->Deliver("lo");
    CHECK_FALSE(got.has_value());
    inner->End(Error(), Header());
    REQUIRE(got.has_value());
    REQUIRE(got->ok());
    CHECK(got->value() == "hello");

    FakeSource src2;
    auto cut = std::make_shared<StreamBody>(&src2);
    std::optional<Result<std::string>> err;
    cut->ReadAll([&](Result<std::string> r) { err.emplace(std::move(r)); });
    cut->Deliver("partial");
    cut->End(Error(ErrorCode::kUnexpectedEof, "cut"), Header());
    REQUIRE(err.has_value());
    REQUIRE_FALSE(err->ok());
    CHECK(err->error().code() == ErrorCode::kUnexpectedEof);
  }

  TEST_CASE("ReadAll through MaxBytesReader: the body under the limit, or kBodyTooLarge") {
    FakeSource src2;
    auto inner2 = std::make_shared<StreamBody>(&src2);
    auto limited = MaxBytesReader(inner2, 5);
    std::optional<Result<std::string>> ok;
    limited->ReadAll([&](Result<std::string> r) { ok.emplace(std::move(r)); });
    inner2->Deliver("12345");
    inner2->End(Error(), Header());
    REQUIRE(ok.has_value());
    REQUIRE(ok->ok());
    CHECK(ok->value() == "12345");

    FakeSource src3;
    auto inner3 = std::make_shared<StreamBody>(&src3);
    auto limited3 = MaxBytesReader(inner3, 5);
    std::optional<Result<std::string>> big;
    limited3->ReadAll([&](Result<std::string> r) { big.emplace(std::move(r)); });
    inner3->Deliver("123456");
    REQUIRE(big.has_value());
    REQUIRE_FALSE(big->ok());
    CHECK(big->error().code() == ErrorCode::kBodyTooLarge);
    CHECK(src3.abandoned == 1);
  }

  TEST_CASE("Request::Body() of a body read whole: that string, then an ok end") {
    nethttp::Request req;
    req.body = "posted bytes";
    req.trailer.Set("X-T", "v");
    std::shared_ptr<Body> b = req.Body();
    REQUIRE(b != nullptr);
    CHECK(req.body_stream == b);
    CHECK(req.Body() == b);  // the same stream each call
    Reader r;
    r.Start(*b);
    CHECK(r.data == "posted bytes");
    REQUIRE(r.ends == 1);
    CHECK(r.end_err.ok());
    CHECK(b->Trailer().Get("X-T") == "v");
    CHECK(req.body == "posted bytes");  // a copy: r.body stays
    // Read once only.
    Reader again;
    again.Start(*req.Body());
    CHECK(again.end_err.code() == ErrorCode::kInvalidArgument);
  }

  TEST_CASE("Request::Body() of an empty body ends at once, without data") {
    nethttp::Request req;
    Reader r;
    r.Start(*req.Body());
    CHECK(r.pieces.empty());
    REQUIRE(r.ends == 1);
    CHECK(r.end_err.ok());
  }

  TEST_CASE("Request::Body() under MaxBytesReader: too long is kBodyTooLarge with the allowed prefix") {
    nethttp::Request req;
    req.body = "0123456789";
    auto limited = MaxBytesReader(req.Body(), 4);
    Reader r;
    r.Start(*limited);
    CHECK(r.data == "0123");
    REQUIRE(r.ends == 1);
    CHECK(r.end_err.code() == ErrorCode::kBodyTooLarge);
  }

  TEST_CASE("ReadAllBlocking off the loop returns a body that is all there") {
    nethttp::Loop loop;
    nethttp::Request req;
    req.body = "blocking";
    Result<std::string> got = req.Body()->ReadAllBlocking(loop);
    REQUIRE(got.ok());
    CHECK(got.value() == "blocking");
  }
}
