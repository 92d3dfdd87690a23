// Socket addresses as text, the way Go prints them (Go: net.TCPAddr.String,
// net.JoinHostPort): Request::remote_addr on the server (conn.cc), the
// listener's address (server.cc) and the address being dialed (dialer.cc).
// Parsing "host:port" is host_port.h's.
#ifndef NETHTTP_INTERNAL_SOCK_ADDR_H_
#define NETHTTP_INTERNAL_SOCK_ADDR_H_

#include <uv.h>

#include <string>

namespace nethttp {

// FormatSockaddr renders an address as Go does: "1.2.3.4:80", "[::1]:80",
// a Unix-domain "/run/x.sock", "@name" (abstract) or "@" (unnamed). The
// bytes of sun_path past the address's length must be zero.
std::string FormatSockaddr(const sockaddr_storage& ss);

// PeerAddr / SockAddr return the formatted peer or local address of a TCP
// handle, "" when it has none.
std::string PeerAddr(const uv_tcp_t* tcp);
std::string SockAddr(const uv_tcp_t* tcp);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_SOCK_ADDR_H_
