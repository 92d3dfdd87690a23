// Socket addresses as text, as Go prints them (Go: net.TCPAddr.String);
// used by the server (conn.cc, server.cc) and the client (dialer.cc).
#include "internal/sock_addr.h"

#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <cstdint>
#include <cstring>

namespace nethttp {

namespace {

// AppendIPv4 writes a dotted quad. uv_ip4_name would do it through
// snprintf, which was a sixth of the server's instructions for a
// connection that carries one request.
void AppendIPv4(const unsigned char* b, std::string* out) {
  char buf[16];
  char* p = buf;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *p++ = '.';
    p = std::to_chars(p, buf + sizeof buf, b[i]).ptr;
  }
  out->append(buf, p);
}

void AppendPort(uint16_t port, std::string* out) {
  char buf[8];
  buf[0] = ':';
  char* end = std::to_chars(buf + 1, buf + sizeof buf, port).ptr;
  out->append(buf, end);
}

}  // namespace

std::string FormatSockaddr(const sockaddr_storage& ss) {
  std::string out;
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
      // An IPv4 peer of a listener on "::": Go prints it as IPv4
      // (net.IP.String uses the 4-byte form when there is one).
      AppendIPv4(a->sin6_addr.s6_addr + 12, &out);
    } else {
      char ip[INET6_ADDRSTRLEN] = {0};
      uv_ip6_name(a, ip, sizeof ip);
      out.append("[").append(ip).append("]");
    }
    AppendPort(ntohs(a->sin6_port), &out);
  } else if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    AppendIPv4(reinterpret_cast<const unsigned char*>(&a->sin_addr.s_addr), &out);
    AppendPort(ntohs(a->sin_port), &out);
  } else if (ss.ss_family == AF_UNIX) {
    // Go's rendering (syscall.anyToSockaddr): the path; an abstract name
    // with '@' for its leading NUL; "@" alone for an unnamed peer, which is
    // what a client of a Unix-domain server usually is.
    const auto* a = reinterpret_cast<const sockaddr_un*>(&ss);
    const char* p = a->sun_path;
    size_t n = strnlen(p + 1, sizeof a->sun_path - 1) + 1;
    if (p[0] != '\0') n = strnlen(p, sizeof a->sun_path);
    out.assign(p, n);
    if (p[0] == '\0') out[0] = '@';
  }
  return out;
}

std::string PeerAddr(const uv_tcp_t* tcp) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  return FormatSockaddr(ss);
}

std::string SockAddr(const uv_tcp_t* tcp) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  return FormatSockaddr(ss);
}

}  // namespace nethttp
