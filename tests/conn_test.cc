// Tests for lib/conn.cc over loopback: the connection state machine's
// timers, backpressure and error answers. The server runs on the test's loop
// in this thread; the peer is a blocking RawConn on a second thread.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <chrono>
#include <mutex>
#include <condition_variable>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "nethttp/nethttp.h"
#include "testutil/loop_fixture.h"
#include "testutil/peer.h"
#include "testutil/raw_conn.h"
#include "testutil/stream_pump.h"

using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::Server;
using nethttp::ServeMux;
using nethttp::testutil::HttpResponse;
using nethttp::testutil::LoopFixture;
using nethttp::testutil::RunPeer;
using nethttp::testutil::RawConn;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  Fixture() {
    mux.HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
    mux.HandleFunc("/echo", [](ResponseWriter& w, Request& r) { w.Write(r.body); });
    mux.HandleFunc("/big", [](ResponseWriter& w, Request&) { w.Write(std::string(16384, 'b')); });
    srv.addr = "127.0.0.1:0";
    srv.handler = mux_owner;
    srv.loop = &fx.loop();
  }
  ~Fixture() { srv.Close(); }
  int Listen() {
    REQUIRE_FALSE(srv.Listen());
    std::string a = srv.ListenAddr();
    return std::stoi(a.substr(a.rfind(':') + 1));
  }
  LoopFixture fx;
  // Shared, as Server::handler holds it; mux keeps the tests short.
  std::shared_ptr<ServeMux> mux_owner = std::make_shared<ServeMux>();
  ServeMux& mux = *mux_owner;
  Server srv;
};

// ClosedAfter sends data (if any) and waits up to limit for the server to
// close; *took is the time from the send to the close.
bool ClosedAfter(RawConn& c, std::string_view data, std::chrono::milliseconds limit,
                 std::chrono::milliseconds* took) {
  auto start = nethttp::testutil::Clock::now();
  if (!data.empty() && !c.Send(data)) return false;
  bool closed = c.WaitClosed(nethttp::testutil::After(limit));
  *took = std::chrono::duration_cast<std::chrono::milliseconds>(nethttp::testutil::Clock::now() - start);
  return closed;
}

// TcpInfo is the kernel's struct tcp_info as far as the segment counts
// (Linux 4.6): glibc's ends earlier, and linux/tcp.h clashes with it. The
// struct only grows at its end, so the prefix stays valid.
struct TcpInfo {
  tcp_info glibc;
  uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
  uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
};
static_assert(sizeof(tcp_info) == 104 && offsetof(TcpInfo, pacing_rate) == 104);

// LoopSignal runs fn on the test's loop, in a later turn, each time Send is
// called (a uv_async_t): from the peer's thread it is how the peer tells a
// held handler to go on; from the loop itself it stands for any callback
// that comes later (a timer, a client's response).
class LoopSignal {
 public:
  LoopSignal(LoopFixture& fx, std::function<void()> fn) : fx_(fx), fn_(std::move(fn)) {
    uv_async_init(fx.uv(), &async_, [](uv_async_t* a) { static_cast<LoopSignal*>(a->data)->fn_(); });
    async_.data = this;
  }
  ~LoopSignal() {
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    uv_run(fx_.uv(), UV_RUN_NOWAIT);  // runs the close callback before the memory goes
  }
  LoopSignal(const LoopSignal&) = delete;
  LoopSignal& operator=(const LoopSignal&) = delete;
  void Send() { uv_async_send(&async_); }

 private:
  LoopFixture& fx_;
  std::function<void()> fn_;
  uv_async_t async_;
};

// --- request body streaming ---

// Stream registers f at pattern as a handler that streams request bodies.
void Stream(ServeMux& mux, std::string_view pattern, nethttp::HandlerFunc::Func f) {
  REQUIRE_FALSE(mux.Handle(pattern, std::make_shared<nethttp::StreamingHandlerFunc>(std::move(f))));
}

// Asked is a handler that records the server's StreamsRequestBody question
// (the path it was asked with) and answers it with streams; asked is set
// when the question comes, which a peer waits for to know that the server
// has the head and not the whole body.
class Asked final : public nethttp::Handler {
 public:
  Asked(bool streams, nethttp::HandlerFunc::Func f) : streams_(streams), f_(std::move(f)) {}
  bool StreamsRequestBody(const Request& r) override {
    paths.push_back(r.url.path);
    asked.Set();
    return streams_;
  }
  void ServeHTTP(ResponseWriter& w, Request& r) override { f_(w, r); }
  std::vector<std::string> paths;  // (on the loop's thread)
  nethttp::testutil::Flag asked;

 private:
  bool streams_;
  nethttp::HandlerFunc::Func f_;
};

// ServerSideFd finds the server's end of the client socket client_fd: the
// server runs in this process, so it is one of our fds, the one whose peer
// is the client's local address. -1 if there is none (not accepted yet).
int ServerSideFd(int client_fd) {
  sockaddr_in client{};
  socklen_t len = sizeof client;
  if (getsockname(client_fd, reinterpret_cast<sockaddr*>(&client), &len) != 0) return -1;
  for (int fd = 0; fd < 4096; ++fd) {
    sockaddr_in peer{};
    socklen_t plen = sizeof peer;
    if (fd == client_fd || getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) continue;
    if (peer.sin_family == AF_INET && peer.sin_port == client.sin_port) return fd;
  }
  return -1;
}

// Unread is how many received bytes wait in the kernel for fd's reader.
int Unread(int fd) {
  int n = -1;
  return ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

// NothingArrives: no byte (and no close) reaches c within limit. The wait
// is the observation itself (absence cannot be awaited), so callers first
// make sure that whatever would have been sent was sent by then.
bool NothingArrives(RawConn& c, std::chrono::milliseconds limit) {
  if (!c.buffered().empty()) return false;
  pollfd p{c.fd(), POLLIN, 0};
  return poll(&p, 1, static_cast<int>(limit.count())) == 0;
}

// LoopTurn waits, from the peer's thread, until the loop has run one
// callback after everything it was doing when this was called: what the
// server wrote in the turns before (say, right after a handler ran) is then
// on the socket.
class LoopTurn {
 public:
  explicit LoopTurn(LoopFixture& fx) : signal_(fx, [this] { flag_.Set(); }) {}
  // Wait once per LoopTurn (the flag stays set).
  bool Wait() {
    signal_.Send();
    return flag_.Wait(std::chrono::seconds(5));
  }

 private:
  nethttp::testutil::Flag flag_;
  LoopSignal signal_;
};

}  // namespace

TEST_SUITE("conn") {
  TEST_CASE("a peer that does not read its responses stops being read, then catches up") {
    Fixture f;
    int port = f.Listen();
    // 400 pipelined requests for 16 KiB each: 6.5 MiB of responses, far more
    // than the socket buffers and kMaxWriteBacklog hold.
    constexpr int kRequests = 400;
    std::string batch;
    for (int i = 0; i < kRequests; ++i) batch += "GET /big HTTP/1.1\r\nHost: t\r\n\r\n";
    int answered = 0;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      // Send from a second thread: the server stops reading while we are
      // not reading, so a blocking send could otherwise deadlock.
      std::thread sender([&] { c.Send(batch, nethttp::testutil::After(20s)); });
      for (int i = 0; i < kRequests; ++i) {
        auto r = c.ReadResponse(nethttp::testutil::After(20s));
        if (!r || r->body.size() != 16384) break;
        ++answered;
      }
      sender.join();
    });
    CHECK(answered == kRequests);
  }

  TEST_CASE("peers that reset mid-response leave the server serving") {
    Fixture f;
    f.mux.HandleFunc("/huge", [](ResponseWriter& w, Request&) {
      std::string piece(256 * 1024, 'h');
      for (int i = 0; i < 32; ++i) w.Write(piece);
    });
    int port = f.Listen();
    std::optional<HttpResponse> after;
    RunPeer(f.fx, [&] {
      for (int i = 0; i < 10; ++i) {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /huge HTTP/1.1\r\nHost: t\r\n\r\n");
        char byte;
        (void)recv(c.fd(), &byte, 1, 0);  // the response has started
        linger lg{1, 0};                  // close with a RST
        setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        c.Close();
      }
      RawConn ok;
      if (!ok.Connect(port)) return;
      ok.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      after = ok.ReadResponse();
    });
    REQUIRE(after);
    CHECK(after->body == "pong");
  }

  TEST_CASE("the read-header timeout closes a connection that stalls in its head") {
    Fixture f;
    f.srv.read_header_timeout = 100ms;
    int port = f.Listen();
    bool closed = false;
    std::optional<HttpResponse> ok;
    RunPeer(f.fx, [&] {
      RawConn slow;
      if (!slow.Connect(port)) return;
      slow.Send("GET /ping HTTP/1.1\r\nHo");
      closed = slow.WaitClosed(nethttp::testutil::After(5s));
      RawConn fine;
      if (!fine.Connect(port)) return;
      fine.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      ok = fine.ReadResponse();
    });
    CHECK(closed);
    REQUIRE(ok);
    CHECK(ok->body == "pong");
  }

  TEST_CASE("the idle timeout closes a kept-alive connection") {
    Fixture f;
    f.srv.idle_timeout = 100ms;
    int port = f.Listen();
    bool closed = false;
    std::optional<HttpResponse> first;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      first = c.ReadResponse();
      closed = c.WaitClosed(nethttp::testutil::After(5s));
    });
    REQUIRE(first);
    CHECK(closed);
  }

  // The deadlines below are timed from the peer's side, so each check has a
  // floor (a deadline never fires early) and a loose ceiling (a loaded CI
  // machine, or ASan, is slow to close; only a missing deadline is far off).
  TEST_CASE("the read timeout runs across the head and the body, from the first byte") {
    Fixture f;
    f.srv.read_header_timeout = 100ms;  // the head arrives in time...
    f.srv.read_timeout = 400ms;         // ...the body does not
    int port = f.Listen();
    bool closed = false;
    std::chrono::milliseconds took{};
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      closed = ClosedAfter(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc", 5s, &took);
    });
    CHECK(closed);
    CHECK(took >= 390ms);  // not the 100 ms header timeout
    CHECK(took < 3s);
  }

  TEST_CASE("with no header timeout, the read timeout also bounds the head") {
    Fixture f;
    f.srv.read_timeout = 200ms;
    int port = f.Listen();
    bool closed = false;
    std::chrono::milliseconds took{};
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      closed = ClosedAfter(c, "GET /ping HTTP/1.1\r\nHo", 5s, &took);
    });
    CHECK(closed);
    CHECK(took >= 190ms);
    CHECK(took < 3s);
  }

  TEST_CASE("a kept-alive request's header timeout runs from its first byte, not the idle wait") {
    Fixture f;
    f.srv.read_header_timeout = 300ms;
    f.srv.idle_timeout = 5s;
    int port = f.Listen();
    std::optional<HttpResponse> first, second;
    bool closed = false;
    std::chrono::milliseconds took{};
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      first = c.ReadResponse();
      // Idle for longer than the header timeout: the idle timeout applies.
      std::this_thread::sleep_for(400ms);  // (the wait under test, not a synchronisation)
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      second = c.ReadResponse();
      // Then a head that stalls: closed 300 ms after its first byte.
      closed = ClosedAfter(c, "GET /ping HTTP/1.1\r\n", 5s, &took);
    });
    REQUIRE(first);
    REQUIRE(second);
    CHECK(second->body == "pong");
    CHECK(closed);
    CHECK(took >= 290ms);
    CHECK(took < 3s);
  }

  TEST_CASE("the write timeout closes a held response the handler never finishes") {
    Fixture f;
    f.srv.write_timeout = 200ms;
    std::shared_ptr<ResponseWriter> held;
    f.mux.HandleFunc("/hold", [&](ResponseWriter& w, Request&) { held = w.Hold(); });
    int port = f.Listen();
    bool closed = false;
    std::chrono::milliseconds took{};
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      closed = ClosedAfter(c, "GET /hold HTTP/1.1\r\nHost: t\r\n\r\n", 5s, &took);
    });
    CHECK(held != nullptr);
    CHECK(closed);
    CHECK(took >= 190ms);
    CHECK(took < 3s);
    held.reset();
  }

  TEST_CASE("a held handler may read its Request after the peer is gone") {
    // The connection closes (here by the write timeout; a peer's reset or
    // Server::Close take the same path) while the handler holds its
    // response. The Request it was given must stay valid: under ASan the
    // reads below were a heap-use-after-free before ServerResponse::Retain.
    Fixture f;
    f.srv.write_timeout = 100ms;
    std::shared_ptr<ResponseWriter> held;
    Request* req = nullptr;
    f.mux.HandleFunc("/hold", [&](ResponseWriter& w, Request& r) {
      held = w.Hold();
      req = &r;
    });
    int port = f.Listen();
    bool closed = false;
    std::chrono::milliseconds took{};
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      closed = ClosedAfter(c,
                           "POST /hold?q=1 HTTP/1.1\r\nHost: t\r\nX-Token: abc\r\n"
                           "Content-Length: 5\r\n\r\nhello",
                           5s, &took);
    });
    REQUIRE(held != nullptr);
    REQUIRE(req != nullptr);
    CHECK(closed);
    CHECK(f.fx.RunUntil([&] { return f.srv.NumConns() == 0; }, std::chrono::seconds(5)));
    // The connection is gone; its Request is not.
    CHECK(req->url.path == "/hold");
    CHECK(req->url.raw_query == "q=1");
    CHECK(req->header.Get("X-Token") == "abc");
    CHECK(req->body == "hello");
    // Writing to a response whose connection is gone is an error, not a crash.
    CHECK(held->Write("late").code() == nethttp::ErrorCode::kCanceled);
    held->Finish();
    held.reset();  // frees the request's state with the response
  }

  TEST_CASE("idle connections time out each at its own time, oldest first") {
    // Entries of one timeout list: three connections go idle 150 ms apart
    // and must close in that order, each no earlier than its own deadline.
    Fixture f;
    f.srv.idle_timeout = 300ms;
    int port = f.Listen();
    std::vector<std::chrono::milliseconds> idle_at, closed_at;
    bool all_closed = true;
    RunPeer(f.fx, [&] {
      auto start = nethttp::testutil::Clock::now();
      auto since = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            nethttp::testutil::Clock::now() - start);
      };
      RawConn c[3];
      for (auto& conn : c) {
        if (!conn.Connect(port)) return;
        conn.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        if (!conn.ReadResponse()) return;
        idle_at.push_back(since());
        std::this_thread::sleep_for(150ms);  // (the spacing under test)
      }
      for (auto& conn : c) {
        all_closed = conn.WaitClosed(nethttp::testutil::After(5s)) && all_closed;
        closed_at.push_back(since());
      }
    });
    REQUIRE(idle_at.size() == 3);
    REQUIRE(closed_at.size() == 3);
    CHECK(all_closed);
    for (size_t i = 0; i < 3; ++i) {
      INFO("conn " << i << ": idle at " << idle_at[i].count() << " ms, closed by "
                   << closed_at[i].count() << " ms");
      CHECK(closed_at[i] >= idle_at[i] + 290ms);
      CHECK(closed_at[i] < idle_at[i] + 3s);
    }
  }

  TEST_CASE("a request that says Connection: close: the server closes at once, without lingering") {
    // The client may send nothing more (RFC 9112 §9.6), so there is nothing
    // to linger for: the conn must be gone while the peer still holds its
    // socket open, well before the 500 ms a lingering close would take.
    for (std::string request : {"GET /ping HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                                "GET /ping HTTP/1.0\r\n\r\n"}) {
      CAPTURE(request);
      Fixture f;
      std::mutex mu;
      std::condition_variable cv;
      bool closed = false;
      f.srv.conn_state = [&](std::string_view, nethttp::ConnState st) {
        if (st != nethttp::ConnState::kClosed) return;
        std::lock_guard<std::mutex> lock(mu);
        closed = true;
        cv.notify_all();
      };
      int port = f.Listen();
      bool got_eof = false, closed_while_open = false;
      std::string reply;
      RunPeer(f.fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send(request);
        reply = c.ReadUntilClose(nethttp::testutil::After(5s), &got_eof);
        std::unique_lock<std::mutex> lock(mu);
        closed_while_open = cv.wait_for(lock, 400ms, [&] { return closed; });
      });
      CHECK(got_eof);
      CHECK(reply.find("\r\n\r\npong") != std::string::npos);
      CHECK(closed_while_open);
    }
  }

  TEST_CASE("a connection the server ends for its own reasons lingers: late bytes get no RST") {
    // Keep-alives off: the client asked for a kept-alive connection and may
    // have a pipelined request on the way. The server shuts its write side
    // and reads on, so those bytes do not turn into a RST (which would
    // destroy a response the client has not read yet).
    Fixture f;
    f.srv.SetKeepAlivesEnabled(false);
    int port = f.Listen();
    bool got_eof = false;
    std::string reply;
    int revents = -1;
    bool late_send = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      reply = c.ReadUntilClose(nethttp::testutil::After(5s), &got_eof);
      late_send = c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      // A RST would show as POLLERR; wait for one well within the linger.
      pollfd p{c.fd(), 0, 0};
      revents = poll(&p, 1, 250) == 0 ? 0 : p.revents;
    });
    CHECK(got_eof);
    CHECK(reply.find("Connection: close") != std::string::npos);
    CHECK(late_send);
    CHECK(revents == 0);
  }

  TEST_CASE("a closing connection's last response and its FIN arrive in one segment") {
    // Counted at the client when it sees EOF: of the segments received, one
    // has data, and those without are the SYN-ACK, the ACK Linux sends at
    // once for a connection's first data (its quick-ACK start), and one more
    // if the FIN came on its own. Every way the server closes after
    // answering: the client said close; the server will not keep the
    // connection (and lingers); a bad request.
    struct Case {
      const char* what;
      bool keep_alives;
      std::string request;
    };
    for (const Case& k : {Case{"Connection: close", true, "GET /ping HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"},
                          Case{"keep-alives off", false, "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n"},
                          Case{"400", true, "GET /ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}}) {
      CAPTURE(k.what);
      Fixture f;
      f.srv.SetKeepAlivesEnabled(k.keep_alives);
      int port = f.Listen();
      bool got_eof = false;
      std::string reply;
      TcpInfo info{};
      socklen_t len = sizeof info;
      int rc = -1;
      RunPeer(f.fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send(k.request);
        reply = c.ReadUntilClose(nethttp::testutil::After(5s), &got_eof);
        rc = getsockopt(c.fd(), IPPROTO_TCP, TCP_INFO, &info, &len);
      });
      CHECK(got_eof);
      CHECK(reply.rfind("HTTP/1.1 ", 0) == 0);
      REQUIRE(rc == 0);
      REQUIRE(len == sizeof info);
      CHECK(info.data_segs_in == 1);
      CHECK(info.segs_in - info.data_segs_in <= 2);
    }
  }

  TEST_CASE("accepted sockets have TCP_NODELAY (inherited from the listener on Linux)") {
    // The server runs in this process, so its side of the connection is one
    // of our fds: the socket whose peer is the client's local address.
    Fixture f;
    int port = f.Listen();
    RawConn c;
    REQUIRE(c.Connect(port));
    std::optional<HttpResponse> r;
    RunPeer(f.fx, [&] {
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      r = c.ReadResponse();
    });
    REQUIRE(r);
    sockaddr_in client{};
    socklen_t len = sizeof client;
    REQUIRE(getsockname(c.fd(), reinterpret_cast<sockaddr*>(&client), &len) == 0);
    int server_side = -1;
    for (int fd = 0; fd < 4096 && server_side < 0; ++fd) {
      sockaddr_in peer{};
      socklen_t plen = sizeof peer;
      if (fd == c.fd() || getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) != 0) continue;
      if (peer.sin_family == AF_INET && peer.sin_port == client.sin_port) server_side = fd;
    }
    REQUIRE(server_side >= 0);
    int nodelay = 0;
    socklen_t olen = sizeof nodelay;
    REQUIRE(getsockopt(server_side, IPPROTO_TCP, TCP_NODELAY, &nodelay, &olen) == 0);
    CHECK(nodelay == 1);
  }

  TEST_CASE("a client that connects and sends nothing is still ended by the header timeout") {
    // The listener defers accepts until data arrives (TCP_DEFER_ACCEPT); a
    // silent client is accepted after about a second anyway, and then the
    // header timeout applies as to any other.
    Fixture f;
    f.srv.read_header_timeout = 200ms;
    int port = f.Listen();
    bool closed = false;
    std::chrono::milliseconds took{};
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      closed = ClosedAfter(c, "", 10s, &took);
    });
    CHECK(closed);
    CHECK(took >= 190ms);
    CHECK(took < 6s);
  }

  TEST_CASE("100-continue is sent before the body, once") {
    Fixture f;
    int port = f.Listen();
    std::optional<HttpResponse> interim, final_response;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
      interim = c.ReadResponse();
      c.Send("hello");
      final_response = c.ReadResponse();
    });
    REQUIRE(interim);
    CHECK(interim->status == 100);
    REQUIRE(final_response);
    CHECK(final_response->status == 200);
    CHECK(final_response->body == "hello");
  }

  TEST_CASE("a body over max_body_bytes is 413 before it is read, then close") {
    Fixture f;
    f.srv.max_body_bytes = 1000;
    int port = f.Listen();
    std::optional<HttpResponse> r;
    bool closed = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
      r = c.ReadResponse();
      closed = c.WaitClosed();
    });
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->Get("Connection") == "close");
    CHECK(closed);
  }

  TEST_CASE("a bad request after good pipelined ones: the good ones are answered first") {
    Fixture f;
    int port = f.Listen();
    std::optional<HttpResponse> a, b;
    bool closed = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\nGET /ping HTTP/1.1\r\n\r\n");
      a = c.ReadResponse();
      b = c.ReadResponse();
      closed = c.WaitClosed();
    });
    REQUIRE(a);
    CHECK(a->status == 200);
    REQUIRE(b);
    CHECK(b->status == 400);
    CHECK(b->body.find("missing required Host header") != std::string::npos);
    CHECK(closed);
  }

  TEST_CASE("a held response's writes reach the client before Finish (server-sent events)") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    f.mux.HandleFunc("/events", [&](ResponseWriter& w, Request&) {
      w.Header().Set("Content-Type", "text/event-stream");
      held = w.Hold();
      held->Write("data: 1\n\n");
    });
    LoopSignal next(f.fx, [&] {
      held->Write("data: 2\n\n");
      held->Write("data: 3\n\n");
      held->Finish();
    });
    int port = f.Listen();
    std::optional<std::string> first, rest;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
      first = c.ReadUntil("data: 1\n\n\r\n");
      next.Send();  // only now does the handler write again
      rest = c.ReadUntil("0\r\n\r\n");
    });
    REQUIRE(first);
    CHECK(first->find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(first->find("Content-Type: text/event-stream\r\n") != std::string::npos);
    CHECK(first->substr(first->find("\r\n\r\n") + 4) == "9\r\ndata: 1\n\n\r\n");
    REQUIRE(rest);
    // The two writes of one callback left as they were written, then the end.
    CHECK(*rest == "9\r\ndata: 2\n\n\r\n9\r\ndata: 3\n\n\r\n0\r\n\r\n");
  }

  TEST_CASE("a held response written and finished in one later callback keeps its Content-Length") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    LoopSignal later(f.fx, [&] {
      held->Write("late ");
      held->Write("body");
      held->Finish();
    });
    f.mux.HandleFunc("/later", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      later.Send();
    });
    int port = f.Listen();
    std::optional<HttpResponse> r;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /later HTTP/1.1\r\nHost: t\r\n\r\n");
      r = c.ReadResponse();
    });
    REQUIRE(r);
    CHECK(r->Get("Content-Length") == "9");
    CHECK_FALSE(r->Has("Transfer-Encoding"));
    CHECK(r->body == "late body");
  }

  TEST_CASE("Flush sends a held response's head before any body") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    f.mux.HandleFunc("/flush", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      held->WriteHeader(202);
      held->Flush();
    });
    LoopSignal done(f.fx, [&] { held->Finish(); });
    int port = f.Listen();
    std::optional<std::string> head;
    std::optional<HttpResponse> next;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /flush HTTP/1.1\r\nHost: t\r\n\r\n");
      head = c.ReadUntil("\r\n\r\n");
      done.Send();
      if (!c.ReadUntil("0\r\n\r\n")) return;
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");  // still kept alive
      next = c.ReadResponse();
    });
    REQUIRE(head);
    CHECK(head->rfind("HTTP/1.1 202 Accepted\r\n", 0) == 0);
    CHECK(head->find("Transfer-Encoding: chunked") != std::string::npos);
    REQUIRE(next);
    CHECK(next->body == "pong");
  }

  TEST_CASE("CloseNotify: a held handler hears the client close, reset or half-close") {
    for (const char* how : {"close", "reset", "half-close"}) {
      CAPTURE(how);
      Fixture f;
      std::shared_ptr<ResponseWriter> held;
      int gone = 0;
      f.mux.HandleFunc("/hold", [&](ResponseWriter& w, Request&) {
        held = w.Hold();
        held->CloseNotify([&] { ++gone; });
      });
      int port = f.Listen();
      RunPeer(f.fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
        if (std::string_view(how) == "reset") {
          linger lg{1, 0};
          setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        if (std::string_view(how) == "half-close") {
          c.ShutdownWrite();
        } else {
          c.Close();
        }
      });
      CHECK(f.fx.RunUntil([&] { return gone > 0; }, 5s));
      CHECK(gone == 1);
      REQUIRE(held != nullptr);
      held->Finish();  // the connection then closes (the peer is done)
      CHECK(f.fx.RunUntil([&] { return f.srv.NumConns() == 0; }, 5s));
      CHECK(gone == 1);
      held.reset();
    }
  }

  TEST_CASE("CloseNotify does not run for a response that finishes first") {
    Fixture f;
    int gone = 0;
    f.mux.HandleFunc("/quick", [&](ResponseWriter& w, Request&) {
      w.CloseNotify([&] { ++gone; });
      w.Write("ok");
    });
    int port = f.Listen();
    std::optional<HttpResponse> r;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /quick HTTP/1.1\r\nHost: t\r\n\r\n");
      r = c.ReadResponse();
      c.Close();
    });
    CHECK(f.fx.RunUntil([&] { return f.srv.NumConns() == 0; }, 5s));
    REQUIRE(r);
    CHECK(r->body == "ok");
    CHECK(gone == 0);
  }

  TEST_CASE("requests pipelined behind a held response wait for it, then are served in order") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    LoopSignal finish(f.fx, [&] {
      held->Write("held");
      held->Finish();
    });
    f.mux.HandleFunc("/hold", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      finish.Send();  // finished from a later callback
    });
    int port = f.Listen();
    std::optional<HttpResponse> a, b;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\nGET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      a = c.ReadResponse();
      b = c.ReadResponse();
    });
    REQUIRE(a);
    CHECK(a->body == "held");
    REQUIRE(b);
    CHECK(b->body == "pong");
  }

  TEST_CASE("a client that pipelines behind a held response, then half-closes, gets every answer") {
    // Go stops its background read at the first pipelined byte; so do we,
    // so the EOF that follows is not taken for the client leaving.
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    int gone = 0;
    LoopSignal finish(f.fx, [&] {
      held->Write("held");
      held->Finish();
    });
    f.mux.HandleFunc("/hold", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      held->CloseNotify([&] { ++gone; });
      finish.Send();
    });
    int port = f.Listen();
    std::optional<HttpResponse> a, b;
    bool closed = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\nGET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      c.ShutdownWrite();
      a = c.ReadResponse();
      b = c.ReadResponse();
      closed = c.WaitClosed();
    });
    REQUIRE(a);
    CHECK(a->body == "held");
    REQUIRE(b);
    CHECK(b->body == "pong");
    CHECK(closed);
    CHECK(gone == 0);
  }

  TEST_CASE("a streaming handler that follows Writable/OnWritable buffers little, and every byte arrives") {
    // 16 MiB to a peer that reads nothing until the handler has had to
    // wait: the handler's queued output stays near the high-water mark
    // (the kernel's buffers hold the rest), then drains as the peer reads.
    Fixture f;
    nethttp::testutil::StreamPump pump(16 << 20, 16 * 1024);
    f.mux.HandleFunc("/stream", [&](ResponseWriter& w, Request&) { pump.Start(w); });
    int port = f.Listen();
    std::optional<HttpResponse> r;
    bool was_blocked = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
      was_blocked = pump.waited.Wait(10s);
      r = c.ReadResponse(nethttp::testutil::After(30s));
    });
    CHECK(was_blocked);
    CHECK(pump.waits() >= 1);
    REQUIRE(r);
    CHECK(pump.InOrder(r->body));
  }

  TEST_CASE("OnWritable runs when the connection goes away, and the handler's writes then fail") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    int woke = 0;
    nethttp::Error after_wake;
    f.mux.HandleFunc("/stuck", [&](ResponseWriter& w, Request&) {
      held = w.Hold();
      std::string piece(256 * 1024, 's');
      // The peer may reset while this loop runs: a Write error ends it.
      while (held->Writable() && !held->Write(piece)) {
      }
      held->OnWritable([&] {
        ++woke;
        after_wake = held->Write("more");
      });
    });
    int port = f.Listen();
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("GET /stuck HTTP/1.1\r\nHost: t\r\n\r\n");
      if (!c.ReadUntil("\r\n\r\n")) return;  // the handler has run
      linger lg{1, 0};
      setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      c.Close();
    });
    CHECK(f.fx.RunUntil([&] { return woke > 0; }, 5s));
    CHECK(woke == 1);
    CHECK(after_wake.code() == nethttp::ErrorCode::kCanceled);
    held.reset();
  }
}

// A handler that streams its request body (Handler::StreamsRequestBody) is
// called once the head is in, reads r.Body() as the bytes arrive, and the
// connection follows Go's rules for a body its handler did not read.
TEST_SUITE("conn: request body streaming") {
  using nethttp::Body;
  using nethttp::Error;
  using nethttp::ErrorCode;
  using nethttp::testutil::After;
  using nethttp::testutil::Flag;

  TEST_CASE("a streaming handler runs after the head and gets each piece as it is sent") {
    struct Case {
      std::string what;
      std::string head;
      std::string pieces[3];
      std::string end;  // after the last piece (the last chunk)
    };
    for (const Case& k :
         {Case{"Content-Length", "Content-Length: 15\r\n", {"aaaaa", "bbbbb", "ccccc"}, ""},
          Case{"chunked", "Transfer-Encoding: chunked\r\n",
               {"5\r\naaaaa\r\n", "5\r\nbbbbb\r\n", "5\r\nccccc\r\n"}, "0\r\n\r\n"}}) {
      CAPTURE(k.what);
      Fixture f;
      Flag called, got_a, got_b;
      std::string body_at_call = "unset", received;
      bool had_stream = false;
      int64_t content_length = 0;
      int ends = 0;
      Error end_err(ErrorCode::kIo, "on_end not called");
      std::shared_ptr<ResponseWriter> held;
      Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
        body_at_call = r.body;
        had_stream = r.body_stream != nullptr;
        content_length = r.content_length;
        held = w.Hold();
        r.Body()->Read(
            [&](std::string_view s) {
              received.append(s);
              if (received.size() >= 5) got_a.Set();
              if (received.size() >= 10) got_b.Set();
            },
            [&](Error err) {
              ++ends;
              end_err = err;
              held->Write("got " + received);
              held->Finish();
            });
        called.Set();
      });
      int port = f.Listen();
      bool saw_call = false, saw_a = false, saw_b = false;
      std::optional<HttpResponse> r, next;
      RunPeer(f.fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        // Not a body byte has been sent when the handler runs, and each
        // piece reaches it before the next one leaves.
        c.Send("POST /up HTTP/1.1\r\nHost: t\r\n" + k.head + "\r\n");
        saw_call = called.Wait(5s);
        c.Send(k.pieces[0]);
        saw_a = got_a.Wait(5s);
        c.Send(k.pieces[1]);
        saw_b = got_b.Wait(5s);
        c.Send(k.pieces[2] + k.end);
        r = c.ReadResponse();
        c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        next = c.ReadResponse();
      });
      CHECK(saw_call);
      CHECK(saw_a);
      CHECK(saw_b);
      CHECK(body_at_call.empty());
      CHECK(had_stream);
      CHECK(content_length == (k.head.starts_with("Content-Length") ? 15 : -1));
      CHECK(received == "aaaaabbbbbccccc");
      CHECK(ends == 1);
      CHECK(end_err.ok());
      REQUIRE(r);
      CHECK(r->status == 200);
      CHECK(r->body == "got aaaaabbbbbccccc");
      CHECK_FALSE(r->Has("Connection"));
      REQUIRE(next);  // the connection is kept
      CHECK(next->body == "pong");
    }
  }

  TEST_CASE("a streaming handler may read a body past max_body_bytes: the limit is its own") {
    // Whether the body follows the head in a later read or comes with it
    // in one: how TCP cut the bytes must not decide what the handler gets.
    for (bool with_head : {false, true}) {
      CAPTURE(with_head);
      Fixture f;
      f.srv.max_body_bytes = 1000;
      std::shared_ptr<ResponseWriter> held;
      size_t received = 0;
      Flag called;
      Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
        held = w.Hold();
        r.Body()->Read([&](std::string_view s) { received += s.size(); },
                       [&](Error err) {
                         held->Write(err ? err.message() : std::to_string(received));
                         held->Finish();
                       });
        called.Set();
      });
      int port = f.Listen();
      std::optional<HttpResponse> r;
      bool saw_call = false;
      RunPeer(f.fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        const std::string head = "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n";
        if (with_head) {
          c.Send(head + std::string(5000, 'x'));
        } else {
          c.Send(head);
          saw_call = called.Wait(5s);
          c.Send(std::string(5000, 'x'));
        }
        r = c.ReadResponse();
      });
      REQUIRE(r);
      // However TCP cuts it, a body past max_body_bytes is offered to
      // the streaming handler, which max_body_bytes does not bound.
      if (!with_head) CHECK(saw_call);
      CHECK(r->status == 200);
      CHECK(r->body == "5000");
    }
  }

  TEST_CASE("100-continue for a streaming handler goes out on its first Read, not with the head") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    std::shared_ptr<Body> body;
    std::string received;
    Flag called;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
      held = w.Hold();
      body = r.Body();
      called.Set();
    });
    LoopSignal read(f.fx, [&] {
      body->Read([&](std::string_view s) { received.append(s); },
                 [&](Error err) {
                   held->Write(err ? err.message() : received);
                   held->Finish();
                 });
    });
    LoopTurn turn(f.fx);
    int port = f.Listen();
    bool saw_call = false, quiet = false;
    std::optional<HttpResponse> interim, final_response, next;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
      saw_call = called.Wait(5s);
      // What the server wrote with the head's turn is on the socket now.
      if (!turn.Wait()) return;
      quiet = NothingArrives(c, 100ms);
      read.Send();
      interim = c.ReadResponse();
      c.Send("hello");
      final_response = c.ReadResponse();
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      next = c.ReadResponse();
    });
    CHECK(saw_call);
    CHECK(quiet);
    REQUIRE(interim);
    CHECK(interim->status == 100);
    REQUIRE(final_response);  // one 100, then the answer
    CHECK(final_response->status == 200);
    CHECK(final_response->body == "hello");
    REQUIRE(next);
    CHECK(next->body == "pong");
  }

  TEST_CASE("a streaming handler that answers an Expect: 100-continue request unread: no 100, and close") {
    Fixture f;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request&) { w.Write("no thanks"); });
    int port = f.Listen();
    std::optional<HttpResponse> r;
    bool closed = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
      r = c.ReadResponse();
      closed = c.WaitClosed();
    });
    REQUIRE(r);
    CHECK(r->status == 200);  // the first thing back is the answer, not a 100
    CHECK(r->body == "no thanks");
    // The client may or may not send the body now: the connection cannot
    // tell what comes next, so it ends.
    CHECK(r->Get("Connection") == "close");
    CHECK(closed);
  }

  TEST_CASE("a handler that answers without reading a small rest: it is dropped, the next request is served") {
    // Go reads up to 256 KiB of an unread body after the handler, to keep
    // the connection. The rest here is declared (1000 bytes), chunked
    // (unknown), and one byte short of 256 KiB, the most that is dropped
    // (the bytes that came with the head count as unread: the handler has
    // not had them).
    struct Case {
      std::string what;
      std::string head, first, rest;
    };
    const std::string kilo(1000, 'k');
    const std::string quarter((256 << 10) - 1, 'q');
    for (const Case& k :
         {Case{"Content-Length", "Content-Length: 1000\r\n", kilo.substr(0, 100), kilo.substr(100)},
          Case{"chunked", "Transfer-Encoding: chunked\r\n", "64\r\n" + kilo.substr(0, 100) + "\r\n",
               "384\r\n" + kilo.substr(100) + "\r\n0\r\n\r\n"},
          Case{"256 KiB - 1 declared", "Content-Length: " + std::to_string(quarter.size()) + "\r\n",
               quarter.substr(0, 10), quarter.substr(10)}}) {
      CAPTURE(k.what);
      Fixture f;
      int conns = 0;
      f.srv.conn_state = [&](std::string_view, nethttp::ConnState st) {
        if (st == nethttp::ConnState::kNew) ++conns;
      };
      Stream(f.mux, "/up", [&](ResponseWriter& w, Request&) { w.Write("early"); });
      int port = f.Listen();
      std::optional<HttpResponse> r, next;
      RunPeer(f.fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("POST /up HTTP/1.1\r\nHost: t\r\n" + k.head + "\r\n" + k.first);
        r = c.ReadResponse();
        c.Send(k.rest + "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
        next = c.ReadResponse(After(10s));
      });
      REQUIRE(r);
      CHECK(r->body == "early");
      CHECK_FALSE(r->Has("Connection"));
      REQUIRE(next);
      CHECK(next->body == "pong");
      CHECK(conns == 1);
    }
  }

  TEST_CASE("an early answer to a request that said Connection: close reaches the client whole (no reset)") {
    // The client said this request is its last, but its body is still on
    // the way: closing at once, with unread bytes in the socket, would be a
    // reset that destroys the answer; the server lingers instead.
    Fixture f;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request&) {
      nethttp::HttpError(w, "too large", nethttp::StatusRequestEntityTooLarge);
    });
    int port = f.Listen();
    std::optional<HttpResponse> r;
    bool sent = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: " +
             std::to_string(4 << 20) + "\r\n\r\n");
      sent = c.Send(std::string(1 << 20, 'b'));
      r = c.ReadResponse();
    });
    CHECK(sent);
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->body == "too large\n");
  }

  TEST_CASE("a handler that answers without reading a rest of 256 KiB or more: Connection: close") {
    Fixture f;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request&) { w.Write("early"); });
    int port = f.Listen();
    std::optional<HttpResponse> r;
    bool closed = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      // 256 KiB unread (Go: >=), ten bytes of which came with the head.
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(256 << 10) +
             "\r\n\r\n0123456789");
      r = c.ReadResponse();
      closed = c.WaitClosed();
    });
    REQUIRE(r);
    CHECK(r->body == "early");
    CHECK(r->Get("Connection") == "close");
    CHECK(closed);
  }

  TEST_CASE("an unread chunked rest is dropped up to 256 KiB, then the connection closes") {
    // Its length unknown, the head cannot say close; the server finds out
    // while dropping, and closes without serving what follows.
    Fixture f;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request&) { w.Write("early"); });
    int port = f.Listen();
    std::optional<HttpResponse> r;
    std::string after;
    bool closed = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      r = c.ReadResponse();
      std::string chunk = "4000\r\n" + std::string(0x4000, 'z') + "\r\n";
      std::string more;
      for (int i = 0; i < 20; ++i) more += chunk;  // 320 KiB
      c.Send(more + "0\r\n\r\nGET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      after = c.ReadUntilClose(After(nethttp::testutil::kIoTimeout), &closed);
    });
    REQUIRE(r);
    CHECK(r->body == "early");
    CHECK(closed);
    CHECK(after.empty());  // /ping was not served
  }

  TEST_CASE("a reader still registered when the response finishes gets kCanceled; the connection is kept") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    std::string received;
    int ends = 0;
    Error end_err;
    bool answered = false;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
      held = w.Hold();
      r.Body()->Read(
          [&](std::string_view s) {
            received.append(s);
            if (answered || received.size() < 10) return;
            answered = true;
            held->Write("enough");
            held->Finish();  // from inside on_data, with the body still coming
          },
          [&](Error err) {
            ++ends;
            end_err = err;
          });
    });
    int port = f.Listen();
    std::optional<HttpResponse> r, next;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n0123456789");
      r = c.ReadResponse();
      c.Send(std::string(990, 'r') + "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      next = c.ReadResponse();
    });
    REQUIRE(r);
    CHECK(r->body == "enough");
    CHECK_FALSE(r->Has("Connection"));  // read from: the rest is dropped after
    CHECK(ends == 1);
    CHECK(end_err.code() == ErrorCode::kCanceled);
    CHECK(received == "0123456789");
    REQUIRE(next);
    CHECK(next->body == "pong");
  }

  TEST_CASE("a body the handler closes early: Connection: close, then the close") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    std::shared_ptr<Body> body;
    int ends = 0;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
      held = w.Hold();
      body = r.Body();
      body->Read(
          [&](std::string_view) {
            body->Close();
            held->Write("closed it");
            held->Finish();
          },
          [&](Error) { ++ends; });
    });
    int port = f.Listen();
    std::optional<HttpResponse> r;
    bool closed = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789");
      r = c.ReadResponse();
      closed = c.WaitClosed();
    });
    REQUIRE(r);
    CHECK(r->body == "closed it");
    CHECK(r->Get("Connection") == "close");
    CHECK(closed);
    CHECK(ends == 0);  // a closed body calls nobody back
  }

  TEST_CASE("Pause stops the server reading the body until Resume, however much the client sends") {
    Fixture f;
    constexpr size_t kFirst = 1000, kMore = 30000;
    std::shared_ptr<ResponseWriter> held;
    std::shared_ptr<Body> body;
    bool paused = false;
    int data_while_paused = 0;
    std::atomic<int> server_fd{-1};
    std::atomic<bool> bad{false};
    Flag on_pause;
    std::string received;
    RawConn c;  // connected here: its address finds the server's socket
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
      server_fd = ServerSideFd(c.fd());
      held = w.Hold();
      body = r.Body();
      body->Read(
          [&](std::string_view s) {
            if (paused) {
              ++data_while_paused;
              bad = true;
            }
            received.append(s);
            if (received.size() >= kFirst && !paused && received.size() < kFirst + kMore) {
              paused = true;
              body->Pause();
              on_pause.Set();
            }
          },
          [&](Error err) {
            held->Write(err ? err.message() : std::to_string(received.size()));
            held->Finish();
          });
    });
    LoopSignal resume(f.fx, [&] {
      paused = false;
      body->Resume();
    });
    int port = f.Listen();
    REQUIRE(c.Connect(port));
    bool saw_pause = false;
    int unread = -1;
    std::optional<HttpResponse> r;
    RunPeer(f.fx, [&] {
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(kFirst + kMore) + "\r\n\r\n" +
             std::string(kFirst, 'a'));
      saw_pause = on_pause.Wait(5s);
      c.Send(std::string(kMore, 'b'));
      // Every byte sent while paused comes to rest in the server's socket,
      // unread; a server that read on would deliver them (bad) instead.
      auto deadline = After(5s);
      while (!bad && nethttp::testutil::Clock::now() < deadline) {
        unread = Unread(server_fd);
        if (unread == static_cast<int>(kMore)) break;
        std::this_thread::sleep_for(1ms);  // (polls the kernel's count: there is no event for it)
      }
      resume.Send();
      r = c.ReadResponse();
    });
    CHECK(saw_pause);
    CHECK(server_fd >= 0);
    CHECK(unread == static_cast<int>(kMore));
    CHECK(data_while_paused == 0);
    REQUIRE(r);
    CHECK(r->body == std::to_string(kFirst + kMore));
  }

  TEST_CASE("a client that leaves mid-body: on_end gets kUnexpectedEof, after the bytes that came") {
    for (const char* how : {"half-close", "close", "reset"}) {
      CAPTURE(how);
      Fixture f;
      std::shared_ptr<ResponseWriter> held;
      std::string received;
      int ends = 0;
      Error end_err;
      Flag got;
      Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
        held = w.Hold();
        r.Body()->Read(
            [&](std::string_view s) {
              received.append(s);
              got.Set();
            },
            [&](Error err) {
              ++ends;
              end_err = err;
              held->Finish();
            });
      });
      int port = f.Listen();
      bool saw_data = false;
      RunPeer(f.fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc");
        saw_data = got.Wait(5s);
        if (std::string_view(how) == "reset") {
          linger lg{1, 0};
          setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        if (std::string_view(how) == "half-close") {
          c.ShutdownWrite();
          c.WaitClosed();
        } else {
          c.Close();
        }
      });
      CHECK(saw_data);
      CHECK(f.fx.RunUntil([&] { return ends > 0; }, 5s));
      CHECK(ends == 1);
      CHECK(end_err.code() == ErrorCode::kUnexpectedEof);
      CHECK(received == "abc");
      CHECK(f.fx.RunUntil([&] { return f.srv.NumConns() == 0; }, 5s));
      held.reset();
    }
  }

  TEST_CASE("a malformed chunk mid-body: on_end gets kBadRequest, the handler's answer goes out, then the close") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    std::string received;
    Error end_err;
    Flag got;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
      held = w.Hold();
      r.Body()->Read(
          [&](std::string_view s) {
            received.append(s);
            got.Set();
          },
          [&](Error err) {
            end_err = err;
            held->WriteHeader(err ? 400 : 200);
            held->Write(err.message());
            held->Finish();
          });
    });
    int port = f.Listen();
    bool saw_data = false, closed = false;
    std::optional<HttpResponse> r;
    std::string after;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      saw_data = got.Wait(5s);
      // Not a hex size; a request follows that must not be served.
      c.Send("zz\r\nnope\r\n0\r\n\r\nGET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      r = c.ReadResponse();
      after = c.ReadUntilClose(After(nethttp::testutil::kIoTimeout), &closed);
    });
    CHECK(saw_data);
    CHECK(received == "hello");
    CHECK(end_err.code() == ErrorCode::kBadRequest);
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(closed);
    CHECK(after.empty());
    // The head says so too (Go's chunkWriter: close once the body's read failed).
    CHECK(r->Get("Connection") == "close");
  }

  TEST_CASE("a streamed chunked body's trailer: in Body::Trailer() and r.trailer when on_end runs") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    std::shared_ptr<Body> body;
    std::string from_body = "unset", from_request = "unset";
    Error end_err(ErrorCode::kIo, "on_end not called");
    Flag got;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
      held = w.Hold();
      body = r.Body();
      Request* req = &r;
      body->Read([&](std::string_view) { got.Set(); },
                 [&, req](Error err) {
                   end_err = err;
                   from_body = std::string(body->Trailer().Get("X-Checksum"));
                   from_request = std::string(req->trailer.Get("X-Checksum"));
                   held->Write("ok");
                   held->Finish();
                 });
    });
    int port = f.Listen();
    bool saw_data = false;
    std::optional<HttpResponse> r, next;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
             "5\r\nhello\r\n");
      saw_data = got.Wait(5s);
      c.Send("0\r\nX-Checksum: abc123\r\n\r\n");
      r = c.ReadResponse();
      c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
      next = c.ReadResponse();
    });
    CHECK(saw_data);
    CHECK(end_err.ok());
    CHECK(from_body == "abc123");
    CHECK(from_request == "abc123");
    REQUIRE(r);
    CHECK(r->body == "ok");
    REQUIRE(next);
    CHECK(next->body == "pong");
  }

  TEST_CASE("a streamed body's trailer that says Connection: close: the connection closes after the response") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    Error end_err(ErrorCode::kIo, "on_end not called");
    Flag got;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
      held = w.Hold();
      r.Body()->Read([&](std::string_view) { got.Set(); },
                     [&](Error err) {
                       end_err = err;
                       held->Write("ok");
                       held->Finish();
                     });
    });
    int port = f.Listen();
    bool saw_data = false, closed = false;
    std::optional<HttpResponse> r;
    std::string after;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      saw_data = got.Wait(5s);
      c.Send("0\r\nConnection: close\r\n\r\n");
      r = c.ReadResponse();
      after = c.ReadUntilClose(After(nethttp::testutil::kIoTimeout), &closed);
    });
    CHECK(saw_data);
    CHECK(end_err.ok());
    REQUIRE(r);
    CHECK(r->body == "ok");
    CHECK(closed);
    CHECK(after.empty());
    // The head says so too (RFC 9112 §9.6: a server that receives close
    // SHOULD send close).
    CHECK(r->Get("Connection") == "close");
  }

  TEST_CASE("MaxBytesReader: the handler answers 413 when the body passes the limit, and the connection closes") {
    Fixture f;
    std::shared_ptr<ResponseWriter> held;
    std::shared_ptr<Body> limited;
    std::string received;
    Error end_err;
    Flag called;
    Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
      held = w.Hold();
      limited = nethttp::MaxBytesReader(r.Body(), 100);
      limited->Read([&](std::string_view s) { received.append(s); },
                    [&](Error err) {
                      end_err = err;
                      if (err.code() == ErrorCode::kBodyTooLarge) {
                        nethttp::HttpError(*held, "too large", 413);
                      } else {
                        held->Write("ok");
                      }
                      held->Finish();
                    });
      called.Set();
    });
    int port = f.Listen();
    std::optional<HttpResponse> r;
    bool closed = false, saw_call = false;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + std::string(50, 'm'));
      saw_call = called.Wait(5s);
      c.Send(std::string(950, 'm'));
      r = c.ReadResponse();
      closed = c.WaitClosed();
    });
    CHECK(saw_call);
    CHECK(received == std::string(100, 'm'));
    CHECK(end_err.code() == ErrorCode::kBodyTooLarge);
    REQUIRE(r);
    CHECK(r->status == 413);
    CHECK(r->Get("Connection") == "close");
    CHECK(closed);
  }

  TEST_CASE("the read timeout runs on while a streamed body stalls") {
    // On a new connection and on a kept-alive one: the second request's
    // deadline runs from its first byte, as for a body read whole.
    for (bool kept_alive : {false, true}) {
      CAPTURE(kept_alive);
      Fixture f;
      f.srv.read_timeout = 300ms;
      f.srv.idle_timeout = 10s;  // (not the deadline under test)
      std::shared_ptr<ResponseWriter> held;
      std::string received;
      Error end_err;
      int ends = 0;
      Stream(f.mux, "/up", [&](ResponseWriter& w, Request& r) {
        held = w.Hold();
        r.Body()->Read([&](std::string_view s) { received.append(s); },
                       [&](Error err) {
                         ++ends;
                         end_err = err;
                         held->Finish();
                       });
      });
      int port = f.Listen();
      bool closed = false;
      std::chrono::milliseconds took{};
      std::optional<HttpResponse> first;
      RunPeer(f.fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        if (kept_alive) {
          c.Send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
          first = c.ReadResponse();
        }
        closed = ClosedAfter(c, "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc", 3s, &took);
      });
      if (kept_alive) {
        REQUIRE(first);
        CHECK(first->body == "pong");
      }
      CHECK(received == "abc");
      // New or kept alive, the streamed request has its read deadline.
      CHECK(closed);
      CHECK(took >= 290ms);
      CHECK(took < 3s);
      CHECK(ends == 1);
      CHECK(end_err.code() == ErrorCode::kUnexpectedEof);
      f.srv.Close();  // (ends a stalled body the deadline did not)
      CHECK(f.fx.RunUntil([&] { return ends > 0; }, 5s));
      held.reset();
    }
  }

  TEST_CASE("ServeMux and StripPrefix pass the question to the handler that serves the request") {
    Fixture f;
    std::string s_path, s_body = "unset", s_received, p_path, p_body;
    bool s_stream = false, p_stream = true;
    std::shared_ptr<ResponseWriter> held;
    auto streamer = std::make_shared<Asked>(true, [&](ResponseWriter& w, Request& r) {
      s_path = r.url.path;
      s_body = r.body;
      s_stream = r.body_stream != nullptr;
      held = w.Hold();
      r.Body()->Read([&](std::string_view s) { s_received.append(s); },
                     [&](Error) {
                       held->Write("streamed " + s_received);
                       held->Finish();
                     });
    });
    auto plain = std::make_shared<Asked>(false, [&](ResponseWriter& w, Request& r) {
      p_path = r.url.path;
      p_body = r.body;
      p_stream = r.body_stream != nullptr;
      w.Write("plain " + r.body);
    });
    REQUIRE_FALSE(f.mux.Handle("/api/", nethttp::StripPrefix("/api", streamer)));
    REQUIRE_FALSE(f.mux.Handle("/plain/", nethttp::StripPrefix("/plain", plain)));
    int port = f.Listen();
    bool s_asked = false, p_asked = false;
    std::optional<HttpResponse> s, p;
    RunPeer(f.fx, [&] {
      RawConn c;
      if (!c.Connect(port)) return;
      c.Send("POST /api/x HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n012");
      s_asked = streamer->asked.Wait(5s);
      c.Send("3456789");
      s = c.ReadResponse();
      c.Send("POST /plain/y HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
      p_asked = plain->asked.Wait(5s);
      c.Send("defghij");
      p = c.ReadResponse();
    });
    CHECK(s_asked);
    CHECK(streamer->paths == std::vector<std::string>{"/x"});  // asked with the prefix gone
    CHECK(s_path == "/x");
    CHECK(s_body.empty());
    CHECK(s_stream);
    REQUIRE(s);
    CHECK(s->body == "streamed 0123456789");
    CHECK(p_asked);
    CHECK(plain->paths == std::vector<std::string>{"/y"});
    CHECK(p_path == "/y");
    CHECK(p_body == "abcdefghij");
    CHECK_FALSE(p_stream);
    REQUIRE(p);
    CHECK(p->body == "plain abcdefghij");
  }

  TEST_CASE("a handler that does not stream still gets the whole body, however many reads it took") {
    // Regression for the head/body split: 1 MiB takes many reads, and the
    // question is asked (the body did not come with its head).
    struct Case {
      std::string what;
      std::string head, body;
    };
    const std::string mib(1 << 20, 'w');
    std::string chunked;
    for (size_t at = 0; at < mib.size(); at += 0x10000) chunked += "10000\r\n" + mib.substr(at, 0x10000) + "\r\n";
    chunked += "0\r\n\r\n";
    for (const Case& k : {Case{"Content-Length", "Content-Length: " + std::to_string(mib.size()) + "\r\n", mib},
                          Case{"chunked", "Transfer-Encoding: chunked\r\n", chunked}}) {
      CAPTURE(k.what);
      Fixture f;
      size_t got = 0;
      bool same = false, had_stream = true;
      auto plain = std::make_shared<Asked>(false, [&](ResponseWriter& w, Request& r) {
        got = r.body.size();
        same = r.body == mib;
        had_stream = r.body_stream != nullptr;
        w.Write(std::to_string(r.body.size()));
      });
      REQUIRE_FALSE(f.mux.Handle("/whole", plain));
      int port = f.Listen();
      std::optional<HttpResponse> r;
      RunPeer(f.fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("POST /whole HTTP/1.1\r\nHost: t\r\n" + k.head + "\r\n" + k.body, After(10s));
        r = c.ReadResponse(After(10s));
      });
      CHECK(plain->paths.size() == 1);
      CHECK(got == mib.size());
      CHECK(same);
      CHECK_FALSE(had_stream);
      REQUIRE(r);
      CHECK(r->body == std::to_string(mib.size()));
    }
  }
}
