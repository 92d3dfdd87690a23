// TlsContext is a TLSConfig made ready for OpenSSL: the SSL_CTX a server's or
// a transport's connections are made from, with what Go's tls.Config does
// on top of it (certificate choice by SNI, ticket keys that rotate, a
// client's per-host session cache). One per Server or Transport, built when
// it starts; sessions (tls_session.h) are cut from it.
#ifndef NETHTTP_INTERNAL_TLS_CONTEXT_H_
#define NETHTTP_INTERNAL_TLS_CONTEXT_H_

#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nethttp/error.h"
#include "nethttp/tls.h"

struct ssl_st;
struct ssl_ctx_st;
struct ssl_session_st;
struct asn1_string_st;
struct x509_st;

namespace nethttp {

class TlsContext {
 public:
  enum class Role { kServer, kClient };

  // NewServer needs at least one certificate; NewClient loads the trusted
  // roots (the system's, then root_ca_files). Either fails with a message
  // naming the file or setting at fault.
  static Result<std::shared_ptr<TlsContext>> NewServer(const TLSConfig& config);
  static Result<std::shared_ptr<TlsContext>> NewClient(const TLSConfig& config);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  Role role() const { return role_; }
  const TLSConfig& config() const { return config_; }
  // NewSsl makes the SSL object of one connection.
  ssl_st* NewSsl() const;

  // A client's session cache (Go: ClientSessionCache, an LRU of 64
  // entries per Transport). Keyed by "host:port", so a resumed session is
  // only offered to the server that issued it.
  void PutSession(const std::string& key, ssl_session_st* session);  // takes it
  ssl_session_st* GetSession(const std::string& key);  // a new reference, or null

  // The ticket-key callback's side (server).
  struct TicketKey;
  // TicketKeyForSealing copies out the key new tickets are sealed with,
  // rotating it when it is a day old; false if no key could be made.
  // TicketKeyNamed copies out the key named to open a ticket: false when
  // it is unknown or has expired; *current says whether it is the sealing
  // key (otherwise the client gets a fresh ticket). Copies, because the
  // keys rotate under a mutex another loop may hold.
  bool TicketKeyForSealing(TicketKey* key);
  bool TicketKeyNamed(const unsigned char name[16], TicketKey* key, bool* current);

  // ChooseCertificate is the SNI callback's answer: the index of the
  // certificate for server_name (Go: Config.getCertificate), 0 by default.
  size_t ChooseCertificate(std::string_view server_name) const;
  ssl_ctx_st* CertificateContext(size_t index) const { return ctxs_[index]; }

 private:
  // Out of line: TicketKey is incomplete here, and clang (unlike gcc)
  // wants it complete for the vector member an inline constructor builds.
  TlsContext(Role role, const TLSConfig& config);
  Error Configure(ssl_ctx_st* ctx) const;
  void RotateTicketKeys();

  Role role_;
  TLSConfig config_;
  // ctxs_[0] makes every SSL; a server has one more per further
  // certificate, to which the SNI callback switches a connection.
  std::vector<ssl_ctx_st*> ctxs_;

  // Server ticket keys, newest first. A key seals tickets for a day and
  // opens them for a week (Go: ticketKeyRotation, ticketKeyLifetime), so a
  // stolen key exposes a week of sessions at most. Under a mutex: a Server
  // with several loops shares its context.
  std::mutex ticket_mu_;
  std::vector<TicketKey> ticket_keys_;

  // The client's session cache: most recent first.
  std::mutex session_mu_;
  std::list<std::pair<std::string, ssl_session_st*>> sessions_;
  std::unordered_map<std::string, std::list<std::pair<std::string, ssl_session_st*>>::iterator>
      session_index_;
};

struct TlsContext::TicketKey {
  unsigned char name[16];
  unsigned char aes_key[32];
  unsigned char hmac_key[32];
  std::chrono::system_clock::time_point created;
};

// Names of the leaf certificate in PEM text: its DNS and IP SANs, or its
// subject's common name when it has no SAN (a certificate's names for SNI).
std::vector<std::string> CertificateNames(std::string_view chain_pem);
// IpText formats an IP SAN (4 or 16 bytes) as Go's net.IP.String does;
// empty for any other length.
std::string IpText(const asn1_string_st* ip);

}  // namespace nethttp

#endif  // NETHTTP_INTERNAL_TLS_CONTEXT_H_
