// ClientFixture: a private loop with a nethttp::Server (handlers on a
// ServeMux, 127.0.0.1:0) as the well-behaved peer, a Transport and a Client
// on the same loop, and helpers that run the loop until a round trip or a
// body completes (with a deadline, so a hang fails). Used by
// transport_test, persist_conn_test and client_test (Go: httptest.Server).
#ifndef NETHTTP_TESTS_TESTUTIL_CLIENT_FIXTURE_H_
#define NETHTTP_TESTS_TESTUTIL_CLIENT_FIXTURE_H_

#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "nethttp/client.h"
#include "nethttp/handler.h"
#include "nethttp/serve_mux.h"
#include "nethttp/server.h"
#include "nethttp/tls.h"
#include "nethttp/transport.h"
#include "testutil/loop_fixture.h"

namespace nethttp::testutil {

struct ClientFixture {
  ClientFixture() {
    srv.addr = "127.0.0.1:0";
    srv.handler = mux_owner;
    srv.loop = &fx.loop();
    srv.conn_state = [this](std::string_view, ConnState s) {
      if (s == ConnState::kNew) ++server_conns;
    };
    client.transport = transport_owner;
    client.loop = &fx.loop();
  }
  ~ClientFixture() { srv.Close(); }

  // Start listens; URL(path) is then the server's address.
  void Start() {
    REQUIRE_FALSE(srv.Listen());
    base = "http://" + srv.ListenAddr();
  }
  // StartTLS listens for https with the test server certificate (valid
  // for localhost, 127.0.0.1 and ::1) and makes the transport trust the
  // test CA alone.
  void StartTLS() {
    REQUIRE_FALSE(srv.ListenTLS(CertFile("server.pem"), CertFile("server.key")));
    base = "https://" + srv.ListenAddr();
    transport.tls_client_config = TrustingConfig();
  }
  static std::string CertFile(std::string_view name) {
    return std::string(NETHTTP_TEST_CERTS) + "/" + std::string(name);
  }
  static std::shared_ptr<TLSConfig> TrustingConfig() {
    auto config = std::make_shared<TLSConfig>();
    config->use_system_roots = false;
    config->root_ca_files = {CertFile("ca.pem")};
    return config;
  }
  std::string URL(std::string_view path) const { return base + std::string(path); }

  Result<Response> Send(RoundTripper& rt, Request req) {
    std::optional<Result<Response>> out;
    rt.RoundTrip(std::move(req), [&out](Result<Response>&& r) { out.emplace(std::move(r)); });
    REQUIRE(fx.RunUntil([&] { return out.has_value(); }));
    return std::move(*out);
  }
  Result<Response> Do(Request req) {
    std::optional<Result<Response>> out;
    client.Do(std::move(req), [&out](Result<Response>&& r) { out.emplace(std::move(r)); });
    REQUIRE(fx.RunUntil([&] { return out.has_value(); }));
    return std::move(*out);
  }
  Result<Response> Get(std::string_view url) {
    Result<Request> req = NewRequest("GET", url);
    REQUIRE(req.ok());
    return Do(std::move(req).value());
  }
  Result<std::string> ReadAll(Response& resp) {
    std::optional<Result<std::string>> out;
    resp.body->ReadAll([&out](Result<std::string>&& r) { out.emplace(std::move(r)); });
    REQUIRE(fx.RunUntil([&] { return out.has_value(); }));
    return std::move(*out);
  }
  // Spin runs the loop for about ms (lets closes and EOFs be seen).
  void Spin(uint64_t ms) {
    uv_timer_t t;
    bool fired = false;
    uv_timer_init(fx.uv(), &t);
    t.data = &fired;
    uv_timer_start(&t, [](uv_timer_t* h) { *static_cast<bool*>(h->data) = true; }, ms, 0);
    fx.RunUntil([&] { return fired; });
    bool closed = false;
    t.data = &closed;
    uv_close(reinterpret_cast<uv_handle_t*>(&t), [](uv_handle_t* h) { *static_cast<bool*>(h->data) = true; });
    while (!closed) uv_run(fx.uv(), UV_RUN_ONCE);
  }

  LoopFixture fx;
  // The server and the client hold these by shared_ptr (handler.h's
  // ownership rule); the references keep the tests' mux.X and transport.X.
  std::shared_ptr<ServeMux> mux_owner = std::make_shared<ServeMux>();
  ServeMux& mux = *mux_owner;
  Server srv;
  std::shared_ptr<Transport> transport_owner = std::make_shared<Transport>(&fx.loop());
  Transport& transport = *transport_owner;
  Client client;
  std::string base;
  int server_conns = 0;
};

}  // namespace nethttp::testutil

#endif  // NETHTTP_TESTS_TESTUTIL_CLIENT_FIXTURE_H_
