// TempTree: a fresh scratch directory (mkdtemp) for one test's files, and
// the calls that shape it: files with a chosen modification time,
// directories, symlinks, FIFOs. Everything in it is removed at scope exit.
// The file server tests build their roots with it (file_server_test.cc,
// e2e/pingd_static_test.cc).
#ifndef NETHTTP_TESTS_TESTUTIL_TEMP_TREE_H_
#define NETHTTP_TESTS_TESTUTIL_TEMP_TREE_H_

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace nethttp::testutil {

class TempTree {
 public:
  TempTree() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/nethttp-test-XXXXXX";
    REQUIRE_MESSAGE(mkdtemp(tmpl.data()) != nullptr, "mkdtemp: " << std::strerror(errno));
    path_ = tmpl;
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& path() const { return path_; }
  // Path is rel's full name in the tree.
  std::string Path(std::string_view rel) const { return path_ + "/" + std::string(rel); }

  // Write creates (or replaces) the file rel with content; its mode is 0644.
  std::string Write(std::string_view rel, std::string_view content) {
    std::string p = Path(rel);
    int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE_MESSAGE(fd >= 0, "open " << p << ": " << std::strerror(errno));
    while (!content.empty()) {
      ssize_t n = write(fd, content.data(), content.size());
      if (n < 0 && errno == EINTR) continue;
      REQUIRE_MESSAGE(n > 0, "write " << p << ": " << std::strerror(errno));
      content.remove_prefix(static_cast<size_t>(n));
    }
    close(fd);
    return p;
  }

  // Sparse creates the file rel of size bytes with no data blocks: a
  // gigabyte of zeros that costs no disk.
  std::string Sparse(std::string_view rel, off_t size) {
    std::string p = Path(rel);
    int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    REQUIRE_MESSAGE(fd >= 0, "open " << p << ": " << std::strerror(errno));
    REQUIRE_MESSAGE(ftruncate(fd, size) == 0, "ftruncate " << p << ": " << std::strerror(errno));
    close(fd);
    return p;
  }

  std::string Mkdir(std::string_view rel) {
    std::string p = Path(rel);
    REQUIRE_MESSAGE(mkdir(p.c_str(), 0755) == 0, "mkdir " << p << ": " << std::strerror(errno));
    return p;
  }

  // Symlink makes rel a symlink whose content is target, as given
  // (relative targets resolve from rel's directory).
  std::string Symlink(std::string_view target, std::string_view rel) {
    std::string p = Path(rel);
    REQUIRE_MESSAGE(symlink(std::string(target).c_str(), p.c_str()) == 0,
                    "symlink " << p << ": " << std::strerror(errno));
    return p;
  }

  std::string Mkfifo(std::string_view rel) {
    std::string p = Path(rel);
    REQUIRE_MESSAGE(mkfifo(p.c_str(), 0644) == 0, "mkfifo " << p << ": " << std::strerror(errno));
    return p;
  }

  // SetModTime sets rel's modification (and access) time to secs after
  // the epoch, whole seconds; rel itself when it is a symlink's target.
  void SetModTime(std::string_view rel, time_t secs) {
    std::string p = rel.empty() ? path_ : Path(rel);
    timespec times[2] = {{secs, 0}, {secs, 0}};
    REQUIRE_MESSAGE(utimensat(AT_FDCWD, p.c_str(), times, 0) == 0,
                    "utimensat " << p << ": " << std::strerror(errno));
  }

 private:
  std::string path_;
};

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_TEMP_TREE_H_
