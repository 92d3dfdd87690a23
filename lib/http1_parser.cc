// The HTTP/1.x parser for both directions, on llhttp 8.1. llhttp does the
// tokenising; this file adds what Go's readRequest/readTransfer check on top
// (Host rules, Transfer-Encoding, Expect, limits) and turns every failure into
// one Error. Go: net/http/request.go readRequest, transfer.go readTransfer.
#include "internal/http1_parser.h"

#include <llhttp.h>

#include <array>
#include <cassert>
#include <cstdint>
#include <string>
#include <utility>

#include "internal/ascii.h"
#include "internal/transfer.h"
#include "nethttp/status.h"

namespace nethttp {
namespace {




// kHostByte marks the bytes Go's httpguts.ValidHostHeader allows in a
// host[:port] (including IPv6 literals and reg-names with sub-delims): a
// table, since every request's Host goes through it.
constexpr auto kHostByte = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : std::string_view("!$%&'()*+,-.:;=[]_~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool ValidHostHeader(std::string_view h) {
  for (unsigned char c : h) {
    if (!kHostByte[c]) return false;
  }
  return true;
}

Error FromLlhttp(Http1Parser::Type type, llhttp_errno_t err, const char* reason) {
  std::string why = reason != nullptr ? reason : llhttp_errno_name(err);
  if (type == Http1Parser::Type::kResponse) {
    return Error(ErrorCode::kMalformedResponse, "http: malformed response: " + why);
  }
  // Everything llhttp refuses in a request is a malformed request (400).
  // The two verdicts that are not 400 are ours: 505 comes from the request
  // line's scanner, 501 from ClassifyTransferEncoding.
  return Error(ErrorCode::kBadRequest, "http: malformed request: " + why);
}

}  // namespace

void MessageHead::Reset() {
  method.clear();
  target.clear();
  status_code = 0;
  reason.clear();
  proto_major = 1;
  proto_minor = 1;
  header.clear();
  trailer.clear();
  content_length = 0;
  chunked = false;
  keep_alive = true;
  expect_continue = false;
}

struct Http1Parser::LlhttpState {
  llhttp_t parser;
};

// Callbacks are the llhttp trampolines: they only recover the parser and
// forward (STYLE rule 7's shape, for llhttp).
struct Http1Parser::Callbacks {
  static Http1Parser* Self(llhttp_t* p) { return static_cast<Http1Parser*>(p->data); }
  static std::string_view View(const char* at, size_t n) { return {at, n}; }

  static int MessageBegin(llhttp_t* p) { return Self(p)->OnMessageBegin(); }
  static int Method(llhttp_t* p, const char* at, size_t n) { return Self(p)->OnMethod(View(at, n)); }
  static int Url(llhttp_t* p, const char* at, size_t n) { return Self(p)->OnUrl(View(at, n)); }
  static int Status(llhttp_t* p, const char* at, size_t n) { return Self(p)->OnStatus(View(at, n)); }
  static int Field(llhttp_t* p, const char* at, size_t n) { return Self(p)->OnHeaderField(View(at, n)); }
  static int Value(llhttp_t* p, const char* at, size_t n) { return Self(p)->OnHeaderValue(View(at, n)); }
  static int ValueComplete(llhttp_t* p) { return Self(p)->OnHeaderValueComplete(); }
  static int HeadersComplete(llhttp_t* p) { return Self(p)->OnHeadersComplete(); }
  static int Body(llhttp_t* p, const char* at, size_t n) { return Self(p)->OnBody(View(at, n)); }
  static int MessageComplete(llhttp_t* p) { return Self(p)->OnMessageComplete(); }
  static int ChunkHeader(llhttp_t* p) { return Self(p)->OnChunkHeader(); }

  static const llhttp_settings_t& Settings() {
    static const llhttp_settings_t settings = [] {
      llhttp_settings_t s;
      llhttp_settings_init(&s);
      s.on_message_begin = MessageBegin;
      s.on_method = Method;
      s.on_url = Url;
      s.on_status = Status;
      s.on_header_field = Field;
      s.on_header_value = Value;
      s.on_header_value_complete = ValueComplete;
      s.on_headers_complete = HeadersComplete;
      s.on_body = Body;
      s.on_message_complete = MessageComplete;
      s.on_chunk_header = ChunkHeader;
      return s;
    }();
    return settings;
  }
};

Http1Parser::Http1Parser(Type type) : ll_(std::make_unique<LlhttpState>()), type_(type) {
  llhttp_init(&ll_->parser, type == Type::kRequest ? HTTP_REQUEST : HTTP_RESPONSE,
              &Callbacks::Settings());
  ll_->parser.data = this;
  // Go accepts Content-Length beside "Transfer-Encoding: chunked" and reads
  // the body as chunked, dropping the length (transfer.go fixLength), as RFC
  // 9112 §6.3 item 3 also allows. Strict llhttp rejects the pair, so we turn
  // on this one lenient flag and drop the length ourselves in
  // ValidateRequestHead. Pinned by http1_parser_test "CL beside chunked".
  llhttp_set_lenient_chunked_length(&ll_->parser, 1);
  // Strict llhttp refuses a Transfer-Encoding field that follows a final
  // "chunked", in a trailer too, where the field means nothing and must
  // not change the framing (RFC 9110 §6.5.1). With this flag llhttp lets
  // it through, and the rule it enforced is ours instead: a head's
  // Transfer-Encoding is exactly "chunked" or the message is refused
  // (ValidateRequestHead, ValidateResponseHead), and a trailer's is dropped
  // (AllowedInTrailer). Pinned by http1_parser_test "fields a trailer may
  // not hold are dropped".
  llhttp_set_lenient_transfer_encoding(&ll_->parser, 1);
}

Http1Parser::~Http1Parser() = default;

int Http1Parser::Fail(ErrorCode code, std::string message) {
  if (!error_) error_ = Error(code, std::move(message));
  return HPE_USER;
}

std::string Http1Parser::HeaderTooLargeMessage() const {
  // Go's words for each side: the server's 431 body, the client's error.
  return type_ == Type::kRequest ? "http: request header too large"
                                 : "http: malformed response: header too large";
}

void Http1Parser::SetPhase(Phase next) {
  // The one diagram of a message; llhttp calls the hooks in this order.
  [[maybe_unused]] auto legal = [this](Phase to) {
    switch (phase_) {
      case Phase::kIdle: return to == Phase::kHead;
      case Phase::kHead: return to == Phase::kHeadParsed;
      case Phase::kHeadParsed: return to == Phase::kBody;
      case Phase::kBody: return to == Phase::kTrailerStart || to == Phase::kComplete;
      case Phase::kTrailerStart: return to == Phase::kTrailer;
      case Phase::kTrailer: return to == Phase::kComplete;
      case Phase::kComplete: return false;
    }
    return false;
  };
  assert(legal(next));
  phase_ = next;
}

int Http1Parser::OnMessageBegin() {
  SetPhase(Phase::kHead);
  return HPE_OK;
}

int Http1Parser::OnMethod(std::string_view s) {
  head_.method.append(s);
  return HPE_OK;
}

int Http1Parser::OnUrl(std::string_view s) {
  head_.target.append(s);
  return HPE_OK;
}

int Http1Parser::OnStatus(std::string_view s) {
  head_.reason.append(s);
  return HPE_OK;
}

void Http1Parser::Span::Append(std::string_view s) {
  if (!owned_) {
    if (view_.empty()) {
      view_ = s;
      return;
    }
    if (view_.data() + view_.size() == s.data()) {  // (the next piece of one Feed)
      view_ = std::string_view(view_.data(), view_.size() + s.size());
      return;
    }
    Keep();
  }
  copy_.append(s);
}

void Http1Parser::Span::Copy() {
  copy_.assign(view_);
  view_ = {};
  owned_ = true;
}

void Http1Parser::Span::clear() {
  view_ = {};
  copy_.clear();
  owned_ = false;
}

int Http1Parser::OnHeaderField(std::string_view s) {
  field_.Append(s);
  return HPE_OK;
}

int Http1Parser::OnHeaderValue(std::string_view s) {
  value_.Append(s);
  return HPE_OK;
}

int Http1Parser::OnHeaderValueComplete() {
  if (max_header_fields_ > 0 && ++header_fields_ > max_header_fields_) {
    return Fail(ErrorCode::kHeaderTooLarge, type_ == Type::kRequest
                                                ? "http: too many header fields"
                                                : "http: malformed response: too many header fields");
  }
  std::string_view field = field_.get();
  if (field.empty()) {
    // llhttp 8.1 takes ": v" as a field with an empty name. RFC 9112 §5
    // makes the name a token, so a request with one is malformed (400),
    // where Go's textproto skips the line ("better to be liberal"). From a
    // server we keep Go's leniency and skip it: no Header ever holds an
    // empty key. Pinned by http1_parser_test "an empty field name".
    if (type_ == Type::kRequest) return Fail(ErrorCode::kBadRequest, "http: empty header field name");
    value_.clear();
    return HPE_OK;
  }
  std::string key = CanonicalHeaderKey(field);
  std::string_view value = TrimOws(value_.get());
  // Go's server refuses any control byte but HTAB in a value (server.go
  // readRequest: "invalid header value"); llhttp 8.1 in its default mode
  // lets some through (NUL among them). The client side keeps Go's
  // leniency toward servers but never lets CR or LF through.
  if (!ValidHeaderFieldValue(value)) {
    if (type_ == Type::kRequest) return Fail(ErrorCode::kBadRequest, "http: invalid header value");
    return Fail(ErrorCode::kMalformedResponse, "http: malformed response: invalid header value");
  }
  if (phase_ == Phase::kTrailer) {
    // A trailer field that would frame, route or authenticate the message
    // is dropped, never acted on (see AllowedInTrailer).
    if (AllowedInTrailer(key)) head_.trailer.Append(std::move(key), value);
    field_.clear();
    value_.clear();
    return HPE_OK;
  }
  // The fields the head checks need, counted as they come; their lengths
  // rule out every other field but a few without comparing a byte.
  std::string_view k = key;
  switch (k.size()) {
    case 4:
      if (k == "Host") {
        ++host_fields_;
        // Checked here, with the value in hand, rather than looked up
        // again in ValidateRequestHead.
        if (!ValidHostHeader(value)) host_malformed_ = true;
      }
      break;
    case 6:
      if (k == "Expect") ++expect_fields_;
      break;
    case 10:
      if (k == "Connection") ++connection_fields_;
      break;
    case 14:
      if (k == "Content-Length") ++content_length_fields_;
      break;
    case 17:
      if (k == "Transfer-Encoding") ++transfer_encoding_fields_;
      break;
    default:
      break;
  }
  head_.header.Append(std::move(key), value);
  field_.clear();
  value_.clear();
  return HPE_OK;
}

Error Http1Parser::ValidateResponseHead() {
  // llhttp takes one to three digits for the status code; RFC 9112 §4 says
  // three, and RFC 9110 §15 gives them the range 100-599. Go refuses a code
  // of other than three digits ("malformed HTTP status code"); a code below
  // 100 is the one that gets through llhttp. Pinned by
  // http1_parser_test "a status code below 100 is a malformed response".
  if (head_.status_code < 100) {
    return Error(ErrorCode::kMalformedResponse, "http: malformed response: malformed HTTP status code \"" +
                                                    std::to_string(head_.status_code) + "\"");
  }
  // Go 1.19 readTransfer applies the same Transfer-Encoding rule to
  // responses as to requests: one field, and it is "chunked". llhttp would
  // read any other coding to the close and hand its bytes back as if they
  // were plain. Pinned by fuzz_regressions_test.
  // Go applies it from HTTP/1.1 on and ignores the field on 1.0; llhttp
  // does not ignore it (it reads such a body to the close, whatever the
  // Content-Length says), so we apply it to every version: a 1.0 response
  // with a coding other than chunked is refused, not misframed. Found by
  // response_parser_fuzz (corpus regress-http10-te).
  if (transfer_encoding_fields_ > 0) {
    if (transfer_encoding_fields_ > 1 || !head_.chunked ||
        !EqualFold(TrimOws(head_.header.Get("Transfer-Encoding")), "chunked")) {
      return Error(ErrorCode::kMalformedResponse,
                   "http: malformed response: unsupported transfer encoding");
    }
  }
  return Error();
}

bool Http1Parser::ConnectionHas(std::string_view token) const {
  // llhttp matches "close" only as the whole value or a list item without
  // trailing whitespace; Go's hasToken trims each item, so "close<TAB>"
  // closes there (tests/diff F2). llhttp also reads a folded field by its
  // first line: "keep-alive" then "\r\n 200 OK" keeps an HTTP/1.0
  // connection for llhttp, but Go (and our Header) see "keep-alive 200 OK",
  // which is no keep-alive (found by response_parser_fuzz). Asking our own
  // header covers all of these.
  if (connection_fields_ == 0) return false;
  for (const Header::Field& f : head_.header) {
    if (f.key == "Connection" && HasToken(f.value, token)) return true;
  }
  return false;
}

Error Http1Parser::ValidateRequestHead() {
  // Go: http1ServerSupportsRequest. Only HTTP/1.x is spoken on this port.
  if (head_.proto_major != 1) {
    return Error(ErrorCode::kVersionNotSupported, "http: unsupported protocol version");
  }
  if (transfer_encoding_fields_ > 0) {
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty
    // framing. Go ignores the field for 1.0 and frames by Content-Length,
    // which is how requests get smuggled past a proxy that does not; we
    // follow the RFC and refuse. Pinned by http1_parser_test "TE on 1.0".
    if (head_.proto_minor == 0) {
      return Error(ErrorCode::kBadRequest, "http: Transfer-Encoding in an HTTP/1.0 request");
    }
    // Exactly one field, exactly "chunked" (see ClassifyTransferEncoding).
    if (transfer_encoding_fields_ > 1) {
      return Error(ErrorCode::kBadRequest, "http: more than one Transfer-Encoding field");
    }
    switch (ClassifyTransferEncoding(head_.header.Get("Transfer-Encoding"))) {
      case TransferCoding::kChunked:
        // llhttp decides chunked by its own matching of the field, which
        // takes "chunked<TAB>" for another coding where trimming OWS, as
        // Go does, reads "chunked". They must agree, or llhttp frames the
        // body "until EOF" and the connection desyncs (tests/diff F1).
        if (!head_.chunked) {
          return Error(ErrorCode::kBadRequest, "http: malformed Transfer-Encoding");
        }
        break;
      case TransferCoding::kUnsupported:
        return Error(ErrorCode::kUnsupportedTransferEncoding, "http: unsupported transfer encoding");
      case TransferCoding::kMalformed:
        return Error(ErrorCode::kBadRequest, "http: malformed Transfer-Encoding");
    }
  }
  // Go: "missing required Host header" / "too many Host headers".
  if (host_fields_ > 1) return Error(ErrorCode::kBadRequest, "http: too many Host headers");
  if (host_fields_ == 0 && head_.proto_minor >= 1) {
    return Error(ErrorCode::kBadRequest, "http: missing required Host header");
  }
  if (host_malformed_) {
    return Error(ErrorCode::kBadRequest, "http: malformed Host header");
  }
  // Go: only "100-continue" is understood; any other expectation is 417.
  if (expect_fields_ > 0) {
    if (!EqualFold(head_.header.Get("Expect"), "100-continue")) {
      return Error(ErrorCode::kExpectationFailed, "http: unknown Expect header");
    }
    head_.expect_continue = head_.proto_minor >= 1;
  }
  return Error();
}

int Http1Parser::OnHeadersComplete() {
  llhttp_t* p = &ll_->parser;
  SetPhase(Phase::kHeadParsed);
  head_.proto_major = p->http_major;
  head_.proto_minor = p->http_minor;
  head_.chunked = (p->flags & F_CHUNKED) != 0;
  head_.keep_alive = llhttp_should_keep_alive(p) != 0 && !ConnectionHas("close") &&
                     (head_.proto_minor != 0 || ConnectionHas("keep-alive"));
  if (head_.chunked) {
    head_.content_length = -1;
    if (content_length_fields_ > 0) {
      // The length beside chunked is dropped, as Go does (see constructor),
      // but the connection is not kept: RFC 9112 §6.1 says a server MUST
      // close after answering such a request, since a peer that framed it
      // by the length disagrees with us about where the next one starts.
      // Go 1.19 keeps it open; we follow the RFC. Pinned by
      // http1_parser_test "CL beside chunked".
      head_.header.Del("Content-Length");
      head_.keep_alive = false;
    }
  } else if (p->flags & F_CONTENT_LENGTH) {
    // llhttp takes any 64-bit length; Go's parseContentLength refuses what
    // does not fit an int64 (strconv.ParseUint(cl, 10, 63)), and so do we,
    // rather than let a huge length wrap negative.
    if (p->content_length > static_cast<uint64_t>(INT64_MAX)) {
      return type_ == Type::kRequest
                 ? Fail(ErrorCode::kBadRequest, "http: bad Content-Length")
                 : Fail(ErrorCode::kMalformedResponse, "http: malformed response: bad Content-Length");
    }
    head_.content_length = static_cast<int64_t>(p->content_length);
  } else {
    head_.content_length = 0;
  }

  if (type_ == Type::kRequest) {
    head_.method = llhttp_method_name(static_cast<llhttp_method_t>(p->method));
    if (Error err = ValidateRequestHead()) {
      error_ = std::move(err);
      return HPE_USER;
    }
    // (With stop_after_head the caller decides, in AcceptBody.)
    if (!stop_after_head_ && max_body_bytes_ > 0 && head_.content_length > max_body_bytes_) {
      return Fail(ErrorCode::kBodyTooLarge, "http: request body too large");
    }
    // An Upgrade or CONNECT request ends the HTTP/1 conversation as far as
    // we are concerned: we answer it, then close (there is no Hijack yet).
    if (p->upgrade) head_.keep_alive = false;
    if (p->method == HTTP_CONNECT) {
      // llhttp reads no content after a CONNECT head (RFC 9110 §9.3.6: a
      // CONNECT request has none), so the head must not promise a body the
      // handler will never see. Go would read the declared body; both are
      // allowed, and ours keeps the framing and the bytes in agreement.
      // Pinned by fuzz_regressions_test "a CONNECT head frames the body it gets".
      head_.content_length = 0;
      head_.chunked = false;
    }
    SetPhase(Phase::kBody);
    if (stop_after_head_ && (head_.chunked || head_.content_length > 0)) {
      paused_after_head_ = true;
      return HPE_PAUSED;
    }
    return HPE_OK;
  }

  head_.status_code = p->status_code;
  if (Error err = ValidateResponseHead()) {
    error_ = std::move(err);
    return HPE_USER;
  }
  // A 1xx response, a response to HEAD, 204 and 304 carry no body, whatever
  // their framing fields say (RFC 9112 §6.3 item 1).
  bool no_body = response_to_head_ || !BodyAllowedForStatus(head_.status_code);
  if (!head_.chunked && !(p->flags & F_CONTENT_LENGTH) && !no_body) {
    head_.content_length = -1;  // delimited by the connection's close
    head_.keep_alive = false;
  }
  SetPhase(Phase::kBody);
  return no_body ? 1 : HPE_OK;
}

int Http1Parser::OnBody(std::string_view s) {
  body_bytes_ += static_cast<int64_t>(s.size());
  if (max_body_bytes_ > 0 && !body_limit_lifted_ && body_bytes_ > max_body_bytes_) {
    return Fail(ErrorCode::kBodyTooLarge, "http: request body too large");
  }
  if (body_sink_) {
    body_sink_(s);
  } else {
    body_.append(s);
  }
  return HPE_OK;
}

int Http1Parser::OnChunkHeader() {
  // The last chunk (size 0): trailer lines follow, which Feed bounds as it
  // bounds a head (and, in a request, checks for bare LFs), so it pauses
  // here to know where they start.
  if (ll_->parser.content_length == 0) {
    SetPhase(Phase::kTrailerStart);
    return HPE_PAUSED;
  }
  return HPE_OK;
}

int Http1Parser::OnMessageComplete() {
  SetPhase(Phase::kComplete);
  // llhttp reads a Connection field in a chunked body's trailer as the
  // message's own, and in strict mode then refuses every byte after the
  // message. Go ignores it there (RFC 9110 §6.5.1: such a field has no
  // meaning in a trailer); we cannot, so the connection ends after this
  // message instead, which a peer must always accept (tests/diff F12).
  if (head_.keep_alive && llhttp_should_keep_alive(&ll_->parser) == 0) head_.keep_alive = false;
  // One message per Feed: pausing here leaves pipelined bytes unconsumed
  // (llhttp 8.1 allows HPE_PAUSED from on_message_complete).
  return HPE_PAUSED;
}

// FindBareLf returns the offset of the first LF in data not preceded by a
// CR (prev is the byte before data), or npos.
size_t FindBareLf(std::string_view data, char prev) {
  for (size_t i = data.find('\n'); i != std::string_view::npos; i = data.find('\n', i + 1)) {
    if ((i == 0 ? prev : data[i - 1]) != '\r') return i;
  }
  return std::string_view::npos;
}

bool Http1Parser::InLineRegion() const {
  return type_ == Type::kRequest && InHeadOrTrailer();
}

Http1Parser::FeedResult Http1Parser::Feed(std::string_view data) {
  FeedResult r = FeedPieces(data);
  // A field still being read may lie in data, which the caller reuses.
  field_.Keep();
  value_.Keep();
  return r;
}

Http1Parser::FeedResult Http1Parser::FeedPieces(std::string_view data) {
  if (error_) return {Status::kError, 0};
  if (phase_ == Phase::kComplete) return {Status::kMessageComplete, 0};
  if (data.empty()) return {Status::kNeedMore, 0};

  // llhttp runs over data in pieces, so that two rules hold exactly
  // wherever the bytes are cut (fuzz_regressions_test grinds both):
  //  - A request's head and trailer lines end in CRLF. llhttp 8.1's strict
  //    mode refuses a bare LF inside a field line but takes one after the
  //    request line and as the empty line that ends a head or a trailer,
  //    where a CRLF-strict peer would see no end. A piece stops before each
  //    bare LF met in those regions; the LF is refused if the region is
  //    still open when llhttp gets there. (Body bytes may hold any LF.)
  //  - A head ends within max_header_bytes raw bytes, line endings and
  //    empty lines before it included, and so does a trailer: a piece
  //    stops at that bound, and a head still open there is 431. Go bounds
  //    its read the same way, with 4096 bytes of slack on top of
  //    MaxHeaderBytes (server.go initialReadLimitSize); we have none.
  //  - A request line is exactly "method SP target SP HTTP/D.D CRLF": line_
  //    scans each piece first, and a piece stops at the byte it refuses.
  llhttp_t* p = &ll_->parser;
  size_t off = 0;
  if (llhttp_refused_version_) return FeedLineOnly(data);
  while (off < data.size()) {
    std::string_view piece = data.substr(off);
    bool at_bare_lf = false;
    if (InLineRegion()) {
      // Empty lines before a request line are filler that Go skips, CR or
      // LF alike (server.go numLeadingCRorLF), and so does llhttp.
      size_t from = 0;
      if (phase_ == Phase::kIdle) {
        while (from < piece.size() && (piece[from] == '\r' || piece[from] == '\n')) ++from;
      }
      char prev = from > 0 ? piece[from - 1] : (off == 0 ? last_byte_ : data[off - 1]);
      size_t lf = FindBareLf(piece.substr(from), prev);
      if (lf != std::string_view::npos) {
        piece = piece.substr(0, from + lf);
        at_bare_lf = true;
      }
    }
    bool at_limit = false;
    if (InHeadOrTrailer()) {
      size_t room = max_header_bytes_ > raw_head_bytes_ ? max_header_bytes_ - raw_head_bytes_ : 0;
      if (piece.size() >= room) {
        piece = piece.substr(0, room);
        at_limit = true;
        at_bare_lf = false;
      }
    }
    bool at_line_error = false;
    if (type_ == Type::kRequest && !line_.done()) {
      size_t n = line_.Scan(piece);
      if (line_.failed()) {
        // The refused byte comes before any cut above (those fall at the
        // piece's end), or it is the line's LF and the verdict is 505.
        piece = piece.substr(0, n);
        at_line_error = true;
        at_limit = at_bare_lf = false;
      }
    }
    llhttp_errno_t rc = piece.empty() ? HPE_OK : llhttp_execute(p, piece.data(), piece.size());
    if (rc == HPE_INVALID_VERSION && type_ == Type::kRequest && !line_.done()) {
      // llhttp knows only the versions 0.9, 1.0, 1.1, 2.0 and 3.0, and
      // refuses "HTTP/1.2" at its last digit, before the line is over. The
      // line decides between 400 (it goes on malformed) and 505 (it ends
      // well formed), so what is left of it goes to line_ alone.
      if (line_.failed()) {
        error_ = line_.error();
        return {Status::kError, off + piece.size()};
      }
      llhttp_refused_version_ = true;
      off += piece.size();
      last_byte_ = data[off - 1];
      FeedResult r = FeedLineOnly(data.substr(off));
      return {r.status, off + r.consumed};
    }
    if (rc != HPE_OK) {
      size_t at = 0;
      if (const char* pos = llhttp_get_error_pos(p); pos != nullptr && pos >= piece.data()) {
        at = static_cast<size_t>(pos - piece.data());
      }
      if (rc == HPE_PAUSED && phase_ == Phase::kTrailerStart) {
        // The last chunk's size line: trailer lines follow, so the scan
        // for bare LFs starts again from here.
        SetPhase(Phase::kTrailer);
        raw_head_bytes_ = 0;  // a trailer has a budget of its own, as large
        llhttp_resume(p);
        off += at;
        if (off > 0) last_byte_ = data[off - 1];
        continue;
      }
      off += at;
      if (rc == HPE_PAUSED && paused_after_head_) {
        // (The checks below concern head bytes, and the head is over.)
        paused_after_head_ = false;
        llhttp_resume(p);
        last_byte_ = off > 0 ? data[off - 1] : last_byte_;
        // A body that is all here already is read whole: there is nothing
        // to decide, and the small requests of a kept-alive connection
        // do not pay for a return to the caller. (One past max_body_bytes
        // is the caller's to decide still: a reader that streams it is
        // not bound by that limit, however TCP cut the bytes.)
        if (!head_.chunked && head_.content_length <= static_cast<int64_t>(data.size() - off) &&
            (max_body_bytes_ == 0 || head_.content_length <= max_body_bytes_)) {
          continue;
        }
        return {Status::kHeadComplete, off};
      }
      if ((rc == HPE_PAUSED || rc == HPE_PAUSED_UPGRADE) && phase_ == Phase::kComplete) {
        last_byte_ = off > 0 ? data[off - 1] : last_byte_;
        return {Status::kMessageComplete, off};
      }
      if (!error_) error_ = FromLlhttp(type_, rc, llhttp_get_error_reason(p));
      return {Status::kError, off};
    }
    // (A piece that ends a head may run into the body; the count is no
    // longer looked at then.)
    if (InHeadOrTrailer()) raw_head_bytes_ += piece.size();
    off += piece.size();
    last_byte_ = off > 0 ? data[off - 1] : last_byte_;
    if (at_line_error) {
      error_ = line_.error();
      return {Status::kError, off};
    }
    if (at_limit && InHeadOrTrailer()) {
      Fail(ErrorCode::kHeaderTooLarge, HeaderTooLargeMessage());
      return {Status::kError, off};
    }
    if (at_bare_lf && InLineRegion()) {  // (requests only: see InLineRegion)
      Fail(ErrorCode::kBadRequest, "http: malformed request: bare LF in a line ending");
      return {Status::kError, off};
    }
  }
  return {Status::kNeedMore, data.size()};
}

bool Http1Parser::AcceptBody(bool streamed) {
  if (streamed) {
    body_limit_lifted_ = true;
    return true;
  }
  if (max_body_bytes_ > 0 && head_.content_length > max_body_bytes_) {
    Fail(ErrorCode::kBodyTooLarge, "http: request body too large");
    return false;
  }
  return true;
}

Http1Parser::FeedResult Http1Parser::FeedLineOnly(std::string_view data) {
  size_t n = line_.Scan(data);
  if (line_.failed()) {
    error_ = line_.error();
    return {Status::kError, n};
  }
  if (line_.done()) {
    // (Unreachable: a version llhttp refuses is never 1.0 or 1.1.)
    error_ = Error(ErrorCode::kBadRequest, "http: malformed request line");
    return {Status::kError, n};
  }
  return {Status::kNeedMore, data.size()};
}

Http1Parser::FeedResult Http1Parser::Finish() {
  if (error_) return {Status::kError, 0};
  if (phase_ == Phase::kComplete) return {Status::kMessageComplete, 0};
  if (phase_ == Phase::kIdle) return {Status::kNeedMore, 0};
  llhttp_errno_t rc = llhttp_finish(&ll_->parser);
  if ((rc == HPE_OK || rc == HPE_PAUSED) && phase_ == Phase::kComplete) {
    return {Status::kMessageComplete, 0};
  }
  if (!error_) {
    error_ = Error(ErrorCode::kUnexpectedEof,
                   head_complete() ? "http: unexpected EOF reading body"
                                  : "http: unexpected EOF reading message head");
  }
  return {Status::kError, 0};
}

void Http1Parser::Reset() {
  llhttp_reset(&ll_->parser);
  phase_ = Phase::kIdle;  // (llhttp starts over: nothing to resume)
  NextMessage();
  error_ = Error();
  last_byte_ = '\0';
}

void Http1Parser::NextMessage() {
  if (phase_ == Phase::kComplete) {
    llhttp_errno_t rc = llhttp_get_errno(&ll_->parser);
    if (rc == HPE_PAUSED) llhttp_resume(&ll_->parser);
    if (rc == HPE_PAUSED_UPGRADE) llhttp_resume_after_upgrade(&ll_->parser);
  }
  head_.Reset();
  body_.clear();
  body_bytes_ = 0;
  body_limit_lifted_ = false;
  paused_after_head_ = false;
  field_.clear();
  value_.clear();
  header_fields_ = 0;
  raw_head_bytes_ = 0;
  content_length_fields_ = 0;
  transfer_encoding_fields_ = 0;
  host_fields_ = 0;
  host_malformed_ = false;
  expect_fields_ = 0;
  connection_fields_ = 0;
  line_.Reset();
  llhttp_refused_version_ = false;
  phase_ = Phase::kIdle;  // (any phase may end here: a message is dropped on error)
  response_to_head_ = false;
}

}  // namespace nethttp
