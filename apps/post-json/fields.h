// post-json's input side, sans-I/O: the URL shorthand, httpie-style request
// items (key=value, key:=json) turned into a JSON object body, --data sources
// (literal, @file, - for stdin) and -H "Name: value" arguments. No sockets
// here; main.cc does the I/O and tests/apps/fields_test.cc pins the syntax.
#ifndef POST_JSON_FIELDS_H_
#define POST_JSON_FIELDS_H_

#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/error.h"

namespace postjson {

// ExpandURL turns the command line's URL into an absolute http URL, as httpie
// does: ":8091/echo" -> "http://localhost:8091/echo", ":/x" ->
// "http://localhost/x", "host:port/path" -> "http://host:port/path"; an
// "http://" or "https://" URL is kept as given (its scheme lowercased). Any
// other scheme is refused, as are an empty host and a port that is not a
// number in 1..65535. Errors are kInvalidUrl with a message for the user.
nethttp::Result<std::string> ExpandURL(std::string_view arg);

// Field is one request item from the command line.
struct Field {
  std::string key;
  std::string value;      // the string, or the raw JSON text when raw_json
  bool raw_json = false;  // key:=json rather than key=value
};

// ParseField splits one item at its first unescaped separator, ":=" or "="
// (whichever comes first). In the key, a backslash escapes '=', ':' and
// itself ("a\=b=c" is key "a=b", value "c"); any other backslash is kept. The
// value is everything after the separator, verbatim (no unescaping, so raw
// JSON like "x:=\"a\\\\b\"" is never mangled). An empty key, or an item with
// no separator, is an error. The value of a ":=" item is not checked here;
// BuildBody checks it.
nethttp::Result<Field> ParseField(std::string_view item);

// BuildBody parses every item and returns the JSON object they describe,
// keys in command-line order, serialised compactly ({"a":"b","n":1}). No
// items give "{}". Refused: a malformed item, invalid JSON after ":=" (the
// message names the line and column), a key given twice (one would otherwise
// be silently lost), and a key=value string that is not valid UTF-8.
nethttp::Result<std::string> BuildBody(const std::vector<std::string>& items);

// ValidateJson checks that text is exactly one JSON value (RFC 8259; no
// comments, nothing after it but whitespace). On failure the error is one
// line: "<what>: invalid JSON at line L, column C: <reason>".
nethttp::Error ValidateJson(std::string_view text, std::string_view what);

// ReadData resolves --data's argument: "-" (or "@-") reads all of in,
// "@path" reads the file at path, anything else is the JSON text itself.
// The result is then validated with ValidateJson and returned byte for byte
// as read (not re-serialised), so the body is what the user wrote.
nethttp::Result<std::string> ReadData(std::string_view arg, std::istream& in);

// DataFile is the path of a --data "@path" argument (not "@-"), else empty:
// such a file is validated as it is read (ValidateJsonFile), then sent as
// a stream, so a body larger than memory can be posted.
std::string DataFile(std::string_view arg);

// ValidateJsonFile checks the file at path as ValidateJson checks text,
// reading it a piece at a time; its errors name it as ReadData's do.
nethttp::Error ValidateJsonFile(const std::string& path);

// HeaderArg is one -H argument split into name and value.
struct HeaderArg {
  std::string name;
  std::string value;
};

// ParseHeaderArg splits "Name: value" at the first ':' and trims spaces and
// tabs around the value (RFC 9110 optional whitespace). The name must be an
// RFC 9110 token and the value must not contain CR, LF or NUL: a header
// argument never injects another header line.
nethttp::Result<HeaderArg> ParseHeaderArg(std::string_view arg);

}  // namespace postjson

#endif  // POST_JSON_FIELDS_H_
