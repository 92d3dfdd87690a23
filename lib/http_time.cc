// HTTP dates: the subset of Go's time.Parse (time/format.go) that
// http.ParseTime and the cookie Expires layouts need, and http.TimeFormat
// output. See internal/http_time.h for what the subset is.
#include "internal/http_time.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "internal/ascii.h"

namespace nethttp {
namespace {

using std::chrono::sys_seconds;

constexpr std::array<std::string_view, 7> kDayNames = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonthNames = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// Std names the layout elements we support (Go: the std* constants).
enum class Std {
  kNone,         // end of layout
  kWeekDay,      // "Mon"
  kLongWeekDay,  // "Monday"
  kMonth,        // "Jan"
  kDay,          // "2"
  kUnderDay,     // "_2"
  kZeroDay,      // "02"
  kLongYear,     // "2006"
  kYear,         // "06"
  kHour,         // "15"
  kZeroMinute,   // "04"
  kZeroSecond,   // "05"
  kTZ,           // "MST"
};

struct Chunk {
  std::string_view prefix;  // literal text before the element
  Std std = Std::kNone;
  std::string_view suffix;  // the layout after the element
};

// NextStdChunk is Go's nextStdChunk, cut down to the elements above.
Chunk NextStdChunk(std::string_view layout) {
  struct Element {
    std::string_view text;
    Std std;
  };
  // Longer elements first where one is a prefix of another, as Go checks
  // "Monday" before "Mon" and "2006" before "2".
  static constexpr std::array<Element, 12> kElements = {{
      {"Monday", Std::kLongWeekDay},
      {"Mon", Std::kWeekDay},
      {"MST", Std::kTZ},
      {"Jan", Std::kMonth},
      {"2006", Std::kLongYear},
      {"2", Std::kDay},
      {"_2", Std::kUnderDay},
      {"02", Std::kZeroDay},
      {"06", Std::kYear},
      {"15", Std::kHour},
      {"04", Std::kZeroMinute},
      {"05", Std::kZeroSecond},
  }};
  for (size_t i = 0; i < layout.size(); ++i) {
    for (const Element& e : kElements) {
      if (layout.substr(i).starts_with(e.text)) {
        return {layout.substr(0, i), e.std, layout.substr(i + e.text.size())};
      }
    }
  }
  return {layout, Std::kNone, {}};
}

// Skip is Go's skip: the layout's literal prefix must come next in value,
// except that a space matches any run of spaces (or none at the end).
bool Skip(std::string_view* value, std::string_view prefix) {
  std::string_view& v = *value;
  while (!prefix.empty()) {
    if (prefix.front() == ' ') {
      if (!v.empty() && v.front() != ' ') return false;
      while (!prefix.empty() && prefix.front() == ' ') prefix.remove_prefix(1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      continue;
    }
    if (v.empty() || v.front() != prefix.front()) return false;
    v.remove_prefix(1);
    prefix.remove_prefix(1);
  }
  return true;
}

// Lookup is Go's lookup: the first name that prefixes v, ignoring ASCII case.
template <size_t N>
bool Lookup(const std::array<std::string_view, N>& names, std::string_view* v, int* idx) {
  for (size_t i = 0; i < N; ++i) {
    if (v->size() >= names[i].size() && EqualFold(v->substr(0, names[i].size()), names[i])) {
      *idx = static_cast<int>(i);
      v->remove_prefix(names[i].size());
      return true;
    }
  }
  return false;
}

// GetNum is Go's getnum: one or two digits, exactly two when fixed.
bool GetNum(std::string_view* v, bool fixed, int* out) {
  std::string_view& s = *v;
  if (s.empty() || !IsDigit(s[0])) return false;
  if (s.size() < 2 || !IsDigit(s[1])) {
    if (fixed) return false;
    *out = s[0] - '0';
    s.remove_prefix(1);
    return true;
  }
  *out = (s[0] - '0') * 10 + (s[1] - '0');
  s.remove_prefix(2);
  return true;
}

// ParseSignedOffset is Go's parseSignedOffset: the length of "+h" or "-h"
// (h at most 23) at the start of v, or 0.
size_t ParseSignedOffset(std::string_view v) {
  if (v.empty() || (v[0] != '+' && v[0] != '-')) return 0;
  size_t n = 1;
  int64_t h = 0;
  while (n < v.size() && IsDigit(v[n])) {
    h = h * 10 + (v[n++] - '0');
    if (h > 23) return 0;  // Go: x > 23 fails (its leadingInt also stops on overflow)
  }
  return n == 1 ? 0 : n;
}

// SkipTimeZone is Go's stdTZ branch and parseTimeZone: it consumes the
// zone name at the start of v. The name does not move the instant (see the
// header: Go 1.19 reads "23:00:00 GMT+1" as 23:00 UTC too).
bool SkipTimeZone(std::string_view* v) {
  std::string_view& s = *v;
  if (s.starts_with("UTC")) {
    s.remove_prefix(3);
    return true;
  }
  if (s.size() < 3) return false;
  // Special case 1: ChST and MeST are the only zones with a lower-case letter.
  if (s.starts_with("ChST") || s.starts_with("MeST")) {
    s.remove_prefix(4);
    return true;
  }
  // Special case 2: GMT may have an hour offset (parseGMT).
  if (s.starts_with("GMT")) {
    s.remove_prefix(3 + ParseSignedOffset(s.substr(3)));
    return true;
  }
  // Special case 3: an unnamed zone such as "+07".
  if (s[0] == '+' || s[0] == '-') {
    size_t n = ParseSignedOffset(s);
    if (n == 0) return false;
    s.remove_prefix(n);
    return true;
  }
  // Three to five upper-case letters; four or five must end in T (or be WITA).
  size_t upper = 0;
  while (upper < s.size() && upper < 6 && IsUpper(s[upper])) ++upper;
  size_t n = 0;
  if (upper == 3) n = 3;
  if (upper == 4 && (s[3] == 'T' || s.starts_with("WITA"))) n = 4;
  if (upper == 5 && s[4] == 'T') n = 5;
  if (n == 0) return false;
  s.remove_prefix(n);
  return true;
}

}  // namespace

std::optional<sys_seconds> ParseTimeLayout(std::string_view layout, std::string_view value) {
  using namespace std::chrono;
  int year = 1, month = 1, day = 1, hour = 0, min = 0, sec = 0, ignored = 0;
  while (true) {
    Chunk c = NextStdChunk(layout);
    if (!Skip(&value, c.prefix)) return std::nullopt;
    if (c.std == Std::kNone) {
      if (!value.empty()) return std::nullopt;  // Go: "extra text"
      break;
    }
    layout = c.suffix;
    bool ok = true;
    switch (c.std) {
      case Std::kNone:
        break;
      case Std::kYear:  // "06": two digits, 69-99 in the 1900s, else the 2000s
        ok = value.size() >= 2 && IsDigit(value[0]) && IsDigit(value[1]);
        if (ok) {
          year = (value[0] - '0') * 10 + (value[1] - '0');
          year += year >= 69 ? 1900 : 2000;
          value.remove_prefix(2);
        }
        break;
      case Std::kLongYear:
        ok = value.size() >= 4 && std::all_of(value.begin(), value.begin() + 4, IsDigit);
        if (ok) {
          year = 0;
          for (char d : value.substr(0, 4)) year = year * 10 + (d - '0');
          value.remove_prefix(4);
        }
        break;
      case Std::kMonth:
        ok = Lookup(kMonthNames, &value, &month);
        ++month;
        break;
      case Std::kWeekDay:  // Go ignores the weekday except for its syntax
        ok = Lookup(kDayNames, &value, &ignored);
        break;
      case Std::kLongWeekDay:
        ok = Lookup(kLongDayNames, &value, &ignored);
        break;
      case Std::kUnderDay:
        if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
        ok = GetNum(&value, false, &day);
        break;
      case Std::kDay:
      case Std::kZeroDay:
        ok = GetNum(&value, c.std == Std::kZeroDay, &day);
        break;
      case Std::kHour:
        ok = GetNum(&value, false, &hour) && hour < 24;
        break;
      case Std::kZeroMinute:
        ok = GetNum(&value, true, &min) && min < 60;
        break;
      case Std::kZeroSecond:
        ok = GetNum(&value, true, &sec) && sec < 60;
        // A fraction the layout does not mention is accepted (and, since
        // HTTP dates are whole seconds, dropped).
        if (ok && value.size() >= 2 && (value[0] == '.' || value[0] == ',') && IsDigit(value[1])) {
          value.remove_prefix(1);
          while (!value.empty() && IsDigit(value.front())) value.remove_prefix(1);
        }
        break;
      case Std::kTZ:
        ok = SkipTimeZone(&value);
        break;
    }
    if (!ok) return std::nullopt;
  }
  // Go validates the day against the month once everything is parsed.
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (day < 1 || !ymd.ok()) return std::nullopt;  // Go: "day out of range"
  return sys_seconds{sys_days{ymd}} + hours{hour} + minutes{min} + seconds{sec};
}

std::optional<sys_seconds> ParseTime(std::string_view text) {
  for (std::string_view layout : {kTimeFormat, kRFC850, kANSIC}) {
    if (auto t = ParseTimeLayout(layout, text)) return t;
  }
  return std::nullopt;
}

void FormatTime(sys_seconds t, std::string* out) {
  using namespace std::chrono;
  sys_days d = floor<days>(t);
  year_month_day ymd{d};
  hh_mm_ss<seconds> hms{t - d};
  auto two = [out](unsigned v) {
    out->push_back(static_cast<char>('0' + v / 10));
    out->push_back(static_cast<char>('0' + v % 10));
  };
  out->append(kDayNames[weekday{d}.c_encoding()]);
  out->append(", ");
  two(static_cast<unsigned>(ymd.day()));
  out->push_back(' ');
  out->append(kMonthNames[static_cast<unsigned>(ymd.month()) - 1]);
  out->push_back(' ');
  // Go's "2006" zero-pads to four digits and writes every digit beyond:
  // an expiry in the year 10000 must not come out as 0000, in the past.
  int y = std::max(static_cast<int>(ymd.year()), 0);
  std::string year = std::to_string(y);
  if (year.size() < 4) out->append(4 - year.size(), '0');
  out->append(year);
  out->push_back(' ');
  two(static_cast<unsigned>(hms.hours().count()));
  out->push_back(':');
  two(static_cast<unsigned>(hms.minutes().count()));
  out->push_back(':');
  two(static_cast<unsigned>(hms.seconds().count()));
  out->append(" GMT");
}

}  // namespace nethttp
