// FileServer, ServeFile, ServeContent and StripPrefix: Go's fs.go on the
// loop. Files are opened and read on libuv's thread pool, so a slow disk
// never stalls the loop, and bodies are sent with write backpressure
// (ResponseWriter::Writable), so a large file costs one read buffer per
// response however slowly the client reads.
#ifndef NETHTTP_FILE_SERVER_H_
#define NETHTTP_FILE_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/error.h"
#include "nethttp/handler.h"
#include "nethttp/request.h"

namespace nethttp {

class Loop;

// FileInfo describes a file (Go: fs.FileInfo, the parts a server uses).
struct FileInfo {
  std::string name;  // the base name
  int64_t size = 0;
  std::chrono::system_clock::time_point mod_time;
  bool is_dir = false;
};

// File is an open file of a FileSystem (Go: http.File). Its calls complete
// on the loop, later, never from within the call.
class File {
 public:
  using ReadFunc = std::function<void(Result<size_t>)>;
  using ReadDirFunc = std::function<void(Result<std::vector<FileInfo>>)>;

  virtual ~File() = default;
  // Stat is what the file was when it was opened.
  virtual const FileInfo& Stat() const = 0;
  // ReadAt reads up to n bytes at offset into buf, which must stay valid
  // until done runs; done gets the count, 0 at the end of the file.
  virtual void ReadAt(int64_t offset, char* buf, size_t n, ReadFunc done) = 0;
  // ReadDir lists a directory (Go: File.Readdir(-1)), in no set order.
  virtual void ReadDir(ReadDirFunc done) = 0;
  // InMemory is the whole file when it is already held in memory (a small
  // file Dir read when it opened it), else null. ServeContent then answers
  // at once, with no read to wait for.
  virtual const std::string* InMemory() const { return nullptr; }
};

// FileSystem opens files by slash-separated, rooted names ("/a/b.txt")
// (Go: http.FileSystem). A missing file is a kIo Error whose uv_code() is
// UV_ENOENT (or UV_ENOTDIR), a forbidden one UV_EACCES: FileServer answers
// 404 and 403 for those, 500 for the rest, never the error's text. done
// runs on the loop, and may run before Open returns (a file Dir has cached).
class FileSystem {
 public:
  using OpenFunc = std::function<void(Result<std::shared_ptr<File>>)>;
  virtual ~FileSystem() = default;
  virtual void Open(std::string_view name, OpenFunc done) = 0;
};

// Dir serves the tree under root from the disk (Go: http.Dir), on loop.
// Null means the loop that calls Open (Loop::Current(), else DefaultLoop()):
// a FileServer shared by a Server's workers then opens each file on the
// worker serving it, and each worker keeps its own cache and open-file
// count, made on its first open and freed with its loop.
//
// Stricter than Go, whose Dir follows symlinks wherever they lead: nothing
// outside root is ever opened, neither through ".." (cleaned away, as Go
// does) nor through a symlink (the kernel resolves every name beneath root:
// openat2 with RESOLVE_BENEATH), which is UV_EACCES, a 403; a symlink that
// leads back inside root is followed, absolute or not. Only files and
// directories are served: a FIFO, socket or device node is a 403 too. At most
// kMaxOpenFiles files are open at once per loop, across every Dir on it
// (ServeFile's included); more requests wait their turn rather than
// failing with EMFILE, for DirOptions::open_wait_timeout at most (then
// UV_EMFILE, which FileServer answers with a 503: slow readers holding
// every file must not hang the requests behind them).
std::shared_ptr<FileSystem> Dir(std::string root, Loop* loop = nullptr);
inline constexpr size_t kMaxOpenFiles = 256;

// DirOptions tunes how Dir keeps small files. A regular file of at most
// kInMemoryFileBytes is always read whole when it is opened, in the same
// trip to the thread pool (File::InMemory), and its descriptor closed at
// once; cache_valid also keeps it, for that long, to answer later opens of
// the same name without going to the disk at all (nginx's
// open_file_cache_valid, with the bytes kept as well as the descriptor).
struct DirOptions {
  // cache_valid: how long a small file read from disk answers opens of its
  // name; a change on disk shows after at most that long. Zero (the
  // default) caches nothing: every open sees the disk as it is, as in Go.
  std::chrono::milliseconds cache_valid{0};
  // cache_max_bytes bounds the bytes the cache holds; a file that would
  // pass it is served but not kept.
  size_t cache_max_bytes = 4 << 20;
  // open_wait_timeout bounds how long an open waits for one of the loop's
  // kMaxOpenFiles to close; past it the open fails with UV_EMFILE and
  // FileServer answers 503 Service Unavailable, Retry-After: 1. Zero waits
  // for ever.
  std::chrono::milliseconds open_wait_timeout{10'000};
};
inline constexpr size_t kInMemoryFileBytes = 64 * 1024;
std::shared_ptr<FileSystem> Dir(std::string root, DirOptions options, Loop* loop = nullptr);

// FileServer returns a handler that serves requests with the contents of
// root (Go: http.FileServer): files with ServeContent's ranges and
// conditionals, a directory's index.html or else a listing of it, the
// redirect of "/dir" to "/dir/" and of ".../index.html" to ".../". Mount it
// under a prefix with StripPrefix.
std::shared_ptr<Handler> FileServer(std::shared_ptr<FileSystem> root);

// ServeFile replies with the contents of the named file or directory of
// the local disk (Go: http.ServeFile). As in Go, a request whose URL path
// holds a ".." element is refused with 400, in case name came from it;
// name itself is trusted.
void ServeFile(ResponseWriter& w, Request& r, std::string_view name, Loop* loop = nullptr);

// ServeContent replies with content (Go: http.ServeContent) and takes the
// response over: it holds it (ResponseWriter::Hold) while the file is
// read, and finishes it, so the caller writes nothing after. It sends the
// Content-Type from w's header, else name's extension, else sniffed; the
// Last-Modified of modtime (unknown: the epoch, or nullopt's default);
// If-Match, If-None-Match (with w's ETag), If-Modified-Since,
// If-Unmodified-Since and If-Range; single and multiple Range requests
// (206, multipart/byteranges, 416); HEAD.
void ServeContent(ResponseWriter& w, Request& r, std::string_view name,
                  std::chrono::system_clock::time_point modtime, std::shared_ptr<File> content);
// This ServeContent serves bytes held in memory, and is done on return.
void ServeContent(ResponseWriter& w, Request& r, std::string_view name,
                  std::chrono::system_clock::time_point modtime, std::string content);

}  // namespace nethttp

#endif  // NETHTTP_FILE_SERVER_H_
