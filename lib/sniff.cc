// DetectContentType (Go: sniff.go): the signatures of the MIME Sniffing
// Standard's section 6 tables, tried in Go's order. Sans-I/O; the callers
// are response_writer.cc and the file server.
#include "nethttp/sniff.h"

#include <array>
#include <cstdint>

namespace nethttp {
namespace {

using namespace std::string_view_literals;

// IsWS is the standard's whitespace byte (0xWS): TAB, LF, FF, CR, SP.
bool IsWS(char b) { return b == '\t' || b == '\n' || b == '\x0c' || b == '\r' || b == ' '; }

// IsTT is the standard's tag-terminating byte (0xTT): SP or '>'.
bool IsTT(char b) { return b == ' ' || b == '>'; }

// Sig is one row of Go's sniffSignatures; kind says which of Go's sniffSig
// types it is, and so which of the other fields matter.
struct Sig {
  enum class Kind {
    kHtml,    // htmlSig: pat after leading whitespace, ASCII letters any case, then 0xTT
    kMasked,  // maskedSig: (data[i] & mask[i]) == pat[i] for every i
    kExact,   // exactSig: data starts with pat
    kMp4,     // mp4Sig: an ftyp box naming an mp4 brand (section 6.2.1)
    kText,    // textSig: no binary byte after leading whitespace; last
  };
  Kind kind;
  std::string_view ct;
  std::string_view pat = {};
  std::string_view mask = {};
  bool skip_ws = false;  // kMasked only: match after leading whitespace
};

// The MIME types come out as views of these literals, so they outlive any call.
constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kText = "text/plain; charset=utf-8";
constexpr std::string_view kIcon = "image/x-icon";
constexpr std::string_view kGif = "image/gif";
constexpr std::string_view kRar = "application/x-rar-compressed";

// kSignatures is Go 1.19's sniffSignatures, row for row and in its order
// (the order matters: "RIFF....WEBPVP" before the audio and video RIFFs,
// the text fallback last). Literals split where a hex escape would
// otherwise swallow the next letter ("\x00" "AIFF").
constexpr std::array kSignatures = {
    Sig{Sig::Kind::kHtml, kHtml, "<!DOCTYPE HTML"},
    Sig{Sig::Kind::kHtml, kHtml, "<HTML"},
    Sig{Sig::Kind::kHtml, kHtml, "<HEAD"},
    Sig{Sig::Kind::kHtml, kHtml, "<SCRIPT"},
    Sig{Sig::Kind::kHtml, kHtml, "<IFRAME"},
    Sig{Sig::Kind::kHtml, kHtml, "<H1"},
    Sig{Sig::Kind::kHtml, kHtml, "<DIV"},
    Sig{Sig::Kind::kHtml, kHtml, "<FONT"},
    Sig{Sig::Kind::kHtml, kHtml, "<TABLE"},
    Sig{Sig::Kind::kHtml, kHtml, "<A"},
    Sig{Sig::Kind::kHtml, kHtml, "<STYLE"},
    Sig{Sig::Kind::kHtml, kHtml, "<TITLE"},
    Sig{Sig::Kind::kHtml, kHtml, "<B"},
    Sig{Sig::Kind::kHtml, kHtml, "<BODY"},
    Sig{Sig::Kind::kHtml, kHtml, "<BR"},
    Sig{Sig::Kind::kHtml, kHtml, "<P"},
    Sig{Sig::Kind::kHtml, kHtml, "<!--"},
    Sig{Sig::Kind::kMasked, "text/xml; charset=utf-8", "<?xml", "\xFF\xFF\xFF\xFF\xFF", true},
    Sig{Sig::Kind::kExact, "application/pdf", "%PDF-"},
    Sig{Sig::Kind::kExact, "application/postscript", "%!PS-Adobe-"},

    // UTF BOMs.
    Sig{Sig::Kind::kMasked, "text/plain; charset=utf-16be", "\xFE\xFF\x00\x00"sv, "\xFF\xFF\x00\x00"sv},
    Sig{Sig::Kind::kMasked, "text/plain; charset=utf-16le", "\xFF\xFE\x00\x00"sv, "\xFF\xFF\x00\x00"sv},
    Sig{Sig::Kind::kMasked, kText, "\xEF\xBB\xBF\x00"sv, "\xFF\xFF\xFF\x00"sv},

    // Image types. Go answers image/x-icon, as the standard's section 6.2
    // now does (an older draft said image/vnd.microsoft.icon).
    Sig{Sig::Kind::kExact, kIcon, "\x00\x00\x01\x00"sv},
    Sig{Sig::Kind::kExact, kIcon, "\x00\x00\x02\x00"sv},
    Sig{Sig::Kind::kExact, "image/bmp", "BM"},
    Sig{Sig::Kind::kExact, kGif, "GIF87a"},
    Sig{Sig::Kind::kExact, kGif, "GIF89a"},
    Sig{Sig::Kind::kMasked, "image/webp", "RIFF\x00\x00\x00\x00WEBPVP"sv,
        "\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF\xFF\xFF"sv},
    Sig{Sig::Kind::kExact, "image/png", "\x89PNG\x0D\x0A\x1A\x0A"},
    Sig{Sig::Kind::kExact, "image/jpeg", "\xFF\xD8\xFF"},

    // Audio and video, in the order of the standard's section 6.2.0.
    Sig{Sig::Kind::kMasked, "audio/aiff", "FORM\x00\x00\x00\x00" "AIFF"sv,
        "\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF"sv},
    Sig{Sig::Kind::kMasked, "audio/mpeg", "ID3", "\xFF\xFF\xFF"},
    Sig{Sig::Kind::kMasked, "application/ogg", "OggS\x00"sv, "\xFF\xFF\xFF\xFF\xFF"},
    Sig{Sig::Kind::kMasked, "audio/midi", "MThd\x00\x00\x00\x06"sv, "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"},
    Sig{Sig::Kind::kMasked, "video/avi", "RIFF\x00\x00\x00\x00" "AVI "sv,
        "\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF"sv},
    Sig{Sig::Kind::kMasked, "audio/wave", "RIFF\x00\x00\x00\x00WAVE"sv,
        "\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF"sv},
    Sig{Sig::Kind::kMp4, "video/mp4"},
    Sig{Sig::Kind::kExact, "video/webm", "\x1A\x45\xDF\xA3"},

    // Fonts. Embedded OpenType: 34 bytes of anything, then "LP".
    Sig{Sig::Kind::kMasked, "application/vnd.ms-fontobject",
        "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        "LP"sv,
        "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        "\xFF\xFF"sv},
    Sig{Sig::Kind::kExact, "font/ttf", "\x00\x01\x00\x00"sv},
    Sig{Sig::Kind::kExact, "font/otf", "OTTO"},
    Sig{Sig::Kind::kExact, "font/collection", "ttcf"},
    Sig{Sig::Kind::kExact, "font/woff", "wOFF"},
    Sig{Sig::Kind::kExact, "font/woff2", "wOF2"},

    // Archives. RAR follows RAR Labs' signatures, as Go does: the
    // standard's are wrong (whatwg/mimesniff#63).
    Sig{Sig::Kind::kExact, "application/x-gzip", "\x1F\x8B\x08"},
    Sig{Sig::Kind::kExact, "application/zip", "PK\x03\x04"},
    Sig{Sig::Kind::kExact, kRar, "Rar!\x1A\x07\x00"sv},      // RAR v1.5-v4.0
    Sig{Sig::Kind::kExact, kRar, "Rar!\x1A\x07\x01\x00"sv},  // RAR v5+

    Sig{Sig::Kind::kExact, "application/wasm", "\x00\x61\x73\x6D"sv},

    Sig{Sig::Kind::kText, kText},  // must be last
};

bool MatchHtml(std::string_view pat, std::string_view data) {
  if (data.size() < pat.size() + 1) return false;
  for (size_t i = 0; i < pat.size(); ++i) {
    char b = pat[i];
    char db = data[i];
    if (b >= 'A' && b <= 'Z') db = static_cast<char>(db & 0xDF);  // ASCII upper-case
    if (b != db) return false;
  }
  return IsTT(data[pat.size()]);
}

bool MatchMasked(const Sig& sig, std::string_view data) {
  if (sig.pat.size() != sig.mask.size() || data.size() < sig.pat.size()) return false;
  for (size_t i = 0; i < sig.pat.size(); ++i) {
    auto byte = [](std::string_view s, size_t i) { return static_cast<unsigned char>(s[i]); };
    if ((byte(data, i) & byte(sig.mask, i)) != byte(sig.pat, i)) return false;
  }
  return true;
}

uint32_t BigEndian32(std::string_view b) {
  return static_cast<uint32_t>(static_cast<unsigned char>(b[0])) << 24 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[1])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[2])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(b[3]));
}

// MatchMp4 is the standard's "signature for MP4" (section 6.2.1): a box
// whose size fits the data and is a multiple of 4, of type "ftyp", with
// "mp4" as the major brand or a compatible one.
bool MatchMp4(std::string_view data) {
  if (data.size() < 12) return false;
  const uint64_t box_size = BigEndian32(data);
  if (data.size() < box_size || box_size % 4 != 0) return false;
  if (data.substr(4, 4) != "ftyp") return false;
  for (size_t st = 8; st < box_size; st += 4) {
    if (st == 12) continue;  // the major brand's version number, not a brand
    if (data.substr(st, 3) == "mp4") return true;
  }
  return false;
}

// IsBinaryByte is the standard's binary data byte (section 5, step 4):
// a control byte other than the whitespace ones and ESC.
bool IsBinaryByte(unsigned char b) {
  return b <= 0x08 || b == 0x0B || (b >= 0x0E && b <= 0x1A) || (b >= 0x1C && b <= 0x1F);
}

bool Match(const Sig& sig, std::string_view data, size_t first_non_ws) {
  switch (sig.kind) {
    case Sig::Kind::kHtml:
      return MatchHtml(sig.pat, data.substr(first_non_ws));
    case Sig::Kind::kMasked:
      return MatchMasked(sig, sig.skip_ws ? data.substr(first_non_ws) : data);
    case Sig::Kind::kExact:
      return data.starts_with(sig.pat);
    case Sig::Kind::kMp4:
      return MatchMp4(data);
    case Sig::Kind::kText:
      for (char c : data.substr(first_non_ws)) {
        if (IsBinaryByte(static_cast<unsigned char>(c))) return false;
      }
      return true;
  }
  return false;
}

// kMayLead[b]: some signature matched at the body's first byte can match
// when that byte is b. Signatures that look past leading whitespace all
// start with '<'; the two whose first byte is free (mp4's box size, the
// font object's 34 masked bytes) are asked for by name in CouldBeSignature.
constexpr std::array<bool, 256> MakeMayLead() {
  std::array<bool, 256> t{};
  for (const Sig& sig : kSignatures) {
    if (sig.kind != Sig::Kind::kExact && (sig.kind != Sig::Kind::kMasked || sig.skip_ws)) continue;
    auto pat0 = static_cast<unsigned char>(sig.pat[0]);
    auto mask0 = sig.kind == Sig::Kind::kExact ? 0xFF : static_cast<unsigned char>(sig.mask[0]);
    if (mask0 == 0) continue;  // (the font object: asked for by name)
    for (int b = 0; b < 256; ++b) {
      if ((b & mask0) == pat0) t[static_cast<size_t>(b)] = true;
    }
  }
  return t;
}
constexpr std::array<bool, 256> kMayLead = MakeMayLead();

// CouldBeSignature is false when no signature before the text check can
// match, which is what nearly every body a handler writes without a
// Content-Type is ("pong", JSON, a line of text): the server sniffs on
// every such response, and walking the whole table for them cost a
// thousand instructions a request (tools/bench/callgrind, /ping).
bool CouldBeSignature(std::string_view data, size_t first_non_ws) {
  if (data.empty()) return false;
  if (first_non_ws < data.size() && data[first_non_ws] == '<') return true;
  if (kMayLead[static_cast<unsigned char>(data[0])]) return true;
  if (data.size() >= 12 && data.substr(4, 4) == "ftyp") return true;  // mp4
  return data.size() >= 36 && data.substr(34, 2) == "LP";             // font object
}

}  // namespace

std::string_view DetectContentType(std::string_view data) {
  data = data.substr(0, kSniffLen);
  size_t first_non_ws = 0;
  while (first_non_ws < data.size() && IsWS(data[first_non_ws])) ++first_non_ws;
  static_assert(kSignatures.back().kind == Sig::Kind::kText);
  if (!CouldBeSignature(data, first_non_ws)) {
    return Match(kSignatures.back(), data, first_non_ws) ? kText : "application/octet-stream";
  }
  for (const Sig& sig : kSignatures) {
    if (Match(sig, data, first_non_ws)) return sig.ct;
  }
  return "application/octet-stream";  // fallback
}

}  // namespace nethttp
