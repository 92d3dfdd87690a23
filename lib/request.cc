// NewRequest builds a client Request: Go's http.NewRequestWithContext
// (net/http/request.go). Sans-I/O; the Transport serialises and sends it,
// and the server side fills Request from the parser instead.
#include "nethttp/request.h"

#include <string>
#include <string_view>
#include <utility>

#include "internal/ascii.h"
#include "internal/stream_body.h"
#include "nethttp/method.h"

namespace nethttp {
namespace {

// ValidMethod is Go's validMethod: RFC 9110 §9.1 method = token.
bool ValidMethod(std::string_view method) {
  if (method.empty()) return false;
  for (char c : method) {
    if (!IsTokenByte(c)) return false;
  }
  return true;
}

// QuoteMethod writes method as Go's %q would for the error text: printable
// ASCII as is, '"' and '\' escaped, every other byte as \xNN. (Go prints
// valid non-ASCII UTF-8 unescaped; an invalid method is always rejected, so
// only the error text differs, and escaping keeps log lines clean.)
std::string QuoteMethod(std::string_view method) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : method) {
    auto b = static_cast<unsigned char>(c);
    if (b == '"' || b == '\\') {
      out += '\\';
      out += c;
    } else if (b >= 0x20 && b < 0x7F) {
      out += c;
    } else if (b == '\t') {
      out += "\\t";
    } else if (b == '\n') {
      out += "\\n";
    } else if (b == '\r') {
      out += "\\r";
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  out += '"';
  return out;
}

// RemoveEmptyPort is Go's removeEmptyPort: "host:" becomes "host" (issue
// 14836) so that the Host header and the pool key agree; a given port is
// kept as written, never added or dropped.
std::string RemoveEmptyPort(std::string host) {
  // Go: hasPort is "a ':' after the last ']'".
  size_t colon = host.rfind(':');
  size_t bracket = host.rfind(']');
  bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  if (has_port && colon == host.size() - 1) host.pop_back();
  return host;
}

}  // namespace

Result<Request> NewRequest(std::string_view method, std::string_view url, std::string body) {
  // Go documents "" as GET for Request.Method and NewRequest keeps that.
  if (method.empty()) method = MethodGet;
  if (!ValidMethod(method)) {
    return Error(ErrorCode::kInvalidArgument, "net/http: invalid method " + QuoteMethod(method));
  }
  Result<URL> u = Parse(url);
  if (!u.ok()) return u.error();
  // The scheme is not checked here: Go reports 'unsupported protocol scheme'
  // from Client.Do / Transport.RoundTrip, so a Request for another scheme
  // can still be built (and handed to a RoundTripper that knows it).
  Request req;
  req.method.assign(method);
  req.url = std::move(u).value();
  req.url.host = RemoveEmptyPort(std::move(req.url.host));
  req.host = req.url.host;
  // Go sets ContentLength from a *bytes.Buffer/*strings.Reader body; our
  // body is always a complete string, so its length is always known.
  req.content_length = static_cast<int64_t>(body.size());
  req.body = std::move(body);
  return req;
}

std::shared_ptr<nethttp::Body> Request::Body() {
  if (body_stream == nullptr) {
    auto b = std::make_shared<StreamBody>(nullptr);
    b->Deliver(body);
    b->End(Error(), trailer);
    body_stream = std::move(b);
  }
  return body_stream;
}

}  // namespace nethttp
