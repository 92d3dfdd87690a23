// Dialer: DNS through uv_getaddrinfo and a TCP connect to each address in
// turn (Go: net.Dialer with its fallback over the resolved addresses). Its
// user is persist_conn.cc, which owns the socket and the dial deadline.
#include "internal/dialer.h"

#include <cassert>
#include <cstring>
#include <utility>

#include "internal/log.h"
#include "internal/sock_addr.h"
#include "internal/uv_handle.h"

namespace nethttp {
namespace {

const char* StateName(Dialer::State s) {
  switch (s) {
    case Dialer::State::kIdle: return "idle";
    case Dialer::State::kResolving: return "resolving";
    case Dialer::State::kConnecting: return "connecting";
    case Dialer::State::kClosingSocket: return "closing-socket";
    case Dialer::State::kDone: return "done";
  }
  return "?";
}

bool LegalTransition(Dialer::State from, Dialer::State to) {
  using S = Dialer::State;
  switch (from) {
    case S::kIdle: return to == S::kResolving || to == S::kConnecting || to == S::kDone;
    case S::kResolving: return to == S::kConnecting || to == S::kDone;
    case S::kConnecting: return to == S::kClosingSocket || to == S::kDone;
    case S::kClosingSocket: return to == S::kConnecting || to == S::kDone;
    case S::kDone: return false;
  }
  return false;
}

}  // namespace

Dialer::Dialer(uv_loop_t* loop, uv_tcp_t* tcp) : loop_(loop), tcp_(tcp) {
  gai_req_.data = this;
  connect_req_.data = this;
}

Dialer::~Dialer() {
  // The owner waits for done before it lets go of us (persist_conn.cc).
  assert(state_ == State::kIdle || state_ == State::kDone);
}

void Dialer::SetState(State next) {
  assert(LegalTransition(state_, next));
  if (Log().should_log(spdlog::level::trace)) {
    Log().trace("dial {}:{}: {} -> {}", host_, port_, StateName(state_), StateName(next));
  }
  state_ = next;
}

std::string Dialer::Addr() const {
  if (next_ < addrs_.size()) return FormatSockaddr(addrs_[next_]);
  return host_ + ":" + port_;
}

void Dialer::Dial(std::string host, std::string port, Done done) {
  assert(state_ == State::kIdle);
  host_ = std::move(host);
  port_ = std::move(port);
  done_ = std::move(done);
  char* end = nullptr;
  long p = std::strtol(port_.c_str(), &end, 10);
  if (port_.empty() || *end != '\0' || p < 0 || p > 65535) {
    // Reported on the next loop turn would be nicer, but done may be called
    // synchronously only for bad input, before anything was started.
    SetState(State::kDone);
    auto d = std::move(done_);
    d(Error(ErrorCode::kInvalidArgument, "dial tcp: invalid port \"" + port_ + "\""));
    return;
  }
  // A literal address needs no resolver round trip on the thread pool.
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  if (uv_ip4_addr(host_.c_str(), static_cast<int>(p), reinterpret_cast<sockaddr_in*>(&ss)) == 0 ||
      uv_ip6_addr(host_.c_str(), static_cast<int>(p), reinterpret_cast<sockaddr_in6*>(&ss)) == 0) {
    addrs_.push_back(ss);
    ConnectNext();
    return;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;  // IPv6 and IPv4, in the resolver's order
  hints.ai_socktype = SOCK_STREAM;
  SetState(State::kResolving);
  if (int rc = uv_getaddrinfo(loop_, &gai_req_, OnResolved, host_.c_str(), port_.c_str(), &hints);
      rc != 0) {
    CallDone(Error::FromUv(rc, "dial tcp: lookup " + host_));
  }
}

void Dialer::OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  Dialer* d = OwnerOf<Dialer>(req);
  if (status == 0) {
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
      sockaddr_storage ss;
      std::memset(&ss, 0, sizeof ss);
      std::memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
      d->addrs_.push_back(ss);
    }
  }
  uv_freeaddrinfo(res);
  if (d->cancel_err_) {
    d->CallDone(d->cancel_err_);
    return;
  }
  if (status != 0) {
    // Go: "dial tcp: lookup nosuch.invalid: no such host".
    d->CallDone(Error(ErrorCode::kIo, "dial tcp: lookup " + d->host_ + ": " + uv_strerror(status),
                    status));
    return;
  }
  if (d->addrs_.empty()) {
    d->CallDone(Error(ErrorCode::kIo, "dial tcp: lookup " + d->host_ + ": no such host"));
    return;
  }
  d->ConnectNext();
}

void Dialer::ConnectNext() {
  if (next_ >= addrs_.size()) {
    CallDone(last_err_ ? last_err_ : Error(ErrorCode::kIo, "dial tcp " + host_ + ": no address"));
    return;
  }
  SetState(State::kConnecting);
  uv_tcp_init(loop_, tcp_);
  tcp_->data = this;
  const auto* addr = reinterpret_cast<const sockaddr*>(&addrs_[next_]);
  if (int rc = uv_tcp_connect(&connect_req_, tcp_, addr, OnConnect); rc != 0) {
    FailAttempt(Error::FromUv(rc, "dial tcp " + Addr() + ": connect"));
  }
}

void Dialer::OnConnect(uv_connect_t* req, int status) {
  Dialer* d = OwnerOf<Dialer>(req);
  if (d->state_ != State::kConnecting) return;  // canceled: the socket is closing already
  if (status == 0) {
    d->CallDone(Error());
    return;
  }
  // Go: "dial tcp 127.0.0.1:1: connect: connection refused".
  d->FailAttempt(Error::FromUv(status, "dial tcp " + d->Addr() + ": connect"));
}

void Dialer::FailAttempt(Error err) {
  last_err_ = std::move(err);
  SetState(State::kClosingSocket);
  uv_close(reinterpret_cast<uv_handle_t*>(tcp_), OnSocketClosed);
}

void Dialer::OnSocketClosed(uv_handle_t* h) {
  Dialer* d = OwnerOf<Dialer>(h);
  if (d->cancel_err_) {
    d->CallDone(d->cancel_err_);
    return;
  }
  ++d->next_;
  d->ConnectNext();
}

void Dialer::Cancel(Error err) {
  if (cancel_err_) return;
  switch (state_) {
    case State::kResolving:
      cancel_err_ = std::move(err);
      // When the lookup is already running on the thread pool this fails,
      // and OnResolved reports the cancel when it comes back.
      uv_cancel(reinterpret_cast<uv_req_t*>(&gai_req_));
      return;
    case State::kConnecting:
      cancel_err_ = std::move(err);
      // Closing the socket cancels the connect (OnConnect gets
      // UV_ECANCELED first, then OnSocketClosed finishes).
      SetState(State::kClosingSocket);
      uv_close(reinterpret_cast<uv_handle_t*>(tcp_), OnSocketClosed);
      return;
    case State::kClosingSocket:
      cancel_err_ = std::move(err);
      return;
    case State::kIdle:
    case State::kDone:
      return;
  }
}

void Dialer::CallDone(Error err) {
  SetState(State::kDone);
  auto d = std::move(done_);
  if (d) d(std::move(err));
}

}  // namespace nethttp
