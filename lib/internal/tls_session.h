// TlsSession is one connection's TLS with no socket in it (Go: tls.Conn
// minus the net.Conn): ciphertext the socket read goes in and plaintext
// comes out, plaintext to send goes in and ciphertext comes out. OpenSSL
// runs over a BIO that reads the bytes handed to Receive and appends what it
// writes to the caller's string, so the I/O layer (conn.cc,
// persist_conn.cc) still moves every byte and nothing is copied twice.
#ifndef NETHTTP_INTERNAL_TLS_SESSION_H_
#define NETHTTP_INTERNAL_TLS_SESSION_H_

#include <memory>
#include <string>
#include <string_view>

#include "internal/tls_context.h"
#include "nethttp/error.h"
#include "nethttp/tls.h"

namespace nethttp {

class TlsSession {
 public:
  enum class State {
    kHandshaking,  // waits for the peer's handshake messages
    kOpen,         // handshake done; application data flows both ways
    kPeerClosed,   // the peer sent close_notify; nothing more will come
    kFailed,       // an error (error()) ended the session; an alert may be queued
  };

  // A server session. ctx must outlive the session.
  explicit TlsSession(std::shared_ptr<TlsContext> ctx);
  // A client session for host (SNI and the name verified, unless the
  // config's server_name overrides it); cache_key names the server in the
  // context's session cache ("host:port").
  TlsSession(std::shared_ptr<TlsContext> ctx, std::string_view host, std::string cache_key);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Start begins a client's handshake: the ClientHello is appended to out.
  void Start(std::string* out);

  // Receive takes ciphertext from the peer: the plaintext it holds is
  // appended to plain, and whatever the session must answer (handshake
  // messages, tickets, alerts) to out. Returns the state after it; on
  // kFailed, error() says why and out may hold an alert to send before
  // closing.
  State Receive(std::string_view cipher, std::string* plain, std::string* out);
  // Send encrypts plain into records appended to out. Only in kOpen or
  // kPeerClosed (a half-closed peer still reads); false (and kFailed) if
  // OpenSSL refuses.
  bool Send(std::string_view plain, std::string* out);
  // Close appends close_notify to out, which a clean close sends before
  // its FIN (RFC 8446 §6.1), so the peer can tell our end from a cut.
  void Close(std::string* out);
  // ReceiveEof: the peer's TCP stream ended. Like Go, an end at a record
  // boundary is an end, close_notify or not (the HTTP framing above tells
  // whether a message was cut); an end inside a record is an error.
  Error ReceiveEof();

  State state() const { return state_; }
  const Error& error() const { return error_; }
  // looks_like_http: the session failed because its first bytes were
  // plaintext HTTP: a request to a server (Go: tlsRecordHeaderLooksLikeHTTP),
  // which answers it in plaintext, or a response to a client (Go: "HTTP/"
  // in client.go's send), which says so rather than "first record ...".
  bool looks_like_http() const { return looks_like_http_; }
  // ConnectionStateNow fills Go's ConnectionState; meaningful once kOpen.
  ConnectionState ConnectionStateNow() const;
  // cache_key is a client's session-cache key; empty on a server.
  std::string_view cache_key() const { return client_ ? std::string_view(client_->cache_key) : std::string_view(); }
  // NoteVerifyFailure is the verify callback's report (tls_context.cc):
  // OpenSSL's result, the peer's leaf, and the certificate that failed.
  // The first one is kept, in Go's words, for error().
  void NoteVerifyFailure(long result, x509_st* leaf, x509_st* failed);

 private:
  struct Bio;
  void Init();
  // Advance drives the handshake, then reads records, until OpenSSL needs
  // more input.
  State Advance(std::string* plain);
  // CheckFirstRecord applies Go's test to a connection's first five bytes:
  // a TLS peer starts with a handshake or alert record of a version below
  // 0x1000. False (and kFailed) when they say otherwise.
  bool CheckFirstRecord(std::string_view cipher);
  void Fail(Error err);
  Error ErrorFor(int ssl_error);

  std::shared_ptr<TlsContext> ctx_;
  ssl_st* ssl_ = nullptr;
  State state_ = State::kHandshaking;
  Error error_;
  // ClientSide is what only a client's session keeps: null on a server's,
  // which has one session per connection (tools/bench tls-idle counts the
  // bytes of each).
  struct ClientSide {
    std::string host;       // the name verified
    std::string cache_key;  // the session-cache key
  };
  std::unique_ptr<ClientSide> client_;
  // The first record's header, gathered until five bytes came.
  unsigned char first_[5] = {};
  size_t first_len_ = 0;
  bool looks_like_http_ = false;
  bool close_sent_ = false;
  std::string verify_error_;  // Go's x509 text for a rejected certificate
  // What the BIO reads from and writes to during one call.
  std::string_view in_;
  std::string* out_ = nullptr;
};

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_TLS_SESSION_H_
