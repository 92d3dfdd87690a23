// Tests for lib/file_body.cc: OpenFileBody's file as a Body read on the
// loop's thread pool (the whole file in order, an empty one, Pause and
// Resume, Close mid-way with a read in flight, errors at open, one Read),
// and that nothing is left behind: no handle or request on the loop (the
// loop runs dry), no open file descriptor.
#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "nethttp/body.h"
#include "testutil/generator_body.h"
#include "testutil/loop_fixture.h"
#include "testutil/temp_tree.h"

using nethttp::Body;
using nethttp::Error;
using nethttp::ErrorCode;
using nethttp::FileBody;
using nethttp::OpenFileBody;
using nethttp::Result;
using nethttp::testutil::LoopFixture;
using nethttp::testutil::PatternString;
using nethttp::testutil::TempTree;

namespace {

// OpenFds counts this process's open file descriptors (a FileBody that
// forgot its fd shows up here).
int OpenFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n;
}

// RunDry runs the loop until nothing is pending on it: a read still in
// flight or still to come would be run by it, so what a test counts
// afterwards is final.
void RunDry(LoopFixture& fx) { uv_run(fx.uv(), UV_RUN_DEFAULT); }

struct Reader {
  std::string data;
  int pieces = 0;
  int ends = 0;
  std::optional<Error> end;
  Body::DataFunc OnData() {
    return [this](std::string_view s) {
      data.append(s);
      ++pieces;
    };
  }
  Body::EndFunc OnEnd() {
    return [this](Error err) {
      ++ends;
      end = std::move(err);
    };
  }
};

}  // namespace

TEST_SUITE("file_body") {
  TEST_CASE("a file is read whole, in order, in pieces of at most 64 KiB") {
    LoopFixture fx;
    TempTree tree;
    const std::string content = PatternString(0, 300 * 1024 + 5);
    std::string path = tree.Write("f", content);
    int fds_before = OpenFds();
    Reader rd;
    size_t largest = 0;
    {
      Result<FileBody> fb = OpenFileBody(fx.loop(), path);
      REQUIRE_MESSAGE(fb.ok(), fb.error().message());
      CHECK(fb->size == static_cast<int64_t>(content.size()));
      std::shared_ptr<Body> body = fb->body;
      bool resume_while_reading = false;
      SUBCASE("plain") {}
      SUBCASE("a Resume while reading starts no second read") {
        // (Two reads at once would race on the one buffer and offset.)
        resume_while_reading = true;
      }
      Body::DataFunc inner = rd.OnData();
      body->Read(
          [&, inner](std::string_view s) {
            largest = std::max(largest, s.size());
            inner(s);
            if (resume_while_reading) {
              body->Resume();
              body->Resume();
            }
          },
          rd.OnEnd());
      REQUIRE(fx.RunUntil([&] { return rd.end.has_value(); }));
    }
    CHECK_FALSE(*rd.end);
    CHECK(rd.ends == 1);
    CHECK(rd.data == content);
    CHECK(rd.pieces >= 5);
    CHECK(largest <= 64 * 1024);
    RunDry(fx);
    CHECK(OpenFds() == fds_before);
  }

  TEST_CASE("an empty file ends at once with ok and no data") {
    LoopFixture fx;
    TempTree tree;
    std::string path = tree.Write("empty", "");
    Result<FileBody> fb = OpenFileBody(fx.loop(), path);
    REQUIRE_MESSAGE(fb.ok(), fb.error().message());
    CHECK(fb->size == 0);
    Reader rd;
    fb->body->Read(rd.OnData(), rd.OnEnd());
    REQUIRE(fx.RunUntil([&] { return rd.end.has_value(); }));
    CHECK_FALSE(*rd.end);
    CHECK(rd.pieces == 0);
    RunDry(fx);
    CHECK(rd.ends == 1);
  }

  TEST_CASE("Pause stops further pieces until Resume") {
    LoopFixture fx;
    TempTree tree;
    const std::string content = PatternString(0, 256 * 1024);
    std::string path = tree.Write("f", content);
    Result<FileBody> fb = OpenFileBody(fx.loop(), path);
    REQUIRE(fb.ok());
    std::shared_ptr<Body> body = fb->body;
    Reader rd;
    Body::DataFunc inner = rd.OnData();
    body->Read(
        [&, inner](std::string_view s) {
          inner(s);
          if (rd.pieces == 1) body->Pause();
        },
        rd.OnEnd());
    REQUIRE(fx.RunUntil([&] { return rd.pieces == 1; }));
    // Paused with no read in flight: the loop has nothing left to do, and
    // running it dry delivers nothing more.
    RunDry(fx);
    CHECK(rd.pieces == 1);
    CHECK_FALSE(rd.end.has_value());
    body->Resume();
    REQUIRE(fx.RunUntil([&] { return rd.end.has_value(); }));
    CHECK_FALSE(*rd.end);
    CHECK(rd.data == content);
    CHECK(rd.pieces >= 4);
  }

  TEST_CASE("Close mid-way stops the callbacks, and the fd and the loop are let go") {
    LoopFixture fx;
    TempTree tree;
    std::string path = tree.Write("f", PatternString(0, 512 * 1024));
    int fds_before = OpenFds();
    Reader rd;
    int want_pieces = -1;
    {
      Result<FileBody> fb = OpenFileBody(fx.loop(), path);
      REQUIRE(fb.ok());
      CHECK(OpenFds() == fds_before + 1);
      std::shared_ptr<Body> body = fb->body;
      SUBCASE("from its on_data, between reads") {
        Body::DataFunc inner = rd.OnData();
        body->Read(
            [&, inner](std::string_view s) {
              inner(s);
              if (rd.pieces == 2) body->Close();
            },
            rd.OnEnd());
        REQUIRE(fx.RunUntil([&] { return rd.pieces >= 2; }));
        want_pieces = 2;
      }
      SUBCASE("with a read in flight, the last reference dropped at once") {
        // The read on the pool comes back to a body nobody holds: it must
        // keep itself alive until then (ASan would catch the use after free).
        body->Read(rd.OnData(), rd.OnEnd());
        body->Close();
        fb->body.reset();
        want_pieces = 0;
      }
      body.reset();
    }
    RunDry(fx);
    CHECK(rd.pieces == want_pieces);
    CHECK(rd.ends == 0);
    CHECK(OpenFds() == fds_before);
  }

  TEST_CASE("a second Read, or a Read after Close, is refused without disturbing the first") {
    LoopFixture fx;
    TempTree tree;
    const std::string content = PatternString(0, 100 * 1024);
    std::string path = tree.Write("f", content);
    Result<FileBody> fb = OpenFileBody(fx.loop(), path);
    REQUIRE(fb.ok());
    SUBCASE("second Read") {
      Reader first, second;
      fb->body->Read(first.OnData(), first.OnEnd());
      fb->body->Read(second.OnData(), second.OnEnd());
      REQUIRE(second.end.has_value());  // refused at once
      CHECK(second.end->code() == ErrorCode::kInvalidArgument);
      CHECK(second.end->message() == "http: body already read or closed");
      REQUIRE(fx.RunUntil([&] { return first.end.has_value(); }));
      CHECK_FALSE(*first.end);
      CHECK(first.data == content);
      CHECK(second.pieces == 0);
      CHECK(second.ends == 1);
    }
    SUBCASE("Read after Close") {
      fb->body->Close();
      Reader rd;
      fb->body->Read(rd.OnData(), rd.OnEnd());
      REQUIRE(rd.end.has_value());
      CHECK(rd.end->code() == ErrorCode::kInvalidArgument);
      RunDry(fx);
      CHECK(rd.pieces == 0);
      CHECK(rd.ends == 1);
    }
  }

  TEST_CASE("OpenFileBody fails at once for a missing file and for a directory") {
    LoopFixture fx;
    TempTree tree;
    int fds_before = OpenFds();
    SUBCASE("missing") {
      std::string path = tree.Path("nope");
      Result<FileBody> fb = OpenFileBody(fx.loop(), path);
      REQUIRE_FALSE(fb.ok());
      CHECK_MESSAGE(fb.error().message().starts_with("open " + path + ": "), fb.error().message());
      CHECK(fb.error().message().find("no such file or directory") != std::string::npos);
    }
    SUBCASE("a directory") {
      std::string path = tree.Mkdir("d");
      Result<FileBody> fb = OpenFileBody(fx.loop(), path);
      REQUIRE_FALSE(fb.ok());
      CHECK(fb.error().message() == "open " + path + ": not a regular file");
      CHECK(fb.error().code() == ErrorCode::kInvalidArgument);
    }
    CHECK(OpenFds() == fds_before);  // the directory opened to stat it is closed
  }

  TEST_CASE("OpenFileBody on a FIFO nobody writes to does not block the loop's thread") {
    // A FIFO is not a regular file, so it is refused; the open must not
    // first wait for a writer (open(2) of a FIFO blocks without O_NONBLOCK),
    // since OpenFileBody runs on the loop's thread.
    LoopFixture fx;
    TempTree tree;
    std::string path = tree.Mkfifo("fifo");
    std::mutex mu;
    std::condition_variable cv;
    bool returned = false;
    std::optional<Result<FileBody>> out;
    std::thread opener([&] {
      Result<FileBody> fb = OpenFileBody(fx.loop(), path);
      std::lock_guard<std::mutex> lock(mu);
      out.emplace(std::move(fb));
      returned = true;
      cv.notify_all();
    });
    bool in_time;
    {
      std::unique_lock<std::mutex> lock(mu);
      in_time = cv.wait_for(lock, std::chrono::seconds(2), [&] { return returned; });
    }
    if (!in_time) {
      // Let the blocked open through: a writer end unblocks it.
      int w = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      opener.join();
      if (w >= 0) close(w);
    } else {
      opener.join();
    }
    // (O_NONBLOCK: a FIFO with no writer must not block the loop's thread.)
    CHECK_MESSAGE(in_time, "OpenFileBody blocked on a FIFO with no writer");
    REQUIRE(out.has_value());
    REQUIRE_FALSE(out->ok());
    CHECK(out->error().message() == "open " + path + ": not a regular file");
  }
}
