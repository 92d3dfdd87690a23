// Hijack end to end (issue 16): a server in this process upgrades to the
// toy "shout" protocol (each message comes back upper-cased) on a hijacked
// connection, driven by Go's net/http client (go-upgrade-client/), which
// takes the 101's body as the switched connection.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>

#include "nethttp/httptest.h"
#include "nethttp/nethttp.h"
#include "testutil/pingd.h"  // EnvOr
#include "testutil/process.h"

using nethttp::HijackedConn;
using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::testutil::EnvOr;
using nethttp::testutil::Run;
using nethttp::testutil::RunResult;
using namespace std::chrono_literals;

namespace {

// Shout answers an Upgrade: shout request with the server's own 101 head,
// then serves the protocol until the client's EOF.
void Shout(ResponseWriter& w, Request& r) {
  if (r.header.Get("Upgrade") != "shout") {
    nethttp::HttpError(w, "upgrade to shout", 426);
    return;
  }
  w.Header().Set("Connection", "Upgrade");
  w.Header().Set("Upgrade", "shout");
  w.WriteHeader(101);
  auto hijacked = w.Hijack();
  if (!hijacked.ok()) return;  // (the client sees the close)
  std::shared_ptr<HijackedConn> conn = std::move(*hijacked);
  // The callbacks keep the conn; it frees itself once closed, so the
  // cycle ends at the client's EOF.
  conn->Read(
      [conn](std::string_view data) {
        std::string up(data);
        std::transform(up.begin(), up.end(), up.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        conn->Write(up);
      },
      [conn](nethttp::Error) { conn->Close(); });
}

TEST_CASE("Go's http.Client upgrades to a hijacked connection and talks over it") {
  std::string client = EnvOr("GO_UPGRADE_CLIENT", "");
  if (client.empty()) {
    MESSAGE("go is not installed: skipped (tools/setup installs golang-go)");
    return;
  }
  auto ts = nethttp::httptest::NewServer(std::make_shared<nethttp::HandlerFunc>(Shout));
  REQUIRE(ts.ok());
  RunResult r = Run({client, "-url", (*ts)->URL() + "/shout", "-n", "5"}, 30s);
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out == "ok 5 messages\n");
  (*ts)->Close();
}

}  // namespace
