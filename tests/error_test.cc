// Tests for lib/error.cc and the Error/Result reading error.h documents:
// every code's name, FromUv's mapping and text, the boolean reading (true
// means failure, and only Error has one), and that taking a value from a
// Result holding an error aborts with the error's text instead of throwing.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <csignal>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "nethttp/error.h"

using nethttp::Error;
using nethttp::ErrorCode;
using nethttp::ErrorCodeName;
using nethttp::Result;

// The reading error.h promises, checked where it is decided: at compile time.
// Error tests true on failure, and only explicitly (no `int n = err;`).
static_assert(std::is_constructible_v<bool, Error>);
static_assert(!std::is_convertible_v<Error, bool>);
// Result has no boolean test at all, so `if (r)` cannot be read either way.
static_assert(!std::is_constructible_v<bool, Result<int>>);
static_assert(!std::is_constructible_v<bool, Result<std::string>>);

namespace {

// The death test's accessors write here, so that no read is optimised away.
volatile size_t sink;

// DeathOf runs fn in a child process and returns what it wrote to stderr,
// with *signal set to the signal that ended it (0 if it exited instead).
// doctest has no death tests; this is the smallest fork-and-wait that gives
// one, and the child leaves with _exit so that no doctest state is flushed
// twice.
std::string DeathOf(const std::function<void()>& fn, int* signal) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDERR_FILENO);
    fn();
    _exit(0);  // fn returned: no abort, which the caller's CHECK reports
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  *signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return out;
}

}  // namespace

TEST_SUITE("error") {
  TEST_CASE("ErrorCodeName names every code, without the k") {
    struct Case {
      ErrorCode code;
      std::string_view name;
    };
    const Case cases[] = {
        {ErrorCode::kOk, "Ok"},
        {ErrorCode::kServerClosed, "ServerClosed"},
        {ErrorCode::kIo, "Io"},
        {ErrorCode::kTimeout, "Timeout"},
        {ErrorCode::kCanceled, "Canceled"},
        {ErrorCode::kBadRequest, "BadRequest"},
        {ErrorCode::kHeaderTooLarge, "HeaderTooLarge"},
        {ErrorCode::kUriTooLong, "UriTooLong"},
        {ErrorCode::kBodyTooLarge, "BodyTooLarge"},
        {ErrorCode::kUnsupportedTransferEncoding, "UnsupportedTransferEncoding"},
        {ErrorCode::kVersionNotSupported, "VersionNotSupported"},
        {ErrorCode::kExpectationFailed, "ExpectationFailed"},
        {ErrorCode::kMalformedResponse, "MalformedResponse"},
        {ErrorCode::kUnexpectedEof, "UnexpectedEof"},
        {ErrorCode::kInvalidUrl, "InvalidUrl"},
        {ErrorCode::kInvalidPattern, "InvalidPattern"},
        {ErrorCode::kInvalidArgument, "InvalidArgument"},
        {ErrorCode::kTooManyRedirects, "TooManyRedirects"},
        {ErrorCode::kUseLastResponse, "UseLastResponse"},
        {ErrorCode::kBlockingCallOnLoop, "BlockingCallOnLoop"},
        {ErrorCode::kTls, "Tls"},
        {ErrorCode::kCertificate, "Certificate"},
        {ErrorCode::kNoCookie, "NoCookie"},
        {ErrorCode::kNotMultipart, "NotMultipart"},
        {ErrorCode::kMissingFile, "MissingFile"},
        {ErrorCode::kHijacked, "Hijacked"},
        {ErrorCode::kNotSupported, "NotSupported"},
        {ErrorCode::kProxy, "Proxy"},
    };
    // The enum is dense from kOk: the table must list each value once, in
    // order, so a code added without a row here (or a name) fails below.
    int next = 0;
    for (const Case& c : cases) {
      CAPTURE(c.name);
      CHECK(static_cast<int>(c.code) == next++);
      CHECK(ErrorCodeName(c.code) == c.name);
    }
    // One past the last code: no name, so the table above was complete
    // when it was written; a new enumerator gets a name and fails here.
    CHECK(ErrorCodeName(static_cast<ErrorCode>(next)) == "Unknown");
    CHECK(ErrorCodeName(static_cast<ErrorCode>(-1)) == "Unknown");
  }

  TEST_CASE("Error: empty is ok and false; any code but kOk is a failure and true") {
    const Error none;
    CHECK(none.ok());
    CHECK_FALSE(static_cast<bool>(none));
    CHECK(none.code() == ErrorCode::kOk);
    CHECK(none.message().empty());
    CHECK(none.uv_code() == 0);

    struct Case {
      ErrorCode code;
      std::string message;
      int uv_code;
    };
    const Case cases[] = {
        {ErrorCode::kServerClosed, "http: Server closed", 0},
        {ErrorCode::kIo, "read: connection reset by peer", UV_ECONNRESET},
        {ErrorCode::kBadRequest, "", 0},  // no message is still an error
        {ErrorCode::kUriTooLong, "http: request-target too long", 0},
    };
    for (const Case& c : cases) {
      CAPTURE(c.message);
      const Error err(c.code, c.message, c.uv_code);
      CHECK(static_cast<bool>(err));
      CHECK_FALSE(err.ok());
      CHECK(err.code() == c.code);
      CHECK(err.message() == c.message);
      CHECK(err.uv_code() == c.uv_code);
    }
    // The idiom error.h documents: the branch is taken on failure only.
    auto fails = [](bool fail) {
      return fail ? Error(ErrorCode::kTimeout, "deadline") : Error();
    };
    int taken = 0;
    if (Error err = fails(false)) ++taken;
    CHECK(taken == 0);
    if (Error err = fails(true)) ++taken;
    CHECK(taken == 1);
  }

  TEST_CASE("Error(kOk, ...) is no error whatever its message") {
    // The code alone decides: a message on kOk is ignored by the reading.
    const Error err(ErrorCode::kOk, "not an error");
    CHECK(err.ok());
    CHECK_FALSE(static_cast<bool>(err));
  }

  TEST_CASE("FromUv maps libuv statuses to codes and keeps libuv's text") {
    struct Case {
      int status;
      std::string_view context;
      ErrorCode code;
      std::string_view message;
    };
    const Case cases[] = {
        // Go: "dial tcp 127.0.0.1:1: connect: connection refused".
        {UV_ECONNREFUSED, "dial tcp 127.0.0.1:1: connect", ErrorCode::kIo,
         "dial tcp 127.0.0.1:1: connect: connection refused"},
        {UV_ECONNRESET, "read", ErrorCode::kIo, "read: connection reset by peer"},
        {UV_EADDRINUSE, "listen tcp :8091", ErrorCode::kIo,
         "listen tcp :8091: address already in use"},
        {UV_EPIPE, "write", ErrorCode::kIo, "write: broken pipe"},
        // EOF is kIo here: only the protocol layer knows whether the message
        // was complete, and it says kUnexpectedEof itself.
        {UV_EOF, "read", ErrorCode::kIo, "read: end of file"},
        // The two statuses with a code of their own.
        {UV_ETIMEDOUT, "connect", ErrorCode::kTimeout, "connect: connection timed out"},
        {UV_ECANCELED, "getaddrinfo", ErrorCode::kCanceled, "getaddrinfo: operation canceled"},
        // No context: libuv's text alone, with no ": " in front.
        {UV_ECONNREFUSED, "", ErrorCode::kIo, "connection refused"},
        {UV_ETIMEDOUT, "", ErrorCode::kTimeout, "connection timed out"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.message);
      const Error err = Error::FromUv(c.status, c.context);
      CHECK(static_cast<bool>(err));
      CHECK(err.code() == c.code);
      CHECK(err.message() == c.message);
      CHECK(err.uv_code() == c.status);
    }
  }

  TEST_CASE("Result: a value is ok, reads through every accessor, and has an ok error()") {
    Result<std::string> r(std::string("pong"));
    REQUIRE(r.ok());
    CHECK(r.error().ok());
    CHECK(r.value() == "pong");
    CHECK(*r == "pong");
    CHECK(r->size() == 4);
    const Result<std::string>& cr = r;
    CHECK(cr.value() == "pong");
    CHECK(*cr == "pong");
    CHECK(cr->size() == 4);
    r->append("!");  // a mutable reference into the Result, not a copy
    CHECK(*r == "pong!");
    const std::string moved = std::move(r).value();
    CHECK(moved == "pong!");
  }

  TEST_CASE("Result: an error is not ok and hands back the same Error") {
    const Result<int> r(Error(ErrorCode::kInvalidUrl, "parse \"::\": missing protocol scheme"));
    CHECK_FALSE(r.ok());
    CHECK(static_cast<bool>(r.error()));
    CHECK(r.error().code() == ErrorCode::kInvalidUrl);
    CHECK(r.error().message() == "parse \"::\": missing protocol scheme");
  }

  TEST_CASE("taking the value of a failed Result aborts with the error's text, never throws") {
    struct Accessor {
      std::string_view name;
      std::function<void(Result<std::string>&)> use;
    };
    const Accessor accessors[] = {
        {"value() &", [](Result<std::string>& r) { sink = r.value().size(); }},
        {"value() const&", [](Result<std::string>& r) { sink = std::as_const(r).value().size(); }},
        {"value() &&", [](Result<std::string>& r) { sink = std::move(r).value().size(); }},
        {"operator*", [](Result<std::string>& r) { sink = (*r).size(); }},
        {"operator* const", [](Result<std::string>& r) { sink = (*std::as_const(r)).size(); }},
        {"operator->", [](Result<std::string>& r) { sink = r->size(); }},
        {"operator-> const", [](Result<std::string>& r) { sink = std::as_const(r)->size(); }},
    };
    for (const Accessor& a : accessors) {
      CAPTURE(a.name);
      int signal = 0;
      const std::string err = DeathOf([&] {
        Result<std::string> r(Error(ErrorCode::kTimeout, "net/http: timeout awaiting response headers"));
        try {
          a.use(r);
        } catch (...) {
          // Reaching here is the old behaviour (bad_variant_access): say so
          // and exit normally, which the CHECK on the signal reports.
          fputs("threw\n", stderr);
          fflush(stderr);
          _exit(0);
        }
      }, &signal);
      CHECK(signal == SIGABRT);
      CHECK(err.find("threw") == std::string::npos);
      CHECK(err.find("test ok() first") != std::string::npos);
      CHECK(err.find("Timeout: net/http: timeout awaiting response headers") != std::string::npos);
    }
  }
}
