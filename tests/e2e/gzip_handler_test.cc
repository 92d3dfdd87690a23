// GzipHandler end to end: a server in this process (real sockets on
// 127.0.0.1) with FileServer and a streaming handler behind GzipHandler,
// driven by curl, which asks for gzip and decodes it (--compressed) or
// hands the compressed bytes over as they came.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "internal/gzip.h"
#include "nethttp/nethttp.h"
#include "testutil/loop_fixture.h"
#include "testutil/peer.h"
#include "testutil/pingd.h"  // Curl
#include "testutil/process.h"

namespace {

using nethttp::testutil::LoopFixture;
using nethttp::testutil::Peer;
using nethttp::testutil::PortOf;
using nethttp::testutil::RunResult;

std::string Gunzip(std::string_view gz) {
  nethttp::GzipDecoder dec;
  std::string out;
  nethttp::Result<size_t> used = dec.Decode(gz, size_t{1} << 30, &out);
  REQUIRE_MESSAGE(used.ok(), used.error().message());
  CHECK(!dec.Finish());
  return out;
}

// GzipServer serves root's files under /files/ and a stream of events at
// /events, both behind GzipHandler.
class GzipServer {
 public:
  GzipServer(LoopFixture& fx, const std::filesystem::path& root) : fx_(fx) {
    auto mux = std::make_shared<nethttp::ServeMux>();
    mux->Handle("/files/", nethttp::StripPrefix("/files", nethttp::FileServer(nethttp::Dir(root.string()))));
    mux->HandleFunc("/events", [](nethttp::ResponseWriter& w, nethttp::Request&) {
      w.Header().Set("Content-Type", "text/event-stream");
      std::shared_ptr<nethttp::ResponseWriter> held = w.Hold();
      for (int i = 0; i < 100; ++i) {
        held->Write("data: event " + std::to_string(i) + "\n\n");
        held->Flush();
      }
      held->Finish();
    });
    srv_.addr = "127.0.0.1:0";
    srv_.loop = &fx.loop();
    srv_.handler = nethttp::GzipHandler(mux);
    REQUIRE_FALSE(srv_.Listen());
    base_ = "http://127.0.0.1:" + std::to_string(PortOf(srv_));
  }
  ~GzipServer() {
    srv_.Close();
    fx_.RunUntil([&] { return srv_.NumConns() == 0; });
  }

  // Curl runs curl with -D - and splits its output: the head into err
  // (the status line and the fields), the body into out.
  RunResult Curl(std::vector<std::string> args) {
    for (std::string& a : args) {
      if (a.starts_with("/")) a = base_ + a;
    }
    args.insert(args.begin(), {"-D", "-"});
    RunResult r;
    {
      Peer peer(fx_, [&] { r = nethttp::testutil::Curl(args); });
    }
    size_t end = r.out.find("\r\n\r\n");
    if (end != std::string::npos) {
      r.err = r.out.substr(0, end + 2);
      r.out.erase(0, end + 4);
    }
    return r;
  }

 private:
  LoopFixture& fx_;
  nethttp::Server srv_;
  std::string base_;
};

struct Root {
  Root() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gzip_test-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
    for (int i = 0; i < 20000; ++i) page += "<p>line " + std::to_string(i) + " of a long page</p>\n";
    std::ofstream(path / "page.html") << page;
    for (int i = 0; i < 5000; ++i) png += static_cast<char>((i * 7919) % 251);
    std::ofstream(path / "image.png", std::ios::binary) << png;
  }
  ~Root() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
  std::string page, png;
};

TEST_CASE("curl --compressed gets a FileServer page gzip'd, and decodes it to the file") {
  LoopFixture fx;
  Root root;
  GzipServer s(fx, root.path);
  RunResult r = s.Curl({"--compressed", "/files/page.html"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == root.page);
  CHECK_MESSAGE(r.err.find("Content-Encoding: gzip\r\n") != std::string::npos, r.err);
  CHECK(r.err.find("Vary: Accept-Encoding\r\n") != std::string::npos);
  CHECK(r.err.find("Content-Length") == std::string::npos);
  CHECK(r.err.find("Accept-Ranges") == std::string::npos);

  // Without --compressed curl asks for nothing: the file as it is.
  RunResult plain = s.Curl({"/files/page.html"});
  CHECK(plain.out == root.page);
  CHECK(plain.err.find("Content-Encoding") == std::string::npos);
  CHECK(plain.err.find("Content-Length: " + std::to_string(root.page.size()) + "\r\n") != std::string::npos);
}

TEST_CASE("the compressed bytes themselves: a tenth of the page, a gzip stream of it") {
  LoopFixture fx;
  Root root;
  GzipServer s(fx, root.path);
  RunResult raw = s.Curl({"-H", "Accept-Encoding: gzip", "/files/page.html"});
  REQUIRE(raw.exit_code == 0);
  CHECK(raw.out.size() < root.page.size() / 5);
  CHECK(Gunzip(raw.out) == root.page);
  // An image is not compressed again, and a range is served as it is.
  RunResult png = s.Curl({"-H", "Accept-Encoding: gzip", "/files/image.png"});
  CHECK(png.out == root.png);
  CHECK(png.err.find("Content-Encoding") == std::string::npos);
  RunResult range = s.Curl({"-H", "Accept-Encoding: gzip", "-r", "0-99", "/files/page.html"});
  CHECK(range.out == root.page.substr(0, 100));
}

TEST_CASE("a held handler that flushes streams compressed events curl decodes") {
  LoopFixture fx;
  Root root;
  GzipServer s(fx, root.path);
  RunResult r = s.Curl({"--compressed", "/events"});
  REQUIRE(r.exit_code == 0);
  std::string want;
  for (int i = 0; i < 100; ++i) want += "data: event " + std::to_string(i) + "\n\n";
  CHECK(r.out == want);
}

}  // namespace
