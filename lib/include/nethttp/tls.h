// TLS settings for servers and clients, Go's crypto/tls.Config cut down to
// what an HTTP/1.1 server or client needs. OpenSSL 3 does the cryptography;
// nothing of OpenSSL shows in this header, so a program that includes it
// needs no OpenSSL headers of its own.
#ifndef NETHTTP_TLS_H_
#define NETHTTP_TLS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nethttp/error.h"

namespace nethttp {

// Protocol versions, with Go's values (tls.VersionTLS12, tls.VersionTLS13).
// Older versions are never offered nor accepted.
inline constexpr uint16_t VersionTLS12 = 0x0303;
inline constexpr uint16_t VersionTLS13 = 0x0304;

// VersionName is Go's tls.VersionName: "TLS 1.2", "TLS 1.3", or "0x0301".
std::string VersionName(uint16_t version);

// CipherSuiteName is Go's tls.CipherSuiteName: the IANA name of a suite
// ("TLS_AES_128_GCM_SHA256"), or its number as "0x1301" for one Go does not
// know.
std::string CipherSuiteName(uint16_t id);

// Certificate is a certificate chain (leaf first) and its private key, both
// PEM, checked to belong together (Go: tls.Certificate). Build one with
// LoadX509KeyPair or X509KeyPair.
struct Certificate {
  std::string chain_pem;
  std::string key_pem;
  // names are the leaf's DNS and IP subject alternative names, which a
  // server with several certificates matches the client's SNI against
  // (the subject's common name when there are none, as Go does).
  std::vector<std::string> names;
};

// LoadX509KeyPair reads a PEM certificate chain and a PEM private key (RSA
// or ECDSA) from files; it fails if either cannot be read or parsed, or if
// the key is not the leaf's (Go: tls.LoadX509KeyPair).
Result<Certificate> LoadX509KeyPair(const std::string& cert_file, const std::string& key_file);
// X509KeyPair is LoadX509KeyPair on PEM text in memory.
Result<Certificate> X509KeyPair(std::string_view cert_pem, std::string_view key_pem);

// ClientAuthType is Go's tls.ClientAuthType: what a server asks of the
// client's certificate.
enum class ClientAuthType {
  kNoClientCert,                // ask for none (the default)
  kRequestClientCert,           // ask, accept none, do not verify one
  kRequireAnyClientCert,        // require one, do not verify it
  kVerifyClientCertIfGiven,     // accept none; verify one against client_ca_files
  kRequireAndVerifyClientCert,  // require one and verify it against client_ca_files
};

// TLSConfig is what Server::tls_config and Transport::tls_client_config
// hold (Go: tls.Config). A config is read when the server starts listening
// or when the transport first dials https; later changes are not seen.
struct TLSConfig {
  // certificates: a server's certificates, chosen by the client's SNI (the
  // first when none matches or the client sends no name); a client's
  // certificate, offered when the server asks for one.
  std::vector<Certificate> certificates;
  // root_ca_files: PEM files of CAs a client trusts in addition to the
  // system's (Debian: /etc/ssl/certs). (Go's RootCAs replaces the system
  // pool; adding to it is what curl --cacert users expect, and what
  // post-json --cacert means.)
  std::vector<std::string> root_ca_files;
  // use_system_roots: a client also trusts the system's CAs.
  bool use_system_roots = true;
  // server_name: the name a client sends as SNI and verifies the server's
  // certificate for; empty means the URL's host.
  std::string server_name;
  // insecure_skip_verify: a client accepts any certificate for any name.
  // For tests only: it makes TLS worthless against an active attacker.
  bool insecure_skip_verify = false;
  // client_auth and client_ca_files: whether a server asks for client
  // certificates, and which CAs (PEM files) it verifies them against.
  ClientAuthType client_auth = ClientAuthType::kNoClientCert;
  std::vector<std::string> client_ca_files;
  // min_version and max_version bound the versions negotiated; zero means
  // TLS 1.2 and TLS 1.3.
  uint16_t min_version = 0;
  uint16_t max_version = 0;
  // session_tickets_disabled turns off resumption by session tickets (Go:
  // SessionTicketsDisabled).
  bool session_tickets_disabled = false;
};

// ConnectionState describes a connection's TLS once its handshake is done
// (Go: tls.ConnectionState); a server's Request carries it as Request::tls.
struct ConnectionState {
  uint16_t version = 0;
  // cipher_suite is the IANA number, as Go's constants; CipherSuiteName
  // names it. (A number, not a string: a server keeps one of these per
  // connection, and the name would be 64 more bytes of each.)
  uint16_t cipher_suite = 0;
  std::string server_name;             // the SNI the client sent
  std::string negotiated_protocol;     // the ALPN result, empty without one
  bool did_resume = false;
  // peer_certificates: the peer's chain as DER, leaf first (a server sees
  // the client's only when it asked for it).
  std::vector<std::string> peer_certificates;
};

}  // namespace nethttp

#endif  // NETHTTP_TLS_H_
