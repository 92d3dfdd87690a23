// The one place where a libuv handle is turned back into its owner (STYLE
// rule 7), and the size of the buffer libuv reads into. Trampolines
// elsewhere only call OwnerOf and forward (Node's Proxy<>::Raw). Socket
// addresses are formatted in sock_addr.h.
#ifndef NETHTTP_INTERNAL_UV_HANDLE_H_
#define NETHTTP_INTERNAL_UV_HANDLE_H_

#include <uv.h>

#include <cstddef>

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

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_UV_HANDLE_H_
