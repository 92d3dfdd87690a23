// Process: spawn a real binary (pingd, curl, post-json) for the e2e tests,
// with its stdout and stderr on pipes, and wait for output or exit with
// deadlines, never with sleeps. The socket side of those tests is raw_conn.h.
#ifndef NETHTTP_TESTS_TESTUTIL_PROCESS_H_
#define NETHTTP_TESTS_TESTUTIL_PROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace nethttp::testutil {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

// After is the deadline `d` from now.
inline Deadline After(std::chrono::milliseconds d) { return Clock::now() + d; }

// MsUntil is what is left of a deadline, as a poll(2) timeout (never negative).
inline int MsUntil(Deadline d) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(d - Clock::now()).count();
  if (left <= 0) return 0;
  return left > 1000000 ? 1000000 : static_cast<int>(left);
}

// Process is one spawned child. The destructor ends it if it still runs:
// SIGTERM, a 2 s grace period, then SIGKILL, so a failing test never leaves
// a server behind.
class Process {
 public:
  // Spawn starts argv[0] (a path, or a name looked up in PATH) with stdin
  // from /dev/null. On failure it returns null and says why in *error.
  static std::unique_ptr<Process> Spawn(const std::vector<std::string>& argv,
                                        std::string* error) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) {
      *error = std::string("pipe2: ") + std::strerror(errno);
      return nullptr;
    }
    if (pipe2(err, O_CLOEXEC) != 0) {
      *error = std::string("pipe2: ") + std::strerror(errno);
      close(out[0]);
      close(out[1]);
      return nullptr;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    // dup2 clears FD_CLOEXEC on the target, so only 1 and 2 survive exec.
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
      *error = "spawn " + argv[0] + ": " + std::strerror(rc);
      close(out[0]);
      close(err[0]);
      return nullptr;
    }
    auto p = std::unique_ptr<Process>(new Process(pid, out[0], err[0]));
    return p;
  }

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  ~Process() {
    if (!status_) {
      kill(pid_, SIGTERM);
      if (!Wait(After(std::chrono::seconds(2)))) {
        kill(pid_, SIGKILL);
        int st = 0;
        waitpid(pid_, &st, 0);
      }
    }
    for (int fd : {out_fd_, err_fd_, pid_fd_}) {
      if (fd >= 0) close(fd);
    }
  }

  pid_t pid() const { return pid_; }
  // out and err are what the child has written so far. What waits in the
  // pipes is read first: a test that prints err() on failure must not show
  // only what some earlier wait happened to collect.
  const std::string& out() {
    Collect();
    return out_;
  }
  const std::string& err() {
    Collect();
    return err_;
  }

  // WaitForStderrLine reads stderr until a complete line containing
  // `needle` has arrived and returns that line (without its newline), or
  // nullopt at the deadline or at EOF.
  std::optional<std::string> WaitForStderrLine(std::string_view needle, Deadline d) {
    size_t scanned = 0;
    for (;;) {
      for (size_t nl; (nl = err_.find('\n', scanned)) != std::string::npos; scanned = nl + 1) {
        std::string_view line(err_.data() + scanned, nl - scanned);
        if (line.find(needle) != std::string_view::npos) return std::string(line);
      }
      if (err_fd_ < 0 || Clock::now() >= d) return std::nullopt;
      Pump(MsUntil(d), /*watch_exit=*/false);
    }
  }

  bool Signal(int sig) { return !status_ && kill(pid_, sig) == 0; }

  // Running reports whether the child has not exited yet (it reaps it if it has).
  bool Running() {
    if (status_) return false;
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) status_ = st;
    return !status_;
  }

  // Wait waits for the child to exit, collecting its output meanwhile, and
  // returns its exit code (128 + signal number if a signal ended it), or
  // nullopt at the deadline.
  std::optional<int> Wait(Deadline d) {
    for (;;) {
      if (!Running()) {
        // Take what is left in the pipes: the writer is gone, so EOF is near.
        while ((out_fd_ >= 0 || err_fd_ >= 0) && Pump(MsUntil(d), false) && Clock::now() < d) {
        }
        return ExitCode();
      }
      if (Clock::now() >= d) return std::nullopt;
      // pidfd becomes readable when the child exits; without one (old
      // kernels) we look again every 20 ms.
      int limit = pid_fd_ >= 0 ? MsUntil(d) : std::min(MsUntil(d), 20);
      if (!Pump(limit, /*watch_exit=*/true)) poll(nullptr, 0, limit);
    }
  }

 private:
  Process(pid_t pid, int out_fd, int err_fd) : pid_(pid), out_fd_(out_fd), err_fd_(err_fd) {
#ifdef SYS_pidfd_open
    pid_fd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pid_fd_ >= 0) fcntl(pid_fd_, F_SETFD, FD_CLOEXEC);
#endif
  }

  int ExitCode() const {
    if (WIFEXITED(*status_)) return WEXITSTATUS(*status_);
    if (WIFSIGNALED(*status_)) return 128 + WTERMSIG(*status_);
    return -1;
  }

  // Collect reads what the pipes hold now, without waiting for more.
  void Collect() {
    for (size_t before = SIZE_MAX; before != out_.size() + err_.size();) {
      before = out_.size() + err_.size();
      Pump(0, /*watch_exit=*/false);
    }
  }

  // Pump waits up to timeout_ms for output (or, with watch_exit, for the
  // child's exit) and reads what is there. It returns false when there is
  // nothing left to wait for.
  bool Pump(int timeout_ms, bool watch_exit) {
    pollfd fds[3];
    int n = 0;
    if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
    if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
    if (watch_exit && pid_fd_ >= 0 && !status_) fds[n++] = {pid_fd_, POLLIN, 0};
    if (n == 0) return false;
    int rc = poll(fds, static_cast<nfds_t>(n), timeout_ms);
    if (rc <= 0) return rc == 0 || errno == EINTR;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0 || fds[i].fd == pid_fd_) continue;
      int* fd = fds[i].fd == out_fd_ ? &out_fd_ : &err_fd_;
      std::string* sink = fds[i].fd == out_fd_ ? &out_ : &err_;
      char buf[65536];
      ssize_t got = read(*fd, buf, sizeof buf);
      if (got > 0) {
        sink->append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(*fd);
        *fd = -1;
      }
    }
    return true;
  }

  pid_t pid_;
  int out_fd_;
  int err_fd_;
  int pid_fd_ = -1;
  std::optional<int> status_;  // raw waitpid status once reaped
  std::string out_;
  std::string err_;
};

// RunResult is what Run collected from a child that ran to completion.
struct RunResult {
  bool started = false;    // false: spawn failed, see err
  bool timed_out = false;  // killed at the deadline
  int exit_code = -1;      // 128 + signal if a signal ended it
  std::string out;
  std::string err;
};

// Run starts argv, waits for it to exit within `timeout` (else kills it)
// and returns its exit code and output.
inline RunResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  RunResult r;
  std::string error;
  std::unique_ptr<Process> p = Process::Spawn(argv, &error);
  if (!p) {
    r.err = error;
    return r;
  }
  r.started = true;
  std::optional<int> code = p->Wait(After(timeout));
  if (!code) {
    r.timed_out = true;
    p->Signal(SIGKILL);
    code = p->Wait(After(std::chrono::seconds(2)));
  }
  r.exit_code = code.value_or(-1);
  r.out = p->out();
  r.err = p->err();
  return r;
}

// Listening is a server process started by SpawnListening, and the port
// its log line named.
struct Listening {
  std::unique_ptr<Process> proc;
  int port = 0;
  std::string error;  // why proc is null, or why port is 0
};

// SpawnListening starts argv (a server given "--addr 127.0.0.1:0") and
// waits for its "listening on 127.0.0.1:PORT" line: the apps say it once
// they accept connections, so nothing else needs waiting for.
inline Listening SpawnListening(const std::vector<std::string>& argv,
                                std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  Listening l;
  l.proc = Process::Spawn(argv, &l.error);
  if (!l.proc) return l;
  std::optional<std::string> line = l.proc->WaitForStderrLine("listening on 127.0.0.1:", After(limit));
  if (!line) {
    l.error = argv[0] + " never said where it listens; stderr:\n" + l.proc->err();
    return l;
  }
  size_t colon = line->find(':', line->find("127.0.0.1"));
  l.port = std::atoi(line->c_str() + colon + 1);
  return l;
}

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_PROCESS_H_
