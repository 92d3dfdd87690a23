// End-to-end tests of pingd --root DIR (SPEC §3): the built binary serving a
// temp dir at /static/, driven by curl as a user would (-r ranges, -z
// dates, --etag-save/--etag-compare, -I, redirects); its exit on a bad
// --root; and its memory while it sends a 1 GiB file and while a slow
// reader holds a response (one read buffer per response, whatever the
// file's size: ResponseWriter::Writable backpressure).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "testutil/multipart.h"
#include "testutil/pingd.h"
#include "testutil/process.h"
#include "testutil/raw_conn.h"
#include "testutil/sanitized.h"
#include "testutil/temp_tree.h"

namespace {

using namespace std::chrono_literals;
using nethttp::testutil::After;
using nethttp::testutil::Clock;
using nethttp::testutil::CountLines;
using nethttp::testutil::Curl;
using nethttp::testutil::EnvOr;
using nethttp::testutil::HttpResponse;
using nethttp::testutil::kMaxRssKb;
using nethttp::testutil::Pingd;
using nethttp::testutil::Pong;
using nethttp::testutil::StopCleanly;
using nethttp::testutil::PingdPath;
using nethttp::testutil::Process;
using nethttp::testutil::ProcStatus;
using nethttp::testutil::RawConn;
using nethttp::testutil::Run;
using nethttp::testutil::RunResult;
using nethttp::testutil::TempTree;

constexpr std::string_view kFile = "0123456789\n";
constexpr time_t kMod = 1000000000;
constexpr std::string_view kModText = "Sun, 09 Sep 2001 01:46:40 GMT";
constexpr std::string_view kETag = "\"3b9aca00-b\"";  // FileServer's: mtime and size in hex

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Fetched is what one curl run got: its exit code, the status (-w
// %{http_code}), the response head (-D) and the body (-o).
struct Fetched {
  int exit_code = -1;
  int status = 0;
  std::string head;
  std::string body;
  std::string err;

  // Header is the value of the first field called name (ignoring case), "" if none.
  std::string Header(std::string_view name) const {
    std::istringstream lines(head);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(':');
      if (colon == std::string::npos ||
          !nethttp::testutil::EqualFoldAscii(std::string_view(line).substr(0, colon), name)) {
        continue;
      }
      size_t v = line.find_first_not_of(' ', colon + 1);
      return v == std::string::npos ? "" : line.substr(v);
    }
    return {};
  }
};

// Fetch runs curl with args and the URL, and collects what it got in
// scratch's files.
Fetched Fetch(TempTree& scratch, std::vector<std::string> args, const std::string& url) {
  std::string head = scratch.Path("head"), body = scratch.Path("body");
  std::remove(head.c_str());
  std::remove(body.c_str());
  args.insert(args.end(), {"-D", head, "-o", body, "-w", "%{http_code}", url});
  RunResult r = Curl(args);
  Fetched f;
  f.exit_code = r.exit_code;
  f.status = std::atoi(r.out.c_str());
  f.head = ReadFile(head);
  f.body = ReadFile(body);
  f.err = r.err;
  return f;
}

// StaticPingd is a pingd serving a temp dir at /static/: "file" (Go's
// testdata/file) and "dir/a.txt", with known mtimes.
struct StaticPingd {
  StaticPingd() : pingd(Setup(root)) {}
  ~StaticPingd() { StopCleanly(pingd); }
  static std::vector<std::string> Setup(TempTree& root) {
    root.Write("file", kFile);
    root.SetModTime("file", kMod);
    root.Mkdir("dir");
    root.Write("dir/a.txt", "a\n");
    return {"--root", root.path()};
  }
  TempTree root;
  TempTree scratch;  // curl's output files
  Pingd pingd;
};

}  // namespace

TEST_CASE("curl against --root: ranges, dates, ETags, HEAD and redirects") {
  StaticPingd s;
  const std::string url = s.pingd.Url("/static/file");

  SUBCASE("curl -r: one range, 206") {
    Fetched f = Fetch(s.scratch, {"-r", "0-4"}, url);
    CHECK(f.exit_code == 0);
    CHECK(f.status == 206);
    CHECK(f.body == "01234");
    CHECK(f.Header("Content-Range") == "bytes 0-4/11");
    CHECK(f.Header("Content-Length") == "5");
  }
  SUBCASE("curl -r: several ranges, multipart/byteranges part by part") {
    Fetched f = Fetch(s.scratch, {"-r", "0-1,5-6,-2"}, url);
    CHECK(f.exit_code == 0);
    CHECK(f.status == 206);
    std::string boundary = nethttp::testutil::Boundary(f.Header("Content-Type"));
    REQUIRE_MESSAGE(!boundary.empty(), f.head);
    CHECK(f.Header("Content-Length") == std::to_string(f.body.size()));
    std::string why;
    auto parts = nethttp::testutil::ParseParts(f.body, boundary, &why);
    REQUIRE_MESSAGE(parts.has_value(), why);
    REQUIRE(parts->size() == 3);
    CHECK((*parts)[0].content_range == "bytes 0-1/11");
    CHECK((*parts)[0].body == "01");
    CHECK((*parts)[1].content_range == "bytes 5-6/11");
    CHECK((*parts)[1].body == "56");
    CHECK((*parts)[2].content_range == "bytes 9-10/11");
    CHECK((*parts)[2].body == "9\n");
    for (const auto& p : *parts) CHECK(p.content_type == "text/plain; charset=utf-8");
  }
  SUBCASE("curl -r past the end: 416 with the size") {
    Fetched f = Fetch(s.scratch, {"-r", "20-30"}, url);
    CHECK(f.status == 416);
    CHECK(f.Header("Content-Range") == "bytes */11");
  }
  SUBCASE("curl -z: If-Modified-Since and If-Unmodified-Since, both ways") {
    // A date before the file's mtime: modified since, the file.
    Fetched newer = Fetch(s.scratch, {"-z", "Sat, 08 Sep 2001 00:00:00 GMT"}, url);
    CHECK(newer.status == 200);
    CHECK(newer.body == kFile);
    CHECK(newer.Header("Last-Modified") == kModText);
    // Its own Last-Modified: not modified, no body.
    Fetched same = Fetch(s.scratch, {"-z", std::string(kModText)}, url);
    CHECK(same.exit_code == 0);
    CHECK(same.status == 304);
    CHECK(same.head.find("HTTP/1.1 304 Not Modified\r\n") == 0);  // pingd's, not curl's verdict
    CHECK(same.body.empty());
    // -z FILE: the date of a local copy (curl reads its mtime).
    std::string copy = s.scratch.Write("copy", kFile);
    s.scratch.SetModTime("copy", kMod);
    CHECK(Fetch(s.scratch, {"-z", copy}, url).status == 304);
    s.scratch.SetModTime("copy", kMod - 3600);
    CHECK(Fetch(s.scratch, {"-z", copy}, url).status == 200);
    // "-z -DATE" is If-Unmodified-Since: changed after it, 412.
    Fetched changed = Fetch(s.scratch, {"-z", "-Sat, 08 Sep 2001 00:00:00 GMT"}, url);
    CHECK(changed.status == 412);
    CHECK(changed.head.find("HTTP/1.1 412 Precondition Failed\r\n") == 0);
    CHECK(changed.body.empty());
    // (A date after the mtime: curl checks Last-Modified against -z itself,
    // and reports 304 for a 200 whose date fails its condition.)
    Fetched unchanged = Fetch(s.scratch, {"-z", "-Mon, 10 Sep 2001 00:00:00 GMT"}, url);
    CHECK(unchanged.status == 200);
    CHECK(unchanged.body == kFile);
  }
  SUBCASE("curl --etag-save, then --etag-compare: 304 while the file is the same") {
    std::string etag = s.scratch.Path("etag");
    Fetched first = Fetch(s.scratch, {"--etag-save", etag}, url);
    CHECK(first.status == 200);
    CHECK(first.Header("ETag") == kETag);
    std::string saved = ReadFile(etag);
    CHECK(saved.substr(0, saved.find('\n')) == kETag);
    Fetched second = Fetch(s.scratch, {"--etag-compare", etag}, url);
    CHECK(second.exit_code == 0);
    CHECK(second.status == 304);
    CHECK(second.head.find("HTTP/1.1 304 Not Modified\r\n") == 0);
    CHECK(second.body.empty());
    CHECK(second.Header("ETag") == kETag);
    // The file changes (its mtime moves): the saved tag is stale.
    s.root.SetModTime("file", kMod + 60);
    Fetched third = Fetch(s.scratch, {"--etag-compare", etag}, url);
    CHECK(third.status == 200);
    CHECK(third.body == kFile);
    CHECK(third.Header("ETag") == "\"3b9aca3c-b\"");
  }
  SUBCASE("curl -I: HEAD has the GET's head and no body") {
    RunResult r = Curl({"-I", url});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("HTTP/1.1 200 OK\r\n") == 0);
    CHECK(r.out.find("Content-Length: 11\r\n") != std::string::npos);
    CHECK(r.out.find("Accept-Ranges: bytes\r\n") != std::string::npos);
    CHECK(r.out.find("Content-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
    CHECK(r.out.find("Last-Modified: " + std::string(kModText) + "\r\n") != std::string::npos);
    CHECK(r.out.find("Etag: " + std::string(kETag) + "\r\n") != std::string::npos);
    CHECK(r.out.substr(r.out.size() - 4) == "\r\n\r\n");  // the head, nothing after
    // A HEAD that pingd answered with a body would leave it on the
    // connection, in front of the next response: keep-alive shows it.
    RunResult two = Curl({"-I", url, "--next", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}", url});
    CHECK(two.exit_code == 0);
    CHECK(two.out.substr(two.out.size() - 5) == "200 0");  // the second reused the connection
  }
  SUBCASE("curl -si on a directory: 301 to dir/, and -L follows to its listing") {
    RunResult r = Curl({"-si", s.pingd.Url("/static/dir")});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("HTTP/1.1 301 Moved Permanently\r\n") == 0);
    CHECK(r.out.find("\r\nLocation: dir/\r\n") != std::string::npos);
    RunResult followed = Curl({"-sL", s.pingd.Url("/static/dir")});
    CHECK(followed.exit_code == 0);
    CHECK(followed.out == "<pre>\n<a href=\"a.txt\">a.txt</a>\n</pre>\n");
  }
  SUBCASE("a missing file: 404 and Go's body") {
    Fetched f = Fetch(s.scratch, {}, s.pingd.Url("/static/nope"));
    CHECK(f.status == 404);
    CHECK(f.body == "404 page not found\n");
  }
}

TEST_CASE("--root that is not a directory: exit 2 and one line on stderr") {
  TempTree t;
  std::string file = t.Write("plain", "x");
  for (const std::string& root : {t.Path("missing"), file}) {
    CAPTURE(root);
    RunResult r = Run({PingdPath(), "--addr", "127.0.0.1:0", "--root", root}, 10s);
    REQUIRE(r.started);
    CHECK(r.exit_code == 2);
    CHECK(CountLines(r.err) == 1);
    CHECK(r.err.find(root) != std::string::npos);
    CHECK(r.err.find("not a directory") != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("--static-cache: a small file is served from memory for that long; without it, as on disk") {
  TempTree root, scratch;
  root.Write("small.txt", "first\n");
  constexpr size_t kLarge = 64 * 1024 + 1;  // just over what Dir keeps in memory
  root.Write("large.bin", std::string(kLarge, 'x'));
  Pingd cached({"--root", root.path(), "--static-cache", "10m"});
  Pingd plain({"--root", root.path()});
  // The cached pingd is asked on one keep-alive connection, so one worker
  // answers (with --workers, each keeps its own cache, as nginx's workers do).
  RawConn keep = cached.Connect();
  auto get_kept = [&](std::string_view path) {
    REQUIRE(keep.Send("GET " + std::string(path) + " HTTP/1.1\r\nHost: e2e\r\n\r\n"));
    std::optional<HttpResponse> r = keep.ReadResponse();
    REQUIRE(r);
    return *r;
  };
  HttpResponse small = get_kept("/static/small.txt");
  REQUIRE(small.status == 200);
  CHECK(small.body == "first\n");
  CHECK(get_kept("/static/large.bin").body.size() == kLarge);
  Fetched f = Fetch(scratch, {}, plain.Url("/static/small.txt"));
  REQUIRE(f.status == 200);
  CHECK(f.body == "first\n");
  CHECK(Fetch(scratch, {}, plain.Url("/static/large.bin")).body.size() == kLarge);
  root.Write("small.txt", "second, longer\n");
  root.Write("large.bin", "now small\n");
  // Kept: what was read, with its own validators, whatever the disk says now.
  HttpResponse kept = get_kept("/static/small.txt");
  CHECK(kept.body == "first\n");
  CHECK(kept.Get("Content-Length") == "6");
  // A file over 64 KiB is never kept, and without the flag nothing is.
  CHECK(get_kept("/static/large.bin").body == "now small\n");
  CHECK(Fetch(scratch, {}, plain.Url("/static/small.txt")).body == "second, longer\n");
  // A bad duration is bad usage.
  RunResult r = Run({PingdPath(), "--addr", "127.0.0.1:0", "--root", root.path(), "--static-cache", "soon"}, 10s);
  REQUIRE(r.started);
  CHECK(r.exit_code == 2);
  CHECK(CountLines(r.err) == 1);
  CHECK(r.err.find("--static-cache") != std::string::npos);
  StopCleanly(cached);
  StopCleanly(plain);
}

TEST_CASE("--gzip: curl --compressed gets --root's text compressed and decodes it; images and ranges as they are") {
  TempTree root, scratch;
  std::string page;
  for (int i = 0; i < 5000; ++i) page += "<p>paragraph " + std::to_string(i) + "</p>\n";
  root.Write("page.html", page);
  std::string png = "\x89PNG\r\n\x1a\n" + std::string(5000, 'p');
  root.Write("image.png", png);
  Pingd pingd({"--root", root.path(), "--gzip", "1"});
  Fetched gz = Fetch(scratch, {"--compressed"}, pingd.Url("/static/page.html"));
  REQUIRE(gz.status == 200);
  CHECK(gz.body == page);
  CHECK(gz.Header("Content-Encoding") == "gzip");
  CHECK(gz.Header("Vary") == "Accept-Encoding");
  CHECK(gz.Header("Content-Length").empty());
  CHECK(gz.Header("ETag").starts_with("W/"));
  Fetched raw = Fetch(scratch, {"-H", "Accept-Encoding: gzip"}, pingd.Url("/static/page.html"));
  CHECK(raw.body.size() < page.size() / 4);
  Fetched plain = Fetch(scratch, {}, pingd.Url("/static/page.html"));
  CHECK(plain.body == page);
  CHECK(plain.Header("Content-Encoding").empty());
  CHECK(plain.Header("Content-Length") == std::to_string(page.size()));
  Fetched image = Fetch(scratch, {"--compressed"}, pingd.Url("/static/image.png"));
  CHECK(image.body == png);
  CHECK(image.Header("Content-Encoding").empty());
  Fetched range = Fetch(scratch, {"--compressed", "-r", "0-9"}, pingd.Url("/static/page.html"));
  CHECK(range.status == 206);
  CHECK(range.body == page.substr(0, 10));
  StopCleanly(pingd);
  // A level out of range, or --gzip with nothing to compress, is bad usage.
  for (std::vector<std::string> args : {std::vector<std::string>{"--root", root.path(), "--gzip", "10"},
                                        std::vector<std::string>{"--gzip", "1"}}) {
    args.insert(args.begin(), {PingdPath(), "--addr", "127.0.0.1:0"});
    RunResult r = Run(args, 10s);
    REQUIRE(r.started);
    CHECK(r.exit_code == 2);
    CHECK(CountLines(r.err) == 1);
    CHECK(r.err.find("--gzip") != std::string::npos);
  }
}

TEST_CASE("a 1 GiB file (64 MiB sanitized) goes out whole while pingd's memory stays small") {
  TempTree root;
  // A sanitized pingd moves bytes many times slower (ThreadSanitizer with
  // two workers took over Curl's 25 s for a gigabyte), and its memory is
  // not checked anyway.
  constexpr off_t kSize = off_t{nethttp::testutil::kLargeBodyBytes};
  root.Sparse("gig", kSize);  // no disk blocks: zeros
  Pingd pingd({"--root", root.path()});
  RunResult r = Curl({"-o", "/dev/null", "-w", "%{http_code} %{size_download}", pingd.Url("/static/gig")});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == "200 " + std::to_string(kSize));
  long hwm = ProcStatus(pingd.proc().pid(), "VmHWM:");
  REQUIRE(hwm > 0);
  MESSAGE("pingd VmHWM after a " << (kSize >> 20) << " MiB download: " << hwm << " kB");
  // AddressSanitizer's shadow memory and quarantine dwarf the bound; a
  // sanitized pingd (built alike with this test) is not held to it.
#if !defined(NETHTTP_SANITIZED)
  CHECK(hwm < kMaxRssKb);
#endif
  StopCleanly(pingd);
}

TEST_CASE("a slow reader holds a response: pingd's memory stays small and /ping is answered meanwhile") {
  TempTree root;
  root.Sparse("big", off_t{1} << 30);
  Pingd pingd({"--root", root.path()});
  // 2 MB/s for 3 s: curl ends it with exit 28 (operation timed out).
  std::string error;
  std::unique_ptr<Process> slow =
      Process::Spawn({EnvOr("CURL", "curl"), "-sS", "--limit-rate", "2M", "--max-time", "3", "-o", "/dev/null",
                      "-w", "%{http_code} %{size_download}", pingd.Url("/static/big")},
                     &error);
  REQUIRE_MESSAGE(slow != nullptr, error);
  int pongs = 0;
  long max_rss = 0;
  std::string why;
  std::optional<int> exit;
  auto deadline = After(20s);
  while (!exit && Clock::now() < deadline) {
    // One /ping per quarter second while the download runs; the wait is
    // for curl's exit, and paces the pings.
    bool running = slow->Running();
    if (running) {
      CHECK_MESSAGE(Pong(pingd, &why), why);
      ++pongs;
      max_rss = std::max(max_rss, ProcStatus(pingd.proc().pid(), "VmRSS:"));
    }
    exit = slow->Wait(After(250ms));
  }
  REQUIRE(exit.has_value());
  CHECK_MESSAGE(*exit == 28, "curl: " << slow->out() << " " << slow->err());
  // curl's -w still reports when it gave up: a 200, and bytes at about
  // the rate asked (2 MiB/s for 3 s), not the gigabyte.
  std::istringstream out(slow->out());
  int status = 0;
  long long got = 0;
  out >> status >> got;
  CHECK(status == 200);
  CHECK(got > (1 << 20));
  CHECK(got < (16 << 20));
  CHECK(pongs >= 4);
  long hwm = ProcStatus(pingd.proc().pid(), "VmHWM:");
  MESSAGE("pingd with a slow reader: VmRSS at most " << max_rss << " kB over " << pongs << " pings; VmHWM " << hwm
                                                     << " kB; curl got " << got << " bytes");
#if !defined(NETHTTP_SANITIZED)
  CHECK(max_rss < kMaxRssKb);
  CHECK(hwm < kMaxRssKb);
#endif
  std::string after;
  CHECK_MESSAGE(Pong(pingd, &after), after);
  StopCleanly(pingd);
}
