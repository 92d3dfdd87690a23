// Listening sockets (internal/listen_socket.h), and socket activation
// (ListenFds, server.h): everything that turns an address, or a descriptor
// handed down by systemd, into a socket a ServerLoop can accept on.
#include "internal/listen_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "internal/sock_addr.h"
#include "nethttp/server.h"

namespace nethttp {
namespace {

// kBacklog is the listen(2) backlog; the kernel caps it at somaxconn. Go
// uses the system's somaxconn.
constexpr int kBacklog = 4096;

// kDeferAcceptSeconds: how long Linux may hold a connection that has sent
// nothing yet before handing it to accept anyway (see DeferAccept).
constexpr int kDeferAcceptSeconds = 1;

// kUnixPrefix introduces a Unix-domain addr. Go's Server.Addr has no such
// form (a Go program calls net.Listen("unix", path) and Serve); here the
// one string carries it, so pingd's --addr takes it too.
constexpr std::string_view kUnixPrefix = "unix:";

// SysError is errno as a libuv status.
int SysError() { return uv_translate_sys_error(errno); }

// DeferAccept asks Linux to hand over a connection only once its first
// bytes are in (TCP_DEFER_ACCEPT, as h2o does and nginx's "deferred"):
// the accept and the read of the request then come in one loop turn, not
// two, and a connection per request cost a fifth less CPU
// (tools/bench/run --shapes close). A client that connects and stays
// silent is accepted after kDeferAcceptSeconds all the same, so
// ReadHeaderTimeout still ends it, that much later; Go has no such delay.
// Best effort: where the option is missing nothing changes.
void DeferAccept(int fd) {
#ifdef TCP_DEFER_ACCEPT
  int secs = kDeferAcceptSeconds;
  setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs);
#else
  (void)fd;
#endif
}

// SetTcpOptions sets what sockets accepted on fd inherit: TCP_NODELAY
// (Conn::Accept counts on it) and the deferred accept.
int SetTcpOptions(int fd) {
  int on = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) return SysError();
  DeferAccept(fd);
  return 0;
}

// BindAndListen makes fd a listening socket on addr. sharing as in
// OpenTcpListener.
int BindAndListen(int fd, const sockaddr* addr, PortSharing sharing) {
  int on = 1, off = 0;
  // A restarted server binds at once, whatever its old connections left in
  // TIME_WAIT (libuv's bind and Go's listeners do the same).
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0) return SysError();
  socklen_t len = sizeof(sockaddr_in);
  if (addr->sa_family == AF_INET6) {
    len = sizeof(sockaddr_in6);
    // "::" takes IPv4 too, whatever the system default (libuv and Go both
    // listen dual-stack).
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  // A joining worker needs SO_REUSEPORT for its bind. The first sets it
  // only after its own: bound without it, the socket is refused a port that
  // anyone holds, even a process of ours that shares it (a second pingd on
  // the same --addr gets "address already in use", not half the traffic);
  // set before listen(2), it still lets the others join (Linux forms the
  // port's group at listen). server_test pins both.
  auto reuse_port = [&] { return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == 0 ? 0 : SysError(); };
  if (sharing == PortSharing::kJoin) {
    if (int rc = reuse_port(); rc != 0) return rc;
  }
  if (bind(fd, addr, len) != 0) return SysError();
  if (sharing == PortSharing::kFirst) {
    if (int rc = reuse_port(); rc != 0) return rc;
  }
  if (int rc = SetTcpOptions(fd); rc != 0) return rc;
  if (listen(fd, kBacklog) != 0) return SysError();
  return 0;
}

// UnixSockaddr fills *sa for path ("@name": the abstract namespace, whose
// name is the bytes after the NUL that replaces '@', not NUL-terminated);
// false when it does not fit in sun_path.
bool UnixSockaddr(const std::string& path, sockaddr_un* sa, socklen_t* len) {
  std::memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  bool abstract = path[0] == '@';
  // A path needs its terminating NUL inside sun_path; a name does not.
  size_t room = sizeof sa->sun_path - (abstract ? 0 : 1);
  if (path.size() > room) return false;
  std::memcpy(sa->sun_path, path.data(), path.size());
  if (abstract) sa->sun_path[0] = '\0';
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (abstract ? 0 : 1));
  return true;
}

// Stale reports whether the socket file at sa has no listener behind it:
// what a server that died without removing it leaves. A connect is the
// only way to know; refused means nobody accepts there.
bool Stale(const sockaddr_un& sa, socklen_t len) {
  struct stat st;
  if (lstat(sa.sun_path, &st) != 0 || !S_ISSOCK(st.st_mode)) return false;
  int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (probe < 0) return false;
  // (Non-blocking: a live listener with a full backlog says EAGAIN, and
  // is live all the same.)
  bool refused = connect(probe, reinterpret_cast<const sockaddr*>(&sa), len) != 0 && errno == ECONNREFUSED;
  close(probe);
  return refused;
}

}  // namespace

Error ParseListenAddress(uv_loop_t* loop, std::string_view addr, ListenAddress* out) {
  *out = ListenAddress();
  if (addr.substr(0, kUnixPrefix.size()) == kUnixPrefix) {
    std::string path(addr.substr(kUnixPrefix.size()));
    if (path.empty() || path == "@" || path.find('\0') != std::string::npos) {
      return Error(ErrorCode::kInvalidArgument, "listen unix " + path + ": missing or invalid socket path");
    }
    sockaddr_un sa;
    socklen_t len;
    if (!UnixSockaddr(path, &sa, &len)) {
      return Error(ErrorCode::kInvalidArgument,
                   "listen unix " + path + ": path too long (at most " +
                       std::to_string(sizeof sa.sun_path - 1) + " bytes)");
    }
    out->unix_path = std::move(path);
    return Error();
  }
  // The split is not host_port.h's SplitHostPort (Go's net.Listen uses
  // net.SplitHostPort): it is more lenient, taking the port after the last
  // colon, so "::1:80" listens on [::1]:80 where Go says "too many colons",
  // and moving to the strict rule would refuse addresses accepted today.
  size_t colon = addr.rfind(':');
  if (colon == std::string_view::npos) {
    return Error(ErrorCode::kInvalidArgument, "listen tcp " + std::string(addr) + ": missing port in address");
  }
  std::string host(addr.substr(0, colon));
  std::string port(addr.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535) {
    return Error(ErrorCode::kInvalidArgument,
                 "listen tcp " + std::string(addr) + ": invalid port \"" + port + "\"");
  }
  out->any_host = host.empty();
  sockaddr_storage* ss = &out->tcp;
  if (host.empty()) {
    // Every interface: "::" (which also accepts IPv4 on Linux); the caller
    // falls back to "0.0.0.0" on a machine without IPv6 (Go's ":8091").
    uv_ip6_addr("::", static_cast<int>(p), reinterpret_cast<sockaddr_in6*>(ss));
    return Error();
  }
  if (uv_ip4_addr(host.c_str(), static_cast<int>(p), reinterpret_cast<sockaddr_in*>(ss)) == 0 ||
      uv_ip6_addr(host.c_str(), static_cast<int>(p), reinterpret_cast<sockaddr_in6*>(ss)) == 0) {
    return Error();
  }
  // A name: resolve it synchronously (a null callback makes uv_getaddrinfo
  // block), once, at start-up.
  uv_getaddrinfo_t req;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (int rc = uv_getaddrinfo(loop, &req, nullptr, host.c_str(), port.c_str(), &hints); rc != 0) {
    return Error::FromUv(rc, "listen tcp " + std::string(addr) + ": lookup " + host);
  }
  std::memcpy(ss, req.addrinfo->ai_addr, req.addrinfo->ai_addrlen);
  uv_freeaddrinfo(req.addrinfo);
  return Error();
}

int OpenTcpListener(const sockaddr* addr, PortSharing sharing, int* fd) {
  int s = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return SysError();
  if (int rc = BindAndListen(s, addr, sharing); rc != 0) {
    close(s);
    return rc;
  }
  *fd = s;
  return 0;
}

Error OpenUnixListener(const std::string& path, int* fd, UnixSocketFile* file) {
  std::string context = "listen unix " + path;
  sockaddr_un sa;
  socklen_t len;
  if (path.empty() || !UnixSockaddr(path, &sa, &len)) {
    return Error(ErrorCode::kInvalidArgument, context + ": missing, invalid or too long socket path");
  }
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return Error::FromUv(SysError(), context + ": socket");
  auto fail = [&](std::string_view step) {
    Error err = Error::FromUv(SysError(), context + ": " + std::string(step));
    close(s);
    return err;
  };
  const auto* addr = reinterpret_cast<const sockaddr*>(&sa);
  bool abstract = path[0] == '@';
  if (bind(s, addr, len) != 0) {
    int err = errno;
    // A socket file nobody listens on is a dead server's: replace it (Go
    // refuses, which leaves a restarted service down until someone
    // deletes the file by hand). Two servers starting at once on one
    // stale path can both get here; one bind then fails, as it should.
    if (err == EADDRINUSE && !abstract && Stale(sa, len)) {
      unlink(sa.sun_path);
      err = bind(s, addr, len) == 0 ? 0 : errno;
    }
    if (err != 0) {
      errno = err;
      return fail("bind");
    }
  }
  if (listen(s, kBacklog) != 0) return fail("listen");
  *file = UnixSocketFile();
  struct stat st;
  if (!abstract && stat(sa.sun_path, &st) == 0) {
    file->path = path;
    file->dev = st.st_dev;
    file->ino = st.st_ino;
    file->ctime = st.st_ctim;
  }
  *fd = s;
  return Error();
}

void UnixSocketFile::Remove() {
  if (path.empty()) return;
  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev && st.st_ino == ino &&
      st.st_ctim.tv_sec == ctime.tv_sec && st.st_ctim.tv_nsec == ctime.tv_nsec) {
    unlink(path.c_str());
  }
  path.clear();
}

Error AdoptListener(int fd) {
  std::string context = "listen fd " + std::to_string(fd);
  int type = 0, listening = 0;
  socklen_t n = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &n) != 0) {
    // EBADF, ENOTSOCK: not a socket at all.
    return Error(ErrorCode::kInvalidArgument, context + ": " + uv_strerror(SysError()));
  }
  n = sizeof listening;
  if (type != SOCK_STREAM || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &n) != 0 || !listening) {
    return Error(ErrorCode::kInvalidArgument, context + ": not a listening stream socket");
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    return Error::FromUv(SysError(), context);
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0 &&
      (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)) {
    if (int rc = SetTcpOptions(fd); rc != 0) return Error::FromUv(rc, context);
  }
  return Error();
}

std::string FormatListenAddr(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  std::string out = FormatSockaddr(ss);
  if (ss.ss_family == AF_UNIX) out.insert(0, kUnixPrefix);
  return out;
}

Result<std::vector<int>> ListenFds() {
  // systemd's protocol (sd_listen_fds(3)): LISTEN_FDS descriptors from 3
  // on, meant for the process LISTEN_PID names, so that a child that
  // inherited the environment does not take them too.
  const char* pid_env = std::getenv("LISTEN_PID");
  const char* fds_env = std::getenv("LISTEN_FDS");
  if (pid_env == nullptr || fds_env == nullptr) return std::vector<int>();
  std::string pid_text(pid_env), fds_text(fds_env);
  // Read once: the variables go, whatever they said, as
  // sd_listen_fds(unset_environment=1) does.
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  auto parse = [](const std::string& s, long* v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
  };
  long pid = 0, count = 0;
  if (!parse(pid_text, &pid) || pid <= 0) {
    return Error(ErrorCode::kInvalidArgument, "LISTEN_PID=" + pid_text + ": not a process id");
  }
  if (pid != getpid()) return std::vector<int>();
  if (!parse(fds_text, &count) || count < 0 || count > 4096) {
    return Error(ErrorCode::kInvalidArgument, "LISTEN_FDS=" + fds_text + ": not a descriptor count");
  }
  constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START
  std::vector<int> fds;
  for (int fd = kFirstFd; fd < kFirstFd + count; ++fd) {
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
      return Error(ErrorCode::kInvalidArgument,
                   "LISTEN_FDS=" + fds_text + ": fd " + std::to_string(fd) + " is not open");
    }
    fds.push_back(fd);
  }
  return fds;
}

}  // namespace nethttp
