// HTTP dates (Go: http.ParseTime and http.TimeFormat in header.go, over the
// part of time.Parse in time/format.go that their layouts use). Shared by
// cookie.cc (Expires) and preconditions.cc (If-Modified-Since and friends).
// Sans-I/O.
#ifndef NETHTTP_INTERNAL_HTTP_TIME_H_
#define NETHTTP_INTERNAL_HTTP_TIME_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace nethttp {

// kTimeFormat is Go's http.TimeFormat, the IMF-fixdate of RFC 9110 §5.6.7.
inline constexpr std::string_view kTimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT";
// kRFC850 and kANSIC are Go's time.RFC850 and time.ANSIC: the two obsolete
// forms RFC 9110 §5.6.7 says a recipient MUST accept.
inline constexpr std::string_view kRFC850 = "Monday, 02-Jan-06 15:04:05 MST";
inline constexpr std::string_view kANSIC = "Mon Jan _2 15:04:05 2006";

// ParseTimeLayout is Go's time.Parse(layout, value) for the layout elements
// HTTP and cookie dates use: Mon, Monday, Jan, 02, _2, 2, 2006, 06, 15, 04,
// 05 and MST; every other byte of the layout is a literal. It follows
// time.Parse's rules: names match ignoring ASCII case, a space in the layout
// matches any run of spaces, "02"/"04"/"05" need two digits and "15"/"2"
// one or two, "06" is 1969-2068, a fraction after the seconds is accepted
// and dropped, and the weekday is not checked against the date. A zone
// name never moves the instant: Go 1.19 builds the time as UTC and only
// labels it with a name it does not know, even "GMT+1" (time.Parse gives
// "23:00:00 GMT+1" the Unix time of 23:00 UTC; http_time_test pins it).
// Go would shift by the local zone's offset for the local zone's own
// abbreviation; we never depend on the machine's zone. The result is
// truncated to whole seconds, which is all an HTTP date carries.
std::optional<std::chrono::sys_seconds> ParseTimeLayout(std::string_view layout,
                                                        std::string_view value);

// ParseTime is Go's http.ParseTime: an HTTP date in any of the three forms
// RFC 9110 §5.6.7 names (kTimeFormat, kRFC850, kANSIC), tried in that order.
std::optional<std::chrono::sys_seconds> ParseTime(std::string_view text);

// FormatTime appends t in kTimeFormat (Go: t.UTC().Format(http.TimeFormat)).
// A year past 9999 keeps all its digits, as Go's "2006" does; one before 0
// is written as 0000.
void FormatTime(std::chrono::sys_seconds t, std::string* out);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_HTTP_TIME_H_
