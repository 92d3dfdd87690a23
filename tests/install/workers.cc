// The README's relay on every core, built like hello.cc against the
// installed tree (tests/install/check.sh), made to stop: two workers, whose
// threads must link with nothing but `pkg-config nethttp`, listen on one
// port, relay a request to a pingd-like upstream on the default loop's
// server, and shut down.
#include <nethttp/nethttp.h>

#include <cstdio>
#include <thread>

int main() {
  nethttp::HandleFunc("/ping", [](nethttp::ResponseWriter& w, nethttp::Request&) { w.Write("pong"); });
  nethttp::Server upstream;
  upstream.addr = "127.0.0.1:0";
  if (nethttp::Error err = upstream.Listen()) {
    std::fprintf(stderr, "workers: %s\n", err.message().c_str());
    return 1;
  }
  auto target = nethttp::Parse("http://" + upstream.ListenAddr());
  nethttp::Loop relay_loop;
  nethttp::Server srv;
  srv.addr = "127.0.0.1:0";
  srv.workers = 2;
  srv.loop = &relay_loop;
  // No transport: each worker relays through its own loop's DefaultTransport().
  srv.handler = nethttp::NewSingleHostReverseProxy(*target);
  if (nethttp::Error err = srv.Listen()) {
    std::fprintf(stderr, "workers: %s\n", err.message().c_str());
    return 1;
  }
  std::thread relay_thread([&] { relay_loop.Run(); });
  // The upstream serves on the default loop, which the blocking Get runs.
  auto resp = nethttp::Get("http://" + srv.ListenAddr() + "/ping");
  std::string body;
  if (resp.ok()) {
    auto read = resp->body->ReadAllBlocking(nethttp::DefaultLoop());
    if (read.ok()) body = *read;
  }
  // From this thread, which is none of the relay's. The callback runs on
  // relay_loop, whose DefaultTransport() keeps an idle upstream connection
  // that would keep the loop running.
  srv.Shutdown([] { nethttp::DefaultTransport().CloseIdleConnections(); });
  relay_thread.join();
  upstream.Close();
  nethttp::DefaultLoop().Run();
  std::printf("workers: %zu workers relayed \"%s\"\n", srv.NumWorkers(), body.c_str());
  return srv.NumWorkers() == 2 && body == "pong" ? 0 : 1;
}
