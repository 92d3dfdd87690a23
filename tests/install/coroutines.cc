// The README's coroutine examples as one program built against the
// installed tree (tests/install/check.sh): the seed's /ping server, a relay
// handler that fetches from an upstream and returns its body, a handler
// that counts its request body as it streams in (Body::Next), and the
// seed's JSON POST as a client coroutine, all on the default loop, on
// 127.0.0.1:0. It prints what the client got and exits 0 when every answer
// was right.
#include <nethttp/nethttp.h>

#include <cstdio>
#include <memory>
#include <string>

using nethttp::Request;
using nethttp::ResponseWriter;
using nethttp::Task;

// Post sends body to url as JSON and returns the response body (Go:
// http.Post, then io.ReadAll(resp.Body)).
Task<nethttp::Result<std::string>> Post(std::string url, std::string body) {
  auto req = nethttp::NewRequest("POST", url, std::move(body));
  if (!req.ok()) co_return req.error();
  req->header.Set("Content-Type", "application/json");
  auto resp = co_await nethttp::DefaultClient().DoAsync(std::move(req).value());
  if (!resp.ok()) co_return resp.error();
  co_return co_await resp->body->ReadAllAsync();
}

struct Outcome {
  std::string echoed, relayed, counted;
  bool failed = false;
};

// Client is the program's client side. A coroutine started by Spawn gets
// what it uses as parameters: a lambda's captures would live in the lambda
// object, gone once the Spawn(...) expression ends.
Task<> Client(std::string base, nethttp::Server* srv, Outcome* out) {
  auto e = co_await Post(base + "/echo", R"({"hello":"world"})");
  auto r = co_await Post(base + "/relay", "");
  auto c = co_await Post(base + "/count", std::string(100000, 'x'));
  if (e.ok()) out->echoed = *e; else out->failed = true;
  if (r.ok()) out->relayed = *r; else out->failed = true;
  if (c.ok()) out->counted = *c; else out->failed = true;
  nethttp::DefaultTransport().CloseIdleConnections();
  srv->Close();  // the loop then has nothing left, and Run returns
}

int main() {
  std::string upstream;  // the /echo server's URL, known once it listens
  auto mux = std::make_shared<nethttp::ServeMux>();
  mux->HandleFunc("/ping", [](ResponseWriter& w, Request&) -> Task<> {
    w.Write("pong");
    co_return;
  });
  mux->HandleFunc("/echo", [](ResponseWriter& w, Request& r) -> Task<> {
    w.Header().Set("Content-Type", r.header.Get("Content-Type"));
    w.Write(r.body);
    co_return;
  });
  // The relay: fetch from the upstream, return its body.
  mux->HandleFunc("/relay", [&upstream](ResponseWriter& w, Request&) -> Task<> {
    auto resp = co_await nethttp::DefaultClient().DoAsync(nethttp::NewRequest("GET", upstream + "/ping").value());
    if (!resp.ok()) co_return nethttp::HttpError(w, resp.error().message(), 502);
    auto body = co_await resp->body->ReadAllAsync();
    if (!body.ok()) co_return nethttp::HttpError(w, body.error().message(), 502);
    w.Write(*body);
  });
  // A request body read as it arrives: the bytes since the last Next, an
  // empty piece at the end.
  mux->Handle("/count", std::make_shared<nethttp::StreamingCoroutineHandlerFunc>(
      [](ResponseWriter& w, Request& r) -> Task<> {
        auto body = r.Body();
        size_t n = 0;
        for (;;) {
          auto chunk = co_await body->Next();
          if (!chunk.ok()) co_return nethttp::HttpError(w, chunk.error().message(), 400);
          if (chunk->empty()) break;
          n += chunk->size();
        }
        w.Write(std::to_string(n));
      }));
  nethttp::Server srv;
  srv.addr = "127.0.0.1:0";
  srv.handler = mux;
  if (nethttp::Error err = srv.Listen()) {
    std::fprintf(stderr, "coroutines: %s\n", err.message().c_str());
    return 1;
  }
  upstream = "http://" + srv.ListenAddr();

  Outcome out;
  nethttp::Spawn(Client(upstream, &srv, &out));
  nethttp::DefaultLoop().Run();
  std::printf("coroutines: echo %s, relay %s, count %s\n", out.echoed.c_str(), out.relayed.c_str(),
              out.counted.c_str());
  return !out.failed && out.echoed == R"({"hello":"world"})" && out.relayed == "pong" && out.counted == "100000"
             ? 0
             : 1;
}
