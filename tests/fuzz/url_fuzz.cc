// Fuzz target for lib/url.cc: Parse and String must round-trip, what
// ParseRequestURI accepts must survive RequestURI, and ResolveReference must
// always give a URL that parses. The input is one URL, or "base\nref". The
// whole input is also read as a query: what parses of it must survive
// Values::Encode and ParseQuery.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "nethttp/url.h"
#include "nethttp/values.h"

namespace nethttp::fuzz {
namespace {

std::string Describe(const URL& u) {
  return "{scheme=\"" + Escape(u.scheme) + "\" user=\"" + Escape(u.user) + "\" host=\"" +
         Escape(u.host) + "\" path=\"" + Escape(u.path) + "\" raw_path=\"" + Escape(u.raw_path) +
         "\" raw_query=\"" + Escape(u.raw_query) + "\" fragment=\"" + Escape(u.fragment) +
         "\" raw_fragment=\"" + Escape(u.raw_fragment) + "\" opaque=\"" + Escape(u.opaque) +
         "\" force_query=" + std::to_string(u.force_query) +
         " omit_host=" + std::to_string(u.omit_host) + "}";
}

// Same compares what a URL means: the decoded fields, and the encoded forms
// String writes for path and fragment (raw_path itself is only a hint that
// EscapedPath may ignore).
bool Same(const URL& a, const URL& b) {
  return a.scheme == b.scheme && a.user == b.user && a.host == b.host && a.path == b.path &&
         a.EscapedPath() == b.EscapedPath() && a.raw_query == b.raw_query &&
         a.fragment == b.fragment && a.EscapedFragment() == b.EscapedFragment() &&
         a.opaque == b.opaque && a.force_query == b.force_query && a.omit_host == b.omit_host;
}

void CheckError(const Error& e) {
  FUZZ_CHECK(e.code() == ErrorCode::kInvalidUrl);
  FUZZ_CHECK(!e.message().empty());
}

// CheckAccessors runs the derived views on u; they must not fail on any URL
// Parse returns, and Port is digits only.
void CheckAccessors(const URL& u) {
  (void)u.Username();
  (void)u.Password();
  (void)u.Hostname();
  for (char c : u.Port()) FUZZ_CHECK(c >= '0' && c <= '9');
  (void)u.RequestURI();
}

// NonAsciiZone: an IPv6 zone ("[fe80::1%25en0]") holding a byte >= 0x80.
// Parse takes the raw byte, String escapes it as %XX, and Parse refuses
// that escape in a zone: Go 1.19's url.go does exactly the same (its
// unescape checks escaped zone bytes against encodeHost, raw ones only
// below 0x80), so the String of such a URL does not parse, in Go as here.
bool NonAsciiZone(const URL& u) {
  if (!u.host.starts_with('[')) return false;
  size_t zone = u.host.find('%');
  if (zone == std::string::npos) return false;
  // The literal ends at the last ']' (ParseHost), so scan up to there.
  for (size_t i = zone; i < u.host.size() && i < u.host.rfind(']'); ++i) {
    if (static_cast<unsigned char>(u.host[i]) >= 0x80) return true;
  }
  return false;
}

// AuthorityLessDoubleSlash: with no authority, a path starting with "//"
// is written as it is, so String reads back as an authority
// ("%2f%2fh%ff/" -> "//h%FF/"), or not at all ("//h%28": a host takes no
// %-escaped ASCII). RFC 3986 §3.3 forbids such a path without an
// authority; Go 1.19 (and later Go) writes it the same way, so this
// mirrors Go rather than breaking a promise of ours.
bool AuthorityLessDoubleSlash(const URL& u) {
  bool writes_authority = !u.host.empty() || !u.user.empty() || (!u.scheme.empty() && !u.omit_host);
  return !writes_authority && u.opaque.empty() && u.EscapedPath().starts_with("//");
}

// CheckRoundTrip: String of a parsed URL parses back to the same URL, and
// String is then a fixed point.
void CheckRoundTrip(const URL& u, std::string_view in) {
  std::string s = u.String();
  if (NonAsciiZone(u) || AuthorityLessDoubleSlash(u)) return;  // as in Go, see above
  Result<URL> again = Parse(s);
  FUZZ_CHECK_MSG(again.ok(), "Parse(\"" + Escape(in) + "\").String() = \"" + Escape(s) +
                                 "\" does not parse: " + again.error().message());
  // A relative path whose first segment has a ':' (decoded from "%3a") is
  // written "./a:b" so that it cannot read as a scheme (RFC 3986 §4.2, Go
  // issue 17184): it comes back with the "./", which means the same path.
  URL want = u;
  if (s.starts_with("./") && !u.path.starts_with("./")) {
    want.path = "./" + u.path;
    if (!u.raw_path.empty()) want.raw_path = "./" + u.raw_path;
  }
  FUZZ_CHECK_MSG(Same(*again, want), "Parse(\"" + Escape(in) + "\") = " + Describe(u) +
                                      "\n  its String \"" + Escape(s) + "\" parses as " +
                                      Describe(*again));
  FUZZ_CHECK_MSG(again->String() == s, "String is not a fixed point: \"" + Escape(s) + "\" -> \"" +
                                           Escape(again->String()) + "\"");
}

// CheckParse returns the parsed URL when in parses, after checking it.
std::optional<URL> CheckParse(std::string_view in) {
  Result<URL> u = Parse(in);
  if (!u.ok()) {
    CheckError(u.error());
    return std::nullopt;
  }
  CheckAccessors(*u);
  CheckRoundTrip(*u, in);
  return *u;
}

// CheckRequestURI: a request-target the server accepted yields a
// RequestURI that the server would read back to the same path and query.
void CheckRequestURI(std::string_view in) {
  Result<URL> u = ParseRequestURI(in);
  if (!u.ok()) {
    CheckError(u.error());
    return;
  }
  FUZZ_CHECK(u->fragment.empty());
  CheckAccessors(*u);
  if (!u->opaque.empty()) return;  // "scheme:opaque" has no origin-form
  FUZZ_CHECK(!u->scheme.empty() || u->path == "*" || u->path.starts_with("/"));
  std::string uri = u->RequestURI();
  Result<URL> again = ParseRequestURI(uri);
  FUZZ_CHECK_MSG(again.ok(), "ParseRequestURI(\"" + Escape(in) + "\").RequestURI() = \"" +
                                 Escape(uri) + "\" is refused");
  FUZZ_CHECK_MSG(again->path == (u->path.empty() ? "/" : u->path) &&
                     again->raw_query == u->raw_query && again->force_query == u->force_query,
                 "ParseRequestURI(\"" + Escape(in) + "\") = " + Describe(*u) + "\n  its \"" +
                     Escape(uri) + "\" reads as " + Describe(*again));
}

bool HasDotSegment(std::string_view path) {
  while (true) {
    size_t slash = path.find('/');
    std::string_view seg = path.substr(0, slash);
    if (seg == "." || seg == "..") return true;
    if (slash == std::string_view::npos) return false;
    path.remove_prefix(slash + 1);
  }
}

// CheckResolve: RFC 3986 §5.2 always gives a target; its String parses, it
// has the scheme it must have, and no dot segment is left in its path.
void CheckResolve(const URL& base, const URL& ref, std::string_view how) {
  URL t = base.ResolveReference(ref);
  FUZZ_CHECK(t.scheme == (ref.scheme.empty() ? base.scheme : ref.scheme));
  std::string s = t.String();
  if (NonAsciiZone(t) || AuthorityLessDoubleSlash(t)) return;  // as in Go, see above
  Result<URL> again = Parse(s);
  FUZZ_CHECK_MSG(again.ok(), std::string(how) + ": " + Describe(base) + " + " + Describe(ref) +
                                 " = \"" + Escape(s) + "\", which does not parse");
  if (t.opaque.empty()) {
    FUZZ_CHECK_MSG(!HasDotSegment(t.EscapedPath()),
                   std::string(how) + ": dot segment left in \"" + Escape(s) + "\"");
  }
  CheckAccessors(t);
}

// CheckQuery: the pairs of a query that parse encode to a query that
// parses, without error, to the same values; URL::Query agrees with them.
void CheckQuery(std::string_view in) {
  Values v;
  Error err = v.AddQuery(in);
  if (err) FUZZ_CHECK(err.code() == ErrorCode::kInvalidArgument || err.code() == ErrorCode::kInvalidUrl);
  std::string encoded = v.Encode();
  Result<Values> back = ParseQuery(encoded);
  FUZZ_CHECK_MSG(back.ok(), "Encode of \"" + Escape(in) + "\" = \"" + Escape(encoded) + "\" does not parse");
  FUZZ_CHECK_MSG(*back == v, "Encode of \"" + Escape(in) + "\" = \"" + Escape(encoded) + "\" reads back otherwise");
  URL u;
  u.raw_query = std::string(in);
  FUZZ_CHECK(u.Query() == v);
}

// TestOneInput is the target; LLVMFuzzerTestOneInput below only adapts it.
void TestOneInput(std::string_view input) {
  // A newline can never be part of a URL (Parse refuses CTLs), so it is a
  // safe separator between a base and a reference.
  size_t nl = input.find('\n');
  std::string_view first = input.substr(0, nl);
  std::string_view second = nl == std::string_view::npos ? input : input.substr(nl + 1);

  CheckRequestURI(input);
  CheckQuery(input);
  std::optional<URL> a = CheckParse(first);
  std::optional<URL> b = nl == std::string_view::npos ? a : CheckParse(second);
  // Resolve each against a fixed base too, so every input is a reference.
  static const URL kBase = Parse("http://a/b/c/d;p?q").value();
  if (b) CheckResolve(kBase, *b, "fixed base");
  if (a && b) {
    CheckResolve(*a, *b, "base + ref");
    if (nl != std::string_view::npos) CheckResolve(*b, *a, "ref + base");
  }
}

}  // namespace
}  // namespace nethttp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nethttp::fuzz::TestOneInput(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
