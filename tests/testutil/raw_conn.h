// RawConn: a non-blocking TCP client for the e2e tests (h2o's nc
// tests): send exact bytes to 127.0.0.1:port and read responses or the
// close with poll() deadlines. The process side of those tests is process.h.
#ifndef NETHTTP_TESTS_TESTUTIL_RAW_CONN_H_
#define NETHTTP_TESTS_TESTUTIL_RAW_CONN_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "internal/tls_session.h"
#include "testutil/process.h"  // Clock, Deadline, After, MsUntil

namespace nethttp::testutil {

// kIoTimeout is the default deadline of one RawConn operation: generous for
// a loaded CI machine, short enough that a hang fails fast.
inline constexpr std::chrono::milliseconds kIoTimeout{3000};

inline bool EqualFoldAscii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// HttpResponse is one response as read off the wire, body de-chunked.
struct HttpResponse {
  std::string status_line;  // "HTTP/1.1 200 OK", without CRLF
  std::string proto;        // "HTTP/1.1"
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // in wire order
  std::string body;
  bool chunked = false;

  // Get is the first value of a field (names compare case-insensitively).
  std::string Get(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (EqualFoldAscii(k, name)) return v;
    }
    return {};
  }
  bool Has(std::string_view name) const { return Count(name) > 0; }
  size_t Count(std::string_view name) const {
    size_t n = 0;
    for (const auto& [k, v] : headers) n += EqualFoldAscii(k, name) ? 1 : 0;
    return n;
  }
};

// LoopbackSocket is a socket bound to 127.0.0.1:0 (TCP, or UDP with
// SOCK_DGRAM), listening when asked: a socket "made elsewhere" for the
// tests of Server::Listen(fd). -1 if any step fails.
inline int LoopbackSocket(bool listening, int type = SOCK_STREAM) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || (listening && listen(fd, 16) != 0)) {
    close(fd);
    return -1;
  }
  return fd;
}

class RawConn {
 public:
  RawConn() = default;
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;
  RawConn(RawConn&& o) noexcept { *this = std::move(o); }
  RawConn& operator=(RawConn&& o) noexcept {
    if (this != &o) {
      Close();
      fd_ = std::exchange(o.fd_, -1);
      tls_ = std::move(o.tls_);
      in_ = std::move(o.in_);
      eof_ = o.eof_;
      error_ = std::move(o.error_);
    }
    return *this;
  }
  ~RawConn() { Close(); }

  // Connect opens a connection to 127.0.0.1:port. On failure it returns
  // false, and errno_ (ECONNREFUSED, ...) and error() say why.
  bool Connect(int port) {
    Close();
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return Fail("socket");
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      bool r = Fail("connect");
      close(fd_);
      fd_ = -1;
      return r;
    }
    // Small writes must leave as separate segments (byte-at-a-time tests).
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
    return true;
  }

  // ConnectUnix is Connect to a Unix-domain socket: a path, or "@name" in
  // the abstract namespace.
  bool ConnectUnix(const std::string& path) {
    Close();
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof sa.sun_path) return Fail("socket path");
    std::memcpy(sa.sun_path, path.data(), path.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
    if (path[0] == '@') {
      sa.sun_path[0] = '\0';
      --len;  // (an abstract name has no terminating NUL)
    }
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return Fail("socket");
    if (connect(fd_, reinterpret_cast<sockaddr*>(&sa), len) != 0) {
      bool r = Fail("connect");
      close(fd_);
      fd_ = -1;
      return r;
    }
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
    return true;
  }

  bool connected() const { return fd_ >= 0; }
  // fd is the socket, for tests that need a socket option of their own.
  int fd() const { return fd_; }
  int last_errno() const { return errno_; }
  const std::string& error() const { return error_; }

  // StartTls makes this a TLS client connection (ctx from
  // TlsContext::NewClient, host for SNI and verification): the handshake
  // runs now, then Send encrypts, reads decrypt, and every other method
  // works on the plaintext.
  bool StartTls(std::shared_ptr<TlsContext> ctx, std::string_view host, Deadline d = After(kIoTimeout)) {
    tls_ = std::make_unique<TlsSession>(std::move(ctx), host, "");
    std::string hello;
    tls_->Start(&hello);
    if (!SendRaw(hello, d)) return false;
    while (tls_->state() == TlsSession::State::kHandshaking) {
      if (!Fill(d)) return false;
    }
    return true;
  }
  const TlsSession* tls() const { return tls_.get(); }
  // close_notify_seen: the TLS peer sent close_notify (before its FIN).
  bool close_notify_seen() const { return tls_ && tls_->state() == TlsSession::State::kPeerClosed; }

  // Send writes all of data before the deadline.
  bool Send(std::string_view data, Deadline d = After(kIoTimeout)) {
    if (tls_ == nullptr) return SendRaw(data, d);
    std::string records;
    if (!tls_->Send(data, &records)) return Fail("tls: " + tls_->error().message(), 0);
    return SendRaw(records, d);
  }

  bool SendRaw(std::string_view data, Deadline d) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN) return Fail("send");
      pollfd p{fd_, POLLOUT, 0};
      if (poll(&p, 1, MsUntil(d)) <= 0) return Fail("send: deadline", 0);
    }
    return true;
  }

  // SendBytewise writes one byte at a time, `gap` apart: a slow client.
  // (The gap only makes the client slow; nothing waits on it.)
  bool SendBytewise(std::string_view data, std::chrono::milliseconds gap) {
    for (size_t i = 0; i < data.size(); ++i) {
      if (!Send(data.substr(i, 1))) return false;
      if (gap.count() > 0 && i + 1 < data.size()) std::this_thread::sleep_for(gap);
    }
    return true;
  }

  // ShutdownWrite half-closes: the server reads EOF after what was sent.
  void ShutdownWrite() { shutdown(fd_, SHUT_WR); }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    tls_.reset();
    in_.clear();
    eof_ = false;
  }

  // ReadResponse reads one response. For a response to HEAD pass
  // head_request: its framing fields describe a body that is not sent.
  // A 1xx response is returned as it is (no body); read again for the
  // final one. nullopt on deadline, EOF or a malformed response; error()
  // says which.
  std::optional<HttpResponse> ReadResponse(Deadline d = After(kIoTimeout),
                                           bool head_request = false) {
    HttpResponse r;
    size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(d)) return std::nullopt;
    }
    std::string_view head(in_.data(), end + 2);
    size_t eol = head.find("\r\n");
    r.status_line = std::string(head.substr(0, eol));
    if (r.status_line.size() < 12 || r.status_line.compare(0, 5, "HTTP/") != 0 ||
        r.status_line[8] != ' ') {
      Fail("malformed status line: " + r.status_line, 0);
      return std::nullopt;
    }
    r.proto = r.status_line.substr(0, 8);
    r.status = std::atoi(r.status_line.c_str() + 9);
    for (size_t pos = eol + 2; pos < head.size();) {
      size_t next = head.find("\r\n", pos);
      std::string_view line = head.substr(pos, next - pos);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) {
        Fail("malformed header line: " + std::string(line), 0);
        return std::nullopt;
      }
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(v));
      pos = next + 2;
    }
    in_.erase(0, end + 4);

    bool no_body = head_request || (r.status >= 100 && r.status < 200) || r.status == 204 ||
                   r.status == 304;
    if (no_body) return r;
    if (EqualFoldAscii(r.Get("Transfer-Encoding"), "chunked")) {
      r.chunked = true;
      if (!ReadChunked(&r.body, d)) return std::nullopt;
      return r;
    }
    if (r.Has("Content-Length")) {
      size_t n = std::strtoull(r.Get("Content-Length").c_str(), nullptr, 10);
      while (in_.size() < n) {
        if (!Fill(d)) return std::nullopt;
      }
      r.body = in_.substr(0, n);
      in_.erase(0, n);
      return r;
    }
    // Delimited by the close.
    while (Fill(d)) {
    }
    if (!eof_) return std::nullopt;
    r.body = std::move(in_);
    in_.clear();
    return r;
  }

  // WaitClosed reads (and discards) until the peer closes the connection
  // (EOF or reset): true if that happened before the deadline.
  bool WaitClosed(Deadline d = After(kIoTimeout)) {
    while (!eof_) {
      in_.clear();
      if (!Fill(d) && !eof_) return false;
    }
    return true;
  }

  // ReadUntilClose returns every byte up to the peer's close; *closed says
  // whether the close came before the deadline.
  std::string ReadUntilClose(Deadline d, bool* closed) {
    while (Fill(d)) {
    }
    *closed = eof_;
    return std::exchange(in_, std::string());
  }

  // ReadUntil reads until what has arrived contains needle, and returns
  // everything up to its end (the rest stays buffered); nullopt on
  // deadline, EOF or error. For a response still being streamed, which
  // ReadResponse would wait out.
  std::optional<std::string> ReadUntil(std::string_view needle, Deadline d = After(kIoTimeout)) {
    size_t at;
    while ((at = in_.find(needle)) == std::string::npos) {
      if (!Fill(d)) return std::nullopt;
    }
    std::string got = in_.substr(0, at + needle.size());
    in_.erase(0, at + needle.size());
    return got;
  }

  // ReadAtLeast reads until at least n bytes are buffered: false on
  // deadline, EOF or error first. For a test that reads at its own pace.
  bool ReadAtLeast(size_t n, Deadline d = After(kIoTimeout)) {
    while (in_.size() < n) {
      if (!Fill(d)) return false;
    }
    return true;
  }

  // PeerClosed reports, without waiting, whether EOF or a reset is
  // already pending (bytes that arrived meanwhile are kept).
  bool PeerClosed() {
    if (eof_) return true;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) return false;
    Fill(Clock::now());
    return eof_;
  }

  // buffered is what has been read but not consumed yet.
  const std::string& buffered() const { return in_; }

 private:
  bool Fail(std::string what, int err = -1) {
    errno_ = err == -1 ? errno : err;
    error_ = errno_ != 0 ? what + ": " + std::strerror(errno_) : what;
    return false;
  }

  // Fill reads what is available, waiting until the deadline for the first
  // byte. False on deadline, EOF (eof_ set) or error (eof_ set: a reset is
  // a close too).
  bool Fill(Deadline d) {
    if (eof_) return Fail("connection closed by peer", 0);
    for (;;) {
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0 && tls_ != nullptr) {
        // Records in, plaintext to in_; handshake answers go straight out.
        size_t before = in_.size();
        bool handshaking = tls_->state() == TlsSession::State::kHandshaking;
        std::string reply;
        TlsSession::State st = tls_->Receive(std::string_view(buf, static_cast<size_t>(n)), &in_, &reply);
        if (!reply.empty() && !SendRaw(reply, d)) return false;
        if (st == TlsSession::State::kFailed) {
          eof_ = true;
          return Fail("tls: " + tls_->error().message(), 0);
        }
        if (in_.size() > before || (handshaking && st != TlsSession::State::kHandshaking)) return true;
        continue;  // (a record with no application data: read on)
      }
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
        return true;
      }
      if (n == 0) {
        eof_ = true;
        return Fail("connection closed by peer", 0);
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN) {
        eof_ = true;
        return Fail("recv");
      }
      pollfd p{fd_, POLLIN, 0};
      int rc = poll(&p, 1, MsUntil(d));
      if (rc == 0) return Fail("read: deadline exceeded", 0);
      if (rc < 0 && errno != EINTR) return Fail("poll");
    }
  }

  bool ReadChunked(std::string* body, Deadline d) {
    for (;;) {
      size_t eol;
      while ((eol = in_.find("\r\n")) == std::string::npos) {
        if (!Fill(d)) return false;
      }
      size_t size = std::strtoull(in_.c_str(), nullptr, 16);
      in_.erase(0, eol + 2);
      if (size == 0) {
        // Trailer section, up to the empty line.
        for (;;) {
          while ((eol = in_.find("\r\n")) == std::string::npos) {
            if (!Fill(d)) return false;
          }
          in_.erase(0, eol + 2);
          if (eol == 0) return true;
        }
      }
      while (in_.size() < size + 2) {
        if (!Fill(d)) return false;
      }
      body->append(in_, 0, size);
      in_.erase(0, size + 2);
    }
  }

  int fd_ = -1;
  std::unique_ptr<TlsSession> tls_;  // set by StartTls
  std::string in_;
  bool eof_ = false;
  int errno_ = 0;
  std::string error_;
};

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_RAW_CONN_H_
