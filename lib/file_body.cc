// OpenFileBody: a file on disk as a Body, read a piece at a time on
// libuv's thread pool, so a request body of any size leaves in constant
// memory (post-json -d @FILE; Go: an *os.File passed as the body).
#include <fcntl.h>
#include <sys/stat.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "nethttp/body.h"
#include "nethttp/loop.h"

namespace nethttp {
namespace {

// kFileBodyPiece is what one read takes: the size of the loop's read buffer.
constexpr size_t kFileBodyPiece = 64 * 1024;

// FileReader reads fd_ from offset 0 to EOF, one uv_fs_read at a time:
// the next starts when on_data has returned and the body is not paused.
class FileReader final : public Body, public std::enable_shared_from_this<FileReader> {
 public:
  FileReader(uv_loop_t* loop, uv_file fd, std::string path)
      : loop_(loop), fd_(fd), path_(std::move(path)), buf_(kFileBodyPiece, '\0') {
    req_.data = this;
  }
  ~FileReader() override {
    // (Never with a read in flight: it holds self_.)
    if (fd_ >= 0) CloseFd();
  }

  void Read(DataFunc on_data, EndFunc on_end) override {
    if (reading_ || done_) {
      if (on_end) on_end(Error(ErrorCode::kInvalidArgument, "http: body already read or closed"));
      return;
    }
    reading_ = true;
    on_data_ = std::move(on_data);
    on_end_ = std::move(on_end);
    Next();
  }
  void Pause() override { paused_ = true; }
  void Resume() override {
    paused_ = false;
    Next();
  }
  void Close() override {
    if (done_) return;
    done_ = true;
    on_data_ = nullptr;
    on_end_ = nullptr;
    if (self_ == nullptr && fd_ >= 0) CloseFd();  // else when the read comes back
  }

 private:
  void Next() {
    if (!reading_ || done_ || paused_ || self_ != nullptr) return;
    uv_buf_t b = uv_buf_init(buf_.data(), static_cast<unsigned>(buf_.size()));
    int rc = uv_fs_read(loop_, &req_, fd_, &b, 1, offset_, OnRead);
    if (rc != 0) {
      Finish(Error::FromUv(rc, "read " + path_));
      return;
    }
    self_ = shared_from_this();  // alive until OnRead
  }

  static void OnRead(uv_fs_t* req) {
    auto* r = static_cast<FileReader*>(req->data);
    std::shared_ptr<FileReader> self = std::move(r->self_);
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    if (r->done_) {  // closed meanwhile
      if (r->fd_ >= 0) r->CloseFd();
      return;
    }
    if (n < 0) {
      r->Finish(Error::FromUv(static_cast<int>(n), "read " + r->path_));
      return;
    }
    if (n == 0) {
      r->Finish(Error());
      return;
    }
    r->offset_ += n;
    DataFunc on_data = r->on_data_;  // (the callback may Close us)
    on_data(std::string_view(r->buf_.data(), static_cast<size_t>(n)));
    r->Next();
  }

  void Finish(Error err) {
    done_ = true;
    CloseFd();
    EndFunc end = std::move(on_end_);
    on_data_ = nullptr;
    on_end_ = nullptr;
    if (end) end(std::move(err));
  }

  void CloseFd() {
    uv_fs_t close_req;
    uv_fs_close(nullptr, &close_req, fd_, nullptr);  // (a close does not block)
    uv_fs_req_cleanup(&close_req);
    fd_ = -1;
  }

  uv_loop_t* loop_;
  uv_file fd_;
  std::string path_;
  std::string buf_;
  uv_fs_t req_;
  int64_t offset_ = 0;
  bool reading_ = false;
  bool paused_ = false;
  bool done_ = false;  // ended or closed: no more callbacks
  std::shared_ptr<FileReader> self_;  // set while a read is in flight
  DataFunc on_data_;
  EndFunc on_end_;
};

}  // namespace

Result<FileBody> OpenFileBody(Loop& loop, const std::string& path) {
  // Opened here, at once: the caller learns now that the file is missing,
  // and gets its size for the request's Content-Length. O_NONBLOCK: a FIFO
  // would otherwise block the open until a writer came (it is refused
  // below, as anything but a regular file is); a regular file ignores it.
  uv_fs_t req;
  int fd = uv_fs_open(nullptr, &req, path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0, nullptr);
  uv_fs_req_cleanup(&req);
  if (fd < 0) return Error::FromUv(fd, "open " + path);
  int rc = uv_fs_fstat(nullptr, &req, fd, nullptr);
  uint64_t mode = req.statbuf.st_mode, size = req.statbuf.st_size;
  uv_fs_req_cleanup(&req);
  if (rc != 0 || !S_ISREG(mode)) {
    uv_fs_close(nullptr, &req, fd, nullptr);
    uv_fs_req_cleanup(&req);
    if (rc != 0) return Error::FromUv(rc, "stat " + path);
    return Error(ErrorCode::kInvalidArgument, "open " + path + ": not a regular file");
  }
  FileBody out;
  out.body = std::make_shared<FileReader>(loop.get(), fd, path);
  out.size = static_cast<int64_t>(size);
  return out;
}

}  // namespace nethttp
