// Forms, Basic credentials, cookies and the other request readers of
// issue 16, end to end: a server in this process (real sockets on
// 127.0.0.1) driven by curl, a client that builds these requests the way
// browsers and scripts do (-d, --data-urlencode, -u, -b, -A, -e, --next).
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
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

// FormServer is the server under test on the fixture's loop; Curl runs
// curl on a second thread while the loop serves.
class FormServer {
 public:
  explicit FormServer(LoopFixture& fx) : fx_(fx) {
    auto mux = std::make_shared<nethttp::ServeMux>();
    mux->HandleFunc("/form", Describe);
    // A streaming handler has no r.body to parse unless it reads it first.
    mux->Handle("/stream", std::make_shared<nethttp::StreamingHandlerFunc>(Describe));
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

}  // namespace
