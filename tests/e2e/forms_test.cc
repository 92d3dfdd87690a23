// Forms, uploads, Basic credentials, cookies and the other request readers
// of issue 16, end to end: a server in this process (real sockets on
// 127.0.0.1) driven by curl, a client that builds these requests the way
// browsers and scripts do (-d, --data-urlencode, -F, -u, -b, -A, -e, --next).
#include <doctest/doctest.h>

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "nethttp/nethttp.h"
#include "testutil/loop_fixture.h"
#include "testutil/peer.h"
#include "testutil/pingd.h"  // Curl
#include "testutil/process.h"

namespace {

using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::testutil::LoopFixture;
using nethttp::testutil::Peer;
using nethttp::testutil::PortOf;
using nethttp::testutil::RunResult;

// Describe answers with what the request readers saw, a line each, or 400
// with ParseForm's error.
void Describe(ResponseWriter& w, Request& r) {
  if (nethttp::Error err = r.ParseForm()) {
    nethttp::HttpError(w, err.message(), 400);
    return;
  }
  std::string out = "form=" + r.form->Encode() + "\npost_form=" + r.post_form->Encode() + "\n";
  out += "name=" + std::string(r.FormValue("name")) + "\n";
  if (auto auth = r.BasicAuth()) {
    out += "user=" + auth->username + "\npassword=" + auth->password + "\n";
  } else {
    out += "auth=none\n";
  }
  nethttp::Result<nethttp::Cookie> session = r.Cookie("session");
  out += "session=" + (session.ok() ? session->value : session.error().message()) + "\n";
  out += "cookies=" + std::to_string(r.Cookies().size()) + "\n";
  out += "ua=" + std::string(r.UserAgent()) + "\nreferer=" + std::string(r.Referer()) + "\n";
  w.Header().Set("Content-Type", "text/plain; charset=utf-8");
  w.Write(out);
}

// Fnv64 is a checksum that a wrong byte anywhere changes.
std::string Fnv64(std::string_view data) {
  uint64_t h = 14695981039346656037ull;
  for (char c : data) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return std::to_string(h);
}

// DescribeUpload answers with the multipart form a line per field and per
// file (size, checksum, where it was kept), or 400 with the parse error.
void DescribeUpload(ResponseWriter& w, Request& r, const nethttp::Error& err) {
  if (err) {
    nethttp::HttpError(w, err.message(), 400);
    return;
  }
  std::string out = "values=" + r.multipart_form->value.Encode() + "\n";
  for (const auto& [field, files] : r.multipart_form->file) {
    for (const nethttp::FileHeader& f : files) {
      nethttp::Result<std::string> bytes = f.ReadAll();
      out += "file " + field + " " + f.filename + " " + std::to_string(f.size) + " " +
             (bytes.ok() ? Fnv64(*bytes) : bytes.error().message()) + " " +
             (f.tmpfile().empty() ? std::string("memory") : "disk " + std::string(f.tmpfile())) + "\n";
    }
  }
  w.Write(out);
}

// FormServer is the server under test on the fixture's loop; Curl runs
// curl on a second thread while the loop serves.
class FormServer {
 public:
  explicit FormServer(LoopFixture& fx) : fx_(fx) {
    auto mux = std::make_shared<nethttp::ServeMux>();
    mux->HandleFunc("/form", Describe);
    // A streaming handler has no r.body to parse unless it reads it first.
    mux->Handle("/stream", std::make_shared<nethttp::StreamingHandlerFunc>(Describe));
    // Uploads: parts over 64 KiB in all go to disk.
    mux->HandleFunc("/upload", [](ResponseWriter& w, Request& r) {
      DescribeUpload(w, r, r.ParseMultipartForm(64 << 10));
    });
    // A streamed upload is parsed as it arrives: files go to disk as they come.
    mux->Handle("/upload-stream", std::make_shared<nethttp::StreamingHandlerFunc>([](ResponseWriter& w, Request& r) {
      std::shared_ptr<ResponseWriter> held = w.Hold();
      r.ParseMultipartForm(64 << 10, [held, &r](nethttp::Error err) {
        DescribeUpload(*held, r, err);
        held->Finish();
      });
    }));
    srv_.addr = "127.0.0.1:0";
    srv_.loop = &fx.loop();
    srv_.handler = mux;
    srv_.conn_state = [this](std::string_view, nethttp::ConnState s) {
      if (s == nethttp::ConnState::kNew) ++conns_;
    };
    REQUIRE_FALSE(srv_.Listen());
    base_ = "http://127.0.0.1:" + std::to_string(PortOf(srv_));
  }
  ~FormServer() {
    srv_.Close();
    fx_.RunUntil([&] { return srv_.NumConns() == 0; });
  }

  RunResult Curl(std::vector<std::string> args) {
    for (std::string& a : args) {
      if (a.starts_with("/")) a = base_ + a;
    }
    RunResult r;
    {
      Peer peer(fx_, [&] { r = nethttp::testutil::Curl(args); });
    }
    return r;
  }
  int conns() const { return conns_; }

 private:
  LoopFixture& fx_;
  nethttp::Server srv_;
  std::string base_;
  int conns_ = 0;
};

TEST_CASE("curl -d: body fields before the query's, post_form the body's alone") {
  LoopFixture fx;
  FormServer s(fx);
  RunResult r = s.Curl({"-d", "b=2&a=x+y%21", "/form?a=1&c=3"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("form=a=x+y%21&a=1&b=2&c=3\n") != std::string::npos);
  CHECK(r.out.find("post_form=a=x+y%21&b=2\n") != std::string::npos);
}

TEST_CASE("curl --data-urlencode: UTF-8 and reserved bytes come back decoded") {
  LoopFixture fx;
  FormServer s(fx);
  RunResult r = s.Curl({"--data-urlencode", "name=Ünï & co; 100%", "/form"});
  REQUIRE(r.exit_code == 0);
  CHECK_MESSAGE(r.out.find("name=Ünï & co; 100%\n") != std::string::npos, r.out);
}

TEST_CASE("curl -u -b -A -e: Basic credentials, cookies, User-Agent and Referer") {
  LoopFixture fx;
  FormServer s(fx);
  RunResult r = s.Curl({"-u", "alice:s3cr:et", "-b", "session=abc; theme=dark", "-A", "forms-test/1", "-e",
                        "http://ref.example/page", "/form"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("user=alice\npassword=s3cr:et\n") != std::string::npos);
  CHECK(r.out.find("session=abc\ncookies=2\n") != std::string::npos);
  CHECK(r.out.find("ua=forms-test/1\nreferer=http://ref.example/page\n") != std::string::npos);

  RunResult anonymous = s.Curl({"-A", "", "/form"});
  REQUIRE(anonymous.exit_code == 0);
  CHECK(anonymous.out.find("auth=none\n") != std::string::npos);
  CHECK(anonymous.out.find("session=http: named cookie not present\ncookies=0\n") != std::string::npos);
}

TEST_CASE("a kept-alive connection's next request does not see the last one's form") {
  LoopFixture fx;
  FormServer s(fx);
  RunResult r = s.Curl({"-d", "name=first", "/form", "--next", "/form?other=1"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("name=first\n") != std::string::npos);
  CHECK(r.out.find("form=other=1\npost_form=\nname=\n") != std::string::npos);
  CHECK(s.conns() == 1);  // both on one connection
}

TEST_CASE("malformed forms are a 400 with ParseForm's error") {
  LoopFixture fx;
  FormServer s(fx);
  RunResult semicolon = s.Curl({"-w", "%{http_code}", "-d", "a=1;b=2", "/form"});
  CHECK(semicolon.out == "invalid semicolon separator in query\n400");
  RunResult bad_type = s.Curl({"-w", "%{http_code}", "-H", "Content-Type: text/plain; boundary=", "-d", "a", "/form"});
  CHECK(bad_type.out == "mime: invalid media parameter\n400");
  RunResult bad_escape = s.Curl({"-w", "%{http_code}", "-d", "a=%zz", "/form"});
  CHECK(bad_escape.out == "invalid URL escape \"%zz\"\n400");
}

TEST_CASE("a streaming handler's unread body is refused, not parsed as empty") {
  LoopFixture fx;
  FormServer s(fx);
  // With Expect: 100-continue curl holds the body back, so it cannot have
  // come with the head: the handler gets it as a stream.
  RunResult r = s.Curl({"-w", "%{http_code}", "-H", "Expect: 100-continue", "--expect100-timeout", "10", "-d",
                        "name=x", "/stream"});
  CHECK_MESSAGE(r.out.find("the body is streamed to this handler") != std::string::npos, r.out);
  CHECK(r.out.ends_with("400"));
}

// UploadDir is a scratch directory for the files curl uploads and, through
// $TMPDIR, for the server's temporary files, so a test sees them all.
class UploadDir {
 public:
  UploadDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "forms_test-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
    std::filesystem::create_directory(path_ / "tmp");
    setenv("TMPDIR", (path_ / "tmp").c_str(), 1);
  }
  ~UploadDir() {
    unsetenv("TMPDIR");
    std::filesystem::remove_all(path_);
  }
  // Write makes a file of n random bytes to upload and returns its checksum.
  std::string Write(const std::string& name, size_t n) {
    std::string data(n, '\0');
    std::mt19937_64 rng(n);
    for (char& c : data) c = static_cast<char>(rng());
    std::ofstream(path_ / name, std::ios::binary) << data;
    return Fnv64(data);
  }
  std::string Path(const std::string& name) const { return (path_ / name).string(); }
  size_t TempFiles() const {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(path_ / "tmp"), {}));
  }

 private:
  std::filesystem::path path_;
};

TEST_CASE("curl -F: fields and files; a file past max_memory waits on disk, removed after the response") {
  LoopFixture fx;
  FormServer s(fx);
  UploadDir dir;
  std::string small = dir.Write("small.txt", 1000);
  std::string big = dir.Write("big.bin", 300 << 10);
  for (std::string path : {"/upload", "/upload-stream"}) {
    CAPTURE(path);
    RunResult r = s.Curl({"-F", "name=gopher", "-F", "name=second", "-F", "small=@" + dir.Path("small.txt"), "-F",
                          "big=@" + dir.Path("big.bin") + ";filename=../../renamed.bin", path});
    REQUIRE(r.exit_code == 0);
    CHECK_MESSAGE(r.out.find("values=name=gopher&name=second\n") == 0, r.out);
    CHECK(r.out.find("file small small.txt 1000 " + small + " memory\n") != std::string::npos);
    const std::string on_disk = "file big renamed.bin " + std::to_string(300 << 10) + " " + big + " disk ";
    size_t at = r.out.find(on_disk);
    REQUIRE_MESSAGE(at != std::string::npos, r.out);
    std::string tmpfile = r.out.substr(at + on_disk.size(), r.out.find('\n', at) - at - on_disk.size());
    CHECK(std::filesystem::path(tmpfile).parent_path() == std::filesystem::path(dir.Path("tmp")));
    CHECK_FALSE(std::filesystem::exists(tmpfile));
    CHECK(dir.TempFiles() == 0);
  }
}

TEST_CASE("a streamed 32 MiB upload goes to disk as it arrives, and comes back whole") {
  LoopFixture fx;
  FormServer s(fx);
  UploadDir dir;
  std::string sum = dir.Write("huge.bin", 32 << 20);
  RunResult r = s.Curl({"-F", "f=@" + dir.Path("huge.bin"), "/upload-stream"});
  REQUIRE(r.exit_code == 0);
  CHECK_MESSAGE(r.out.find("file f huge.bin " + std::to_string(32 << 20) + " " + sum + " disk ") != std::string::npos,
                r.out);
  CHECK(dir.TempFiles() == 0);
}

TEST_CASE("malformed uploads are a 400 with the parser's error, and leave no file behind") {
  LoopFixture fx;
  FormServer s(fx);
  UploadDir dir;
  for (std::string path : {"/upload", "/upload-stream"}) {
    CAPTURE(path);
    RunResult cut = s.Curl({"-w", "%{http_code}", "-H", "Content-Type: multipart/form-data; boundary=b", "--data-binary",
                            "--b\r\nContent-Disposition: form-data; name=f; filename=x\r\n\r\n" +
                                std::string(100 << 10, 'x'),
                            path});
    CHECK(cut.out == "unexpected EOF\n400");
    RunResult not_multipart = s.Curl({"-w", "%{http_code}", "-d", "a=1", path});
    CHECK(not_multipart.out == "request Content-Type isn't multipart/form-data\n400");
    RunResult no_boundary =
        s.Curl({"-w", "%{http_code}", "-H", "Content-Type: multipart/form-data", "-d", "a=1", path});
    CHECK(no_boundary.out == "no multipart boundary param in Content-Type\n400");
    CHECK(dir.TempFiles() == 0);
  }
}

}  // namespace
