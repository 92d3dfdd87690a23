// A program outside the tree, built by tests/install/check.sh from the
// installed headers and libnethttp.a with only `pkg-config nethttp` flags, as
// a user of the library would. It is the README's server, made to stop: it
// listens on 127.0.0.1:0, reports the address, and closes. It logs through
// nethttp/log.h, whose spdlog must come with `pkg-config nethttp` too.
#include <nethttp/nethttp.h>

#include <cstdio>

int main() {
  if (nethttp::Error err = nethttp::SetLogLevel("info")) {
    std::fprintf(stderr, "hello: %s\n", err.message().c_str());
    return 1;
  }
  nethttp::HandleFunc("/ping", [](nethttp::ResponseWriter& w, nethttp::Request&) {
    w.Write("pong");
  });
  nethttp::Server srv;
  srv.addr = "127.0.0.1:0";
  if (nethttp::Error err = srv.Listen()) {
    std::fprintf(stderr, "hello: %s\n", err.message().c_str());
    return 1;
  }
  std::printf("hello: listening on %s\n", srv.ListenAddr().c_str());
  nethttp::Log().info("hello: listening on {}", srv.ListenAddr());
  srv.Close();
  nethttp::DefaultLoop().Run();
  return 0;
}
