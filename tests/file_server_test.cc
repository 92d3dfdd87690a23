// Tests for lib/file_server.cc over loopback: Go 1.19's fs_test.go, ported
// as tables where it has them (ServeFileRangeTests, TestServeContent,
// TestServeFile_DotDot, TestServeFileRejectsInvalidSuffixLengths), and the
// rest case by case; the range and ServeContent rows also as HEAD. Dir's own
// rules (nothing outside the root, FIFOs, errors, size) are in
// file_system_test.cc. The server runs on the test's loop in this thread;
// the peer is a RawConn on a second thread (testutil/file_server_fixture.h).
#include <doctest/doctest.h>
#include <uv.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "internal/path.h"
#include "nethttp/nethttp.h"
#include "testutil/file_server_fixture.h"
#include "testutil/multipart.h"

using nethttp::File;
using nethttp::FileInfo;
using nethttp::FileSystem;
using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::Result;
using nethttp::testutil::At;
using nethttp::testutil::Boundary;
using nethttp::testutil::HttpResponse;
using nethttp::testutil::kFileMod;
using nethttp::testutil::kFileModText;
using nethttp::testutil::kHtmlMod;
using nethttp::testutil::kHtmlModText;
using nethttp::testutil::kTestFile;
using nethttp::testutil::kTestIndexHtml;
using nethttp::testutil::kTestStyleCss;
using nethttp::testutil::ParseParts;
using nethttp::testutil::Part;
using nethttp::testutil::Req;
using Fixture = nethttp::testutil::FileServerFixture;
using TimePoint = std::chrono::system_clock::time_point;

namespace {

constexpr int64_t kTestFileLen = 11;  // Go's testFileLen

// ---------------------------------------------------------------------------
// Go's fakeFS: an in-memory FileSystem whose calls complete on the loop.

// Later runs fn on loop in a later turn, as File's calls must complete: a
// one-shot timer that closes and frees itself, so no handle outlives it.
void Later(uv_loop_t* loop, std::function<void()> fn) {
  struct Timer {
    uv_timer_t t;
    std::function<void()> fn;
  };
  auto* t = new Timer{{}, std::move(fn)};
  uv_timer_init(loop, &t->t);
  t->t.data = t;
  uv_timer_start(&t->t, [](uv_timer_t* h) {
    static_cast<Timer*>(h->data)->fn();
    uv_close(reinterpret_cast<uv_handle_t*>(h), [](uv_handle_t* h) { delete static_cast<Timer*>(h->data); });
  }, 0, 0);
}

// FakeEntry is Go's fakeFileInfo: a file or a directory in memory, or an
// error its Open fails with.
struct FakeEntry {
  bool dir = false;
  TimePoint mod{};
  std::string contents{};
  std::vector<std::string> ents{};  // a directory's names, in this order
  int open_error = 0;             // a UV_E* code
};

class FakeFile : public File {
 public:
  FakeFile(uv_loop_t* loop, FileInfo info, std::string contents, std::vector<FileInfo> ents, int* reads)
      : loop_(loop), info_(std::move(info)), contents_(std::move(contents)), ents_(std::move(ents)), reads_(reads) {}
  const FileInfo& Stat() const override { return info_; }
  void ReadAt(int64_t offset, char* buf, size_t n, ReadFunc done) override {
    ++*reads_;
    std::string got = offset < static_cast<int64_t>(contents_.size())
                          ? contents_.substr(static_cast<size_t>(offset), n)
                          : std::string();
    Later(loop_, [got, buf, done = std::move(done)] {
      got.copy(buf, got.size());
      done(got.size());
    });
  }
  void ReadDir(ReadDirFunc done) override {
    Later(loop_, [ents = ents_, done = std::move(done)] { done(ents); });
  }

 private:
  uv_loop_t* loop_;
  FileInfo info_;
  std::string contents_;
  std::vector<FileInfo> ents_;
  int* reads_;
};

// FakeFS is Go's fakeFS, keyed by cleaned rooted names ("/", "/a/b"). It
// also records every name it is asked to open (Go's testFileSystem and
// fileServerCleanPathDir) and counts reads of its files.
class FakeFS : public FileSystem {
 public:
  explicit FakeFS(uv_loop_t* loop) : loop_(loop) {}
  void Open(std::string_view name, OpenFunc done) override {
    opened.emplace_back(name);
    std::string clean = nethttp::CleanPath(name);
    auto it = entries.find(clean);
    if (it == entries.end() || it->second.open_error != 0) {
      int err = it == entries.end() ? UV_ENOENT : it->second.open_error;
      Later(loop_, [err, done = std::move(done)] { done(nethttp::Error::FromUv(err, "open")); });
      return;
    }
    std::vector<FileInfo> ents;
    for (const std::string& e : it->second.ents) {
      const FakeEntry& fe = entries.at(clean == "/" ? "/" + e : clean + "/" + e);
      ents.push_back(Info(e, fe));
    }
    std::string base = clean == "/" ? "/" : clean.substr(clean.rfind('/') + 1);
    auto f = std::make_shared<FakeFile>(loop_, Info(base, it->second), it->second.contents, std::move(ents), &reads);
    Later(loop_, [f, done = std::move(done)] { done(std::shared_ptr<File>(f)); });
  }

  std::map<std::string, FakeEntry> entries;
  std::vector<std::string> opened;
  int reads = 0;

 private:
  static FileInfo Info(std::string name, const FakeEntry& e) {
    return FileInfo{std::move(name), static_cast<int64_t>(e.contents.size()), e.mod, e.dir};
  }
  uv_loop_t* loop_;
};

}  // namespace

TEST_SUITE("file_server") {
  // Go: ServeFileRangeTests, run by TestServeFile through ServeFile; here
  // through ServeFile and through FileServer, each row also as HEAD.
  TEST_CASE("ServeFileRangeTests: status, Content-Range and bytes of every row, multipart part by part") {
    struct Row {
      std::string_view r;
      int code;
      std::vector<std::pair<int64_t, int64_t>> ranges;  // [start, end)
    };
    const int64_t n = kTestFileLen;
    const std::vector<Row> rows = {
        {"", 200, {}},
        {"bytes=0-4", 206, {{0, 5}}},
        {"bytes=2-", 206, {{2, n}}},
        {"bytes=-5", 206, {{n - 5, n}}},
        {"bytes=3-7", 206, {{3, 8}}},
        {"bytes=0-0,-2", 206, {{0, 1}, {n - 2, n}}},
        {"bytes=0-1,5-8", 206, {{0, 2}, {5, 9}}},
        {"bytes=0-1,5-", 206, {{0, 2}, {5, n}}},
        {"bytes=5-1000", 206, {{5, n}}},
        {"bytes=0-,1-,2-,3-,4-", 200, {}},  // ignore wasteful range request
        {"bytes=0-9", 206, {{0, n - 1}}},
        {"bytes=0-10", 206, {{0, n}}},
        {"bytes=0-11", 206, {{0, n}}},
        {"bytes=10-11", 206, {{n - 1, n}}},
        {"bytes=10-", 206, {{n - 1, n}}},
        {"bytes=11-", 416, {}},
        {"bytes=11-12", 416, {}},
        {"bytes=12-12", 416, {}},
        {"bytes=11-100", 416, {}},
        {"bytes=12-100", 416, {}},
        {"bytes=100-", 416, {}},
        {"bytes=100-1000", 416, {}},
    };
    Fixture f;
    REQUIRE_FALSE(f.mux->Handle("/servefile", f.ServeFileHandler(f.root.Path("testdata/file"))));
    f.Listen();
    auto content_range = [](std::pair<int64_t, int64_t> rg) {
      return "bytes " + std::to_string(rg.first) + "-" + std::to_string(rg.second - 1) + "/11";
    };
    auto slice = [](std::pair<int64_t, int64_t> rg) {
      return std::string(kTestFile.substr(static_cast<size_t>(rg.first), static_cast<size_t>(rg.second - rg.first)));
    };
    for (std::string_view path : {"/servefile", "/static/testdata/file"}) {
      for (const Row& rt : rows) {
        CAPTURE(path);
        CAPTURE(rt.r);
        std::string range = rt.r.empty() ? "" : "Range: " + std::string(rt.r) + "\r\n";
        HttpResponse res = f.Get(path, range);
        CHECK(res.status == rt.code);
        CHECK_FALSE(res.chunked);
        if (rt.code == 416) {
          // Go: errNoOverlap also says what there is (RFC 9110 §15.5.17);
          // Accept-Ranges is only set once the ranges parsed.
          CHECK(res.Get("Content-Range") == "bytes */11");
          CHECK_FALSE(res.Has("Accept-Ranges"));
          CHECK(res.body == "invalid range: failed to overlap\n");
        } else {
          CHECK(res.Get("Accept-Ranges") == "bytes");
          CHECK(res.Get("Content-Length") == std::to_string(res.body.size()));
          CHECK(res.Get("Content-Range") == (rt.ranges.size() == 1 ? content_range(rt.ranges[0]) : ""));
          CHECK(res.Get("Last-Modified") == kFileModText);
          if (rt.ranges.empty()) {
            CHECK(res.body == kTestFile);
            CHECK(res.Get("Content-Type") == "text/plain; charset=utf-8");
          } else if (rt.ranges.size() == 1) {
            CHECK(res.body == slice(rt.ranges[0]));
            CHECK(res.Get("Content-Type") == "text/plain; charset=utf-8");  // not multipart
          } else {
            std::string boundary = Boundary(res.Get("Content-Type"));
            REQUIRE_MESSAGE(!boundary.empty(), "Content-Type: " << res.Get("Content-Type"));
            CHECK(boundary.size() == 60);  // Go's randomBoundary: 30 bytes in hex
            std::string why;
            std::optional<std::vector<Part>> parts = ParseParts(res.body, boundary, &why);
            REQUIRE_MESSAGE(parts.has_value(), why << "\n" << res.body);
            REQUIRE(parts->size() == rt.ranges.size());
            for (size_t i = 0; i < parts->size(); ++i) {
              CAPTURE(i);
              CHECK((*parts)[i].content_range == content_range(rt.ranges[i]));
              CHECK((*parts)[i].content_type == "text/plain; charset=utf-8");
              CHECK((*parts)[i].body == slice(rt.ranges[i]));
            }
          }
        }
        // HEAD: the same head, no body (Fetch fails on a byte after it).
        HttpResponse head = f.Head(path, range);
        CHECK(head.status == rt.code);
        CHECK(head.Get("Content-Range") == res.Get("Content-Range"));
        if (rt.code != 416) {
          CHECK(head.Get("Content-Length") == res.Get("Content-Length"));
          // (A multipart boundary is random, but always 60 characters.)
          CHECK(head.Get("Content-Type").size() == res.Get("Content-Type").size());
          CHECK(Boundary(head.Get("Content-Type")).empty() == Boundary(res.Get("Content-Type")).empty());
        }
      }
    }
  }

  TEST_CASE("TestServeFileContentType: the handler's type, sniffed, or none when set empty") {
    Fixture f;
    auto override = [](ResponseWriter& w, Request& r) {
      if (r.url.raw_query == "override=1") w.Header().Set("Content-Type", "icecream/chocolate");
      // Go: w.Header()["Content-Type"] = []string{} inhibits sniffing; here
      // an empty value does (file_server.cc NeedsSniff).
      if (r.url.raw_query == "override=2") w.Header().Set("Content-Type", "");
    };
    REQUIRE_FALSE(f.mux->Handle("/ct", f.ServeFileHandler(f.root.Path("testdata/file"), override)));
    f.Listen();
    HttpResponse sniffed = f.Get("/ct?override=0");
    CHECK(sniffed.Count("Content-Type") == 1);
    CHECK(sniffed.Get("Content-Type") == "text/plain; charset=utf-8");
    HttpResponse set = f.Get("/ct?override=1");
    CHECK(set.Count("Content-Type") == 1);
    CHECK(set.Get("Content-Type") == "icecream/chocolate");
    HttpResponse none = f.Get("/ct?override=2");
    CHECK(none.status == 200);
    CHECK(none.body == kTestFile);
    CHECK(none.Get("Content-Type").empty());  // not sniffed (the line itself: the case below)
  }

  // Go writes no Content-Type line for a key with no values (the
  // handler's "do not sniff"); our Header says the same with an empty
  // value, which the server then leaves out of the head.
  TEST_CASE("TestServeFileContentType: an emptied Content-Type sends no Content-Type line") {
    Fixture f;
    auto empty_type = [](ResponseWriter& w, Request&) { w.Header().Set("Content-Type", ""); };
    REQUIRE_FALSE(f.mux->Handle("/ct", f.ServeFileHandler(f.root.Path("testdata/file"), empty_type)));
    f.Listen();
    HttpResponse none = f.Get("/ct");
    CHECK(none.body == kTestFile);
    CHECK_MESSAGE(!none.Has("Content-Type"), "Content-Type: \"" << none.Get("Content-Type") << "\"");
  }

  TEST_CASE("TestServeFileMimeType: the type from the extension") {
    Fixture f;
    REQUIRE_FALSE(f.mux->Handle("/css", f.ServeFileHandler(f.root.Path("testdata/style.css"))));
    f.Listen();
    HttpResponse res = f.Get("/css");
    CHECK(res.Get("Content-Type") == "text/css; charset=utf-8");
    CHECK(res.body == kTestStyleCss);
    // The same through FileServer, and for HEAD.
    CHECK(f.Get("/static/testdata/style.css").Get("Content-Type") == "text/css; charset=utf-8");
    HttpResponse head = f.Head("/static/testdata/style.css");
    CHECK(head.Get("Content-Type") == "text/css; charset=utf-8");
    CHECK(head.Get("Content-Length") == "8");
  }

  TEST_CASE("TestServeFileFromCWD: a name relative to the working directory") {
    Fixture f;
    std::string rel = std::filesystem::relative(f.root.Path("testdata/file")).string();
    REQUIRE(!rel.starts_with("/"));
    REQUIRE_FALSE(f.mux->Handle("/rel", f.ServeFileHandler(rel)));
    f.Listen();
    HttpResponse res = f.Get("/rel");
    CHECK(res.status == 200);
    CHECK(res.body == kTestFile);
  }

  TEST_CASE("TestServeFileWithContentEncoding: no Content-Length of the file under a Content-Encoding") {
    Fixture f;
    // Larger than one read, so the server cannot frame it by itself: Go's
    // test flushes after ServeFile for that, which a held response cannot.
    std::string big(200 * 1024, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    f.root.Write("testdata/big", big);
    auto encode = [](ResponseWriter& w, Request&) { w.Header().Set("Content-Encoding", "foo"); };
    REQUIRE_FALSE(f.mux->Handle("/enc/big", f.ServeFileHandler(f.root.Path("testdata/big"), encode)));
    REQUIRE_FALSE(f.mux->Handle("/enc/file", f.ServeFileHandler(f.root.Path("testdata/file"), encode)));
    f.Listen();
    HttpResponse res = f.Get("/enc/big");
    CHECK(res.status == 200);
    CHECK_FALSE(res.Has("Content-Length"));
    CHECK(res.chunked);
    CHECK(res.Get("Content-Encoding") == "foo");
    CHECK(res.body == big);
    // A small one is written and finished in one turn, and the server
    // frames what it sent itself, as Go's would without the Flush.
    HttpResponse small = f.Get("/enc/file");
    CHECK(small.Get("Content-Length") == "11");
    CHECK(small.body == kTestFile);
  }

  TEST_CASE("TestServeFileNotModified: a 304 carries no representation metadata") {
    Fixture f;
    auto headers = [](ResponseWriter& w, Request&) {
      w.Header().Set("Content-Type", "application/json");
      w.Header().Set("Content-Encoding", "foo");
      w.Header().Set("Etag", "\"123\"");
    };
    REQUIRE_FALSE(f.mux->Handle("/nm", f.ServeFileHandler(f.root.Path("testdata/file"), headers)));
    f.Listen();
    HttpResponse res = f.Get("/nm", "If-None-Match: \"123\"\r\n");
    CHECK(res.status == 304);
    CHECK(res.body.empty());
    CHECK_FALSE(res.Has("Content-Type"));
    CHECK_FALSE(res.Has("Content-Encoding"));
    CHECK_FALSE(res.Has("Content-Length"));  // RFC 9110 §15.4.5: a 304 need not have one; Go sends none
    CHECK(res.Get("Etag") == "\"123\"");      // (the handler's ETag, not FileServer's)
    // A different tag: the file, under the handler's headers.
    HttpResponse full = f.Get("/nm", "If-None-Match: \"124\"\r\n");
    CHECK(full.status == 200);
    CHECK(full.Get("Content-Type") == "application/json");
    CHECK(full.body == kTestFile);
  }

  TEST_CASE("TestServeIndexHtml and TestServeIndexHtmlFS: a directory's index.html, and .../index.html redirected to ./") {
    Fixture f;
    auto fake = std::make_shared<FakeFS>(f.fx.uv());  // Go's second run: FS(os.DirFS(".")), not Dir
    fake->entries["/"] = {.dir = true, .mod = At(123), .ents = {"testdata"}};
    fake->entries["/testdata"] = {.dir = true, .mod = At(123), .ents = {"index.html"}};
    fake->entries["/testdata/index.html"] = {.mod = At(kFileMod), .contents = std::string(kTestIndexHtml)};
    REQUIRE_FALSE(f.mux->Handle("/fake/", nethttp::StripPrefix("/fake", nethttp::FileServer(fake))));
    f.Listen();
    for (std::string_view mount : {"/static", "/fake"}) {
      CAPTURE(mount);
      std::string dir = std::string(mount) + "/testdata/";
      HttpResponse res = f.Get(dir);
      CHECK(res.status == 200);
      CHECK(res.body == kTestIndexHtml);
      CHECK(res.Get("Content-Type") == "text/html; charset=utf-8");
      // Go's client follows the redirect; here it is read, then followed.
      HttpResponse redirect = f.Get(dir + "index.html");
      CHECK(redirect.status == 301);
      CHECK(redirect.Get("Location") == "./");
      CHECK(f.Get(dir + "index.html?x=1").Get("Location") == "./?x=1");  // the query is kept
    }
  }

  TEST_CASE("TestFileServerZeroByte: a NUL in the path is never a 200") {
    Fixture f;
    f.Listen();
    using namespace std::string_view_literals;
    HttpResponse raw = f.Fetch(std::string("GET /static/..\0 HTTP/1.0\r\n\r\n"sv));
    CHECK(raw.status == 400);  // llhttp refuses the NUL in the request line
    // Percent-encoded it reaches Dir, which cannot name the file: Go's
    // os.Open fails with EINVAL, a 500 (toHTTPError); so here.
    HttpResponse encoded = f.Get("/static/testdata/file%00");
    CHECK(encoded.status == 500);
    CHECK(encoded.body == "500 Internal Server Error\n");
  }

  TEST_CASE("TestFileServerNamesEscape: '..' above the root of a bare FileServer is a 4xx") {
    Fixture f;
    f.Listen(nethttp::FileServer(nethttp::Dir(f.root.Path("testdata"), &f.fx.loop())));
    for (std::string_view path : {"/../testdata/file", "/NUL"}) {
      CAPTURE(path);
      HttpResponse res = f.Get(path);
      CHECK(res.status == 404);
      CHECK(res.body == "404 page not found\n");
    }
    CHECK(f.Get("/file").body == kTestFile);  // (the root is testdata)
  }

  TEST_CASE("TestDirectoryIfNotModified: the index.html's Last-Modified, not the directory's") {
    Fixture f;
    auto fake = std::make_shared<FakeFS>(f.fx.uv());
    const std::string index_contents = "I am a fake index.html file";
    fake->entries["/"] = {.dir = true, .mod = At(123), .ents = {"index.html"}};
    fake->entries["/index.html"] = {.mod = At(kFileMod), .contents = index_contents};
    f.Listen(nethttp::FileServer(fake));
    HttpResponse res = f.Get("/");
    CHECK(res.body == index_contents);
    CHECK(res.Get("Last-Modified") == kFileModText);
    std::string ims = "If-Modified-Since: " + std::string(kFileModText) + "\r\n";
    HttpResponse not_modified = f.Get("/", ims);
    CHECK(not_modified.status == 304);
    CHECK(not_modified.body.empty());
    // Advance the index.html's modtime, but not the directory's.
    fake->entries["/index.html"].mod = At(kFileMod + 3600);
    HttpResponse modified = f.Get("/", ims);
    CHECK(modified.status == 200);
    CHECK(modified.body == index_contents);
    // The same on disk.
    f.srv.Close();
    Fixture g;
    g.root.SetModTime("testdata/index.html", kFileMod);
    g.root.SetModTime("testdata", 123);
    g.Listen();
    CHECK(g.Get("/static/testdata/").Get("Last-Modified") == kFileModText);
    CHECK(g.Get("/static/testdata/", ims).status == 304);
    g.root.SetModTime("testdata/index.html", kFileMod + 3600);
    CHECK(g.Get("/static/testdata/", ims).status == 200);
  }

  TEST_CASE("TestFileServerEscapesNames: a listing escapes names for the URL and for HTML") {
    struct Row {
      std::string_view name, escaped;
    };
    const std::vector<Row> rows = {
        {"simple_name", "<a href=\"simple_name\">simple_name</a>"},
        {"\"'<>&", "<a href=\"%22%27%3C%3E&\">&#34;&#39;&lt;&gt;&amp;</a>"},
        {"?foo=bar#baz", "<a href=\"%3Ffoo=bar%23baz\">?foo=bar#baz</a>"},
        {"<combo>?foo", "<a href=\"%3Ccombo%3E%3Ffoo\">&lt;combo&gt;?foo</a>"},
        {"foo:bar", "<a href=\"./foo:bar\">foo:bar</a>"},
    };
    Fixture f;
    // Each name in a directory of its own, so that its listing is one line
    // (Go's test uses its fakeFS; these names are all legal on Linux).
    for (size_t i = 0; i < rows.size(); ++i) {
      f.root.Mkdir(std::to_string(i));
      f.root.Write(std::to_string(i) + "/" + std::string(rows[i].name), "x");
    }
    f.Listen();
    for (size_t i = 0; i < rows.size(); ++i) {
      CAPTURE(rows[i].name);
      HttpResponse res = f.Get("/static/" + std::to_string(i) + "/");
      CHECK(res.status == 200);
      CHECK(res.Get("Content-Type") == "text/html; charset=utf-8");
      CHECK(res.body == "<pre>\n" + std::string(rows[i].escaped) + "\n</pre>\n");
    }
  }

  TEST_CASE("TestFileServerSortsNames: a listing is sorted, directories marked with a slash") {
    Fixture f;
    auto fake = std::make_shared<FakeFS>(f.fx.uv());
    fake->entries["/"] = {.dir = true, .mod = At(123), .ents = {"b", "a", "c"}};
    fake->entries["/a"] = {.mod = At(kFileMod), .contents = "I am a fake file"};
    fake->entries["/b"] = {.mod = At(kFileMod), .contents = "I am a fake file"};
    fake->entries["/c"] = {.dir = true, .mod = At(kFileMod)};
    f.Listen(nethttp::FileServer(fake));
    HttpResponse res = f.Get("/");
    CHECK(res.status == 200);
    CHECK(res.body == "<pre>\n<a href=\"a\">a</a>\n<a href=\"b\">b</a>\n<a href=\"c/\">c/</a>\n</pre>\n");
    CHECK(res.Get("Last-Modified") == "Thu, 01 Jan 1970 00:02:03 GMT");  // the directory's
  }

  TEST_CASE("TestFileServerImplicitLeadingSlash: StripPrefix(\"/bar/\") leaves no leading slash") {
    Fixture f;
    f.root.Write("foo.txt", "Hello world");
    REQUIRE_FALSE(f.mux->Handle("/bar/", nethttp::StripPrefix("/bar/", nethttp::FileServer(f.dir))));
    f.Listen();
    HttpResponse listing = f.Get("/bar/");
    CHECK(listing.status == 200);
    CHECK(listing.body.find(">foo.txt<") != std::string::npos);
    CHECK(f.Get("/bar/foo.txt").body == "Hello world");
  }

  TEST_CASE("TestFSRedirect: canonical paths by relative redirects that work under StripPrefix") {
    struct Row {
      std::string_view original, location, redirect;
    };
    const std::vector<Row> rows = {
        {"/static/index.html", "./", "/static/"},
        {"/static/testdata", "testdata/", "/static/testdata/"},
        {"/static/testdata/file/", "../file", "/static/testdata/file"},
        {"/static/testdata?a=b", "testdata/?a=b", "/static/testdata/?a=b"},
        {"/static", "/static/", "/static/"},  // the mux's redirect to its subtree
    };
    Fixture f;
    f.root.Write("index.html", "root index\n");
    // Go's TestServeDirWithoutTrailingSlash: ServeFile on a directory too.
    REQUIRE_FALSE(f.mux->Handle("/testdata", f.ServeFileHandler(f.root.Path("testdata"))));
    f.Listen();
    std::vector<Row> all = rows;
    all.push_back({"/testdata", "testdata/", ""});
    for (const Row& row : all) {
      CAPTURE(row.original);
      HttpResponse res = f.Get(row.original);
      CHECK(res.status == 301);
      CHECK(res.Get("Location") == row.location);
      if (row.redirect.empty()) continue;
      // Follow it as a client does (RFC 3986 §5.2), to a 200.
      auto base = nethttp::ParseRequestURI(row.original);
      auto ref = nethttp::Parse(res.Get("Location"));
      REQUIRE((base.ok() && ref.ok()));
      std::string next = base->ResolveReference(*ref).RequestURI();
      CHECK(next == row.redirect);
      CHECK(f.Get(next).status == 200);
    }
  }

  TEST_CASE("TestFileServerCleans and TestFileServerCleanPath: what a FileSystem is asked to open") {
    struct Row {
      std::string_view path;
      int code;
      std::vector<std::string> opened;
    };
    const std::vector<Row> rows = {
        // TestFileServerCleans (the file does not exist).
        {"/foo.txt", 404, {"/foo.txt"}},
        {"//foo.txt", 404, {"/foo.txt"}},
        {"/../foo.txt", 404, {"/foo.txt"}},
        // TestFileServerCleanPath: a directory, then its index.html; Go
        // stops there. We then open the directory again for its listing:
        // it is not kept open while index.html is looked for, so that
        // requests holding directories cannot take every open-file slot
        // and wait for one for ever (file_server.cc ServeOpened).
        {"/", 200, {"/", "/index.html", "/"}},
        {"/dir", 301, {"/dir"}},
        {"/dir/", 200, {"/dir", "/dir/index.html", "/dir"}},
    };
    Fixture f;
    auto fake = std::make_shared<FakeFS>(f.fx.uv());
    fake->entries["/"] = {.dir = true, .mod = At(123), .ents = {"dir"}};
    fake->entries["/dir"] = {.dir = true, .mod = At(123)};
    // Bare, as Go's tests call ServeHTTP: a ServeMux would clean the path
    // (and redirect) before FileServer saw it.
    f.Listen(nethttp::FileServer(fake));
    for (const Row& row : rows) {
      CAPTURE(row.path);
      fake->opened.clear();
      HttpResponse res = f.Get(row.path);
      CHECK(res.status == row.code);
      CHECK(fake->opened == row.opened);
    }
  }

  TEST_CASE("TestServeContentErrorMessages: 403, 404 and 500 without the error's text") {
    Fixture f;
    auto fake = std::make_shared<FakeFS>(f.fx.uv());
    fake->entries["/403"] = {.open_error = UV_EACCES};
    fake->entries["/500"] = {.open_error = UV_EIO};  // Go: errors.New("random error")
    f.Listen(nethttp::FileServer(fake));
    struct Row {
      std::string_view path;
      int code;
      std::string_view body;
    };
    for (const Row& row : {Row{"/403", 403, "403 Forbidden\n"}, Row{"/404", 404, "404 page not found\n"},
                           Row{"/500", 500, "500 Internal Server Error\n"}}) {
      CAPTURE(row.path);
      HttpResponse res = f.Get(row.path);
      CHECK(res.status == row.code);
      CHECK(res.body == row.body);
      CHECK(res.Get("Content-Type") == "text/plain; charset=utf-8");
      CHECK(res.Get("X-Content-Type-Options") == "nosniff");
    }
  }

  TEST_CASE("TestServeFile_DotDot: ServeFile refuses a URL path with a '..' element") {
    struct Row {
      std::string_view target;
      int status;
    };
    // Go's rows; a backslash is sent percent-encoded (llhttp refuses it
    // raw in a request-target), so that the decoded path holds it.
    const std::vector<Row> rows = {
        {"/testdata/file", 200}, {"/../file", 400},   {"/..", 400},        {"/../", 400},
        {"/../foo", 400},        {"/..%5Cfoo", 400},  {"/file/a", 200},    {"/file/a..", 200},
        {"/file/a/..", 400},     {"/file/a%5C..", 400},
    };
    Fixture f;
    f.Listen(f.ServeFileHandler(f.root.Path("testdata/file")));  // bare: a ServeMux would clean the '..' away first
    for (const Row& row : rows) {
      CAPTURE(row.target);
      HttpResponse res = f.Get(row.target);
      CHECK(res.status == row.status);
      CHECK(res.body == (row.status == 200 ? std::string(kTestFile) : "invalid URL path\n"));
    }
  }

  TEST_CASE("TestFileServerNotDirError: a path through a file is 404") {
    Fixture f;
    f.Listen();
    for (std::string_view path : {"/static/testdata/index.html/not-a-file",
                                  "/static/testdata/index.html/not-a-dir/not-a-file"}) {
      CAPTURE(path);
      HttpResponse res = f.Get(path);
      CHECK(res.status == 404);
      CHECK(res.body == "404 page not found\n");
    }
  }

  TEST_CASE("TestServeFileRejectsInvalidSuffixLengths: only non-negative suffix lengths") {
    struct Row {
      std::string_view r;
      int code;
      std::string_view body;
    };
    const std::vector<Row> rows = {
        {"bytes=--6", 416, "invalid range\n"},
        {"bytes=--0", 416, "invalid range\n"},
        {"bytes=---0", 416, "invalid range\n"},
        {"bytes=-6", 206, "hello\n"},
        {"bytes=6-", 206, "html says hello\n"},
        {"bytes=-6-", 416, "invalid range\n"},
        // Go: 206 with an empty body and "Content-Range: bytes 22-21/22".
        // We follow RFC 9110 §14.1.2: a zero suffix is unsatisfiable
        // (byte_range.h ParseRange; byte_range_test pins the parse).
        {"bytes=-0", 416, "invalid range: failed to overlap\n"},
        {"bytes=", 200, "index.html says hello\n"},
    };
    Fixture f;
    f.Listen();
    for (const Row& row : rows) {
      CAPTURE(row.r);
      // Go asks for /index.html and its client follows the redirect to /.
      HttpResponse res = f.Get("/static/testdata/", "Range: " + std::string(row.r) + "\r\n");
      CHECK(res.status == row.code);
      CHECK(res.body == row.body);
    }
  }

  TEST_CASE("FileServer's ETag: mtime and size in hex, for If-None-Match and If-Range; a handler's own wins") {
    Fixture f;
    f.root.Write("etag.txt", "abcdefghij");
    f.root.SetModTime("etag.txt", kFileMod);
    REQUIRE_FALSE(f.mux->HandleFunc("/own/", [h = nethttp::StripPrefix("/own", nethttp::FileServer(f.dir))](
                                               ResponseWriter& w, Request& r) {
      w.Header().Set("ETag", "\"mine\"");
      h->ServeHTTP(w, r);
    }));
    f.Listen();
    const std::string etag = "\"3b9aca00-a\"";  // 1000000000 and 10 bytes
    HttpResponse res = f.Get("/static/etag.txt");
    CHECK(res.Get("ETag") == etag);
    CHECK(f.Head("/static/etag.txt").Get("ETag") == etag);
    HttpResponse not_modified = f.Get("/static/etag.txt", "If-None-Match: " + etag + "\r\n");
    CHECK(not_modified.status == 304);
    CHECK(not_modified.Get("ETag") == etag);
    CHECK_FALSE(not_modified.Has("Last-Modified"));  // Go drops it from a 304 with an ETag
    CHECK(f.Get("/static/etag.txt", "If-None-Match: \"3b9aca00-b\"\r\n").status == 200);
    HttpResponse ranged = f.Get("/static/etag.txt", "Range: bytes=2-3\r\nIf-Range: " + etag + "\r\n");
    CHECK(ranged.status == 206);
    CHECK(ranged.body == "cd");
    HttpResponse stale = f.Get("/static/etag.txt", "Range: bytes=2-3\r\nIf-Range: \"3b9aca00-b\"\r\n");
    CHECK(stale.status == 200);
    CHECK(stale.body == "abcdefghij");
    // The file changes (same size, new mtime): the old tag no longer matches.
    f.root.SetModTime("etag.txt", kFileMod + 1);
    CHECK(f.Get("/static/etag.txt", "If-None-Match: " + etag + "\r\n").status == 200);
    HttpResponse own = f.Get("/own/etag.txt", "If-None-Match: \"mine\"\r\n");
    CHECK(own.status == 304);
    CHECK(own.Get("ETag") == "\"mine\"");
    // A directory listing has none (nothing to derive it from but the
    // directory's mtime, which a file's change inside may not move).
    CHECK_FALSE(f.Get("/static/").Has("ETag"));
  }

  // Go: TestServeContent's table, each row with GET and HEAD, and each with
  // the content in memory (the std::string ServeContent), in a file of Dir,
  // and, where Go passes panicOnSeek, in a File that counts its reads.
  TEST_CASE("TestServeContent: Go's table, content in memory and in a File, GET and HEAD") {
    struct Row {
      std::string_view name;
      std::string_view file{};     // in testdata/; "" for content
      std::string_view content{};  // when file is ""
      TimePoint modtime{};         // the epoch: unknown
      std::string_view serve_etag{}, serve_content_type{};
      std::string_view req_headers{};  // "Key: value\r\n"...
      std::string_view want_last_mod{}, want_content_type{}, want_content_range{};
      int want_status = 0;
      bool never_read = false;  // Go's panicOnSeek: the content must not be read
    };
    const TimePoint html_mod = At(kHtmlMod);
    const std::string ims = "If-Modified-Since: " + std::string(kHtmlModText) + "\r\n";
    const std::string ius_true = "If-Unmodified-Since: " + std::string(kHtmlModText) + "\r\n";
    const std::string ius_false = "If-Unmodified-Since: Fri, 13 Feb 2009 23:31:28 GMT\r\n";  // 2 s before
    const std::vector<Row> rows = {
        {.name = "no_last_modified", .file = "style.css", .want_content_type = "text/css; charset=utf-8",
         .want_status = 200},
        {.name = "with_last_modified", .file = "index.html", .modtime = html_mod, .want_last_mod = kHtmlModText,
         .want_content_type = "text/html; charset=utf-8", .want_status = 200},
        {.name = "not_modified_modtime", .file = "style.css", .modtime = html_mod, .serve_etag = "\"foo\"",
         .req_headers = ims, .want_status = 304},
        {.name = "not_modified_modtime_with_contenttype", .file = "style.css", .modtime = html_mod,
         .serve_etag = "\"foo\"", .serve_content_type = "text/css", .req_headers = ims, .want_status = 304},
        {.name = "not_modified_etag", .file = "style.css", .serve_etag = "\"foo\"",
         .req_headers = "If-None-Match: \"foo\"\r\n", .want_status = 304},
        {.name = "not_modified_etag_no_seek", .content = "never read", .serve_etag = "W/\"foo\"",
         .req_headers = "If-None-Match: \"baz\", W/\"foo\"\r\n", .want_status = 304, .never_read = true},
        {.name = "if_none_match_mismatch", .file = "style.css", .serve_etag = "\"foo\"",
         .req_headers = "If-None-Match: \"Foo\"\r\n", .want_content_type = "text/css; charset=utf-8",
         .want_status = 200},
        {.name = "if_none_match_malformed", .file = "style.css", .serve_etag = "\"foo\"",
         .req_headers = "If-None-Match: ,\r\n", .want_content_type = "text/css; charset=utf-8", .want_status = 200},
        {.name = "range_good", .file = "style.css", .serve_etag = "\"A\"", .req_headers = "Range: bytes=0-4\r\n",
         .want_content_type = "text/css; charset=utf-8", .want_content_range = "bytes 0-4/8", .want_status = 206},
        {.name = "range_match", .file = "style.css", .serve_etag = "\"A\"",
         .req_headers = "Range: bytes=0-4\r\nIf-Range: \"A\"\r\n", .want_content_type = "text/css; charset=utf-8",
         .want_content_range = "bytes 0-4/8", .want_status = 206},
        {.name = "range_match_weak_etag", .file = "style.css", .serve_etag = "W/\"A\"",
         .req_headers = "Range: bytes=0-4\r\nIf-Range: W/\"A\"\r\n", .want_content_type = "text/css; charset=utf-8",
         .want_status = 200},
        {.name = "range_no_overlap", .file = "style.css", .serve_etag = "\"A\"",
         .req_headers = "Range: bytes=10-20\r\n", .want_content_type = "text/plain; charset=utf-8",
         .want_content_range = "bytes */8", .want_status = 416},
        {.name = "range_no_match", .file = "style.css", .serve_etag = "\"A\"",
         .req_headers = "Range: bytes=0-4\r\nIf-Range: \"B\"\r\n", .want_content_type = "text/css; charset=utf-8",
         .want_status = 200},
        {.name = "range_with_modtime", .file = "style.css", .modtime = At(1403716338),
         .req_headers = "Range: bytes=0-4\r\nIf-Range: Wed, 25 Jun 2014 17:12:18 GMT\r\n",
         .want_last_mod = "Wed, 25 Jun 2014 17:12:18 GMT", .want_content_type = "text/css; charset=utf-8",
         .want_content_range = "bytes 0-4/8", .want_status = 206},
        {.name = "range_with_modtime_mismatch", .file = "style.css", .modtime = At(1403716338),
         .req_headers = "Range: bytes=0-4\r\nIf-Range: Wed, 25 Jun 2014 17:12:19 GMT\r\n",
         .want_last_mod = "Wed, 25 Jun 2014 17:12:18 GMT", .want_content_type = "text/css; charset=utf-8",
         .want_status = 200},
        {.name = "range_with_modtime_nanos", .file = "style.css", .modtime = At(1403716338, 123),
         .req_headers = "Range: bytes=0-4\r\nIf-Range: Wed, 25 Jun 2014 17:12:18 GMT\r\n",
         .want_last_mod = "Wed, 25 Jun 2014 17:12:18 GMT", .want_content_type = "text/css; charset=utf-8",
         .want_content_range = "bytes 0-4/8", .want_status = 206},
        {.name = "unix_zero_modtime", .content = "<html>foo", .modtime = At(0),
         .want_content_type = "text/html; charset=utf-8", .want_status = 200},
        {.name = "ifmatch_matches", .file = "style.css", .serve_etag = "\"A\"",
         .req_headers = "If-Match: \"Z\", \"A\"\r\n", .want_content_type = "text/css; charset=utf-8",
         .want_status = 200},
        {.name = "ifmatch_star", .file = "style.css", .serve_etag = "\"A\"", .req_headers = "If-Match: *\r\n",
         .want_content_type = "text/css; charset=utf-8", .want_status = 200},
        {.name = "ifmatch_failed", .file = "style.css", .serve_etag = "\"A\"", .req_headers = "If-Match: \"B\"\r\n",
         .want_status = 412},
        {.name = "ifmatch_fails_on_weak_etag", .file = "style.css", .serve_etag = "W/\"A\"",
         .req_headers = "If-Match: W/\"A\"\r\n", .want_status = 412},
        {.name = "if_unmodified_since_true", .file = "style.css", .modtime = html_mod, .req_headers = ius_true,
         .want_last_mod = kHtmlModText, .want_content_type = "text/css; charset=utf-8", .want_status = 200},
        {.name = "if_unmodified_since_false", .file = "style.css", .modtime = html_mod, .req_headers = ius_false,
         .want_last_mod = kHtmlModText, .want_status = 412},
    };

    Fixture f;
    // What the next request's handler serves (Go: servec).
    struct Params {
      std::string name;
      TimePoint modtime;
      std::string content;
      std::shared_ptr<File> file;  // null: content, in memory
      std::string etag, content_type;
    } p;
    REQUIRE_FALSE(f.mux->HandleFunc("/content", [&p](ResponseWriter& w, Request& r) {
      if (!p.etag.empty()) w.Header().Set("ETag", p.etag);
      if (!p.content_type.empty()) w.Header().Set("Content-Type", p.content_type);
      if (p.file != nullptr) {
        nethttp::ServeContent(w, r, p.name, p.modtime, p.file);
      } else {
        nethttp::ServeContent(w, r, p.name, p.modtime, p.content);
      }
    }));
    f.Listen();
    int reads = 0;
    for (const Row& tt : rows) {
      std::string content = tt.file == "style.css"    ? std::string(kTestStyleCss)
                            : tt.file == "index.html" ? std::string(kTestIndexHtml)
                                                      : std::string(tt.content);
      for (bool in_file : {false, true}) {
        for (std::string_view method : {"GET", "HEAD"}) {
          CAPTURE(tt.name);
          CAPTURE(in_file);
          CAPTURE(method);
          p = Params{};
          p.name = tt.file.empty() ? "." : std::string(tt.file);  // Go: filepath.Base(tt.file)
          p.modtime = tt.modtime;
          p.etag = tt.serve_etag;
          p.content_type = tt.serve_content_type;
          p.content = content;
          reads = 0;
          if (in_file && tt.never_read) {
            FileInfo info{"never", static_cast<int64_t>(content.size()), tt.modtime, false};
            p.file = std::make_shared<FakeFile>(f.fx.uv(), info, content, std::vector<FileInfo>{}, &reads);
          } else if (in_file && tt.file.empty()) {
            f.root.Write("testdata/content", content);
            p.file = f.Open("/testdata/content");
          } else if (in_file) {
            p.file = f.Open("/testdata/" + std::string(tt.file));
          }
          HttpResponse res = f.Fetch(Req(method, "/content", tt.req_headers), method == "HEAD");
          p.file.reset();
          CHECK(res.status == tt.want_status);
          CHECK(res.Get("Content-Type") == tt.want_content_type);
          CHECK(res.Has("Content-Type") == !tt.want_content_type.empty());
          CHECK(res.Get("Content-Range") == tt.want_content_range);
          CHECK(res.Get("Last-Modified") == tt.want_last_mod);
          CHECK(res.Has("Last-Modified") == !tt.want_last_mod.empty());
          CHECK(reads == 0);
          if (method == "HEAD") continue;
          std::string want_body = tt.want_status == 200   ? content
                                  : tt.want_status == 206 ? content.substr(0, 5)
                                  : tt.want_status == 416 ? "invalid range: failed to overlap\n"
                                                          : "";
          CHECK(res.body == want_body);
          if (tt.want_status == 200 || tt.want_status == 206) {
            CHECK(res.Get("Content-Length") == std::to_string(want_body.size()));
          }
        }
      }
    }
  }
}
