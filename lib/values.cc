// url.Values (Go: net/url/url.go, Values and parseQuery). Pure text.
#include "nethttp/values.h"

#include <algorithm>

#include "nethttp/url.h"

namespace nethttp {

namespace {

// ValuesOf returns key's values in m, made empty if key was absent.
std::vector<std::string>& ValuesOf(Values::Map& m, std::string_view key) {
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), std::vector<std::string>{}).first;
  return it->second;
}

}  // namespace

std::string_view Values::Get(std::string_view key) const {
  const std::vector<std::string>& values = (*this)[key];
  return values.empty() ? std::string_view{} : std::string_view(values.front());
}

void Values::Set(std::string_view key, std::string_view value) { ValuesOf(m_, key).assign(1, std::string(value)); }

void Values::Add(std::string_view key, std::string_view value) { ValuesOf(m_, key).emplace_back(value); }

void Values::Del(std::string_view key) {
  if (auto it = m_.find(key); it != m_.end()) m_.erase(it);
}

bool Values::Has(std::string_view key) const { return m_.find(key) != m_.end(); }

const std::vector<std::string>& Values::operator[](std::string_view key) const {
  static const std::vector<std::string> kNone;
  auto it = m_.find(key);
  return it == m_.end() ? kNone : it->second;
}

std::string Values::Encode() const {
  std::string out;
  for (const auto& [key, values] : m_) {
    const std::string escaped_key = QueryEscape(key);
    for (const std::string& value : values) {
      if (!out.empty()) out += '&';
      out += escaped_key;
      out += '=';
      out += QueryEscape(value);
    }
  }
  return out;
}

Error Values::AddQuery(std::string_view query) {
  if (static_cast<size_t>(std::count(query.begin(), query.end(), '&')) >= kMaxQueryPairs) {
    return Error(ErrorCode::kInvalidArgument, "number of URL query parameters exceeded limit");
  }
  Error first;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.find(';') != std::string_view::npos) {
      // Go overwrites its error here rather than keeping the first; the
      // first is kept here, so the message names the earliest bad pair.
      if (!first) first = Error(ErrorCode::kInvalidArgument, "invalid semicolon separator in query");
      continue;
    }
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    Result<std::string> key = QueryUnescape(pair.substr(0, eq));
    Result<std::string> value =
        eq == std::string_view::npos ? Result<std::string>(std::string()) : QueryUnescape(pair.substr(eq + 1));
    if (!key.ok() || !value.ok()) {
      if (!first) first = key.ok() ? value.error() : key.error();
      continue;
    }
    Add(*key, *value);
  }
  return first;
}

Result<Values> ParseQuery(std::string_view query) {
  Values v;
  if (Error err = v.AddQuery(query)) return err;
  return v;
}

}  // namespace nethttp
