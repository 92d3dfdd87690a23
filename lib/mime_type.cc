// MIME types by file extension (Go: mime/type.go, type_unix.go, and the part
// of mediatype.go that setExtensionType needs). Reads /etc/mime.types once;
// no other I/O. The public entry is nethttp/mime_type.h.
#include "nethttp/mime_type.h"

#include <array>
#include <fstream>
#include <mutex>
#include <utility>
#include <vector>

#include "internal/ascii.h"
#include "internal/mime_type.h"

namespace nethttp {
namespace {

// kBuiltinTypes is Go 1.19's builtinTypesLower, verbatim.
constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kBuiltinTypes = {{
    {".avif", "image/avif"},
    {".css", "text/css; charset=utf-8"},
    {".gif", "image/gif"},
    {".htm", "text/html; charset=utf-8"},
    {".html", "text/html; charset=utf-8"},
    {".jpeg", "image/jpeg"},
    {".jpg", "image/jpeg"},
    {".js", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".pdf", "application/pdf"},
    {".png", "image/png"},
    {".svg", "image/svg+xml"},
    {".wasm", "application/wasm"},
    {".webp", "image/webp"},
    {".xml", "text/xml; charset=utf-8"},
}};

bool IsBuiltin(std::string_view lower_ext) {
  for (const auto& [ext, type] : kBuiltinTypes) {
    if (ext == lower_ext) return true;
  }
  return false;
}

// IsSpace is unicode.IsSpace on ASCII, which is all these tables hold.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string_view TrimLeftSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view TrimSpace(std::string_view s) {
  s = TrimLeftSpace(s);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// IsTSpecial is mime's isTSpecial: RFC 2045's tspecials.
bool IsTSpecial(char c) { return std::string_view(R"(()<>@,;:\"/[]?=)").find(c) != std::string_view::npos; }

// IsMimeTokenByte is mime's isTokenChar (RFC 2045 §5.1): a printable ASCII
// byte other than the tspecials. Wider than an HTTP tchar ('{' and '}' are
// tokens here), so ascii.h's table is not the one.
bool IsMimeTokenByte(char c) { return c > 0x20 && c < 0x7f && !IsTSpecial(c); }

// ConsumeToken is mime's consumeToken: the token at the start of v and what
// follows it.
std::pair<std::string_view, std::string_view> ConsumeToken(std::string_view v) {
  size_t n = 0;
  while (n < v.size() && IsMimeTokenByte(v[n])) ++n;
  return {v.substr(0, n), v.substr(n)};
}

bool IsMimeToken(std::string_view s) { return !s.empty() && ConsumeToken(s).second.empty(); }

// ConsumeValue is mime's consumeValue: a token or a quoted-string (with
// backslash escapes of tspecials; any other backslash is literal, as MSIE
// sends paths). An empty value and an unchanged rest mean failure.
std::pair<std::string, std::string_view> ConsumeValue(std::string_view v) {
  if (v.empty()) return {"", v};
  if (v.front() != '"') {
    auto [token, rest] = ConsumeToken(v);
    return {std::string(token), rest};
  }
  std::string out;
  for (size_t i = 1; i < v.size(); ++i) {
    char c = v[i];
    if (c == '"') return {out, v.substr(i + 1)};
    if (c == '\\' && i + 1 < v.size() && IsTSpecial(v[i + 1])) {
      out.push_back(v[++i]);
      continue;
    }
    if (c == '\r' || c == '\n') return {"", v};
    out.push_back(c);
  }
  return {"", v};  // no closing quote
}

// ParseMediaType is the part of Go's mime.ParseMediaType that
// setExtensionType uses: whether v is a media type ("type" or
// "type/subtype", tokens) with well-formed, non-repeated parameters, and
// the value of its charset parameter. RFC 2231 continuations ("name*0")
// are accepted and, unlike Go, not decoded: none is a charset in a
// mime.types file.
bool ParseMediaType(std::string_view v, std::string* charset) {
  charset->clear();
  const std::string_view base = v.substr(0, v.find(';'));
  // Go: checkMediaTypeDisposition on the trimmed, lowered base.
  auto [type, after_type] = ConsumeToken(TrimSpace(base));
  if (type.empty()) return false;
  if (!after_type.empty()) {
    if (after_type.front() != '/') return false;
    auto [subtype, after_subtype] = ConsumeToken(after_type.substr(1));
    if (subtype.empty() || !after_subtype.empty()) return false;
  }
  std::vector<std::string> keys;
  v.remove_prefix(base.size());
  while (!(v = TrimLeftSpace(v)).empty()) {
    // Go: consumeMediaParam, "; key = value".
    std::string_view rest = v.substr(1);
    bool ok = v.front() == ';';
    std::string key;
    if (ok) {
      auto [k, after_key] = ConsumeToken(TrimLeftSpace(rest));
      key = ToLower(k);
      rest = TrimLeftSpace(after_key);
      ok = !key.empty() && !rest.empty() && rest.front() == '=';
    }
    std::string value;
    if (ok) {
      rest = TrimLeftSpace(rest.substr(1));
      auto [val, after_value] = ConsumeValue(rest);
      ok = !val.empty() || after_value != rest;
      value = std::move(val);
      rest = after_value;
    }
    if (!ok) return TrimSpace(v) == ";";  // a trailing ";" is fine, anything else not
    for (const std::string& k : keys) {
      if (k == key) return false;  // Go: "mime: duplicate parameter name"
    }
    keys.push_back(key);
    if (key == "charset") *charset = value;
    v = rest;
  }
  return true;
}

// Why a built-in entry wins over /etc/mime.types. Go 1.19 is not
// consistent here: it reads a shared-mime-info globs2 file when there is one
// and then keeps its built-in entries (loadMimeGlobsFile skips an extension
// it has), but when it falls back to mime.types files it lets them override
// (loadMimeFile calls setExtensionType for every entry), so on a Debian
// machine without shared-mime-info ".xml" is "application/xml" and with it
// "text/xml; charset=utf-8". We read only /etc/mime.types and keep the
// built-in entries, as Go does on the usual desktop or server machine:
// the same answer for the extensions a site serves most, whatever is
// installed (mime_type_test pins ".xml").

}  // namespace

bool MimeTypes::SetExtensionType(std::string_view ext, std::string_view mime_type) {
  std::string charset;
  if (!ParseMediaType(mime_type, &charset)) return false;
  std::string stored(mime_type);
  if (mime_type.starts_with("text/") && charset.empty()) {
    // Go: FormatMediaType(mimeType, param) with charset=utf-8 added. It
    // formats the whole string as the type, so a text type that already
    // has parameters comes out as "" (is not a token/token pair); we keep
    // that, since it only makes such an entry unknown.
    const size_t slash = mime_type.find('/');
    stored = IsMimeToken(mime_type.substr(0, slash)) && IsMimeToken(mime_type.substr(slash + 1))
                 ? ToLower(mime_type) + "; charset=utf-8"
                 : "";
  }
  types_[std::string(ext)] = stored;
  types_lower_[ToLower(ext)] = std::move(stored);
  return true;
}

bool MimeTypes::LoadMimeFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    // Go: strings.Fields, then the type and its extensions up to a "#".
    std::vector<std::string_view> fields;
    std::string_view rest = line;
    while (!(rest = TrimLeftSpace(rest)).empty()) {
      size_t n = 0;
      while (n < rest.size() && !IsSpace(rest[n])) ++n;
      fields.push_back(rest.substr(0, n));
      rest.remove_prefix(n);
    }
    if (fields.size() <= 1 || fields[0].front() == '#') continue;
    for (size_t i = 1; i < fields.size() && fields[i].front() != '#'; ++i) {
      const std::string ext = "." + std::string(fields[i]);
      if (IsBuiltin(ToLower(ext))) continue;  // the built-in entry wins; see above
      SetExtensionType(ext, fields[0]);        // an unparsable type is skipped, as in Go
    }
  }
  return true;
}

std::string MimeTypes::TypeByExtension(std::string_view ext) const {
  if (auto it = types_.find(ext); it != types_.end()) return it->second;
  if (auto it = types_lower_.find(ToLower(ext)); it != types_lower_.end()) return it->second;
  return "";
}

MimeTypes NewMimeTypes(const std::string& path) {
  MimeTypes t;
  // Go: setMimeTypes(builtinTypesLower, builtinTypesLower). The entries
  // already carry their charset, so SetExtensionType leaves them as written.
  for (const auto& [ext, type] : kBuiltinTypes) t.SetExtensionType(ext, type);
  t.LoadMimeFile(path);
  return t;
}

std::string TypeByExtension(std::string_view ext) {
  // Go: once.Do(initMime). Built on first use, never freed: a lookup from
  // another thread during exit must not find it destroyed.
  static std::once_flag once;
  static const MimeTypes* table = nullptr;
  std::call_once(once, [] { table = new MimeTypes(NewMimeTypes(kMimeTypesFile)); });
  return table->TypeByExtension(ext);
}

}  // namespace nethttp
