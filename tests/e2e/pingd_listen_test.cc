// End-to-end tests of pingd's other listeners (issue 16): --addr
// unix:PATH driven by curl --unix-socket, a stale socket file replaced, and
// socket activation by systemd-socket-activate (LISTEN_FDS), the real
// parent a systemd unit would be. Bad LISTEN_FDS values are exit 2.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "testutil/pingd.h"
#include "testutil/process.h"
#include "testutil/temp_tree.h"

using nethttp::testutil::After;
using nethttp::testutil::EnvOr;
using nethttp::testutil::PingdPath;
using nethttp::testutil::Process;
using nethttp::testutil::Run;
using nethttp::testutil::RunResult;
using nethttp::testutil::TempTree;
using namespace std::chrono_literals;

namespace {

bool IsSocket(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// PingdArgv is pingd with args, plus --workers when the suite asks
// (e2e_workers, PINGD_WORKERS).
std::vector<std::string> PingdArgv(std::vector<std::string> args) {
  REQUIRE_MESSAGE(!PingdPath().empty(), "PINGD is not set: run this through `meson test`");
  args.insert(args.begin(), PingdPath());
  if (std::string workers = EnvOr("PINGD_WORKERS", ""); !workers.empty()) {
    args.insert(args.end(), {"--workers", workers});
  }
  return args;
}

std::unique_ptr<Process> Spawn(const std::vector<std::string>& argv) {
  std::string error;
  auto p = Process::Spawn(argv, &error);
  REQUIRE_MESSAGE(p != nullptr, error);
  return p;
}

// CurlUnix fetches url over the Unix-domain socket at path: curl's
// "-w %{http_code} " then the body.
std::string CurlUnix(const std::string& path, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{EnvOr("CURL", "curl"), "-sS", "--max-time", "10", "--unix-socket", path,
                                "-w", "%{http_code} "};
  argv.insert(argv.end(), extra.begin(), extra.end());
  RunResult r = Run(argv, 15s);
  REQUIRE_MESSAGE(r.started, r.err);
  return r.exit_code == 0 ? r.out : "curl exit " + std::to_string(r.exit_code) + ": " + r.err;
}

// Listens waits for pingd's "listening on unix:PATH" line.
void Listens(Process& p, const std::string& path) {
  auto line = p.WaitForStderrLine("listening on unix:" + path, After(10s));
  REQUIRE_MESSAGE(line.has_value(), "pingd never said it listens on " << path << "; stderr:\n" << p.err());
}

}  // namespace

TEST_SUITE("pingd listeners") {
  TEST_CASE("--addr unix:PATH: curl --unix-socket is answered; SIGTERM ends it cleanly and removes the file") {
    TempTree tree;
    std::string path = tree.Path("pingd.sock");
    auto pingd = Spawn(PingdArgv({"--addr", "unix:" + path}));
    Listens(*pingd, path);
    CHECK(IsSocket(path));
    CHECK(CurlUnix(path, {"http://pingd/ping"}) == "pong200 ");
    CHECK(CurlUnix(path, {"-H", "Content-Type: application/json", "--data-binary", "{\"a\":1}",
                          "http://pingd/echo"}) == "{\"a\":1}200 ");
    pingd->Signal(SIGTERM);
    std::optional<int> code = pingd->Wait(After(10s));
    REQUIRE(code.has_value());
    CHECK_MESSAGE(*code == 0, pingd->err());
    CHECK_FALSE(IsSocket(path));
  }

  TEST_CASE("a socket file left by a killed pingd is replaced; a live one makes a second pingd exit 1") {
    TempTree tree;
    std::string path = tree.Path("pingd.sock");
    {
      auto dead = Spawn(PingdArgv({"--addr", "unix:" + path}));
      Listens(*dead, path);
      dead->Signal(SIGKILL);
      REQUIRE(dead->Wait(After(10s)).has_value());
    }
    REQUIRE(IsSocket(path));  // (SIGKILL: nobody removed it)
    auto pingd = Spawn(PingdArgv({"--addr", "unix:" + path}));
    Listens(*pingd, path);
    CHECK(CurlUnix(path, {"http://pingd/ping"}) == "pong200 ");

    RunResult second = Run(PingdArgv({"--addr", "unix:" + path}), 10s);
    CHECK(second.exit_code == 1);
    CHECK(second.err == "pingd: listen unix " + path + ": bind: address already in use\n");
    CHECK(CurlUnix(path, {"http://pingd/ping"}) == "pong200 ");  // the first one still serves
  }

  TEST_CASE("systemd-socket-activate: pingd takes the socket (LISTEN_FDS) and answers the connection that woke it") {
    std::string activate = EnvOr("SYSTEMD_SOCKET_ACTIVATE", "");
    REQUIRE_MESSAGE(!activate.empty(),
                    "systemd-socket-activate not found: apt-get install systemd (tools/setup does)");
    TempTree tree;
    std::string path = tree.Path("activated.sock");
    // The --addr given is not used: the passed socket is.
    std::vector<std::string> argv{activate, "-l", path};
    for (const std::string& a : PingdArgv({"--addr", "127.0.0.1:1"})) argv.push_back(a);
    auto proc = Spawn(argv);
    // systemd-socket-activate binds, says so, and starts pingd (in its own
    // process: it execs) at the first connection, which waits in the
    // backlog meanwhile.
    REQUIRE_MESSAGE(proc->WaitForStderrLine("Listening on " + path, After(10s)).has_value(), proc->err());
    CHECK(CurlUnix(path, {"http://pingd/ping"}) == "pong200 ");
    Listens(*proc, path);
    CHECK(CurlUnix(path, {"http://pingd/ping"}) == "pong200 ");
    proc->Signal(SIGTERM);
    std::optional<int> code = proc->Wait(After(10s));
    REQUIRE(code.has_value());
    CHECK_MESSAGE(*code == 0, proc->err());
    // The socket is systemd's: pingd leaves its file alone.
    CHECK(IsSocket(path));
  }

  TEST_CASE("LISTEN_FDS naming a closed descriptor or a file: one line, exit 2, nothing served") {
    // sh sets LISTEN_PID to its own pid, which pingd keeps across exec.
    std::string script = "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" --addr 127.0.0.1:0";
    RunResult closed = Run({"sh", "-c", "exec 3<&-; " + script, PingdPath()}, 10s);
    CHECK(closed.exit_code == 2);
    CHECK(closed.err == "pingd: LISTEN_FDS=1: fd 3 is not open (see --help)\n");
    RunResult file = Run({"sh", "-c", "exec 3</dev/null; " + script, PingdPath()}, 10s);
    CHECK(file.exit_code == 2);
    CHECK(file.err == "pingd: listen fd 3: socket operation on non-socket (see --help)\n");
    RunResult many = Run({"sh", "-c", "exec 3</dev/null 4</dev/null; LISTEN_PID=$$ LISTEN_FDS=2 exec \"$0\"",
                          PingdPath()},
                         10s);
    CHECK(many.exit_code == 2);
    CHECK(many.err == "pingd: socket activation passed 2 sockets (LISTEN_FDS); pingd serves one (see --help)\n");
  }
}
