// This is the high-level Client (Go: client.go): Do follows redirects,
// consults the cookie jar around every hop and enforces Timeout over the
// whole exchange, body included, on top of a RoundTripper. The low-level
// Transport is in transport.cc. Also here: the blocking convenience calls
// (Get, Post...) that run the loop.
#include "nethttp/client.h"

#include <algorithm>
#include <cassert>
#include <optional>
#include <utility>

#include "internal/ascii.h"
#include "internal/blocking_call.h"
#include "internal/connect_method_key.h"
#include "internal/log.h"
#include "internal/uv_handle.h"
#include "nethttp/cookie.h"
#include "nethttp/cookie_jar.h"
#include "nethttp/loop.h"
#include "nethttp/status.h"

namespace nethttp {
namespace {

// kMaxRedirects: Go's defaultCheckRedirect stops after 10 requests.
constexpr size_t kMaxRedirects = 10;

// kMaxBodySlurpSize: a redirect's body up to this size is read to its end
// so its connection can be reused; a longer one is closed (Go:
// maxBodySlurpSize = 2 << 10).
constexpr int64_t kMaxBodySlurpSize = 2 << 10;

// UrlErrorOp is Go's urlErrorOp: "GET" -> "Get", as url.Error prints it.
std::string UrlErrorOp(std::string_view method) {
  if (method.empty()) return "Get";
  std::string op(method);
  for (size_t i = 1; i < op.size(); ++i) op[i] = ToLower(op[i]);
  return op;
}

// StripPassword is Go's stripPassword: an error message never shows it.
std::string StripPassword(const URL& u) {
  if (u.Password().empty()) return u.String();
  URL copy = u;
  copy.user = u.Username() + ":***";
  return copy.String();
}

// UrlError wraps err as Go's *url.Error: `Get "http://x/": <err>`.
Error UrlError(const Error& err, std::string_view method, const URL& u) {
  return Error(err.code(), UrlErrorOp(method) + " \"" + StripPassword(u) + "\": " + err.message(),
               err.uv_code());
}

// IsDomainOrSubdomain is Go's isDomainOrSubdomain on hostnames.
bool IsDomainOrSubdomain(const std::string& sub, const std::string& parent) {
  if (sub == parent) return true;
  return sub.size() > parent.size() && sub.compare(sub.size() - parent.size(), parent.size(), parent) == 0 &&
         sub[sub.size() - parent.size() - 1] == '.';
}

// ShouldCopyHeaderOnRedirect is Go 1.19's: credentials and cookies follow a
// redirect only to the same host or one of its subdomains, on the same port
// (Go compares canonicalAddr, host and port). A scheme change with default
// ports changes the port, so https credentials never go out in plaintext.
bool ShouldCopyHeaderOnRedirect(std::string_view key, const URL& initial, const URL& dest) {
  if (key != "Authorization" && key != "Www-Authenticate" && key != "Cookie" && key != "Cookie2") {
    return true;
  }
  Result<ConnectMethodKey> ik = KeyForURL(initial), dk = KeyForURL(dest);
  if (!ik.ok() || !dk.ok()) return false;
  if (ik->addr == dk->addr) return true;
  auto port = [](const std::string& addr) { return addr.substr(addr.rfind(':')); };
  return port(ik->addr) == port(dk->addr) &&
         IsDomainOrSubdomain(ToLower(dest.Hostname()), ToLower(initial.Hostname()));
}

// RefererForURL is Go's refererForURL: the previous URL without its user
// info (and nothing when leaving https for http).
std::string RefererForURL(const URL& last, const URL& next) {
  if (last.scheme == "https" && next.scheme == "http") return "";
  URL copy = last;
  copy.user.clear();
  return copy.String();
}

// ExchangeBody is the Body handed out when Client::timeout is set: the
// exchange's deadline keeps running while the body streams, and when it
// passes, the body fails with a timeout (Go: Client.Timeout covers
// "reading of the response body").
class Exchange;

class ExchangeBody final : public Body {
 public:
  ExchangeBody(std::shared_ptr<Body> inner, Exchange* ex) : inner_(std::move(inner)), ex_(ex) {}
  ~ExchangeBody() override;

  void Read(DataFunc on_data, EndFunc on_end) override;
  void Pause() override { inner_->Pause(); }
  void Resume() override { inner_->Resume(); }
  void Close() override;
  const Header& Trailer() const override { return inner_->Trailer(); }

  // Fail is the deadline passing: the inner body is closed (so is its
  // conn) and on_end reports err.
  void Fail(Error err);

 private:
  void End(Error err);
  // DetachExchange tells the exchange, once, that this body no longer needs
  // it (on close, on end, on destruction, whichever comes first). ex_ is
  // cleared before the call because BodyEnded may end the exchange, after
  // which the pointer must not be used again.
  void DetachExchange();

  std::shared_ptr<Body> inner_;
  Exchange* ex_;  // null once the exchange has let go
  EndFunc on_end_;
  bool reading_ = false;
  bool ended_ = false;
  Error failed_;  // Fail came before Read
};

// CopyWithoutBody copies req but for its body, which the copies an
// Exchange keeps never need (307/308 resend first_body_; a streamed body
// is never sent twice).
Request CopyWithoutBody(Request& req) {
  std::string body = std::move(req.body);
  std::shared_ptr<Body> stream = std::move(req.body_stream);
  Request copy = req;
  req.body = std::move(body);
  req.body_stream = std::move(stream);
  return copy;
}

// Exchange is one Client::Do: the hops of a redirect chain, the Timeout
// timer, and the final body while the timer still covers it (Go: the loop
// in Client.do plus setRequestCancel).
class Exchange {
 public:
  enum class State {
    kSending,    // a round trip is in flight; waits for its done
    kDraining,   // a redirect's small body is being read so its conn is reused;
                 // waits for its on_end
    kStreaming,  // the final response was handed over; waits for its body's
                 // end (Timeout still runs)
    kClosing,    // done; the timer is closing; waits for its close callback
  };

  Exchange(Client::CheckRedirectFunc check, RoundTripper* rt, uv_loop_t* loop,
           Client::Duration timeout, Client::Done done)
      : check_(std::move(check)), rt_(rt), loop_(loop), done_(std::move(done)),
        cancel_(std::make_shared<Cancelation>()) {
    returns_request_ = rt->ReturnsRequest();
    if (timeout.count() > 0) {
      uv_timer_init(loop_, &timer_);
      timer_.data = this;
      has_timer_ = true;
      uv_timer_start(&timer_, OnTimer, static_cast<uint64_t>(timeout.count()), 0);
    }
  }

  void Start(Request&& req) {
    // With a jar, Send adds the jar's cookies to the request, so Go's ireq
    // (whose headers every hop copies) must be copied first; without one,
    // the first hop's request as sent is ireq (see Send).
    if (jar_) first_ = std::make_shared<const Request>(CopyWithoutBody(req));
    // With a jar, the caller's own Cookie header is remembered by name so
    // that a redirect response setting one of those names drops it from
    // later hops (Go: makeHeadersCopier's icookies).
    if (jar_ && !first_->header.Get("Cookie").empty()) icookies_ = ReadCookies(first_->header);
    Send(std::move(req));
  }

  // Watch makes the caller's Cancelation end the exchange (Client::Do
  // with cancel) until the response is delivered or the exchange ends,
  // whichever is first; then it lets go of it. Called before Start, on one that has
  // not been canceled yet, so the hook cannot run before there is a
  // request in flight.
  void Watch(std::shared_ptr<Cancelation> cancel) {
    caller_cancel_ = std::move(cancel);
    caller_cancel_->OnCancel([this](const Error& err) { Abandon(err, err); });
  }

  // Called by ExchangeBody.
  void BodyEnded() {
    body_ = nullptr;
    if (state_ == State::kStreaming) End();
  }

 private:
  static void OnTimer(uv_timer_t* t) { OwnerOf<Exchange>(t)->HandleTimeout(); }
  static void OnClose(uv_handle_t* h) { delete OwnerOf<Exchange>(h); }

  // StateName names s in the trace log, as conn.cc's does.
  static const char* StateName(State s) {
    switch (s) {
      case State::kSending: return "sending";
      case State::kDraining: return "draining";
      case State::kStreaming: return "streaming";
      case State::kClosing: return "closing";
    }
    return "?";
  }

  // LegalTransition is the state diagram; SetState asserts it. kSending ->
  // kSending is the next hop of a redirect whose body was closed, not
  // drained (and the first hop, which starts in kSending).
  [[maybe_unused]] static bool LegalTransition(State from, State to) {
    switch (from) {
      case State::kSending:
        return to == State::kSending || to == State::kDraining || to == State::kStreaming ||
               to == State::kClosing;
      case State::kDraining: return to == State::kSending || to == State::kClosing;
      case State::kStreaming: return to == State::kClosing;
      case State::kClosing: return false;
    }
    return false;
  }

  void SetState(State next) {
    assert(LegalTransition(state_, next));
    if (Log().should_log(spdlog::level::trace)) {
      Log().trace("client exchange {}: {} -> {}", static_cast<void*>(this), StateName(state_),
                  StateName(next));
    }
    state_ = next;
  }

  void Send(Request&& req) {
    SetState(State::kSending);
    method_ = via_.empty() ? req.method : via_.front().method;
    url_ = req.url;
    // Go's Client.send: the jar's cookies join those the request carries.
    if (jar_) {
      for (const Cookie& c : jar_->Cookies(req.url)) AddCookie(req.header, c);
    }
    // Go's client keeps its own request for the jar and the redirect that
    // follow. A RoundTripper that ReturnsRequest (our Transport) hands that
    // very request back in Response::request, which spares the copy; any
    // other may send another one (a rewritten URL, say), so then the
    // Exchange keeps a copy of its own.
    if (!returns_request_) hop_ = std::make_shared<const Request>(CopyWithoutBody(req));
    rt_->RoundTrip(std::move(req), [this](Result<Response>&& r) { OnResponse(std::move(r)); },
                   cancel_);
  }

  void OnResponse(Result<Response>&& r) {
    if (state_ != State::kSending) return;
    if (!r.ok()) {
      Error err = r.error();
      if (cancel_->canceled()) err = cancel_->err();
      Fail(err);
      return;
    }
    Response resp = std::move(r).value();
    if (!returns_request_) {
      sent_ = std::move(hop_);
      if (!resp.request) resp.request = sent_;  // Go: Response.Request is never nil
    } else {
      sent_ = resp.request;  // RoundTripper::ReturnsRequest promises it
      assert(sent_ != nullptr);
    }
    if (!first_) first_ = sent_;
    // Every response feeds the jar, redirects included (Go: Client.send).
    if (jar_) {
      if (std::vector<Cookie> rc = ReadSetCookies(resp.header); !rc.empty()) {
        jar_->SetCookies(sent_->url, rc);
        ForgetCallerCookies(rc);
      }
    }
    std::optional<Request> next = Redirect(resp);
    if (failed_) {
      if (resp.body) resp.body->Close();
      Fail(failed_);
      return;
    }
    if (!next) {
      Deliver(std::move(resp));
      return;
    }
    // Go reads a small redirect body to its end so the conn can be reused,
    // and closes a large one.
    std::shared_ptr<Body> body = resp.body;
    if (body && resp.content_length >= 0 && resp.content_length <= kMaxBodySlurpSize) {
      SetState(State::kDraining);
      draining_ = body;  // for HandleTimeout, which closes it
      auto hop = std::make_shared<Request>(std::move(*next));
      body->Read([](std::string_view) {}, [this, body, hop](Error) {
        if (state_ != State::kDraining) return;
        draining_ = nullptr;
        Send(std::move(*hop));
      });
      return;
    }
    if (body) body->Close();
    Send(std::move(*next));
  }

  // Redirect returns the next hop, nothing when resp is final, or sets
  // failed_ (Go: redirectBehavior and the loop head of Client.do).
  std::optional<Request> Redirect(const Response& resp) {
    const Request& req = *sent_;
    std::string method = req.method.empty() ? "GET" : req.method;
    bool include_body = false;
    switch (resp.status_code) {
      case StatusMovedPermanently:
      case StatusFound:
      case StatusSeeOther:
        // RFC 9110 §15.4.2-4 let a client turn POST into GET; browsers and
        // Go do so for 301/302 as well as 303, and keep HEAD.
        if (method != "GET" && method != "HEAD") method = "GET";
        break;
      case StatusTemporaryRedirect:
      case StatusPermanentRedirect:
        // Go follows these with the same body only if it can send it again
        // (Request.GetBody); a stream cannot be, so the 307 is the answer.
        if (first_streamed_) return std::nullopt;
        include_body = true;
        break;
      default:
        return std::nullopt;
    }
    std::string_view loc = resp.header.Get("Location");
    // Go: a 3xx without Location has never been followed.
    if (loc.empty()) return std::nullopt;
    Result<URL> ref = Parse(loc);
    if (!ref.ok()) {
      failed_ = Error(ErrorCode::kMalformedResponse,
                      "failed to parse Location header \"" + std::string(loc) + "\": " +
                          ref.error().message());
      return std::nullopt;
    }
    Request next;
    next.method = method;
    next.url = req.url.ResolveReference(*ref);
    next.host = next.url.host;
    // Headers come from the first request, minus credentials when the
    // redirect leaves the host (Go: makeHeadersCopier).
    for (const Header::Field& f : first_->header) {
      if (ShouldCopyHeaderOnRedirect(f.key, first_->url, next.url)) next.header.AddCanonical(f.key, f.value);
    }
    if (std::string ref_url = RefererForURL(req.url, next.url); !ref_url.empty()) {
      next.header.Set("Referer", ref_url);
    }
    if (include_body) {
      next.body = first_body_;
      next.content_length = first_content_length_;
    } else {
      next.content_length = 0;
    }
    via_.push_back(req);
    Error err;
    if (check_) {
      err = check_(next, via_);
    } else if (via_.size() >= kMaxRedirects) {
      err = Error(ErrorCode::kTooManyRedirects, "stopped after 10 redirects");
    }
    if (err.code() == ErrorCode::kUseLastResponse) return std::nullopt;
    if (err) {
      // Go reports the error against the request it refused to send.
      url_ = next.url;
      failed_ = err;
      return std::nullopt;
    }
    return next;
  }

  // ForgetCallerCookies drops from the caller's Cookie header the names a
  // response has just set, so the jar's newer value is the only one sent
  // (Go: makeHeadersCopier). The rest are rebuilt sorted, as Go does.
  void ForgetCallerCookies(const std::vector<Cookie>& set) {
    if (icookies_.empty()) return;
    size_t before = icookies_.size();
    std::erase_if(icookies_, [&set](const Cookie& ic) {
      return std::any_of(set.begin(), set.end(), [&ic](const Cookie& c) { return c.name == ic.name; });
    });
    if (icookies_.size() == before) return;
    std::vector<std::string> pairs;
    for (const Cookie& c : icookies_) pairs.push_back(c.name + "=" + c.value);
    std::sort(pairs.begin(), pairs.end());
    std::string joined;
    for (const std::string& p : pairs) joined += (joined.empty() ? "" : "; ") + p;
    // Go sets an empty Cookie header when none is left; we send none
    // (client_cookie_test "a redirect's Set-Cookie replaces the caller's").
    auto first = std::make_shared<Request>(*first_);  // rare: a jar, a caller's cookie, a redirect
    first->header.Del("Cookie");
    if (!joined.empty()) first->header.Set("Cookie", joined);
    first_ = std::move(first);
  }

  void Deliver(Response resp) {
    Client::Done done = std::move(done_);
    // The caller's Cancelation covers the exchange up to its response,
    // with or without a timer: from here the body is the caller's to
    // close. (DoAsync's Cancelation dies with the await that delivers.)
    if (caller_cancel_ != nullptr) std::exchange(caller_cancel_, nullptr)->OnCancel(nullptr);
    if (has_timer_ && resp.body) {
      // The deadline goes on covering the body.
      auto body = std::make_shared<ExchangeBody>(std::move(resp.body), this);
      body_ = body.get();
      resp.body = std::move(body);
      SetState(State::kStreaming);
      done(std::move(resp));
      return;
    }
    End();
    done(std::move(resp));
  }

  void Fail(Error err) {  // by value: End() may delete this, and err may be failed_
    Client::Done done = std::move(done_);
    Error wrapped = UrlError(err, method_, url_);
    End();  // may delete this: nothing of ours is used below
    if (done) done(std::move(wrapped));
  }

  void HandleTimeout() {
    // Go 1.19's messages for Client.Timeout.
    Abandon(Error(ErrorCode::kTimeout, "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"),
            Error(ErrorCode::kTimeout,
                  "context deadline exceeded (Client.Timeout or context cancellation while reading body)"));
  }

  // Abandon ends the exchange early: err while it waits for a response
  // (done gets it), body_err once the body is streaming (its reader does).
  void Abandon(const Error& err, const Error& body_err) {
    // The round trip's done, run by cancel_->Cancel below, may end the
    // exchange; without a timer End would delete it under our feet, so the
    // deletion waits for the end of this call.
    ++abandoning_;
    AbandonNow(err, body_err);
    if (--abandoning_ == 0 && state_ == State::kClosing && !has_timer_) delete this;
  }

  void AbandonNow(const Error& err, const Error& body_err) {
    switch (state_) {
      case State::kSending:
      case State::kDraining: {
        if (state_ == State::kDraining) {
          // Closing the redirect's body drops its on_end, which would
          // otherwise run on a deleted exchange when the rest arrives; its
          // conn, with a body unread, is closed rather than reused.
          std::shared_ptr<Body> body = std::move(draining_);
          body->Close();
          Fail(err);
          return;
        }
        cancel_->Cancel(err);  // the RoundTripper answers through OnResponse
        if (state_ == State::kSending) Fail(err);
        return;
      }
      case State::kStreaming:
        if (body_ != nullptr) {
          ExchangeBody* body = body_;
          body_ = nullptr;
          body->Fail(UrlError(body_err, method_, url_));
        }
        End();
        return;
      case State::kClosing:
        return;
    }
  }

  // End releases the exchange: the timer closes and its callback deletes
  // this; without a timer it goes at once.
  void End() {
    if (state_ == State::kClosing) return;
    SetState(State::kClosing);
    if (caller_cancel_ != nullptr) std::exchange(caller_cancel_, nullptr)->OnCancel(nullptr);
    if (body_ != nullptr) {
      body_->Fail(Error());  // detaches; never called with a body still streaming
      body_ = nullptr;
    }
    if (has_timer_) {
      uv_timer_stop(&timer_);
      uv_close(reinterpret_cast<uv_handle_t*>(&timer_), OnClose);
    } else if (abandoning_ == 0) {
      delete this;
    }  // else Abandon deletes it on its way out
  }

 public:
  // first_body_ / first_content_length_: the body 307/308 send again.
  std::string first_body_;
  bool first_streamed_ = false;  // the first request's body was a stream
  int64_t first_content_length_ = 0;
  // jar_: Client::jar, shared so the jar outlives a Client destroyed
  // while the exchange is still running.
  std::shared_ptr<CookieJar> jar_;
  // transport_: Client::transport, kept for the same reason; rt_ points at
  // it (or at DefaultTransport() when it is null, which lives for ever).
  std::shared_ptr<RoundTripper> transport_;

 private:
  friend class ExchangeBody;
  Client::CheckRedirectFunc check_;
  RoundTripper* rt_;
  uv_loop_t* loop_;
  Client::Done done_;
  std::shared_ptr<Cancelation> cancel_;          // the round trip's, for rt_
  std::shared_ptr<Cancelation> caller_cancel_;   // Client::Do's, when given
  uv_timer_t timer_;
  bool has_timer_ = false;
  int abandoning_ = 0;  // Abandon is on the stack: End must not delete this
  State state_ = State::kSending;
  std::shared_ptr<const Request> first_;  // Go's ireq (see Start)
  std::shared_ptr<const Request> sent_;   // the current hop, as this client sent it
  std::shared_ptr<const Request> hop_;    // its copy, when rt_ does not return it
  // returns_request_ is rt_->ReturnsRequest(): its Response::request is
  // the request it was given.
  bool returns_request_ = false;
  std::vector<Request> via_;
  std::vector<Cookie> icookies_;  // the caller's cookies, with a jar only
  std::string method_;
  URL url_;
  Error failed_;
  ExchangeBody* body_ = nullptr;
  std::shared_ptr<Body> draining_;  // a redirect's body, in kDraining
};

ExchangeBody::~ExchangeBody() {
  // A consumer that drops the Response mid-body must get no more callbacks
  // (they would reach this wrapper): close the inner body first.
  if (!ended_) inner_->Close();
  DetachExchange();
}

void ExchangeBody::Read(DataFunc on_data, EndFunc on_end) {
  if (failed_ || ended_) {
    if (on_end) on_end(failed_ ? failed_ : Error(ErrorCode::kInvalidArgument, "http: body already read"));
    return;
  }
  reading_ = true;
  on_end_ = std::move(on_end);
  inner_->Read(std::move(on_data), [this](Error err) { End(std::move(err)); });
}

void ExchangeBody::Close() {
  ended_ = true;
  on_end_ = nullptr;
  inner_->Close();
  DetachExchange();
}

void ExchangeBody::Fail(Error err) {
  ex_ = nullptr;  // the exchange is letting go
  if (!err) return;
  inner_->Close();
  if (!reading_) {
    failed_ = err;
    return;
  }
  End(std::move(err));
}

void ExchangeBody::End(Error err) {
  if (ended_) return;
  ended_ = true;
  DetachExchange();
  EndFunc end = std::move(on_end_);
  if (end) end(std::move(err));
}

void ExchangeBody::DetachExchange() {
  if (ex_ == nullptr) return;
  Exchange* ex = ex_;
  ex_ = nullptr;
  ex->BodyEnded();
}

RoundTripper& TransportOf(const Client& c) {
  return c.transport != nullptr ? *c.transport : DefaultTransport();
}

Loop& LoopOf(const Client& c) {
  if (c.loop != nullptr) return *c.loop;
  return TransportOf(c).EventLoop();
}

}  // namespace

Error ErrUseLastResponse() { return Error(ErrorCode::kUseLastResponse, "net/http: use last response"); }

namespace {

// StartExchange is both Do overloads: they hand it their by-value Request
// rather than one calling the other, which would move it once more.
void StartExchange(Client& c, Request&& req, Client::Done&& done, std::shared_ptr<Cancelation> cancel) {
  if (cancel != nullptr && cancel->canceled()) {
    done(UrlError(cancel->err(), req.method, req.url));
    return;
  }
  auto* ex = new Exchange(c.check_redirect, &TransportOf(c), LoopOf(c).get(), c.timeout, std::move(done));
  ex->first_body_ = req.body;
  ex->first_streamed_ = req.body_stream != nullptr;
  ex->first_content_length_ = req.content_length;
  ex->jar_ = c.jar;
  ex->transport_ = c.transport;
  if (cancel != nullptr) ex->Watch(std::move(cancel));
  ex->Start(std::move(req));
}

}  // namespace

void Client::Do(Request req, Done done) { StartExchange(*this, std::move(req), std::move(done), nullptr); }

void Client::Do(Request req, Done done, std::shared_ptr<Cancelation> cancel) {
  StartExchange(*this, std::move(req), std::move(done), std::move(cancel));
}

Result<Response> DoAwaiter::Canceled(const Error& err) { return UrlError(err, req_.method, req_.url); }

void DoAwaiter::Start() {
  // The Cancelation is the awaiter's own, lent without an owner (no
  // allocation per await): the exchange lets go of it by the time it calls
  // done, which is before the awaiter can go.
  client_->Do(std::move(req_), [this](Result<Response> r) { Complete(std::move(r)); },
              std::shared_ptr<Cancelation>(std::shared_ptr<void>(), &cancel_));
}

void DoAwaiter::Abandon() {
  // The exchange calls done at once, with the error; Complete then only
  // records it, since nothing waits any more.
  cancel_.Cancel(Error(ErrorCode::kCanceled, "context canceled"));
}

Result<Response> Client::Do(Request req) {
  Loop& loop = LoopOf(*this);
  // Running the loop from one of its own callbacks would re-enter uv_run;
  // refused before the request goes anywhere, so nothing is half done.
  if (loop.running()) return BlockingCallOnLoop("Do(req, done)");
  std::optional<Result<Response>> out;
  Do(std::move(req), [&out](Result<Response> r) { out.emplace(std::move(r)); });
  loop.RunUntil([&out] { return out.has_value(); });
  if (!out) return Error(ErrorCode::kCanceled, "http: the loop stopped before the response arrived");
  return std::move(*out);
}

Result<Response> Client::Get(std::string_view url) {
  Result<Request> req = NewRequest("GET", url);
  if (!req.ok()) return req.error();
  return Do(std::move(req).value());
}

Result<Response> Client::Head(std::string_view url) {
  Result<Request> req = NewRequest("HEAD", url);
  if (!req.ok()) return req.error();
  return Do(std::move(req).value());
}

Result<Response> Client::Post(std::string_view url, std::string_view content_type, std::string body) {
  Result<Request> req = NewRequest("POST", url, std::move(body));
  if (!req.ok()) return req.error();
  req->header.Set("Content-Type", content_type);
  return Do(std::move(req).value());
}

Result<Response> Client::PostForm(std::string_view url,
                                  const std::vector<std::pair<std::string, std::string>>& form) {
  // Go's url.Values.Encode sorts by key; we keep the caller's order, which
  // a vector of pairs makes explicit.
  std::string body;
  for (const auto& [k, v] : form) {
    if (!body.empty()) body += '&';
    body += QueryEscape(k);
    body += '=';
    body += QueryEscape(v);
  }
  return Post(url, "application/x-www-form-urlencoded", std::move(body));
}

Result<Response> Client::PostForm(std::string_view url, const Values& data) {
  return Post(url, "application/x-www-form-urlencoded", data.Encode());
}

Client& DefaultClient() {
  static Client client;
  return client;
}

Result<Response> Get(std::string_view url) { return DefaultClient().Get(url); }
Result<Response> Head(std::string_view url) { return DefaultClient().Head(url); }
Result<Response> Post(std::string_view url, std::string_view content_type, std::string body) {
  return DefaultClient().Post(url, content_type, std::move(body));
}
Result<Response> PostForm(std::string_view url,
                          const std::vector<std::pair<std::string, std::string>>& form) {
  return DefaultClient().PostForm(url, form);
}
Result<Response> PostForm(std::string_view url, const Values& data) { return DefaultClient().PostForm(url, data); }

}  // namespace nethttp
