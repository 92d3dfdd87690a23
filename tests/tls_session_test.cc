// Tests for lib/tls_session.cc and lib/tls_context.cc on byte strings: a
// client session and a server session talk through strings, with no socket,
// using the certificates tests/tls/make_certs.sh made for this build.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "internal/tls_context.h"
#include "internal/tls_session.h"
#include "nethttp/tls.h"

using nethttp::Certificate;
using nethttp::ClientAuthType;
using nethttp::ErrorCode;
using nethttp::TLSConfig;
using nethttp::TlsContext;
using nethttp::TlsSession;
using State = nethttp::TlsSession::State;

namespace {

std::string Cert(std::string_view name) { return std::string(NETHTTP_TEST_CERTS) + "/" + std::string(name); }

Certificate Pair(std::string_view name) {
  auto c = nethttp::LoadX509KeyPair(Cert(std::string(name) + ".pem"), Cert(std::string(name) + ".key"));
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  return *c;
}

std::shared_ptr<TlsContext> ServerContext(TLSConfig cfg = {}) {
  if (cfg.certificates.empty()) cfg.certificates.push_back(Pair("server"));
  auto ctx = TlsContext::NewServer(cfg);
  REQUIRE_MESSAGE(ctx.ok(), ctx.error().message());
  return *ctx;
}

std::shared_ptr<TlsContext> ClientContext(TLSConfig cfg = {}) {
  cfg.use_system_roots = false;
  if (cfg.root_ca_files.empty()) cfg.root_ca_files.push_back(Cert("ca.pem"));
  auto ctx = TlsContext::NewClient(cfg);
  REQUIRE_MESSAGE(ctx.ok(), ctx.error().message());
  return *ctx;
}

// Pipe runs a client and a server session against each other, carrying
// each one's output to the other in pieces of at most step bytes (every
// split of a record must work), until neither has anything to say.
struct Pipe {
  Pipe(TlsSession& c, TlsSession& s, size_t piece = SIZE_MAX) : client(c), server(s), step(piece) {}
  TlsSession& client;
  TlsSession& server;
  size_t step;
  std::string client_plain, server_plain;  // what each side decrypted
  std::string to_server, to_client;        // ciphertext in flight

  void Run() {
    for (int rounds = 0; rounds < 10000 && (!to_server.empty() || !to_client.empty()); ++rounds) {
      Carry(to_server, server, server_plain, to_client);
      Carry(to_client, client, client_plain, to_server);
    }
    REQUIRE(to_server.empty());
    REQUIRE(to_client.empty());
  }
  void Carry(std::string& wire, TlsSession& to, std::string& plain, std::string& reply) {
    std::string bytes;
    bytes.swap(wire);
    for (size_t i = 0; i < bytes.size(); i += step) {
      to.Receive(std::string_view(bytes).substr(i, step), &plain, &reply);
    }
  }
  void Handshake() {
    client.Start(&to_server);
    Run();
  }
};

}  // namespace

TEST_SUITE("tls_session") {
  TEST_CASE("a handshake, then data both ways, at every piece size") {
    auto sctx = ServerContext();
    auto cctx = ClientContext();
    for (size_t step : {size_t{1}, size_t{7}, size_t{100}, SIZE_MAX}) {
      CAPTURE(step);
      TlsSession server(sctx);
      TlsSession client(cctx, "localhost", "");
      Pipe p(client, server, step);
      p.Handshake();
      REQUIRE(client.state() == State::kOpen);
      REQUIRE(server.state() == State::kOpen);
      REQUIRE(client.Send("GET / HTTP/1.1\r\n\r\n", &p.to_server));
      p.Run();
      CHECK(p.server_plain == "GET / HTTP/1.1\r\n\r\n");
      std::string big(100000, 'x');
      REQUIRE(server.Send(big, &p.to_client));
      p.Run();
      CHECK(p.client_plain == big);
    }
  }

  TEST_CASE("ConnectionState: TLS 1.3 by default, Go's names, SNI and ALPN") {
    TlsSession server(ServerContext());
    TlsSession client(ClientContext(), "localhost", "");
    Pipe p(client, server);
    p.Handshake();
    nethttp::ConnectionState s = server.ConnectionStateNow();
    CHECK(s.version == nethttp::VersionTLS13);
    CHECK(nethttp::VersionName(s.version) == "TLS 1.3");
    CHECK(s.cipher_suite == 0x1301);
    CHECK(nethttp::CipherSuiteName(s.cipher_suite) == "TLS_AES_128_GCM_SHA256");
    CHECK(s.server_name == "localhost");
    CHECK(s.negotiated_protocol == "http/1.1");
    CHECK_FALSE(s.did_resume);
    CHECK(s.peer_certificates.empty());  // no client certificate asked for
    nethttp::ConnectionState c = client.ConnectionStateNow();
    CHECK(c.peer_certificates.size() == 1);
    CHECK(c.negotiated_protocol == "http/1.1");
  }

  TEST_CASE("TLS 1.2 when the client goes no higher, with Go's first suite for ECDSA") {
    TLSConfig ccfg;
    ccfg.max_version = nethttp::VersionTLS12;
    TlsSession server(ServerContext());
    TlsSession client(ClientContext(ccfg), "localhost", "");
    Pipe p(client, server);
    p.Handshake();
    REQUIRE(server.state() == State::kOpen);
    nethttp::ConnectionState s = server.ConnectionStateNow();
    CHECK(nethttp::VersionName(s.version) == "TLS 1.2");
    CHECK(nethttp::CipherSuiteName(s.cipher_suite) == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    CHECK(nethttp::CipherSuiteName(0x1234) == "0x1234");
    CHECK(s.cipher_suite == 0xC02B);
  }

  TEST_CASE("a server refuses versions below TLS 1.2 and its context refuses them too") {
    TLSConfig bad;
    bad.min_version = 0x0301;
    bad.certificates.push_back(Pair("server"));
    auto ctx = TlsContext::NewServer(bad);
    REQUIRE_FALSE(ctx.ok());
    CHECK(ctx.error().message() == "tls: versions must lie within TLS 1.2 and TLS 1.3");
  }

  TEST_CASE("verification failures read as Go's x509 errors") {
    struct Row {
      std::string server_cert;
      std::string host;
      bool trust_ca;
      std::string want;
    };
    const Row rows[] = {
        {"server", "localhost", false, "x509: certificate signed by unknown authority"},
        {"other", "localhost", true, "x509: certificate is valid for other.test, not localhost"},
        {"server", "example.com", true, "x509: certificate is valid for localhost, not example.com"},
        {"server", "10.0.0.1", true, "x509: certificate is valid for 127.0.0.1, ::1, not 10.0.0.1"},
        {"other", "127.0.0.1", true,
         "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs"},
        {"expired", "localhost", true, "x509: certificate has expired or is not yet valid: current time "},
    };
    for (const Row& row : rows) {
      CAPTURE(row.server_cert);
      CAPTURE(row.host);
      TLSConfig scfg;
      scfg.certificates.push_back(Pair(row.server_cert));
      TLSConfig ccfg;
      if (!row.trust_ca) ccfg.root_ca_files.push_back(Cert("other.pem"));  // trusts nothing useful
      TlsSession server(ServerContext(scfg));
      TlsSession client(ClientContext(ccfg), row.host, "");
      Pipe p(client, server);
      p.Handshake();
      REQUIRE(client.state() == State::kFailed);
      CAPTURE(client.error().message());
      CHECK(client.error().code() == ErrorCode::kCertificate);
      CHECK(client.error().message().rfind(row.want, 0) == 0);
      // The client said why with an alert, which the server reports as Go would.
      CHECK(server.state() == State::kFailed);
      CHECK(server.error().message().rfind("remote error: tls: ", 0) == 0);
    }
  }

  TEST_CASE("insecure_skip_verify accepts any certificate for any name") {
    TLSConfig scfg;
    scfg.certificates.push_back(Pair("expired"));
    TLSConfig ccfg;
    ccfg.insecure_skip_verify = true;
    ccfg.root_ca_files.push_back(Cert("other.pem"));
    TlsSession server(ServerContext(scfg));
    TlsSession client(ClientContext(ccfg), "wrong.example", "");
    Pipe p(client, server);
    p.Handshake();
    CHECK(client.state() == State::kOpen);
  }

  TEST_CASE("SNI chooses the certificate whose name matches; others get the first") {
    TLSConfig scfg;
    scfg.certificates.push_back(Pair("server"));
    scfg.certificates.push_back(Pair("other"));
    auto sctx = ServerContext(scfg);
    for (const char* host : {"other.test", "OTHER.test", "localhost", "unknown.example"}) {
      CAPTURE(host);
      TLSConfig ccfg;
      ccfg.insecure_skip_verify = true;  // the leaf's names are checked below
      TlsSession server(sctx);
      TlsSession client(ClientContext(ccfg), host, "");
      Pipe p(client, server);
      p.Handshake();
      REQUIRE(client.state() == State::kOpen);
      auto leaf = client.ConnectionStateNow().peer_certificates;
      REQUIRE(!leaf.empty());
      bool want_other = std::string_view(host) == "other.test" || std::string_view(host) == "OTHER.test";
      CHECK((leaf.front().find("other.test") != std::string::npos) == want_other);
    }
  }

  TEST_CASE("a second connection to the same server resumes its session (1.3 and 1.2)") {
    for (uint16_t max : {nethttp::VersionTLS13, nethttp::VersionTLS12}) {
      CAPTURE(max);
      auto sctx = ServerContext();
      TLSConfig ccfg;
      ccfg.max_version = max;
      auto cctx = ClientContext(ccfg);
      for (int i = 0; i < 3; ++i) {
        CAPTURE(i);
        TlsSession server(sctx);
        TlsSession client(cctx, "localhost", "localhost:443");
        Pipe p(client, server);
        p.Handshake();
        // TLS 1.3 tickets come after the handshake, with the first data.
        REQUIRE(server.Send("x", &p.to_client));
        p.Run();
        REQUIRE(client.state() == State::kOpen);
        CHECK(server.ConnectionStateNow().did_resume == (i > 0));
        CHECK(client.ConnectionStateNow().did_resume == (i > 0));
      }
      // Another server name has no session to offer.
      TlsSession server(sctx);
      TlsSession client(cctx, "localhost", "localhost:8443");
      Pipe p(client, server);
      p.Handshake();
      CHECK_FALSE(server.ConnectionStateNow().did_resume);
    }
  }

  TEST_CASE("session_tickets_disabled: no resumption") {
    TLSConfig scfg;
    scfg.session_tickets_disabled = true;
    auto sctx = ServerContext(scfg);
    auto cctx = ClientContext();
    for (int i = 0; i < 2; ++i) {
      TlsSession server(sctx);
      TlsSession client(cctx, "localhost", "localhost:443");
      Pipe p(client, server);
      p.Handshake();
      REQUIRE(server.Send("x", &p.to_client));
      p.Run();
      CHECK_FALSE(server.ConnectionStateNow().did_resume);
    }
  }

  TEST_CASE("client certificates: required and verified, or the handshake fails") {
    TLSConfig scfg;
    scfg.client_auth = ClientAuthType::kRequireAndVerifyClientCert;
    scfg.client_ca_files.push_back(Cert("ca.pem"));
    auto sctx = ServerContext(scfg);
    {
      TLSConfig ccfg;
      ccfg.certificates.push_back(Pair("client"));
      TlsSession server(sctx);
      TlsSession client(ClientContext(ccfg), "localhost", "");
      Pipe p(client, server);
      p.Handshake();
      REQUIRE(client.Send("hi", &p.to_server));
      p.Run();
      REQUIRE(server.state() == State::kOpen);
      CHECK(server.ConnectionStateNow().peer_certificates.size() == 1);
    }
    {
      TlsSession server(sctx);
      TlsSession client(ClientContext(), "localhost", "");
      Pipe p(client, server);
      p.Handshake();
      CHECK(server.state() == State::kFailed);
      CHECK(server.error().message() == "tls: client didn't provide a certificate");
    }
  }

  TEST_CASE("a plaintext HTTP request is recognised, as Go does, and other garbage refused") {
    struct Row {
      std::string bytes;
      bool http;
    };
    const Row rows[] = {
        {"GET / HTTP/1.1\r\n", true},   {"HEAD / HTTP/1.1\r\n", true}, {"POST /x HTTP/1.1\r\n", true},
        {"PUT /x HTTP/1.1\r\n", true},  {"OPTIONS * HTTP/1.1\r\n", true},
        {"DELETE / HTTP/1.1\r\n", false},  // not on Go's list: plain garbage
        {std::string("\x80\x2e\x01\x03\x01", 5), false},  // an SSLv2 ClientHello
        {std::string("\x17\x03\x03\x00\x10", 5), false},  // application data first
        {std::string("\x16\x10\x00\x00\x10", 5), false},  // a version of 0x1000
    };
    auto sctx = ServerContext();
    for (const Row& row : rows) {
      CAPTURE(row.bytes);
      for (size_t step : {size_t{1}, SIZE_MAX}) {
        TlsSession server(sctx);
        std::string plain, out;
        for (size_t i = 0; i < row.bytes.size(); i += step) {
          server.Receive(std::string_view(row.bytes).substr(i, step), &plain, &out);
        }
        CHECK(server.state() == State::kFailed);
        CHECK(server.looks_like_http() == row.http);
        CHECK(server.error().message() == "tls: first record does not look like a TLS handshake");
        CHECK(plain.empty());
      }
    }
  }

  TEST_CASE("oversized records and handshake messages are refused at their header") {
    auto sctx = ServerContext();
    // A record header claiming 65535 bytes (beyond 2^14 + 256), and a
    // ClientHello claiming 16 MiB in a well-formed record.
    const std::string rows[] = {
        std::string("\x16\x03\x01\xff\xff", 5),
        std::string("\x16\x03\x01\x00\x04\x01\xff\xff\xff", 9),
    };
    for (const std::string& bytes : rows) {
      TlsSession server(sctx);
      std::string plain, out;
      server.Receive(bytes, &plain, &out);
      CHECK(server.state() == State::kFailed);
      CHECK(server.error().code() == ErrorCode::kTls);
      CHECK_FALSE(out.empty());  // an alert says why
    }
  }

  TEST_CASE("close_notify ends the stream; an EOF inside a record is an error, at a boundary not") {
    auto sctx = ServerContext();
    auto cctx = ClientContext();
    {
      TlsSession server(sctx);
      TlsSession client(cctx, "localhost", "");
      Pipe p(client, server);
      p.Handshake();
      REQUIRE(server.Send("bye", &p.to_client));
      server.Close(&p.to_client);
      p.Run();
      CHECK(p.client_plain == "bye");
      CHECK(client.state() == State::kPeerClosed);
      CHECK(client.ReceiveEof().ok());
    }
    {
      TlsSession server(sctx);
      TlsSession client(cctx, "localhost", "");
      Pipe p(client, server);
      p.Handshake();
      REQUIRE(server.Send("a whole record", &p.to_client));
      p.Run();
      CHECK(client.ReceiveEof().ok());  // truncated without close_notify: an end, as in Go
    }
    {
      TlsSession server(sctx);
      TlsSession client(cctx, "localhost", "");
      Pipe p(client, server);
      p.Handshake();
      std::string record;
      REQUIRE(server.Send("cut short", &record));
      std::string plain, out;
      client.Receive(std::string_view(record).substr(0, record.size() - 3), &plain, &out);
      CHECK(plain.empty());
      nethttp::Error err = client.ReceiveEof();
      CHECK(err.code() == ErrorCode::kUnexpectedEof);
      CHECK(err.message() == "unexpected EOF");
    }
    {
      TlsSession client(cctx, "localhost", "");
      std::string hello;
      client.Start(&hello);
      CHECK_FALSE(hello.empty());
      CHECK(client.ReceiveEof().message() == "EOF");  // closed mid-handshake
    }
  }

  TEST_CASE("LoadX509KeyPair refuses a missing file, non-PEM input and a mismatched key") {
    auto missing = nethttp::LoadX509KeyPair(Cert("nope.pem"), Cert("server.key"));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message().find("nope.pem") != std::string::npos);
    auto swapped = nethttp::LoadX509KeyPair(Cert("server.key"), Cert("server.pem"));
    REQUIRE_FALSE(swapped.ok());
    CHECK(swapped.error().message().rfind("tls: failed to find any PEM data in certificate input", 0) == 0);
    auto mismatched = nethttp::LoadX509KeyPair(Cert("server.pem"), Cert("other.key"));
    REQUIRE_FALSE(mismatched.ok());
    CHECK(mismatched.error().message().rfind("tls: private key does not match public key", 0) == 0);
    auto ok = nethttp::LoadX509KeyPair(Cert("other.pem"), Cert("other.key"));
    REQUIRE(ok.ok());
    CHECK(ok->names == std::vector<std::string>{"other.test"});
    CHECK(Pair("server").names == std::vector<std::string>{"localhost", "127.0.0.1", "::1"});
  }
}
