// IgnoreSigpipe: what every socket-owning part of the library (Server,
// Transport) does before its first write.
#ifndef NETHTTP_INTERNAL_SIGPIPE_H_
#define NETHTTP_INTERNAL_SIGPIPE_H_

#include <csignal>

namespace nethttp {

// IgnoreSigpipe makes a write to a connection the peer has reset fail with
// EPIPE instead of killing the process: libuv writes with write(2), which
// raises SIGPIPE. Go's runtime and Node do the same for sockets. A handler
// the program installed itself is left alone.
inline void IgnoreSigpipe() {
  struct sigaction current {};
  if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    signal(SIGPIPE, SIG_IGN);
  }
}

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_SIGPIPE_H_
