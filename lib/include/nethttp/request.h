// Request is Go's http.Request, used on both sides: the server builds one per
// message it reads; the client sends one built by NewRequest.
#ifndef NETHTTP_REQUEST_H_
#define NETHTTP_REQUEST_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/body.h"
#include "nethttp/cookie.h"
#include "nethttp/error.h"
#include "nethttp/header.h"
#include "nethttp/tls.h"
#include "nethttp/url.h"
#include "nethttp/values.h"

namespace nethttp {

class FileHeader;
class MultipartReader;
struct MultipartForm;

// BasicAuthCredentials are the user name and password of an Authorization:
// Basic header (Request::BasicAuth).
struct BasicAuthCredentials {
  std::string username;
  std::string password;
  bool operator==(const BasicAuthCredentials&) const = default;
};

// kMaxFormBytes bounds the urlencoded body ParseForm reads, as Go's
// parsePostForm does ("10 MB is a lot of text").
inline constexpr size_t kMaxFormBytes = 10 << 20;

struct Request {
  std::string method = "GET";
  URL url;
  std::string proto = "HTTP/1.1";
  int proto_major = 1;
  int proto_minor = 1;
  Header header;
  // body holds the whole request body when the server read it before the
  // handler ran, as it does unless the handler streams it (see
  // Handler::StreamsRequestBody); bounded by Server::max_body_bytes. A
  // handler that streams finds it empty and reads Body() instead.
  std::string body;
  // body_stream is the body as the server streams it to a handler that
  // asked to (null otherwise, and on the client). Read it through Body().
  std::shared_ptr<nethttp::Body> body_stream;
  // content_length is the body's declared length, -1 when unknown (chunked).
  int64_t content_length = 0;
  // close is true when the connection closes after this exchange
  // (Connection: close, or HTTP/1.0 without keep-alive).
  bool close = false;
  // host is the Host header or the authority of an absolute-form target.
  std::string host;
  // trailer holds the fields of a chunked body's trailer section; on the
  // server, once the body has been read. On the client it declares the
  // trailer to send (Go: Request.Trailer): its names go out in a Trailer
  // field, the body is sent chunked (the only framing that carries a
  // trailer), and the fields with a value follow it. A body_stream may
  // set values in its Trailer() before it ends, as a Go body sets them
  // before its EOF; those take the place of the same names' here. Names
  // that frame, route or authenticate a message are refused.
  Header trailer;
  // remote_addr is the peer's "ip:port" (server side); "@" for a peer on
  // a Unix-domain socket, as in Go.
  std::string remote_addr;
  // tls describes the connection's TLS on a server that serves https, and
  // is null on plain HTTP (Go: Request.TLS). Shared by the requests of one
  // connection; a handler may keep it.
  std::shared_ptr<const ConnectionState> tls;
  // request_uri is the unmodified request-target of the request line.
  std::string request_uri;
  // form is the parsed form: the URL's query and, for POST, PUT and PATCH,
  // the fields of an application/x-www-form-urlencoded body, the body's
  // values first (Go: Request.Form). nullopt until ParseForm runs, which
  // FormValue does when needed.
  std::optional<Values> form;
  // post_form holds the body's fields alone (Go: Request.PostForm).
  std::optional<Values> post_form;
  // multipart_form is the parsed multipart/form-data body (Go:
  // Request.MultipartForm), null until ParseMultipartForm. The server drops
  // it after the response, which removes its temporary files unless the
  // handler kept a copy of the pointer.
  std::shared_ptr<MultipartForm> multipart_form;

  // Body returns the request body as a stream (Go: Request.Body): the
  // bytes as they arrive when the server streams them, else a stream of
  // body (a copy, read at once), so a handler may use Body() either way.
  // Each call returns the same stream, which may be read once.
  std::shared_ptr<nethttp::Body> Body();

  // ParseForm fills form and post_form, once (Go: Request.ParseForm). The
  // body is read from r.body, where the server puts it for every handler
  // that does not stream (Handler::StreamsRequestBody); a handler that
  // streams reads the body into r.body first, or ParseForm fails rather
  // than answer with an empty form. A body over kMaxFormBytes is refused
  // ("http: POST too large"), as is a Content-Type that does not parse (one
  // with a bad parameter is still read by its type, as Go does), and a
  // query or body with a malformed pair, a ';' separator or more than
  // kMaxQueryPairs pairs is an error too; the fields that did parse are
  // kept, and form and post_form are set, as in Go. An empty body is an empty form (Go
  // says "missing form body" for a client request without one).
  Error ParseForm();
  // ParseMultipartForm parses a multipart/form-data body into
  // multipart_form, after ParseForm, and adds its plain fields to form and
  // post_form (Go: Request.ParseMultipartForm). Files up to max_memory in
  // all stay in memory, the rest go to temporary files (see
  // MultipartReader::ReadForm for the limits). The body is read from
  // r.body, as ParseForm reads it; a handler that streams its body uses the
  // overload below. Called again, it does nothing; after MultipartReader
  // it is an error. A Content-Type other than multipart/form-data fails
  // with kNotMultipart (Go: ErrNotMultipart).
  Error ParseMultipartForm(int64_t max_memory);
  // This ParseMultipartForm reads the body as it streams when the handler
  // streams it (Handler::StreamsRequestBody), files going to disk as they
  // arrive, so an upload larger than memory works; else it is the one
  // above. done runs on the loop once the form is parsed (maybe at once);
  // the Request must live until then (a held response keeps it).
  void ParseMultipartForm(int64_t max_memory, std::function<void(Error)> done);
  // MultipartReader returns a reader of the multipart/form-data or
  // multipart/mixed body's parts as they stream (Go:
  // Request.MultipartReader), for a handler that wants to process them
  // itself rather than parse the form. Using both it and
  // ParseMultipartForm on one request is an error.
  Result<std::shared_ptr<nethttp::MultipartReader>> MultipartReader();
  // FormFile returns the first file of the form field key, parsing the
  // form with kDefaultMaxMemory first if needed (Go: Request.FormFile).
  // No such file is an error of code kMissingFile ("http: no such file").
  // The pointer is multipart_form's, valid as long as it is.
  Result<const FileHeader*> FormFile(std::string_view key);

  // FormValue returns the first value of key in form, parsing it first
  // (ParseMultipartForm with kDefaultMaxMemory, which runs ParseForm) if
  // needed and ignoring errors, "" when absent (Go: FormValue). The view
  // lasts as long as form is not changed.
  std::string_view FormValue(std::string_view key);
  // PostFormValue is FormValue on post_form: the body's fields only.
  // Like Go's, it parses a multipart body too.
  std::string_view PostFormValue(std::string_view key);

  // Cookies parses the Cookie headers (Go: Request.Cookies).
  std::vector<nethttp::Cookie> Cookies() const;
  // Cookie returns the first cookie named name, or an error of code
  // kNoCookie ("http: named cookie not present").
  Result<nethttp::Cookie> Cookie(std::string_view name) const;
  // AddCookie adds c's name and value to the Cookie header, as the
  // free function AddCookie(header, c) does (Go: Request.AddCookie).
  void AddCookie(const nethttp::Cookie& c);

  // BasicAuth returns the credentials of an "Authorization: Basic" header,
  // or nullopt when there is none or it does not decode (Go: BasicAuth).
  // The scheme name is matched without regard to case.
  std::optional<BasicAuthCredentials> BasicAuth() const;
  // SetBasicAuth sets the Authorization header to Basic credentials. They
  // are not encrypted: send them over https. A colon in username makes
  // credentials the server cannot split; it is not checked, as in Go.
  void SetBasicAuth(std::string_view username, std::string_view password);

  // UserAgent and Referer return those headers ("" when absent); Referer
  // keeps the header's historic misspelling.
  std::string_view UserAgent() const { return header.Get("User-Agent"); }
  std::string_view Referer() const { return header.Get("Referer"); }

  // ProtoAtLeast reports whether the protocol is at least major.minor.
  bool ProtoAtLeast(int major, int minor) const {
    return proto_major > major || (proto_major == major && proto_minor >= minor);
  }
};

// NewRequest returns a Request for the client with the URL parsed and the
// body's length set (Go: http.NewRequest). The method defaults to GET when
// empty; an invalid method or URL is an error.
Result<Request> NewRequest(std::string_view method, std::string_view url, std::string body = {});

}  // namespace nethttp

#endif  // NETHTTP_REQUEST_H_
