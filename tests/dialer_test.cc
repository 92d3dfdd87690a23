// Tests for lib/dialer.cc on a real loop against loopback sockets: a
// listener that accepts, a port that refuses, a listener whose accept queue
// is full (the SYN goes unanswered, so only the owner's deadline ends the
// dial), bad ports, and Cancel in each state. Every dial calls done exactly
// once, never from inside Dial or Cancel except for bad input, and leaves no
// handle behind (LoopFixture). The peers are plain POSIX sockets so that
// what they do (listen with no accept, bind with no listen) is exactly what
// the kernel is asked for, with no libuv accept in between.
#include "internal/dialer.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <string>

#include "testutil/loop_fixture.h"

using nethttp::Dialer;
using nethttp::Error;
using nethttp::ErrorCode;
using nethttp::testutil::LoopFixture;

namespace {

// Peer is a socket on 127.0.0.1 (or ::1) with a kernel-chosen port. With
// backlog >= 0 it listens (and never accepts); with kNoListen it is bound
// only, so a connect to it is refused, and the port stays ours for the test.
struct Peer {
  static constexpr int kNoListen = -1;

  explicit Peer(int backlog, int family = AF_INET) {
    fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0 && family == AF_INET6) return;  // no IPv6 at all: bound stays false
    REQUIRE(fd >= 0);
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (family == AF_INET) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof *sin;
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_addr = in6addr_loopback;
      len = sizeof *sin6;
    }
    bound = bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
    if (!bound) return;  // only the IPv6 case tolerates this (no ::1 here)
    if (backlog != kNoListen) REQUIRE(listen(fd, backlog) == 0);
    len = sizeof ss;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0);
    port = std::to_string(ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                                  : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port));
  }
  ~Peer() {
    if (filler >= 0) close(filler);
    if (fd >= 0) close(fd);
  }

  // Fill completes one blocking connect into the accept queue and keeps it.
  void Fill() {
    filler = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(filler >= 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
    REQUIRE(connect(filler, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
  }

  // AcceptNow takes a connection waiting in the accept queue, or returns -1
  // if none waits (a zero-timeout select first, so it never blocks).
  int AcceptNow() {
    timeval tv{};
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    if (select(fd + 1, &rd, nullptr, nullptr, &tv) != 1) return -1;
    return accept(fd, nullptr, nullptr);
  }

  int fd = -1;
  int filler = -1;
  bool bound = false;
  std::string port;
};

// Dial is a Dialer with the socket storage it needs and a record of what
// done reported. The socket belongs to the test once done reports success.
struct Dial {
  explicit Dial(uv_loop_t* loop) : dialer(loop, &tcp) {}

  void Start(const std::string& host, const std::string& port) {
    dialer.Dial(host, port, [this](Error e) {
      ++calls;
      err = std::move(e);
    });
  }
  // CloseConn releases a connected socket; it is a no-op after a failure,
  // where the Dialer has closed (or never opened) it already.
  void CloseConn(LoopFixture& fx) {
    if (calls == 1 && err.ok()) {
      uv_close(reinterpret_cast<uv_handle_t*>(&tcp), nullptr);
      uv_run(fx.uv(), UV_RUN_NOWAIT);  // the close callback, before tcp goes
    }
  }

  uv_tcp_t tcp;
  Dialer dialer;
  int calls = 0;
  Error err;
};

}  // namespace

TEST_SUITE("dialer") {
  TEST_CASE("a literal address with a listener connects; the socket is the caller's") {
    LoopFixture fx;
    Peer peer(16);
    Dial d(fx.uv());
    d.Start("127.0.0.1", peer.port);
    CHECK(d.dialer.state() == Dialer::State::kConnecting);  // no resolver for a literal
    CHECK(d.calls == 0);  // never synchronously for good input
    REQUIRE(fx.RunUntil([&] { return d.calls > 0; }));
    CHECK(d.calls == 1);
    CHECK(d.err.ok());
    CHECK(d.dialer.state() == Dialer::State::kDone);
    CHECK(d.dialer.Addr() == "127.0.0.1:" + peer.port);
    // It is connected to our peer: the connection waits in its queue, and
    // the two ends agree on the address.
    int conn = peer.AcceptNow();
    CHECK(conn >= 0);
    sockaddr_storage ss{};
    int len = sizeof ss;
    REQUIRE(uv_tcp_getpeername(&d.tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0);
    CHECK(ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port) == std::stoi(peer.port));
    if (conn >= 0) close(conn);
    d.CloseConn(fx);
  }

  TEST_CASE("a name goes through the resolver first") {
    // localhost is in /etc/hosts on every machine this builds on; if it
    // names ::1 first, the refused ::1 attempt falls through to 127.0.0.1.
    LoopFixture fx;
    Peer peer(16);
    Dial d(fx.uv());
    d.Start("localhost", peer.port);
    CHECK(d.dialer.state() == Dialer::State::kResolving);
    REQUIRE(fx.RunUntil([&] { return d.calls > 0; }));
    CHECK(d.calls == 1);
    CHECK_MESSAGE(d.err.ok(), d.err.message());
    CHECK(d.dialer.Addr() == "127.0.0.1:" + peer.port);
    d.CloseConn(fx);
  }

  TEST_CASE("an IPv6 literal connects, and Addr brackets it") {
    LoopFixture fx;
    Peer peer(16, AF_INET6);
    if (!peer.bound) {
      MESSAGE("no ::1 on this machine; IPv6 dial not tested");
      return;
    }
    Dial d(fx.uv());
    d.Start("::1", peer.port);
    REQUIRE(fx.RunUntil([&] { return d.calls > 0; }));
    CHECK_MESSAGE(d.err.ok(), d.err.message());
    CHECK(d.dialer.Addr() == "[::1]:" + peer.port);
    d.CloseConn(fx);
  }

  TEST_CASE("a refused port is kIo with Go's message and libuv's code; the socket is closed") {
    LoopFixture fx;
    Peer peer(Peer::kNoListen);
    Dial d(fx.uv());
    d.Start("127.0.0.1", peer.port);
    REQUIRE(fx.RunUntil([&] { return d.calls > 0; }));
    CHECK(d.calls == 1);
    CHECK(d.err.code() == ErrorCode::kIo);
    CHECK(d.err.uv_code() == UV_ECONNREFUSED);
    // Go: "dial tcp 127.0.0.1:1: connect: connection refused".
    CHECK(d.err.message() == "dial tcp 127.0.0.1:" + peer.port + ": connect: connection refused");
    CHECK(d.dialer.state() == Dialer::State::kDone);
    CHECK(uv_is_closing(reinterpret_cast<uv_handle_t*>(&d.tcp)) != 0);
  }

  TEST_CASE("a name that does not resolve fails in the lookup, before any socket") {
    // .invalid never resolves (RFC 6761 section 6.4); whether the resolver
    // says "unknown" or "try again" depends on the machine, so only our
    // part of the message is pinned.
    LoopFixture fx;
    Dial d(fx.uv());
    d.Start("nosuch.invalid", "80");
    REQUIRE(fx.RunUntil([&] { return d.calls > 0; }, std::chrono::seconds(30)));
    CHECK(d.calls == 1);
    CHECK(d.err.code() == ErrorCode::kIo);
    CHECK(d.err.message().rfind("dial tcp: lookup nosuch.invalid: ", 0) == 0);
  }

  TEST_CASE("a bad port fails at once, before anything is started") {
    const char* ports[] = {"", "http", "80x", "-1", "65536", "99999999999999999999"};
    for (const char* port : ports) {
      CAPTURE(port);
      LoopFixture fx;
      Dial d(fx.uv());
      d.Start("127.0.0.1", port);
      // The one synchronous done: nothing was started that could call back.
      CHECK(d.calls == 1);
      CHECK(d.err.code() == ErrorCode::kInvalidArgument);
      CHECK(d.err.message() == std::string("dial tcp: invalid port \"") + port + "\"");
      CHECK(d.dialer.state() == Dialer::State::kDone);
    }
  }

  TEST_CASE("the owner's deadline ends a dial the peer never answers") {
    // A listener with backlog 0 and no accept takes one connection into its
    // queue; Linux then drops further SYNs (the queue is full), so the next
    // connect waits in SYN-SENT for retransmits a second and more apart. A
    // deadline of 50 ms therefore always fires first: it is what is tested,
    // not a way to wait.
    LoopFixture fx;
    Peer peer(0);
    peer.Fill();
    Dial d(fx.uv());
    d.Start("127.0.0.1", peer.port);

    // The deadline as persist_conn.cc arms it: a timer that calls Cancel.
    uv_timer_t deadline;
    uv_timer_init(fx.uv(), &deadline);
    deadline.data = &d;
    uv_timer_start(&deadline, [](uv_timer_t* t) {
      auto* d = static_cast<Dial*>(t->data);
      CHECK(d->dialer.state() == Dialer::State::kConnecting);
      d->dialer.Cancel(Error(ErrorCode::kTimeout, "dial tcp " + d->dialer.Addr() + ": i/o timeout"));
      CHECK(d->calls == 0);  // done waits for the socket's close callback
    }, 50, 0);

    REQUIRE(fx.RunUntil([&] { return d.calls > 0; }));
    CHECK(d.calls == 1);
    CHECK(d.err.code() == ErrorCode::kTimeout);
    CHECK(d.err.message() == "dial tcp 127.0.0.1:" + peer.port + ": i/o timeout");
    CHECK(d.dialer.state() == Dialer::State::kDone);
    uv_close(reinterpret_cast<uv_handle_t*>(&deadline), nullptr);
    uv_run(fx.uv(), UV_RUN_NOWAIT);
  }

  TEST_CASE("Cancel wins over a connect that would succeed, and over a lookup") {
    struct Case {
      const char* host;
      Dialer::State state;  // where Cancel finds the dial
    };
    const Case cases[] = {
        {"127.0.0.1", Dialer::State::kConnecting},
        {"localhost", Dialer::State::kResolving},
    };
    for (const Case& c : cases) {
      CAPTURE(c.host);
      LoopFixture fx;
      Peer peer(16);
      Dial d(fx.uv());
      d.Start(c.host, peer.port);
      REQUIRE(d.dialer.state() == c.state);
      d.dialer.Cancel(Error(ErrorCode::kCanceled, "net/http: request canceled while waiting for connection"));
      CHECK(d.calls == 0);  // never synchronously
      // A second Cancel does not replace the first reason.
      d.dialer.Cancel(Error(ErrorCode::kTimeout, "later"));
      REQUIRE(fx.RunUntil([&] { return d.calls > 0; }));
      CHECK(d.calls == 1);
      CHECK(d.err.code() == ErrorCode::kCanceled);
      CHECK(d.err.message() == "net/http: request canceled while waiting for connection");
      CHECK(d.dialer.state() == Dialer::State::kDone);
    }
  }

  TEST_CASE("Cancel before Dial and after done is a no-op") {
    LoopFixture fx;
    Peer peer(16);
    Dial d(fx.uv());
    d.dialer.Cancel(Error(ErrorCode::kCanceled, "too early"));
    CHECK(d.dialer.state() == Dialer::State::kIdle);
    d.Start("127.0.0.1", peer.port);
    REQUIRE(fx.RunUntil([&] { return d.calls > 0; }));
    REQUIRE(d.err.ok());  // the early Cancel left no mark on the dial
    d.dialer.Cancel(Error(ErrorCode::kCanceled, "too late"));
    CHECK(d.calls == 1);
    CHECK(d.err.ok());
    // The socket is still open and connected: Cancel did not touch it.
    CHECK(uv_is_closing(reinterpret_cast<uv_handle_t*>(&d.tcp)) == 0);
    d.CloseConn(fx);
  }
}
