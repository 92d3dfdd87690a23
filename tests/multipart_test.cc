// Tests for lib/multipart.cc: Part's name accessors (Go's
// TestNameAccessors), ReadForm's memory rules and temporary files (Go's
// formdata_test.go), and MultipartReader streaming a Body.
#include "nethttp/multipart.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "internal/stream_body.h"
#include "testutil/multipart.h"  // Crlf

namespace nethttp {
using nethttp::testutil::Crlf;

namespace {

namespace fs = std::filesystem;

// Go's formdata_test.go message: two files of 20 and 18 bytes, two values.
const std::string kMessage = Crlf(
    "\n--MyBoundary\nContent-Disposition: form-data; name=\"filea\"; filename=\"filea.txt\"\nContent-Type: "
    "text/plain\n\nThis is a test file.\n--MyBoundary\nContent-Disposition: form-data; name=\"fileb\"; "
    "filename=\"fileb.txt\"\nContent-Type: text/plain\n\nAnother test file.\n--MyBoundary\nContent-Disposition: "
    "form-data; name=\"texta\"\n\nfoo\n--MyBoundary\nContent-Disposition: form-data; "
    "name=\"textb\"\n\nbar\n--MyBoundary--\n");

// TempDir points $TMPDIR at a fresh directory for one test, so that the
// test can see every file ReadForm makes and removes.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "multipart_test-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
    const char* old = getenv("TMPDIR");
    if (old != nullptr) old_ = old;
    had_old_ = old != nullptr;
    setenv("TMPDIR", path_.c_str(), 1);
  }
  ~TempDir() {
    if (had_old_) {
      setenv("TMPDIR", old_.c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
    fs::remove_all(path_);
  }
  size_t Files() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(path_)) n += e.is_regular_file() ? 1 : 0;
    return n;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  std::string old_;
  bool had_old_ = false;
};

// Part builds one form-data part.
std::string FormPart(std::string_view boundary, std::string_view name, std::string_view value,
                     std::string_view filename = {}) {
  std::string out = "--" + std::string(boundary) + "\r\nContent-Disposition: form-data; name=\"" + std::string(name) +
                    "\"";
  if (!filename.empty()) out += "; filename=\"" + std::string(filename) + "\"";
  return out + "\r\n\r\n" + std::string(value) + "\r\n";
}

TEST_SUITE("multipart") {
  TEST_CASE("Part::FormName and FileName: Go's TestNameAccessors, and no directories") {
    struct Case {
      std::string disposition, name, filename;
    };
    const Case cases[] = {
        {"form-data; name=\"foo\"", "foo", ""},
        {" form-data ; name=foo", "foo", ""},
        {"FORM-DATA;name=\"foo\"", "foo", ""},
        {" FORM-DATA ; name=\"foo\"", "foo", ""},
        {" FORM-DATA ; name=foo", "foo", ""},
        {" FORM-DATA ; filename=\"foo.txt\"; name=foo; baz=quux", "foo", "foo.txt"},
        {" not-form-data ; filename=\"bar.txt\"; name=foo; baz=quux", "", "bar.txt"},
        // RFC 7578 §4.2: the directory of a filename must not be used.
        {"form-data; name=f; filename=\"../../etc/passwd\"", "f", "passwd"},
        {"form-data; name=f; filename=\"/abs/dir/\"", "f", "dir"},
        {"form-data; name=f; filename=\"/\"", "f", "/"},
        {"form-data; name=f; filename=\"\"", "f", ""},
        {"form-data; name=\"unterminated", "", ""},
        {"", "", ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.disposition);
      Part p;
      p.header.Set("Content-Disposition", c.disposition);
      CHECK(p.FormName() == c.name);
      CHECK(p.FileName() == c.filename);
    }
  }

  TEST_CASE("ReadMultipartForm: Go's TestReadForm; a file past max_memory goes to disk until the form goes") {
    TempDir dir;
    Result<std::shared_ptr<MultipartForm>> f = ReadMultipartForm(kMessage, "MyBoundary", 25);
    REQUIRE(f.ok());
    MultipartForm& form = **f;
    CHECK(form.value.Get("texta") == "foo");
    CHECK(form.value.Get("textb") == "bar");
    REQUIRE(form.file.count("filea") == 1);
    const FileHeader& a = form.file.find("filea")->second.at(0);
    CHECK(a.filename == "filea.txt");
    CHECK(a.size == 20);
    CHECK(a.tmpfile().empty());
    CHECK(a.content() == "This is a test file.");
    CHECK(a.header.Get("Content-Type") == "text/plain");
    // 20 of the 25 bytes are taken: the 18 of fileb do not fit.
    const FileHeader& b = form.file.find("fileb")->second.at(0);
    CHECK(b.size == 18);
    CHECK(b.content().empty());
    REQUIRE_FALSE(b.tmpfile().empty());
    CHECK(fs::path(b.tmpfile()).parent_path() == dir.path());
    Result<std::string> bytes = b.ReadAll();
    REQUIRE(bytes.ok());
    CHECK(*bytes == "Another test file.");
    CHECK(dir.Files() == 1);
    // A copy of the FileHeader keeps its file; the last one removes it.
    FileHeader kept = b;
    f = Error(ErrorCode::kIo, "dropped");
    CHECK(dir.Files() == 1);
    CHECK(kept.ReadAll().ok());
    kept = FileHeader();
    CHECK(dir.Files() == 0);
  }

  TEST_CASE("RemoveAll removes the files now; a renamed one is the caller's") {
    TempDir dir;
    Result<std::shared_ptr<MultipartForm>> f = ReadMultipartForm(kMessage, "MyBoundary", 0);
    REQUIRE(f.ok());
    CHECK(dir.Files() == 2);
    const FileHeader& a = (*f)->file.find("filea")->second.at(0);
    fs::path kept = dir.path() / "kept.txt";
    fs::rename(std::string(a.tmpfile()), kept);
    CHECK(!(*f)->RemoveAll());
    CHECK(dir.Files() == 1);
    CHECK(fs::exists(kept));
    CHECK(!(*f)->RemoveAll());  // twice is fine
  }

  TEST_CASE("ReadMultipartForm: Go's nameless file, MaxInt64, and a body that stops after a delimiter") {
    const std::string nameless = Crlf(
        "\n--MyBoundary\nContent-Disposition: form-data; name=\"hiddenfile\"; filename=\"\"\nContent-Type: "
        "text/plain\n\nAnother test file.\n--MyBoundary--\n");
    Result<std::shared_ptr<MultipartForm>> f = ReadMultipartForm(nameless, "MyBoundary", 25);
    REQUIRE(f.ok());
    CHECK((*f)->value.Get("hiddenfile") == "Another test file.");
    CHECK((*f)->file.empty());

    CHECK(ReadMultipartForm(kMessage, "MyBoundary", std::numeric_limits<int64_t>::max()).ok());

    // Go's messageWithTextContentType ends after a delimiter line, and Go
    // takes that as the end (textproto's EOF before a header). The close
    // delimiter is required (RFC 2046 §5.1.1): a body cut there is refused,
    // not taken as a complete form.
    const std::string cut = Crlf(
        "\n--MyBoundary\nContent-Disposition: form-data; name=\"texta\"\nContent-Type: text/plain\n\nfoo\n"
        "--MyBoundary\n");
    CHECK(ReadMultipartForm(cut, "MyBoundary", 25).error().code() == ErrorCode::kUnexpectedEof);
  }

  TEST_CASE("plain values share max_memory + 10 MiB, names and all (Go's TestReadForm_NonFileMaxMemory)") {
    // A name costs its length and 200: the value may have what is left.
    const int64_t left = (int64_t{10} << 20) - 201;
    std::string fits = FormPart("b", "a", std::string(left, 'v')) + "--b--\r\n";
    Result<std::shared_ptr<MultipartForm>> f = ReadMultipartForm(fits, "b", 0);
    REQUIRE(f.ok());
    CHECK((*f)->value.Get("a").size() == static_cast<size_t>(left));
    std::string over = FormPart("b", "a", std::string(left + 1, 'v')) + "--b--\r\n";
    f = ReadMultipartForm(over, "b", 0);
    CHECK(f.error().code() == ErrorCode::kBodyTooLarge);
    CHECK(f.error().message() == "multipart: message too large");
  }

  TEST_CASE("at most 1000 parts, counted with or without a name (Go 1.19.6)") {
    std::string body;
    for (int i = 0; i < kMaxFormParts; ++i) body += FormPart("b", i % 2 ? "" : "k", "v");
    CHECK(ReadMultipartForm(body + "--b--\r\n", "b", 1 << 20).ok());
    Result<std::shared_ptr<MultipartForm>> f = ReadMultipartForm(body + FormPart("b", "k", "v") + "--b--\r\n", "b", 1 << 20);
    CHECK(f.error().code() == ErrorCode::kBodyTooLarge);
  }

  TEST_CASE("a failure after a spill leaves no temporary file") {
    TempDir dir;
    std::string body = FormPart("b", "f", std::string(100, 'x'), "x.bin") + "--b\r\nno colon\r\n\r\n--b--\r\n";
    Result<std::shared_ptr<MultipartForm>> f = ReadMultipartForm(body, "b", 10);
    CHECK(f.error().code() == ErrorCode::kBadRequest);
    CHECK(dir.Files() == 0);
  }

  TEST_CASE("a temporary directory that does not exist is an I/O error") {
    TempDir dir;
    setenv("TMPDIR", (dir.path() / "missing").c_str(), 1);
    std::string body = FormPart("b", "f", std::string(100, 'x'), "x.bin") + "--b--\r\n";
    Result<std::shared_ptr<MultipartForm>> f = ReadMultipartForm(body, "b", 10);
    CHECK(f.error().code() == ErrorCode::kIo);
    CHECK(f.error().message().find("multipart: create ") == 0);
  }

  TEST_CASE("NewMultipartReader refuses a bad boundary") {
    auto body = std::make_shared<StreamBody>(nullptr);
    CHECK(NewMultipartReader(body, "").error().message() == "multipart: boundary is empty");
    CHECK(NewMultipartReader(body, "a\r\nb").error().code() == ErrorCode::kBadRequest);
  }

  TEST_CASE("MultipartReader::Read streams parts as the body's pieces come") {
    auto body = std::make_shared<StreamBody>(nullptr);
    Result<std::shared_ptr<MultipartReader>> r = NewMultipartReader(body, "MyBoundary");
    REQUIRE(r.ok());
    std::vector<std::string> events;
    bool ended = false;
    Error end_err;
    (*r)->Read([&](const Part& p) { events.push_back("part " + p.FormName() + " " + p.FileName()); },
               [&](std::string_view data) { events.back() += "|" + std::string(data); },
               [&](Error err) {
                 ended = true;
                 end_err = err;
               });
    std::weak_ptr<MultipartReader> weak = *r;
    r = Error(ErrorCode::kIo, "the reader keeps itself alive while it reads");
    for (size_t i = 0; i < kMessage.size(); i += 7) body->Deliver(std::string_view(kMessage).substr(i, 7));
    CHECK_FALSE(ended);
    CHECK(!weak.expired());
    body->End(Error(), Header());
    CHECK(ended);
    CHECK(!end_err);
    REQUIRE(events.size() == 4);
    std::string joined;
    for (const std::string& e : events) {
      for (char c : e) joined += c == '|' ? "" : std::string(1, c);
      joined += ";";
    }
    CHECK(joined ==
          "part filea filea.txtThis is a test file.;part fileb fileb.txtAnother test file.;part texta foo;"
          "part textb bar;");
    CHECK(weak.expired());
  }

  TEST_CASE("MultipartReader::Read: a malformed body closes the body and ends with the error") {
    auto body = std::make_shared<StreamBody>(nullptr);
    std::shared_ptr<MultipartReader> r = NewMultipartReader(body, "b").value();
    int ends = 0;
    Error end_err;
    r->Read([](const Part&) {}, [](std::string_view) {}, [&](Error err) {
      ++ends;
      end_err = err;
    });
    body->Deliver("--b\r\nno colon\r\n\r\n");
    CHECK(ends == 1);
    CHECK(end_err.code() == ErrorCode::kBadRequest);
    CHECK(body->closed());
    body->End(Error(), Header());
    CHECK(ends == 1);
  }

  TEST_CASE("MultipartReader::Read: a body cut short, and a Close from inside on_data") {
    SUBCASE("cut short") {
      auto body = std::make_shared<StreamBody>(nullptr);
      std::shared_ptr<MultipartReader> r = NewMultipartReader(body, "MyBoundary").value();
      Error end_err;
      r->Read([](const Part&) {}, [](std::string_view) {}, [&](Error err) { end_err = err; });
      body->Deliver(kMessage.substr(0, 100));
      body->End(Error(ErrorCode::kUnexpectedEof, "unexpected EOF from the connection"), Header());
      CHECK(end_err.message() == "unexpected EOF from the connection");
    }
    SUBCASE("closed in on_data") {
      auto body = std::make_shared<StreamBody>(nullptr);
      std::shared_ptr<MultipartReader> r = NewMultipartReader(body, "MyBoundary").value();
      int parts = 0, data = 0, ends = 0;
      r->Read([&](const Part&) { ++parts; },
              [&](std::string_view) {
                ++data;
                r->Close();
              },
              [&](Error) { ++ends; });
      body->Deliver(kMessage);  // every part in one piece: the parse stops at the first data
      body->End(Error(), Header());
      CHECK(parts == 1);
      CHECK(data == 1);
      CHECK(ends == 0);
    }
  }

  TEST_CASE("MultipartReader::ReadForm collects a streamed body, spilling what does not fit") {
    TempDir dir;
    auto body = std::make_shared<StreamBody>(nullptr);
    std::shared_ptr<MultipartReader> r = NewMultipartReader(body, "MyBoundary").value();
    std::shared_ptr<MultipartForm> form;
    Error err;
    bool done = false;
    r->ReadForm(25, [&](Result<std::shared_ptr<MultipartForm>> f) {
      done = true;
      if (f.ok()) {
        form = *f;
      } else {
        err = f.error();
      }
    });
    for (char c : kMessage) body->Deliver(std::string_view(&c, 1));
    CHECK_FALSE(done);
    body->End(Error(), Header());
    REQUIRE(done);
    REQUIRE_MESSAGE(form != nullptr, err.message());
    CHECK(form->value.Get("texta") == "foo");
    CHECK(form->file.find("filea")->second.at(0).content() == "This is a test file.");
    CHECK(form->file.find("fileb")->second.at(0).ReadAll().value() == "Another test file.");
    CHECK(dir.Files() == 1);
    form.reset();
    CHECK(dir.Files() == 0);
  }

  TEST_CASE("MultipartReader::ReadForm: a failing body removes what was spilled") {
    TempDir dir;
    auto body = std::make_shared<StreamBody>(nullptr);
    std::shared_ptr<MultipartReader> r = NewMultipartReader(body, "b").value();
    Error err;
    r->ReadForm(10, [&](Result<std::shared_ptr<MultipartForm>> f) { err = f.error(); });
    body->Deliver(FormPart("b", "f", std::string(1000, 'x'), "x.bin"));
    body->Deliver("--b\r\nContent-Disposition: form-data; name=\"g\"; filename=\"y\"\r\n\r\n" + std::string(100, 'y'));
    CHECK(dir.Files() == 2);
    body->End(Error(ErrorCode::kTimeout, "read timeout"), Header());
    CHECK(err.code() == ErrorCode::kTimeout);
    CHECK(dir.Files() == 0);
  }
}

}  // namespace
}  // namespace nethttp
