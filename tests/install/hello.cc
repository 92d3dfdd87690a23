// A program outside the tree, built by tests/install/check.sh from the
// installed headers and libnethttp.a with only `pkg-config nethttp` flags, as
// a user of the library would. The umbrella header proves the public headers
// were installed and stand together; Loop and Error::FromUv pull in libuv
// through the .pc's Requires. (When the server lands, this can serve /ping
// once on 127.0.0.1:0 instead.)
#include <nethttp/nethttp.h>

#include <cstdio>

int main() {
  nethttp::Loop loop;
  loop.Run();  // nothing registered: returns at once
  nethttp::Error err = nethttp::Error::FromUv(UV_ECONNREFUSED, "dial");
  if (!err || err.message().empty()) return 1;
  std::printf("hello: %s\n", err.message().c_str());
  return 0;
}
