// post-json's input side, sans-I/O: URL shorthand, request items, --data and
// -H arguments (fields.h says what each accepts). nlohmann-json validates
// JSON and escapes strings; main.cc turns the errors into exit status 2.
#include "fields.h"

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_set>
#include <utility>

#include "internal/ascii.h"
#include "nethttp/header.h"

namespace postjson {
namespace {

using nethttp::Error;
using nethttp::ErrorCode;

// A reason longer than this is cut: nlohmann quotes the token it was reading,
// which for a long string can be the whole input, and the error must stay
// one readable line.
constexpr size_t kMaxReasonBytes = 160;

std::string Quote(std::string_view s) {
  // Shown inside error messages; nlohmann's escaping keeps a control byte
  // or newline from breaking the one-line rule. Invalid UTF-8 is replaced.
  return nlohmann::json(std::string(s)).dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::replace);
}

Error InvalidUrl(std::string msg) { return Error(ErrorCode::kInvalidUrl, std::move(msg)); }
Error InvalidArg(std::string msg) { return Error(ErrorCode::kInvalidArgument, std::move(msg)); }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view TrimJsonWhitespace(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

// Validator is a SAX handler that accepts every event and keeps the first
// parse error: it validates without building a document, so a large --data
// from stdin costs no more than its text.
struct Validator : nlohmann::json::json_sax_t {
  std::string error;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::json::exception& ex) override {
    // ex.what() reads "[json.exception.parse_error.101] parse error at line
    // 1, column 5: syntax error while parsing value - ...". Keep "line 1,
    // column 5: <reason>"; fall back to the byte offset if the format changes.
    std::string_view what = ex.what();
    constexpr std::string_view kAt = "parse error at ";
    size_t at = what.find(kAt);
    if (at != std::string_view::npos && what.substr(at + kAt.size()).starts_with("line ")) {
      what.remove_prefix(at + kAt.size());
      error = std::string(what);
    } else {
      error = "byte " + std::to_string(position) + ": " + std::string(what);
    }
    if (error.size() > kMaxReasonBytes) error = error.substr(0, kMaxReasonBytes) + "...";
    return false;
  }
};

// SchemeEnd returns where "://" follows a syntactically valid scheme at the
// start of arg (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )), or
// npos. A "://" later on, as in "host/?next=http://x", is not a scheme.
size_t SchemeEnd(std::string_view arg) {
  size_t sep = arg.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::string_view::npos;
  if (!std::isalpha(static_cast<unsigned char>(arg[0]))) return std::string_view::npos;
  for (char c : arg.substr(0, sep)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return std::string_view::npos;
    }
  }
  return sep;
}

}  // namespace

nethttp::Result<std::string> ExpandURL(std::string_view arg) {
  if (arg.empty()) return InvalidUrl("empty URL");
  for (unsigned char c : arg) {
    if (c <= ' ' || c == 0x7f) {
      return InvalidUrl("invalid URL " + Quote(arg) + ": contains a space or control character");
    }
  }
  std::string url;
  if (size_t sep = SchemeEnd(arg); sep != std::string_view::npos) {
    std::string scheme = nethttp::ToLower(arg.substr(0, sep));
    if (scheme != "http" && scheme != "https") {
      return InvalidUrl("unsupported URL scheme " + Quote(scheme) + " in " + Quote(arg) +
                        ": post-json speaks http and https");
    }
    url = scheme + std::string(arg.substr(sep));
  } else if (arg.front() == ':') {
    // httpie's localhost shorthand: ":8091/echo", ":/path", ":".
    bool no_port = arg.size() == 1 || arg[1] == '/' || arg[1] == '?';
    url = "http://localhost" + std::string(no_port ? arg.substr(1) : arg);
  } else {
    url = "http://" + std::string(arg);
  }

  // Check the authority here so a typo is a usage error with a message that
  // names the part at fault, before nethttp::Parse sees it.
  std::string_view rest = std::string_view(url).substr(url.find("://") + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return InvalidUrl("invalid URL " + Quote(arg) + ": missing ']' in IPv6 host");
    }
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidUrl("invalid URL " + Quote(arg) + ": junk after ']'");
      has_port = true;
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    has_port = true;
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") return InvalidUrl("invalid URL " + Quote(arg) + ": missing host");
  // "host:" is allowed (Go drops the empty port); otherwise 1..65535.
  if (has_port && !port.empty()) {
    bool digits = port.size() <= 5 &&
                  std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    int value = digits ? std::stoi(std::string(port)) : 0;
    if (!digits || value < 1 || value > 65535) {
      return InvalidUrl("invalid URL " + Quote(arg) + ": invalid port " + Quote(port));
    }
  }
  return url;
}

nethttp::Result<Field> ParseField(std::string_view item) {
  Field field;
  for (size_t i = 0; i < item.size(); ++i) {
    char c = item[i];
    if (c == '\\' && i + 1 < item.size() &&
        (item[i + 1] == '=' || item[i + 1] == ':' || item[i + 1] == '\\')) {
      field.key += item[++i];
      continue;
    }
    size_t sep_len = 0;
    if (c == ':' && i + 1 < item.size() && item[i + 1] == '=') {
      field.raw_json = true;
      sep_len = 2;
    } else if (c == '=') {
      sep_len = 1;
    }
    if (sep_len == 0) {
      field.key += c;
      continue;
    }
    if (field.key.empty()) return InvalidArg("invalid item " + Quote(item) + ": empty key");
    field.value = std::string(item.substr(i + sep_len));
    return field;
  }
  return InvalidArg("invalid item " + Quote(item) +
                    ": expected key=value or key:=json (headers go with -H)");
}

nethttp::Result<std::string> BuildBody(const std::vector<std::string>& items) {
  // The object is written as text rather than through an ordered_json
  // document: a ":=" value then goes out exactly as typed, so a number
  // beyond double precision (12345678901234567890123) or a float like 1.10
  // is not rewritten by a round trip through nlohmann's number types.
  std::string body = "{";
  std::unordered_set<std::string> seen;
  for (const std::string& item : items) {
    nethttp::Result<Field> field = ParseField(item);
    if (!field.ok()) return field.error();
    if (!seen.insert(field->key).second) {
      return InvalidArg("field " + Quote(field->key) + " given twice");
    }
    std::string key_json;
    std::string value_json;
    try {
      key_json = nlohmann::json(field->key).dump();
      if (!field->raw_json) value_json = nlohmann::json(field->value).dump();
    } catch (const nlohmann::json::type_error&) {
      // dump() refuses invalid UTF-8 (type_error 316): JSON text is UTF-8.
      return InvalidArg("field " + Quote(field->key) + ": not valid UTF-8");
    }
    if (field->raw_json) {
      if (Error err = ValidateJson(field->value, "field " + Quote(field->key))) return err;
      value_json = std::string(TrimJsonWhitespace(field->value));
    }
    if (body.size() > 1) body += ',';
    body += key_json;
    body += ':';
    body += value_json;
  }
  body += '}';
  return body;
}

Error ValidateJson(std::string_view text, std::string_view what) {
  Validator validator;
  bool ok = nlohmann::json::sax_parse(text, &validator);
  if (ok) return Error();
  std::string reason = validator.error.empty() ? "invalid JSON" : validator.error;
  return InvalidArg(std::string(what) + ": invalid JSON at " + reason);
}

nethttp::Result<std::string> ReadData(std::string_view arg, std::istream& in) {
  std::string data;
  std::string what = "--data";
  if (arg == "-" || arg == "@-") {
    what = "--data from stdin";
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return InvalidArg("cannot read --data from stdin");
  } else if (arg.starts_with('@')) {
    std::string path(arg.substr(1));
    if (path.empty()) return InvalidArg("--data @: missing file name after '@'");
    what = "--data file " + Quote(path);
    std::ifstream file(path, std::ios::binary);
    if (!file) return InvalidArg("cannot read " + what + ": " + std::strerror(errno));
    std::ostringstream buf;
    buf << file.rdbuf();
    if (file.bad()) return InvalidArg("cannot read " + what + ": " + std::strerror(errno));
    data = std::move(buf).str();
  } else {
    data.assign(arg);
  }
  if (Error err = ValidateJson(data, what)) return err;
  return data;
}

std::string DataFile(std::string_view arg) {
  if (!arg.starts_with('@') || arg == "@-") return {};
  return std::string(arg.substr(1));
}

Error ValidateJsonFile(const std::string& path) {
  if (path.empty()) return InvalidArg("--data @: missing file name after '@'");
  std::string what = "--data file " + Quote(path);
  // A directory opens as a stream and fails only on its first read; the
  // body is sent from a regular file, so nothing else is taken.
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return InvalidArg("cannot read " + what + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return InvalidArg("cannot read " + what + ": not a regular file");
  std::ifstream file(path, std::ios::binary);
  if (!file) return InvalidArg("cannot read " + what + ": " + std::strerror(errno));
  Validator validator;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(file, &validator);
  } catch (const std::exception&) {  // (the library's stream read failing)
    return InvalidArg("cannot read " + what + ": " + std::strerror(errno));
  }
  if (file.bad()) return InvalidArg("cannot read " + what + ": " + std::strerror(errno));
  if (ok) return Error();
  std::string reason = validator.error.empty() ? "invalid JSON" : validator.error;
  return InvalidArg(what + ": invalid JSON at " + reason);
}

nethttp::Result<HeaderArg> ParseHeaderArg(std::string_view arg) {
  size_t colon = arg.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArg("invalid header " + Quote(arg) + ": expected \"Name: value\"");
  }
  std::string_view name = arg.substr(0, colon);
  std::string_view value = TrimOws(arg.substr(colon + 1));
  if (!nethttp::ValidHeaderFieldName(name)) {
    return InvalidArg("invalid header " + Quote(arg) + ": " + Quote(name) +
                      " is not a valid header name");
  }
  if (!nethttp::ValidHeaderFieldValue(value)) {
    return InvalidArg("invalid header " + Quote(arg) + ": the value contains a control character");
  }
  return HeaderArg{std::string(name), std::string(value)};
}

}  // namespace postjson
