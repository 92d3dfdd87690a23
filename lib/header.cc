// Header field names and values: canonicalisation (Go: textproto's
// CanonicalMIMEHeaderKey), validation (Go: x/net/http/httpguts) and the
// multi-valued Header with its wire form (Go: header.go).
#include "nethttp/header.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <utility>

#include "internal/ascii.h"
#include "internal/head_pieces.h"
#include "internal/transfer.h"

namespace nethttp {

using namespace std::string_view_literals;

namespace {

bool IsToken(std::string_view s) {
  return std::all_of(s.begin(), s.end(), IsTokenByte);
}

// KeyMatcher decides whether a stored key is the one a caller names, without
// building the canonical form (Get and Has run on every request and must not
// allocate). For a token, canonicalisation is a function of the lower-cased
// bytes, so an ASCII case-insensitive compare against the stored canonical
// key is the same as Go's map lookup by CanonicalMIMEHeaderKey(key). A
// non-token key is not canonicalised by Go, so it must match exactly.
//
// Callers nearly always name keys canonically, so an exact match is tried
// first, and whether key is a token is only asked when the bytes differ.
class KeyMatcher {
 public:
  explicit KeyMatcher(std::string_view key) : key_(key) {}

  bool operator()(std::string_view stored) const {
    if (stored.size() != key_.size()) return false;
    if (stored == key_) return true;
    // (Most misses of the same length differ in the first byte: they cost
    // no look at whether key is a token.)
    if (ToLower(stored[0]) != ToLower(key_[0]) || !IsToken(key_)) return false;
    for (size_t i = 0; i < key_.size(); ++i) {
      if (ToLower(stored[i]) != ToLower(key_[i])) return false;
    }
    return true;
  }

 private:
  std::string_view key_;
};

// kCanonicalByte[word_start][c] is byte c as a canonical key holds it, at
// the start of a word (upper case) or inside one (lower case); 0 for a
// byte no token may hold. One load per byte, where testing the token
// table and both cases was three branches.
constexpr std::array<std::array<char, 256>, 2> kCanonicalByte = [] {
  std::array<std::array<char, 256>, 2> t{};
  for (int c = 0; c < 256; ++c) {
    if (!kTokenByte[c]) continue;
    t[0][c] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    t[1][c] = static_cast<char>(c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c);
  }
  return t;
}();

// kCommonKeys are field names most messages carry, in canonical form (Go:
// textproto's commonHeader). A key that matches one byte for byte, as
// nearly every peer writes them, is canonical already: it needs no pass
// that converts it. Grouped by length, shortest first, for
// IsCommonCanonical's look at one group.
constexpr std::string_view kCommonKeys[] = {
    "Te", "Via", "Date", "Etag", "From", "Host", "Vary", "Range", "Accept", "Cookie", "Expect", "Origin",
    "Pragma", "Server", "Expires", "Referer", "Trailer", "Upgrade", "Location", "Connection",
    "Keep-Alive", "Set-Cookie", "User-Agent", "Content-Type", "Authorization", "Cache-Control",
    "If-None-Match", "Last-Modified", "Accept-Ranges", "Content-Range", "Accept-Charset",
    "Content-Length", "Accept-Encoding", "Accept-Language", "X-Forwarded-For", "Content-Encoding",
    "Content-Language", "Content-Location", "Proxy-Connection", "Transfer-Encoding",
    "If-Modified-Since", "X-Forwarded-Proto", "Content-Disposition",
};
constexpr size_t kLongestCommonKey = 19;

// kCommonByLength[n] is the first kCommonKeys index of length n or more.
constexpr std::array<uint8_t, kLongestCommonKey + 2> kCommonByLength = [] {
  std::array<uint8_t, kLongestCommonKey + 2> t{};
  size_t i = 0;
  for (size_t n = 0; n < t.size(); ++n) {
    while (i < std::size(kCommonKeys) && kCommonKeys[i].size() < n) ++i;
    t[n] = static_cast<uint8_t>(i);
  }
  return t;
}();
static_assert(std::is_sorted(std::begin(kCommonKeys), std::end(kCommonKeys),
                             [](std::string_view a, std::string_view b) { return a.size() < b.size(); }));

// Canonical reports whether key is a token in canonical form: what
// CanonicalHeaderKey would leave as it is.
constexpr bool Canonical(std::string_view key) {
  bool word_start = true;
  for (char c : key) {
    auto b = static_cast<unsigned char>(c);
    if (kCanonicalByte[word_start][b] != c) return false;
    word_start = b == '-';
  }
  return !key.empty();
}
static_assert(std::all_of(std::begin(kCommonKeys), std::end(kCommonKeys), Canonical));
static_assert(std::all_of(std::begin(kCommonKeys), std::end(kCommonKeys),
                          [](std::string_view k) { return k.size() <= kLongestCommonKey; }));

bool IsCommonCanonical(std::string_view key) {
  if (key.size() > kLongestCommonKey) return false;
  for (size_t i = kCommonByLength[key.size()]; i < kCommonByLength[key.size() + 1]; ++i) {
    // (The first byte rules out most of a group without a call to memcmp.)
    if (kCommonKeys[i][0] == key[0] && std::memcmp(kCommonKeys[i].data(), key.data(), key.size()) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string CanonicalHeaderKey(std::string_view key) {
  // One object returned on every path, so the caller's string is the one
  // built here (two returns of different objects cost a copy each call).
  std::string out(key);
  if (key.empty() || IsCommonCanonical(key)) return out;
  // One pass that checks and converts: every field of every message that
  // is not common comes through here. Go 1.19: a key with any non-token
  // byte (a space, non-ASCII) is returned unchanged rather than
  // half-canonicalised.
  bool word_start = true;
  for (char& c : out) {
    auto b = static_cast<unsigned char>(c);
    char canonical = kCanonicalByte[word_start][b];
    if (canonical == 0) {
      out.assign(key);
      break;
    }
    c = canonical;
    word_start = b == '-';
  }
  return out;
}

bool ValidHeaderFieldName(std::string_view name) { return !name.empty() && IsToken(name); }

bool ValidTrailerHeader(std::string_view name) {
  // httpguts adds the conditionals to transfer.go's list.
  return !name.starts_with("If-") && AllowedInTrailer(name);
}

bool ValidHeaderFieldValue(std::string_view value) {
  // Go: httpguts.ValidHeaderFieldValue — no CTL (0x00-0x1f, 0x7f) except
  // the linear white space HTAB (and SP, which is not a CTL). Every value
  // of every message comes through here, so eight bytes are looked at a
  // time while none of them is a CTL (the exact "has a byte less than"
  // and "has a zero byte" word tests); a word with one, HTAB included, is
  // left to the byte loop.
  const char* p = value.data();
  size_t n = value.size();
  constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;
  auto clean = [](const char* at) {
    uint64_t w;
    std::memcpy(&w, at, 8);
    uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;
    uint64_t del = w ^ (kOnes * 0x7f);
    uint64_t has_del = (del - kOnes) & ~del & kHighs;
    return (below_space | has_del) == 0;
  };
  while (n >= 8) {
    if (!clean(p)) break;
    p += 8;
    n -= 8;
  }
  // The last few bytes of a value of eight or more: one more word, the
  // value's last eight, which overlaps bytes already looked at.
  if (n > 0 && n < 8 && value.size() >= 8 && clean(value.data() + value.size() - 8)) return true;
  for (; n > 0; ++p, --n) {
    auto c = static_cast<unsigned char>(*p);
    if ((c < ' ' || c == 0x7f) && c != '\t') return false;
  }
  return true;
}

void Header::Add(std::string_view key, std::string_view value) {
  Append(CanonicalHeaderKey(key), std::string(value));
}

void Header::AddCanonical(std::string key, std::string value) {
  Append(std::move(key), std::move(value));
}

Header::Field& Header::NewField() {
  // A parser fills a fresh Header for every message, a handler or a proxy
  // adds to one per request: room for a typical head up front is one
  // allocation where growing one field at a time was up to four, each
  // moving the fields already there. A copied header, which has no room
  // to spare (a proxy copies the client's, then adds two fields), grows
  // to that size in one step too.
  constexpr size_t kTypicalFields = 8;
  if (fields_.size() == fields_.capacity() && fields_.capacity() < kTypicalFields) {
    fields_.reserve(kTypicalFields);
  }
  // (Made in place, then given its strings: a Field built first and moved
  // in would move each string once more. Not emplace_back(key, value):
  // clang 14 cannot initialise an aggregate from parentheses.)
  return fields_.emplace_back();
}

void Header::Append(std::string&& key, std::string&& value) {
  Field& f = NewField();
  f.key = std::move(key);
  f.value = std::move(value);
}

void Header::Append(std::string&& key, std::string_view value) {
  Field& f = NewField();
  f.key = std::move(key);
  f.value.assign(value);
}

void Header::Set(std::string_view key, std::string_view value) {
  // Go replaces the value slice; we keep the first field's position so the
  // wire order stays stable, and drop the later duplicates.
  KeyMatcher match(key);
  auto first = std::find_if(fields_.begin(), fields_.end(),
                            [&](const Field& f) { return match(f.key); });
  if (first == fields_.end()) {
    Add(key, value);
    return;
  }
  first->value.assign(value);
  fields_.erase(std::remove_if(first + 1, fields_.end(),
                               [&](const Field& f) { return match(f.key); }),
                fields_.end());
}

std::string_view Header::Get(std::string_view key) const {
  KeyMatcher match(key);
  for (const Field& f : fields_) {
    if (match(f.key)) return f.value;
  }
  return {};
}

std::vector<std::string_view> Header::Values(std::string_view key) const {
  KeyMatcher match(key);
  std::vector<std::string_view> out;
  for (const Field& f : fields_) {
    if (match(f.key)) out.push_back(f.value);
  }
  return out;
}

bool Header::Has(std::string_view key) const {
  KeyMatcher match(key);
  return std::any_of(fields_.begin(), fields_.end(), [&](const Field& f) { return match(f.key); });
}

void Header::Del(std::string_view key) {
  KeyMatcher match(key);
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const Field& f) { return match(f.key); }),
                fields_.end());
}

void Header::Write(std::string* out) const {
  HeadPieces head(out);
  AddFields(&head, *this);
}

void AddFields(HeadPieces* head, const Header& h) {
  // Go: Header.writeSubset. Go sorts the keys; we keep arrival order so a
  // message round-trips (header.h). Like Go, a field whose name is not a
  // token is dropped (there is no way to report it to a handler), CR and LF
  // in a value become spaces (headerNewlineToSpace), and the value is then
  // trimmed of ASCII space (textproto.TrimString).
  for (const Header::Field& f : h) {
    if (!ValidHeaderFieldName(f.key)) continue;
    // CR and LF are ASCII space for TrimString too, so trimming first and
    // replacing after gives the same bytes as Go's replace-then-trim.
    std::string_view v = TrimString(f.value);
    head->Add(f.key).Add(": "sv);
    // (Two memchr calls: find_first_of would call one per byte of v.)
    if (std::memchr(v.data(), '\r', v.size()) != nullptr || std::memchr(v.data(), '\n', v.size()) != nullptr) {
      std::string spaced(v);
      for (char& c : spaced) {
        if (c == '\r' || c == '\n') c = ' ';
      }
      head->Add(spaced);
    } else {
      head->Add(v);
    }
    head->Add("\r\n"sv);
  }
}

}  // namespace nethttp
