// HeadPieces gathers the short pieces of a message head (the status or
// request line, the fields) on the stack and hands them to the output
// string in few appends. Used by the response and request writers and by
// Header::Write.
#ifndef NETHTTP_INTERNAL_HEAD_PIECES_H_
#define NETHTTP_INTERNAL_HEAD_PIECES_H_

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace nethttp {

class Header;

// Why not append each piece: a head is a dozen or more pieces, and a dozen
// appends (each a capacity check and a call) were a sixth of the server's
// instructions per request (STYLE rule 11, h2o's flatten). Here a literal's
// copy is a few moves, and the string grows once per 256 bytes.
class HeadPieces {
 public:
  explicit HeadPieces(std::string* out) : out_(out) {}
  HeadPieces(const HeadPieces&) = delete;
  HeadPieces& operator=(const HeadPieces&) = delete;
  ~HeadPieces() { Flush(); }

  // Add is inlined so that a literal's copy is a few moves, not a call to
  // memcpy; what does not fit takes the call.
  [[gnu::always_inline]] HeadPieces& Add(std::string_view s) {
    if (len_ + s.size() > sizeof buf_) return AddOverflowing(s);
    std::memcpy(buf_ + len_, s.data(), s.size());
    len_ += s.size();
    return *this;
  }
  HeadPieces& AddDecimal(int64_t v) {
    char num[24];
    auto [end, ec] = std::to_chars(num, num + sizeof num, v);
    return Add(std::string_view(num, static_cast<size_t>(end - num)));
  }
  // Flush hands what is gathered to the string: before anything else
  // appends to it directly.
  void Flush() {
    out_->append(buf_, len_);
    len_ = 0;
  }

 private:
  [[gnu::noinline]] HeadPieces& AddOverflowing(std::string_view s) {
    Flush();
    if (s.size() > sizeof buf_) {  // a piece longer than the buffer goes straight out
      out_->append(s);
    } else {
      std::memcpy(buf_, s.data(), s.size());
      len_ = s.size();
    }
    return *this;
  }

  std::string* out_;
  size_t len_ = 0;
  char buf_[256];
};

// AddFields adds h's fields in wire form, as Header::Write does (header.cc),
// for a head that is being gathered.
void AddFields(HeadPieces* head, const Header& h);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_HEAD_PIECES_H_
