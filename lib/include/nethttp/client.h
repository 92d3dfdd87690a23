// Client is the high-level HTTP client (Go: http.Client): Do sends a request
// through the Transport and follows redirects, consults the cookie jar before
// and after each hop, and enforces Timeout over the whole exchange. The
// low-level half is transport.h.
#ifndef NETHTTP_CLIENT_H_
#define NETHTTP_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/error.h"
#include "nethttp/request.h"
#include "nethttp/response.h"
#include "nethttp/task.h"
#include "nethttp/transport.h"

namespace nethttp {

class CookieJar;
class Loop;
class DoAwaiter;

// ErrUseLastResponse, returned by a CheckRedirect function, makes Do return
// the redirect response itself (its body unread) instead of following it
// (Go: http.ErrUseLastResponse).
Error ErrUseLastResponse();

class Client {
 public:
  using Duration = std::chrono::milliseconds;
  using Done = std::function<void(Result<Response>)>;
  // CheckRedirect decides whether to follow a redirect to req, given the
  // requests made so far (oldest first); an error stops with that error.
  // Null: follow up to 10 redirects (Go's defaultCheckRedirect).
  using CheckRedirectFunc = std::function<Error(const Request& req, const std::vector<Request>& via)>;

  // transport sends the requests; null means DefaultTransport(). Shared
  // (handler.h's ownership rule): a round trip in flight keeps it alive
  // even if the Client and every other copy are gone.
  std::shared_ptr<RoundTripper> transport;
  // jar, when set, supplies the Cookie header of every hop and receives
  // the Set-Cookie headers of every response, redirects included
  // (NewCookieJar() in cookie_jar.h). Null: cookies are not kept.
  std::shared_ptr<CookieJar> jar;
  // timeout limits the whole exchange, redirects and reading the body
  // included (0: none).
  Duration timeout{0};
  CheckRedirectFunc check_redirect;
  // loop runs the blocking calls below and the Timeout timer; null means
  // the transport's EventLoop() (a Transport's own loop, DefaultLoop() for
  // a RoundTripper that does not say).
  Loop* loop = nullptr;

  // Do sends req and calls done on the loop with the final response (the
  // body still streaming) or the error (Go: Client.Do). Errors read as Go's
  // url.Error: `Get "http://x/": dial tcp ...: connection refused`.
  // Redirects are followed as Go does: 301/302/303 turn any method but
  // HEAD into a GET without body, 307/308 keep method and body; at most 10.
  void Do(Request req, Done done);
  // Do with cancel: cancel->Cancel(err) abandons the exchange, and done
  // gets err as a url.Error (`Get "http://x/": context canceled`), at once
  // if it has not been called yet (Go: a request with a context). Once
  // done has the response, cancel is let go: the body is then the
  // caller's to Close.
  void Do(Request req, Done done, std::shared_ptr<Cancelation> cancel);
  // DoAsync is Do for a coroutine (task.h): `Result<Response> resp = co_await
  // client.DoAsync(std::move(req));`. The Client must outlive the await.
  // When the coroutine's Task is canceled (its client went away, say), the
  // exchange is abandoned and the result is the Cancelation's error.
  DoAwaiter DoAsync(Request req);

  // The blocking calls run the loop until the response head has arrived;
  // read the body with resp.body->ReadAllBlocking(loop). Off the loop only:
  // called back from the loop they would run (in a handler, say), they
  // send nothing and return ErrorCode::kBlockingCallOnLoop, not a url.Error.
  Result<Response> Do(Request req);
  Result<Response> Get(std::string_view url);
  Result<Response> Head(std::string_view url);
  Result<Response> Post(std::string_view url, std::string_view content_type, std::string body);
  // PostForm sends form as application/x-www-form-urlencoded, its pairs
  // in the order given.
  Result<Response> PostForm(std::string_view url,
                            const std::vector<std::pair<std::string, std::string>>& form);
  // PostForm sends data as application/x-www-form-urlencoded, encoded by
  // Values::Encode (sorted by key), as Go's Client.PostForm does.
  Result<Response> PostForm(std::string_view url, const Values& data);
};

// DoAwaiter is what Client::DoAsync returns.
class DoAwaiter : public internal::OpAwaiter<Result<Response>, DoAwaiter> {
 public:
  DoAwaiter(Client& client, Request req) : client_(&client), req_(std::move(req)) {}
  ~DoAwaiter() { AbandonIfWaiting(); }

 private:
  friend class internal::OpAwaiter<Result<Response>, DoAwaiter>;
  Result<Response> Canceled(const Error& err);
  void Start();
  void Stop(const Error& err) { cancel_.Cancel(err); }  // Do's done follows, with err
  void Abandon();

  Client* client_;
  Request req_;
  Cancelation cancel_;
};

inline DoAwaiter Client::DoAsync(Request req) { return DoAwaiter(*this, std::move(req)); }

// DefaultClient is the Client the package-level calls use.
Client& DefaultClient();

// Get, Head, Post, PostForm on DefaultClient (Go: http.Get, http.Post...).
Result<Response> Get(std::string_view url);
Result<Response> Head(std::string_view url);
Result<Response> Post(std::string_view url, std::string_view content_type, std::string body);
Result<Response> PostForm(std::string_view url,
                          const std::vector<std::pair<std::string, std::string>>& form);
Result<Response> PostForm(std::string_view url, const Values& data);

}  // namespace nethttp

#endif  // NETHTTP_CLIENT_H_
