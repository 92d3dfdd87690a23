// Listening sockets for Server (Go: net.Listen, net.FileListener): what
// Server::addr names, made into a listening descriptor here, with no loop
// involved, so that server.cc only hands descriptors to its workers.
// TCP ("host:port"), Unix-domain ("unix:/path", "unix:@name"), or a socket
// made by someone else (socket activation, ListenFds in server.h).
#ifndef NETHTTP_INTERNAL_LISTEN_SOCKET_H_
#define NETHTTP_INTERNAL_LISTEN_SOCKET_H_

#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <uv.h>

#include <string>
#include <string_view>

#include "nethttp/error.h"

namespace nethttp {

// ListenAddress is a Server::addr, parsed and resolved.
struct ListenAddress {
  // A TCP address: the resolved socket address; any_host when the host was
  // empty (":8091"), so the caller may fall back to IPv4 alone.
  sockaddr_storage tcp{};
  bool any_host = false;
  // A Unix-domain address: the path, or "@name" for Linux's abstract
  // namespace (Go's convention). Empty for TCP.
  std::string unix_path;

  bool is_unix() const { return !unix_path.empty(); }
};

// ParseListenAddress parses addr: "host:port" (the host a name, resolved
// at once, an IP literal, or empty for every interface), or "unix:" and a
// socket path. A malformed addr is kInvalidArgument, worded as Go's
// net.Listen errors ("listen tcp X: ...").
Error ParseListenAddress(uv_loop_t* loop, std::string_view addr, ListenAddress* out);

// PortSharing says whether other listeners may bind the same TCP address
// (SO_REUSEPORT), so that several workers listen on one port and the
// kernel spreads new connections over them.
enum class PortSharing {
  kNone,   // one worker: Go's plain listener
  kFirst,  // the first worker's: the bind must find the port free, then others may join
  kJoin,   // another worker's: joins the first one's port
};

// OpenTcpListener makes a non-blocking listening socket bound to addr,
// with the options its accepted sockets inherit; *fd on success. A libuv
// status.
int OpenTcpListener(const sockaddr* addr, PortSharing sharing, int* fd);

// UnixSocketFile is the file a Unix-domain listener bound. Remove deletes
// it when the server stops listening (Go's UnixListener.Close does), but
// only while it is still the socket we made: a server started since on
// the same path keeps its own. (Go removes the path whatever it is now.)
// The change time is compared too, because a file system reuses a freed
// inode number at once.
struct UnixSocketFile {
  std::string path;  // empty: nothing to remove (abstract, or not ours)
  dev_t dev = 0;
  ino_t ino = 0;
  timespec ctime{};

  void Remove();
};

// OpenUnixListener makes a non-blocking listening socket on a Unix-domain
// path (or "@name", abstract); *fd and *file on success. A socket file left
// by a server that died (nothing accepts on it) is replaced; a file of any
// other kind, or a socket someone still listens on, is EADDRINUSE, as in
// Go. Errors read as Go's: "listen unix /run/x.sock: bind: ...".
Error OpenUnixListener(const std::string& path, int* fd, UnixSocketFile* file);

// AdoptListener readies a listening socket made elsewhere: it must be a
// stream socket in the listening state (not, say, a socket systemd passed
// for Accept=yes or a datagram one); it is made non-blocking and
// close-on-exec, and a TCP one gets the options OpenTcpListener sets.
Error AdoptListener(int fd);

// FormatListenAddr is how ListenAddr reports a listening socket's local
// address: "ip:port", or "unix:" and the path, so that it can be given
// back as an addr.
std::string FormatListenAddr(int fd);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_LISTEN_SOCKET_H_
