// The client through a real forward proxy (issue 16): go-proxy/ (Go's
// net/http) in front of pingd, plain and https, driven by a Client in this
// process and by post-json with HTTP_PROXY in its environment. The proxy's
// log says what reached it and with which credentials.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "nethttp/nethttp.h"
#include "testutil/pingd.h"
#include "testutil/process.h"

using nethttp::Client;
using nethttp::ErrorCode;
using nethttp::Loop;
using nethttp::Response;
using nethttp::Result;
using nethttp::Transport;
using nethttp::testutil::After;
using nethttp::testutil::EnvOr;
using nethttp::testutil::Pingd;
using nethttp::testutil::Process;
using nethttp::testutil::Run;
using nethttp::testutil::RunResult;
using namespace std::chrono_literals;

namespace {

std::string Cert(std::string_view name) { return std::string(NETHTTP_TEST_CERTS) + "/" + std::string(name); }

// GoProxy runs go-proxy with args; Url is its proxy URL with userinfo
// (empty: none), and Log what its log file holds so far.
class GoProxy {
 public:
  explicit GoProxy(std::vector<std::string> args) {
    static int n = 0;
    log_ = EnvOr("TMPDIR", "/tmp") + "/go-proxy-" + std::to_string(getpid()) + "-" + std::to_string(++n) + ".log";
    std::vector<std::string> argv = {EnvOr("GO_PROXY", ""), "-log", log_};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string error;
    proc_ = Process::Spawn(argv, &error);
    REQUIRE_MESSAGE(proc_ != nullptr, error);
    std::optional<std::string> line = proc_->WaitForStderrLine("listening on 127.0.0.1:", After(10s));
    REQUIRE_MESSAGE(line.has_value(), proc_->err());
    addr_ = line->substr(line->rfind("127.0.0.1:"));
    while (!addr_.empty() && (addr_.back() == '\n' || addr_.back() == '\r')) addr_.pop_back();
  }
  ~GoProxy() { unlink(log_.c_str()); }
  std::string Url(std::string_view userinfo = "") const {
    return "http://" + (userinfo.empty() ? std::string() : std::string(userinfo) + "@") + addr_;
  }
  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::unique_ptr<Process> proc_;
  std::string addr_;
  std::string log_;
};

bool HaveGo() {
  if (!EnvOr("GO_PROXY", "").empty()) return true;
  MESSAGE("go is not installed: skipped (tools/setup installs golang-go)");
  return false;
}

// Fetch GETs url with a Client on its own loop whose Transport goes
// through proxy_url; transport_setup may change the Transport further.
struct Fetched {
  Result<Response> resp = nethttp::Error(ErrorCode::kCanceled, "not run");
  std::string body;
  size_t conns = 0;
};
Fetched Fetch(const std::vector<std::string>& urls, const std::string& proxy_url,
              bool trust_test_ca = false) {
  Loop loop;
  auto transport = std::make_shared<Transport>(&loop);
  auto proxy = nethttp::Parse(proxy_url);
  REQUIRE(proxy.ok());
  transport->proxy = nethttp::ProxyURL(*proxy);
  if (trust_test_ca) {
    transport->tls_client_config = std::make_shared<nethttp::TLSConfig>();
    transport->tls_client_config->root_ca_files.push_back(Cert("ca.pem"));
  }
  Client client;
  client.transport = transport;
  client.loop = &loop;
  client.timeout = Client::Duration(20'000);
  Fetched f;
  for (const std::string& url : urls) {
    f.resp = client.Get(url);
    f.body.clear();
    if (!f.resp.ok()) break;
    auto body = f.resp->body->ReadAllBlocking(loop);
    REQUIRE(body.ok());
    f.body = *body;
  }
  f.conns = transport->ConnectionsOpened();
  // (The last exchange's close callback still holds the Transport: ~Loop
  // runs it first, and the Transport closes its connections then.)
  return f;
}

TEST_CASE("http through the proxy: absolute form, Proxy-Authorization, one conn for any server") {
  if (!HaveGo()) return;
  Pingd a, b;
  GoProxy proxy({"-auth", "user:p@ss"});
  Fetched f = Fetch({a.Url("/ping"), b.Url("/ping"), a.Url("/ping")}, proxy.Url("user:p%40ss"));
  REQUIRE_MESSAGE(f.resp.ok(), f.resp.error().message());
  CHECK(f.resp->status_code == 200);
  CHECK(f.body == "pong");
  // Go keys proxied http conns by the proxy alone: two servers, one conn.
  CHECK(f.conns == 1);
  std::string log = proxy.Log();
  CHECK(log.find("GET " + a.Url("/ping") + " auth=ok status=200") != std::string::npos);
  CHECK(log.find("GET " + b.Url("/ping") + " auth=ok status=200") != std::string::npos);
}

TEST_CASE("http through the proxy with bad credentials: the proxy's 407 is the response") {
  if (!HaveGo()) return;
  Pingd pingd;
  GoProxy proxy({"-auth", "user:pass"});
  Fetched f = Fetch({pingd.Url("/ping")}, proxy.Url("user:wrong"));
  REQUIRE(f.resp.ok());
  CHECK(f.resp->status_code == 407);
  CHECK(proxy.Log().find("auth=bad status=407") != std::string::npos);
}

TEST_CASE("https through a CONNECT tunnel: the server's certificate is checked, not the proxy's") {
  if (!HaveGo()) return;
  Pingd pingd({"--tls-cert", Cert("server.pem"), "--tls-key", Cert("server.key")});
  GoProxy proxy({"-auth", "user:pass"});
  std::string url = "https://localhost:" + std::to_string(pingd.port()) + "/ping";
  Fetched f = Fetch({url, url}, proxy.Url("user:pass"), /*trust_test_ca=*/true);
  REQUIRE_MESSAGE(f.resp.ok(), f.resp.error().message());
  CHECK(f.body == "pong");
  CHECK(f.resp->tls != nullptr);
  CHECK(f.conns == 1);  // the tunnel is kept alive and reused
  CHECK(proxy.Log().find("CONNECT localhost:" + std::to_string(pingd.port()) + " auth=ok status=200") !=
        std::string::npos);

  SUBCASE("a refused CONNECT fails the request with the proxy's status") {
    GoProxy denying({"-deny-connect"});
    Fetched d = Fetch({url}, denying.Url(), true);
    REQUIRE_FALSE(d.resp.ok());
    CHECK(d.resp.error().code() == ErrorCode::kProxy);
    CHECK(d.resp.error().message().find("403 Forbidden") != std::string::npos);
    Fetched u = Fetch({url}, proxy.Url("user:nope"), true);
    REQUIRE_FALSE(u.resp.ok());
    CHECK(u.resp.error().message().find("407 Proxy Authentication Required") != std::string::npos);
  }
}

TEST_CASE("a proxy that is not there: Go's proxyconnect error") {
  Pingd pingd;
  // A port nothing listens on: bind one, and close it.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
  close(fd);
  Fetched f = Fetch({pingd.Url("/ping")}, "http://127.0.0.1:" + std::to_string(ntohs(sa.sin_port)));
  REQUIRE_FALSE(f.resp.ok());
  CHECK(f.resp.error().message().find("proxyconnect tcp: dial tcp 127.0.0.1:") != std::string::npos);
}

TEST_CASE("post-json follows HTTP_PROXY and NO_PROXY, as Go's DefaultTransport does") {
  if (!HaveGo()) return;
  Pingd pingd;
  // The proxy resolves this name itself: the client never can (.invalid,
  // RFC 6761), so a direct attempt fails and a proxied one cannot pretend.
  const std::string name = "pingd.nethttp.invalid";
  GoProxy proxy({"-auth", "u:p", "-resolve", name + "=127.0.0.1"});
  const std::string url = "http://" + name + ":" + std::to_string(pingd.port()) + "/echo";
  std::string post_json = EnvOr("POST_JSON", "");
  REQUIRE_MESSAGE(!post_json.empty(), "POST_JSON is not set: run this through `meson test`");
  RunResult r = Run({"env", "HTTP_PROXY=" + proxy.Url("u:p"), post_json, url, "via=proxy"}, 30s);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == R"({"via":"proxy"})");
  CHECK(proxy.Log().find("POST " + url + " auth=ok status=200") != std::string::npos);
  const std::string seen = proxy.Log();
  RunResult direct =
      Run({"env", "HTTP_PROXY=" + proxy.Url("u:p"), "NO_PROXY=.nethttp.invalid", post_json, url, "a=1"}, 30s);
  CHECK(direct.exit_code == 3);  // direct, and the name does not resolve
  CHECK(proxy.Log() == seen);    // the proxy saw nothing more
}

}  // namespace
