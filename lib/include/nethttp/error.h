// Error values for every I/O and protocol path, Go's `error` in C++: a code
// callers can switch on and a message that reads like Go's ("http: ...").
// No exception crosses a libuv callback; functions return Error or Result<T>.
//
// How to read them. A boolean test asks one question everywhere: "did it
// fail?". Only Error answers it: `if (Error err = f()) return err;` is Go's
// `if err != nil`. Result<T> has no boolean conversion on purpose: with one,
// `if (r)` would mean success beside `if (err)` meaning failure, and a
// refactor from one to the other would flip a branch without a diagnostic.
// Ask a Result `r.ok()` (success) or `r.error()` (an Error, read as above).
//
// Taking the value of a Result that holds an error (value(), *, ->) is a
// bug in the caller, like using Go's T after ignoring the err beside it. It
// throws nothing (no exception crosses the API): it prints the error it
// found and aborts, in debug and release builds alike, rather than hand out
// a T that was never made. (A debug-only assert would say less, without the
// error's text, and let a release build read a T that does not exist.)
#ifndef NETHTTP_ERROR_H_
#define NETHTTP_ERROR_H_

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace nethttp {

// ErrorCode names each way an operation can fail.
enum class ErrorCode {
  kOk = 0,
  // kServerClosed is returned by ListenAndServe after Shutdown or Close
  // (Go: ErrServerClosed).
  kServerClosed,
  // kIo wraps a libuv error; Error::uv_code() holds the UV_E* value.
  kIo,
  // kTimeout: a deadline (Client.Timeout, ResponseHeaderTimeout, a dial) passed.
  kTimeout,
  // kCanceled: the operation was abandoned by its owner before it completed.
  kCanceled,
  // kBadRequest: a request's syntax or framing is invalid (answered with 400).
  kBadRequest,
  // kHeaderTooLarge: the request line and headers exceed MaxHeaderBytes, or
  // they hold more fields than the server's limit (431).
  kHeaderTooLarge,
  // kUriTooLong: a request-target exceeds the server's limit (414).
  kUriTooLong,
  // kBodyTooLarge: a request body exceeds the server's body limit (413).
  kBodyTooLarge,
  // kUnsupportedTransferEncoding: a Transfer-Encoding other than chunked (501).
  kUnsupportedTransferEncoding,
  // kVersionNotSupported: a protocol version other than HTTP/1.x (505).
  kVersionNotSupported,
  // kExpectationFailed: an Expect header other than 100-continue (417).
  kExpectationFailed,
  // kMalformedResponse: a server's response could not be parsed.
  kMalformedResponse,
  // kUnexpectedEof: the peer closed before a whole message arrived.
  kUnexpectedEof,
  // kInvalidUrl: a URL could not be parsed or has an unsupported scheme.
  kInvalidUrl,
  // kInvalidPattern: a ServeMux pattern is empty or already registered.
  kInvalidPattern,
  // kInvalidArgument: any other argument a caller got wrong.
  kInvalidArgument,
  // kTooManyRedirects: Client.Do stopped after 10 redirects.
  kTooManyRedirects,
  // kUseLastResponse: not a failure but ErrUseLastResponse(), which a
  // Client's CheckRedirect returns to get the redirect response itself
  // instead of following it (Go: ErrUseLastResponse, compared by identity
  // there and by code here). Client::Do never returns it.
  kUseLastResponse,
  // kBlockingCallOnLoop: a blocking call (Client::Do without a callback,
  // Get, Post, Body::ReadAllBlocking) was made from a callback of the loop
  // it would have to run, a handler say. uv_run is not reentrant, so it is
  // refused before any I/O; use the callback form (Do(req, done)).
  kBlockingCallOnLoop,
  // kTls: a TLS handshake or record failed; the message is Go's ("tls:
  // handshake failure", "remote error: tls: ...", "tls: first record does
  // not look like a TLS handshake").
  kTls,
  // kCertificate: the peer's certificate was not accepted; the message is
  // Go's x509 error ("x509: certificate signed by unknown authority").
  kCertificate,
  // kNoCookie: Request::Cookie found no cookie of the name asked for
  // (Go: ErrNoCookie, "http: named cookie not present").
  kNoCookie,
  // kNotMultipart: the request's Content-Type is not multipart/form-data
  // (Go: ErrNotMultipart, "request Content-Type isn't multipart/form-data").
  kNotMultipart,
  // kMissingFile: Request::FormFile found no file of the field asked for
  // (Go: ErrMissingFile, "http: no such file").
  kMissingFile,
  // kHijacked: the handler took the connection over (ResponseWriter::Hijack),
  // so the server does nothing more with it (Go: ErrHijacked, "http:
  // connection has been hijacked").
  kHijacked,
  // kNotSupported: the object does not offer the feature, as a ResponseWriter
  // that cannot Hijack (Go: ErrNotSupported, "feature not supported").
  kNotSupported,
  // kProxy: the proxy refused to open a tunnel; the message is its status
  // ("407 Proxy Authentication Required"; Go gives the text alone).
  kProxy,
};

// ErrorCodeName returns the enumerator's name without the k, e.g. "Timeout".
std::string_view ErrorCodeName(ErrorCode code);

// Error is a value: empty (ok) or a code with a message. It converts to true
// when it holds an error, so `if (Error err = f()) return err;` reads as Go's
// `if err != nil`.
class Error {
 public:
  Error() = default;
  Error(ErrorCode code, std::string message, int uv_code = 0)
      : code_(code), message_(std::move(message)), uv_code_(uv_code) {}

  // FromUv wraps a libuv status (negative errno) as kIo, or kTimeout for
  // UV_ETIMEDOUT and kCanceled for UV_ECANCELED, with libuv's own text.
  static Error FromUv(int uv_status, std::string_view context = {});

  explicit operator bool() const { return code_ != ErrorCode::kOk; }
  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  int uv_code() const { return uv_code_; }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  int uv_code_ = 0;
};

namespace internal {
// BadResultAccess reports a value taken from a Result holding err (a caller
// bug, see the top of this file) on stderr and aborts. Out of line so that
// every accessor stays a compare and a branch.
[[noreturn]] void BadResultAccess(const Error& err);
}  // namespace internal

// Result<T> is Go's (T, error) pair for functions that return a value. It
// holds exactly one of them; test ok() before taking the value.
template <typename T>
class Result {
 public:
  // (By reference, not by value: a value taken by value is moved twice,
  // into the parameter and on into the Result, and a Response moved is
  // some fifteen strings' moves, on every round trip.)
  Result(const T& value) : v_(value) {}               // NOLINT: implicit by design
  Result(T&& value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}       // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  T& value() & { return *Checked(); }
  T&& value() && { return std::move(*Checked()); }
  const T& value() const& { return *Checked(); }
  T* operator->() { return Checked(); }
  const T* operator->() const { return Checked(); }
  T& operator*() & { return *Checked(); }
  const T& operator*() const& { return *Checked(); }
  // error returns the Error, or an ok Error when a value is held.
  const Error& error() const {
    static const Error kNoError;
    const Error* err = std::get_if<1>(&v_);
    return err != nullptr ? *err : kNoError;
  }

 private:
  T* Checked() { return const_cast<T*>(std::as_const(*this).Checked()); }
  const T* Checked() const {
    const T* v = std::get_if<0>(&v_);
    if (v == nullptr) internal::BadResultAccess(*std::get_if<1>(&v_));
    return v;
  }

  std::variant<T, Error> v_;
};

}  // namespace nethttp

#endif  // NETHTTP_ERROR_H_
