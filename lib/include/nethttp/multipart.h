// Multipart bodies (Go: mime/multipart), the way browsers upload files:
// MultipartReader streams a multipart/form-data body part by part as it
// arrives; ReadForm (and Request::ParseMultipartForm) collects the parts
// into a MultipartForm whose large files wait in temporary files.
#ifndef NETHTTP_MULTIPART_H_
#define NETHTTP_MULTIPART_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/body.h"
#include "nethttp/error.h"
#include "nethttp/header.h"
#include "nethttp/values.h"

namespace nethttp {

class Loop;
namespace internal {
class FormBuilder;
struct MultipartSession;
class TempFile;
}  // namespace internal

// kDefaultMaxMemory is what FormValue and FormFile pass to
// ParseMultipartForm when they parse the form themselves (Go:
// defaultMaxMemory, 32 MB).
inline constexpr int64_t kDefaultMaxMemory = int64_t{32} << 20;

// kMaxFormParts bounds the parts ReadForm takes, as Go 1.19.6 does (the
// fix for CVE-2022-41725): each costs memory whatever its size.
inline constexpr int kMaxFormParts = 1000;

// Part is the header of one part of a multipart body (Go: multipart.Part;
// its bytes come through MultipartReader::Read's on_data).
struct Part {
  Header header;

  // FormName returns the name parameter of a "form-data"
  // Content-Disposition, else "".
  std::string FormName() const;
  // FileName returns the filename parameter of the Content-Disposition
  // with any directory dropped (RFC 7578 §4.2 forbids using it; Go's
  // filepath.Base), "" when there is none.
  std::string FileName() const;
};

// FileHeader describes a file part ReadForm kept (Go:
// multipart.FileHeader): its bytes are in memory, or in a temporary file
// when they did not fit max_memory.
class FileHeader {
 public:
  std::string filename;  // Part::FileName()
  Header header;         // the part's header
  int64_t size = 0;

  // content is the file when it is kept in memory, else "".
  std::string_view content() const { return content_; }
  // tmpfile is the temporary file holding it, "" when it is in memory.
  // The file is removed with the last copy of this FileHeader (or by
  // MultipartForm::RemoveAll); rename it to keep it.
  std::string_view tmpfile() const;
  // ReadAll returns the file's bytes. A temporary file is read with
  // blocking reads: on a loop, prefer Open.
  Result<std::string> ReadAll() const;
  // Open returns the file as a Body (Go: FileHeader.Open): a temporary
  // file is read on loop's thread pool, a piece at a time.
  Result<FileBody> Open(Loop& loop) const;

 private:
  friend class internal::FormBuilder;
  friend struct MultipartForm;
  std::string content_;
  std::shared_ptr<internal::TempFile> tmpfile_;
};

// MultipartForm is a parsed multipart form (Go: multipart.Form): the
// values of its plain fields and the files, by field name.
struct MultipartForm {
  Values value;
  std::map<std::string, std::vector<FileHeader>, std::less<>> file;

  // RemoveAll removes the temporary files now (Go: Form.RemoveAll). They
  // are removed anyway when the last FileHeader that names one goes; the
  // server drops the request's form after the response.
  Error RemoveAll();
};

// MultipartReader reads the parts of a multipart body (Go:
// multipart.Reader). Make one with NewMultipartReader or
// Request::MultipartReader. Exactly one of Read and ReadForm may be
// called, once; the reader keeps itself alive until it calls its end
// callback or is closed.
//
// Stricter than Go: a part's header is limited to 64 KiB (Go allows
// 10 MB), its field names must be tokens, and the boundary must follow
// RFC 2046 (1 to 70 bytes, no control characters). Like Go, bare LF line
// ends are accepted when the first delimiter line ends in one.
// Content-Transfer-Encoding is not decoded (Go decodes quoted-printable):
// RFC 7578 §4.7 forbids senders to use it, and the header stays in the
// part for a handler that wants to.
class MultipartReader : public std::enable_shared_from_this<MultipartReader> {
 public:
  using PartFunc = std::function<void(const Part& part)>;
  using FormFunc = std::function<void(Result<std::shared_ptr<MultipartForm>>)>;

  ~MultipartReader();

  // Read streams the body's parts: on_part with each part's header, then
  // on_data for each piece of its bytes, then the next part. on_end comes
  // once: ok when the body ended after the final boundary (the epilogue
  // after it is read and dropped), else the error (a malformed body, or
  // the body's own failure).
  void Read(PartFunc on_part, Body::DataFunc on_data, Body::EndFunc on_end);
  // Pause, Resume and Close are the body's (backpressure, abandon).
  void Pause();
  void Resume();
  void Close();

  // ReadForm collects the parts that have a form name (Go: ReadForm):
  // plain fields as values, files in memory while they fit in max_memory
  // (all files together), else each in a temporary file under $TMPDIR
  // (/tmp by default). Plain fields and headers may take max_memory plus
  // 10 MiB in all; more, or more than kMaxFormParts parts, fails with
  // kBodyTooLarge ("multipart: message too large"). On any failure the
  // temporary files made so far are removed. done runs on the loop.
  // Spilled bytes are written on the loop thread: they go to the page
  // cache, so only a disk too slow to take them stalls the loop.
  void ReadForm(int64_t max_memory, FormFunc done);

 private:
  friend Result<std::shared_ptr<MultipartReader>> NewMultipartReader(std::shared_ptr<Body> body,
                                                                     std::string_view boundary);
  MultipartReader(std::shared_ptr<Body> body, std::string boundary);
  // Start feeds the body to session's parser.
  void Start(std::unique_ptr<internal::MultipartSession> session);

  std::shared_ptr<Body> body_;
  std::string boundary_;
  std::unique_ptr<internal::MultipartSession> session_;  // from Read or ReadForm on
};

// NewMultipartReader reads body's parts, delimited by boundary (the
// Content-Type's boundary parameter: see ParseMediaType). An invalid
// boundary is an error.
Result<std::shared_ptr<MultipartReader>> NewMultipartReader(std::shared_ptr<Body> body, std::string_view boundary);

// ReadMultipartForm collects a whole multipart body held in memory: what
// MultipartReader::ReadForm does for a stream, at once (Request's
// ParseMultipartForm uses it for a body the server read before the handler).
Result<std::shared_ptr<MultipartForm>> ReadMultipartForm(std::string_view body, std::string_view boundary,
                                                         int64_t max_memory);

}  // namespace nethttp

#endif  // NETHTTP_MULTIPART_H_
