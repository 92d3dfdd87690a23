// MultipartReader and ReadForm: Go's mime/multipart Reader and formdata.go
// over MultipartParser. The parser finds the parts; this file hands them
// to a handler as they stream, or builds the form, spilling large files to
// temporary files that live as long as the FileHeaders naming them.
#include "nethttp/multipart.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <limits>
#include <utility>

#include "internal/multipart_parser.h"
#include "internal/stream_body.h"
#include "nethttp/media_type.h"

namespace nethttp {
namespace internal {

// TempFile is one spilled file part; it is removed when the last
// FileHeader naming it goes, or by RemoveAll.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() { Remove(); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  Error Remove() {
    if (removed_) return {};
    removed_ = true;
    if (unlink(path_.c_str()) != 0 && errno != ENOENT) {
      return Error(ErrorCode::kIo, "multipart: remove " + path_ + ": " + strerror(errno));
    }
    return {};
  }

 private:
  std::string path_;
  bool removed_ = false;
};

namespace {

Error TooLarge() { return Error(ErrorCode::kBodyTooLarge, "multipart: message too large"); }

Error IoError(std::string_view what, const std::string& path) {
  return Error(ErrorCode::kIo, "multipart: " + std::string(what) + " " + path + ": " + strerror(errno));
}

// MimeHeaderSize is Go's estimate of what a part's header costs in memory.
int64_t MimeHeaderSize(const Header& header) {
  int64_t size = 400;
  for (const Header::Field& f : header) size += static_cast<int64_t>(f.key.size() + 200 + f.value.size());
  return size;
}

// WriteAll writes data to fd, all of it or an error.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

// FormBuilder is formdata.go's readForm as parser callbacks, with Go's
// accounting: files share max_memory; plain values, names and file headers
// share max_memory + 10 MiB, each name and header costing Go's estimate.
class FormBuilder final : public MultipartParser::Handler {
 public:
  explicit FormBuilder(int64_t max_memory) : max_file_memory_(max_memory) {
    constexpr int64_t kReserved = int64_t{10} << 20;  // for plain values
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    memory_left_ = max_memory > kMax - kReserved ? kMax : max_memory + kReserved;
    if (memory_left_ <= 0) memory_left_ = max_memory < 0 ? 0 : kMax;
  }
  ~FormBuilder() override { CloseFile(); }

  Error OnPartBegin(Header header) override {
    if (parts_left_-- <= 0) return TooLarge();
    Part part{std::move(header)};
    name_ = part.FormName();
    if (name_.empty()) {
      mode_ = Mode::kSkip;
      return {};
    }
    constexpr int64_t kMapEntryOverhead = 200;
    memory_left_ -= static_cast<int64_t>(name_.size()) + kMapEntryOverhead;
    if (memory_left_ < 0) return TooLarge();
    std::string filename = part.FileName();
    if (filename.empty()) {
      mode_ = Mode::kValue;
      value_.clear();
      return {};
    }
    constexpr int64_t kFileHeaderSize = 100;
    memory_left_ -= MimeHeaderSize(part.header) + kMapEntryOverhead + kFileHeaderSize;
    headers_left_ -= static_cast<int64_t>(part.header.size());
    if (memory_left_ < 0 || headers_left_ < 0) return TooLarge();
    mode_ = Mode::kFile;
    file_ = FileHeader();
    file_.filename = std::move(filename);
    file_.header = std::move(part.header);
    return {};
  }

  Error OnPartData(std::string_view data) override {
    switch (mode_) {
      case Mode::kSkip:
        return {};
      case Mode::kValue:
        if (static_cast<int64_t>(value_.size() + data.size()) > memory_left_) return TooLarge();
        value_.append(data);
        return {};
      case Mode::kFile:
        file_.size += static_cast<int64_t>(data.size());
        if (file_.tmpfile_ == nullptr) {
          if (file_.size <= max_file_memory_) {
            file_.content_.append(data);
            return {};
          }
          if (Error err = Spill()) return err;
        }
        if (!WriteAll(fd_, data)) return IoError("write", file_.tmpfile_->path());
        return {};
    }
    return {};
  }

  Error OnPartEnd() override {
    switch (mode_) {
      case Mode::kSkip:
        break;
      case Mode::kValue:
        memory_left_ -= static_cast<int64_t>(value_.size());
        form_->value.Add(name_, value_);
        break;
      case Mode::kFile:
        if (file_.tmpfile_ == nullptr) {
          max_file_memory_ -= file_.size;
          memory_left_ -= file_.size;
        } else if (!CloseFile()) {
          return IoError("close", file_.tmpfile_->path());
        }
        auto it = form_->file.find(name_);
        if (it == form_->file.end()) it = form_->file.emplace(name_, std::vector<FileHeader>()).first;
        it->second.push_back(std::move(file_));
        break;
    }
    mode_ = Mode::kSkip;
    return {};
  }

  // TakeForm returns the form; Discard drops it, and with it the
  // temporary files, after a failure.
  std::shared_ptr<MultipartForm> TakeForm() { return std::move(form_); }
  void Discard() {
    CloseFile();
    file_ = FileHeader();
    form_.reset();
  }

 private:
  enum class Mode { kSkip, kValue, kFile };

  // Spill moves the file part in progress to a new temporary file.
  Error Spill() {
    const char* dir = getenv("TMPDIR");
    std::string path = (dir != nullptr && *dir != '\0') ? dir : "/tmp";
    path += "/multipart-XXXXXX";
    fd_ = mkostemp(path.data(), O_CLOEXEC);
    if (fd_ < 0) return IoError("create", path);
    file_.tmpfile_ = std::make_shared<TempFile>(path);
    if (!WriteAll(fd_, file_.content_)) return IoError("write", path);
    std::string().swap(file_.content_);
    return {};
  }

  bool CloseFile() {
    if (fd_ < 0) return true;
    bool ok = close(fd_) == 0;
    fd_ = -1;
    return ok;
  }

  std::shared_ptr<MultipartForm> form_ = std::make_shared<MultipartForm>();
  int64_t max_file_memory_;
  int64_t memory_left_;
  int64_t headers_left_ = 10000;  // Go's maxMIMEHeaders
  int parts_left_ = kMaxFormParts;
  Mode mode_ = Mode::kSkip;
  std::string name_;
  std::string value_;
  FileHeader file_;
  int fd_ = -1;
};

// PartForwarder passes the parser's events to MultipartReader::Read's
// callbacks, until the reader is closed.
class PartForwarder final : public MultipartParser::Handler {
 public:
  PartForwarder(MultipartReader::PartFunc on_part, Body::DataFunc on_data)
      : on_part_(std::move(on_part)), on_data_(std::move(on_data)) {}

  Error OnPartBegin(Header header) override {
    if (stopped) return Stopped();
    on_part_(Part{std::move(header)});
    return {};
  }
  Error OnPartData(std::string_view data) override {
    if (stopped) return Stopped();
    on_data_(data);
    return {};
  }
  Error OnPartEnd() override { return {}; }

  bool stopped = false;  // the reader was closed: no more callbacks

 private:
  static Error Stopped() { return Error(ErrorCode::kCanceled, "multipart: reader closed"); }
  MultipartReader::PartFunc on_part_;
  Body::DataFunc on_data_;
};

// MultipartSession is one Read or ReadForm: the parser and where its events
// and its outcome go.
struct MultipartSession {
  MultipartSession(std::string_view boundary, std::unique_ptr<MultipartParser::Handler> h,
                   std::function<void(Error)> e)
      : handler(std::move(h)), parser(boundary, handler.get()), end(std::move(e)) {}

  std::unique_ptr<MultipartParser::Handler> handler;  // before parser, which points to it
  MultipartParser parser;
  std::function<void(Error)> end;      // null once called, or after Close
  PartForwarder* forwarder = nullptr;  // Read's handler, to stop it on Close
};

}  // namespace internal

namespace {

// Base is Go's filepath.Base on a Unix system.
std::string Base(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/") return "/";
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

std::string Part::FormName() const {
  Result<MediaType> d = ParseMediaType(header.Get("Content-Disposition"));
  if (!d.ok() || d->type != "form-data") return "";
  auto it = d->params.find("name");
  return it == d->params.end() ? "" : it->second;
}

std::string Part::FileName() const {
  Result<MediaType> d = ParseMediaType(header.Get("Content-Disposition"));
  if (!d.ok()) return "";
  auto it = d->params.find("filename");
  if (it == d->params.end() || it->second.empty()) return "";
  return Base(it->second);
}

std::string_view FileHeader::tmpfile() const {
  return tmpfile_ == nullptr ? std::string_view() : std::string_view(tmpfile_->path());
}

Result<std::string> FileHeader::ReadAll() const {
  if (tmpfile_ == nullptr) return content_;
  const std::string& path = tmpfile_->path();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return internal::IoError("open", path);
  std::string out;
  out.resize(static_cast<size_t>(size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  if (got != out.size()) return Error(ErrorCode::kIo, "multipart: " + path + " is shorter than the part it holds");
  return out;
}

Result<FileBody> FileHeader::Open(Loop& loop) const {
  if (tmpfile_ != nullptr) return OpenFileBody(loop, tmpfile_->path());
  auto body = std::make_shared<StreamBody>(nullptr);
  body->Deliver(content_);
  body->End(Error(), Header());
  return FileBody{std::move(body), size};
}

Error MultipartForm::RemoveAll() {
  Error first;
  for (auto& [name, files] : file) {
    for (FileHeader& f : files) {
      if (f.tmpfile_ == nullptr) continue;
      Error err = f.tmpfile_->Remove();
      if (err && !first) first = std::move(err);
    }
  }
  return first;
}

MultipartReader::MultipartReader(std::shared_ptr<Body> body, std::string boundary)
    : body_(std::move(body)), boundary_(std::move(boundary)) {}

MultipartReader::~MultipartReader() = default;

Result<std::shared_ptr<MultipartReader>> NewMultipartReader(std::shared_ptr<Body> body, std::string_view boundary) {
  if (Error err = CheckBoundary(boundary)) return err;
  return std::shared_ptr<MultipartReader>(new MultipartReader(std::move(body), std::string(boundary)));
}

void MultipartReader::Read(PartFunc on_part, Body::DataFunc on_data, Body::EndFunc on_end) {
  auto forwarder = std::make_unique<internal::PartForwarder>(std::move(on_part), std::move(on_data));
  internal::PartForwarder* f = forwarder.get();
  auto session = std::make_unique<internal::MultipartSession>(boundary_, std::move(forwarder), std::move(on_end));
  session->forwarder = f;
  Start(std::move(session));
}

void MultipartReader::ReadForm(int64_t max_memory, FormFunc done) {
  auto builder = std::make_unique<internal::FormBuilder>(max_memory);
  internal::FormBuilder* b = builder.get();
  Start(std::make_unique<internal::MultipartSession>(boundary_, std::move(builder),
                                                     [b, done = std::move(done)](Error err) {
                                                       if (err) {
                                                         b->Discard();
                                                         done(std::move(err));
                                                       } else {
                                                         done(b->TakeForm());
                                                       }
                                                     }));
}

void MultipartReader::Start(std::unique_ptr<internal::MultipartSession> session) {
  session_ = std::move(session);
  // The callbacks keep the reader alive while the body runs; the body
  // drops them when it ends or is closed.
  auto self = shared_from_this();
  auto end = [self](Error err) {
    auto& s = *self->session_;
    if (s.end == nullptr) return;
    auto end = std::move(s.end);
    s.end = nullptr;
    end(std::move(err));
  };
  body_->Read(
      [self, end](std::string_view data) {
        if (self->session_->end == nullptr) return;
        if (Error err = self->session_->parser.Feed(data)) {
          self->body_->Close();
          end(std::move(err));
        }
      },
      [self, end](Error err) {
        if (!err) err = self->session_->parser.Finish();
        end(std::move(err));
      });
}

void MultipartReader::Pause() { body_->Pause(); }
void MultipartReader::Resume() { body_->Resume(); }

void MultipartReader::Close() {
  if (session_ != nullptr) {
    session_->end = nullptr;
    if (session_->forwarder != nullptr) session_->forwarder->stopped = true;
  }
  body_->Close();
}

Result<std::shared_ptr<MultipartForm>> ReadMultipartForm(std::string_view body, std::string_view boundary,
                                                         int64_t max_memory) {
  if (Error err = CheckBoundary(boundary)) return err;
  internal::FormBuilder builder(max_memory);
  MultipartParser parser(boundary, &builder);
  Error err = parser.Feed(body);
  if (!err) err = parser.Finish();
  if (err) return err;
  return builder.TakeForm();
}

}  // namespace nethttp
