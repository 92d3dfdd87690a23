// NewRequest builds a client Request: Go's http.NewRequestWithContext
// (net/http/request.go). Sans-I/O; the Transport serialises and sends it,
// and the server side fills Request from the parser instead.
#include "nethttp/request.h"

#include <string>
#include <string_view>
#include <utility>

#include "internal/ascii.h"
#include "internal/base64.h"
#include "internal/stream_body.h"
#include "nethttp/media_type.h"
#include "nethttp/method.h"
#include "nethttp/multipart.h"

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

// CheckBodyRead refuses to parse a form from r.body while the body is
// still streaming to the handler: an empty form would be a wrong answer.
Error CheckBodyRead(const Request& r, std::string_view what) {
  if (r.body.empty() && r.body_stream != nullptr && r.content_length != 0) {
    // (An empty chunked body, which Body() replays from r.body, is whole.)
    const auto* replay = dynamic_cast<const StreamBody*>(r.body_stream.get());
    if (replay != nullptr && replay->replays_string) return {};
    return Error(ErrorCode::kInvalidArgument,
                 "http: " + std::string(what) + ": the body is streamed to this handler; read it into r.body first");
  }
  return {};
}

// MultipartByReader marks a request whose body went to MultipartReader, as
// Go's multipartByReader does: an empty form, so that multipart_form is not
// null and ParseMultipartForm knows to refuse.
const std::shared_ptr<MultipartForm>& MultipartByReader() {
  static const auto* by_reader = new std::shared_ptr<MultipartForm>(std::make_shared<MultipartForm>());
  return *by_reader;
}

// MultipartBoundary is Go's multipartReader without the reader: the
// boundary of a multipart/form-data (or, allow_mixed, multipart/mixed) body.
Result<std::string> MultipartBoundary(const Request& r, bool allow_mixed) {
  const Error not_multipart(ErrorCode::kNotMultipart, "request Content-Type isn't multipart/form-data");
  Result<MediaType> media = ParseMediaType(r.header.Get("Content-Type"));
  if (!media.ok()) return not_multipart;
  if (media->type != "multipart/form-data" && !(allow_mixed && media->type == "multipart/mixed")) {
    return not_multipart;
  }
  auto it = media->params.find("boundary");
  if (it == media->params.end()) return Error(ErrorCode::kBadRequest, "no multipart boundary param in Content-Type");
  return std::move(it->second);
}

// AddMultipartValues is the end of Go's ParseMultipartForm: the form's
// plain fields join form and post_form (golang.org/issue/9305).
void AddMultipartValues(Request& r, std::shared_ptr<MultipartForm> f) {
  if (!r.post_form) r.post_form.emplace();
  if (!r.form) r.form.emplace();
  for (const auto& [key, values] : f->value) {
    for (const std::string& v : values) {
      r.form->Add(key, v);
      r.post_form->Add(key, v);
    }
  }
  r.multipart_form = std::move(f);
}

// ParsePostForm is Go's parsePostForm: the fields of an urlencoded body.
// Any other type (multipart/form-data included, which is the multipart
// reader's) gives no fields and no error.
Error ParsePostForm(const Request& r, Values* out) {
  std::string_view type = r.header.Get("Content-Type");
  // RFC 9110 §8.3: a missing type MAY be taken as application/octet-stream.
  if (type.empty()) return {};
  Result<MediaType> media = ParseMediaType(type);
  Error err = media.error();
  std::string base;
  if (media.ok()) {
    base = std::move(media->type);
  } else if (err.message() == "mime: invalid media parameter") {
    // Go's ParseMediaType returns the type beside this error, and
    // parsePostForm reads the body by it, returning the error too.
    base = ToLower(TrimSpace(type.substr(0, type.find(';'))));
  } else {
    return err;
  }
  if (base != "application/x-www-form-urlencoded") return err;
  if (r.body.size() > kMaxFormBytes) return Error(ErrorCode::kBodyTooLarge, "http: POST too large");
  if (Error streamed = CheckBodyRead(r, "ParseForm")) return streamed;
  Error parse_err = out->AddQuery(r.body);
  return err ? err : parse_err;
}

}  // namespace

Error Request::ParseForm() {
  Error err;
  if (!post_form) {
    post_form.emplace();
    if (method == MethodPost || method == MethodPut || method == MethodPatch) err = ParsePostForm(*this, &*post_form);
  }
  if (!form) {
    // Go: the body's values first, then the query's, under each name.
    form.emplace(*post_form);
    Error query_err = form->AddQuery(url.raw_query);
    if (!err) err = std::move(query_err);
  }
  return err;
}

Error Request::ParseMultipartForm(int64_t max_memory) {
  if (multipart_form == MultipartByReader()) {
    return Error(ErrorCode::kInvalidArgument, "http: multipart handled by MultipartReader");
  }
  Error parse_form_err;
  if (!form) parse_form_err = ParseForm();  // returned at the end, as in Go
  if (multipart_form != nullptr) return {};
  Result<std::string> boundary = MultipartBoundary(*this, /*allow_mixed=*/false);
  if (!boundary.ok()) return boundary.error();
  if (Error streamed = CheckBodyRead(*this, "ParseMultipartForm")) return streamed;
  Result<std::shared_ptr<MultipartForm>> f = ReadMultipartForm(body, *boundary, max_memory);
  if (!f.ok()) return f.error();
  AddMultipartValues(*this, std::move(f).value());
  return parse_form_err;
}

void Request::ParseMultipartForm(int64_t max_memory, std::function<void(Error)> done) {
  // A body still to stream is read as it comes; anything else is in r.body.
  if (body_stream == nullptr || !body.empty() || multipart_form != nullptr) {
    done(ParseMultipartForm(max_memory));
    return;
  }
  Error parse_form_err;
  if (!form) parse_form_err = ParseForm();
  Result<std::string> boundary = MultipartBoundary(*this, /*allow_mixed=*/false);
  if (!boundary.ok()) return done(boundary.error());
  Result<std::shared_ptr<nethttp::MultipartReader>> reader = NewMultipartReader(Body(), *boundary);
  if (!reader.ok()) return done(reader.error());
  (*reader)->ReadForm(max_memory, [this, parse_form_err, done = std::move(done)](
                                      Result<std::shared_ptr<MultipartForm>> f) {
    if (!f.ok()) return done(f.error());
    AddMultipartValues(*this, std::move(f).value());
    done(parse_form_err);
  });
}

Result<std::shared_ptr<nethttp::MultipartReader>> Request::MultipartReader() {
  if (multipart_form == MultipartByReader()) {
    return Error(ErrorCode::kInvalidArgument, "http: MultipartReader called twice");
  }
  if (multipart_form != nullptr) {
    return Error(ErrorCode::kInvalidArgument, "http: multipart handled by ParseMultipartForm");
  }
  Result<std::string> boundary = MultipartBoundary(*this, /*allow_mixed=*/true);
  if (!boundary.ok()) return boundary.error();
  Result<std::shared_ptr<nethttp::MultipartReader>> reader = NewMultipartReader(Body(), *boundary);
  if (reader.ok()) multipart_form = MultipartByReader();
  return reader;
}

Result<const FileHeader*> Request::FormFile(std::string_view key) {
  if (multipart_form == MultipartByReader()) {
    return Error(ErrorCode::kInvalidArgument, "http: multipart handled by MultipartReader");
  }
  if (multipart_form == nullptr) {
    if (Error err = ParseMultipartForm(kDefaultMaxMemory)) return err;
  }
  auto it = multipart_form->file.find(key);
  if (it == multipart_form->file.end() || it->second.empty()) {
    return Error(ErrorCode::kMissingFile, "http: no such file");
  }
  return &it->second.front();
}

std::string_view Request::FormValue(std::string_view key) {
  if (!form) ParseMultipartForm(kDefaultMaxMemory);  // errors ignored, as in Go
  return form ? form->Get(key) : std::string_view();
}

std::string_view Request::PostFormValue(std::string_view key) {
  if (!post_form) ParseMultipartForm(kDefaultMaxMemory);
  return post_form ? post_form->Get(key) : std::string_view();
}

std::vector<nethttp::Cookie> Request::Cookies() const { return ReadCookies(header); }

Result<nethttp::Cookie> Request::Cookie(std::string_view name) const {
  std::vector<nethttp::Cookie> found = ReadCookies(header, name);
  if (found.empty()) return Error(ErrorCode::kNoCookie, "http: named cookie not present");
  return std::move(found.front());
}

void Request::AddCookie(const nethttp::Cookie& c) { nethttp::AddCookie(header, c); }

std::optional<BasicAuthCredentials> Request::BasicAuth() const {
  constexpr std::string_view kPrefix = "Basic ";
  std::string_view auth = header.Get("Authorization");
  // Go: a case-insensitive prefix match (golang.org/issue/22736).
  if (auth.size() < kPrefix.size() || !EqualFold(auth.substr(0, kPrefix.size()), kPrefix)) return std::nullopt;
  std::optional<std::string> decoded = Base64Decode(auth.substr(kPrefix.size()));
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicAuthCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

void Request::SetBasicAuth(std::string_view username, std::string_view password) {
  std::string credentials;
  credentials.reserve(username.size() + 1 + password.size());
  credentials.append(username).append(1, ':').append(password);
  header.Set("Authorization", "Basic " + Base64Encode(credentials));
}

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
    b->replays_string = true;
    b->Deliver(body);
    b->End(Error(), trailer);
    body_stream = std::move(b);
  }
  return body_stream;
}

}  // namespace nethttp
