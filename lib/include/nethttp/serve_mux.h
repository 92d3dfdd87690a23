// ServeMux is Go 1.19's request multiplexer: an exact-match table plus the
// patterns ending in '/' kept sorted longest first, so matching is one map
// lookup and then a walk that stops at the first (longest) prefix.
#ifndef NETHTTP_SERVE_MUX_H_
#define NETHTTP_SERVE_MUX_H_

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/error.h"
#include "nethttp/handler.h"

namespace nethttp {

// ServeMux is final: Go programs embed a ServeMux rather than extend it,
// and final keeps the one surprise of its Go names out of user code. The
// method ServeMux::Handler (Go's name, kept so mux.Handler(r) reads as in
// Go) hides the type Handler inside ServeMux's scope, so a class derived
// from ServeMux would find the method where it meant the type. No class
// can derive, so only this header meets that, and it writes
// nethttp::Handler for the type. To add behaviour, wrap the mux in a
// Handler of your own, or hold it as a member (serve_mux_test shows both).
class ServeMux final : public Handler {
 public:
  // Handle registers handler for pattern. Patterns name fixed rooted paths
  // ("/favicon.ico") or rooted subtrees ("/images/"), optionally preceded by
  // a host name ("example.com/"). An empty pattern, a null handler or a
  // pattern registered twice is an error (Go panics; we return it).
  nethttp::Error Handle(std::string_view pattern, std::shared_ptr<nethttp::Handler> handler);
  // HandleFunc registers a callable for pattern; a coroutine (one that
  // returns Task<>) is served by a CoroutineHandlerFunc.
  nethttp::Error HandleFunc(std::string_view pattern, HandlerFunc::Func f);
  template <typename F>
    requires ReturnsTask<F>
  nethttp::Error HandleFunc(std::string_view pattern, F f) {
    return Handle(pattern, std::make_shared<CoroutineHandlerFunc>(std::move(f)));
  }

  // Handler returns the handler to use for r and the pattern that matched
  // ("" for the not-found handler). For paths that are not clean, or a
  // subtree reached without its trailing slash, it returns a redirect handler
  // (Go: ServeMux.Handler). Within ServeMux this name is the method; the
  // type it returns is nethttp::Handler.
  std::shared_ptr<nethttp::Handler> Handler(const Request& r, std::string* pattern = nullptr) const;

  void ServeHTTP(ResponseWriter& w, Request& r) override;
  // StreamsRequestBody asks the handler that will serve r.
  bool StreamsRequestBody(const Request& r) override;

 private:
  struct MuxEntry {
    std::shared_ptr<nethttp::Handler> h;
    std::string pattern;
  };
  // Route is what Handler() decides, before any handler object is made, so
  // ServeHTTP can dispatch without building a RedirectHandler or touching a
  // shared_ptr count on every request.
  struct Route {
    const MuxEntry* entry = nullptr;  // the match; null means not found
    bool redirect = false;            // answer 301 to redirect_url instead
    std::string redirect_url;
    std::string redirect_pattern;     // the pattern Handler() reports for it
  };
  Route Resolve(const Request& r) const;
  const MuxEntry* HandlerForHostPath(std::string_view host, std::string_view path) const;
  const MuxEntry* Match(std::string_view path) const;
  bool ShouldRedirect(std::string_view host, std::string_view path) const;

  // mu_ is Go's mu: Handle may run while other threads' loops serve through
  // the same mux (DefaultServeMux is shared by every loop).
  mutable std::shared_mutex mu_;
  std::map<std::string, MuxEntry, std::less<>> m_;  // every pattern (Go: m)
  // es_ points at the entries of m_ ending in '/', longest first (Go: es).
  // std::map nodes never move, so the pointers stay valid as m_ grows.
  std::vector<const MuxEntry*> es_;
  bool hosts_ = false;  // whether any pattern has a host
};

// DefaultServeMux is the ServeMux used by ListenAndServe with a null handler.
ServeMux& DefaultServeMux();
// HandleFunc / Handle register on DefaultServeMux.
nethttp::Error HandleFunc(std::string_view pattern, HandlerFunc::Func f);
template <typename F>
  requires ReturnsTask<F>
nethttp::Error HandleFunc(std::string_view pattern, F f) {
  return DefaultServeMux().HandleFunc(pattern, std::move(f));
}
nethttp::Error Handle(std::string_view pattern, std::shared_ptr<Handler> handler);

}  // namespace nethttp

#endif  // NETHTTP_SERVE_MUX_H_
