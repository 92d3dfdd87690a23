// Request and response dumps for debugging (Go: httputil's dump.go, with the
// parts of Response.Write and transferWriter that DumpResponse runs). No
// sockets: DumpRequestOut hands the request to request_writer.cc, the
// serialiser the Transport (transport.cc) sends with.
#include "nethttp/dump.h"

#include <initializer_list>
#include <string>
#include <string_view>

#include "internal/ascii.h"
#include "internal/connect_method_key.h"
#include "internal/request_writer.h"
#include "internal/transfer.h"
#include "nethttp/header.h"
#include "nethttp/status.h"

namespace nethttp {

using namespace std::string_view_literals;

namespace {

// StreamedBodyError is what a dump asked for a body that streams returns
// (dump.h: a Body is read once, on the loop, and a dump must not take it).
Error StreamedBodyError(std::string_view func) {
  return Error(ErrorCode::kInvalidArgument,
               "httputil: " + std::string(func) +
                   " cannot read a body that streams; dump the head only (body = false), or "
                   "read the body first");
}

// AppendFieldsExcept appends h's fields in wire form, less those named in
// excluded (Go: Header.WriteSubset with reqWriteExcludeHeaderDump or
// respExcludeHeader). Header::Write does the sanitising Go's writeSubset
// does: invalid names dropped, values trimmed, CR and LF made spaces.
void AppendFieldsExcept(const Header& h, std::initializer_list<std::string_view> excluded,
                        std::string* out) {
  Header subset;
  for (const Header::Field& f : h) {
    bool skip = false;
    for (std::string_view x : excluded) skip = skip || f.key == x;
    if (!skip) subset.AddCanonical(f.key, f.value);
  }
  subset.Write(out);
}

// JoinValues is Go's strings.Join(values, sep) over every value of key.
std::string JoinValues(const Header& h, std::string_view key, std::string_view sep) {
  std::string out;
  for (std::string_view v : h.Values(key)) {
    if (!out.empty()) out.append(sep);
    out.append(v);
  }
  return out;
}

// IsChunked is Go's chunked(TransferEncoding) for our messages, which keep
// the Transfer-Encoding field in the header where Go moves it to a field
// of the struct.
bool IsChunked(const Header& h) { return HasToken(JoinValues(h, "Transfer-Encoding", ","), "chunked"); }

// The body a response dump writes: none at all (Go's failureToReadBody,
// whose first read fails and ends Response.Write), or these bytes.
struct DumpBody {
  bool present;
  std::string_view bytes;
  const Header* trailer;  // written after the last chunk; may be null
};

// WriteResponse is Go's Response.Write as DumpResponse drives it; there the
// body is never nil (a nil Body becomes an empty one), which this relies on.
Result<std::string> WriteResponse(const Response& resp, const DumpBody& body) {
  std::string s;
  // Status line. Go: the text is Status less its "<code> " prefix, or
  // StatusText, or "status code N".
  std::string code = std::to_string(resp.status_code);
  std::string_view text = resp.status;
  if (text.empty()) {
    text = StatusText(resp.status_code);
  } else if (text.starts_with(code + " ")) {
    text.remove_prefix(code.size() + 1);
  }
  std::string fallback;
  if (text.empty() && resp.status.empty()) {
    fallback = "status code " + code;
    text = fallback;
  }
  s.append("HTTP/"sv).append(std::to_string(resp.proto_major)).append("."sv);
  s.append(std::to_string(resp.proto_minor)).append(" "sv);
  if (resp.status_code >= 0 && resp.status_code < 100) s.append(resp.status_code < 10 ? "00"sv : "0"sv);
  s.append(code).append(" "sv).append(text).append("\r\n"sv);

  // Go's r1: a content_length of 0 with bytes behind it is an unknown
  // length, and an unknown length that is not chunked is delimited by
  // the connection's close, so the dump says Connection: close (unless
  // the Transport decoded gzip, whose length was never the body's).
  const bool at_least_11 = resp.proto_major > 1 || (resp.proto_major == 1 && resp.proto_minor >= 1);
  const bool te_chunked = IsChunked(resp.header);
  int64_t length = resp.content_length;
  if (length == 0 && body.present && !body.bytes.empty()) length = -1;
  bool close = resp.close;
  if (length == -1 && !close && at_least_11 && !te_chunked && !resp.uncompressed) close = true;

  // Go's newTransferWriter for a Response: the framing actually written.
  const std::string_view method = resp.request != nullptr ? std::string_view(resp.request->method) : "";
  const bool to_head = method == "HEAD";  // Go: noResponseBodyExpected
  int64_t tw_length = length;
  bool tw_chunked = te_chunked;
  if (!to_head && !at_least_11) tw_chunked = false;
  if (tw_chunked) tw_length = -1;
  // Go: shouldSendContentLength.
  bool send_length = false;
  if (!tw_chunked) {
    if (tw_length > 0) {
      send_length = true;
    } else if (tw_length == 0) {
      send_length = method == "POST" || method == "PUT" || method == "PATCH" ||
                    (resp.header.Get("Transfer-Encoding") == "identity" && method != "GET" && !to_head);
    }
  }

  if (close && !HasToken(resp.header.Get("Connection"), "close")) s.append("Connection: close\r\n"sv);
  if (send_length) {
    s.append("Content-Length: "sv).append(std::to_string(tw_length)).append("\r\n"sv);
  } else if (tw_chunked) {
    s.append("Transfer-Encoding: chunked\r\n"sv);
  }
  // Go writes the declared trailer keys (Response.Trailer) here, for a
  // chunked body only; ours are the Trailer field as it was received.
  if (tw_chunked) {
    for (std::string_view v : resp.header.Values("Trailer")) {
      s.append("Trailer: "sv).append(v).append("\r\n"sv);
    }
  }
  AppendFieldsExcept(resp.header, {"Content-Length"sv, "Transfer-Encoding"sv, "Trailer"sv}, &s);
  // Go: an empty body that nothing above framed still says so, last.
  if (length == 0 && !te_chunked && !send_length && BodyAllowedForStatus(resp.status_code)) {
    s.append("Content-Length: 0\r\n"sv);
  }
  s.append("\r\n"sv);

  // Go's transferWriter.writeBody. Without a body Go's first read fails
  // and the head is all there is. A response to HEAD has no body; Go 1.19
  // still ends a chunked one with a CRLF, which we leave out: a stray line
  // after a head that promised nothing (dump_test "no Content-Length: 0
  // where no body may be").
  if (!body.present || to_head) return s;
  if (tw_chunked) {
    AppendChunk(&s, body.bytes);
    s.append("0\r\n"sv);
    if (body.trailer != nullptr) body.trailer->Write(&s);
    s.append("\r\n"sv);
    return s;
  }
  const auto n = static_cast<int64_t>(body.bytes.size());
  if (tw_length == -1) {
    s.append(body.bytes);
    return s;
  }
  if (tw_length != n) {
    return Error(ErrorCode::kInvalidArgument, "http: ContentLength=" + std::to_string(tw_length) +
                                                  " with Body length " + std::to_string(n));
  }
  s.append(body.bytes);
  return s;
}

}  // namespace

Result<std::string> DumpRequest(const Request& req, bool body) {
  // A stream with nothing in req.body may hold bytes we cannot read. On a
  // request the server read (request_uri set), Request::Body() also wraps
  // req.body in a stream, so there the length decides: 0 means none.
  if (body && req.body_stream != nullptr && req.body.empty() &&
      (req.content_length != 0 || req.request_uri.empty())) {
    return StreamedBodyError("DumpRequest");
  }
  // Go prints req.RequestURI, which a server always sets, and falls back
  // to the URL for a request built by a client.
  std::string uri = req.request_uri.empty() ? req.url.RequestURI() : req.request_uri;
  std::string s;
  s.reserve(uri.size() + req.host.size() + (body ? req.body.size() : 0) + 256);
  s.append(req.method.empty() ? "GET"sv : std::string_view(req.method)).append(" "sv).append(uri);
  s.append(" HTTP/"sv).append(std::to_string(req.proto_major)).append("."sv);
  s.append(std::to_string(req.proto_minor)).append("\r\n"sv);

  // An absolute-form target names the host itself (Go leaves Host out).
  const bool absolute = req.request_uri.starts_with("http://") || req.request_uri.starts_with("https://");
  if (!absolute) {
    const std::string& host = req.host.empty() ? req.url.host : req.host;
    if (!host.empty()) s.append("Host: "sv).append(host).append("\r\n"sv);
  }
  const bool chunked = IsChunked(req.header);
  if (req.header.Has("Transfer-Encoding")) {
    s.append("Transfer-Encoding: "sv).append(JoinValues(req.header, "Transfer-Encoding", ",")).append("\r\n"sv);
  }
  // Go writes "Connection: close" for req.Close whatever the header says,
  // so Go 1.19 dumps a request that sent that field with it twice; we add
  // it only when the header lacks it (an HTTP/1.0 request without
  // keep-alive still gets one, as in Go). Pinned by dump_test
  // "Connection: close is shown once".
  if (req.close && !HasToken(req.header.Get("Connection"), "close")) s.append("Connection: close\r\n"sv);
  AppendFieldsExcept(req.header, {"Host"sv, "Transfer-Encoding"sv, "Trailer"sv}, &s);
  s.append("\r\n"sv);

  if (body) {
    if (chunked) {
      AppendChunk(&s, req.body);
      s.append(kLastChunk);
    } else {
      s.append(req.body);
    }
  }
  return s;
}

Result<std::string> DumpRequestOut(const Request& req, bool body) {
  if (body && req.body_stream != nullptr) return StreamedBodyError("DumpRequestOut");
  // What Transport::RoundTrip checks before it writes (Go's DumpRequestOut
  // runs a real Transport, so it fails where a round trip would).
  Result<ConnectMethodKey> key = KeyForURL(req.url);
  if (!key.ok()) return key.error();
  RequestWriteOptions opts;
  opts.accept_gzip = AsksForGzip(req);
  std::string wire;
  if (Error err = WriteRequest(req, opts, &wire)) return err;
  if (!body) {
    // Go sends a dummy body of the same length and cuts it off here. The
    // head ends at the first blank line: no field value holds CR or LF.
    size_t end = wire.find("\r\n\r\n");
    if (end != std::string::npos) wire.resize(end + 4);
  }
  return wire;
}

Result<std::string> DumpResponse(const Response& resp, bool body) {
  if (!body) {
    // Go: a body of content_length 0 is an empty reader, any other one
    // fails on its first read, so the body of the dump is empty or absent.
    return WriteResponse(resp, DumpBody{resp.content_length == 0, {}, nullptr});
  }
  if (resp.body != nullptr) return StreamedBodyError("DumpResponse");
  return WriteResponse(resp, DumpBody{true, {}, nullptr});
}

Result<std::string> DumpResponseWithBody(const Response& resp, std::string_view body) {
  return WriteResponse(resp, DumpBody{true, body, resp.body != nullptr ? &resp.body->Trailer() : nullptr});
}

}  // namespace nethttp
