// StatusText: the reason phrase for each status code we know (Go: status.go).
// The server uses it for status lines and the client for Response::status.
#include "nethttp/status.h"

namespace nethttp {

std::string_view StatusText(int code) {
  // Go's table, verbatim, including the RFC 2616 wording it keeps for 413,
  // 414 and 416. 207, 208 and 226 (WebDAV / delta encoding) have no constant
  // in status.h but Go names them, so their text is here too.
  switch (code) {
    case StatusContinue: return "Continue";
    case StatusSwitchingProtocols: return "Switching Protocols";
    case StatusProcessing: return "Processing";
    case StatusEarlyHints: return "Early Hints";

    case StatusOK: return "OK";
    case StatusCreated: return "Created";
    case StatusAccepted: return "Accepted";
    case StatusNonAuthoritativeInfo: return "Non-Authoritative Information";
    case StatusNoContent: return "No Content";
    case StatusResetContent: return "Reset Content";
    case StatusPartialContent: return "Partial Content";
    case 207: return "Multi-Status";     // Go: StatusMultiStatus
    case 208: return "Already Reported";  // Go: StatusAlreadyReported
    case 226: return "IM Used";           // Go: StatusIMUsed

    case StatusMultipleChoices: return "Multiple Choices";
    case StatusMovedPermanently: return "Moved Permanently";
    case StatusFound: return "Found";
    case StatusSeeOther: return "See Other";
    case StatusNotModified: return "Not Modified";
    case StatusUseProxy: return "Use Proxy";
    case StatusTemporaryRedirect: return "Temporary Redirect";
    case StatusPermanentRedirect: return "Permanent Redirect";

    case StatusBadRequest: return "Bad Request";
    case StatusUnauthorized: return "Unauthorized";
    case StatusPaymentRequired: return "Payment Required";
    case StatusForbidden: return "Forbidden";
    case StatusNotFound: return "Not Found";
    case StatusMethodNotAllowed: return "Method Not Allowed";
    case StatusNotAcceptable: return "Not Acceptable";
    case StatusProxyAuthRequired: return "Proxy Authentication Required";
    case StatusRequestTimeout: return "Request Timeout";
    case StatusConflict: return "Conflict";
    case StatusGone: return "Gone";
    case StatusLengthRequired: return "Length Required";
    case StatusPreconditionFailed: return "Precondition Failed";
    case StatusRequestEntityTooLarge: return "Request Entity Too Large";
    case StatusRequestURITooLong: return "Request URI Too Long";
    case StatusUnsupportedMediaType: return "Unsupported Media Type";
    case StatusRequestedRangeNotSatisfiable: return "Requested Range Not Satisfiable";
    case StatusExpectationFailed: return "Expectation Failed";
    case StatusTeapot: return "I'm a teapot";
    case StatusMisdirectedRequest: return "Misdirected Request";
    case StatusUnprocessableEntity: return "Unprocessable Entity";
    case StatusLocked: return "Locked";
    case StatusFailedDependency: return "Failed Dependency";
    case StatusTooEarly: return "Too Early";
    case StatusUpgradeRequired: return "Upgrade Required";
    case StatusPreconditionRequired: return "Precondition Required";
    case StatusTooManyRequests: return "Too Many Requests";
    case StatusRequestHeaderFieldsTooLarge: return "Request Header Fields Too Large";
    case StatusUnavailableForLegalReasons: return "Unavailable For Legal Reasons";

    case StatusInternalServerError: return "Internal Server Error";
    case StatusNotImplemented: return "Not Implemented";
    case StatusBadGateway: return "Bad Gateway";
    case StatusServiceUnavailable: return "Service Unavailable";
    case StatusGatewayTimeout: return "Gateway Timeout";
    case StatusHTTPVersionNotSupported: return "HTTP Version Not Supported";
    case StatusVariantAlsoNegotiates: return "Variant Also Negotiates";
    case StatusInsufficientStorage: return "Insufficient Storage";
    case StatusLoopDetected: return "Loop Detected";
    case StatusNotExtended: return "Not Extended";
    case StatusNetworkAuthenticationRequired: return "Network Authentication Required";
    default: return "";
  }
}

}  // namespace nethttp
