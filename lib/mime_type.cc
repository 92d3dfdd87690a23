// MIME types by file extension (Go: mime/type.go and type_unix.go). Reads
// /etc/mime.types once; no other I/O. The public entry is nethttp/mime_type.h.
#include "nethttp/mime_type.h"

#include <array>
#include <fstream>
#include <mutex>
#include <utility>
#include <vector>

#include "internal/ascii.h"
#include "internal/media_type.h"
#include "internal/mime_type.h"
#include "nethttp/media_type.h"

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
  Result<MediaType> parsed = ParseMediaType(mime_type);
  if (!parsed.ok()) return false;
  std::string stored(mime_type);
  if (mime_type.starts_with("text/") && parsed->params["charset"].empty()) {
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
