// ServerResponse: framing decisions and serialisation of a server response.
// Go: server.go (*response).Write/WriteHeader/finishRequest and
// (*chunkWriter).writeHeader, which this follows rule by rule.
#include "internal/response_writer.h"

#include <charconv>
#include <cstring>
#include <string>

#include "internal/ascii.h"
#include "internal/head_pieces.h"
#include "internal/log.h"
#include "internal/transfer.h"
#include "nethttp/sniff.h"
#include "nethttp/status.h"

namespace nethttp {

// The head is built from literals; as string_views their lengths are known
// at compile time, where append(const char*) would run strlen on each.
using namespace std::string_view_literals;

namespace {

void AddStatusLine(HeadPieces* head, int proto_minor, int code) {
  if (code == StatusOK) {  // nearly every response: one piece, not five
    head->Add(proto_minor >= 1 ? "HTTP/1.1 200 OK\r\n"sv : "HTTP/1.0 200 OK\r\n"sv);
    return;
  }
  std::string_view text = StatusText(code);
  head->Add(proto_minor >= 1 ? "HTTP/1.1 "sv : "HTTP/1.0 "sv)
      .AddDecimal(code)
      .Add(" "sv)
      .Add(text.empty() ? "status code"sv : text)
      .Add("\r\n"sv);
}

// HasTrailers: the handler declared trailer fields ("Trailer") or set one
// with TrailerPrefix. One pass over the fields, a byte compare each: the
// common response has neither.
bool HasTrailers(const Header& h) {
  for (const auto& f : h) {
    if (f.key.size() >= 7 && f.key[0] == 'T' && f.key.compare(0, 7, "Trailer") == 0 &&
        (f.key.size() == 7 || f.key.compare(0, TrailerPrefix.size(), TrailerPrefix) == 0)) {
      return true;
    }
  }
  return false;
}

}  // namespace

// FinalTrailers gathers the trailer section at the body's end (Go:
// response.finalTrailers): the TrailerPrefix fields, and the current values
// of the fields the "Trailer" header declared. Go checks only the declared
// names against ValidTrailerHeader; we check both, since a prefixed
// Content-Length or Transfer-Encoding in a trailer is a framing field a
// careless recipient might merge into the head (RFC 9110 §6.5.1).
Header FinalTrailers(const Header& h) {
  Header t;
  for (const auto& f : h) {
    if (f.key.compare(0, TrailerPrefix.size(), TrailerPrefix) != 0) continue;
    std::string name = CanonicalHeaderKey(std::string_view(f.key).substr(TrailerPrefix.size()));
    if (ValidTrailerHeader(name)) t.Add(name, f.value);
  }
  for (std::string_view declared : h.Values("Trailer")) {
    ForEachListItem(declared, [&](std::string_view item) {
      std::string name = CanonicalHeaderKey(item);
      if (!ValidTrailerHeader(name)) return;
      for (std::string_view v : h.Values(name)) t.Add(name, v);
    });
  }
  return t;
}

void AppendHttpDate(std::time_t t, std::string* out) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                        tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                        tm.tm_sec);
  out->append(buf, static_cast<size_t>(n));
}

bool ServerResponse::BodyAllowed() const { return BodyAllowedForStatus(status_); }

void ServerResponse::WriteHeader(int code) {
  if (hijacked_) {
    Log().warn("http: response.WriteHeader on hijacked connection");  // (Go's words)
    return;
  }
  if (head_written_ || status_ != 0) {
    Log().warn("http: superfluous response.WriteHeader call ({} after {})", code, status_);
    return;
  }
  if (code < 100 || code > 999) {
    Log().error("http: invalid WriteHeader code {}", code);
    code = StatusInternalServerError;
  }
  // Go 1.19: an informational status other than 101 goes out at once with
  // the current header, and the final status is still to come.
  if (code >= 100 && code <= 199 && code != StatusSwitchingProtocols) {
    if (sink_ == nullptr || req_.proto_minor < 1) return;  // 1.0 has no 1xx
    std::string& out = sink_->Output();
    HeadPieces head(&out);
    AddStatusLine(&head, req_.proto_minor, code);
    AddFields(&head, header_);
    head.Add("\r\n"sv).Flush();
    sink_->OutputGrew();
    return;
  }
  status_ = code;
  if (std::string_view cl = header_.Get("Content-Length"); !cl.empty()) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), v);
    if (ec == std::errc() && end == cl.data() + cl.size() && v >= 0) {
      declared_length_ = v;
    } else {
      Log().warn("http: invalid Content-Length of \"{}\"", cl);
      header_.Del("Content-Length");
    }
  }
}

Error ServerResponse::Write(std::string_view data) {
  if (hijacked_) return Error(ErrorCode::kHijacked, "http: connection has been hijacked");
  if (sink_ == nullptr) {
    return Error(ErrorCode::kCanceled, "http: connection closed before the response was written");
  }
  if (finished_) return Error(ErrorCode::kInvalidArgument, "http: Write after the response finished");
  if (status_ == 0) WriteHeader(StatusOK);
  if (!BodyAllowed()) {
    return Error(ErrorCode::kInvalidArgument,
                 "http: request method or response status code does not allow body");
  }
  if (declared_length_ >= 0 && written_ + static_cast<int64_t>(data.size()) > declared_length_) {
    return Error(ErrorCode::kInvalidArgument, "http: wrote more than the declared Content-Length");
  }
  written_ += static_cast<int64_t>(data.size());
  if (!head_written_) {
    if (pending_.size() + data.size() <= kBufferBeforeChunking) {
      pending_.append(data);
      if (held_) sink_->OutputGrew();  // (sent at the end of the loop turn)
      return Error();
    }
    WriteHead(/*handler_done=*/false, data);
    AppendBody(pending_);
    pending_.clear();
  }
  AppendBody(data);
  sink_->OutputGrew();
  return Error();
}

void ServerResponse::WriteHead(bool handler_done, std::string_view more) {
  head_written_ = true;
  if (status_ == 0) status_ = StatusOK;
  std::string& out = sink_->Output();

  // The fields this head depends on, found in one pass over the
  // handler's header (where a lookup each was five passes).
  bool has_transfer_encoding = false, has_date = false, has_connection = false;
  bool connection_close = false, typed = false, type_empty = false;
  for (const Header::Field& f : header_) {
    switch (f.key.size()) {
      case 4:
        has_date = has_date || EqualFold(f.key, "Date");
        break;
      case 10:
        if (!has_connection && EqualFold(f.key, "Connection")) {
          has_connection = true;
          connection_close = EqualFold(f.value, "close");  // (the first value, as Get gives)
        }
        break;
      case 12:
        if (!typed && EqualFold(f.key, "Content-Type")) {
          typed = true;
          type_empty = f.value.empty();
        }
        break;
      case 17:
        has_transfer_encoding = has_transfer_encoding || EqualFold(f.key, "Transfer-Encoding");
        break;
      default:
        break;
    }
  }
  // The handler's own framing fields never reach the wire: framing is ours.
  if (has_transfer_encoding) header_.Del("Transfer-Encoding");
  int64_t content_length = -1;
  if (!BodyAllowed()) {
    framing_ = Framing::kNone;
    if (status_ == StatusNoContent) header_.Del("Content-Length");
  } else if (req_.head_request) {
    // Go: a HEAD response reports the length a GET would have had when the
    // handler wrote a small body and returned.
    framing_ = Framing::kNone;
    if (handler_done && declared_length_ < 0 && !pending_.empty()) {
      content_length = static_cast<int64_t>(pending_.size());
    }
  } else if (declared_length_ >= 0) {
    framing_ = Framing::kContentLength;
  } else if (handler_done && !HasTrailers(header_)) {  // (Go: trailers need chunking)
    framing_ = Framing::kContentLength;
    content_length = static_cast<int64_t>(pending_.size());
  } else if (req_.proto_minor >= 1) {
    framing_ = Framing::kChunked;
  } else {
    framing_ = Framing::kUntilClose;
  }

  close_after_ = req_.wants_close || !sink_->KeepAlivesAllowed() ||
                 framing_ == Framing::kUntilClose ||
                 connection_close ||
                 (req_.body_pending && sink_->UnreadBodyForcesClose());

  // An empty Content-Type is how a handler says "no type, do not sniff"
  // (Go: a Content-Type key with no values, which our Header cannot hold):
  // no line goes out for it.
  if (type_empty) header_.Del("Content-Type");
  out.reserve(out.size() + 160 + 48 * header_.size());
  HeadPieces head(&out);
  AddStatusLine(&head, req_.proto_minor, status_);
  AddFields(&head, header_);  // the handler's fields go between the status line and ours
  if (!has_date) head.Add("Date: "sv).Add(sink_->Date()).Add("\r\n"sv);
  if (!typed && BodyAllowed() && (!pending_.empty() || !more.empty())) {
    // Go sniffs the first 512 bytes written, even when the first Write is
    // too large to buffer (tests/diff F4).
    std::string_view sniff = pending_;
    std::string joined;
    if (pending_.size() < kSniffLen && !more.empty()) {
      joined.append(pending_).append(more.substr(0, kSniffLen - pending_.size()));
      sniff = joined;
    }
    head.Add("Content-Type: "sv).Add(DetectContentType(sniff)).Add("\r\n"sv);
  }
  if (content_length >= 0) head.Add("Content-Length: "sv).AddDecimal(content_length).Add("\r\n"sv);
  if (framing_ == Framing::kChunked) head.Add("Transfer-Encoding: chunked\r\n"sv);
  if (close_after_) {
    if (!has_connection) head.Add("Connection: close\r\n"sv);
  } else if (req_.proto_minor == 0) {
    // An HTTP/1.0 client asked for keep-alive and gets it (RFC 9112 §9.3).
    head.Add("Connection: keep-alive\r\n"sv);
  }
  head.Add("\r\n"sv);
}

void ServerResponse::AppendBody(std::string_view data) {
  if (data.empty() || req_.head_request || framing_ == Framing::kNone) return;
  std::string& out = sink_->Output();
  if (framing_ == Framing::kChunked) {
    AppendChunk(&out, data);
  } else {
    out.append(data);
  }
}

void ServerResponse::WriteTail() {
  if (finished_) return;
  finished_ = true;
  on_writable_ = nullptr;  // (they may hold this response: a cycle)
  close_notify_ = nullptr;
  if (sink_ == nullptr) return;
  if (!head_written_) {
    WriteHead(/*handler_done=*/true);
    AppendBody(pending_);
    pending_.clear();
  }
  if (framing_ == Framing::kChunked) {
    std::string& out = sink_->Output();
    if (HasTrailers(header_)) {
      out.append("0\r\n"sv);
      FinalTrailers(header_).Write(&out);
      out.append("\r\n"sv);
    } else {
      out.append(kLastChunk);
    }
  }
  // Go: a handler that wrote less than its declared Content-Length leaves
  // the peer waiting for bytes that never come; only a close tells it.
  if (declared_length_ >= 0 && written_ < declared_length_ && !req_.head_request && BodyAllowed()) {
    close_after_ = true;
  }
}

void ServerResponse::Recover() {
  if (finished_ || sink_ == nullptr) return;
  held_ = false;
  if (head_written_) {
    finished_ = true;
    close_after_ = true;
    return;
  }
  header_.clear();
  pending_.clear();
  status_ = 0;
  declared_length_ = -1;
  written_ = 0;
  req_.wants_close = true;  // Go closes the connection after a panic
  header_.Set("Content-Type", "text/plain; charset=utf-8");
  WriteHeader(StatusInternalServerError);
  Write("Internal Server Error\n");
  WriteTail();
}

void ServerResponse::RecoverHeld() {
  if (finished_ || sink_ == nullptr) return;
  Recover();
  sink_->ResponseFinished();
}

bool ServerResponse::CompleteUnlessHeld() {
  if (held_ && !finished_) return false;
  WriteTail();
  return true;
}

std::shared_ptr<ResponseWriter> ServerResponse::Hold() {
  held_ = true;
  return shared_from_this();
}

void ServerResponse::Finish() {
  if (finished_) return;
  WriteTail();
  if (held_ && sink_ != nullptr) sink_->ResponseFinished();
}

void ServerResponse::Abort() {
  if (finished_) return;
  // Finished without its tail: no last chunk, nothing held back sent, and
  // the connection closes after what is already out.
  finished_ = true;
  close_after_ = true;
  pending_.clear();
  on_writable_ = nullptr;
  close_notify_ = nullptr;
  if (held_ && sink_ != nullptr) sink_->ResponseFinished();
}

void ServerResponse::SendBuffered(bool even_empty) {
  if (sink_ == nullptr || finished_ || head_written_) return;
  if (pending_.empty() && !even_empty) return;
  if (status_ == 0) WriteHeader(StatusOK);
  WriteHead(/*handler_done=*/false);
  AppendBody(pending_);
  pending_.clear();
}

void ServerResponse::Flush() {
  if (sink_ == nullptr || finished_) return;
  SendBuffered(/*even_empty=*/true);
  sink_->SendNow();
}

bool ServerResponse::Writable() {
  // Gone, a Write fails at once rather than buffering: a writer that
  // waited for OnWritable would learn the same later.
  return sink_ == nullptr || sink_->Unsent() < kWriteHighWater;
}

void ServerResponse::OnWritable(std::function<void()> f) {
  if (sink_ == nullptr) {
    on_writable_ = nullptr;  // (a later call replaces an earlier f: OnWritable(nullptr) drops it)
    if (f) f();
    return;
  }
  on_writable_ = std::move(f);
  if (on_writable_) sink_->WantWritable();
}

void ServerResponse::CloseNotify(std::function<void()> f) {
  if (finished_) return;
  if (sink_ == nullptr || client_gone_) {
    close_notify_ = nullptr;
    if (f) f();  // Go: Done() of a context already canceled is ready at once
    return;
  }
  close_notify_ = std::move(f);
}

Result<std::shared_ptr<HijackedConn>> ServerResponse::Hijack() {
  if (hijacked_) return Error(ErrorCode::kHijacked, "http: connection has been hijacked");
  if (finished_) return Error(ErrorCode::kInvalidArgument, "http: Hijack after the response finished");
  if (sink_ == nullptr) {
    return Error(ErrorCode::kCanceled, "http: connection closed before the response was written");
  }
  if (status_ != 0 && !head_written_) SendBuffered(/*even_empty=*/true);
  // Over before the connection lets go of us (it detaches this response
  // from inside Hijack), so that no callback of ours runs; undone if the
  // connection refuses.
  hijacked_ = finished_ = true;
  Result<std::shared_ptr<HijackedConn>> conn = sink_->Hijack();
  if (!conn.ok()) {
    hijacked_ = finished_ = false;
  } else {
    pending_.clear();
  }
  return conn;
}

void ServerResponse::Drained() {
  if (auto f = std::move(on_writable_)) {
    on_writable_ = nullptr;
    f();
  }
}

void ServerResponse::ClientGone() {
  client_gone_ = true;
  if (finished_) return;
  if (Cancelation* c = std::exchange(cancel_when_gone_, nullptr)) {
    // The coroutine may run to its end inside, and finish the response.
    c->Cancel(Error(ErrorCode::kCanceled, "context canceled"));  // (Go's context.Canceled)
    if (finished_) return;
  }
  if (auto f = std::move(close_notify_)) {
    close_notify_ = nullptr;
    f();
  }
}

void ServerResponse::Detach() {
  sink_ = nullptr;
  if (finished_) {
    on_writable_ = nullptr;
    close_notify_ = nullptr;
    return;
  }
  // The callbacks may drop the last reference to this response.
  std::shared_ptr<ServerResponse> self = weak_from_this().lock();
  ClientGone();
  Drained();
}

}  // namespace nethttp
