// ReverseProxy: a Handler that sends each request on to another server and
// relays its response back (Go: net/http/httputil.ReverseProxy), on the
// server's loop, through a Transport whose kept-alive connections serve
// every request. The response body streams with backpressure both ways: the
// upstream is read no faster than the client takes it.
#ifndef NETHTTP_REVERSE_PROXY_H_
#define NETHTTP_REVERSE_PROXY_H_

#include <functional>
#include <memory>

#include "nethttp/error.h"
#include "nethttp/handler.h"
#include "nethttp/request.h"
#include "nethttp/response.h"
#include "nethttp/transport.h"
#include "nethttp/url.h"

namespace nethttp {

class ReverseProxy : public Handler {
 public:
  // director rewrites the outgoing request, a copy of the incoming one: at
  // least its URL's scheme and host (Go: Director). Required.
  std::function<void(Request& out)> director;
  // transport sends the outgoing requests (Go: Transport). Null means
  // DefaultTransport() of the loop serving the request, so a proxy shared
  // by a Server's workers relays each request on its own worker's loop. A
  // Transport given here runs on its one loop: only a server on that loop
  // (one worker) may use it. A configured transport for several workers is
  // a PerLoopTransport (per_loop_transport.h).
  std::shared_ptr<RoundTripper> transport;
  // modify_response may change the upstream's response before it is
  // relayed (Go: ModifyResponse); an Error it returns goes to
  // error_handler instead.
  std::function<Error(Response& resp)> modify_response;
  // error_handler answers when the upstream cannot be reached or
  // modify_response fails (Go: ErrorHandler). The default logs the error
  // and answers 502 Bad Gateway with no body, as Go does.
  std::function<void(ResponseWriter& w, Request& r, const Error& err)> error_handler;

  // ServeHTTP relays r (Go: ReverseProxy.ServeHTTP). The response is held
  // until the upstream's body has been relayed. Hop-by-hop fields go
  // neither way (RFC 9110 §7.6.1: Connection and the fields it names,
  // Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade);
  // X-Forwarded-For gets the client's address appended, unless the
  // director set it to be omitted (an X-Forwarded-For with no value).
  // A client that goes away cancels the upstream round trip; an upstream
  // body that breaks off aborts the response, so the client sees a cut
  // body, never a clean end.
  //
  // Unlike Go, an Upgrade (WebSocket) is not relayed: Upgrade is a
  // hop-by-hop field, so the upstream sees a plain request and answers it
  // as one, which the client takes as a refusal.
  void ServeHTTP(ResponseWriter& w, Request& r) override;
  // StreamsRequestBody is yes: an upload is relayed as it arrives, with
  // backpressure both ways, so its size never shows in memory. (A client
  // that sent Expect: 100-continue gets its 100 once the upstream
  // connection is there and the body is wanted, as from Go's proxy.)
  bool StreamsRequestBody(const Request&) override { return true; }
};

// NewSingleHostReverseProxy returns a ReverseProxy that sends requests to
// target's scheme and host, its path joined before the request's and its
// query before the request's (Go: httputil.NewSingleHostReverseProxy). The
// Host header stays the client's, as in Go.
std::shared_ptr<ReverseProxy> NewSingleHostReverseProxy(const URL& target);

}  // namespace nethttp

#endif  // NETHTTP_REVERSE_PROXY_H_
