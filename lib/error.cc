// Names for ErrorCode values and the libuv-to-Error bridge.
#include "nethttp/error.h"

#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace nethttp {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "Ok";
    case ErrorCode::kServerClosed: return "ServerClosed";
    case ErrorCode::kIo: return "Io";
    case ErrorCode::kTimeout: return "Timeout";
    case ErrorCode::kCanceled: return "Canceled";
    case ErrorCode::kBadRequest: return "BadRequest";
    case ErrorCode::kHeaderTooLarge: return "HeaderTooLarge";
    case ErrorCode::kUriTooLong: return "UriTooLong";
    case ErrorCode::kBodyTooLarge: return "BodyTooLarge";
    case ErrorCode::kUnsupportedTransferEncoding: return "UnsupportedTransferEncoding";
    case ErrorCode::kVersionNotSupported: return "VersionNotSupported";
    case ErrorCode::kExpectationFailed: return "ExpectationFailed";
    case ErrorCode::kMalformedResponse: return "MalformedResponse";
    case ErrorCode::kUnexpectedEof: return "UnexpectedEof";
    case ErrorCode::kInvalidUrl: return "InvalidUrl";
    case ErrorCode::kInvalidPattern: return "InvalidPattern";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kTooManyRedirects: return "TooManyRedirects";
    case ErrorCode::kUseLastResponse: return "UseLastResponse";
    case ErrorCode::kBlockingCallOnLoop: return "BlockingCallOnLoop";
    case ErrorCode::kTls: return "Tls";
    case ErrorCode::kCertificate: return "Certificate";
    case ErrorCode::kNoCookie: return "NoCookie";
    case ErrorCode::kNotMultipart: return "NotMultipart";
    case ErrorCode::kMissingFile: return "MissingFile";
    case ErrorCode::kHijacked: return "Hijacked";
    case ErrorCode::kNotSupported: return "NotSupported";
    case ErrorCode::kProxy: return "Proxy";
  }
  return "Unknown";
}

Error Error::FromUv(int uv_status, std::string_view context) {
  std::string msg;
  if (!context.empty()) {
    msg.append(context);
    msg.append(": ");
  }
  msg.append(uv_strerror(uv_status));
  ErrorCode code = ErrorCode::kIo;
  if (uv_status == UV_ETIMEDOUT) code = ErrorCode::kTimeout;
  if (uv_status == UV_ECANCELED) code = ErrorCode::kCanceled;
  return Error(code, std::move(msg), uv_status);
}

namespace internal {

void BadResultAccess(const Error& err) {
  // stderr directly, not the logger: this is a crash report and must get
  // out whatever the log level or sink.
  std::fprintf(stderr,
               "nethttp: value taken from a Result holding an error (test ok() first): %s: %s\n",
               std::string(ErrorCodeName(err.code())).c_str(), err.message().c_str());
  std::abort();
}

}  // namespace internal
}  // namespace nethttp
