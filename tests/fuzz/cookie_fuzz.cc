// Fuzz target for lib/cookie.cc: every input line is both a Set-Cookie and a
// Cookie header value. Cookies read must be well formed, and what String and
// AddCookie write must read back to the same cookie.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "internal/log.h"
#include "nethttp/cookie.h"
#include "nethttp/header.h"

namespace nethttp::fuzz {
namespace {

// Go's cookie-octet loosened with space and comma (cookie.go validCookieValueByte).
bool ValidValueByte(char b) { return b >= 0x20 && b < 0x7f && b != '"' && b != ';' && b != '\\'; }

void CheckNameValue(const Cookie& c) {
  FUZZ_CHECK_MSG(ValidHeaderFieldName(c.name), "cookie name \"" + Escape(c.name) + "\"");
  for (char b : c.value) {
    FUZZ_CHECK_MSG(ValidValueByte(b), "cookie value \"" + Escape(c.value) + "\"");
  }
}

std::string Describe(const Cookie& c) {
  return "{name=\"" + Escape(c.name) + "\" value=\"" + Escape(c.value) + "\" path=\"" +
         Escape(c.path) + "\" domain=\"" + Escape(c.domain) + "\" expires=" +
         (c.expires ? std::to_string(c.expires->time_since_epoch().count()) : "-") +
         " max_age=" + std::to_string(c.max_age) + " secure=" + std::to_string(c.secure) +
         " http_only=" + std::to_string(c.http_only) +
         " same_site=" + std::to_string(static_cast<int>(c.same_site)) +
         " unparsed=" + std::to_string(c.unparsed.size()) + "}";
}

// CheckSetCookieRoundTrip: c.String() read back as a Set-Cookie line is c
// again, less what String leaves out on purpose (an invalid domain or
// expiry, the default SameSite, unparsed attributes), and String of that
// is the same line.
void CheckSetCookieRoundTrip(const Cookie& c) {
  std::string line = c.String();
  FUZZ_CHECK_MSG(!line.empty(), "String of a cookie that was read is empty: " + Describe(c));
  Header h;
  h.Add("Set-Cookie", line);
  std::vector<Cookie> back = ReadSetCookies(h);
  std::string context = "\n  cookie " + Describe(c) + "\n  String \"" + Escape(line) + "\"" +
                        (back.size() == 1 ? "\n  reads as " + Describe(back[0]) : "");
  FUZZ_CHECK_MSG(back.size() == 1, "String does not read back" + context);
  const Cookie& r = back[0];
  FUZZ_CHECK_MSG(r.name == c.name && r.value == c.value, "name/value changed" + context);
  FUZZ_CHECK_MSG(r.path == c.path, "path changed" + context);
  // Valid is the library's own verdict on a domain and an expiry; String
  // must write exactly the ones Valid accepts.
  bool domain_ok = Cookie{.name = "n", .domain = c.domain, .expires = std::chrono::sys_seconds{}}
                       .Valid()
                       .ok();
  std::string_view domain = c.domain;
  if (domain.starts_with('.')) domain.remove_prefix(1);
  FUZZ_CHECK_MSG(r.domain == (domain_ok && !c.domain.empty() ? domain : ""),
                 "domain changed" + context);
  bool expires_ok = Cookie{.name = "n", .expires = c.expires}.Valid().ok();
  // Expires reads four-digit years (RFC 6265 §5.1.1), but a zone offset
  // can carry "31 Dec 9999 23:30:00 GMT-1" into the year 10000. No way of
  // writing that reads back the same (Go writes "10000", which no reader
  // takes); the one wrong way is a date that has already passed.
  bool five_digit_year = false;
  if (c.expires) {
    using namespace std::chrono;
    five_digit_year = year_month_day{floor<days>(*c.expires)}.year() > year{9999};
  }
  if (five_digit_year) {
    using namespace std::chrono;
    constexpr sys_seconds kLastDay{sys_days{year{9999} / December / 31}};
    // String writes every digit of the year, as Go's "2006" does
    // (fuzz_regressions_test "Expires past the year 9999 is not written as
    // a date in the past"): never a four-digit date that has passed.
    int y = static_cast<int>(year_month_day{floor<days>(*c.expires)}.year());
    if (expires_ok) {
      FUZZ_CHECK_MSG(line.find(" " + std::to_string(y) + " ") != std::string::npos,
                     "the year " + std::to_string(y) + " was not written in full" + context);
    }
    FUZZ_CHECK_MSG(!r.expires || *r.expires >= kLastDay,
                   "a far expiry was written as a past one" + context);
    return;  // the attribute may come back unparsed, so nothing more holds
  }
  if (expires_ok) {
    FUZZ_CHECK_MSG(r.expires == c.expires, "expires changed" + context);
  } else {
    FUZZ_CHECK_MSG(!r.expires, "an invalid expiry was written" + context);
  }
  FUZZ_CHECK_MSG(r.max_age == (c.max_age > 0 ? c.max_age : c.max_age < 0 ? -1 : 0),
                 "max_age changed" + context);
  FUZZ_CHECK_MSG(r.secure == c.secure && r.http_only == c.http_only, "flags changed" + context);
  SameSite want = c.same_site == SameSite::kDefaultMode ? SameSite::kUnset : c.same_site;
  FUZZ_CHECK_MSG(r.same_site == want, "SameSite changed" + context);
  FUZZ_CHECK_MSG(r.unparsed.empty(), "String wrote an attribute it cannot read" + context);
  FUZZ_CHECK_MSG(r.String() == line, "String is not a fixed point" + context);
}

// TestOneInput is the target; LLVMFuzzerTestOneInput below only adapts it.
void TestOneInput(std::string_view input) {
  std::vector<std::string_view> lines;
  for (size_t start = 0;;) {
    size_t nl = input.find('\n', start);
    lines.push_back(input.substr(start, nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  Header set_cookie;
  Header cookie;
  for (std::string_view l : lines) {
    set_cookie.Add("Set-Cookie", l);
    cookie.Add("Cookie", l);
  }

  // Set-Cookie: at most one cookie per line, in order, each with its line.
  std::vector<Cookie> cs = ReadSetCookies(set_cookie);
  FUZZ_CHECK(cs.size() <= lines.size());
  size_t next_line = 0;
  for (const Cookie& c : cs) {
    CheckNameValue(c);
    while (next_line < lines.size() && lines[next_line] != c.raw) ++next_line;
    FUZZ_CHECK_MSG(next_line < lines.size(), "raw is not the line it was read from");
    ++next_line;
    (void)c.Valid();
    CheckSetCookieRoundTrip(c);
  }

  // Cookie: every pair well formed; the filter picks a subsequence.
  std::vector<Cookie> cc = ReadCookies(cookie);
  for (const Cookie& c : cc) {
    CheckNameValue(c);
    FUZZ_CHECK(c.path.empty() && c.domain.empty() && !c.expires && c.raw.empty());
  }
  if (!cc.empty()) {
    const std::string& name = cc[cc.size() / 2].name;
    std::vector<Cookie> only = ReadCookies(cookie, name);
    std::vector<Cookie> want;
    for (const Cookie& c : cc) {
      if (c.name == name) want.push_back(c);
    }
    FUZZ_CHECK_MSG(only == want, "filter \"" + Escape(name) + "\" picks other cookies");
  }
  // AddCookie writes what ReadCookies reads back, pair by pair.
  Header sent;
  for (const Cookie& c : cc) AddCookie(sent, c);
  std::vector<Cookie> back = ReadCookies(sent);
  FUZZ_CHECK_MSG(back.size() == cc.size(), "AddCookie gives \"" +
                                               Escape(sent.Get("Cookie")) + "\", which reads as " +
                                               std::to_string(back.size()) + " cookies, not " +
                                               std::to_string(cc.size()));
  for (size_t i = 0; i < cc.size(); ++i) {
    FUZZ_CHECK_MSG(back[i].name == cc[i].name && back[i].value == cc[i].value,
                   "AddCookie round trip changed " + Describe(cc[i]) + " into " +
                       Describe(back[i]));
  }
}

}  // namespace
}  // namespace nethttp::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // String warns about every byte it drops; a fuzzer drops millions.
  nethttp::SetLogLevel("off");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nethttp::fuzz::TestOneInput(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
