// Tests for lib/media_type.cc: Go 1.19's mime/mediatype_test.go tables
// (TestParseMediaType, with the greenbytes.de tc2231 cases, and
// TestParseMediaTypeBogus), verbatim but for the Go-only checks noted.
#include "nethttp/media_type.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <string_view>

namespace nethttp {
namespace {

using Params = std::map<std::string, std::string>;

TEST_SUITE("media_type") {
  TEST_CASE("ParseMediaType: Go's TestParseMediaType table") {
    struct Case {
      std::string_view in;
      std::string_view type;  // "" when Go's ParseMediaType fails
      Params params;
    };
    const Params name_foo{{"name", "foo"}};
    const Case cases[] = {
        {R"(form-data; name="foo")", "form-data", name_foo},
        {R"( form-data ; name=foo)", "form-data", name_foo},
        {R"(FORM-DATA;name="foo")", "form-data", name_foo},
        {R"( FORM-DATA ; name="foo")", "form-data", name_foo},
        {R"(form-data; key=value;  blah="value";name="foo" )", "form-data",
         {{"key", "value"}, {"blah", "value"}, {"name", "foo"}}},
        {R"(foo; key=val1; key=the-key-appears-again-which-is-bogus)", "", {}},
        // RFC 2231
        {R"(application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A)", "application/x-stuff",
         {{"title", "This is ***fun***"}}},
        {R"(message/external-body; access-type=URL; URL*0="ftp://";URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar")",
         "message/external-body",
         {{"access-type", "URL"}, {"url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"}}},
        {R"(application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2="isn't it!")",
         "application/x-stuff", {{"title", "This is even more ***fun*** isn't it!"}}},
        // greenbytes.de/tech/tc2231
        {R"(attachment)", "attachment", {}},
        {R"(ATTACHMENT)", "attachment", {}},
        {R"(attachment; filename="foo.html")", "attachment", {{"filename", "foo.html"}}},
        {R"(attachment; filename="0000000000111111111122222")", "attachment",
         {{"filename", "0000000000111111111122222"}}},
        {R"(attachment; filename="f\oo.html")", "attachment", {{"filename", R"(f\oo.html)"}}},
        {R"(attachment; filename="\"quoting\" tested.html")", "attachment", {{"filename", R"("quoting" tested.html)"}}},
        {R"(attachment; filename="Here's a semicolon;.html")", "attachment", {{"filename", "Here's a semicolon;.html"}}},
        {R"(attachment; foo="bar"; filename="foo.html")", "attachment", {{"foo", "bar"}, {"filename", "foo.html"}}},
        {R"(attachment; foo="\"\\";filename="foo.html")", "attachment", {{"foo", R"("\)"}, {"filename", "foo.html"}}},
        {R"(attachment; FILENAME="foo.html")", "attachment", {{"filename", "foo.html"}}},
        {R"(attachment; filename=foo.html)", "attachment", {{"filename", "foo.html"}}},
        {R"(attachment; filename=foo.html ;)", "attachment", {{"filename", "foo.html"}}},
        {R"(attachment; filename='foo.html')", "attachment", {{"filename", "'foo.html'"}}},
        {R"(attachment; filename="foo-ä.html")", "attachment", {{"filename", "foo-ä.html"}}},
        {R"(attachment; filename="foo-%41.html")", "attachment", {{"filename", "foo-%41.html"}}},
        {R"(attachment; filename="50%.html")", "attachment", {{"filename", "50%.html"}}},
        {R"(attachment; filename="foo-%\41.html")", "attachment", {{"filename", R"(foo-%\41.html)"}}},
        {R"(attachment; name="ä-%41.html")", "attachment", {{"name", "ä-%41.html"}}},
        {R"(attachment; filename ="foo.html")", "attachment", {{"filename", "foo.html"}}},
        {R"(filename=foo.html)", "", {}},
        {R"(x=y; filename=foo.html)", "", {}},
        {R"("foo; filename=bar;baz"; filename=qux)", "", {}},
        {R"(filename=foo.html, filename=bar.html)", "", {}},
        {R"(; filename=foo.html)", "", {}},
        {R"(: inline; attachment; filename=foo.html)", "", {}},
        {R"(inline; attachment; filename=foo.html)", "", {}},
        {R"(attachment; inline; filename=foo.html)", "", {}},
        {R"(attachment; filename="foo.html".txt)", "", {}},
        {R"(attachment; filename="bar)", "", {}},
        {R"(attachment; filename=foo"bar;baz"qux)", "", {}},
        {R"(attachment; filename=foo.html, attachment; filename=bar.html)", "", {}},
        {R"(attachment; foo=foo filename=bar)", "", {}},
        {R"(attachment; filename=bar foo=foo)", "", {}},
        {R"(attachment filename=bar)", "", {}},
        {R"(filename=foo.html; attachment)", "", {}},
        {R"(attachment; xfilename=foo.html)", "attachment", {{"xfilename", "foo.html"}}},
        {R"(attachment; creation-date="Wed, 12 Feb 1997 16:29:51 -0500")", "attachment",
         {{"creation-date", "Wed, 12 Feb 1997 16:29:51 -0500"}}},
        {R"(foobar)", "foobar", {}},
        {R"(attachment; example="filename=example.txt")", "attachment", {{"example", "filename=example.txt"}}},
        {R"(attachment; filename*=UTF-8''foo-%c3%a4-%e2%82%ac.html)", "attachment", {{"filename", "foo-ä-€.html"}}},
        {R"(attachment; filename*=''foo-%c3%a4-%e2%82%ac.html)", "attachment", {}},
        {R"(attachment; filename*=UTF-8''foo-a%cc%88.html)", "attachment", {{"filename", "foo-a\xcc\x88.html"}}},
        {R"(attachment; filename*= UTF-8''foo-%c3%a4.html)", "attachment", {{"filename", "foo-ä.html"}}},
        {R"(attachment; filename* =UTF-8''foo-%c3%a4.html)", "attachment", {{"filename", "foo-ä.html"}}},
        {R"(attachment; filename*="UTF-8''foo-%c3%a4.html")", "attachment", {{"filename", "foo-ä.html"}}},
        {R"(attachment; filename*="foo%20bar.html")", "attachment", {}},
        {R"(attachment; filename*=UTF-8'foo-%c3%a4.html)", "attachment", {}},
        {R"(attachment; filename*=UTF-8''foo%)", "attachment", {}},
        {R"(attachment; filename*=UTF-8''f%oo.html)", "attachment", {}},
        {R"(attachment; filename*=UTF-8''A-%2541.html)", "attachment", {{"filename", "A-%41.html"}}},
        {R"(attachment; filename*0="foo."; filename*1="html")", "attachment", {{"filename", "foo.html"}}},
        {R"(attachment; filename*0*=UTF-8''foo-%c3%a4; filename*1=".html")", "attachment", {{"filename", "foo-ä.html"}}},
        {R"(attachment; filename*0="foo"; filename*01="bar")", "attachment", {{"filename", "foo"}}},
        {R"(attachment; filename*0="foo"; filename*2="bar")", "attachment", {{"filename", "foo"}}},
        {R"(attachment; filename*1="foo."; filename*2="html")", "attachment", {}},
        {R"(attachment; filename*1="bar"; filename*0="foo")", "attachment", {{"filename", "foobar"}}},
        {R"(attachment; filename="foo-ae.html"; filename*=UTF-8''foo-%c3%a4.html)", "attachment",
         {{"filename", "foo-ä.html"}}},
        {R"(attachment; filename*=UTF-8''foo-%c3%a4.html; filename="foo-ae.html")", "attachment",
         {{"filename", "foo-ä.html"}}},
        {R"(attachment; filename*0*=ISO-8859-15''euro-sign%3d%a4; filename*=ISO-8859-1''currency-sign%3d%a4)",
         "attachment", {}},
        {R"(attachment; foobar=x; filename="foo.html")", "attachment", {{"foobar", "x"}, {"filename", "foo.html"}}},
        // Browsers send UTF-8 without RFC 2231.
        {R"(form-data; firstname="Брэд"; lastname="Фицпатрик")", "form-data",
         {{"firstname", "Брэд"}, {"lastname", "Фицпатрик"}}},
        {R"(foo; bar="")", "foo", {{"bar", ""}}},
        // MSIE in intranet mode does not escape '\' in a file name.
        {R"(form-data; name="file"; filename="C:\dev\go\robots.txt")", "form-data",
         {{"name", "file"}, {"filename", R"(C:\dev\go\robots.txt)"}}},
        // golang.org/issue/46323: a trailing semicolon after folded lines.
        {"message/external-body; access-type=URL;\n\t\tURL*0=\"ftp://\";\n\t\tURL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\";",
         "message/external-body",
         {{"access-type", "URL"}, {"url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"}}},
    };
    for (const Case& c : cases) {
      CAPTURE(c.in);
      Result<MediaType> got = ParseMediaType(c.in);
      if (c.type.empty()) {
        CHECK_FALSE(got.ok());
        continue;
      }
      REQUIRE(got.ok());
      CHECK(got->type == c.type);
      CHECK(got->params == c.params);
    }
  }

  TEST_CASE("ParseMediaType: Go's bogus inputs fail with Go's messages") {
    struct Case {
      std::string_view in;
      std::string_view err;
    };
    const Case cases[] = {
        {"bogus ;=========", "mime: invalid media parameter"},
        // From a real mail (golang.org/issue/19498): a missing semicolon.
        {R"(application/pdf; x-mac-type="3F3F3F3F"; x-mac-creator="3F3F3F3F" name="a.pdf";)",
         "mime: invalid media parameter"},
        {"bogus/<script>alert</script>", "mime: expected token after slash"},
        {"bogus/bogus<script>alert</script>", "mime: unexpected content after media subtype"},
        {R"("attachment")", "mime: no media type"},
        {"attachment; filename=foo,bar.html", "mime: invalid media parameter"},
        {"attachment; ;filename=foo", "mime: invalid media parameter"},
        {"attachment; filename=foo bar.html", "mime: invalid media parameter"},
        {R"(attachment; filename="foo.html"; filename="bar.html")", "mime: duplicate parameter name"},
        {"attachment; filename=foo[1](2).html", "mime: invalid media parameter"},
        {"attachment; filename=foo-ä.html", "mime: invalid media parameter"},
        {"attachment; filename *=UTF-8''foo-%c3%a4.html", "mime: invalid media parameter"},
        {"", "mime: no media type"},
        {"text/", "mime: expected token after slash"},
        {"text html", "mime: expected slash after first token"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.in);
      Result<MediaType> got = ParseMediaType(c.in);
      REQUIRE_FALSE(got.ok());
      CHECK(got.error().code() == ErrorCode::kInvalidArgument);
      CHECK(got.error().message() == c.err);
    }
  }

  TEST_CASE("ParseMediaType: the Content-Types a form reader meets") {
    Result<MediaType> form = ParseMediaType("Application/X-WWW-Form-URLEncoded; Charset=UTF-8");
    REQUIRE(form.ok());
    CHECK(form->type == "application/x-www-form-urlencoded");
    CHECK(form->params == Params{{"charset", "UTF-8"}});  // names lowered, values kept

    Result<MediaType> multipart = ParseMediaType(R"(multipart/form-data; boundary="----x; y")");
    REQUIRE(multipart.ok());
    CHECK(multipart->type == "multipart/form-data");
    CHECK(multipart->params.at("boundary") == "----x; y");
  }
}

}  // namespace
}  // namespace nethttp
