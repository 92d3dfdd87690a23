// ScriptedServer: a tiny, deliberately misbehaving HTTP/1.1 server for the
// post-json e2e tests, on 127.0.0.1:0 in its own threads (POSIX sockets +
// poll), scripted per test; plus RunPiped, a child runner that streams stdout.
#ifndef NETHTTP_TESTS_TESTUTIL_SCRIPTED_SERVER_H_
#define NETHTTP_TESTS_TESTUTIL_SCRIPTED_SERVER_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "testutil/process.h"  // Clock, Deadline, After, MsUntil
#include "testutil/raw_conn.h"  // RawConn (the probe), EqualFoldAscii

namespace nethttp::testutil {

// ScriptedRequest is one request as the scripted server read it.
struct ScriptedRequest {
  std::string method;
  std::string target;
  std::string head;  // request line and fields, up to and including the blank line
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string Get(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (EqualFoldAscii(k, name)) return v;
    }
    return {};
  }
};

class ScriptedServer;

// ScriptedConn is one accepted connection, handed to the script. Every wait
// also watches the server's stop pipe, so a script blocked in a read (a
// server that never answers) ends when the server is destroyed.
class ScriptedConn {
 public:
  ScriptedConn(int fd, int stop_fd, std::atomic<int>* requests)
      : fd_(fd), stop_fd_(stop_fd), requests_(requests) {}
  ScriptedConn(const ScriptedConn&) = delete;
  ScriptedConn& operator=(const ScriptedConn&) = delete;
  ~ScriptedConn() { Close(); }

  // ReadRequest reads one request (Content-Length or chunked body). nullopt
  // on EOF, error, a malformed head or stop.
  std::optional<ScriptedRequest> ReadRequest() {
    size_t end;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    ScriptedRequest r;
    r.head = in_.substr(0, end + 4);
    in_.erase(0, end + 4);
    size_t eol = r.head.find("\r\n");
    std::string line = r.head.substr(0, eol);
    size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) return std::nullopt;
    r.method = line.substr(0, sp1);
    r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    for (size_t pos = eol + 2; pos + 2 < r.head.size();) {
      size_t next = r.head.find("\r\n", pos);
      std::string_view l(r.head.data() + pos, next - pos);
      size_t colon = l.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      std::string_view v = l.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      r.headers.emplace_back(std::string(l.substr(0, colon)), std::string(v));
      pos = next + 2;
    }
    if (EqualFoldAscii(r.Get("Transfer-Encoding"), "chunked")) {
      for (;;) {
        while ((eol = in_.find("\r\n")) == std::string::npos) {
          if (!Fill()) return std::nullopt;
        }
        size_t size = std::strtoull(in_.c_str(), nullptr, 16);
        in_.erase(0, eol + 2);
        while (in_.size() < size + 2) {
          if (!Fill()) return std::nullopt;
        }
        r.body.append(in_, 0, size);
        in_.erase(0, size + 2);
        if (size == 0) break;  // (trailers are not used by post-json)
      }
    } else if (std::string cl = r.Get("Content-Length"); !cl.empty()) {
      size_t n = std::strtoull(cl.c_str(), nullptr, 10);
      while (in_.size() < n) {
        if (!Fill()) return std::nullopt;
      }
      r.body = in_.substr(0, n);
      in_.erase(0, n);
    }
    requests_->fetch_add(1);
    return r;
  }

  // Send writes all of data; false on error or stop.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN) return false;
      if (!WaitFor(POLLOUT)) return false;
    }
    return true;
  }

  // WaitForStop blocks until the server stops or the peer goes away: a
  // server that never answers.
  void WaitForStop() {
    while (Fill()) in_.clear();
  }

  // ShutdownWrite sends a FIN and keeps reading: a half-close, as a server
  // that is done with a connection does before it drains the peer's bytes.
  void ShutdownWrite() {
    if (fd_ >= 0) shutdown(fd_, SHUT_WR);
  }

  // IdleFor reports whether the peer stayed silent for `idle`: true if
  // nothing (no byte, no EOF) arrived in that time; false at once when bytes
  // are buffered or arrive, on EOF or error, or when the server stops. A
  // server's keep-alive idle timer, or a slow server's delay that ends early
  // when the client gives up.
  bool IdleFor(std::chrono::milliseconds idle) {
    if (fd_ < 0 || !in_.empty()) return false;
    Deadline d = After(idle);
    for (;;) {
      pollfd p[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      int rc = poll(p, 2, MsUntil(d));
      if (rc < 0 && errno == EINTR) continue;
      return rc == 0;
    }
  }

  // Close closes now; `reset` sends an RST instead of a FIN.
  void Close(bool reset = false) {
    if (fd_ < 0) return;
    if (reset) {
      linger l{1, 0};
      setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(fd_);
    fd_ = -1;
  }

 private:
  // WaitFor waits for `events` on the socket: false if the server stops.
  bool WaitFor(short events) {
    for (;;) {
      pollfd p[2] = {{fd_, events, 0}, {stop_fd_, POLLIN, 0}};
      int rc = poll(p, 2, -1);
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0 || p[1].revents != 0) return false;
      if (p[0].revents != 0) return true;
    }
  }

  bool Fill() {
    if (fd_ < 0) return false;
    for (;;) {
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
        return true;
      }
      if (n == 0) return false;
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return false;
      if (!WaitFor(POLLIN)) return false;
    }
  }

  int fd_;
  int stop_fd_;
  std::atomic<int>* requests_;
  std::string in_;
};

// ScriptedServer listens on 127.0.0.1:0 and runs `script` on each accepted
// connection in a thread of its own. It counts accepts and whole requests
// read; the destructor stops every script and joins the threads.
class ScriptedServer {
 public:
  using Script = std::function<void(ScriptedConn&)>;

  explicit ScriptedServer(Script script) : script_(std::move(script)) {
    if (pipe2(stop_, O_CLOEXEC | O_NONBLOCK) != 0) std::abort();
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        listen(listen_fd_, 128) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
      std::abort();
    }
    port_ = ntohs(sa.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  ~ScriptedServer() {
    char c = 'x';
    (void)!write(stop_[1], &c, 1);
    acceptor_.join();
    for (std::thread& t : workers_) t.join();
    close(listen_fd_);
    close(stop_[0]);
    close(stop_[1]);
  }

  int port() const { return port_; }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  int accepts() const { return accepts_.load(); }
  int requests() const { return requests_.load(); }

  // WaitAccepts waits until at least n connections were accepted.
  bool WaitAccepts(int n, Deadline d) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_until(lock, d, [&] { return accepts_.load() >= n; });
  }

  // ProbeNoOtherConnections proves that nobody connected before now:
  // accept(2) takes connections in order, so once our own probe connection
  // is accepted, any earlier one would have been counted too. True if the
  // probe is the only connection ever accepted.
  bool ProbeNoOtherConnections() {
    RawConn probe;
    if (!probe.Connect(port_)) return false;
    if (!WaitAccepts(1, After(std::chrono::seconds(3)))) return false;
    return accepts() == 1;
  }

 private:
  void AcceptLoop() {
    for (;;) {
      pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      int rc = poll(p, 2, -1);
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0 || p[1].revents != 0) return;
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) continue;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      {
        std::lock_guard<std::mutex> lock(mu_);
        accepts_.fetch_add(1);
      }
      cv_.notify_all();
      workers_.emplace_back([this, fd] {
        ScriptedConn conn(fd, stop_[0], &requests_);
        script_(conn);
      });
    }
  }

  Script script_;
  int stop_[2] = {-1, -1};
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> workers_;  // only the acceptor touches it until the join
  std::atomic<int> accepts_{0};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

// FreePort is a port nobody listens on (bound, then closed): connecting to
// it is refused. Another process could take it meanwhile; on loopback in a
// test run that is rare enough.
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  return ntohs(sa.sin_port);
}

// PipedResult is what RunPiped saw of a child.
struct PipedResult {
  bool started = false;
  bool timed_out = false;
  int exit_code = -1;  // 128 + signal if a signal ended it
  std::string err;
  long max_rss_kb = 0;   // wait4's ru_maxrss
  long vm_hwm_kb = 0;    // the last VmHWM read from /proc/PID/status while it ran
  Clock::duration elapsed{};
};

// VmHwmKb reads the peak RSS of a running process (0 if unreadable).
inline long VmHwmKb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// RunPiped runs argv with stdin from `stdin_path` (/dev/null if empty),
// hands every stdout chunk to `on_out` as it arrives (nothing is kept), and
// collects stderr. It watches /proc/PID/status's VmHWM while the child runs
// and takes ru_maxrss from wait4. At the deadline the child is killed.
inline PipedResult RunPiped(const std::vector<std::string>& argv, const std::string& stdin_path,
                            const std::function<void(std::string_view)>& on_out,
                            std::chrono::milliseconds timeout) {
  PipedResult r;
  auto start = Clock::now();
  Deadline d = start + timeout;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return r;
  if (pipe2(err, O_CLOEXEC) != 0) return r;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, stdin_path.empty() ? "/dev/null" : stdin_path.c_str(),
                                   O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    r.err = "spawn " + argv[0] + ": " + std::strerror(rc);
    close(out[0]);
    close(err[0]);
    return r;
  }
  r.started = true;
  int fds[2] = {out[0], err[0]};
  size_t since_hwm = 0;
  std::vector<char> buf(1 << 16);
  while (fds[0] >= 0 || fds[1] >= 0) {
    pollfd p[2];
    nfds_t n = 0;
    for (int fd : fds) {
      if (fd >= 0) p[n++] = {fd, POLLIN, 0};
    }
    int prc = poll(p, n, MsUntil(d));
    if (prc < 0 && errno == EINTR) continue;
    if (prc <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (p[i].revents == 0) continue;
      ssize_t got = read(p[i].fd, buf.data(), buf.size());
      if (got < 0 && errno == EINTR) continue;
      int* slot = p[i].fd == fds[0] ? &fds[0] : &fds[1];
      if (got <= 0) {
        close(*slot);
        *slot = -1;
        continue;
      }
      std::string_view chunk(buf.data(), static_cast<size_t>(got));
      if (slot == &fds[0]) {
        on_out(chunk);
        since_hwm += chunk.size();
        if (since_hwm >= (4u << 20)) {  // every 4 MiB of output
          since_hwm = 0;
          if (long kb = VmHwmKb(pid); kb > r.vm_hwm_kb) r.vm_hwm_kb = kb;
        }
      } else {
        r.err.append(chunk);
      }
    }
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  // Both pipes are closed: the child has exited or is about to. One last
  // VmHWM while it may still be there, then reap it (killed if it lingers).
  if (long kb = VmHwmKb(pid); kb > r.vm_hwm_kb) r.vm_hwm_kb = kb;
  int st = 0;
  rusage ru{};
  for (;;) {
    pid_t w = wait4(pid, &st, WNOHANG, &ru);
    if (w == pid) break;
    if (Clock::now() >= d) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      wait4(pid, &st, 0, &ru);
      break;
    }
    poll(nullptr, 0, 5);  // the child closed its pipes; its exit is a moment away
  }
  r.max_rss_kb = ru.ru_maxrss;
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
  r.elapsed = Clock::now() - start;
  return r;
}

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_SCRIPTED_SERVER_H_
