// FileServerFixture: a real Server on 127.0.0.1:0 on the test's loop, with
// FileServer(Dir(root)) mounted at /static/ of a ServeMux and root a fresh
// temp dir holding Go's fs_test.go testdata; the peer is a RawConn on a
// second thread, one connection per request. Shared by file_server_test.cc
// (Go's fs_test.go) and file_system_test.cc (Dir beneath its root).
#ifndef NETHTTP_TESTS_TESTUTIL_FILE_SERVER_FIXTURE_H_
#define NETHTTP_TESTS_TESTUTIL_FILE_SERVER_FIXTURE_H_

#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "nethttp/nethttp.h"
#include "testutil/loop_fixture.h"
#include "testutil/peer.h"
#include "testutil/raw_conn.h"
#include "testutil/temp_tree.h"

namespace nethttp::testutil {

// Go's testdata/ (net/http/testdata): the files fs_test.go serves.
inline constexpr std::string_view kTestFile = "0123456789\n";
inline constexpr std::string_view kTestIndexHtml = "index.html says hello\n";
inline constexpr std::string_view kTestStyleCss = "body {}\n";

// kFileMod is Go's fileMod (time.Unix(1000000000, 0)), the modification
// time of the testdata files here; kHtmlMod stands for the mtime of Go's
// testdata/index.html (htmlModTime), a time of its own so that a mix-up
// shows.
inline constexpr time_t kFileMod = 1000000000;
inline constexpr std::string_view kFileModText = "Sun, 09 Sep 2001 01:46:40 GMT";
inline constexpr time_t kHtmlMod = 1234567890;
inline constexpr std::string_view kHtmlModText = "Fri, 13 Feb 2009 23:31:30 GMT";

// At is secs (plus nanos) after the Unix epoch.
inline std::chrono::system_clock::time_point At(time_t secs, long nanos = 0) {
  return std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::seconds(secs) + std::chrono::nanoseconds(nanos)));
}

// Req is a request with Connection: close, so that the server's close ends
// the exchange and any byte after the response shows (headers: "K: v\r\n"...).
inline std::string Req(std::string_view method, std::string_view target, std::string_view headers = "") {
  return std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: fs\r\nConnection: close\r\n" +
         std::string(headers) + "\r\n";
}

class FileServerFixture {
 public:
  FileServerFixture() {
    root.Mkdir("testdata");
    root.Write("testdata/file", kTestFile);
    root.Write("testdata/index.html", kTestIndexHtml);
    root.Write("testdata/style.css", kTestStyleCss);
    root.SetModTime("testdata/file", kFileMod);
    root.SetModTime("testdata/index.html", kHtmlMod);
    root.SetModTime("testdata/style.css", kFileMod);
    dir = Dir(root.path(), &fx.loop());
    REQUIRE_FALSE(mux->Handle("/static/", StripPrefix("/static", FileServer(dir))));
    srv.addr = "127.0.0.1:0";
    srv.loop = &fx.loop();
  }
  ~FileServerFixture() { srv.Close(); }
  FileServerFixture(const FileServerFixture&) = delete;
  FileServerFixture& operator=(const FileServerFixture&) = delete;

  // Listen starts serving with h, or with mux when h is null.
  void Listen(std::shared_ptr<Handler> h = nullptr) {
    srv.handler = h != nullptr ? std::move(h) : mux;
    REQUIRE_FALSE(srv.Listen());
    std::string a = srv.ListenAddr();
    port = std::stoi(a.substr(a.rfind(':') + 1));
  }

  // ServeFileHandler is a handler that serves the file name with ServeFile
  // on the test's loop (ServeFile's default is DefaultLoop()), after
  // before(w, r) when given, which may set response headers.
  std::shared_ptr<Handler> ServeFileHandler(std::string name, HandlerFunc::Func before = nullptr) {
    Loop* loop = &fx.loop();
    return std::make_shared<HandlerFunc>(
        [name = std::move(name), before = std::move(before), loop](ResponseWriter& w, Request& r) {
          if (before) before(w, r);
          ServeFile(w, r, name, loop);
        });
  }

  // Fetch sends request on a new connection and reads one response (for
  // HEAD pass head), then requires the server's close with nothing after
  // the response: a Content-Length that does not match what was sent, or a
  // body sent for HEAD, fails here.
  HttpResponse Fetch(const std::string& request, bool head = false) {
    std::optional<HttpResponse> res;
    std::string error, rest;
    bool closed = false;
    RunPeer(fx, [&] {
      RawConn c;
      if (!c.Connect(port) || !c.Send(request)) {
        error = c.error();
        return;
      }
      res = c.ReadResponse(After(kIoTimeout), head);
      if (!res) {
        error = c.error();
        return;
      }
      rest = c.ReadUntilClose(After(kIoTimeout), &closed);
    });
    REQUIRE_MESSAGE(res.has_value(), request << "-> " << error);
    CHECK_MESSAGE(closed, request << "-> the server did not close the connection");
    CHECK_MESSAGE(rest.empty(), request << "-> bytes after the response: " << rest);
    return *res;
  }
  HttpResponse Get(std::string_view target, std::string_view headers = "") {
    return Fetch(Req("GET", target, headers));
  }
  HttpResponse Head(std::string_view target, std::string_view headers = "") {
    return Fetch(Req("HEAD", target, headers), /*head=*/true);
  }

  // TryOpen opens name through fs, on the loop, as a handler would.
  Result<std::shared_ptr<File>> TryOpen(FileSystem& fs, std::string_view name) {
    std::optional<Result<std::shared_ptr<File>>> got;
    fs.Open(name, [&](Result<std::shared_ptr<File>> f) { got = std::move(f); });
    REQUIRE(fx.RunUntil([&] { return got.has_value(); }));
    return std::move(*got);
  }
  // Open opens name of root through dir, and requires that it opens.
  std::shared_ptr<File> Open(std::string_view name) {
    Result<std::shared_ptr<File>> got = TryOpen(*dir, name);
    REQUIRE_MESSAGE(got.ok(), "open " << name << ": " << got.error().message());
    return got.value();
  }

  TempTree root;  // served at /static/; declared first, so removed last
  LoopFixture fx;
  std::shared_ptr<FileSystem> dir;  // Dir(root) on fx's loop
  std::shared_ptr<ServeMux> mux = std::make_shared<ServeMux>();
  Server srv;
  int port = 0;
};

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_FILE_SERVER_FIXTURE_H_
