// The ready-made handlers of Go's server.go "Helper handlers" section:
// HttpError (Go: http.Error), NotFound, NotFoundHandler, Redirect and
// RedirectHandler. The Handler/ResponseWriter contract is in handler.h.
#include "nethttp/handler.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "internal/path.h"
#include "nethttp/hijacked_conn.h"
#include "nethttp/status.h"

namespace nethttp {
namespace {

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// ValidPercentEscapes reports whether every '%' in s starts a %XX escape, the
// only check Go's url.unescape makes for paths and fragments.
bool ValidPercentEscapes(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !IsHexDigit(s[i + 1]) || !IsHexDigit(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

// IsRelativeReference reports whether Go's url.Parse(raw) would succeed with
// an empty Scheme and Host: the case where Redirect makes the target
// absolute against the request path. url.cc owns real URL parsing; this is
// the few rules of Go's url.parse that decide that one question, so handler.cc
// does not depend on it. A target Go fails to parse is sent unchanged, so
// every parse error answers false here.
bool IsRelativeReference(std::string_view raw) {
  std::string_view u = raw;
  std::string_view frag;
  if (size_t hash = u.find('#'); hash != std::string_view::npos) {
    frag = u.substr(hash + 1);
    u = u.substr(0, hash);
  }
  // Go: stringContainsCTLByte -> "invalid control character in URL".
  for (char ch : u) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return false;
  }
  if (u == "*") return true;
  // Go: getScheme. A letter run ending in ':' is a scheme; ':' first is an
  // error; any other byte first, or a non-scheme byte, means no scheme.
  for (size_t i = 0; i < u.size(); ++i) {
    char c = u[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') return false;  // a scheme, or "missing protocol scheme"
    break;
  }
  std::string_view rest = u;
  if (size_t q = rest.find('?'); q != std::string_view::npos) rest = rest.substr(0, q);
  if (rest.empty() || rest.front() != '/') {
    // Go: "first path segment in URL cannot contain colon".
    std::string_view segment = rest.substr(0, rest.find('/'));
    if (segment.find(':') != std::string_view::npos) return false;
  }
  if (rest.starts_with("//") && !rest.starts_with("///")) {
    std::string_view authority = rest.substr(2);
    size_t slash = authority.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : authority.substr(slash);
    authority = authority.substr(0, slash);
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority = authority.substr(at + 1);
    }
    if (!authority.empty()) return false;  // a host: absolute, or a host parse error
  }
  return ValidPercentEscapes(rest) && ValidPercentEscapes(frag);
}

// HexEscapeNonAscii is Go's hexEscapeNonASCII: bytes >= 0x80 become %xx with
// lower-case hex (Go uses strconv.AppendInt(b, 16)), the rest is unchanged.
std::string HexEscapeNonAscii(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

// HtmlEscape is Go's htmlReplacer: the five bytes that matter in an HTML
// attribute or text, with the shortest entity for each.
std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out.append("&amp;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      case '"': out.append("&#34;"); break;   // shorter than &quot;
      case '\'': out.append("&#39;"); break;  // &apos; is not HTML 4
      default: out.push_back(c);
    }
  }
  return out;
}

class RedirectHandlerImpl : public Handler {
 public:
  RedirectHandlerImpl(std::string url, int code) : url_(std::move(url)), code_(code) {}
  void ServeHTTP(ResponseWriter& w, Request& r) override { Redirect(w, r, url_, code_); }

 private:
  std::string url_;
  int code_;
};

}  // namespace

std::shared_ptr<ResponseWriter> ResponseWriterWrapper::Hold() {
  if (held_ == nullptr) {
    held_ = inner_->Hold();
    // The wrapped writer may itself be a stack wrapper whose own Hold
    // returned the writer below it; the reference we were given dies with
    // the ServeHTTP frame, so forward to what is held from now on.
    inner_ = held_.get();
  }
  // weak_from_this, not shared_from_this: a wrapper on the stack has no
  // owner, and shared_from_this would throw bad_weak_ptr.
  if (std::shared_ptr<ResponseWriterWrapper> self = weak_from_this().lock()) return self;
  return held_;
}

void HttpError(ResponseWriter& w, std::string_view msg, int code) {
  Header& h = w.Header();
  // Go 1.19 leaves Content-Length alone; later Go deletes it, because a length
  // a handler set for the body it meant to send is wrong for this message.
  // We follow later Go: the server would otherwise fail the short write.
  h.Del("Content-Length");
  h.Set("Content-Type", "text/plain; charset=utf-8");
  h.Set("X-Content-Type-Options", "nosniff");
  w.WriteHeader(code);
  std::string body;
  body.reserve(msg.size() + 1);
  body.append(msg);
  body.push_back('\n');  // Go: fmt.Fprintln
  w.Write(body);
}

void NotFound(ResponseWriter& w, Request& /*r*/) { HttpError(w, "404 page not found", StatusNotFound); }

std::shared_ptr<Handler> NotFoundHandler() {
  // Stateless, so one instance serves every mux and every request.
  static const std::shared_ptr<Handler> handler = std::make_shared<HandlerFunc>(NotFound);
  return handler;
}

void Redirect(ResponseWriter& w, Request& r, std::string_view url, int code) {
  std::string target(url);
  if (IsRelativeReference(url)) {
    // Go: make a relative target absolute against the request path ourselves
    // rather than trust the client to (RFC 7231 §7.1.2).
    std::string_view old_path = r.url.path;
    if (old_path.empty()) old_path = "/";  // Go: "should not happen"
    if (target.empty() || target.front() != '/') {
      // Go: path.Split(oldpath) keeps the directory with its slash.
      std::string_view old_dir = old_path.substr(0, old_path.rfind('/') + 1);
      target.insert(0, old_dir);
    }
    std::string query;
    if (size_t q = target.find('?'); q != std::string::npos) {
      query = target.substr(q);
      target.resize(q);
    }
    // Clean, but keep a trailing slash: "/a/b/" names a directory.
    const bool trailing = !target.empty() && target.back() == '/';
    target = CleanPath(target);
    if (trailing && target.back() != '/') target.push_back('/');
    target += query;
  }

  Header& h = w.Header();
  // Go sends the short HTML body only when the handler has not chosen a
  // Content-Type itself (old user agents may not follow 301/307 otherwise).
  const bool had_ct = h.Has("Content-Type");
  h.Set("Location", HexEscapeNonAscii(target));
  const bool get = r.method == "GET";
  if (!had_ct && (get || r.method == "HEAD")) {
    h.Set("Content-Type", "text/html; charset=utf-8");
  }
  w.WriteHeader(code);
  // Go: no body for POST or HEAD; that leaves GET.
  if (!had_ct && get) {
    std::string body = "<a href=\"";
    body += HtmlEscape(target);
    body += "\">";
    body += StatusText(code);
    body += "</a>.\n\n";  // Go: Fprintln of a body ending in ".\n"
    w.Write(body);
  }
}

std::shared_ptr<Handler> RedirectHandler(std::string url, int code) {
  return std::make_shared<RedirectHandlerImpl>(std::move(url), code);
}

namespace {

// PrefixStripper is StripPrefix's handler.
class PrefixStripper final : public Handler {
 public:
  PrefixStripper(std::string prefix, std::shared_ptr<Handler> h) : prefix_(std::move(prefix)), h_(std::move(h)) {}

  void ServeHTTP(ResponseWriter& w, Request& r) override {
    if (!Strip(r.url)) {
      NotFound(w, r);
      return;
    }
    h_->ServeHTTP(w, r);
  }

  // The handler below is asked about the request it would get: a copy
  // with the prefix gone (a rare call: only for a body that did not come
  // with its head).
  bool StreamsRequestBody(const Request& r) override {
    Request stripped = r;
    return Strip(stripped.url) && h_->StreamsRequestBody(stripped);
  }

 private:
  bool Strip(URL& u) const {
    // Go: both the path and its encoded form must start with the prefix
    // (raw_path is empty when the path encodes the default way).
    bool in_path = u.path.starts_with(prefix_);
    bool in_raw = u.raw_path.empty() || u.raw_path.starts_with(prefix_);
    if (!in_path || !in_raw) return false;
    u.path.erase(0, prefix_.size());
    if (!u.raw_path.empty()) u.raw_path.erase(0, prefix_.size());
    return true;
  }

  std::string prefix_;
  std::shared_ptr<Handler> h_;
};

}  // namespace

std::shared_ptr<Handler> StripPrefix(std::string prefix, std::shared_ptr<Handler> h) {
  if (prefix.empty()) return h;
  return std::make_shared<PrefixStripper>(std::move(prefix), std::move(h));
}

}  // namespace nethttp
