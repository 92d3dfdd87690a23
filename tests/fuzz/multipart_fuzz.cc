// Fuzz target for lib/multipart_parser.cc: any input is a multipart body.
// It must parse the same whole, split at points taken from its hash and a
// byte at a time; never hand out more bytes than it was given; and a body
// that parses, written out again in canonical form, parses to the same parts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "internal/multipart_parser.h"

namespace nethttp::fuzz {
namespace {

struct Parsed {
  struct Part {
    std::vector<Header::Field> header;
    std::string body;
    bool operator==(const Part& o) const {
      if (body != o.body || header.size() != o.header.size()) return false;
      for (size_t i = 0; i < header.size(); ++i) {
        if (header[i].key != o.header[i].key || header[i].value != o.header[i].value) return false;
      }
      return true;
    }
  };
  std::vector<Part> parts;
  std::string err;
  size_t data_bytes = 0;
};

class Collector : public MultipartParser::Handler {
 public:
  explicit Collector(Parsed* out) : out_(out) {}
  Error OnPartBegin(Header header) override {
    FUZZ_CHECK(!in_part_);
    in_part_ = true;
    out_->parts.push_back({std::vector<Header::Field>(header.begin(), header.end()), {}});
    return {};
  }
  Error OnPartData(std::string_view data) override {
    FUZZ_CHECK(in_part_ && !data.empty());
    out_->parts.back().body.append(data);
    out_->data_bytes += data.size();
    return {};
  }
  Error OnPartEnd() override {
    FUZZ_CHECK(in_part_);
    in_part_ = false;
    return {};
  }

 private:
  Parsed* out_;
  bool in_part_ = false;
};

Parsed Parse(std::string_view in, std::string_view boundary, const std::vector<size_t>& cuts) {
  Parsed out;
  Collector c(&out);
  MultipartParser p(boundary, &c);
  Error err;
  size_t pos = 0;
  for (size_t cut : cuts) {
    if (err || cut <= pos || cut > in.size()) continue;
    err = p.Feed(in.substr(pos, cut - pos));
    pos = cut;
  }
  if (!err) err = p.Feed(in.substr(pos));
  if (!err) err = p.Finish();
  out.err = err.message();
  FUZZ_CHECK(err || p.done());
  return out;
}

std::string Describe(const Parsed& p) {
  std::string out = "err=\"" + Escape(p.err) + "\" parts=" + std::to_string(p.parts.size());
  for (const Parsed::Part& part : p.parts) {
    out += "\n    [";
    for (const Header::Field& f : part.header) out += Escape(f.key) + ": " + Escape(f.value) + "; ";
    out += "] \"" + Escape(part.body) + "\"";
  }
  return out;
}

std::string Write(const Parsed& p, std::string_view boundary) {
  std::string out;
  for (const Parsed::Part& part : p.parts) {
    out.append("--").append(boundary).append("\r\n");
    for (const Header::Field& f : part.header) out.append(f.key).append(": ").append(f.value).append("\r\n");
    out.append("\r\n").append(part.body).append("\r\n");
  }
  return out.append("--").append(boundary).append("--\r\n");
}

}  // namespace
}  // namespace nethttp::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace nethttp::fuzz;
  if (size == 0) return 0;
  // The first byte picks the boundary: a short one finds the most
  // near-delimiters, a browser's shows the common case.
  constexpr std::string_view kBoundaries[] = {"b", "xyz", "----WebKitFormBoundary7MA4YWxkTrZu0gW"};
  std::string_view boundary = kBoundaries[data[0] % 3];
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  Parsed whole = Parse(in, boundary, {});
  FUZZ_CHECK_MSG(whole.data_bytes <= in.size(), Describe(whole));

  uint64_t h = Hash(in);
  std::vector<size_t> cuts;
  for (int i = 0; i < 4 && !in.empty(); ++i, h = h * 6364136223846793005ull + 1) cuts.push_back(h % in.size());
  std::sort(cuts.begin(), cuts.end());
  Parsed split = Parse(in, boundary, cuts);
  FUZZ_CHECK_MSG(split.parts == whole.parts && split.err == whole.err,
                 "split parse differs\n  whole " + Describe(whole) + "\n  split " + Describe(split));
  std::vector<size_t> bytes;
  for (size_t i = 1; i < in.size(); ++i) bytes.push_back(i);
  Parsed one = Parse(in, boundary, bytes);
  FUZZ_CHECK_MSG(one.parts == whole.parts && one.err == whole.err,
                 "byte-at-a-time parse differs\n  whole " + Describe(whole) + "\n  bytes " + Describe(one));

  if (whole.err.empty()) {
    std::string again = Write(whole, boundary);
    Parsed back = Parse(again, boundary, {});
    FUZZ_CHECK_MSG(back.err.empty() && back.parts == whole.parts,
                   "written out, the parts read back differently\n  first " + Describe(whole) + "\n  wrote \"" +
                       Escape(again) + "\"\n  back  " + Describe(back));
  }
  return 0;
}
