// ReverseProxy (Go: httputil/reverseproxy.go). One Relay per request: it
// sends the outgoing request, copies the upstream's head, then pumps its
// body into the held response, pausing the upstream whenever the client's
// connection has enough unsent output.
#include "nethttp/reverse_proxy.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "internal/ascii.h"
#include "internal/host_port.h"
#include "internal/log.h"
#include "nethttp/pool_allocator.h"
#include "nethttp/status.h"

namespace nethttp {
namespace {

// kHopHeaders are the hop-by-hop fields (Go: hopHeaders): they describe one
// connection, so a proxy never passes them on (RFC 9110 §7.6.1).
constexpr std::string_view kHopHeaders[] = {
    "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
    "Te",         "Trailer",          "Transfer-Encoding", "Upgrade",
};

bool IsHopHeader(std::string_view key) {
  // The names of kHopHeaders by length: most fields are ruled out by
  // theirs, the rest compared with the one or two names of that length.
  switch (key.size()) {
    case 2: return EqualFold(key, "Te");
    case 7: return EqualFold(key, "Trailer") || EqualFold(key, "Upgrade");
    case 10: return EqualFold(key, "Connection") || EqualFold(key, "Keep-Alive");
    case 16: return EqualFold(key, "Proxy-Connection");
    case 17: return EqualFold(key, "Transfer-Encoding");
    case 18: return EqualFold(key, "Proxy-Authenticate");
    case 19: return EqualFold(key, "Proxy-Authorization");
    default: return false;
  }
}

// RemoveHopHeaders is Go's removeConnectionHeaders and the hopHeaders loop:
// first the fields the Connection header names, then the fixed list. Most
// messages carry none of them (a Connection field is one), so one pass
// looks before any removal scans the fields again.
void RemoveHopHeaders(Header* h) {
  if (std::none_of(h->begin(), h->end(), [](const Header::Field& f) { return IsHopHeader(f.key); })) {
    return;
  }
  std::vector<std::string> named;
  for (std::string_view v : h->Values("Connection")) {
    ForEachListItem(v, [&](std::string_view f) { named.emplace_back(f); });
  }
  for (const std::string& f : named) h->Del(f);
  for (std::string_view f : kHopHeaders) h->Del(f);
}

// RelayedTrailer is the trailer the outgoing request declares: the names
// the incoming one declared in its Trailer field (a hop-by-hop field, so
// not copied itself), with the values that already arrived when the server
// read the body whole. A streamed body's values reach the Transport through
// its Trailer() as it ends (AppendLastChunk). Names a trailer may not carry
// are left out, so a client's bad declaration costs it its trailer, not
// the request (Go's server answers such a request 400). Only a chunked
// body carries a trailer: a Trailer field on any other (Go's fixTrailer
// ignores it too) must not make the proxy send the body chunked upstream.
Header RelayedTrailer(const Request& r) {
  Header t;
  if (r.content_length >= 0) return t;
  for (const auto& f : r.trailer) {
    if (ValidTrailerHeader(f.key)) t.AddCanonical(f.key, f.value);
  }
  for (std::string_view declared : r.header.Values("Trailer")) {
    ForEachListItem(declared, [&](std::string_view item) {
      std::string name = CanonicalHeaderKey(item);
      if (ValidHeaderFieldName(name) && ValidTrailerHeader(name) && !t.Has(name)) t.Add(name, "");
    });
  }
  return t;
}

// SingleJoiningSlash is Go's singleJoiningSlash, in place: *b becomes
// a + *b with exactly one slash between them. (In place because the usual
// target, "http://host:port", has no path: a request's path that starts
// with its slash is then left as it is, not copied on every request.)
void SingleJoiningSlash(std::string_view a, std::string* b) {
  bool aslash = !a.empty() && a.back() == '/';
  bool bslash = !b->empty() && b->front() == '/';
  if (aslash && bslash) a.remove_suffix(1);
  if (!aslash && !bslash) b->insert(0, 1, '/');
  if (!a.empty()) b->insert(0, a);
}

// JoinURLPath is Go's joinURLPath: the joined path, and the joined raw
// path when either side's encoding is not the default one.
void JoinURLPath(const URL& a, URL* b) {
  if (a.raw_path.empty() && b->raw_path.empty()) {
    SingleJoiningSlash(a.path, &b->path);
    return;
  }
  std::string apath = a.EscapedPath(), bpath = b->EscapedPath();
  bool aslash = !apath.empty() && apath.back() == '/';
  bool bslash = !bpath.empty() && bpath.front() == '/';
  if (aslash && bslash) {
    b->path = a.path + b->path.substr(1);
    b->raw_path = apath + bpath.substr(1);
  } else if (!aslash && !bslash) {
    b->path = a.path + "/" + b->path;
    b->raw_path = apath + "/" + bpath;
  } else {
    b->path = a.path + b->path;
    b->raw_path = apath + bpath;
  }
}

// OutgoingRequest is the request the proxy sends for r: a copy of r's head,
// and its body (moved: the relay is its only reader), whole or as the
// stream it is arriving in, which the Transport sends on as it comes; then
// the director's changes, hop-by-hop fields removed, X-Forwarded-For.
// X-Forwarded-For is omitted only when the director asks for it (sets it
// to one empty value, our Header's stand-in for Go's nil slice); a client
// that sends it empty does not get to hide its address.
Request OutgoingRequest(const ReverseProxy& proxy, Request& r) {
  std::vector<std::string> xff_in;
  for (std::string_view v : r.header.Values("X-Forwarded-For")) xff_in.emplace_back(v);
  Request out;
  out.method = r.method;
  out.url = r.url;
  // (Room for the director's fields and X-Forwarded-For first: a copy
  // has room for its own fields only, and the first field added would
  // move them all to a larger block.)
  out.header.reserve(r.header.size() + 4);
  out.header = r.header;
  out.host = r.host;
  out.content_length = r.content_length;
  out.body = std::move(r.body);
  out.body_stream = r.body_stream;
  out.trailer = RelayedTrailer(r);
  if (proxy.director) proxy.director(out);
  out.close = false;  // the upstream connection is the Transport's to keep
  out.request_uri.clear();
  RemoveHopHeaders(&out.header);
  // X-Forwarded-For: the client's address after any the request carried,
  // unless the director set the field with no value (Go: a nil slice).
  std::string_view ip, port;
  if (SplitHostPort(r.remote_addr, &ip, &port)) {
    std::vector<std::string_view> prior = out.header.Values("X-Forwarded-For");
    bool set_empty = prior.size() == 1 && prior[0].empty();
    bool omit = set_empty && !(xff_in.size() == 1 && xff_in[0].empty());
    if (!omit) {
      std::string xff;
      for (std::string_view p : prior) xff.append(p).append(", ");
      xff.append(ip);
      // (With no field yet, Set would only scan again for one to replace.)
      if (prior.empty()) {
        out.header.AddCanonical("X-Forwarded-For", std::move(xff));
      } else {
        out.header.Set("X-Forwarded-For", xff);
      }
    }
  }
  return out;
}

// Relay is one proxied exchange. It owns the held response, and it keeps
// itself alive (self_) while the round trip, the upstream body or the held
// response may still call it back; it keeps its own copy of the proxy's
// hooks, so a proxy removed from its mux mid-exchange harms nothing.
//
// Those callbacks hold a plain pointer, not a shared_ptr: a std::function
// stores a capture that is trivially copyable in itself, and one holding
// a shared_ptr on the heap, which made four allocations (and as many
// reference-count round trips) of every proxied request. The rule that
// keeps the pointers safe is in Settle.
class Relay : public std::enable_shared_from_this<Relay> {
 public:
  Relay(const ReverseProxy& proxy, std::shared_ptr<ResponseWriter> w, Request& in)
      : transport_(proxy.transport),
        modify_response_(proxy.modify_response),
        error_handler_(proxy.error_handler),
        w_(std::move(w)),
        in_(in) {}

  // Start sends the outgoing request that proxy makes of in_.
  void Start(const ReverseProxy& proxy) {
    self_ = shared_from_this();
    round_trip_pending_ = true;
    RoundTripper& rt = transport_ != nullptr ? *transport_ : DefaultTransport();
    // A client that leaves takes the upstream exchange with it, whatever
    // stage it is at (Go: the outgoing request carries the incoming one's
    // context). (If it has left already, ClientGone runs now, and the
    // round trip below ends at once, canceled.)
    w_->CloseNotify([this] { ClientGone(); });
    // The request is made right in RoundTrip's by-value parameter (a
    // prvalue), not moved there: a move of a Request is some twenty
    // strings', on every proxied request. The Cancelation lives in the
    // relay (an aliasing pointer, which keeps the relay alive while the
    // Transport holds it), not in an allocation of its own.
    // (The callback takes the result by reference: std::function hands
    // it over as an rvalue, and a parameter by value would be one more
    // move of a Response.)
    rt.RoundTrip(OutgoingRequest(proxy, in_), [this](Result<Response>&& r) { OnResponse(r); },
                 std::shared_ptr<Cancelation>(shared_from_this(), &cancel_));
  }

 private:
  // Settle lets the relay go once nothing can call it back: the round trip
  // has answered, the upstream body has ended or been closed (StreamBody
  // calls neither on_data nor on_end after Close), and the response is
  // finished or aborted (which drops the CloseNotify hook). Every callback
  // calls it last and touches nothing after, since it may free the relay.
  // (OnWritable's hook, rare, keeps its own shared_ptr.)
  void Settle() {
    if (round_trip_pending_ || body_reading_ || !response_done_) return;
    std::shared_ptr<Relay> last = std::move(self_);
  }

  void ClientGone() {
    cancel_.Cancel(Error(ErrorCode::kCanceled, "proxy: client went away"));
    CloseBody();
    // Abort, not Finish: a client that only half-closed still reads, and
    // must not take an empty 200 or a cut body's clean end for the answer.
    w_->Abort();
    response_done_ = true;
    Settle();
  }

  void CloseBody() {
    if (body_ == nullptr) return;
    body_->Close();
    body_reading_ = false;
  }

  void Fail(const Error& err) {
    if (error_handler_) {
      error_handler_(*w_, in_, err);
    } else {
      Log().warn("http: proxy error: {}", err.message());
      w_->WriteHeader(StatusBadGateway);
    }
    w_->Finish();
    response_done_ = true;
  }

  void OnResponse(Result<Response>& r) {
    // The body's callbacks may run inside Read and settle the relay first.
    std::shared_ptr<Relay> keep = self_;
    round_trip_pending_ = false;
    StartBody(r);
    Settle();
  }

  void StartBody(Result<Response>& r) {
    if (!r.ok()) {
      if (r.error().code() == ErrorCode::kCanceled && cancel_.canceled()) return;  // (ClientGone)
      Fail(r.error());
      return;
    }
    Response& resp = r.value();
    RemoveHopHeaders(&resp.header);
    if (modify_response_) {
      if (Error err = modify_response_(resp)) {
        resp.body->Close();
        Fail(err);
        return;
      }
    }
    // Go's copyHeader: added to what the handler's header already holds.
    // Usually that is nothing, and the upstream's fields, canonical from
    // the parser, move over whole.
    Header& h = w_->Header();
    if (h.empty()) {
      h = std::move(resp.header);
    } else {
      for (const auto& f : resp.header) h.AddCanonical(f.key, f.value);
    }
    body_ = resp.body;
    w_->WriteHeader(resp.status_code);
    body_reading_ = true;
    body_->Read(
        [this](std::string_view chunk) {
          OnData(chunk);
          Settle();
        },
        [this](Error err) {
          body_reading_ = false;
          OnEnd(err);
          Settle();
        });
  }

  void OnData(std::string_view chunk) {
    if (w_->Write(chunk)) {  // the client left mid-body
      CloseBody();
      w_->Abort();  // (harmless if it has gone; a cut body if not)
      response_done_ = true;
      return;
    }
    if (!w_->Writable() && !paused_) {
      paused_ = true;
      body_->Pause();
      w_->OnWritable([self = shared_from_this()] {
        self->paused_ = false;
        self->body_->Resume();
      });
    }
  }

  void OnEnd(const Error& err) {
    response_done_ = true;
    if (err) {
      // The upstream broke off: the client must see a cut body, not an end.
      Log().warn("http: proxy: upstream body: {}", err.message());
      w_->Abort();
      return;
    }
    // The upstream's trailers follow the body, sent as ours.
    for (const auto& f : body_->Trailer()) {
      w_->Header().Add(std::string(TrailerPrefix) + f.key, f.value);
    }
    w_->Finish();
  }

  std::shared_ptr<RoundTripper> transport_;
  std::function<Error(Response&)> modify_response_;
  std::function<void(ResponseWriter&, Request&, const Error&)> error_handler_;
  std::shared_ptr<ResponseWriter> w_;
  Request& in_;
  Cancelation cancel_;
  std::shared_ptr<Body> body_;
  std::shared_ptr<Relay> self_;      // while a callback below may still come
  bool round_trip_pending_ = false;  // RoundTrip's done is still to come
  bool body_reading_ = false;        // the upstream body may still call on_data or on_end
  bool response_done_ = false;       // Finish or Abort was called: CloseNotify is dropped
  bool paused_ = false;
};

}  // namespace

void ReverseProxy::ServeHTTP(ResponseWriter& w, Request& r) {
  auto relay = std::allocate_shared<Relay>(PoolAllocator<Relay>(), *this, w.Hold(), r);
  relay->Start(*this);
}

std::shared_ptr<ReverseProxy> NewSingleHostReverseProxy(const URL& target) {
  auto p = std::make_shared<ReverseProxy>();
  p->director = [target](Request& req) {
    req.url.scheme = target.scheme;
    req.url.host = target.host;
    JoinURLPath(target, &req.url);
    if (target.raw_query.empty()) {
      // (The request's own query stands as it is.)
    } else if (req.url.raw_query.empty()) {
      req.url.raw_query = target.raw_query;
    } else {
      req.url.raw_query = target.raw_query + "&" + req.url.raw_query;
    }
    // Go: no User-Agent of the client's means none upstream either, not
    // the Transport's default.
    if (!req.header.Has("User-Agent")) req.header.AddCanonical("User-Agent", "");
  };
  return p;
}

}  // namespace nethttp
