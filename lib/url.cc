// URL parsing, escaping and reference resolution: a port of Go 1.19's
// net/url (url.go). Sans-I/O; the server calls ParseRequestURI once per
// request, and the client calls Parse in NewRequest and for redirects.
#include "nethttp/url.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "internal/ascii.h"
#include "internal/url_parse.h"

namespace nethttp {
namespace {

// Encoding is Go's `encoding`: which URL component a byte is escaped for.
enum class Encoding {
  kPath,            // §3.3 whole path: '/' and ';' stay
  kPathSegment,     // §3.3 one segment: '/', ';', ',' and '?' are escaped
  kHost,            // §3.2.2 reg-name or IP literal
  kZone,            // RFC 6874 IPv6 zone identifier
  kUserPassword,    // §3.2.1 userinfo
  kQueryComponent,  // §3.4 one key or value: ' ' becomes '+'
  kFragment,        // §4.1
};

constexpr char kUpperHex[] = "0123456789ABCDEF";

bool IsHex(char c) {
  return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F');
}

unsigned char Unhex(char c) {
  if ('0' <= c && c <= '9') return static_cast<unsigned char>(c - '0');
  if ('a' <= c && c <= 'f') return static_cast<unsigned char>(c - 'a' + 10);
  if ('A' <= c && c <= 'F') return static_cast<unsigned char>(c - 'A' + 10);
  return 0;
}

constexpr bool IsAlnum(unsigned char c) {
  return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9');
}

// ComputeShouldEscape is Go's shouldEscape: RFC 3986 §2 with Go's
// per-component exceptions (e.g. '$' may stay in a path, sub-delims stay in
// a host). It only builds kEscapeTable; ShouldEscape reads the table.
constexpr bool ComputeShouldEscape(unsigned char c, Encoding mode) {
  if (IsAlnum(c)) return false;
  if (mode == Encoding::kHost || mode == Encoding::kZone) {
    // §3.2.2 sub-delims, plus ':' for the port and '[' ']' for IP literals;
    // Go adds '<' '>' '"' because a host cannot %-encode ASCII, so escaping
    // them would make a host Parse accepted fail to re-parse.
    switch (c) {
      case '!': case '$': case '&': case '\'': case '(': case ')': case '*':
      case '+': case ',': case ';': case '=': case ':': case '[': case ']':
      case '<': case '>': case '"':
        return false;
      default:
        break;
    }
  }
  switch (c) {
    case '-': case '_': case '.': case '~':  // §2.3 unreserved
      return false;
    case '$': case '&': case '+': case ',': case '/': case ':': case ';':
    case '=': case '?': case '@':  // §2.2 reserved
      switch (mode) {
        case Encoding::kPath:
          return c == '?';
        case Encoding::kPathSegment:
          return c == '/' || c == ';' || c == ',' || c == '?';
        case Encoding::kUserPassword:
          return c == '@' || c == '/' || c == '?' || c == ':';
        case Encoding::kQueryComponent:
          return true;
        case Encoding::kFragment:
          return false;
        default:
          break;
      }
      break;
    default:
      break;
  }
  if (mode == Encoding::kFragment) {
    switch (c) {
      case '!': case '(': case ')': case '*':
        return false;
      default:
        break;
    }
  }
  return true;
}

constexpr int kEncodingCount = static_cast<int>(Encoding::kFragment) + 1;

// EscapeTable holds ComputeShouldEscape for every (mode, byte): the server
// runs the check on every byte of every request path, and a lookup beats
// the nested switches there.
struct EscapeTable {
  bool escape[kEncodingCount][256];
};

constexpr EscapeTable MakeEscapeTable() {
  EscapeTable t{};
  for (int m = 0; m < kEncodingCount; ++m) {
    for (int c = 0; c < 256; ++c) {
      t.escape[m][c] = ComputeShouldEscape(static_cast<unsigned char>(c), static_cast<Encoding>(m));
    }
  }
  return t;
}

constexpr EscapeTable kEscapeTable = MakeEscapeTable();

bool ShouldEscape(unsigned char c, Encoding mode) {
  return kEscapeTable.escape[static_cast<int>(mode)][c];
}

// DecodeRune decodes one UTF-8 sequence at s[i] as Go's utf8.DecodeRune
// does; it returns the rune and its width, or (-1, 1) for an invalid byte.
std::pair<int32_t, size_t> DecodeRune(std::string_view s, size_t i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {b0, 1};
  size_t n;
  int32_t r;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, r = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, r = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, r = b0 & 0x07, min = 0x10000;
  } else {
    return {-1, 1};
  }
  if (i + n > s.size()) return {-1, 1};
  for (size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return {-1, 1};
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return {-1, 1};
  return {r, n};
}

// GoQuote is Go's strconv.Quote, used for the %q in Go's error texts so that
// a hostile URL (control bytes, invalid UTF-8) cannot corrupt a log line.
// Unicode printability is approximated: C1 controls, U+00AD, U+2028/9 and
// U+FEFF are escaped, every other valid rune is printed as is.
std::string GoQuote(std::string_view s) {
  constexpr char kLowerHex[] = "0123456789abcdef";  // Go's \x and \u are lower case
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  auto hex = [&](unsigned v, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kLowerHex[(v >> shift) & 15];
  };
  for (size_t i = 0; i < s.size();) {
    auto [r, width] = DecodeRune(s, i);
    if (r < 0) {  // invalid UTF-8: the byte itself
      out += "\\x";
      hex(static_cast<unsigned char>(s[i]), 2);
    } else if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (r >= 0x20 && r < 0x7F) {
      out += static_cast<char>(r);
    } else if (r >= 0xA0 && r != 0xAD && r != 0x2028 && r != 0x2029 && r != 0xFEFF) {
      out.append(s.substr(i, width));
    } else {
      switch (r) {
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
          if (r < 0x20 || r == 0x7F) {
            out += "\\x";
            hex(static_cast<unsigned>(r), 2);
          } else {
            out += "\\u";
            hex(static_cast<unsigned>(r), 4);
          }
      }
    }
    i += width;
  }
  out += '"';
  return out;
}

// UrlError builds Go's *url.Error text: `parse "<url>": <reason>`.
Error UrlError(std::string_view url, std::string_view reason) {
  std::string msg = "parse ";
  msg += GoQuote(url);
  msg += ": ";
  msg += reason;
  return Error(ErrorCode::kInvalidUrl, std::move(msg));
}

// Unescape is Go's unescape: it validates s for mode and writes the decoded
// bytes to *out. On failure it returns false and puts Go's reason in
// *reason (EscapeError or InvalidHostError text).
bool Unescape(std::string_view s, Encoding mode, std::string* out, std::string* reason) {
  size_t n = 0;
  bool has_plus = false;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '%') {
      ++n;
      if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) {
        *reason = "invalid URL escape " + GoQuote(s.substr(i, 3));
        return false;
      }
      std::string_view esc = s.substr(i, 3);
      // Go: in a host, %-escapes are only for non-ASCII bytes (RFC 3986
      // §3.2.2 reg-name allows pct-encoded UTF-8); "%25" is the zone marker.
      if (mode == Encoding::kHost && Unhex(s[i + 1]) < 8 && esc != "%25") {
        *reason = "invalid URL escape " + GoQuote(esc);
        return false;
      }
      if (mode == Encoding::kZone) {
        // RFC 6874 allows over-escaping in a zone, but Go still refuses
        // bytes a host may not hold, except ' ' (issue 14002, Windows).
        auto v = static_cast<unsigned char>(Unhex(s[i + 1]) << 4 | Unhex(s[i + 2]));
        if (esc != "%25" && v != ' ' && ShouldEscape(v, Encoding::kHost)) {
          *reason = "invalid URL escape " + GoQuote(esc);
          return false;
        }
      }
      i += 3;
    } else if (c == '+') {
      has_plus = mode == Encoding::kQueryComponent;
      ++i;
    } else {
      if ((mode == Encoding::kHost || mode == Encoding::kZone) && c < 0x80 &&
          ShouldEscape(c, mode)) {
        *reason = "invalid character " + GoQuote(s.substr(i, 1)) + " in host name";
        return false;
      }
      ++i;
    }
  }
  if (n == 0 && !has_plus) {
    out->assign(s);
    return true;
  }
  out->clear();
  out->reserve(s.size() - 2 * n);
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      out->push_back(static_cast<char>(Unhex(s[i + 1]) << 4 | Unhex(s[i + 2])));
      i += 2;
    } else if (c == '+' && mode == Encoding::kQueryComponent) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

// Escape is Go's escape: mode's reserved bytes become %XX (upper-case hex,
// RFC 3986 §2.1), and ' ' becomes '+' in a query component.
std::string Escape(std::string_view s, Encoding mode) {
  size_t hex_count = 0;
  bool changes = false;  // a byte becomes '+' or %XX
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b == ' ' && mode == Encoding::kQueryComponent) {
      changes = true;
    } else if (ShouldEscape(b, mode)) {
      changes = true;
      ++hex_count;
    }
  }
  // Nearly every path has nothing to escape (a client's or proxy's request
  // line asks for one on every request): one copy, not a byte at a time.
  if (!changes) return std::string(s);
  std::string out;
  out.reserve(s.size() + 2 * hex_count);
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b == ' ' && mode == Encoding::kQueryComponent) {
      out += '+';
    } else if (ShouldEscape(b, mode)) {
      out += '%';
      out += kUpperHex[b >> 4];
      out += kUpperHex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// EscapesTo reports whether Escape(s, mode) == encoded without building the
// escaped string: setPath runs per request and the common path has nothing
// to escape.
bool EscapesTo(std::string_view s, Encoding mode, std::string_view encoded) {
  size_t j = 0;
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b == ' ' && mode == Encoding::kQueryComponent) {
      if (j >= encoded.size() || encoded[j] != '+') return false;
      ++j;
    } else if (ShouldEscape(b, mode)) {
      if (j + 3 > encoded.size() || encoded[j] != '%' || encoded[j + 1] != kUpperHex[b >> 4] ||
          encoded[j + 2] != kUpperHex[b & 15]) {
        return false;
      }
      j += 3;
    } else {
      if (j >= encoded.size() || encoded[j] != c) return false;
      ++j;
    }
  }
  return j == encoded.size();
}

// ValidEncoded is Go's validEncoded: s holds only bytes that may appear
// unescaped in mode, plus the sub-delims, '[' ']' and '%'.
bool ValidEncoded(std::string_view s, Encoding mode) {
  for (char c : s) {
    switch (c) {
      case '!': case '$': case '&': case '\'': case '(': case ')': case '*':
      case '+': case ',': case ';': case '=': case ':': case '@': case '[':
      case ']': case '%':
        break;
      default:
        if (ShouldEscape(static_cast<unsigned char>(c), mode)) return false;
    }
  }
  return true;
}

// ValidOptionalPort is Go's validOptionalPort: "" or ':' followed by digits.
bool ValidOptionalPort(std::string_view port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (char c : port.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// ValidUserinfo is Go's validUserinfo: RFC 3986 §3.2.1 userinfo characters
// plus '@': Go splits at the last '@', so one in the userinfo is accepted
// and re-escaped by String (urltests "j@ne:password").
bool ValidUserinfo(std::string_view s) {
  for (char c : s) {
    if (IsAlnum(static_cast<unsigned char>(c))) continue;
    switch (c) {
      case '-': case '.': case '_': case ':': case '~': case '!': case '$':
      case '&': case '\'': case '(': case ')': case '*': case '+': case ',':
      case ';': case '=': case '%': case '@':
        continue;
      default:
        return false;
    }
  }
  return true;
}

bool ContainsCtlByte(std::string_view s) {
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b < ' ' || b == 0x7F) return true;
  }
  return false;
}

// SetPath is Go's URL.setPath: path gets the decoded form and raw_path keeps
// p only when p is not the default encoding of path. On error u is unchanged.
bool SetPath(URL* u, std::string_view p, std::string* reason) {
  // Most paths hold no escape and no byte that would need one: then the
  // decoded path is p itself and there is no raw_path, which one scan tells
  // without building the decoded copy and re-encoding it to compare.
  if (std::none_of(p.begin(), p.end(), [](char c) {
        auto b = static_cast<unsigned char>(c);
        return b == '%' || ShouldEscape(b, Encoding::kPath);
      })) {
    u->path.assign(p);
    u->raw_path.clear();
    return true;
  }
  std::string path;
  if (!Unescape(p, Encoding::kPath, &path, reason)) return false;
  if (EscapesTo(path, Encoding::kPath, p)) {
    u->raw_path.clear();
  } else {
    u->raw_path.assign(p);
  }
  u->path = std::move(path);
  return true;
}

// SetFragment is Go's URL.setFragment.
bool SetFragment(URL* u, std::string_view f, std::string* reason) {
  std::string frag;
  if (!Unescape(f, Encoding::kFragment, &frag, reason)) return false;
  if (EscapesTo(frag, Encoding::kFragment, f)) {
    u->raw_fragment.clear();
  } else {
    u->raw_fragment.assign(f);
  }
  u->fragment = std::move(frag);
  return true;
}

// GetScheme is Go's getScheme: RFC 3986 §3.1 scheme = ALPHA *( ALPHA /
// DIGIT / "+" / "-" / "." ) before the first ':'. Anything else before a
// ':' means there is no scheme (the colon belongs to a path or port).
bool GetScheme(std::string_view raw, std::string_view* scheme, std::string_view* rest,
               std::string* reason) {
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) continue;
    if (('0' <= c && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) {
        *reason = "missing protocol scheme";
        return false;
      }
      *scheme = raw.substr(0, i);
      *rest = raw.substr(i + 1);
      return true;
    }
    break;
  }
  *scheme = {};
  *rest = raw;
  return true;
}

// ParseHost is Go's parseHost: an IP literal keeps its brackets, the port
// must be digits, and %-escapes are decoded (non-ASCII only, RFC 6874 zones).
bool ParseHost(std::string_view host, std::string* out, std::string* reason) {
  if (!host.empty() && host[0] == '[') {
    // RFC 3986 §3.2.2: an IP literal ends at the last ']'.
    size_t i = host.rfind(']');
    if (i == std::string_view::npos) {
      *reason = "missing ']' in host";
      return false;
    }
    std::string_view colon_port = host.substr(i + 1);
    if (!ValidOptionalPort(colon_port)) {
      *reason = "invalid port " + GoQuote(colon_port) + " after host";
      return false;
    }
    // RFC 6874 §2: the zone starts at "%25"; the address before it may
    // not hold escapes, the zone may (over-)escape its bytes.
    size_t zone = host.substr(0, i).find("%25");
    if (zone != std::string_view::npos) {
      std::string host1;
      std::string host2;
      std::string host3;
      if (!Unescape(host.substr(0, zone), Encoding::kHost, &host1, reason) ||
          !Unescape(host.substr(zone, i - zone), Encoding::kZone, &host2, reason) ||
          !Unescape(host.substr(i), Encoding::kHost, &host3, reason)) {
        return false;
      }
      *out = std::move(host1);
      *out += host2;
      *out += host3;
      return true;
    }
  } else if (size_t i = host.rfind(':'); i != std::string_view::npos) {
    std::string_view colon_port = host.substr(i);
    if (!ValidOptionalPort(colon_port)) {
      *reason = "invalid port " + GoQuote(colon_port) + " after host";
      return false;
    }
  }
  return Unescape(host, Encoding::kHost, out, reason);
}

// ParseAuthority is Go's parseAuthority: the host follows the last '@', so
// an unescaped '@' in the userinfo does not confuse it.
bool ParseAuthority(std::string_view authority, URL* u, std::string* reason) {
  size_t at = authority.rfind('@');
  std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (!ParseHost(host, &u->host, reason)) return false;
  if (at == std::string_view::npos) return true;
  std::string_view userinfo = authority.substr(0, at);
  if (!ValidUserinfo(userinfo)) {
    *reason = "net/url: invalid userinfo";
    return false;
  }
  // Store the userinfo the way Go's Userinfo.String writes it back: each
  // part decoded, then re-escaped for kUserPassword. An empty userinfo ends
  // up as "", i.e. absent: we differ from Go's non-nil User("") there (see
  // url.h).
  size_t colon = userinfo.find(':');
  std::string name;
  if (!Unescape(userinfo.substr(0, colon), Encoding::kUserPassword, &name, reason)) return false;
  u->user = Escape(name, Encoding::kUserPassword);
  if (colon != std::string_view::npos) {
    std::string password;
    if (!Unescape(userinfo.substr(colon + 1), Encoding::kUserPassword, &password, reason)) {
      return false;
    }
    u->user += ':';
    u->user += Escape(password, Encoding::kUserPassword);
  }
  return true;
}

// ParseImpl is Go's parse. via_request selects ParseRequestURI's rules: the
// input is a request-target, so it must be absolute or start with '/', and
// "//x" is a path, not an authority.
bool ParseImpl(std::string_view raw, bool via_request, URL* url, std::string* reason) {
  if (ContainsCtlByte(raw)) {
    // Go 1.12+: refuse ASCII CTLs anywhere so a URL cannot split a request
    // line or inject a header; bytes >= 0x80 are allowed, as in Go.
    *reason = "net/url: invalid control character in URL";
    return false;
  }
  if (raw.empty() && via_request) {
    *reason = "empty url";
    return false;
  }
  if (raw == "*") {  // RFC 9112 §3.2.4 asterisk-form (OPTIONS *)
    url->path = "*";
    return true;
  }
  std::string_view scheme;
  std::string_view rest;
  if (!GetScheme(raw, &scheme, &rest, reason)) return false;
  url->scheme.assign(scheme);
  ToLowerInPlace(url->scheme);

  size_t q = rest.find('?');
  if (q != std::string_view::npos && q == rest.size() - 1) {
    // A lone trailing '?' is kept by String (Go's ForceQuery); "?a?" is an
    // ordinary query that happens to end in '?' (Go issue 14573).
    url->force_query = true;
    rest = rest.substr(0, q);
  } else if (q != std::string_view::npos) {
    url->raw_query.assign(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }

  if (rest.empty() || rest[0] != '/') {
    if (!url->scheme.empty()) {
      // RFC 3986 §3: "scheme:opaque" has no hierarchical part to parse.
      url->opaque.assign(rest);
      return true;
    }
    if (via_request) {
      *reason = "invalid URI for request";
      return false;
    }
    // RFC 3986 §4.2: a relative path's first segment cannot hold ':', or it
    // would read as a scheme ("cache_object:foo", Go issue 16822).
    if (rest.substr(0, rest.find('/')).find(':') != std::string_view::npos) {
      *reason = "first path segment in URL cannot contain colon";
      return false;
    }
  }

  bool slash2 = rest.substr(0, 2) == "//";
  if ((!url->scheme.empty() || (!via_request && rest.substr(0, 3) != "///")) && slash2) {
    std::string_view authority = rest.substr(2);
    rest = {};
    if (size_t i = authority.find('/'); i != std::string_view::npos) {
      rest = authority.substr(i);
      authority = authority.substr(0, i);
    }
    if (!ParseAuthority(authority, url, reason)) return false;
  } else if (!url->scheme.empty() && !rest.empty() && rest[0] == '/') {
    url->omit_host = true;
  }
  return SetPath(url, rest, reason);
}

// SplitURLHostPort is net/url's splitHostPort for URL.Host: unlike
// net.SplitHostPort (internal/host_port.h) it never fails, so Hostname and
// Port work on whatever the host holds.
std::pair<std::string_view, std::string_view> SplitURLHostPort(std::string_view host_port) {
  std::string_view host = host_port;
  std::string_view port;
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && ValidOptionalPort(host.substr(colon))) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {host, port};
}

// ResolvePath is Go's resolvePath: merge (RFC 3986 §5.2.3) then
// remove_dot_segments (§5.2.4), on escaped paths so that "%2f" is not a '/'.
std::string ResolvePath(std::string_view base, std::string_view ref) {
  std::string full;
  if (ref.empty()) {
    full.assign(base);
  } else if (ref[0] != '/') {
    size_t i = base.rfind('/');
    full.assign(base.substr(0, i == std::string_view::npos ? 0 : i + 1));
    full += ref;
  } else {
    full.assign(ref);
  }
  if (full.empty()) return {};

  std::string dst = "/";
  bool first = true;
  std::string_view remaining = full;
  std::string_view elem;
  bool found = true;
  while (found) {
    size_t slash = remaining.find('/');
    found = slash != std::string_view::npos;
    elem = remaining.substr(0, slash);
    remaining = found ? remaining.substr(slash + 1) : std::string_view();
    if (elem == ".") {
      first = false;
      continue;
    }
    if (elem == "..") {
      // Drop the last segment written; dst always starts with '/'.
      size_t index = std::string_view(dst).substr(1).rfind('/');
      if (index == std::string_view::npos) {
        dst.resize(1);
        first = true;
      } else {
        dst.resize(index + 1);
      }
    } else {
      if (!first) dst += '/';
      dst += elem;
      first = false;
    }
  }
  if (elem == "." || elem == "..") dst += '/';
  // The leading '/' was added for the walk; "//x" keeps one of its own.
  if (dst.size() > 1 && dst[1] == '/') dst.erase(0, 1);
  return dst;
}

}  // namespace

std::string URL::Username() const {
  std::string out;
  std::string reason;
  if (!Unescape(std::string_view(user).substr(0, user.find(':')), Encoding::kUserPassword, &out,
                &reason)) {
    return {};
  }
  return out;
}

std::string URL::Password() const {
  size_t colon = user.find(':');
  if (colon == std::string::npos) return {};
  std::string out;
  std::string reason;
  if (!Unescape(std::string_view(user).substr(colon + 1), Encoding::kUserPassword, &out,
                &reason)) {
    return {};
  }
  return out;
}

std::string URL::Hostname() const { return std::string(SplitURLHostPort(host).first); }

std::string URL::Port() const { return std::string(SplitURLHostPort(host).second); }

std::string URL::EscapedPath() const {
  // Go: raw_path is only a hint; it is used when it is a valid encoding of
  // path, so a stale raw_path left after path was edited is ignored.
  if (!raw_path.empty() && ValidEncoded(raw_path, Encoding::kPath)) {
    std::string p;
    std::string reason;
    if (Unescape(raw_path, Encoding::kPath, &p, &reason) && p == path) return raw_path;
  }
  if (path == "*") return "*";  // Go issue 11202: "OPTIONS *" stays "*"
  return Escape(path, Encoding::kPath);
}

std::string URL::EscapedFragment() const {
  if (!raw_fragment.empty() && ValidEncoded(raw_fragment, Encoding::kFragment)) {
    std::string f;
    std::string reason;
    if (Unescape(raw_fragment, Encoding::kFragment, &f, &reason) && f == fragment) {
      return raw_fragment;
    }
  }
  return Escape(fragment, Encoding::kFragment);
}

Values URL::Query() const {
  Values v;
  v.AddQuery(raw_query);  // Go: v, _ := ParseQuery(u.RawQuery)
  return v;
}

std::string URL::RequestURI() const {
  // (One object, made in place and returned as made: a request line asks
  // for it on every request.)
  std::string result = opaque.empty() ? EscapedPath() : opaque;
  if (opaque.empty()) {
    if (result.empty()) result = "/";
  } else if (opaque.starts_with("//")) {
    result.insert(0, scheme + ":");  // Go issue 4860: keep it unambiguous
  }
  if (force_query || !raw_query.empty()) {
    result += '?';
    result += raw_query;
  }
  return result;
}

std::string URL::String() const {
  std::string buf;
  if (!scheme.empty()) {
    buf += scheme;
    buf += ':';
  }
  if (!opaque.empty()) {
    buf += opaque;
  } else {
    if (!scheme.empty() || !host.empty() || !user.empty()) {
      if (!(omit_host && host.empty() && user.empty())) {
        if (!host.empty() || !path.empty() || !user.empty()) buf += "//";
        if (!user.empty()) {
          buf += user;
          buf += '@';
        }
        if (!host.empty()) buf += Escape(host, Encoding::kHost);
      }
    }
    std::string p = EscapedPath();
    if (!p.empty() && p[0] != '/' && !host.empty()) buf += '/';
    if (buf.empty()) {
      // RFC 3986 §4.2: "a:b" would read as a scheme; Go writes "./a:b"
      // (issue 17184).
      std::string_view segment = std::string_view(p).substr(0, p.find('/'));
      if (segment.find(':') != std::string_view::npos) buf += "./";
    }
    buf += p;
  }
  if (force_query || !raw_query.empty()) {
    buf += '?';
    buf += raw_query;
  }
  if (!fragment.empty()) {
    buf += '#';
    buf += EscapedFragment();
  }
  return buf;
}

URL URL::ResolveReference(const URL& ref) const {
  // Go: RFC 3986 §5.2.2, with the path steps done by ResolvePath.
  URL url = ref;
  std::string reason;  // Go ignores setPath's error here; so do we
  if (ref.scheme.empty()) url.scheme = scheme;
  if (!ref.scheme.empty() || !ref.host.empty() || !ref.user.empty()) {
    // The reference carries its own authority: only its dots are removed.
    SetPath(&url, ResolvePath(ref.EscapedPath(), ""), &reason);
    return url;
  }
  if (!ref.opaque.empty()) {
    url.user.clear();
    url.host.clear();
    url.path.clear();
    return url;
  }
  if (ref.path.empty() && !ref.force_query && ref.raw_query.empty()) {
    url.raw_query = raw_query;
    if (ref.fragment.empty()) {
      url.fragment = fragment;
      url.raw_fragment = raw_fragment;
    }
  }
  // The path is merged from the base, so the base's authority applies.
  url.host = host;
  url.user = user;
  SetPath(&url, ResolvePath(EscapedPath(), ref.EscapedPath()), &reason);
  return url;
}

Result<URL> Parse(std::string_view raw) {
  // Go: the fragment is cut off first, and errors in the rest quote only
  // the part before '#'. The URL is built in place inside the Result to
  // spare two moves of its nine strings.
  size_t hash = raw.find('#');
  std::string_view u = raw.substr(0, hash);
  Result<URL> result{URL{}};
  std::string reason;
  if (!ParseImpl(u, false, &result.value(), &reason)) return UrlError(u, reason);
  if (hash == std::string_view::npos) return result;
  if (!SetFragment(&result.value(), raw.substr(hash + 1), &reason)) return UrlError(raw, reason);
  return result;
}

Result<URL> ParseRequestURI(std::string_view raw) {
  // Go: a request-target has no fragment, so '#' is part of the path or query.
  Result<URL> result{URL{}};
  std::string reason;
  if (!ParseImpl(raw, true, &result.value(), &reason)) return UrlError(raw, reason);
  return result;
}

Error ParseRequestURIInto(std::string_view raw, URL* url) {
  for (std::string* field : {&url->scheme, &url->user, &url->host, &url->path, &url->raw_path,
                             &url->raw_query, &url->fragment, &url->opaque, &url->raw_fragment}) {
    field->clear();
  }
  url->force_query = false;
  url->omit_host = false;
  std::string reason;
  if (!ParseImpl(raw, true, url, &reason)) return UrlError(raw, reason);
  return Error();
}

Result<std::string> PathUnescape(std::string_view s) {
  std::string out;
  std::string reason;
  if (!Unescape(s, Encoding::kPathSegment, &out, &reason)) {
    return Error(ErrorCode::kInvalidUrl, std::move(reason));
  }
  return out;
}

Result<std::string> QueryUnescape(std::string_view s) {
  std::string out;
  std::string reason;
  if (!Unescape(s, Encoding::kQueryComponent, &out, &reason)) {
    return Error(ErrorCode::kInvalidUrl, std::move(reason));
  }
  return out;
}

std::string PathEscape(std::string_view s) { return Escape(s, Encoding::kPathSegment); }

std::string QueryEscape(std::string_view s) { return Escape(s, Encoding::kQueryComponent); }

}  // namespace nethttp
