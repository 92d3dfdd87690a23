// Tests for lib/file_system.cc (Dir) over loopback, through FileServer:
// nothing outside the root is served, whatever the path or the tree's
// symlinks say; FIFOs, device nodes and unreadable files are refused; a
// large file goes out whole and intact, and many clients at once, more
// than Dir's open-file limit, are all answered. Go's fs_test.go scenarios
// are in file_server_test.cc; the fixture is testutil/file_server_fixture.h.
#include <doctest/doctest.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "nethttp/httptest.h"
#include "nethttp/nethttp.h"
#include "testutil/file_server_fixture.h"
#include "testutil/process.h"

using nethttp::testutil::After;
using nethttp::testutil::Clock;
using nethttp::testutil::HttpResponse;
using nethttp::testutil::kTestFile;
using nethttp::testutil::RawConn;
using nethttp::testutil::Req;
using nethttp::testutil::RunPeer;
using nethttp::testutil::TempTree;
using Fixture = nethttp::testutil::FileServerFixture;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kSecret = "top secret\n";

std::string RandomBytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// kAsNobody names the environment variable that makes this binary, run
// again for one test case, drop to the user nobody first.
constexpr const char* kAsNobody = "NETHTTP_TEST_AS_NOBODY";

// RunCaseAsNobody runs test_case again, alone, in a child process of this
// test binary that becomes nobody (DropToNobodyIfAsked) before it starts:
// for checks that root passes by privilege (root reads a mode-000 file).
// The child must run exactly that one case, and pass it.
void RunCaseAsNobody(const char* test_case) {
  setenv(kAsNobody, "1", 1);
  nethttp::testutil::RunResult r =
      nethttp::testutil::Run({"/proc/self/exe", std::string("--test-case=") + test_case}, 60s);
  unsetenv(kAsNobody);
  REQUIRE_MESSAGE(r.started, r.err);
  CHECK_MESSAGE(r.exit_code == 0, "as nobody:\n" << r.out << r.err);
  CHECK_MESSAGE(std::regex_search(r.out, std::regex(R"(test cases:\s+1 \|\s+1 passed)")), "as nobody:\n" << r.out);
}

// DropToNobodyIfAsked becomes nobody when this process is RunCaseAsNobody's
// child, and reports whether it did.
bool DropToNobodyIfAsked() {
  if (std::getenv(kAsNobody) == nullptr) return false;
  REQUIRE(setgroups(0, nullptr) == 0);
  REQUIRE(setgid(65534) == 0);
  REQUIRE(setuid(65534) == 0);
  // A set-user-ID change makes the process undumpable; LeakSanitizer, in a
  // sanitized build, needs to read its own /proc entries as before.
  prctl(PR_SET_DUMPABLE, 1);
  return true;
}

// ChmodBack restores a mode at scope exit, so that TempTree can remove
// what a test made unreadable.
struct ChmodBack {
  std::string path;
  mode_t mode;
  ~ChmodBack() { chmod(path.c_str(), mode); }
};

// The server runs on the test's loop, in this process: OpenOnes counts
// its descriptors open on the file at path.
size_t OpenOnes(const std::string& path) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (std::filesystem::read_symlink(e.path(), ec) == path) ++n;
  }
  return n;
}

}  // namespace

TEST_SUITE("file_system") {
  TEST_CASE("'..' in any spelling never leaves the root, through the mux or a bare handler") {
    // The secret is in a sibling of the root: one '..' away if Dir let it.
    TempTree outside;
    outside.Write("secret.txt", kSecret);
    const std::string b = BaseName(outside.path());
    struct Row {
      std::string target;
      int via_mux;         // the mux cleans the path first and redirects (Go's ServeMux)
      std::string location;  // its redirect
    };
    const std::vector<Row> rows = {
        {"/static/../" + b + "/secret.txt", 301, "/" + b + "/secret.txt"},
        {"/static/testdata/../../" + b + "/secret.txt", 301, "/" + b + "/secret.txt"},
        {"/static/%2e%2e/" + b + "/secret.txt", 301, "/" + b + "/secret.txt"},
        {"/static/%2E%2E/" + b + "/secret.txt", 301, "/" + b + "/secret.txt"},
        {"/static/..%2f" + b + "%2fsecret.txt", 301, "/" + b + "/secret.txt"},
        {"/static/%2e%2e%2f" + b + "%2fsecret.txt", 301, "/" + b + "/secret.txt"},
        {"/static/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", 301, "/etc/passwd"},
        {"/static/..%5c" + b + "%5csecret.txt", 404, ""},  // a backslash is a name on Linux
    };
    for (bool bare : {false, true}) {
      Fixture g;
      g.root.Mkdir("testdata2");
      if (bare) {
        g.Listen(nethttp::StripPrefix("/static", nethttp::FileServer(g.dir)));
      } else {
        g.Listen();
      }
      for (const Row& row : rows) {
        CAPTURE(bare);
        CAPTURE(row.target);
        HttpResponse res = g.Get(row.target);
        CHECK(res.body.find(kSecret) == std::string::npos);
        CHECK(res.body.find("root:") == std::string::npos);
        if (bare) {
          // FileServer and Dir clean it beneath the root: not there.
          CHECK(res.status == 404);
          CHECK(res.body == "404 page not found\n");
        } else {
          CHECK(res.status == row.via_mux);
          CHECK(res.Get("Location") == row.location);
        }
      }
    }
  }

  // Go: TestDirJoin's Dir rows and TestEmptyDirOpenCWD. Go's last three
  // rows, Dir("/etc/hosts") opening "", "/" and "../" (a file as the root,
  // a trick Go's ServeFile used), do not apply: our root must be a
  // directory, and ServeFile splits its name instead.
  TEST_CASE("TestDirJoin: a rooted, relative or climbing name opens the file beneath the root") {
    Fixture f;
    struct stat want {};
    REQUIRE(stat("/etc/hosts", &want) == 0);
    for (std::string root : {"/etc/", "/etc"}) {
      auto fs = nethttp::Dir(root, &f.fx.loop());
      for (std::string_view name : {"/hosts", "hosts", "../../../../hosts"}) {
        CAPTURE(root);
        CAPTURE(name);
        auto got = f.TryOpen(*fs, name);
        REQUIRE_MESSAGE(got.ok(), got.error().message());
        const nethttp::FileInfo& info = got.value()->Stat();
        CHECK(info.name == "hosts");
        CHECK(info.size == want.st_size);
        CHECK_FALSE(info.is_dir);
        CHECK(info.mod_time == nethttp::testutil::At(want.st_mtim.tv_sec, want.st_mtim.tv_nsec));
      }
    }
    // An empty Dir is "." (TestEmptyDirOpenCWD), as are "." and "./".
    for (std::string root : {"", ".", "./"}) {
      CAPTURE(root);
      auto got = f.TryOpen(*nethttp::Dir(root, &f.fx.loop()), "/");
      REQUIRE(got.ok());
      CHECK(got.value()->Stat().is_dir);
    }
  }

  TEST_CASE("symlinks: within the root they are followed, out of it they are 403") {
    Fixture f;
    TempTree outside;
    outside.Write("secret.txt", kSecret);
    outside.Mkdir("dir");
    outside.Write("dir/secret.txt", kSecret);
    f.root.Mkdir("sub");
    f.root.Write("sub/inside.txt", "inside\n");
    f.root.Symlink("sub/inside.txt", "link_in");                    // relative, inside
    f.root.Symlink("../testdata/file", "sub/link_up_in");           // '..' that stays inside
    f.root.Symlink("sub", "dirlink_in");                            // a directory, inside
    f.root.Symlink(outside.Path("secret.txt"), "link_out");         // absolute, outside
    f.root.Symlink("../" + BaseName(outside.path()) + "/secret.txt", "link_out_rel");  // relative, outside
    f.root.Symlink(outside.Path("dir"), "dirlink_out");             // a directory, outside
    f.root.Symlink("loop", "loop");                                 // ELOOP
    f.root.Symlink("nowhere", "dangling");                          // ENOENT
    f.Listen();
    struct Row {
      std::string_view path;
      int status;
      std::string_view body;
    };
    const std::vector<Row> rows = {
        {"/static/link_in", 200, "inside\n"},
        {"/static/sub/link_up_in", 200, kTestFile},
        {"/static/dirlink_in/inside.txt", 200, "inside\n"},
        {"/static/dirlink_in/", 200,
         "<pre>\n<a href=\"inside.txt\">inside.txt</a>\n<a href=\"link_up_in\">link_up_in</a>\n</pre>\n"},
        {"/static/link_out", 403, "403 Forbidden\n"},
        {"/static/link_out_rel", 403, "403 Forbidden\n"},
        {"/static/dirlink_out/secret.txt", 403, "403 Forbidden\n"},
        {"/static/dirlink_out/", 403, "403 Forbidden\n"},
        {"/static/dirlink_out", 403, "403 Forbidden\n"},
        {"/static/loop", 404, "404 page not found\n"},
        {"/static/dangling", 404, "404 page not found\n"},
    };
    for (const Row& row : rows) {
      CAPTURE(row.path);
      HttpResponse res = f.Get(row.path);
      CHECK(res.status == row.status);
      CHECK(res.body == row.body);
      CHECK(f.Head(row.path).status == row.status);
    }
  }

  // openat2's RESOLVE_BENEATH fails every absolute link with EXDEV,
  // wherever it leads; Dir then asks where the name really leads and opens
  // it beneath the root if it is inside, so the answer is 200 on every
  // kernel, as for a relative link inside the root.
  TEST_CASE("an absolute symlink to a file inside the root is followed") {
    Fixture f;
    f.root.Symlink(f.root.Path("testdata/file"), "abs_in");
    f.Listen();
    HttpResponse res = f.Get("/static/abs_in");
    CHECK(res.status == 200);
    CHECK(res.body == kTestFile);
  }

  TEST_CASE("a FIFO and a device node in the root are refused at once, never read") {
    Fixture f;
    f.root.Mkfifo("fifo");
    // /dev/zero's node, where this user may make one (root): read, it
    // would never end.
    bool have_device = mknod(f.root.Path("zero").c_str(), S_IFCHR | 0644, makedev(1, 5)) == 0;
    f.Listen();
    auto start = Clock::now();
    HttpResponse fifo = f.Get("/static/fifo");  // (a 3 s deadline: a hang fails)
    CHECK(fifo.status == 403);
    CHECK(fifo.body == "403 Forbidden\n");
    CHECK(Clock::now() - start < 2s);
    CHECK(f.Head("/static/fifo").status == 403);
    if (have_device) {
      HttpResponse dev = f.Get("/static/zero");
      CHECK(dev.status == 403);
      CHECK(dev.body == "403 Forbidden\n");
    } else {
      MESSAGE("mknod is not permitted here: the device node row did not run");
    }
    // The listing still names them; only opening them is refused.
    HttpResponse listing = f.Get("/static/");
    CHECK(listing.body.find(">fifo<") != std::string::npos);
  }

  // open(2) of a socket file fails with ENXIO before Dir's fstat can
  // refuse what is not a file or a directory; Dir answers it as the FIFO's
  // 403 (Go's os.Open fails alike and answers 500).
  TEST_CASE("a socket file in the root is refused like a FIFO: 403") {
    Fixture f;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::string sock = f.root.Path("sock");
    REQUIRE(sock.size() < sizeof sa.sun_path);
    sock.copy(sa.sun_path, sock.size());
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    f.Listen();
    HttpResponse s = f.Get("/static/sock");
    close(fd);
    CHECK(s.status == 403);
    CHECK(s.body == "403 Forbidden\n");
  }

  TEST_CASE("a missing file is Go's 404, with nothing of the error's text") {
    Fixture f;
    f.Listen();
    for (std::string_view path : {"/static/nope", "/static/nope/", "/static/testdata/nope.html",
                                  "/static/no/such/dir/file"}) {
      CAPTURE(path);
      HttpResponse res = f.Get(path);
      CHECK(res.status == 404);
      CHECK(res.body == "404 page not found\n");
      CHECK(res.Get("Content-Type") == "text/plain; charset=utf-8");
      CHECK(res.Get("X-Content-Type-Options") == "nosniff");
      CHECK_FALSE(res.Has("Last-Modified"));
      CHECK_FALSE(res.Has("ETag"));
    }
  }

  TEST_CASE("an unreadable file or directory is 403 Forbidden") {
    DropToNobodyIfAsked();
    if (geteuid() == 0) {
      // Root reads a mode-000 file anyway: run this case as nobody.
      RunCaseAsNobody("an unreadable file or directory is 403 Forbidden");
      return;
    }
    Fixture f;
    f.root.Write("locked.txt", "locked\n");
    REQUIRE(chmod(f.root.Path("locked.txt").c_str(), 0) == 0);
    f.root.Mkdir("locked");
    f.root.Write("locked/file.txt", "locked\n");
    REQUIRE(chmod(f.root.Path("locked").c_str(), 0) == 0);
    ChmodBack back{f.root.Path("locked"), 0755};
    f.Listen();
    for (std::string_view path : {"/static/locked.txt", "/static/locked/", "/static/locked/file.txt"}) {
      CAPTURE(path);
      HttpResponse res = f.Get(path);
      CHECK(res.status == 403);
      CHECK(res.body == "403 Forbidden\n");
    }
    CHECK(f.Get("/static/testdata/file").status == 200);  // (the rest is served)
  }

  TEST_CASE("a 3 MB file goes out whole and byte for byte, and in ranges across read boundaries") {
    Fixture f;
    const std::string data = RandomBytes(3 * 1000 * 1000, 13);
    f.root.Write("big.bin", data);
    f.Listen();
    HttpResponse res = f.Get("/static/big.bin");
    CHECK(res.status == 200);
    CHECK(res.Get("Content-Length") == "3000000");
    CHECK(res.Get("Content-Type") == "application/octet-stream");  // sniffed: binary
    CHECK(res.body.size() == data.size());
    CHECK(res.body == data);
    // Ranges that start and end inside 64 KiB reads, and several at once.
    HttpResponse one = f.Get("/static/big.bin", "Range: bytes=65530-200000\r\n");
    CHECK(one.status == 206);
    CHECK(one.body == data.substr(65530, 200000 - 65530 + 1));
    HttpResponse tail = f.Get("/static/big.bin", "Range: bytes=-100000\r\n");
    CHECK(tail.body == data.substr(data.size() - 100000));
    HttpResponse multi = f.Get("/static/big.bin", "Range: bytes=0-99999,1000000-1265535\r\n");
    CHECK(multi.status == 206);
    CHECK(multi.body.find(data.substr(0, 100000)) != std::string::npos);
    CHECK(multi.body.find(data.substr(1000000, 265536)) != std::string::npos);
    HttpResponse head = f.Head("/static/big.bin");
    CHECK(head.Get("Content-Length") == "3000000");
  }

  TEST_CASE("a file that shrinks while it is sent: the body ends short and the connection closes") {
    Fixture f;
    constexpr off_t kSize = 64 << 20;  // far more than socket buffers hold unread
    std::string path = f.root.Sparse("shrinking", kSize);
    f.Listen();
    std::optional<std::string> head;
    std::string rest;
    bool closed = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(f.port) || !c.Send(Req("GET", "/static/shrinking"))) return;
      head = c.ReadUntil("\r\n\r\n");  // the file is being sent
      if (!head) return;
      if (truncate(path.c_str(), 1000) != 0) return;
      rest = c.ReadUntilClose(After(20s), &closed);
    });
    REQUIRE(head.has_value());
    CHECK(head->find("Content-Length: 67108864\r\n") != std::string::npos);
    CHECK(closed);
    CHECK(rest.size() < static_cast<size_t>(kSize));
    CHECK(rest.size() >= 1000);
  }

  TEST_CASE("300 requests over 30 connections at once, pipelined: every one answered right") {
    Fixture f;
    const std::string mid = RandomBytes(200 * 1024, 7);
    f.root.Write("mid.bin", mid);
    f.Listen();
    constexpr int kConns = 30, kPerConn = 10;
    std::atomic<int> ok{0};
    std::mutex mu;
    std::string first_failure;
    auto fail = [&](std::string why) {
      std::lock_guard<std::mutex> lock(mu);
      if (first_failure.empty()) first_failure = std::move(why);
    };
    RunPeer(f.fx, [&] {
      std::vector<std::thread> threads;
      for (int t = 0; t < kConns; ++t) {
        threads.emplace_back([&, t] {
          RawConn c;
          if (!c.Connect(f.port)) return fail("connect: " + c.error());
          std::string batch;
          for (int i = 0; i < kPerConn; ++i) {
            int kind = (t + i) % 3;
            std::string target = kind == 0 ? "/static/testdata/file" : "/static/mid.bin";
            std::string range = kind == 2 ? "Range: bytes=1000-70999\r\n" : "";
            batch += "GET " + target + " HTTP/1.1\r\nHost: fs\r\n" + range + "\r\n";
          }
          if (!c.Send(batch, After(20s))) return fail("send: " + c.error());
          for (int i = 0; i < kPerConn; ++i) {
            int kind = (t + i) % 3;
            std::optional<HttpResponse> r = c.ReadResponse(After(20s));
            if (!r) return fail("read: " + c.error());
            std::string want = kind == 0 ? std::string(kTestFile) : kind == 1 ? mid : mid.substr(1000, 70000);
            if (r->status != (kind == 2 ? 206 : 200) || r->body != want) {
              return fail("conn " + std::to_string(t) + " request " + std::to_string(i) + ": " + r->status_line);
            }
            ++ok;
          }
        });
      }
      for (std::thread& th : threads) th.join();
    });
    CHECK_MESSAGE(ok == kConns * kPerConn, first_failure);
  }

  TEST_CASE("more clients at once than a loop keeps files open: the rest wait their turn, all answered") {
    Fixture f;
    const std::string data = RandomBytes(256 * 1024, 11);
    const std::string path = std::filesystem::canonical(f.root.Write("quarter.bin", data));
    std::string target;
    SUBCASE("FileServer(Dir)") {
      f.Listen();
      target = "/static/quarter.bin";
    }
    SUBCASE("ServeFile, which makes a Dir per call") {
      f.Listen(f.ServeFileHandler(path));
      target = "/anything";
    }
    constexpr size_t kClients = nethttp::kMaxOpenFiles + 64;
    size_t ok = 0, most_open = 0;
    std::string first_failure;
    RunPeer(f.fx, [&] {
      // Every request is sent before any response is read, so the files
      // stay open while their responses wait on unread sockets (all but
      // those the socket buffers took whole): the server fills the slots,
      // and the rest wait.
      std::vector<RawConn> conns(kClients);
      for (RawConn& c : conns) {
        if (!c.Connect(f.port) || !c.Send(Req("GET", target))) {
          first_failure = "connect or send: " + c.error();
          return;
        }
      }
      for (auto deadline = After(20s); most_open < nethttp::kMaxOpenFiles / 2 && Clock::now() < deadline;) {
        most_open = std::max(most_open, OpenOnes(path));
      }
      for (int i = 0; i < 100; ++i) most_open = std::max(most_open, OpenOnes(path));
      for (size_t i = 0; i < conns.size(); ++i) {
        if (i % 16 == 0) most_open = std::max(most_open, OpenOnes(path));
        std::optional<HttpResponse> r = conns[i].ReadResponse(After(20s));
        if (r && r->status == 200 && r->body == data) {
          ++ok;
        } else if (first_failure.empty()) {
          first_failure = "client " + std::to_string(i) + ": " + (r ? r->status_line : conns[i].error());
        }
      }
    });
    CHECK_MESSAGE(ok == kClients, first_failure);
    CHECK(most_open <= nethttp::kMaxOpenFiles);
    CHECK(most_open >= nethttp::kMaxOpenFiles / 2);  // (the count saw them)
  }

  TEST_CASE("every file slot held past open_wait_timeout: the waiting open fails with EMFILE, FileServer says 503") {
    Fixture f;
    f.root.Write("big.bin", RandomBytes(nethttp::kInMemoryFileBytes + 1, 31));  // (held open, not read whole)
    nethttp::DirOptions options;
    options.open_wait_timeout = 150ms;
    auto fs = nethttp::Dir(f.root.path(), options, &f.fx.loop());
    std::vector<std::shared_ptr<nethttp::File>> held;
    for (size_t i = 0; i < nethttp::kMaxOpenFiles; ++i) {
      auto r = f.TryOpen(*fs, "/big.bin");
      REQUIRE(r.ok());
      held.push_back(r.value());
    }
    using OpenResult = nethttp::Result<std::shared_ptr<nethttp::File>>;
    std::optional<OpenResult> late;
    auto asked = Clock::now();
    fs->Open("/big.bin", [&](OpenResult r) { late = std::move(r); });
    REQUIRE(f.fx.RunUntil([&] { return late.has_value(); }));
    CHECK(Clock::now() - asked >= 100ms);  // (it waited: the deadline, not a refusal)
    REQUIRE_FALSE(late->ok());
    CHECK(late->error().uv_code() == UV_EMFILE);

    // One that gets a slot before its deadline is served.
    std::optional<OpenResult> next;
    fs->Open("/big.bin", [&](OpenResult r) { next = std::move(r); });
    CHECK_FALSE(next.has_value());
    held.pop_back();  // a file closes: its slot goes to the open waiting
    REQUIRE(f.fx.RunUntil([&] { return next.has_value(); }));
    REQUIRE(next->ok());
    held.push_back(next->value());

    // Through FileServer the failed wait is a 503 with Retry-After.
    auto handler = nethttp::FileServer(fs);
    auto rec = nethttp::httptest::NewRecorder();
    auto req = nethttp::httptest::NewRequest("GET", "/big.bin");
    REQUIRE(req.ok());
    handler->ServeHTTP(*rec, *req);
    REQUIRE(f.fx.RunUntil([&] { return rec->finished; }));
    CHECK(rec->code == 503);
    CHECK(rec->Header().Get("Retry-After") == "1");
    CHECK(rec->body == "503 Service Unavailable\n");
    held.clear();
    // With every slot free again, the same request is served.
    auto ok = nethttp::httptest::NewRecorder();
    handler->ServeHTTP(*ok, *req);
    REQUIRE(f.fx.RunUntil([&] { return ok->finished; }));
    CHECK(ok->code == 200);
  }

  TEST_CASE("a client that takes nothing of a file is cut after IdleTimeout, freeing its file; a slow reader is not") {
    Fixture f;
    const std::string data = RandomBytes(16 << 20, 13);  // more than the socket buffers hold
    const std::string path = std::filesystem::canonical(f.root.Write("big.bin", data));
    f.srv.idle_timeout = 1s;  // (no WriteTimeout: this is the stall's deadline)
    std::atomic<int> closed{0};
    f.srv.conn_state = [&](std::string_view, nethttp::ConnState st) {
      if (st == nethttp::ConnState::kClosed) ++closed;
    };
    f.Listen();
    RunPeer(f.fx, [&] {
      // A reader that takes a MiB every 100 ms makes progress within every
      // second: it gets the whole file.
      {
        RawConn slow;
        REQUIRE(slow.Connect(f.port));
        REQUIRE(slow.Send(Req("GET", "/static/big.bin")));
        std::optional<std::string> head = slow.ReadUntil("\r\n\r\n");
        REQUIRE(head.has_value());
        CHECK(head->starts_with("HTTP/1.1 200 OK"));
        bool whole = true;
        for (size_t want = 1 << 20; whole; want = std::min(want + (1 << 20), data.size())) {
          whole = slow.ReadAtLeast(want, After(10s));
          if (want == data.size()) break;
          std::this_thread::sleep_for(100ms);  // the slowness under test, not a wait for an event
        }
        CHECK_MESSAGE(whole, slow.error());
        CHECK(slow.buffered() == data);
      }
      // (Its connection closes too: the request said Connection: close.)
      auto wait_closed = [&](int n) {
        for (auto deadline = After(20s); closed.load() < n && Clock::now() < deadline;) {
          std::this_thread::sleep_for(20ms);  // (polling the server's conn_state; no event reaches this thread)
        }
        return closed.load() == n;
      };
      REQUIRE(wait_closed(1));

      // A client that reads nothing: the server's buffers fill, and a
      // second later the connection is closed and the file with it.
      RawConn stuck;
      REQUIRE(stuck.Connect(f.port));
      REQUIRE(stuck.Send(Req("GET", "/static/big.bin")));
      CHECK(wait_closed(2));
      size_t open = 1;
      for (auto deadline = After(10s); (open = OpenOnes(path)) > 0 && Clock::now() < deadline;) {
        std::this_thread::sleep_for(20ms);
      }
      CHECK(open == 0);
    });
  }

  TEST_CASE("a small file is read whole by its open: in memory, its reads still complete later") {
    Fixture f;
    const std::string at_limit = RandomBytes(nethttp::kInMemoryFileBytes, 21);
    f.root.Write("small.txt", "hello, world");
    f.root.Write("at_limit.bin", at_limit);
    f.root.Write("over_limit.bin", RandomBytes(nethttp::kInMemoryFileBytes + 1, 22));
    std::shared_ptr<nethttp::File> small = f.Open("/small.txt");
    REQUIRE(small->InMemory() != nullptr);
    CHECK(*small->InMemory() == "hello, world");
    CHECK(small->Stat().size == 12);
    REQUIRE(f.Open("/at_limit.bin")->InMemory() != nullptr);
    CHECK(*f.Open("/at_limit.bin")->InMemory() == at_limit);
    CHECK(f.Open("/over_limit.bin")->InMemory() == nullptr);  // read as it is sent
    CHECK(f.Open("/testdata")->InMemory() == nullptr);         // a directory is listed, not read

    // File's contract holds for a file in memory too: nothing completes
    // within the call.
    char buf[8] = {};
    std::optional<nethttp::Result<size_t>> got;
    small->ReadAt(7, buf, sizeof buf, [&](nethttp::Result<size_t> n) { got = std::move(n); });
    CHECK_FALSE(got.has_value());
    REQUIRE(f.fx.RunUntil([&] { return got.has_value(); }));
    REQUIRE(got->ok());
    CHECK(std::string_view(buf, got->value()) == "world");
    got.reset();
    small->ReadAt(12, buf, sizeof buf, [&](nethttp::Result<size_t> n) { got = std::move(n); });
    REQUIRE(f.fx.RunUntil([&] { return got.has_value(); }));
    CHECK(got->value() == 0);  // the end of the file
    std::optional<nethttp::Error> dir_err;
    small->ReadDir([&](nethttp::Result<std::vector<nethttp::FileInfo>> r) { dir_err = r.ok() ? nethttp::Error() : r.error(); });
    CHECK_FALSE(dir_err.has_value());
    REQUIRE(f.fx.RunUntil([&] { return dir_err.has_value(); }));
    CHECK(dir_err->uv_code() == UV_ENOTDIR);
  }

  TEST_CASE("DirOptions::cache_valid: a small file answers opens from memory until it expires") {
    Fixture f;
    f.root.Write("c.txt", "one");
    f.root.Write("big.bin", RandomBytes(nethttp::kInMemoryFileBytes + 1, 23));
    nethttp::DirOptions options;
    options.cache_valid = 300ms;
    auto fs = nethttp::Dir(f.root.path(), options, &f.fx.loop());
    auto first = f.TryOpen(*fs, "/c.txt");
    REQUIRE(first.ok());
    f.root.Write("c.txt", "two, longer");
    // Cached: answered before Open returns, with what was read before.
    std::shared_ptr<nethttp::File> again;
    fs->Open("c.txt", [&](nethttp::Result<std::shared_ptr<nethttp::File>> r) { again = r.value(); });
    REQUIRE(again != nullptr);
    CHECK(again == first.value());
    CHECK(*again->InMemory() == "one");
    // A large file is never kept; neither is a name that failed.
    bool big_done = false;
    fs->Open("/big.bin", [&](nethttp::Result<std::shared_ptr<nethttp::File>>) { big_done = true; });
    CHECK_FALSE(big_done);
    REQUIRE(f.fx.RunUntil([&] { return big_done; }));
    // Past cache_valid (the loop's clock, which the cache reads, moved on
    // with a timer) the disk is asked again.
    uv_timer_t timer;
    bool fired = false;
    uv_timer_init(f.fx.uv(), &timer);
    timer.data = &fired;
    uv_timer_start(&timer, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; }, 350, 0);
    REQUIRE(f.fx.RunUntil([&] { return fired; }));
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    auto fresh = f.TryOpen(*fs, "/c.txt");
    REQUIRE(fresh.ok());
    CHECK(fresh.value() != first.value());
    CHECK(*fresh.value()->InMemory() == "two, longer");
    CHECK(fresh.value()->Stat().size == 11);
  }

  TEST_CASE("a Dir without a loop opens on the loop that calls it, each loop with a cache of its own") {
    Fixture f;
    nethttp::testutil::LoopFixture other;
    f.root.Write("c.txt", "one");
    nethttp::DirOptions options;
    options.cache_valid = std::chrono::minutes(10);
    auto fs = nethttp::Dir(f.root.path(), options);  // no loop: a worker's FileServer
    // ReadOn opens name from a callback of fx's loop, as a handler of that
    // loop would, and returns the file's bytes.
    auto read_on = [&](nethttp::testutil::LoopFixture& fx) {
      std::string got = "(not opened)";
      nethttp::Loop* done_on = nullptr;
      fx.Call([&] {
        fs->Open("/c.txt", [&](nethttp::Result<std::shared_ptr<nethttp::File>> r) {
          done_on = nethttp::Loop::Current();
          got = r.ok() ? std::string(*r.value()->InMemory()) : r.error().message();
        });
      });
      REQUIRE(fx.RunUntil([&] { return done_on != nullptr; }));
      CHECK(done_on == &fx.loop());  // completed on the loop that asked
      return got;
    };
    CHECK(read_on(f.fx) == "one");
    f.root.Write("c.txt", "two");
    CHECK(read_on(f.fx) == "one");   // this loop's cache
    CHECK(read_on(other) == "two");  // the other loop reads the disk: nothing shared
    CHECK(read_on(other) == "two");
  }

  TEST_CASE("DirOptions::cache_max_bytes: a file that would pass it is served but not kept") {
    Fixture f;
    f.root.Write("a.txt", std::string(600, 'a'));
    f.root.Write("b.txt", std::string(600, 'b'));
    nethttp::DirOptions options;
    options.cache_valid = 60s;
    options.cache_max_bytes = 1000;
    auto fs = nethttp::Dir(f.root.path(), options, &f.fx.loop());
    REQUIRE(f.TryOpen(*fs, "/a.txt").ok());
    auto b = f.TryOpen(*fs, "/b.txt");  // 1200 bytes would pass the bound
    REQUIRE(b.ok());
    CHECK(*b.value()->InMemory() == std::string(600, 'b'));
    f.root.Write("a.txt", "A");
    f.root.Write("b.txt", "B");
    bool a_sync = false, b_sync = false;
    fs->Open("/a.txt", [&](nethttp::Result<std::shared_ptr<nethttp::File>> r) {
      a_sync = true;
      CHECK(*r.value()->InMemory() == std::string(600, 'a'));  // kept: still what was read
    });
    CHECK(a_sync);
    std::shared_ptr<nethttp::File> b2;
    fs->Open("/b.txt", [&](nethttp::Result<std::shared_ptr<nethttp::File>> r) {
      b_sync = true;
      b2 = r.value();
    });
    CHECK_FALSE(b_sync);  // not kept: read again
    REQUIRE(f.fx.RunUntil([&] { return b_sync; }));
    CHECK(*b2->InMemory() == "B");
  }
}
