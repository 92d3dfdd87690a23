// The one place where a libuv handle is turned back into its owner, and the
// address formatting every socket owner needs. Trampolines elsewhere only
// call OwnerOf and forward (Node's Proxy<>::Raw).
#ifndef NETHTTP_INTERNAL_UV_HANDLE_H_
#define NETHTTP_INTERNAL_UV_HANDLE_H_

#include <uv.h>

#include <cstddef>
#include <string>

namespace nethttp {

// kReadBufferBytes is the size of the buffer libuv reads into, one per
// Server for requests and one per Transport for responses (STYLE rule 11):
// large enough for a burst of pipelined requests or a big chunk of a body
// per read, and a connection keeps nothing of it between reads.
inline constexpr size_t kReadBufferBytes = 64 * 1024;

// OwnerOf returns the object stored in a handle's or request's data field.
template <typename Owner, typename H>
Owner* OwnerOf(H* handle) {
  return static_cast<Owner*>(handle->data);
}

// FormatSockaddr renders an address as Go does: "1.2.3.4:80", "[::1]:80".
std::string FormatSockaddr(const sockaddr_storage& ss);

// PeerAddr / SockAddr return the formatted peer or local address of a TCP
// handle, "" when it has none.
std::string PeerAddr(const uv_tcp_t* tcp);
std::string SockAddr(const uv_tcp_t* tcp);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_UV_HANDLE_H_
