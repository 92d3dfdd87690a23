// Task (task.h) and its awaitables on a real loop: Sleep, Client::DoAsync,
// Body::ReadAllAsync, Spawn with cancellation, and coroutine handlers
// served over loopback sockets. Every awaitable must resume its coroutine
// on the loop's thread, exactly once, and nothing may touch a frame or a
// connection that is gone (run under ASan+UBSan by tools/test).
#include "nethttp/task.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <coroutine>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "internal/stream_body.h"
#include "nethttp/nethttp.h"
#include "testutil/fake_source.h"
#include "testutil/loop_fixture.h"
#include "testutil/peer.h"
#include "testutil/raw_conn.h"

namespace {

using namespace std::chrono_literals;
using nethttp::Error;
using nethttp::ErrorCode;
using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::Result;
using nethttp::Sleep;
using nethttp::Spawn;
using nethttp::Task;
using nethttp::testutil::HttpResponse;
using nethttp::testutil::LoopFixture;
using nethttp::testutil::PortOf;
using nethttp::testutil::Peer;
using nethttp::testutil::RawConn;

// Resumes counts the times a coroutine came back from an await, and checks
// each happened on the loop's thread with the loop running.
struct Resumes {
  std::thread::id loop_thread = std::this_thread::get_id();
  int count = 0;
  int off_loop = 0;
  void Note() {
    ++count;
    if (std::this_thread::get_id() != loop_thread || nethttp::Loop::Current() == nullptr) ++off_loop;
  }
};

Task<int> Twice(int x) {
  co_await Sleep(1ms);
  co_return 2 * x;
}

Task<int> SumOfTwice(int a, int b, Resumes* r) {
  int x = co_await Twice(a);
  r->Note();
  int y = co_await Twice(b);
  r->Note();
  co_return x + y;
}

Task<int> Throws() {
  co_await Sleep(1ms);
  throw std::runtime_error("thrown inside");
}

// Dtor sets *flag when destroyed: as a coroutine parameter it lives in the
// frame, so it tells when the frame went.
struct Dtor {
  explicit Dtor(bool* f) : flag(f) {}
  Dtor(Dtor&& o) noexcept : flag(std::exchange(o.flag, nullptr)) {}
  ~Dtor() {
    if (flag != nullptr) *flag = true;
  }
  bool* flag;
};

Task<> SleepsLong(Dtor d, bool* ran, bool* resumed) {
  (void)d;
  *ran = true;
  co_await Sleep(10s);
  *resumed = true;
}

// Manual is a coroutine type of the test's own that starts at once and
// whose owner destroys it: the only way to destroy a Task's frame while it
// is suspended (Spawn's and a handler's roots free themselves).
struct Manual {
  struct promise_type {
    Manual get_return_object() { return Manual{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
  Manual() = default;
  explicit Manual(std::coroutine_handle<promise_type> h) : h(h) {}
  Manual(Manual&& o) noexcept : h(std::exchange(o.h, {})) {}
  Manual& operator=(Manual&& o) noexcept {
    Destroy();
    h = std::exchange(o.h, {});
    return *this;
  }
  ~Manual() { Destroy(); }
  void Destroy() {
    if (h) std::exchange(h, {}).destroy();
  }
  std::coroutine_handle<promise_type> h;
};

template <typename T>
concept AwaitableAsLvalue = requires(T& t) { t.operator co_await(); };
template <typename T>
concept AwaitableAsRvalue = requires(T& t) { std::move(t).operator co_await(); };

// Gate is an awaitable the test opens by hand: a coroutine parked on it
// waits for nothing of the library's.
struct Gate {
  std::coroutine_handle<> waiter;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) noexcept { waiter = h; }
  void await_resume() const noexcept {}
  void Open() { std::exchange(waiter, {}).resume(); }
};

// ReadChunks reads body with Next to its end, parking on gate after each
// piece: what it got, in order, and how it ended.
struct Chunks {
  std::vector<std::string> pieces;
  std::optional<Error> end;  // ok: the clean end
};
Task<> ReadChunks(nethttp::Body* body, Gate* gate, Chunks* out, Resumes* r) {
  for (;;) {
    Result<std::string_view> c = co_await body->Next();
    r->Note();
    if (!c.ok()) {
      out->end = c.error();
      co_return;
    }
    if (c->empty()) {
      out->end = Error();
      co_return;
    }
    out->pieces.emplace_back(*c);
    co_await *gate;
  }
}

// Pattern is byte i of a test body: a shift or a loss shows.
char Pattern(size_t i) { return static_cast<char>('a' + (i * 7 + i / 251) % 26); }

// A coroutine-handler server on fx's loop.
struct CoServer {
  explicit CoServer(LoopFixture& fx) {
    srv.addr = "127.0.0.1:0";
    srv.loop = &fx.loop();
    srv.handler = mux;
  }
  std::shared_ptr<nethttp::ServeMux> mux = std::make_shared<nethttp::ServeMux>();
  nethttp::Server srv;
};

}  // namespace

TEST_SUITE("task") {
  TEST_CASE("a chain of Tasks returns its values, each await resumed once, on the loop") {
    LoopFixture fx;
    Resumes r;
    std::optional<int> sum;
    int done_calls = 0;
    fx.Call([&] {
      Spawn(
          [](Resumes* r, std::optional<int>* out) -> Task<> {
            *out = co_await SumOfTwice(3, 4, r);
            r->Note();
          }(&r, &sum),
          [&](std::exception_ptr e) {
            CHECK(e == nullptr);
            ++done_calls;
          });
    });
    CHECK(fx.RunUntil([&] { return done_calls > 0; }));
    REQUIRE(sum);
    CHECK(*sum == 14);
    CHECK(r.count == 3);
    CHECK(r.off_loop == 0);
    CHECK(done_calls == 1);
  }

  TEST_CASE("Sleep waits at least its duration") {
    LoopFixture fx;
    auto start = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::duration> took;
    std::optional<Error> err;
    fx.Call([&] {
      Spawn([](auto* took, std::optional<Error>* err, auto start) -> Task<> {
        *err = co_await Sleep(30ms);
        *took = std::chrono::steady_clock::now() - start;
      }(&took, &err, start));
    });
    CHECK(fx.RunUntil([&] { return took.has_value(); }));
    REQUIRE(err.has_value());
    CHECK_FALSE(*err);
    CHECK(*took >= 30ms);
  }

  TEST_CASE("an exception travels to whoever awaits the Task, and to Spawn's done") {
    LoopFixture fx;
    std::string caught;
    std::exception_ptr escaped;
    bool done = false;
    fx.Call([&] {
      Spawn(
          [](std::string* caught) -> Task<> {
            try {
              co_await Throws();
            } catch (const std::runtime_error& e) {
              *caught = e.what();
            }
            co_await Throws();  // this one leaves the root
          }(&caught),
          [&](std::exception_ptr e) {
            escaped = e;
            done = true;
          });
    });
    CHECK(fx.RunUntil([&] { return done; }));
    CHECK(caught == "thrown inside");
    REQUIRE(escaped != nullptr);
    CHECK_THROWS_WITH_AS(std::rethrow_exception(escaped), "thrown inside", std::runtime_error);
  }

  TEST_CASE("a Task destroyed before it starts frees its frame and never runs") {
    bool ran = false, resumed = false, freed = false;
    {
      Task<> t = SleepsLong(Dtor(&freed), &ran, &resumed);
      CHECK_FALSE(freed);
    }
    CHECK(freed);
    CHECK_FALSE(ran);
  }

  TEST_CASE("a Task destroyed while it sleeps: its timer goes, nothing resumes it") {
    LoopFixture fx;  // its destructor fails the test if the timer were left open
    bool ran = false, resumed = false, freed = false;
    Manual outer;
    fx.Call([&] {
      outer = [](bool* freed, bool* ran, bool* resumed) -> Manual {
        co_await SleepsLong(Dtor(freed), ran, resumed);
      }(&freed, &ran, &resumed);
    });
    CHECK(ran);
    CHECK_FALSE(freed);
    outer.Destroy();  // the owner goes: the awaited Task's frame goes with it
    CHECK(freed);
    bool slept = false;
    fx.Call([&] {
      Spawn([](bool* slept) -> Task<> {
        co_await Sleep(20ms);
        *slept = true;
      }(&slept));
    });
    CHECK(fx.RunUntil([&] { return slept; }));
    CHECK_FALSE(resumed);
  }

  TEST_CASE("a Task awaited as an lvalue does not compile; awaited twice, the program stops") {
    static_assert(!AwaitableAsLvalue<Task<int>>);
    static_assert(AwaitableAsRvalue<Task<int>>);
    // The second await of one Task is caught at run time: in a child
    // process, which must die of SIGABRT with the message on stderr.
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      signal(SIGABRT, SIG_DFL);  // die of it: doctest's crash handler is the parent's business
      dup2(fds[1], 2);
      nethttp::Loop loop;
      bool done = false;
      loop.RunUntil([&] {
        static bool started = false;
        if (!started) {
          started = true;
          Spawn([](bool* done) -> Task<> {
            Task<int> t = Twice(1);
            co_await std::move(t);
            co_await std::move(t);  // refused
            *done = true;
          }(&done));
        }
        return done;
      });
      _exit(0);
    }
    close(fds[1]);
    std::string err;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) err.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGABRT);
    CHECK(err.find("nethttp: a Task was awaited twice") != std::string::npos);
  }

  TEST_CASE("Spawn's Cancelation ends the await in progress and every later one at once") {
    LoopFixture fx;
    Error first, second;
    bool done = false;
    std::shared_ptr<nethttp::Cancelation> cancel;
    auto started = std::chrono::steady_clock::now();
    fx.Call([&] {
      cancel = Spawn(
          [](Error* first, Error* second) -> Task<> {
            *first = co_await Sleep(10s);
            *second = co_await Sleep(10s);
          }(&first, &second),
          [&](std::exception_ptr) { done = true; });
    });
    fx.Call([&] { cancel->Cancel(Error(ErrorCode::kCanceled, "context canceled")); });
    CHECK(fx.RunUntil([&] { return done; }));
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    CHECK(first.code() == ErrorCode::kCanceled);
    CHECK(second.code() == ErrorCode::kCanceled);
  }

  TEST_CASE("DoAsync and ReadAllAsync: a round trip read to its end, each resumed once, on the loop") {
    LoopFixture fx;
    CoServer up(fx);
    up.mux->HandleFunc("/hello", [](ResponseWriter& w, Request& r) { w.Write("hello " + r.url.raw_query); });
    REQUIRE_FALSE(up.srv.Listen());
    std::string url = "http://127.0.0.1:" + std::to_string(PortOf(up.srv)) + "/hello?x";
    nethttp::Client client;
    client.transport = std::make_shared<nethttp::Transport>(&fx.loop());
    Resumes r;
    std::optional<Result<std::string>> body;
    int status = 0;
    fx.Call([&] {
      Spawn([](nethttp::Client* c, std::string url, Resumes* r, int* status,
               std::optional<Result<std::string>>* body) -> Task<> {
        Result<nethttp::Response> resp = co_await c->DoAsync(nethttp::NewRequest("GET", url).value());
        r->Note();
        if (!resp.ok()) {
          body->emplace(resp.error());
          co_return;
        }
        *status = resp->status_code;
        body->emplace(co_await resp->body->ReadAllAsync());
        r->Note();
      }(&client, url, &r, &status, &body));
    });
    CHECK(fx.RunUntil([&] { return body.has_value(); }));
    REQUIRE(body->ok());
    CHECK(**body == "hello x");
    CHECK(status == 200);
    CHECK(r.count == 2);
    CHECK(r.off_loop == 0);
    std::static_pointer_cast<nethttp::Transport>(client.transport)->CloseIdleConnections();
    up.srv.Close();
  }

  TEST_CASE("Client.timeout cancels a DoAsync while the coroutine waits: Go's timeout error") {
    LoopFixture fx;
    CoServer up(fx);
    std::shared_ptr<ResponseWriter> never;  // held, never finished
    up.mux->HandleFunc("/slow", [&](ResponseWriter& w, Request&) { never = w.Hold(); });
    REQUIRE_FALSE(up.srv.Listen());
    nethttp::Client client;
    client.transport = std::make_shared<nethttp::Transport>(&fx.loop());
    client.timeout = 50ms;
    std::optional<Error> err;
    fx.Call([&] {
      Spawn([](nethttp::Client* c, std::string url, std::optional<Error>* err) -> Task<> {
        auto resp = co_await c->DoAsync(nethttp::NewRequest("GET", url).value());
        err->emplace(resp.ok() ? Error() : resp.error());
      }(&client, "http://127.0.0.1:" + std::to_string(PortOf(up.srv)) + "/slow", &err));
    });
    CHECK(fx.RunUntil([&] { return err.has_value(); }));
    REQUIRE(*err);
    CHECK(err->code() == ErrorCode::kTimeout);
    CHECK(err->message().find("Client.Timeout exceeded while awaiting headers") != std::string::npos);
    never.reset();
    up.srv.Close();
  }

  TEST_CASE("Client::Do with a Cancelation: done gets Go's url.Error, once") {
    LoopFixture fx;
    CoServer up(fx);
    std::shared_ptr<ResponseWriter> never;
    up.mux->HandleFunc("/slow", [&](ResponseWriter& w, Request&) { never = w.Hold(); });
    REQUIRE_FALSE(up.srv.Listen());
    std::string url = "http://127.0.0.1:" + std::to_string(PortOf(up.srv)) + "/slow";
    nethttp::Client client;
    client.transport = std::make_shared<nethttp::Transport>(&fx.loop());
    auto cancel = std::make_shared<nethttp::Cancelation>();
    int calls = 0;
    std::optional<Error> err;
    fx.Call([&] {
      client.Do(nethttp::NewRequest("GET", url).value(), [&](Result<nethttp::Response> r) {
        ++calls;
        err.emplace(r.ok() ? Error() : r.error());
      }, cancel);
    });
    // The request reaches the server before the cancel.
    CHECK(fx.RunUntil([&] { return never != nullptr; }));
    fx.Call([&] { cancel->Cancel(Error(ErrorCode::kCanceled, "context canceled")); });
    REQUIRE(err.has_value());
    CHECK(err->message() == "Get \"" + url + "\": context canceled");
    // Canceled before it starts: done at once, nothing sent.
    std::optional<Error> early;
    client.Do(nethttp::NewRequest("GET", url).value(), [&](Result<nethttp::Response> r) {
      early.emplace(r.ok() ? Error() : r.error());
    }, cancel);
    REQUIRE(early.has_value());
    CHECK(early->code() == ErrorCode::kCanceled);
    fx.RunUntil([] { return false; }, 20ms);
    CHECK(calls == 1);
    never.reset();
    up.srv.Close();
  }
}

TEST_SUITE("task: Offload") {
  TEST_CASE("Offload runs the work on another thread while the loop goes on, then resumes once on the loop") {
    LoopFixture fx;
    std::atomic<bool> loop_ticked{false};
    std::thread::id work_thread;
    bool work_saw_tick = false;
    Resumes r;
    bool done = false;
    fx.Call([&] {
      // The work waits for a timer on the loop: were the loop blocked by
      // it, the timer could never fire (the 5 s bound is only a guard).
      Spawn([](std::atomic<bool>* ticked) -> Task<> {
        co_await Sleep(10ms);
        *ticked = true;
      }(&loop_ticked));
      Spawn([](std::atomic<bool>* ticked, std::thread::id* thread, bool* saw, Resumes* r, bool* done) -> Task<> {
        Error err = co_await nethttp::Offload([&] {
          *thread = std::this_thread::get_id();
          auto until = std::chrono::steady_clock::now() + 5s;
          while (!*ticked && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
          *saw = ticked->load();
        });
        r->Note();
        CHECK_FALSE(err);
        *done = true;
      }(&loop_ticked, &work_thread, &work_saw_tick, &r, &done));
    });
    CHECK(fx.RunUntil([&] { return done; }));
    CHECK(work_saw_tick);
    CHECK(work_thread != std::this_thread::get_id());
    CHECK(r.count == 1);
    CHECK(r.off_loop == 0);
  }

  TEST_CASE("what the work throws is thrown again in the coroutine, on the loop") {
    LoopFixture fx;
    std::string caught;
    bool done = false;
    fx.Call([&] {
      Spawn([](std::string* caught, bool* done) -> Task<> {
        try {
          co_await nethttp::Offload([] { throw std::runtime_error("from the pool"); });
        } catch (const std::runtime_error& e) {
          *caught = e.what();
        }
        *done = true;
      }(&caught, &done));
    });
    CHECK(fx.RunUntil([&] { return done; }));
    CHECK(caught == "from the pool");
  }

  TEST_CASE("work no thread has taken up yet is dropped when the Task is canceled") {
    LoopFixture fx;
    // Every pool thread (UV_THREADPOOL_SIZE, 4 by default) is kept busy
    // until `release`, so the fifth job waits in the queue.
    std::atomic<bool> release{false};
    std::atomic<int> busy{0};
    int blockers_done = 0;
    const char* size_env = std::getenv("UV_THREADPOOL_SIZE");
    int pool = size_env != nullptr ? std::atoi(size_env) : 4;
    std::shared_ptr<nethttp::Cancelation> cancel;
    std::optional<Error> got;
    bool ran = false;
    fx.Call([&] {
      for (int i = 0; i < pool; ++i) {
        Spawn([](std::atomic<bool>* release, std::atomic<int>* busy, int* finished) -> Task<> {
          co_await nethttp::Offload([=] {
            ++*busy;
            auto until = std::chrono::steady_clock::now() + 10s;
            while (!*release && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
          });
          ++*finished;
        }(&release, &busy, &blockers_done));
      }
      cancel = Spawn([](std::optional<Error>* got, bool* ran) -> Task<> {
        got->emplace(co_await nethttp::Offload([ran] { *ran = true; }));
      }(&got, &ran));
    });
    // Once every pool thread is busy, the last job cannot have started.
    auto until = std::chrono::steady_clock::now() + 10s;
    while (busy < pool && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
    REQUIRE(busy == pool);
    fx.Call([&] { cancel->Cancel(Error(ErrorCode::kCanceled, "context canceled")); });
    REQUIRE(got.has_value());  // at once, without waiting for a thread
    CHECK(got->code() == ErrorCode::kCanceled);
    release = true;
    CHECK(fx.RunUntil([&] { return blockers_done == pool; }));
    CHECK_FALSE(ran);
  }
}

TEST_SUITE("task: coroutine handlers") {
  TEST_CASE("a coroutine handler answers, with or without waiting first") {
    LoopFixture fx;
    CoServer s(fx);
    s.mux->HandleFunc("/now", [](ResponseWriter& w, Request&) -> Task<> {
      w.Write("at once");
      co_return;
    });
    s.mux->HandleFunc("/later", [](ResponseWriter& w, Request& r) -> Task<> {
      co_await Sleep(5ms);
      w.Header().Set("X-Path", r.url.path);
      w.Write("after a sleep");
    });
    REQUIRE_FALSE(s.srv.Listen());
    int port = PortOf(s.srv);
    std::optional<HttpResponse> now, later, again;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /now HTTP/1.1\r\nHost: t\r\n\r\n");
        now = c.ReadResponse();
        c.Send("GET /later HTTP/1.1\r\nHost: t\r\n\r\n");
        later = c.ReadResponse();
        c.Send("GET /now HTTP/1.1\r\nHost: t\r\n\r\n");  // kept alive after a held one
        again = c.ReadResponse();
      });
    }
    REQUIRE(now);
    REQUIRE(later);
    REQUIRE(again);
    CHECK(now->body == "at once");
    CHECK(now->Get("Content-Length") == "7");
    CHECK(later->body == "after a sleep");
    CHECK(later->Get("X-Path") == "/later");
    CHECK(again->body == "at once");
    s.srv.Close();
  }

  TEST_CASE("a client that leaves mid-await cancels it; the coroutine ends and the connection goes") {
    LoopFixture fx;
    CoServer s(fx);
    std::optional<Error> slept;
    std::optional<Error> wrote;
    bool ended = false;
    s.mux->HandleFunc("/wait", [&](ResponseWriter& w, Request& r) -> Task<> {
      slept = co_await Sleep(10s);
      std::string path = r.url.path;  // r is still valid
      wrote = w.Write("too late " + path);
      ended = true;
    });
    REQUIRE_FALSE(s.srv.Listen());
    int port = PortOf(s.srv);
    auto started = std::chrono::steady_clock::now();
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
        c.Close();
      });
    }
    CHECK(fx.RunUntil([&] { return ended && s.srv.NumConns() == 0; }));
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    REQUIRE(slept);
    CHECK(slept->code() == ErrorCode::kCanceled);
    CHECK(slept->message() == "context canceled");
    CHECK(wrote.has_value());  // (it may go into the half-closed socket: no check of its outcome)
    s.srv.Close();
  }

  TEST_CASE("a client that leaves while the handler awaits an upstream cancels that round trip") {
    LoopFixture fx;
    CoServer up(fx);
    std::shared_ptr<ResponseWriter> upstream_held;
    nethttp::testutil::Flag upstream_has_it;  // set on the loop, awaited by the peer
    bool upstream_saw_close = false;
    up.mux->HandleFunc("/slow", [&](ResponseWriter& w, Request&) {
      upstream_held = w.Hold();
      upstream_has_it.Set();
      upstream_held->CloseNotify([&] { upstream_saw_close = true; });
    });
    REQUIRE_FALSE(up.srv.Listen());
    std::string url = "http://127.0.0.1:" + std::to_string(PortOf(up.srv)) + "/slow";
    nethttp::Client client;
    client.transport = std::make_shared<nethttp::Transport>(&fx.loop());
    CoServer front(fx);
    std::optional<Error> got;
    front.mux->HandleFunc("/relay", [&](ResponseWriter& w, Request&) -> Task<> {
      auto resp = co_await client.DoAsync(nethttp::NewRequest("GET", url).value());
      got.emplace(resp.ok() ? Error() : resp.error());
      w.Write("unused");
    });
    REQUIRE_FALSE(front.srv.Listen());
    int port = PortOf(front.srv);
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /relay HTTP/1.1\r\nHost: t\r\n\r\n");
        // Leave only once the upstream holds the request.
        upstream_has_it.Wait(5s);
        c.Close();
      });
    }
    CHECK(fx.RunUntil([&] { return got.has_value() && upstream_saw_close; }));
    REQUIRE(got);
    CHECK(got->message() == "Get \"" + url + "\": context canceled");
    CHECK(fx.RunUntil([&] { return front.srv.NumConns() == 0; }));
    upstream_held.reset();
    front.srv.Close();
    up.srv.Close();
  }

  TEST_CASE("a coroutine handler that throws gets a 500, before or after it waited") {
    LoopFixture fx;
    CoServer s(fx);
    s.mux->HandleFunc("/before", [](ResponseWriter&, Request&) -> Task<> {
      throw std::runtime_error("before");
      co_return;
    });
    s.mux->HandleFunc("/after", [](ResponseWriter&, Request&) -> Task<> {
      co_await Sleep(1ms);
      throw std::runtime_error("after");
    });
    s.mux->HandleFunc("/ping", [](ResponseWriter& w, Request&) { w.Write("pong"); });
    REQUIRE_FALSE(s.srv.Listen());
    int port = PortOf(s.srv);
    std::optional<HttpResponse> before, after, ping;
    {
      Peer peer(fx, [&] {
        for (auto [path, out] : {std::pair{"/before", &before}, {"/after", &after}, {"/ping", &ping}}) {
          RawConn c;
          if (!c.Connect(port)) return;
          c.Send(std::string("GET ") + path + " HTTP/1.1\r\nHost: t\r\n\r\n");
          *out = c.ReadResponse();
        }
      });
    }
    REQUIRE(before);
    REQUIRE(after);
    REQUIRE(ping);
    CHECK(before->status == 500);
    CHECK(after->status == 500);
    CHECK(after->body == "Internal Server Error\n");
    CHECK(ping->body == "pong");
    s.srv.Close();
  }
}

TEST_SUITE("task: Body::Next") {
  TEST_CASE("Next hands out each piece once, pauses the body while nobody asks, then gives the end") {
    LoopFixture fx;
    nethttp::testutil::FakeSource src;
    auto body = std::make_shared<nethttp::StreamBody>(&src);
    Gate gate;
    Chunks got;
    Resumes r;
    fx.Call([&] { Spawn(ReadChunks(body.get(), &gate, &got, &r)); });
    CHECK(body->read_started());
    fx.Call([&] { body->Deliver("ab"); });  // a Next waits: handed out at once
    REQUIRE(got.pieces.size() == 1);
    CHECK(body->WantsMore());
    // Nobody asks while the coroutine is parked: the body pauses, so the
    // connection would stop reading (backpressure).
    fx.Call([&] {
      body->Deliver("cd");
      body->Deliver("ef");
    });
    CHECK(got.pieces.size() == 1);
    CHECK_FALSE(body->WantsMore());
    fx.Call([&] { gate.Open(); });  // "cd" was waiting: no suspension
    CHECK(got.pieces.size() == 2);
    fx.Call([&] { gate.Open(); });  // resumes the body, which had "ef" buffered
    CHECK(got.pieces.size() == 3);
    CHECK(body->WantsMore());
    fx.Call([&] {
      body->End(Error(), {});
      gate.Open();
    });
    CHECK(got.pieces == std::vector<std::string>{"ab", "cd", "ef"});
    REQUIRE(got.end);
    CHECK(got.end->ok());
    CHECK(r.count == 4);
    CHECK(r.off_loop == 0);
    CHECK(src.abandoned == 0);
  }

  TEST_CASE("a body cut short: Next gives the bytes that came, then the error") {
    LoopFixture fx;
    nethttp::testutil::FakeSource src;
    auto body = std::make_shared<nethttp::StreamBody>(&src);
    Gate gate;
    Chunks got;
    Resumes r;
    fx.Call([&] { Spawn(ReadChunks(body.get(), &gate, &got, &r)); });
    fx.Call([&] {
      body->Deliver("partial");
      body->End(Error(ErrorCode::kUnexpectedEof, "unexpected EOF"), {});
    });
    fx.Call([&] { gate.Open(); });
    CHECK(got.pieces == std::vector<std::string>{"partial"});
    REQUIRE(got.end);
    CHECK(got.end->code() == ErrorCode::kUnexpectedEof);
    CHECK(r.count == 2);
  }

  TEST_CASE("a canceled Next closes the body and returns the Cancelation's error") {
    LoopFixture fx;
    nethttp::testutil::FakeSource src;
    auto body = std::make_shared<nethttp::StreamBody>(&src);
    Gate gate;
    Chunks got;
    Resumes r;
    std::shared_ptr<nethttp::Cancelation> cancel;
    fx.Call([&] { cancel = Spawn(ReadChunks(body.get(), &gate, &got, &r)); });
    CHECK_FALSE(got.end);
    fx.Call([&] { cancel->Cancel(Error(ErrorCode::kCanceled, "context canceled")); });
    REQUIRE(got.end);
    CHECK(got.end->message() == "context canceled");
    CHECK(src.abandoned == 1);
    CHECK(r.count == 1);
    fx.Call([&] { body->Deliver("late"); });  // dropped: nothing resumes
    CHECK(r.count == 1);
  }

  TEST_CASE("a coroutine handler streams a request body with Next, and a client a response body") {
    LoopFixture fx;
    CoServer s(fx);
    constexpr size_t kBytes = 4 << 20;
    // /sum reads its (chunked) request body piece by piece.
    s.mux->Handle("/sum", std::make_shared<nethttp::StreamingCoroutineHandlerFunc>([](ResponseWriter& w, Request& r) -> Task<> {
      std::shared_ptr<nethttp::Body> body = r.Body();
      size_t n = 0, pieces = 0, wrong = 0;
      for (;;) {
        Result<std::string_view> c = co_await body->Next();
        if (!c.ok()) co_return nethttp::HttpError(w, c.error().message(), 400);
        if (c->empty()) break;
        for (char ch : *c) wrong += ch != Pattern(n++);
        ++pieces;
      }
      w.Write(std::to_string(n) + " " + std::to_string(wrong) + " " + (pieces > 1 ? "pieces" : "one"));
    }));
    REQUIRE_FALSE(s.srv.Listen());
    int port = PortOf(s.srv);
    std::optional<HttpResponse> sum;
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        std::string head = "POST /sum HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
        if (!c.Send(head)) return;
        constexpr size_t kPiece = 100000;
        for (size_t at = 0; at < kBytes; at += kPiece) {
          size_t len = std::min(kPiece, kBytes - at);
          std::string piece(len, '\0');
          for (size_t i = 0; i < len; ++i) piece[i] = Pattern(at + i);
          char size[32];
          std::snprintf(size, sizeof size, "%zx\r\n", len);
          if (!c.Send(size + piece + "\r\n")) return;
        }
        c.Send("0\r\n\r\n");
        sum = c.ReadResponse();
      });
    }
    REQUIRE(sum);
    CHECK(sum->status == 200);
    CHECK(sum->body == std::to_string(kBytes) + " 0 pieces");
    s.srv.Close();
  }
}

TEST_SUITE("task: ResponseWriter::Drain") {
  TEST_CASE("a handler writing through Drain waits for a slow reader, and the client's Next gets every byte") {
    LoopFixture fx;
    CoServer s(fx);
    constexpr size_t kBytes = 8 << 20;
    constexpr size_t kPiece = 64 << 10;
    int waits = 0;
    size_t max_unsent_pieces = 0;  // pieces written while not Writable
    s.mux->HandleFunc("/big", [&](ResponseWriter& w, Request&) -> Task<> {
      w.Header().Set("Content-Length", std::to_string(kBytes));
      std::string piece(kPiece, '\0');
      size_t run = 0;
      for (size_t at = 0; at < kBytes; at += kPiece) {
        for (size_t i = 0; i < kPiece; ++i) piece[i] = Pattern(at + i);
        if (w.Write(piece)) co_return;
        if (!w.Writable()) {
          ++waits;
          max_unsent_pieces = std::max(max_unsent_pieces, ++run);
        } else {
          run = 0;
        }
        if (Error err = co_await w.Drain()) co_return;
        CHECK(w.Writable());
      }
    });
    REQUIRE_FALSE(s.srv.Listen());
    std::string url = "http://127.0.0.1:" + std::to_string(PortOf(s.srv)) + "/big";
    nethttp::Client client;
    client.transport = std::make_shared<nethttp::Transport>(&fx.loop());
    size_t n = 0, wrong = 0;
    std::optional<Error> end;
    Resumes r;
    fx.Call([&] {
      Spawn([](nethttp::Client* c, std::string url, size_t* n, size_t* wrong, std::optional<Error>* end,
               Resumes* r) -> Task<> {
        Result<nethttp::Response> resp = co_await c->DoAsync(nethttp::NewRequest("GET", url).value());
        if (!resp.ok()) {
          *end = resp.error();
          co_return;
        }
        // A slow reader at first: the server fills the socket and waits.
        co_await Sleep(50ms);
        for (;;) {
          Result<std::string_view> chunk = co_await resp->body->Next();
          r->Note();
          if (!chunk.ok()) {
            *end = chunk.error();
            co_return;
          }
          if (chunk->empty()) break;
          for (char ch : *chunk) *wrong += ch != Pattern((*n)++);
        }
        *end = Error();
      }(&client, url, &n, &wrong, &end, &r));
    });
    CHECK(fx.RunUntil([&] { return end.has_value(); }, 60s));
    REQUIRE(end);
    CHECK_MESSAGE(end->ok(), end->message());
    CHECK(n == kBytes);
    CHECK(wrong == 0);
    CHECK(waits > 0);
    CHECK(max_unsent_pieces == 1);  // never a second piece on a full buffer
    CHECK(r.off_loop == 0);
    std::static_pointer_cast<nethttp::Transport>(client.transport)->CloseIdleConnections();
    s.srv.Close();
  }

  TEST_CASE("a client that leaves while the handler waits in Drain cancels the wait") {
    LoopFixture fx;
    CoServer s(fx);
    std::optional<Error> drained;
    s.mux->HandleFunc("/forever", [&](ResponseWriter& w, Request&) -> Task<> {
      std::string piece(64 << 10, 'x');
      for (;;) {
        w.Write(piece);
        if (Error err = co_await w.Drain()) {
          drained = err;
          co_return;
        }
      }
    });
    REQUIRE_FALSE(s.srv.Listen());
    int port = PortOf(s.srv);
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /forever HTTP/1.1\r\nHost: t\r\n\r\n");
        c.ReadAtLeast(256 << 10);
        c.Close();
      });
    }
    CHECK(fx.RunUntil([&] { return drained.has_value() && s.srv.NumConns() == 0; }));
    REQUIRE(drained);
    CHECK(drained->message() == "context canceled");
    s.srv.Close();
  }
}

TEST_SUITE("task: ResponseWriter::Drain, after the client left") {
  TEST_CASE("a handler that throws once its Drain was canceled leaves nothing behind to call it") {
    LoopFixture fx;
    CoServer s(fx);
    bool threw = false;
    s.mux->HandleFunc("/forever", [&](ResponseWriter& w, Request&) -> Task<> {
      std::string piece(64 << 10, 'x');
      for (;;) {
        w.Write(piece);
        if (Error err = co_await w.Drain()) {
          threw = true;
          throw std::runtime_error(err.message());  // its frame goes at once
        }
      }
    });
    REQUIRE_FALSE(s.srv.Listen());
    int port = PortOf(s.srv);
    {
      Peer peer(fx, [&] {
        RawConn c;
        if (!c.Connect(port)) return;
        c.Send("GET /forever HTTP/1.1\r\nHost: t\r\n\r\n");
        c.ReadAtLeast(256 << 10);
        c.Close();
      });
    }
    // (Under AddressSanitizer a Drain callback left behind would be a use
    // after free here, as the connection goes.)
    CHECK(fx.RunUntil([&] { return threw && s.srv.NumConns() == 0; }));
    s.srv.Close();
  }
}

TEST_SUITE("task: Offload, callback form") {
  TEST_CASE("the work runs on another thread, then done once on the loop, with what the work threw") {
    LoopFixture fx;
    std::thread::id work_thread;
    Resumes r;
    int dones = 0;
    std::exception_ptr first, second;
    fx.Call([&] {
      nethttp::Offload(
          fx.loop(), [&] { work_thread = std::this_thread::get_id(); },
          [&](std::exception_ptr e) {
            r.Note();
            ++dones;
            first = e;
          });
      nethttp::Offload(
          fx.loop(), [] { throw std::runtime_error("driver down"); },
          [&](std::exception_ptr e) {
            r.Note();
            ++dones;
            second = e;
          });
    });
    CHECK(fx.RunUntil([&] { return dones == 2; }));
    CHECK(work_thread != std::thread::id());
    CHECK(work_thread != std::this_thread::get_id());
    CHECK_FALSE(first);
    REQUIRE(second);
    CHECK_THROWS_WITH(std::rethrow_exception(second), "driver down");
    CHECK(r.count == 2);
    CHECK(r.off_loop == 0);
  }
}
