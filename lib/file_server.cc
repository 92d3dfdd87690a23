// FileServer, ServeFile and ServeContent (Go: fs.go serveFile, serveContent
// and dirList). The decisions are Go's, made with the pure pieces
// (preconditions, byte_range, sniff, mime_type); what is ours is that the
// body is pumped on the loop: one read in flight, the next only once the
// connection can take more.
#include "nethttp/file_server.h"

#include <uv.h>

#include <algorithm>
#include <random>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "internal/byte_range.h"
#include "internal/log.h"
#include "internal/path.h"
#include "internal/preconditions.h"
#include "nethttp/loop.h"
#include "nethttp/mime_type.h"
#include "nethttp/sniff.h"
#include "nethttp/status.h"
#include "nethttp/url.h"

namespace nethttp {
namespace {

// kReadChunk is how much of a file one read brings in: the buffer each
// response being sent holds, whatever the file's size.
constexpr size_t kReadChunk = 64 * 1024;

// HttpErrorFor is Go's toHTTPError: a fixed text per kind of failure, never
// the error's own, which would tell a client about the server's disk.
void HttpErrorFor(ResponseWriter& w, const Error& err) {
  int uv = err.uv_code();
  if (uv == UV_ENOENT || uv == UV_ENOTDIR || uv == UV_ENAMETOOLONG || uv == UV_ELOOP) {
    HttpError(w, "404 page not found", StatusNotFound);
  } else if (uv == UV_EACCES || uv == UV_EPERM) {
    HttpError(w, "403 Forbidden", StatusForbidden);
  } else if (uv == UV_EMFILE) {
    // Every file slot stayed busy for Dir's open_wait_timeout (Go, with no
    // bound of its own, fails the open with EMFILE and answers 500). Busy
    // is not broken: 503, and a hint to come back soon.
    Log().warn("http: serving a file: {}", err.message());
    w.Header().Set("Retry-After", "1");
    HttpError(w, "503 Service Unavailable", StatusServiceUnavailable);
  } else {
    Log().warn("http: serving a file: {}", err.message());
    HttpError(w, "500 Internal Server Error", StatusInternalServerError);
  }
}

// LocalRedirect is Go's localRedirect: a 301 to a path relative to the
// request's (not made absolute, so that it works under StripPrefix).
void LocalRedirect(ResponseWriter& w, const Request& r, std::string new_path) {
  if (!r.url.raw_query.empty()) new_path.append("?").append(r.url.raw_query);
  w.Header().Set("Location", new_path);
  w.WriteHeader(StatusMovedPermanently);
}

std::string_view BaseName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos || path.size() == 1 ? path : path.substr(slash + 1);
}

std::string_view Extension(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || name.find('/', dot) != std::string_view::npos) return {};
  return name.substr(dot);
}

// RandomBoundary is Go's multipart randomBoundary: 30 random bytes in hex.
std::string RandomBoundary() {
  unsigned char raw[30];
  // uv_random: getrandom(2), or /dev/urandom where a kernel or a seccomp
  // filter refuses it; never a loop that spins.
  if (uv_random(nullptr, nullptr, raw, sizeof raw, 0, nullptr) != 0) {
    std::random_device rd;
    for (unsigned char& c : raw) c = static_cast<unsigned char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string b;
  for (unsigned char c : raw) {
    b.push_back(kHex[c >> 4]);
    b.push_back(kHex[c & 15]);
  }
  return b;
}

// ContentPlan is what serveContent decided once the head is written: the
// byte ranges to send in order (the whole content is one range), and for
// several of them the multipart framing around each.
struct ContentPlan {
  std::vector<HttpRange> ranges;
  bool multipart = false;
  std::string boundary;
  std::string content_type;  // of the content, for each part's head
  int64_t size = 0;
};

// CheckContentPreconditions is the start of Go's serveContent, before the
// content is looked at: Last-Modified, then If-* (a 304 or 412 ends the
// response here). range gets the Range header still to honour.
bool CheckContentPreconditions(ResponseWriter& w, Request& r, const ModTime& modtime, std::string* range) {
  SetLastModified(&w.Header(), modtime);
  PreconditionResult pre = CheckPreconditions(r.method, r.header, w.Header().Get("ETag"), modtime);
  switch (pre.outcome) {
    case Precondition::kNotModified:
      StripForNotModified(&w.Header());
      w.WriteHeader(StatusNotModified);
      return false;
    case Precondition::kPreconditionFailed:
      w.WriteHeader(StatusPreconditionFailed);
      return false;
    case Precondition::kContinue:
      range->assign(pre.range);
      return true;
  }
  return false;
}

// NeedsSniff: the type is not set (an explicitly empty Content-Type means
// "do not sniff", as in Go) and the name's extension does not give it.
bool NeedsSniff(ResponseWriter& w, std::string_view name, std::string* type) {
  if (w.Header().Has("Content-Type")) return false;
  *type = TypeByExtension(Extension(name));
  return type->empty();
}

// WriteContentHead is the rest of Go's serveContent up to the body: the
// type (sniffed from the content's start when needed), the ranges (416 for
// ones that do not overlap), Accept-Ranges, Content-Length and the status.
// False when the response is complete (an error, or a HEAD request).
bool WriteContentHead(ResponseWriter& w, Request& r, std::string type, std::string_view sniff,
                      int64_t size, std::string_view range, ContentPlan* plan) {
  if (!w.Header().Has("Content-Type")) {
    if (type.empty()) type = std::string(DetectContentType(sniff));
    w.Header().Set("Content-Type", type);
  } else {
    type = std::string(w.Header().Get("Content-Type"));
  }
  plan->size = size;
  plan->content_type = type;
  RangeError err = ParseRange(range, size, &plan->ranges);
  if (err != RangeError::kNone) {
    if (err == RangeError::kNoOverlap) w.Header().Set("Content-Range", "bytes */" + std::to_string(size));
    HttpError(w, RangeErrorText(err), StatusRequestedRangeNotSatisfiable);
    return false;
  }
  // Go: more bytes asked for than the content has is an attack or a
  // confused client, and gets the whole content; we also refuse more than
  // kMaxRanges parts (byte_range.h).
  if (IgnoreRanges(plan->ranges, size)) plan->ranges.clear();
  int code = StatusOK;
  int64_t send_size = size;
  if (plan->ranges.size() == 1) {
    // RFC 9110 §14.6: one range is never sent as multipart.
    const HttpRange& ra = plan->ranges[0];
    send_size = ra.length;
    code = StatusPartialContent;
    w.Header().Set("Content-Range", ra.ContentRange(size));
  } else if (plan->ranges.size() > 1) {
    plan->multipart = true;
    plan->boundary = RandomBoundary();
    send_size = RangesMIMESize(plan->ranges, type, size, plan->boundary);
    code = StatusPartialContent;
    w.Header().Set("Content-Type", "multipart/byteranges; boundary=" + plan->boundary);
  } else {
    plan->ranges.push_back(HttpRange{0, size});
  }
  w.Header().Set("Accept-Ranges", "bytes");
  if (w.Header().Get("Content-Encoding").empty()) w.Header().Set("Content-Length", std::to_string(send_size));
  w.WriteHeader(code);
  return r.method != "HEAD" && send_size > 0;
}

// ContentSender pumps a File's ranges into a held response: a read, then
// its write, then the next read at once if the connection is writable,
// else when it has drained (OnWritable). One buffer, one read in flight.
class ContentSender : public std::enable_shared_from_this<ContentSender> {
 public:
  ContentSender(std::shared_ptr<ResponseWriter> w, std::shared_ptr<File> file, ContentPlan plan)
      : w_(std::move(w)), file_(std::move(file)), plan_(std::move(plan)) {}

  void Start() {
    buf_ = std::make_unique<char[]>(kReadChunk);
    StartRange(0);
    Next();
  }

 private:
  void StartRange(size_t i) {
    index_ = i;
    const HttpRange& ra = plan_.ranges[i];
    offset_ = ra.start;
    left_ = ra.length;
    if (plan_.multipart) {
      std::string head;
      AppendPartHead(plan_.boundary, i == 0, ra, plan_.content_type, plan_.size, &head);
      w_->Write(head);
    }
  }

  void Next() {
    while (left_ == 0) {
      if (index_ + 1 == plan_.ranges.size()) {
        if (plan_.multipart) {
          std::string tail;
          AppendClosingBoundary(plan_.boundary, &tail);
          w_->Write(tail);
        }
        Done();
        return;
      }
      StartRange(index_ + 1);
    }
    if (!w_->Writable()) {
      w_->OnWritable([self = shared_from_this()] { self->Next(); });
      return;
    }
    size_t n = static_cast<size_t>(std::min<int64_t>(left_, static_cast<int64_t>(kReadChunk)));
    file_->ReadAt(offset_, buf_.get(), n, [self = shared_from_this()](Result<size_t> r) { self->OnRead(r); });
  }

  void OnRead(Result<size_t>& r) {
    if (!r.ok() || r.value() == 0) {
      // Nothing to tell the client once the head is out: the response ends
      // short of its Content-Length, so the connection closes and the
      // client sees a cut body, never a clean end (Go's io.CopyN fails
      // the same way).
      if (!r.ok()) Log().warn("http: serving {}: {}", file_->Stat().name, r.error().message());
      if (r.ok()) Log().warn("http: serving {}: the file shrank while being sent", file_->Stat().name);
      // Abort, not Finish: a chunked response (Content-Encoding set, so no
      // Content-Length) would otherwise end cleanly.
      w_->Abort();
      buf_.reset();
      return;
    }
    size_t n = std::min<size_t>(r.value(), static_cast<size_t>(left_));
    if (w_->Write(std::string_view(buf_.get(), n))) {  // the client left
      Done();
      return;
    }
    offset_ += static_cast<int64_t>(n);
    left_ -= static_cast<int64_t>(n);
    Next();
  }

  void Done() {
    w_->Finish();
    buf_.reset();
  }

  std::shared_ptr<ResponseWriter> w_;
  std::shared_ptr<File> file_;
  ContentPlan plan_;
  std::unique_ptr<char[]> buf_;
  size_t index_ = 0;
  int64_t offset_ = 0;
  int64_t left_ = 0;
};

// ServeBytes is serveContent for content in memory: it is done on return.
void ServeBytes(ResponseWriter& w, Request& r, std::string_view name, const ModTime& modtime,
                std::string_view all) {
  std::string range;
  if (!CheckContentPreconditions(w, r, modtime, &range)) return;
  std::string type;
  NeedsSniff(w, name, &type);
  ContentPlan plan;
  if (!WriteContentHead(w, r, std::move(type), all.substr(0, kSniffLen), static_cast<int64_t>(all.size()),
                        range, &plan)) {
    return;
  }
  for (size_t i = 0; i < plan.ranges.size(); ++i) {
    const HttpRange& ra = plan.ranges[i];
    std::string head;
    if (plan.multipart) AppendPartHead(plan.boundary, i == 0, ra, plan.content_type, plan.size, &head);
    if (!head.empty()) w.Write(head);
    w.Write(all.substr(static_cast<size_t>(ra.start), static_cast<size_t>(ra.length)));
  }
  if (plan.multipart) {
    std::string tail;
    AppendClosingBoundary(plan.boundary, &tail);
    w.Write(tail);
  }
}

// ServeFileContent is serveContent for an open file, on a held writer.
void ServeFileContent(std::shared_ptr<ResponseWriter> w, Request& r, std::string_view name,
                      const ModTime& modtime, std::shared_ptr<File> file) {
  if (const std::string* all = file->InMemory()) {
    ServeBytes(*w, r, name, modtime, *all);
    w->Finish();
    return;
  }
  std::string range;
  if (!CheckContentPreconditions(*w, r, modtime, &range)) {
    w->Finish();
    return;
  }
  std::string type;
  int64_t size = file->Stat().size;
  auto rest = [w, &r, file, range](std::string type, std::string_view sniff) {
    ContentPlan plan;
    if (!WriteContentHead(*w, r, std::move(type), sniff, file->Stat().size, range, &plan)) {
      w->Finish();
      return;
    }
    std::make_shared<ContentSender>(w, file, std::move(plan))->Start();
  };
  if (!NeedsSniff(*w, name, &type) || size == 0) {
    rest(std::move(type), {});
    return;
  }
  // Go reads the first 512 bytes to tell text from binary before anything
  // is written; so do we, with a read of its own.
  auto sniff = std::make_shared<std::string>(static_cast<size_t>(std::min<int64_t>(size, kSniffLen)), '\0');
  file->ReadAt(0, sniff->data(), sniff->size(), [rest, sniff](Result<size_t> n) {
    sniff->resize(n.ok() ? n.value() : 0);
    rest({}, *sniff);
  });
}

// ServeDiskFile serves a file of a FileSystem with an ETag of its size and
// modification time, unless the handler set one: Go's FileServer sends
// none, so If-None-Match and If-Range can only fall back to dates, with
// their one-second grain; nginx's form ("mtime-size", in hex) lets caches
// and curl --etag-compare revalidate exactly.
void ServeDiskFile(std::shared_ptr<ResponseWriter> w, Request& r, std::shared_ptr<File> f) {
  const FileInfo& d = f->Stat();
  if (!w->Header().Has("ETag")) {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(d.mod_time.time_since_epoch()).count();
    char etag[48];
    std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(secs),
                  static_cast<unsigned long long>(d.size));
    w->Header().Set("ETag", etag);
  }
  ServeFileContent(w, r, d.name, d.mod_time, std::move(f));
}

// DirList is Go's dirList: a <pre> of links, sorted by name, directories
// with a trailing slash; names escaped for the URL and for HTML.
void DirList(std::shared_ptr<ResponseWriter> w, std::shared_ptr<File> dir) {
  dir->ReadDir([w, dir](Result<std::vector<FileInfo>> entries) {
    if (!entries.ok()) {
      Log().warn("http: error reading directory: {}", entries.error().message());
      HttpError(*w, "Error reading directory", StatusInternalServerError);
      w->Finish();
      return;
    }
    std::vector<FileInfo>& list = entries.value();
    std::sort(list.begin(), list.end(), [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
    w->Header().Set("Content-Type", "text/html; charset=utf-8");
    std::string body = "<pre>\n";
    for (const FileInfo& e : list) {
      std::string name = e.name + (e.is_dir ? "/" : "");
      URL u;
      u.path = name;  // '?' and '#' must stay part of the path
      body.append("<a href=\"").append(u.String()).append("\">");
      for (char c : name) {  // Go's htmlReplacer
        switch (c) {
          case '&': body.append("&amp;"); break;
          case '<': body.append("&lt;"); break;
          case '>': body.append("&gt;"); break;
          case '"': body.append("&#34;"); break;
          case '\'': body.append("&#39;"); break;
          default: body.push_back(c);
        }
      }
      body.append("</a>\n");
    }
    body.append("</pre>\n");
    w->Write(body);
    w->Finish();
  });
}

// ServeOpened is the part of Go's serveFile after the open.
void ServeOpened(std::shared_ptr<ResponseWriter> w, Request& r, std::shared_ptr<FileSystem> fs,
                 std::string name, bool redirect, std::shared_ptr<File> f) {
  const FileInfo& d = f->Stat();
  const std::string& url = r.url.path;
  if (redirect) {
    // The canonical path: a slash after a directory, none after a file.
    if (d.is_dir && (url.empty() || url.back() != '/')) {
      LocalRedirect(*w, r, std::string(BaseName(url)) + "/");
      w->Finish();
      return;
    }
    if (!d.is_dir && !url.empty() && url.back() == '/') {
      LocalRedirect(*w, r, "../" + std::string(BaseName(url)));
      w->Finish();
      return;
    }
  }
  if (!d.is_dir) {
    ServeDiskFile(w, r, f);
    return;
  }
  if (url.empty() || url.back() != '/') {
    LocalRedirect(*w, r, std::string(BaseName(url)) + "/");
    w->Finish();
    return;
  }
  // A directory: its index.html, else a listing. The directory is not
  // kept open meanwhile: a request holding one of Dir's open-file slots
  // while it waits for another could, many times over, hold them all and
  // wait for ever. The listing opens it again.
  std::string index = name;
  while (!index.empty() && index.back() == '/') index.pop_back();
  index += "/index.html";
  auto dir_time = d.mod_time;
  f.reset();
  fs->Open(index, [w, &r, fs, name, dir_time](Result<std::shared_ptr<File>> ff) {
    if (ff.ok() && !ff.value()->Stat().is_dir) {
      ServeDiskFile(w, r, ff.value());
      return;
    }
    if (CheckIfModifiedSince(r.method, r.header, dir_time) == CondResult::kFalse) {
      StripForNotModified(&w->Header());
      w->WriteHeader(StatusNotModified);
      w->Finish();
      return;
    }
    fs->Open(name, [w](Result<std::shared_ptr<File>> dir) {
      if (!dir.ok()) {
        HttpErrorFor(*w, dir.error());
        w->Finish();
        return;
      }
      SetLastModified(&w->Header(), dir.value()->Stat().mod_time);
      DirList(w, dir.value());
    });
  });
}

// ServeFrom is Go's serveFile: name in fs, for the request r on w.
void ServeFrom(ResponseWriter& w, Request& r, std::shared_ptr<FileSystem> fs, std::string name,
               bool redirect) {
  // ".../index.html" redirects to ".../", relative so that it works under
  // StripPrefix.
  if (std::string_view(r.url.path).ends_with("/index.html")) {
    LocalRedirect(w, r, "./");
    return;
  }
  std::shared_ptr<ResponseWriter> held = w.Hold();
  fs->Open(name, [held, &r, fs, name, redirect](Result<std::shared_ptr<File>> f) {
    if (!f.ok()) {
      HttpErrorFor(*held, f.error());
      held->Finish();
      return;
    }
    ServeOpened(held, r, fs, name, redirect, f.value());
  });
}

bool ContainsDotDot(std::string_view v) {
  if (v.find("..") == std::string_view::npos) return false;
  while (!v.empty()) {
    size_t sep = v.find_first_of("/\\");
    if (v.substr(0, sep) == "..") return true;
    if (sep == std::string_view::npos) break;
    v.remove_prefix(sep + 1);
  }
  return false;
}

class FileHandler : public Handler {
 public:
  explicit FileHandler(std::shared_ptr<FileSystem> root) : root_(std::move(root)) {}
  void ServeHTTP(ResponseWriter& w, Request& r) override {
    if (!r.url.path.starts_with('/')) r.url.path.insert(0, "/");
    ServeFrom(w, r, root_, CleanPath(r.url.path), /*redirect=*/true);
  }

 private:
  std::shared_ptr<FileSystem> root_;
};

}  // namespace

std::shared_ptr<Handler> FileServer(std::shared_ptr<FileSystem> root) {
  return std::make_shared<FileHandler>(std::move(root));
}

void ServeFile(ResponseWriter& w, Request& r, std::string_view name, Loop* loop) {
  // Too many programs build name from the URL path: a ".." there is
  // refused in case that happened (Go's ServeFile).
  if (ContainsDotDot(r.url.path)) {
    HttpError(w, "invalid URL path", StatusBadRequest);
    return;
  }
  size_t slash = name.rfind('/');
  std::string dir = slash == std::string_view::npos ? "." : std::string(name.substr(0, slash + 1));
  std::string file = std::string(slash == std::string_view::npos ? name : name.substr(slash + 1));
  // The Dir lives for this one request, on the loop serving it: bound to
  // that loop now, it leaves nothing behind (a Dir without a loop keeps a
  // copy on each loop it is used from).
  if (loop == nullptr) loop = Loop::Current() != nullptr ? Loop::Current() : &DefaultLoop();
  ServeFrom(w, r, Dir(dir, loop), file, /*redirect=*/false);
}

void ServeContent(ResponseWriter& w, Request& r, std::string_view name,
                  std::chrono::system_clock::time_point modtime, std::shared_ptr<File> content) {
  ServeFileContent(w.Hold(), r, name, modtime, std::move(content));
}

void ServeContent(ResponseWriter& w, Request& r, std::string_view name,
                  std::chrono::system_clock::time_point modtime, std::string content) {
  ServeBytes(w, r, name, modtime, content);
}

}  // namespace nethttp
