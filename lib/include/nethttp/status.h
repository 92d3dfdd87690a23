// HTTP status codes as Go names them (net/http/status.go), and StatusText.
#ifndef NETHTTP_STATUS_H_
#define NETHTTP_STATUS_H_

#include <string_view>

namespace nethttp {

inline constexpr int StatusContinue = 100;
inline constexpr int StatusSwitchingProtocols = 101;
inline constexpr int StatusProcessing = 102;
inline constexpr int StatusEarlyHints = 103;

inline constexpr int StatusOK = 200;
inline constexpr int StatusCreated = 201;
inline constexpr int StatusAccepted = 202;
inline constexpr int StatusNonAuthoritativeInfo = 203;
inline constexpr int StatusNoContent = 204;
inline constexpr int StatusResetContent = 205;
inline constexpr int StatusPartialContent = 206;

inline constexpr int StatusMultipleChoices = 300;
inline constexpr int StatusMovedPermanently = 301;
inline constexpr int StatusFound = 302;
inline constexpr int StatusSeeOther = 303;
inline constexpr int StatusNotModified = 304;
inline constexpr int StatusUseProxy = 305;
inline constexpr int StatusTemporaryRedirect = 307;
inline constexpr int StatusPermanentRedirect = 308;

inline constexpr int StatusBadRequest = 400;
inline constexpr int StatusUnauthorized = 401;
inline constexpr int StatusPaymentRequired = 402;
inline constexpr int StatusForbidden = 403;
inline constexpr int StatusNotFound = 404;
inline constexpr int StatusMethodNotAllowed = 405;
inline constexpr int StatusNotAcceptable = 406;
inline constexpr int StatusProxyAuthRequired = 407;
inline constexpr int StatusRequestTimeout = 408;
inline constexpr int StatusConflict = 409;
inline constexpr int StatusGone = 410;
inline constexpr int StatusLengthRequired = 411;
inline constexpr int StatusPreconditionFailed = 412;
inline constexpr int StatusRequestEntityTooLarge = 413;
inline constexpr int StatusRequestURITooLong = 414;
inline constexpr int StatusUnsupportedMediaType = 415;
inline constexpr int StatusRequestedRangeNotSatisfiable = 416;
inline constexpr int StatusExpectationFailed = 417;
inline constexpr int StatusTeapot = 418;
inline constexpr int StatusMisdirectedRequest = 421;
inline constexpr int StatusUnprocessableEntity = 422;
inline constexpr int StatusLocked = 423;
inline constexpr int StatusFailedDependency = 424;
inline constexpr int StatusTooEarly = 425;
inline constexpr int StatusUpgradeRequired = 426;
inline constexpr int StatusPreconditionRequired = 428;
inline constexpr int StatusTooManyRequests = 429;
inline constexpr int StatusRequestHeaderFieldsTooLarge = 431;
inline constexpr int StatusUnavailableForLegalReasons = 451;

inline constexpr int StatusInternalServerError = 500;
inline constexpr int StatusNotImplemented = 501;
inline constexpr int StatusBadGateway = 502;
inline constexpr int StatusServiceUnavailable = 503;
inline constexpr int StatusGatewayTimeout = 504;
inline constexpr int StatusHTTPVersionNotSupported = 505;
inline constexpr int StatusVariantAlsoNegotiates = 506;
inline constexpr int StatusInsufficientStorage = 507;
inline constexpr int StatusLoopDetected = 508;
inline constexpr int StatusNotExtended = 510;
inline constexpr int StatusNetworkAuthenticationRequired = 511;

// StatusText returns a text for the HTTP status code, "" if the code is
// unknown (Go: StatusText).
std::string_view StatusText(int code);

}  // namespace nethttp

#endif  // NETHTTP_STATUS_H_
