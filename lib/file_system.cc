// Dir: the disk as a FileSystem (Go: http.Dir). Opens run on libuv's thread
// pool and resolve beneath the root in the kernel; reads are uv_fs_read, so
// the loop never waits for the disk. A small file is read whole by its open,
// and with DirOptions::cache_valid kept to answer the next opens from memory.
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "internal/loop_local.h"
#include "internal/path.h"
#include "internal/uv_handle.h"
#include "nethttp/file_server.h"
#include "nethttp/loop.h"

namespace nethttp {
namespace {

Error ErrnoError(int err, std::string_view what) {
  return Error::FromUv(uv_translate_sys_error(err), what);
}

FileInfo InfoOf(const struct stat& st, std::string name) {
  FileInfo info;
  info.name = std::move(name);
  info.size = st.st_size;
  info.is_dir = S_ISDIR(st.st_mode);
  info.mod_time = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
  return info;
}

// OpenBeneath opens rel (relative, already cleaned) under the directory
// root_fd and never outside it, whatever symlinks or ".." the tree holds:
// openat2's RESOLVE_BENEATH makes the kernel refuse (EXDEV) any step out.
// Without openat2 (a kernel before 5.6, or a seccomp filter that hides it)
// the file is opened as usual and where it really is is checked after, on
// the open descriptor, so no race can swap what was checked.
bool Inside(std::string_view where, const std::string& root_real) {
  // Not knowing where the root or the file is (no /proc) is a refusal.
  if (where.empty() || root_real.empty()) return false;
  return where == root_real ||
         (where.starts_with(root_real) && (root_real == "/" || where.substr(root_real.size()).starts_with('/')));
}

int OpenBeneath(int root_fd, const std::string& root_real, const std::string& rel, int* err) {
  open_how how{};
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused
  // after the fstat anyway); it changes nothing for files and directories.
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
  if (fd >= 0) return static_cast<int>(fd);
  *err = errno;
  if (*err == EXDEV) {
    // RESOLVE_BENEATH refuses every absolute symlink, even one that leads
    // back inside the root. Where the name really leads is asked without
    // opening anything (realpath only reads links), and a place inside
    // the root is opened beneath it again: a link swapped meanwhile fails
    // the same check. So an absolute link is served where a relative one
    // to the same file is, on every kernel.
    char real[PATH_MAX];
    std::string full = root_real + "/" + rel;
    if (realpath(full.c_str(), real) != nullptr && Inside(real, root_real)) {
      std::string_view inner = std::string_view(real).substr(root_real.size());
      while (inner.starts_with('/')) inner.remove_prefix(1);
      std::string rel2 = inner.empty() ? "." : std::string(inner);
      fd = syscall(SYS_openat2, root_fd, rel2.c_str(), &how, sizeof how);
      if (fd >= 0) {
        *err = 0;
        return static_cast<int>(fd);
      }
      *err = errno;
    }
    if (*err == EXDEV) *err = EACCES;  // out of root: forbidden, as Go's 403 reads
  }
  if (*err == ENXIO) *err = EACCES;  // a socket: neither file nor directory (see below)
  if (*err != ENOSYS && *err != EPERM) return -1;

  fd = openat(root_fd, rel.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    *err = errno == ENXIO ? EACCES : errno;
    return -1;
  }
  char link[64], real[PATH_MAX + 1];
  std::snprintf(link, sizeof link, "/proc/self/fd/%ld", fd);
  ssize_t n = readlink(link, real, PATH_MAX);
  std::string_view where(real, n > 0 ? static_cast<size_t>(n) : 0);
  if (!Inside(where, root_real)) {
    close(static_cast<int>(fd));
    *err = EACCES;
    return -1;
  }
  return static_cast<int>(fd);
}

class DiskFileSystem;

// RunLater calls f on loop in a later turn, as File's calls must complete:
// a trip through the thread pool with nothing to do there. Only a MemoryFile
// read by a caller other than ServeContent takes it.
void RunLater(uv_loop_t* loop, std::function<void()> f) {
  struct Later {
    uv_work_t req;
    std::function<void()> f;
  };
  auto* l = new Later{{}, std::move(f)};
  l->req.data = l;
  int rc = uv_queue_work(
      loop, &l->req, [](uv_work_t*) {},
      [](uv_work_t* req, int) {
        std::unique_ptr<Later> l(OwnerOf<Later>(req));
        l->f();
      });
  if (rc != 0) {  // (only for a loop being torn down; nothing runs later there)
    delete l;
  }
}

// MemoryFile is a small file read whole when it was opened: its descriptor
// is already closed, and it is served from content_ (InMemory).
class MemoryFile final : public File {
 public:
  MemoryFile(uv_loop_t* loop, FileInfo info, std::string content)
      : loop_(loop), info_(std::move(info)), content_(std::move(content)) {}

  const FileInfo& Stat() const override { return info_; }
  const std::string* InMemory() const override { return &content_; }
  void ReadAt(int64_t offset, char* buf, size_t n, ReadFunc done) override {
    size_t at = static_cast<size_t>(std::clamp<int64_t>(offset, 0, static_cast<int64_t>(content_.size())));
    size_t got = std::min(n, content_.size() - at);
    std::memcpy(buf, content_.data() + at, got);
    RunLater(loop_, [done = std::move(done), got] { done(got); });
  }
  void ReadDir(ReadDirFunc done) override {
    RunLater(loop_, [done = std::move(done), name = info_.name] {
      done(ErrnoError(ENOTDIR, "readdir " + name));
    });
  }

 private:
  uv_loop_t* loop_;
  FileInfo info_;
  std::string content_;
};

class DiskFile final : public File, public std::enable_shared_from_this<DiskFile> {
 public:
  DiskFile(std::shared_ptr<DiskFileSystem> fs, int fd, FileInfo info)
      : fs_(std::move(fs)), fd_(fd), info_(std::move(info)) {}
  ~DiskFile() override;

  const FileInfo& Stat() const override { return info_; }
  void ReadAt(int64_t offset, char* buf, size_t n, ReadFunc done) override;
  void ReadDir(ReadDirFunc done) override;

 private:
  std::shared_ptr<DiskFileSystem> fs_;
  int fd_;
  FileInfo info_;
};

// OpenWork is one Open, from the loop to the thread pool and back.
struct OpenWork {
  uv_work_t req;
  std::shared_ptr<DiskFileSystem> fs;
  std::string rel;   // the cleaned name without its leading '/', "." for the root
  std::string base;  // FileInfo::name
  FileSystem::OpenFunc done;
  uint64_t started_ms = 0;  // uv_now when it went to the thread pool
  uint64_t wait_deadline_ms = 0;  // uv_now past which waiting for a slot fails (OpenFileSlots)
  int fd = -1;              // for a file not read whole
  int err = 0;
  struct stat st {};
  std::optional<std::string> content;  // a small file, read whole
};

// OpenFileSlots bounds the files open at once on one loop, for every Dir
// on it: ServeFile makes a Dir per call, so a bound per Dir would bound
// nothing. Past kMaxOpenFiles an open waits, in order, for a file to close,
// until its Dir's open_wait_timeout.
class OpenFileSlots {
 public:
  explicit OpenFileSlots(uv_loop_t* loop) : loop_(loop) {}

  // For is the loop's one OpenFileSlots, alive while a Dir on it is.
  static std::shared_ptr<OpenFileSlots> For(uv_loop_t* loop) {
    static std::mutex mu;  // Dirs may be made on any thread
    static std::unordered_map<uv_loop_t*, std::weak_ptr<OpenFileSlots>> by_loop;
    std::lock_guard<std::mutex> lock(mu);
    std::erase_if(by_loop, [](const auto& kv) { return kv.second.expired(); });
    std::weak_ptr<OpenFileSlots>& slot = by_loop[loop];
    std::shared_ptr<OpenFileSlots> s = slot.lock();
    if (s == nullptr) {
      s = std::make_shared<OpenFileSlots>(loop);
      slot = s;
    }
    return s;
  }

  // Take starts w now if a slot is free, else when one is.
  void Take(std::unique_ptr<OpenWork> w);
  // Release frees the slot of a file closed (or never opened).
  void Release();

 private:
  // Arm sets the timer for the first deadline among the waiting opens. The
  // timer exists only while one waits: each holds its Dir, which holds
  // this, so this outlives it, and nothing is left to close when the last
  // Dir goes (from any thread, perhaps after its loop).
  void Arm();
  static void OnDeadline(uv_timer_t* t);

  uv_loop_t* loop_;
  size_t open_ = 0;  // files open plus opens in flight
  std::deque<std::unique_ptr<OpenWork>> waiting_;
  uv_timer_t* timer_ = nullptr;  // open while waiting_ is not empty
};

class DiskFileSystem final : public FileSystem, public std::enable_shared_from_this<DiskFileSystem> {
 public:
  DiskFileSystem(std::string root, DirOptions options, uv_loop_t* loop)
      : root_(std::move(root)), options_(options), loop_(loop), slots_(OpenFileSlots::For(loop)) {
    // The root is trusted and opened once, here: a root that is itself a
    // symlink is followed. A root that cannot be opened makes every Open
    // fail the same way (Go's Dir reports each request's own error).
    root_fd_ = open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd_ < 0) {
      root_errno_ = errno;
      return;
    }
    char link[64], real[PATH_MAX + 1];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", root_fd_);
    if (ssize_t n = readlink(link, real, PATH_MAX); n > 0) root_real_.assign(real, static_cast<size_t>(n));
  }
  ~DiskFileSystem() override {
    if (root_fd_ >= 0) close(root_fd_);
  }

  void Open(std::string_view name, OpenFunc done) override;
  uv_loop_t* loop() const { return loop_; }
  // FileClosed frees an open-file slot for the next Open waiting.
  void FileClosed();

 private:
  friend class OpenFileSlots;
  // CacheEntry is a small file kept to answer opens of its name.
  struct CacheEntry {
    std::shared_ptr<File> file;
    uint64_t expires_ms;  // uv_now after which the disk is asked again
  };
  void Start(std::unique_ptr<OpenWork> w);
  void Remember(const std::string& rel, uint64_t started_ms, std::shared_ptr<File> file);

  std::string root_;
  DirOptions options_;
  uv_loop_t* loop_;
  int root_fd_ = -1;
  int root_errno_ = 0;
  std::string root_real_;
  std::shared_ptr<OpenFileSlots> slots_;  // the loop's, shared with every Dir on it
  std::unordered_map<std::string, CacheEntry> cache_;  // by cleaned name, when cache_valid
  size_t cache_bytes_ = 0;
};

void DiskFileSystem::Open(std::string_view name, OpenFunc done) {
  // Go's Dir.Open: the name is cleaned as a rooted path, so ".." cannot
  // climb above the root (and symlinks are OpenBeneath's business).
  std::string clean = CleanPath("/" + std::string(name));
  if (!cache_.empty()) {
    if (auto it = cache_.find(clean); it != cache_.end()) {
      if (uv_now(loop_) < it->second.expires_ms) {
        std::shared_ptr<File> f = it->second.file;
        done(std::move(f));
        return;
      }
      cache_bytes_ -= static_cast<size_t>(it->second.file->Stat().size);
      cache_.erase(it);
    }
  }
  auto w = std::make_unique<OpenWork>();
  w->fs = shared_from_this();
  w->rel = clean == "/" ? "." : clean.substr(1);
  w->base = clean == "/" ? "/" : clean.substr(clean.rfind('/') + 1);
  w->done = std::move(done);
  if (name.find('\0') != std::string_view::npos) w->err = EINVAL;  // (no C string holds it)
  slots_->Take(std::move(w));
}

void OpenFileSlots::Take(std::unique_ptr<OpenWork> w) {
  if (open_ >= kMaxOpenFiles) {
    int64_t wait = w->fs->options_.open_wait_timeout.count();
    w->wait_deadline_ms = wait > 0 ? uv_now(loop_) + static_cast<uint64_t>(wait) : UINT64_MAX;
    waiting_.push_back(std::move(w));
    if (wait > 0) Arm();
    return;
  }
  ++open_;
  DiskFileSystem* fs = w->fs.get();
  fs->Start(std::move(w));
}

void OpenFileSlots::Release() {
  --open_;
  if (!waiting_.empty() && open_ < kMaxOpenFiles) {
    std::unique_ptr<OpenWork> next = std::move(waiting_.front());
    waiting_.pop_front();
    Arm();
    Take(std::move(next));
  }
}

void OpenFileSlots::Arm() {
  uint64_t first = UINT64_MAX;
  for (const auto& w : waiting_) first = std::min(first, w->wait_deadline_ms);
  if (first == UINT64_MAX) {  // (nobody waits, or nobody with a deadline)
    if (timer_ != nullptr) {
      uv_close(reinterpret_cast<uv_handle_t*>(std::exchange(timer_, nullptr)),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    }
    return;
  }
  if (timer_ == nullptr) {
    timer_ = new uv_timer_t;
    uv_timer_init(loop_, timer_);
    timer_->data = this;
  }
  uint64_t now = uv_now(loop_);
  uv_timer_start(timer_, OnDeadline, first > now ? first - now : 0, 0);
}

void OpenFileSlots::OnDeadline(uv_timer_t* t) {
  auto* self = static_cast<OpenFileSlots*>(t->data);
  uint64_t now = uv_now(self->loop_);
  std::vector<std::unique_ptr<OpenWork>> expired;
  for (auto it = self->waiting_.begin(); it != self->waiting_.end();) {
    if ((*it)->wait_deadline_ms <= now) {
      expired.push_back(std::move(*it));
      it = self->waiting_.erase(it);
    } else {
      ++it;
    }
  }
  self->Arm();
  // Last: a done may answer its request and close other files (Release
  // runs), and the final OpenWork may take the last reference to self.
  for (auto& w : expired) {
    FileSystem::OpenFunc done = std::move(w->done);
    std::string what = "open " + w->rel + ": no free file slot (" + std::to_string(kMaxOpenFiles) + " open)";
    w.reset();
    done(ErrnoError(EMFILE, what));
  }
}

// Start sends w to the thread pool, in the slot it was given.
void DiskFileSystem::Start(std::unique_ptr<OpenWork> w) {
  w->req.data = w.get();
  w->started_ms = uv_now(loop_);
  auto work = [](uv_work_t* req) {
    auto* w = OwnerOf<OpenWork>(req);
    if (w->err != 0) return;
    DiskFileSystem& fs = *w->fs;
    if (fs.root_fd_ < 0) {
      w->err = fs.root_errno_;
      return;
    }
    w->fd = OpenBeneath(fs.root_fd_, fs.root_real_, w->rel, &w->err);
    if (w->fd < 0) return;
    if (fstat(w->fd, &w->st) != 0) {
      w->err = errno;
    } else if (!S_ISREG(w->st.st_mode) && !S_ISDIR(w->st.st_mode)) {
      // Stricter than Go, which would read a FIFO or a device node: only
      // files and directories are served.
      w->err = EACCES;
    } else if (S_ISREG(w->st.st_mode) && w->st.st_size <= static_cast<off_t>(kInMemoryFileBytes)) {
      // Read whole now: one trip to the pool instead of an open and then
      // a read. A file that shrank meanwhile is what was read (its size
      // follows), one that grew is its first st_size bytes, as Go's copy
      // of Stat().Size() bytes would send.
      std::string& c = w->content.emplace(static_cast<size_t>(w->st.st_size), '\0');
      size_t got = 0;
      while (got < c.size()) {
        ssize_t n = pread(w->fd, c.data() + got, c.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) w->err = errno;
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
      c.resize(got);
      w->st.st_size = static_cast<off_t>(got);
      close(w->fd);
      w->fd = -1;
    }
    if (w->err != 0 && w->fd >= 0) {
      close(w->fd);
      w->fd = -1;
    }
  };
  auto after = [](uv_work_t* req, int status) {
    std::unique_ptr<OpenWork> w(OwnerOf<OpenWork>(req));
    if (status == UV_ECANCELED && w->fd >= 0) {
      close(w->fd);
      w->fd = -1;
      w->err = ECANCELED;
    }
    std::shared_ptr<DiskFileSystem> fs = std::move(w->fs);
    if (w->err == 0 && w->content && status != UV_ECANCELED) {
      fs->FileClosed();  // the descriptor is closed already
      std::shared_ptr<File> f = std::make_shared<MemoryFile>(fs->loop_, InfoOf(w->st, std::move(w->base)),
                                                             std::move(*w->content));
      if (fs->options_.cache_valid.count() > 0) fs->Remember(w->rel, w->started_ms, f);
      w->done(std::move(f));
      return;
    }
    if (w->fd < 0) {
      fs->FileClosed();  // the slot was never used
      w->done(ErrnoError(w->err != 0 ? w->err : ECANCELED, "open " + w->rel));
      return;
    }
    // The slot now belongs to the file, and is freed with it.
    w->done(std::shared_ptr<File>(std::make_shared<DiskFile>(fs, w->fd, InfoOf(w->st, std::move(w->base)))));
  };
  OpenWork* raw = w.release();
  if (int rc = uv_queue_work(loop_, &raw->req, work, after); rc != 0) {
    std::unique_ptr<OpenWork> back(raw);
    slots_->Release();
    back->done(Error::FromUv(rc, "open"));
  }
}

// Remember keeps a small file for cache_valid from when its open started,
// so that what it holds is never older than that. When the cache is full,
// expired entries make room; if that is not enough the file is not kept.
void DiskFileSystem::Remember(const std::string& rel, uint64_t started_ms, std::shared_ptr<File> file) {
  std::string key = rel == "." ? "/" : "/" + rel;
  size_t size = static_cast<size_t>(file->Stat().size);
  if (auto it = cache_.find(key); it != cache_.end()) {
    cache_bytes_ -= static_cast<size_t>(it->second.file->Stat().size);
    cache_.erase(it);
  }
  if (cache_bytes_ + size > options_.cache_max_bytes) {
    uint64_t now = uv_now(loop_);
    std::erase_if(cache_, [&](const auto& kv) {
      if (now < kv.second.expires_ms) return false;
      cache_bytes_ -= static_cast<size_t>(kv.second.file->Stat().size);
      return true;
    });
    if (cache_bytes_ + size > options_.cache_max_bytes) return;
  }
  cache_bytes_ += size;
  cache_.emplace(std::move(key), CacheEntry{std::move(file), started_ms + static_cast<uint64_t>(options_.cache_valid.count())});
}

void DiskFileSystem::FileClosed() { slots_->Release(); }

DiskFile::~DiskFile() {
  // close(2) of a file only drops a reference: no disk I/O to keep off the loop.
  close(fd_);
  fs_->FileClosed();
}

void DiskFile::ReadAt(int64_t offset, char* buf, size_t n, ReadFunc done) {
  struct ReadReq {
    uv_fs_t req;
    std::shared_ptr<DiskFile> file;  // open until the read is done
    ReadFunc done;
  };
  auto* r = new ReadReq{{}, shared_from_this(), std::move(done)};
  r->req.data = r;
  uv_buf_t b = uv_buf_init(buf, static_cast<unsigned>(std::min<size_t>(n, UINT_MAX)));
  int rc = uv_fs_read(fs_->loop(), &r->req, fd_, &b, 1, offset, [](uv_fs_t* req) {
    std::unique_ptr<ReadReq> r(OwnerOf<ReadReq>(req));
    ssize_t result = req->result;
    uv_fs_req_cleanup(req);
    if (result < 0) {
      r->done(Error::FromUv(static_cast<int>(result), "read " + r->file->info_.name));
    } else {
      r->done(static_cast<size_t>(result));
    }
  });
  if (rc != 0) {
    std::unique_ptr<ReadReq> back(r);
    uv_fs_req_cleanup(&back->req);
    back->done(Error::FromUv(rc, "read"));
  }
}

void DiskFile::ReadDir(ReadDirFunc done) {
  struct DirWork {
    uv_work_t req;
    std::shared_ptr<DiskFile> file;
    ReadDirFunc done;
    std::vector<FileInfo> entries;
    int err = 0;
  };
  auto* w = new DirWork{{}, shared_from_this(), std::move(done), {}, 0};
  w->req.data = w;
  auto work = [](uv_work_t* req) {
    auto* w = OwnerOf<DirWork>(req);
    // fdopendir takes the descriptor over; a duplicate keeps the file's own.
    int fd = dup(w->file->fd_);
    DIR* d = fd >= 0 ? fdopendir(fd) : nullptr;
    if (d == nullptr) {
      w->err = errno;
      if (fd >= 0) close(fd);
      return;
    }
    rewinddir(d);
    while (dirent* e = readdir(d)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      FileInfo info;
      info.name = name;
      // Like Go's ReadDir, the entry's own type: a symlink to a directory
      // is not a directory here.
      if (e->d_type == DT_UNKNOWN) {
        struct stat st {};
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) info.is_dir = S_ISDIR(st.st_mode);
      } else {
        info.is_dir = e->d_type == DT_DIR;
      }
      w->entries.push_back(std::move(info));
    }
    closedir(d);
  };
  auto after = [](uv_work_t* req, int status) {
    std::unique_ptr<DirWork> w(OwnerOf<DirWork>(req));
    if (status != 0) {
      w->done(Error::FromUv(status, "readdir"));
    } else if (w->err != 0) {
      w->done(ErrnoError(w->err, "readdir " + w->file->info_.name));
    } else {
      w->done(std::move(w->entries));
    }
  };
  if (int rc = uv_queue_work(fs_->loop(), &w->req, work, after); rc != 0) {
    std::unique_ptr<DirWork> back(w);
    back->done(Error::FromUv(rc, "readdir"));
  }
}

// LoopDir is a Dir made without a loop. Each loop that opens through it
// (each worker of a Server sharing one FileServer) gets a DiskFileSystem
// of its own, with its own cache and the loop's open-file slots, kept by
// that Loop: the workers share nothing, and nothing is locked.
class LoopDir final : public FileSystem {
 public:
  LoopDir(std::string root, DirOptions options)
      : root_(std::move(root)), options_(options), key_(NewLoopLocalKey()) {}

  void Open(std::string_view name, OpenFunc done) override {
    Loop* current = Loop::Current();
    Loop& loop = current != nullptr ? *current : DefaultLoop();
    auto make = [&] { return std::make_shared<DiskFileSystem>(root_, options_, loop.get()); };
    LoopLocal<DiskFileSystem>(loop, key_, make).Open(name, std::move(done));
  }

 private:
  std::string root_;
  DirOptions options_;
  uint64_t key_;
};

}  // namespace

std::shared_ptr<FileSystem> Dir(std::string root, Loop* loop) { return Dir(std::move(root), DirOptions{}, loop); }

std::shared_ptr<FileSystem> Dir(std::string root, DirOptions options, Loop* loop) {
  if (root.empty()) root = ".";  // Go: an empty Dir is "."
  if (loop == nullptr) return std::make_shared<LoopDir>(std::move(root), options);
  return std::make_shared<DiskFileSystem>(std::move(root), options, loop->get());
}

}  // namespace nethttp
