// A user's test of their own handler, built by tests/install/check.sh
// against the installed tree: the handler reads a form and Basic
// credentials; it is tested once with httptest::NewRecorder (no socket)
// and once behind httptest::NewServer with the blocking client.
#include <nethttp/httptest.h>
#include <nethttp/nethttp.h>

#include <cstdio>
#include <memory>
#include <string>

namespace {

void Greet(nethttp::ResponseWriter& w, nethttp::Request& r) {
  auto auth = r.BasicAuth();
  if (!auth) {
    w.Header().Set("WWW-Authenticate", R"(Basic realm="greet")");
    nethttp::HttpError(w, "who are you?", nethttp::StatusUnauthorized);
    return;
  }
  w.Write("hello " + std::string(r.FormValue("name")) + " from " + auth->username);
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "httptest: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  auto mux = std::make_shared<nethttp::ServeMux>();
  mux->HandleFunc("/greet", Greet);

  auto rec = nethttp::httptest::NewRecorder();
  auto req = nethttp::httptest::NewRequest("POST", "/greet", "name=gopher");
  if (!req.ok()) return Fail(req.error().message());
  req->header.Set("Content-Type", "application/x-www-form-urlencoded");
  req->SetBasicAuth("alice", "pw");
  mux->ServeHTTP(*rec, *req);
  if (rec->code != 200 || rec->body != "hello gopher from alice") return Fail("recorder got " + rec->body);

  auto ts = nethttp::httptest::NewServer(mux);
  if (!ts.ok()) return Fail(ts.error().message());
  nethttp::Client client = (*ts)->Client();
  auto resp = client.Get((*ts)->URL() + "/greet?name=x");
  if (!resp.ok()) return Fail(resp.error().message());
  if (resp->status_code != 401) return Fail("want 401, got " + resp->status);
  resp->body->Close();
  (*ts)->Close();
  std::printf("httptest: recorder and server ok\n");
  return 0;
}
