// The table behind TypeByExtension (nethttp/mime_type.h), open to tests: Go's
// mimeTypes/mimeTypesLower maps, setExtensionType and loadMimeFile, so a test
// can load a mime.types file of its own instead of the machine's.
#ifndef NETHTTP_INTERNAL_MIME_TYPE_H_
#define NETHTTP_INTERNAL_MIME_TYPE_H_

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nethttp {

// kMimeTypesFile is where Debian's media-types package puts the system's
// table (Go: the first of type_unix.go's typeFiles).
inline constexpr const char* kMimeTypesFile = "/etc/mime.types";

// MimeTypes maps extensions to MIME types, as Go's pair of sync.Maps does:
// one keyed by the extension as it was given, one by its lower-case form.
// It is filled once and then only read, so sharing a const one between
// threads needs no lock.
class MimeTypes {
 public:
  // SetExtensionType is Go's setExtensionType: ext (with its dot) maps to
  // mime_type, as written and lowered. A type starting "text/" without a
  // charset gets "; charset=utf-8". It returns false, and changes nothing,
  // when mime_type does not parse as a media type (Go: ParseMediaType's
  // error).
  bool SetExtensionType(std::string_view ext, std::string_view mime_type);

  // LoadMimeFile is Go's loadMimeFile: each line of the mime.types file at
  // path is a type and its extensions, separated by whitespace, "#" starting
  // a comment; a later line wins over an earlier one for the same
  // extension. An extension of Go's built-in table is skipped: the built-in
  // entry wins (see mime_type.cc for why). It returns false if the file
  // cannot be read.
  bool LoadMimeFile(const std::string& path);

  // TypeByExtension is Go's: the exact entry, else the lowered one, else "".
  std::string TypeByExtension(std::string_view ext) const;

 private:
  // Transparent, so that a lookup by string_view does not build a string.
  struct Hash : std::hash<std::string_view> {
    using is_transparent = void;
  };
  using Map = std::unordered_map<std::string, std::string, Hash, std::equal_to<>>;
  Map types_;        // Go: mimeTypes, ".Z" => "application/x-compress"
  Map types_lower_;  // Go: mimeTypesLower, ".z" => "application/x-compress"
};

// NewMimeTypes is Go's initMime: the built-in table, then the mime.types
// file at path (a missing file leaves the built-in table alone).
MimeTypes NewMimeTypes(const std::string& path);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_MIME_TYPE_H_
