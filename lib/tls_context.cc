// TlsContext: Go's tls.Config defaults applied to an OpenSSL SSL_CTX. TLS 1.2
// and 1.3 only, Go 1.19's default cipher suites and curves, no
// renegotiation, no compression, ALPN http/1.1, stateless session tickets
// under keys that rotate, and on the client a per-host session cache.
#include "internal/tls_context.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>

#include "internal/ascii.h"
#include "internal/tls_session.h"

namespace nethttp {
namespace {

// Go 1.19's default TLS 1.2 suites (cipherSuitesPreferenceOrder less the
// disabled ones) in its order, without 3DES, which OpenSSL 3 no longer
// offers at its default security level and nobody should negotiate.
constexpr const char* kCipherList12 =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:"
    "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA";
// Go's TLS 1.3 suites (defaultCipherSuitesTLS13) and curves (X25519 first).
constexpr const char* kCipherSuites13 =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384:P-521";

constexpr unsigned char kAlpnHttp11[] = "\x08http/1.1";

// Go: ticketKeyRotation and ticketKeyLifetime.
constexpr auto kTicketKeyRotation = std::chrono::hours(24);
constexpr auto kTicketKeyLifetime = std::chrono::hours(24 * 7);
// Go: NewLRUClientSessionCache's default capacity.
constexpr size_t kSessionCacheCapacity = 64;

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct PkeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };

std::string OpenSSLReason() {
  unsigned long e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown error";
}

TlsContext* ContextOf(SSL* ssl) {
  return static_cast<TlsContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
}

// UseCertificate installs a chain and its key in ctx.
Error UseCertificate(SSL_CTX* ctx, const Certificate& c) {
  std::unique_ptr<BIO, BioFree> bio(
      BIO_new_mem_buf(c.chain_pem.data(), static_cast<int>(c.chain_pem.size())));
  std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf || SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return Error(ErrorCode::kInvalidArgument, "tls: bad certificate: " + OpenSSLReason());
  }
  while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {  // takes extra
      X509_free(extra);
      return Error(ErrorCode::kInvalidArgument, "tls: bad certificate chain: " + OpenSSLReason());
    }
  }
  ERR_clear_error();  // (the loop's end is a "no start line" error)
  std::unique_ptr<BIO, BioFree> kbio(
      BIO_new_mem_buf(c.key_pem.data(), static_cast<int>(c.key_pem.size())));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr));
  if (!key || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return Error(ErrorCode::kInvalidArgument, "tls: bad private key: " + OpenSSLReason());
  }
  return {};
}

int OnServerName(SSL* ssl, int*, void* arg) {
  auto* tc = static_cast<TlsContext*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  size_t i = tc->ChooseCertificate(name != nullptr ? name : "");
  if (i != 0) SSL_set_SSL_CTX(ssl, tc->CertificateContext(i));
  return SSL_TLSEXT_ERR_OK;
}

// OnAlpnSelect picks http/1.1. A client that offers protocols, none of them
// http/1.1 (an h2-only client, say), is refused with no_application_protocol
// rather than served HTTP/1.1 it did not ask for (Go: negotiateALPN).
int OnAlpnSelect(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                 unsigned int inlen, void*) {
  for (unsigned int i = 0; i < inlen;) {
    unsigned int n = in[i];
    if (i + 1 + n > inlen) break;
    if (std::string_view(reinterpret_cast<const char*>(in + i + 1), n) == "http/1.1") {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(n);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + n;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

// OnTicketKey seals and opens session tickets with the context's rotating
// keys (AES-256-CBC and HMAC-SHA256, as OpenSSL's own tickets).
int OnTicketKey(SSL* ssl, unsigned char name[16], unsigned char* iv, EVP_CIPHER_CTX* cctx,
                EVP_MAC_CTX* hctx, int enc) {
  TlsContext* tc = ContextOf(ssl);
  TlsContext::TicketKey key;
  bool current = true;
  if (enc != 0) {
    if (!tc->TicketKeyForSealing(&key) || RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1) return -1;
    std::memcpy(name, key.name, sizeof key.name);
  } else if (!tc->TicketKeyNamed(name, &key, &current)) {
    return 0;  // unknown or expired: a full handshake
  }
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key.hmac_key, sizeof key.hmac_key),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_CTX_set_params(hctx, params) != 1 ||
      EVP_CipherInit_ex(cctx, EVP_aes_256_cbc(), nullptr, key.aes_key, iv, enc) != 1) {
    return -1;
  }
  // 2: valid, and the client gets a fresh ticket. Always in TLS 1.3, whose
  // clients use a ticket once (RFC 8446 §C.4; OpenSSL sends none on a
  // resumption unless asked), as Go sends one after every handshake; in
  // TLS 1.2 when the key is no longer the current one.
  bool renew = enc == 0 && (!current || SSL_version(ssl) == TLS1_3_VERSION);
  return renew ? 2 : 1;
}

// OnNewSession keeps a client's session for its next connection to the
// same server (the session's cache key).
int OnNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* s = static_cast<TlsSession*>(SSL_get_app_data(ssl));
  if (s == nullptr || s->cache_key().empty()) return 0;
  ContextOf(ssl)->PutSession(std::string(s->cache_key()), session);
  return 1;  // ours now
}

// OnVerify lets OpenSSL decide, and tells the session why it said no, so
// that the error can name the certificate as Go would.
int OnVerify(int ok, X509_STORE_CTX* store) {
  if (ok == 1) return 1;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (auto* s = ssl != nullptr ? static_cast<TlsSession*>(SSL_get_app_data(ssl)) : nullptr) {
    s->NoteVerifyFailure(X509_STORE_CTX_get_error(store), X509_STORE_CTX_get0_cert(store),
                         X509_STORE_CTX_get_current_cert(store));
  }
  return 0;
}

bool IsWildcardMatch(std::string_view pattern, std::string_view name) {
  // Go's getCertificate tries the name, then the name with its first label
  // replaced by "*".
  if (pattern.size() < 2 || pattern.substr(0, 2) != "*.") return false;
  size_t dot = name.find('.');
  return dot != std::string_view::npos && EqualFold(pattern.substr(1), name.substr(dot));
}

}  // namespace

TlsContext::TlsContext(Role role, const TLSConfig& config) : role_(role), config_(config) {}

TlsContext::~TlsContext() {
  for (SSL_CTX* c : ctxs_) SSL_CTX_free(c);
  for (auto& [key, session] : sessions_) SSL_SESSION_free(session);
}

Error TlsContext::Configure(SSL_CTX* ctx) const {
  SSL_CTX_set_app_data(ctx, const_cast<TlsContext*>(this));
  uint16_t min = config_.min_version != 0 ? config_.min_version : VersionTLS12;
  uint16_t max = config_.max_version != 0 ? config_.max_version : VersionTLS13;
  if (min < VersionTLS12 || max > VersionTLS13 || min > max) {
    return Error(ErrorCode::kInvalidArgument, "tls: versions must lie within TLS 1.2 and TLS 1.3");
  }
  if (SSL_CTX_set_min_proto_version(ctx, min) != 1 || SSL_CTX_set_max_proto_version(ctx, max) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kCipherList12) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kCipherSuites13) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    return Error(ErrorCode::kInvalidArgument, "tls: " + OpenSSLReason());
  }
  uint64_t options = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE;
  if (config_.session_tickets_disabled) options |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options(ctx, options);
  // A server's idle keep-alive connection gives its 34 KiB of record
  // buffers back (nginx does the same): ten thousand of them would
  // otherwise hold 340 MB. A client keeps them: it has a few connections
  // per host, and freeing and allocating both buffers around every record
  // was 1,800 instructions of each request (callgrind, post-json over TLS).
  // No auto chain: the chain sent is the one configured, as in Go, not
  // one OpenSSL completes from the trust store (a client would send its
  // root CA along with its certificate).
  SSL_CTX_set_mode(ctx, (role_ == Role::kServer ? SSL_MODE_RELEASE_BUFFERS : 0) | SSL_MODE_NO_AUTO_CHAIN);
  if (role_ == Role::kServer) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);  // tickets only, as Go
    SSL_CTX_set_num_tickets(ctx, 1);                          // Go sends one
    static const unsigned char kSidContext[] = "nethttp";
    SSL_CTX_set_session_id_context(ctx, kSidContext, sizeof kSidContext - 1);
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, OnTicketKey);
    SSL_CTX_set_alpn_select_cb(ctx, OnAlpnSelect, nullptr);
    SSL_CTX_set_tlsext_servername_callback(ctx, OnServerName);
    SSL_CTX_set_tlsext_servername_arg(ctx, const_cast<TlsContext*>(this));
    int verify = SSL_VERIFY_NONE;
    switch (config_.client_auth) {
      case ClientAuthType::kNoClientCert: break;
      case ClientAuthType::kRequestClientCert:
      case ClientAuthType::kVerifyClientCertIfGiven: verify = SSL_VERIFY_PEER; break;
      case ClientAuthType::kRequireAnyClientCert:
      case ClientAuthType::kRequireAndVerifyClientCert:
        verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        break;
    }
    bool verified = config_.client_auth == ClientAuthType::kVerifyClientCertIfGiven ||
                    config_.client_auth == ClientAuthType::kRequireAndVerifyClientCert;
    // Asked but not verified: accept whatever chain comes.
    SSL_verify_cb accept_any = [](int, X509_STORE_CTX*) { return 1; };
    SSL_CTX_set_verify(ctx, verify, verified ? OnVerify : accept_any);
    for (const std::string& f : config_.client_ca_files) {
      if (SSL_CTX_load_verify_locations(ctx, f.c_str(), nullptr) != 1) {
        return Error(ErrorCode::kInvalidArgument, "tls: cannot load client CA file " + f + ": " + OpenSSLReason());
      }
    }
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, OnNewSession);
    SSL_CTX_set_alpn_protos(ctx, kAlpnHttp11, sizeof kAlpnHttp11 - 1);
    SSL_CTX_set_verify(ctx, config_.insecure_skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, OnVerify);
    if (config_.use_system_roots && SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return Error(ErrorCode::kInvalidArgument, "tls: cannot load the system's CAs: " + OpenSSLReason());
    }
    for (const std::string& f : config_.root_ca_files) {
      if (SSL_CTX_load_verify_locations(ctx, f.c_str(), nullptr) != 1) {
        return Error(ErrorCode::kInvalidArgument, "tls: cannot load CA file " + f + ": " + OpenSSLReason());
      }
    }
  }
  return {};
}

Result<std::shared_ptr<TlsContext>> TlsContext::NewServer(const TLSConfig& config) {
  if (config.certificates.empty()) {
    return Error(ErrorCode::kInvalidArgument, "tls: neither Certificates nor GetCertificate set in Config");
  }
  std::shared_ptr<TlsContext> tc(new TlsContext(Role::kServer, config));
  for (const Certificate& cert : config.certificates) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) return Error(ErrorCode::kTls, "tls: " + OpenSSLReason());
    tc->ctxs_.push_back(ctx);
    if (Error err = tc->Configure(ctx)) return err;
    if (Error err = UseCertificate(ctx, cert)) return err;
  }
  return tc;
}

Result<std::shared_ptr<TlsContext>> TlsContext::NewClient(const TLSConfig& config) {
  std::shared_ptr<TlsContext> tc(new TlsContext(Role::kClient, config));
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return Error(ErrorCode::kTls, "tls: " + OpenSSLReason());
  tc->ctxs_.push_back(ctx);
  if (Error err = tc->Configure(ctx)) return err;
  if (!config.certificates.empty()) {
    if (Error err = UseCertificate(ctx, config.certificates.front())) return err;
  }
  return tc;
}

SSL* TlsContext::NewSsl() const { return SSL_new(ctxs_.front()); }

size_t TlsContext::ChooseCertificate(std::string_view server_name) const {
  if (ctxs_.size() == 1 || server_name.empty()) return 0;
  const std::vector<Certificate>& certs = config_.certificates;
  for (size_t i = 0; i < certs.size(); ++i) {
    for (const std::string& n : certs[i].names) {
      if (EqualFold(n, server_name)) return i;
    }
  }
  for (size_t i = 0; i < certs.size(); ++i) {
    for (const std::string& n : certs[i].names) {
      if (IsWildcardMatch(n, server_name)) return i;
    }
  }
  return 0;
}

bool TlsContext::TicketKeyForSealing(TicketKey* key) {
  std::lock_guard<std::mutex> lock(ticket_mu_);
  auto now = std::chrono::system_clock::now();
  if (ticket_keys_.empty() || now - ticket_keys_.front().created >= kTicketKeyRotation) {
    TicketKey k;
    if (RAND_bytes(k.name, sizeof k.name) != 1 || RAND_bytes(k.aes_key, sizeof k.aes_key) != 1 ||
        RAND_bytes(k.hmac_key, sizeof k.hmac_key) != 1) {
      return false;
    }
    k.created = now;
    ticket_keys_.insert(ticket_keys_.begin(), k);
    // Keys past their lifetime open nothing any more.
    std::erase_if(ticket_keys_, [&](const TicketKey& t) { return now - t.created >= kTicketKeyLifetime; });
  }
  *key = ticket_keys_.front();
  return true;
}

bool TlsContext::TicketKeyNamed(const unsigned char name[16], TicketKey* key, bool* current) {
  std::lock_guard<std::mutex> lock(ticket_mu_);
  auto now = std::chrono::system_clock::now();
  for (size_t i = 0; i < ticket_keys_.size(); ++i) {
    const TicketKey& k = ticket_keys_[i];
    if (std::memcmp(k.name, name, sizeof k.name) != 0) continue;
    if (now - k.created >= kTicketKeyLifetime) return false;
    *key = k;
    *current = i == 0 && now - k.created < kTicketKeyRotation;
    return true;
  }
  return false;
}

void TlsContext::PutSession(const std::string& key, SSL_SESSION* session) {
  std::lock_guard<std::mutex> lock(session_mu_);
  if (auto it = session_index_.find(key); it != session_index_.end()) {
    SSL_SESSION_free(it->second->second);
    sessions_.erase(it->second);
    session_index_.erase(it);
  }
  sessions_.emplace_front(key, session);
  session_index_[key] = sessions_.begin();
  if (sessions_.size() > kSessionCacheCapacity) {
    session_index_.erase(sessions_.back().first);
    SSL_SESSION_free(sessions_.back().second);
    sessions_.pop_back();
  }
}

SSL_SESSION* TlsContext::GetSession(const std::string& key) {
  std::lock_guard<std::mutex> lock(session_mu_);
  auto it = session_index_.find(key);
  if (it == session_index_.end()) return nullptr;
  sessions_.splice(sessions_.begin(), sessions_, it->second);
  SSL_SESSION* s = it->second->second;
  SSL_SESSION_up_ref(s);
  return s;
}

}  // namespace nethttp
