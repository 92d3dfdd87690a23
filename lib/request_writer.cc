// The client request serialiser (Go: Request.write, transferWriter.writeHeader
// and writeBody). It has no sockets; persist_conn.cc sends what it builds and
// parses the answer with Http1Parser in response mode.
#include "internal/request_writer.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "internal/ascii.h"
#include "internal/head_pieces.h"
#include "internal/transfer.h"

namespace nethttp {

// The request is built from literals; as string_views their lengths are
// known at compile time, where append(const char*) runs strlen on each.
using namespace std::string_view_literals;

namespace {


// ContainsCtl is Go's stringContainsCTLByte: any byte < 0x20 or DEL.
bool ContainsCtl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// CleanHost is Go's cleanHost without the IDNA step: everything from the
// first space or '/' is dropped, so a Host can never carry a request line.
std::string_view CleanHost(std::string_view in) {
  // (A loop, not find_first_of, which calls memchr once per byte of in.)
  size_t cut = 0;
  while (cut < in.size() && in[cut] != ' ' && in[cut] != '/') ++cut;
  return in.substr(0, cut);
}

// RemoveZone is Go's removeZone: RFC 6874 says a client must not send an
// IPv6 zone identifier ("[fe80::1%en0]:80" -> "[fe80::1]:80").
std::string RemoveZone(std::string_view host) {
  if (!host.starts_with('[')) return std::string(host);  // (nearly every host: no scan)
  size_t close = host.rfind(']');
  size_t pct = close == std::string_view::npos ? close : host.rfind('%', close);
  if (pct == std::string_view::npos) return std::string(host);
  std::string out(host.substr(0, pct));
  out.append(host.substr(close));
  return out;
}

// MethodExpectsBody is Go's transferWriter rule for a request with no body:
// POST, PUT and PATCH still send "Content-Length: 0" (issue #40978), others
// send no framing at all.
bool MethodExpectsBody(std::string_view m) { return m == "POST" || m == "PUT" || m == "PATCH"; }

// Excluded are the fields Request.write produces itself (Go:
// reqWriteExcludeHeader); the caller's copies are not written.
bool Excluded(std::string_view key) {
  return key == "Host" || key == "User-Agent" || key == "Content-Length" ||
         key == "Transfer-Encoding" || key == "Trailer";
}

// AddTrailerField writes the Trailer field that declares trailer's names:
// each once, sorted and comma-joined, as Go writes it.
void AddTrailerField(const Header& trailer, HeadPieces* head) {
  std::vector<std::string_view> keys;
  for (const Header::Field& f : trailer) keys.push_back(f.key);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  head->Add("Trailer: "sv);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) head->Add(","sv);
    head->Add(keys[i]);
  }
  head->Add("\r\n"sv);
}

}  // namespace

bool SendsChunked(const Request& req) {
  bool has_body = req.body_stream != nullptr || !req.body.empty();
  return (has_body && req.content_length <= 0) || !req.trailer.empty();
}

void AppendLastChunk(const Header& declared, const Header* from_body, std::string* out) {
  bool body_set = from_body != nullptr && !from_body->empty();
  if (declared.empty() && !body_set) {
    out->append(kLastChunk);
    return;
  }
  Header t;
  if (body_set) {
    for (const Header::Field& f : *from_body) {
      if (ValidTrailerHeader(CanonicalHeaderKey(f.key))) t.AddCanonical(f.key, f.value);
    }
  }
  for (const Header::Field& f : declared) {
    if (f.value.empty() || !ValidTrailerHeader(CanonicalHeaderKey(f.key))) continue;
    if (body_set && from_body->Has(f.key)) continue;
    t.AddCanonical(f.key, f.value);
  }
  out->append("0\r\n"sv);
  t.Write(out);
  out->append("\r\n"sv);
}

bool AsksForGzip(const Request& req) {
  if (req.method == "HEAD") return false;
  // Get("Accept-Encoding") and Get("Range") are empty: each field's first
  // value, if any, is. One pass for both, on every round trip.
  bool accept_encoding = false, range = false;
  for (const Header::Field& f : req.header) {
    if (!accept_encoding && f.key.size() == 15 && EqualFold(f.key, "Accept-Encoding")) {
      if (!f.value.empty()) return false;
      accept_encoding = true;
    } else if (!range && f.key.size() == 5 && EqualFold(f.key, "Range")) {
      if (!f.value.empty()) return false;
      range = true;
    }
  }
  return true;
}

std::string RequestHost(const Request& req) {
  std::string_view host = CleanHost(req.host);
  if (host.empty()) host = CleanHost(req.url.host);
  return RemoveZone(host);  // (the one copy)
}

Error WriteRequest(const Request& req, const RequestWriteOptions& opts, std::string* out) {
  std::string host = RequestHost(req);
  std::string_view method = req.method.empty() ? std::string_view("GET") : std::string_view(req.method);
  std::string ruri = req.url.RequestURI();
  if (method == "CONNECT" && req.url.path.empty()) {
    // CONNECT names the authority, not a path (Go: Request.write).
    ruri = req.url.opaque.empty() ? host : req.url.opaque;
  } else if (opts.absolute_form && !req.url.scheme.empty() && req.url.opaque.empty()) {
    ruri = req.url.scheme + "://" + host + ruri;
  }
  if (ContainsCtl(ruri)) {
    return Error(ErrorCode::kInvalidArgument,
                 "net/http: can't write control character in Request.URL");
  }
  if (ContainsCtl(host)) {
    return Error(ErrorCode::kInvalidArgument, "http: invalid Host header");
  }
  // Go's Transport.roundTrip validates every field before anything is
  // written; a bad name or value is the caller's error, not something to
  // repair on the wire.
  // The same pass finds the caller's User-Agent (the first one, as Get
  // would), which replaces the default even when empty (Go: no field).
  const std::string* caller_ua = nullptr;
  for (const Header::Field& f : req.header) {
    if (!ValidHeaderFieldName(f.key)) {
      return Error(ErrorCode::kInvalidArgument,
                   "net/http: invalid header field name \"" + f.key + "\"");
    }
    if (!ValidHeaderFieldValue(f.value)) {
      return Error(ErrorCode::kInvalidArgument,
                   "net/http: invalid header field value for \"" + f.key + "\"");
    }
    if (caller_ua == nullptr && f.key.size() == 10 && EqualFold(f.key, "User-Agent")) caller_ua = &f.value;
  }
  for (const Header::Field& f : req.trailer) {
    // (Canonical first: AddCanonical may have stored "content-length".)
    if (!ValidHeaderFieldName(f.key) || !ValidTrailerHeader(CanonicalHeaderKey(f.key))) {
      return Error(ErrorCode::kInvalidArgument, "net/http: invalid Trailer key \"" + f.key + "\"");
    }
    if (!ValidHeaderFieldValue(f.value)) {
      return Error(ErrorCode::kInvalidArgument,
                   "net/http: invalid trailer field value for \"" + f.key + "\"");
    }
  }
  // Framing (Go: newTransferWriter). A body is a whole string, or a stream
  // the connection sends after the head (body_stream). Empty and no stream
  // is Go's nil Body; content_length > 0 must match the string (a stream
  // is held to it as it is sent); 0 with a body or -1 means "length
  // unknown", which Go sends chunked.
  const bool streamed = req.body_stream != nullptr;
  if (streamed && !req.body.empty()) {
    return Error(ErrorCode::kInvalidArgument, "http: Request has both a body and a body_stream");
  }
  bool has_body = streamed || !req.body.empty();
  if (!streamed && req.content_length > 0 && static_cast<int64_t>(req.body.size()) != req.content_length) {
    if (!has_body) {
      return Error(ErrorCode::kInvalidArgument,
                   "http: Request.ContentLength=" + std::to_string(req.content_length) +
                       " with nil Body");
    }
    return Error(ErrorCode::kInvalidArgument,
                 "http: ContentLength=" + std::to_string(req.content_length) +
                     " with Body length " + std::to_string(req.body.size()));
  }
  bool chunked = SendsChunked(req);

  size_t reserve = method.size() + ruri.size() + host.size() + req.body.size() + 128;
  for (const Header::Field& f : req.header) reserve += f.key.size() + f.value.size() + 4;
  // Every check is done: from here on we only append, straight into out.
  std::string& s = *out;
  s.reserve(s.size() + reserve);
  {
    HeadPieces head(&s);
    head.Add(method).Add(" "sv).Add(ruri).Add(" HTTP/1.1\r\nHost: "sv).Add(host).Add("\r\n"sv);
    std::string_view ua = caller_ua != nullptr ? std::string_view(*caller_ua) : kDefaultUserAgent;
    if (!ua.empty()) head.Add("User-Agent: "sv).Add(ua).Add("\r\n"sv);
    if ((req.close || opts.force_close) && !HasToken(req.header.Get("Connection"), "close")) {
      head.Add("Connection: close\r\n"sv);
    }
    if (chunked) {
      head.Add("Transfer-Encoding: chunked\r\n"sv);
      if (!req.trailer.empty()) AddTrailerField(req.trailer, &head);
    } else if (has_body || MethodExpectsBody(method)) {
      int64_t length = streamed ? req.content_length : static_cast<int64_t>(req.body.size());
      head.Add("Content-Length: "sv).AddDecimal(length).Add("\r\n"sv);
    }
    for (const Header::Field& f : req.header) {
      if (Excluded(f.key)) continue;
      if (!opts.proxy_authorization.empty() && f.key == "Proxy-Authorization") continue;
      head.Add(f.key).Add(": "sv).Add(f.value).Add("\r\n"sv);
    }
    if (!opts.proxy_authorization.empty()) {
      head.Add("Proxy-Authorization: "sv).Add(opts.proxy_authorization).Add("\r\n"sv);
    }
    if (opts.accept_gzip) head.Add("Accept-Encoding: gzip\r\n"sv);
    head.Add("\r\n"sv);
  }  // (the head is in s from here)
  if (streamed) return Error();  // (the body follows from its source: persist_conn.cc)
  if (chunked) {
    AppendChunk(&s, req.body);
    AppendLastChunk(req.trailer, nullptr, &s);
  } else {
    s.append(req.body);
  }
  return Error();
}

void WriteConnect(std::string_view addr, std::string_view proxy_authorization, std::string* out) {
  std::string& s = *out;
  s.append("CONNECT "sv).append(addr).append(" HTTP/1.1\r\nHost: "sv).append(addr).append("\r\n"sv);
  s.append("User-Agent: "sv).append(kDefaultUserAgent).append("\r\n"sv);
  if (!proxy_authorization.empty()) {
    s.append("Proxy-Authorization: "sv).append(proxy_authorization).append("\r\n"sv);
  }
  s.append("\r\n"sv);
}

}  // namespace nethttp
