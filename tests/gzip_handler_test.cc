// Tests for lib/gzip_handler.cc: when GzipHandler compresses and when it
// leaves a response alone, what it does to the header (Content-Length,
// Content-Encoding, Vary, ETag, Accept-Ranges), streaming with Flush and a
// held response, and AcceptsGzip's reading of Accept-Encoding.
#include "nethttp/gzip_handler.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "internal/gzip.h"
#include "nethttp/httptest.h"

namespace nethttp {
namespace {

std::string Gunzip(std::string_view gz) {
  GzipDecoder dec;
  std::string out;
  Result<size_t> used = dec.Decode(gz, size_t{1} << 30, &out);
  REQUIRE(used.ok());
  CHECK(*used == gz.size());
  CHECK(!dec.Finish());
  return out;
}

const std::string kPage = "<!DOCTYPE html><html><body>" + std::string(4000, 'x') + "</body></html>";

// Serve runs h behind GzipHandler for a request with these Accept-Encoding
// and method, and returns the recorder.
std::shared_ptr<httptest::ResponseRecorder> Serve(HandlerFunc::Func h, std::string_view accept = "gzip",
                                                   std::string_view method = "GET", GzipOptions opts = {}) {
  std::shared_ptr<Handler> gz = GzipHandler(std::make_shared<HandlerFunc>(std::move(h)), std::move(opts));
  Request r = httptest::NewRequest(method, "/", "").value();
  if (!accept.empty()) r.header.Set("Accept-Encoding", accept);
  auto rec = httptest::NewRecorder();
  gz->ServeHTTP(*rec, r);
  return rec;
}

TEST_SUITE("gzip_handler") {
  TEST_CASE("a compressible body for a client that takes gzip is compressed, and says so") {
    auto rec = Serve([](ResponseWriter& w, Request&) {
      w.Header().Set("Content-Type", "text/html; charset=utf-8");
      w.Header().Set("Content-Length", std::to_string(kPage.size()));
      w.Header().Set("ETag", "\"v1\"");
      w.Header().Set("Accept-Ranges", "bytes");
      w.Write(kPage.substr(0, 100));
      w.Write(kPage.substr(100));
    });
    Response resp = rec->Result();
    CHECK(resp.status_code == 200);
    CHECK(resp.header.Get("Content-Encoding") == "gzip");
    CHECK(resp.header.Get("Vary") == "Accept-Encoding");
    CHECK_FALSE(resp.header.Has("Content-Length"));
    CHECK_FALSE(resp.header.Has("Accept-Ranges"));
    CHECK(resp.header.Get("ETag") == "W/\"v1\"");
    CHECK(rec->body.size() < kPage.size() / 10);
    CHECK(Gunzip(rec->body) == kPage);
  }

  TEST_CASE("the type is sniffed from the held-back bytes when the handler set none") {
    auto rec = Serve([](ResponseWriter& w, Request&) { w.Write(kPage); });
    CHECK(rec->Result().header.Get("Content-Type") == "text/html; charset=utf-8");
    CHECK(rec->Result().header.Get("Content-Encoding") == "gzip");
    CHECK(Gunzip(rec->body) == kPage);
  }

  TEST_CASE("left alone: no gzip accepted, small, incompressible, encoded, ranges, HEAD, no body") {
    auto page = [](ResponseWriter& w, Request&) {
      w.Header().Set("Content-Type", "text/plain");
      w.Write(kPage);
    };
    SUBCASE("the client takes no gzip: identity, but Vary all the same") {
      for (std::string accept : {"", "identity", "gzip;q=0", "br, deflate", "*;q=0"}) {
        CAPTURE(accept);
        auto rec = Serve(page, accept);
        CHECK(rec->body == kPage);
        CHECK_FALSE(rec->Result().header.Has("Content-Encoding"));
        CHECK(rec->Result().header.Get("Vary") == "Accept-Encoding");
      }
    }
    SUBCASE("under min_size, whether known from Content-Length or from the end") {
      auto rec = Serve([](ResponseWriter& w, Request&) {
        w.Header().Set("Content-Type", "text/plain");
        w.Write("short");
      });
      CHECK(rec->body == "short");
      CHECK_FALSE(rec->Result().header.Has("Content-Encoding"));
      auto declared = Serve([](ResponseWriter& w, Request&) {
        w.Header().Set("Content-Type", "text/plain");
        w.Header().Set("Content-Length", "10");
        w.Write("0123456789");
      });
      CHECK(declared->body == "0123456789");
      CHECK(declared->Result().header.Get("Content-Length") == "10");
    }
    SUBCASE("an image, a response already encoded, a 206, a HEAD, a 304") {
      auto png = Serve([](ResponseWriter& w, Request&) {
        w.Header().Set("Content-Type", "image/png");
        w.Write(kPage);
      });
      CHECK(png->body == kPage);
      CHECK_FALSE(png->Result().header.Has("Vary"));
      auto encoded = Serve([](ResponseWriter& w, Request&) {
        w.Header().Set("Content-Type", "text/plain");
        w.Header().Set("Content-Encoding", "br");
        w.Write(kPage);
      });
      CHECK(encoded->body == kPage);
      auto partial = Serve([](ResponseWriter& w, Request&) {
        w.Header().Set("Content-Type", "text/plain");
        w.Header().Set("Content-Range", "bytes 0-4039/9000");
        w.WriteHeader(206);
        w.Write(kPage);
      });
      CHECK(partial->code == 206);
      CHECK(partial->body == kPage);
      auto head = Serve(page, "gzip", "HEAD");
      CHECK_FALSE(head->Result().header.Has("Content-Encoding"));
      auto not_modified = Serve([](ResponseWriter& w, Request&) {
        w.Header().Set("Content-Type", "text/plain");
        w.WriteHeader(304);
      });
      CHECK(not_modified->code == 304);
      CHECK_FALSE(not_modified->Result().header.Has("Content-Encoding"));
    }
  }

  TEST_CASE("a status set before the body goes out with the compressed body") {
    auto rec = Serve([](ResponseWriter& w, Request&) {
      w.Header().Set("Content-Type", "application/json");
      w.WriteHeader(404);
      w.Write(std::string(2000, '{'));
    });
    CHECK(rec->code == 404);
    CHECK(rec->Result().header.Get("Content-Encoding") == "gzip");
    CHECK(Gunzip(rec->body) == std::string(2000, '{'));
  }

  TEST_CASE("Flush sends what is compressed so far, decodable at once (server-sent events)") {
    auto rec = httptest::NewRecorder();
    std::string after_first_flush;
    std::shared_ptr<Handler> gz = GzipHandler(std::make_shared<HandlerFunc>([&](ResponseWriter& w, Request&) {
      w.Header().Set("Content-Type", "text/event-stream");
      w.Write("data: one\n\n");
      w.Flush();
      after_first_flush = rec->body;
      w.Write("data: two\n\n");
    }));
    Request r = httptest::NewRequest("GET", "/", "").value();
    r.header.Set("Accept-Encoding", "gzip");
    gz->ServeHTTP(*rec, r);
    CHECK(rec->Result().header.Get("Content-Encoding") == "gzip");
    GzipDecoder dec;
    std::string got;
    REQUIRE(dec.Decode(after_first_flush, 1 << 16, &got).ok());
    CHECK(got == "data: one\n\n");
    CHECK(Gunzip(rec->body) == "data: one\n\ndata: two\n\n");
  }

  TEST_CASE("a held response is compressed until its Finish") {
    std::shared_ptr<ResponseWriter> held;
    auto rec = Serve([&](ResponseWriter& w, Request&) {
      held = w.Hold();
      w.Header().Set("Content-Type", "text/plain");
    });
    CHECK(rec->body.empty());
    held->Write(kPage);
    held->Write(kPage);
    CHECK_FALSE(rec->finished);
    held->Finish();
    CHECK(rec->finished);
    CHECK(Gunzip(rec->body) == kPage + kPage);
  }

  TEST_CASE("options: a level, a min_size and a type filter") {
    GzipOptions opts;
    opts.level = 9;
    opts.min_size = 10;
    opts.compressible = [](std::string_view t) { return t == "application/x-custom"; };
    auto rec = Serve(
        [](ResponseWriter& w, Request&) {
          w.Header().Set("Content-Type", "application/x-custom");
          w.Write("0123456789abcdef");
        },
        "gzip", "GET", opts);
    CHECK(Gunzip(rec->body) == "0123456789abcdef");
    auto text = Serve(
        [](ResponseWriter& w, Request&) {
          w.Header().Set("Content-Type", "text/plain");
          w.Write(kPage);
        },
        "gzip", "GET", opts);
    CHECK(text->body == kPage);
  }

  TEST_CASE("AcceptsGzip reads codings, q-values and *") {
    struct Case {
      std::string accept;
      bool want;
    };
    const Case cases[] = {
        {"gzip", true},           {"GZIP", true},           {"gzip, deflate, br", true},
        {"br;q=1.0, gzip;q=0.8", true}, {"x-gzip", true},   {"gzip;q=0", false},
        {"gzip;q=0.000", false},  {"gzip;q=0.001", true},   {"*", true},
        {"*;q=0", false},         {"gzip;q=0, *", false},   {"identity", false},
        {"", false},              {"gzip;q=2", false},      {"gzip ; q=0.5", true},
    };
    for (const Case& c : cases) {
      CAPTURE(c.accept);
      Header h;
      if (!c.accept.empty()) h.Set("Accept-Encoding", c.accept);
      CHECK(AcceptsGzip(h) == c.want);
    }
  }

  TEST_CASE("DefaultCompressible") {
    for (std::string_view yes : {"text/html", "text/css", "application/json", "application/javascript",
                                 "image/svg+xml", "application/ld+json", "application/atom+xml"}) {
      CHECK(DefaultCompressible(yes));
    }
    for (std::string_view no : {"image/png", "video/mp4", "application/zip", "application/octet-stream",
                                "application/gzip"}) {
      CHECK_FALSE(DefaultCompressible(no));
    }
  }
}

}  // namespace
}  // namespace nethttp
