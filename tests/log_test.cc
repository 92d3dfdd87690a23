// Tests for lib/log.cc, the public logging API (nethttp/log.h): level names,
// SetLogger reaching the library's own log lines, restoring the default, the
// default's thread-safe sink, and swapping loggers while other threads log
// without losing or tearing a line. Each case puts the default back on exit
// (LoggerGuard), as the rest of the suite expects it.
#include "nethttp/log.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "nethttp/cookie.h"

using nethttp::ErrorCode;
using nethttp::Log;
using nethttp::SetLogger;
using nethttp::SetLogLevel;

namespace {

// LoggerGuard restores the default logger at the level the library starts
// with, whatever the test did.
struct LoggerGuard {
  ~LoggerGuard() {
    SetLogger(nullptr);
    CHECK_FALSE(SetLogLevel("warn"));
  }
};

// Captured is a logger writing bare messages into a string.
struct Captured {
  explicit Captured(std::string name = "captured") {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    logger = std::make_shared<spdlog::logger>(std::move(name), std::move(sink));
    logger->set_pattern("%l %v");
    logger->set_level(spdlog::level::trace);
  }
  size_t Lines() const {
    const std::string s = out.str();
    return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
  }
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> logger;
};

}  // namespace

TEST_SUITE("log") {
  TEST_CASE("the default logger: nethttp, at warn, to stderr through a thread-safe sink") {
    LoggerGuard guard;
    SetLogger(nullptr);
    CHECK(Log().name() == "nethttp");
    CHECK(Log().level() == spdlog::level::warn);
    REQUIRE(Log().sinks().size() == 1);
    // _mt, not _st: several loops on several threads write to it.
    CHECK(dynamic_cast<spdlog::sinks::stderr_color_sink_mt*>(Log().sinks()[0].get()) != nullptr);
    // Not in spdlog's registry, so the application's spdlog::set_level and
    // drop_all do not reach it, and its name cannot clash with theirs.
    CHECK(spdlog::get("nethttp") == nullptr);
  }

  TEST_CASE("SetLogLevel accepts the documented names and nothing else") {
    LoggerGuard guard;
    struct Case {
      std::string_view name;
      spdlog::level::level_enum level;
    };
    const Case good[] = {
        {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
        {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
        {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
        {"off", spdlog::level::off},
    };
    for (const Case& c : good) {
      CAPTURE(c.name);
      CHECK_FALSE(SetLogLevel(c.name));
      CHECK(Log().level() == c.level);
    }

    REQUIRE_FALSE(SetLogLevel("debug"));
    // spdlog::level::from_str would read each of these as off (or as its
    // own alias): a typo must be an error that changes nothing.
    const std::string_view bad[] = {"", "loud", "INFO", "Info", " info", "info ",
                                    "warning", "err", "0", "tracee", "of"};
    for (std::string_view name : bad) {
      CAPTURE(name);
      nethttp::Error err = SetLogLevel(name);
      CHECK(err.code() == ErrorCode::kInvalidArgument);
      CHECK(err.message().find("\"" + std::string(name) + "\"") != std::string::npos);
      CHECK(Log().level() == spdlog::level::debug);
    }
  }

  TEST_CASE("SetLogger: the library's own lines go to the new logger") {
    LoggerGuard guard;
    Captured cap;
    SetLogger(cap.logger);
    CHECK(&Log() == cap.logger.get());
    // A library path that logs: Cookie::String drops an invalid byte with a
    // warning (Go: "net/http: invalid byte ... dropping invalid bytes").
    nethttp::Cookie c;
    c.name = "n";
    c.value = std::string("a\x01" "b");
    CHECK(c.String() == "n=ab");
    CHECK(cap.out.str().find("warning net/http: invalid byte 0x01 in Cookie.Value") !=
          std::string::npos);
  }

  TEST_CASE("SetLogLevel sets the logger in use, and nullptr brings the default back") {
    LoggerGuard guard;
    Captured cap;
    cap.logger->set_level(spdlog::level::info);
    SetLogger(cap.logger);
    REQUIRE_FALSE(SetLogLevel("error"));
    CHECK(cap.logger->level() == spdlog::level::err);
    Log().warn("dropped");
    Log().error("kept");
    CHECK(cap.out.str() == "error kept\n");

    SetLogger(nullptr);
    CHECK(Log().name() == "nethttp");
    CHECK(Log().level() == spdlog::level::warn);  // untouched by the calls above
  }

  TEST_CASE("a reference from before SetLogger stays usable and writes where it did") {
    LoggerGuard guard;
    Captured first("first");
    Captured second("second");
    SetLogger(first.logger);
    spdlog::logger& held = Log();
    SetLogger(second.logger);
    // The caller drops its own reference too: the library's keeps it alive.
    std::weak_ptr<spdlog::logger> weak = first.logger;
    first.logger.reset();
    CHECK_FALSE(weak.expired());
    held.info("late");
    Log().info("now");
    CHECK(first.out.str() == "info late\n");
    CHECK(second.out.str() == "info now\n");
  }

  TEST_CASE("loggers swapped while threads log: every line lands whole in one of them") {
    LoggerGuard guard;
    Captured a("a");
    Captured b("b");
    SetLogger(a.logger);
    constexpr int kThreads = 4;
    constexpr int kLines = 2000;
    std::atomic<int> running{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        ++running;
        for (int i = 0; i < kLines; ++i) Log().info("thread {} line {}", t, i);
        ++running;  // twice per thread: started, then finished
      });
    }
    // Swap for as long as any thread is still logging, so swaps and writes
    // overlap however the threads are scheduled; at least once, even when
    // the threads were done before this loop began (a loaded machine).
    int swaps = 0;
    do {
      SetLogger(swaps % 2 == 0 ? b.logger : a.logger);
      ++swaps;
    } while (running.load() < 2 * kThreads);
    for (std::thread& th : threads) th.join();
    CHECK(a.Lines() + b.Lines() == static_cast<size_t>(kThreads * kLines));
    // Whole lines only: each one parses back as "info thread T line I".
    for (const Captured* cap : {&a, &b}) {
      std::istringstream in(cap->out.str());
      std::string line;
      while (std::getline(in, line)) {
        CAPTURE(line);
        CHECK(line.rfind("info thread ", 0) == 0);
        CHECK(line.find(" line ") != std::string::npos);
      }
    }
    CHECK(swaps > 0);
  }
}
