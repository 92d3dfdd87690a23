// BlockingCallOnLoop: the refusal shared by the blocking conveniences
// (Client's Get/Do, Body::ReadAllBlocking) when called from a callback of
// the loop they would have to run.
#ifndef NETHTTP_INTERNAL_BLOCKING_CALL_H_
#define NETHTTP_INTERNAL_BLOCKING_CALL_H_

#include <string>
#include <string_view>

#include "nethttp/error.h"

namespace nethttp {

// BlockingCallOnLoop is the refusal of a blocking call made from a callback
// of the loop it would run: the callback form named by use works there.
inline Error BlockingCallOnLoop(std::string_view use) {
  return Error(ErrorCode::kBlockingCallOnLoop,
               "http: blocking call on the running loop; use " + std::string(use));
}

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_BLOCKING_CALL_H_
