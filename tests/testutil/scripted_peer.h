// ScriptedPeer is a misbehaving HTTP server for client tests: a uv_tcp
// listener on 127.0.0.1:0 on the test's loop whose every connection runs a
// script the test gives (answer garbage, close early, never answer...).
// Go's transport_test.go does the same with raw net.Listen servers.
#ifndef NETHTTP_TESTS_TESTUTIL_SCRIPTED_PEER_H_
#define NETHTTP_TESTS_TESTUTIL_SCRIPTED_PEER_H_

#include <uv.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>

namespace nethttp::testutil {

class ScriptedPeer {
 public:
  struct Conn {
    uv_tcp_t tcp;
    ScriptedPeer* peer;
    std::string in;     // received and not yet consumed by TakeRequest
    int index = 0;      // 0 for the first accepted connection
    int requests = 0;   // whole requests taken on this conn
    bool closed = false;      // uv_close called
    bool close_done = false;  // its close callback ran
    bool orphan = false;      // the peer is gone: the close callback frees it
    Conn* next = nullptr;
  };
  // OnData runs after each read with the conn's unconsumed bytes in c.in.
  using OnData = std::function<void(ScriptedPeer&, Conn&)>;

  ScriptedPeer(uv_loop_t* loop, OnData on_data) : loop_(loop), on_data_(std::move(on_data)) {
    listener_ = new Listener;
    listener_->peer = this;
    uv_tcp_init(loop, &listener_->tcp);
    listener_->tcp.data = listener_;
    sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    uv_tcp_bind(&listener_->tcp, reinterpret_cast<sockaddr*>(&addr), 0);
    uv_listen(reinterpret_cast<uv_stream_t*>(&listener_->tcp), 64, OnConnection);
    sockaddr_storage ss;
    int len = sizeof ss;
    uv_tcp_getsockname(&listener_->tcp, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }

  ~ScriptedPeer() {
    listener_->peer = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_->tcp),
             [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
    for (Conn* c = conns_; c != nullptr;) {
      Conn* next = c->next;
      c->peer = nullptr;
      if (c->close_done) {
        delete c;
      } else {
        c->orphan = true;
        if (!c->closed) CloseNow(*c);
      }
      c = next;
    }
  }

  int port() const { return port_; }
  std::string URL(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  int accepted() const { return accepted_; }

  // Write sends bytes (loopback takes small writes whole at once).
  static void Write(Conn& c, std::string_view data) {
    if (c.closed) return;
    uv_buf_t buf = uv_buf_init(const_cast<char*>(data.data()), static_cast<unsigned>(data.size()));
    int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&c.tcp), &buf, 1);
    if (n != static_cast<int>(data.size())) std::abort();  // tests write little
  }
  static void Close(Conn& c) {
    if (!c.closed) CloseNow(c);
  }

  // TakeRequest removes one whole request (head plus Content-Length body)
  // from c.in and returns it, or "" while it is incomplete.
  static std::string TakeRequest(Conn& c) {
    size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return "";
    size_t len = end + 4;
    size_t cl = c.in.find("Content-Length: ");
    if (cl != std::string::npos && cl < end) len += std::strtoul(c.in.c_str() + cl + 16, nullptr, 10);
    if (c.in.size() < len) return "";
    std::string req = c.in.substr(0, len);
    c.in.erase(0, len);
    ++c.requests;
    return req;
  }

 private:
  struct Listener {
    uv_tcp_t tcp;
    ScriptedPeer* peer;
  };

  static void CloseNow(Conn& c) {
    c.closed = true;
    // Conns are freed with the peer, or here when the peer went first.
    uv_close(reinterpret_cast<uv_handle_t*>(&c.tcp), [](uv_handle_t* h) {
      auto* conn = static_cast<Conn*>(h->data);
      conn->close_done = true;
      if (conn->orphan) delete conn;
    });
  }

  static void OnConnection(uv_stream_t* s, int status) {
    auto* l = static_cast<Listener*>(s->data);
    if (status < 0 || l->peer == nullptr) return;
    ScriptedPeer* p = l->peer;
    auto* c = new Conn;
    c->peer = p;
    c->index = p->accepted_++;
    uv_tcp_init(p->loop_, &c->tcp);
    c->tcp.data = c;
    c->next = p->conns_;
    p->conns_ = c;
    uv_accept(s, reinterpret_cast<uv_stream_t*>(&c->tcp));
    uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp),
                  [](uv_handle_t*, size_t, uv_buf_t* buf) {
                    static char storage[65536];
                    *buf = uv_buf_init(storage, sizeof storage);
                  },
                  [](uv_stream_t* st, ssize_t n, const uv_buf_t* buf) {
                    auto* conn = static_cast<Conn*>(st->data);
                    if (n < 0) {
                      Close(*conn);
                      return;
                    }
                    conn->in.append(buf->base, static_cast<size_t>(n));
                    if (conn->peer != nullptr) conn->peer->on_data_(*conn->peer, *conn);
                  });
  }

  uv_loop_t* loop_;
  OnData on_data_;
  Listener* listener_;
  Conn* conns_ = nullptr;
  int port_ = 0;
  int accepted_ = 0;
};

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_SCRIPTED_PEER_H_
