// Tests for lib/sniff.cc: Go's sniff_test.go table (sniffTests, every row),
// then the edges of each signature kind with the answers Go 1.19's
// DetectContentType gives for the same bytes.
#include "nethttp/sniff.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using nethttp::DetectContentType;
using namespace std::string_view_literals;

namespace {

struct Case {
  std::string_view desc;
  std::string data;
  std::string_view content_type;
};

void CheckAll(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    CAPTURE(c.desc);
    CHECK(DetectContentType(c.data) == c.content_type);
  }
}

// Literals are split where a hex escape would swallow the next letter:
// "\x00" "AVI" is NUL then "AVI", "\x00AVI" would be one (invalid) escape.
const std::vector<Case> kSniffTests = {
    // Some nonsense.
    {"Empty", "", "text/plain; charset=utf-8"},
    {"Binary", "\x01\x02\x03", "application/octet-stream"},

    {"HTML document #1", "<HtMl><bOdY>blah blah blah</body></html>", "text/html; charset=utf-8"},
    {"HTML document #2", "<HTML></HTML>", "text/html; charset=utf-8"},
    {"HTML document #3 (leading whitespace)", "   <!DOCTYPE HTML>...", "text/html; charset=utf-8"},
    {"HTML document #4 (leading CRLF)", "\r\n<html>...", "text/html; charset=utf-8"},

    {"Plain text", "This is not HTML. It has \u2603 though.", "text/plain; charset=utf-8"},

    {"XML", "\n<?xml!", "text/xml; charset=utf-8"},

    // Image types.
    {"Windows icon", std::string("\x00\x00\x01\x00"sv), "image/x-icon"},
    {"Windows cursor", std::string("\x00\x00\x02\x00"sv), "image/x-icon"},
    {"BMP image", "BM...", "image/bmp"},
    {"GIF 87a", "GIF87a", "image/gif"},
    {"GIF 89a", "GIF89a...", "image/gif"},
    {"WEBP image", std::string("RIFF\x00\x00\x00\x00WEBPVP"sv), "image/webp"},
    {"PNG image", "\x89PNG\x0D\x0A\x1A\x0A", "image/png"},
    {"JPEG image", "\xFF\xD8\xFF", "image/jpeg"},

    // Audio types.
    {"MIDI audio", std::string("MThd\x00\x00\x00\x06\x00\x01"sv), "audio/midi"},
    {"MP3 audio/MPEG audio", std::string("ID3\x03\x00\x00\x00\x00\x0f"sv), "audio/mpeg"},
    {"WAV audio #1", std::string("RIFFb\xb8\x00\x00WAVEfmt \x12\x00\x00\x00\x06"sv), "audio/wave"},
    {"WAV audio #2", std::string("RIFF,\x00\x00\x00WAVEfmt \x12\x00\x00\x00\x06"sv), "audio/wave"},
    {"AIFF audio #1",
     std::string("FORM\x00\x00\x00\x00" "AIFFCOMM\x00\x00\x00\x12\x00\x01\x00\x00\x57\x55\x00\x10"
                 "\x40\x0d\xf3\x34"sv),
     "audio/aiff"},

    {"OGG audio",
     std::string("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x7e\x46\x00\x00\x00\x00\x00\x00\x1f\xf6\xb4"
                 "\xfc\x01\x1e\x01\x76\x6f\x72"sv),
     "application/ogg"},
    {"Must not match OGG", std::string("owow\x00"sv), "application/octet-stream"},
    {"Must not match OGG", std::string("oooS\x00"sv), "application/octet-stream"},
    {"Must not match OGG", std::string("oggS\x00"sv), "application/octet-stream"},

    // Video types.
    {"MP4 video", std::string("\x00\x00\x00\x18" "ftypmp42\x00\x00\x00\x00mp42isom<\x06t\xbfmdat"sv),
     "video/mp4"},
    {"AVI video #1", std::string("RIFF,O\n\x00" "AVI LIST\u00c0"sv), "video/avi"},
    {"AVI video #2", std::string("RIFF,\n\x00\x00" "AVI LIST\u00c0"sv), "video/avi"},

    // Font types.
    {"TTF sample  I", std::string("\x00\x01\x00\x00\x00\x17\x01\x00\x00\x04\x01\x60\x4f"sv), "font/ttf"},
    {"TTF sample II", std::string("\x00\x01\x00\x00\x00\x0e\x00\x80\x00\x03\x00\x60\x46"sv), "font/ttf"},

    {"OTTO sample  I", std::string("\x4f\x54\x54\x4f\x00\x0e\x00\x80\x00\x03\x00\x60\x42\x41\x53\x45"sv),
     "font/otf"},

    {"woff sample  I", std::string("\x77\x4f\x46\x46\x00\x01\x00\x00\x00\x00\x30\x54\x00\x0d\x00\x00"sv),
     "font/woff"},
    {"woff2 sample", std::string("\x77\x4f\x46\x32\x00\x01\x00\x00\x00"sv), "font/woff2"},
    {"wasm sample", std::string("\x00\x61\x73\x6d\x01\x00"sv), "application/wasm"},

    // Archive types.
    {"RAR v1.5-v4.0", std::string("Rar!\x1A\x07\x00"sv), "application/x-rar-compressed"},
    {"RAR v5+", std::string("Rar!\x1A\x07\x01\x00"sv), "application/x-rar-compressed"},
    {"Incorrect RAR v1.5-v4.0", std::string("Rar \x1A\x07\x00"sv), "application/octet-stream"},
    {"Incorrect RAR v5+", std::string("Rar \x1A\x07\x01\x00"sv), "application/octet-stream"},
};

}  // namespace

TEST_SUITE("sniff") {
  TEST_CASE("DetectContentType: Go's sniffTests") {
    REQUIRE(kSniffTests.size() == 38);  // every row of sniff_test.go
    CheckAll(kSniffTests);
  }

  TEST_CASE("DetectContentType: each signature's edges, as Go 1.19 answers them") {
    CheckAll({
        {"XML after whitespace", " \t\r\n\f<?xml version=\"1.0\"?>", "text/xml; charset=utf-8"},
        {"HTML tag not terminated", "<htmlx>", "text/plain; charset=utf-8"},
        {"HTML tag at the very end", "<html", "text/plain; charset=utf-8"},
        {"HTML comment", "<!-- x -->", "text/html; charset=utf-8"},
        {"HTML <p> lower case", "<p>hi</p>", "text/html; charset=utf-8"},
        {"HTML <br/> is not a tag end", "<br/>", "text/plain; charset=utf-8"},
        {"HTML after a vertical tab: VT is binary", "\v<html>", "application/octet-stream"},
        {"PDF", "%PDF-1.7\n", "application/pdf"},
        {"PostScript", "%!PS-Adobe-3.0\n", "application/postscript"},
        {"UTF-16BE BOM", std::string("\xfe\xff\x00h"sv), "text/plain; charset=utf-16be"},
        {"UTF-16LE BOM", std::string("\xff\xfeh\x00"sv), "text/plain; charset=utf-16le"},
        {"UTF-8 BOM", "\xef\xbb\xbfhello", "text/plain; charset=utf-8"},
        {"gzip", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00"sv), "application/x-gzip"},
        {"zip", std::string("PK\x03\x04\x14\x00"sv), "application/zip"},
        // Go 1.19 has no 7z signature; we follow it.
        {"7z", std::string("7z\xbc\xaf\x27\x1c\x00\x04"sv), "application/octet-stream"},
        {"webm", std::string("\x1a" "E\xdf\xa3\x01\x00"sv), "video/webm"},
        {"font collection", std::string("ttcf\x00\x01\x00\x00"sv), "font/collection"},
        {"ms font object", std::string(34, '\x01') + "LP", "application/vnd.ms-fontobject"},
        {"ms font object too short", std::string(34, '\x01') + "L", "application/octet-stream"},
        {"mp4 box larger than data", std::string("\x00\x00\x00@ftypmp42\x00\x00\x00\x00mp42isom"sv),
         "application/octet-stream"},
        {"mp4 box size not a multiple of 4",
         std::string("\x00\x00\x00\x15" "ftypmp42\x00\x00\x00\x00mp42isom\x00"sv),
         "application/octet-stream"},
        {"mp4 brand only in the version slot", std::string("\x00\x00\x00\x10" "ftypisommp42"sv),
         "application/octet-stream"},
        {"mp4 major brand", std::string("\x00\x00\x00\x0c" "ftypmp41"sv), "video/mp4"},
        {"binary byte within 512", std::string(511, 'a') + "\x01", "application/octet-stream"},
        {"binary byte past 512", std::string(512, 'a') + "\x01", "text/plain; charset=utf-8"},
        {"ESC is text", "\x1b[0m", "text/plain; charset=utf-8"},
        {"only whitespace", " \n\t", "text/plain; charset=utf-8"},
        {"JPEG with more", std::string("\xff\xd8\xff\xe0\x00\x10JFIF"sv), "image/jpeg"},
        {"RIFF other", std::string("RIFF\x00\x00\x00\x00WEBM"sv), "application/octet-stream"},
        {"webp needs VP", std::string("RIFF\x00\x00\x00\x00WEBPXX"sv), "application/octet-stream"},
        {"wasm", std::string("\x00" "asm\x01\x00\x00\x00"sv), "application/wasm"},
    });
  }

  TEST_CASE("DetectContentType returns a view that outlives the data") {
    std::string_view ct;
    {
      std::string data = "<html>";
      ct = DetectContentType(data);
    }
    CHECK(ct == "text/html; charset=utf-8");
  }
}
