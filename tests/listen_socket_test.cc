// Tests for lib/listen_socket.cc: Server::addr's forms, Unix-domain
// listeners (a stale socket file replaced, anything else refused, the file
// removed only while it is ours), adopting a socket made elsewhere, and
// systemd's LISTEN_FDS protocol (ListenFds).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "internal/listen_socket.h"
#include "nethttp/server.h"
#include "testutil/loop_fixture.h"
#include "testutil/raw_conn.h"
#include "testutil/temp_tree.h"

using nethttp::ErrorCode;
using nethttp::ListenAddress;
using nethttp::testutil::LoopbackSocket;
using nethttp::testutil::LoopFixture;
using nethttp::testutil::RawConn;
using nethttp::testutil::TempTree;

namespace {

bool IsSocket(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_SUITE("listen_socket") {
  TEST_CASE("addr forms: host:port, unix:/path, unix:@name; the malformed ones are kInvalidArgument") {
    LoopFixture fx;
    ListenAddress a;
    REQUIRE_FALSE(nethttp::ParseListenAddress(fx.uv(), "127.0.0.1:8091", &a));
    CHECK_FALSE(a.is_unix());
    CHECK(a.tcp.ss_family == AF_INET);
    CHECK_FALSE(a.any_host);
    REQUIRE_FALSE(nethttp::ParseListenAddress(fx.uv(), ":0", &a));
    CHECK(a.any_host);
    REQUIRE_FALSE(nethttp::ParseListenAddress(fx.uv(), "unix:/run/app.sock", &a));
    CHECK(a.unix_path == "/run/app.sock");
    REQUIRE_FALSE(nethttp::ParseListenAddress(fx.uv(), "unix:rel.sock", &a));
    CHECK(a.unix_path == "rel.sock");
    REQUIRE_FALSE(nethttp::ParseListenAddress(fx.uv(), "unix:@name", &a));
    CHECK(a.unix_path == "@name");

    // sun_path holds 108 bytes: a path needs its NUL, an abstract name not.
    std::string longest = "/" + std::string(106, 'p');
    CHECK_FALSE(nethttp::ParseListenAddress(fx.uv(), "unix:" + longest, &a));
    CHECK_FALSE(nethttp::ParseListenAddress(fx.uv(), "unix:@" + std::string(107, 'n'), &a));
    nethttp::Error err = nethttp::ParseListenAddress(fx.uv(), "unix:" + longest + "p", &a);
    CHECK(err.code() == ErrorCode::kInvalidArgument);
    CHECK(err.message().find("path too long (at most 107 bytes)") != std::string::npos);
    CHECK(nethttp::ParseListenAddress(fx.uv(), "unix:@" + std::string(108, 'n'), &a).code() ==
          ErrorCode::kInvalidArgument);

    for (std::string bad : std::vector<std::string>{"unix:", "unix:@", std::string("unix:/a\0b", 9), "no-port",
                                                     "h:99999", "h:x"}) {
      CAPTURE(bad);
      CHECK(nethttp::ParseListenAddress(fx.uv(), bad, &a).code() == ErrorCode::kInvalidArgument);
    }
  }

  TEST_CASE("a Unix-domain listener accepts, reports unix:PATH, and its file goes with Remove") {
    TempTree tree;
    std::string path = tree.Path("s.sock");
    int fd = -1;
    nethttp::UnixSocketFile file;
    REQUIRE_FALSE(nethttp::OpenUnixListener(path, &fd, &file));
    CHECK(IsSocket(path));
    CHECK(nethttp::FormatListenAddr(fd) == "unix:" + path);
    CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    RawConn c;
    REQUIRE_MESSAGE(c.ConnectUnix(path), c.error());
    int accepted = accept(fd, nullptr, nullptr);
    CHECK(accepted >= 0);
    close(accepted);
    close(fd);
    file.Remove();
    CHECK_FALSE(Exists(path));
  }

  TEST_CASE("a socket file nobody listens on is replaced; a live one and a regular file are refused") {
    TempTree tree;
    std::string path = tree.Path("s.sock");
    int first = -1, second = -1;
    nethttp::UnixSocketFile f1, f2;
    REQUIRE_FALSE(nethttp::OpenUnixListener(path, &first, &f1));

    nethttp::Error busy = nethttp::OpenUnixListener(path, &second, &f2);
    CHECK(busy.code() == ErrorCode::kIo);
    CHECK(busy.message() == "listen unix " + path + ": bind: address already in use");
    CHECK(IsSocket(path));

    close(first);  // the server died: its file stays behind, with nothing behind it
    REQUIRE(IsSocket(path));
    REQUIRE_FALSE(nethttp::OpenUnixListener(path, &second, &f2));
    RawConn c;
    CHECK_MESSAGE(c.ConnectUnix(path), c.error());
    f2.Remove();
    CHECK_FALSE(Exists(path));
    close(second);

    // Remove takes only a socket: whatever replaced ours stays.
    tree.Write("s.sock", "not a socket");
    f1.Remove();
    CHECK(Exists(path));

    std::string regular = tree.Write("data.txt", "keep me");
    int fd = -1;
    nethttp::UnixSocketFile f3;
    nethttp::Error err = nethttp::OpenUnixListener(regular, &fd, &f3);
    CHECK(err.message() == "listen unix " + regular + ": bind: address already in use");
    CHECK_FALSE(IsSocket(regular));
    CHECK(Exists(regular));
  }

  TEST_CASE("an abstract name has no file; its address reads unix:@name") {
    std::string name = "@nethttp-listen-test-" + std::to_string(getpid());
    int fd = -1;
    nethttp::UnixSocketFile file;
    REQUIRE_FALSE(nethttp::OpenUnixListener(name, &fd, &file));
    CHECK(file.path.empty());
    CHECK(nethttp::FormatListenAddr(fd) == "unix:" + name);
    RawConn c;
    CHECK_MESSAGE(c.ConnectUnix(name), c.error());
    int fd2 = -1;
    nethttp::UnixSocketFile file2;
    CHECK(nethttp::OpenUnixListener(name, &fd2, &file2).message().find("address already in use") !=
          std::string::npos);
    close(fd);
  }

  TEST_CASE("AdoptListener readies a listening TCP socket and refuses anything else") {
    int fd = LoopbackSocket(true);
    REQUIRE(fd >= 0);
    REQUIRE_FALSE(nethttp::AdoptListener(fd));
    CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    int nodelay = 0;
    socklen_t len = sizeof nodelay;
    REQUIRE(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
    CHECK(nodelay != 0);  // (what accepted sockets inherit, Conn::Accept)
    CHECK(nethttp::FormatListenAddr(fd).rfind("127.0.0.1:", 0) == 0);
    close(fd);

    int idle = LoopbackSocket(false);
    REQUIRE(idle >= 0);
    nethttp::Error err = nethttp::AdoptListener(idle);
    CHECK(err.code() == ErrorCode::kInvalidArgument);
    CHECK(err.message() == "listen fd " + std::to_string(idle) + ": not a listening stream socket");
    close(idle);
    int udp = LoopbackSocket(false, SOCK_DGRAM);
    REQUIRE(udp >= 0);
    CHECK(nethttp::AdoptListener(udp).code() == ErrorCode::kInvalidArgument);
    close(udp);
    int file = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(nethttp::AdoptListener(file).message() ==
          "listen fd " + std::to_string(file) + ": socket operation on non-socket");
    close(file);
    CHECK(nethttp::AdoptListener(file).message() == "listen fd " + std::to_string(file) + ": bad file descriptor");
  }

  TEST_CASE("ListenFds: none without the variables or for another pid; malformed ones are errors; read once") {
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    auto none = nethttp::ListenFds();
    REQUIRE(none.ok());
    CHECK(none->empty());

    // Meant for another process (a parent's, inherited): not ours to take,
    // and gone all the same, as sd_listen_fds(1) leaves it.
    setenv("LISTEN_PID", std::to_string(getpid() + 1).c_str(), 1);
    setenv("LISTEN_FDS", "1", 1);
    auto other = nethttp::ListenFds();
    REQUIRE(other.ok());
    CHECK(other->empty());
    CHECK(std::getenv("LISTEN_PID") == nullptr);
    CHECK(std::getenv("LISTEN_FDS") == nullptr);

    setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
    setenv("LISTEN_FDS", "0", 1);
    setenv("LISTEN_FDNAMES", "", 1);
    auto zero = nethttp::ListenFds();
    REQUIRE(zero.ok());
    CHECK(zero->empty());
    CHECK(std::getenv("LISTEN_FDNAMES") == nullptr);

    setenv("LISTEN_PID", "self", 1);
    setenv("LISTEN_FDS", "1", 1);
    CHECK(nethttp::ListenFds().error().message() == "LISTEN_PID=self: not a process id");
    setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
    setenv("LISTEN_FDS", "2x", 1);
    CHECK(nethttp::ListenFds().error().message() == "LISTEN_FDS=2x: not a descriptor count");
    CHECK(nethttp::ListenFds()->empty());  // (read once: the bad values went too)
  }
}
