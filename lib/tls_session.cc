// TlsSession: OpenSSL driven through a BIO of our own over the bytes of the
// current call, and OpenSSL's failures put in Go's words ("x509: certificate
// signed by unknown authority", "remote error: tls: handshake failure").
#include "internal/tls_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>

namespace nethttp {
namespace {

// Go's alertText, for "remote error: tls: ..." messages.
std::string_view AlertText(int alert) {
  switch (alert) {
    case 0: return "close notify";
    case 10: return "unexpected message";
    case 20: return "bad record MAC";
    case 21: return "decryption failed";
    case 22: return "record overflow";
    case 30: return "decompression failure";
    case 40: return "handshake failure";
    case 42: return "bad certificate";
    case 43: return "unsupported certificate";
    case 44: return "revoked certificate";
    case 45: return "expired certificate";
    case 46: return "unknown certificate";
    case 47: return "illegal parameter";
    case 48: return "unknown certificate authority";
    case 49: return "access denied";
    case 50: return "error decoding message";
    case 51: return "error decrypting message";
    case 70: return "protocol version not supported";
    case 71: return "insufficient security level";
    case 80: return "internal error";
    case 86: return "inappropriate fallback";
    case 90: return "user canceled";
    case 100: return "no renegotiation";
    case 109: return "missing extension";
    case 110: return "unsupported extension";
    case 112: return "unrecognized name";
    case 116: return "certificate required";
    case 120: return "no application protocol";
  }
  return {};
}

// LocalText is Go's wording for the failures OpenSSL detects itself, where
// Go has one; others keep OpenSSL's reason.
std::string LocalText(int reason, bool server) {
  switch (reason) {
    case SSL_R_NO_SHARED_CIPHER: return "tls: no cipher suite supported by both client and server";
    case SSL_R_UNSUPPORTED_PROTOCOL:
      return server ? "tls: client offered only unsupported versions"
                    : "tls: server selected unsupported protocol version";
    case SSL_R_NO_APPLICATION_PROTOCOL: return "tls: client requested unsupported application protocols";
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
    case SSL_R_DATA_LENGTH_TOO_LONG: return "tls: oversized record received";
    case SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC: return "local error: tls: bad record MAC";
    case SSL_R_WRONG_VERSION_NUMBER: return "tls: received record with unexpected version";
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE: return "tls: client didn't provide a certificate";
  }
  const char* text = ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, reason));
  return std::string("tls: ") + (text != nullptr ? text : "handshake failed");
}

std::string Rfc3339(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string NowRfc3339() {
  std::time_t now = std::time(nullptr);
  struct tm tm {};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool IsIpLiteral(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;  // IPv6
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.';
  });
}

// HostnameErrorText is Go's x509.HostnameError.Error for cert and host.
std::string HostnameErrorText(X509* cert, const std::string& host) {
  std::vector<std::string> dns, ips;
  auto* sans = cert != nullptr ? static_cast<GENERAL_NAMES*>(
                                     X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))
                               : nullptr;
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
    if (n->type == GEN_DNS) {
      dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.dNSName)),
                       static_cast<size_t>(ASN1_STRING_length(n->d.dNSName)));
    } else if (n->type == GEN_IPADD) {
      ips.push_back(IpText(n->d.iPAddress));
    }
  }
  bool has_sans = sans != nullptr;
  GENERAL_NAMES_free(sans);
  if (!has_sans && cert != nullptr) {
    char cn[256];
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0 &&
        cn == host) {
      return "x509: certificate relies on legacy Common Name field, use SANs instead";
    }
  }
  const std::vector<std::string>& names = IsIpLiteral(host) ? ips : dns;
  if (IsIpLiteral(host) && ips.empty()) {
    return "x509: cannot validate certificate for " + host + " because it doesn't contain any IP SANs";
  }
  if (names.empty()) return "x509: certificate is not valid for any names, but wanted to match " + host;
  std::string valid;
  for (const std::string& n : names) {
    if (!valid.empty()) valid += ", ";
    valid += n;
  }
  return "x509: certificate is valid for " + valid + ", not " + host;
}

// CertificateErrorText is Go's x509 error for OpenSSL's verify result:
// leaf is the peer's certificate, cert the one that failed.
std::string CertificateErrorText(long result, X509* leaf, X509* cert, const std::string& host) {
  switch (result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return HostnameErrorText(leaf, host);
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "x509: certificate has expired or is not yet valid: current time " + NowRfc3339() +
             " is after " + Rfc3339(cert != nullptr ? X509_get0_notAfter(cert) : nullptr);
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "x509: certificate has expired or is not yet valid: current time " + NowRfc3339() +
             " is before " + Rfc3339(cert != nullptr ? X509_get0_notBefore(cert) : nullptr);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED: return "x509: certificate signed by unknown authority";
  }
  return std::string("x509: ") + X509_verify_cert_error_string(result);
}

// kRecordPlaintext: SSL_read's unit, one record's plaintext at most.
constexpr size_t kRecordPlaintext = 16 * 1024;

}  // namespace

// Bio is the BIO OpenSSL reads ciphertext from and writes it to: the
// session's in_ (the bytes of the current Receive) and *out_ (the caller's
// output string). One method table for every session.
struct TlsSession::Bio {
  static BIO_METHOD* Method() {
    static BIO_METHOD* method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "nethttp");
      BIO_meth_set_write(m, Write);
      BIO_meth_set_read(m, Read);
      BIO_meth_set_ctrl(m, Ctrl);
      BIO_meth_set_create(m, [](BIO* b) {
        BIO_set_init(b, 1);
        return 1;
      });
      return m;
    }();
    return method;
  }
  static TlsSession* SessionOf(BIO* b) { return static_cast<TlsSession*>(BIO_get_data(b)); }
  static int Write(BIO* b, const char* data, int len) {
    TlsSession* s = SessionOf(b);
    BIO_clear_retry_flags(b);
    if (s->out_ == nullptr) {  // (OpenSSL writes only within our calls)
      BIO_set_retry_write(b);
      return -1;
    }
    s->out_->append(data, static_cast<size_t>(len));
    return len;
  }
  static int Read(BIO* b, char* data, int len) {
    TlsSession* s = SessionOf(b);
    BIO_clear_retry_flags(b);
    if (s->in_.empty()) {
      BIO_set_retry_read(b);
      return -1;
    }
    size_t n = std::min(s->in_.size(), static_cast<size_t>(len));
    std::memcpy(data, s->in_.data(), n);
    s->in_.remove_prefix(n);
    return static_cast<int>(n);
  }
  static long Ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }
};

TlsSession::TlsSession(std::shared_ptr<TlsContext> ctx) : ctx_(std::move(ctx)) {
  Init();
  SSL_set_accept_state(ssl_);
}

TlsSession::TlsSession(std::shared_ptr<TlsContext> ctx, std::string_view host, std::string cache_key)
    : ctx_(std::move(ctx)), client_(std::make_unique<ClientSide>()) {
  Init();
  client_->cache_key = std::move(cache_key);
  const TLSConfig& cfg = ctx_->config();
  std::string& verified = client_->host;  // (the name, or the address, in the certificate)
  verified = cfg.server_name.empty() ? std::string(host) : cfg.server_name;
  if (!verified.empty() && verified.front() == '[' && verified.back() == ']') {
    verified = verified.substr(1, verified.size() - 2);
  }
  bool ip = IsIpLiteral(verified);
  if (!cfg.insecure_skip_verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, verified.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, verified.c_str(), verified.size());
    }
  }
  // RFC 6066 §3: SNI names hosts, never addresses.
  if (!ip && !verified.empty()) SSL_set_tlsext_host_name(ssl_, verified.c_str());
  if (SSL_SESSION* session = ctx_->GetSession(client_->cache_key)) {
    SSL_set_session(ssl_, session);
    SSL_SESSION_free(session);  // (SSL_set_session took its own reference)
  }
  SSL_set_connect_state(ssl_);
}

void TlsSession::Init() {
  ssl_ = ctx_->NewSsl();
  BIO* bio = BIO_new(Bio::Method());
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // one BIO both ways; the SSL owns it
  SSL_set_app_data(ssl_, this);
}

TlsSession::~TlsSession() {
  // OpenSSL forgets the session of a connection freed without a shutdown
  // on both sides, as if it had failed. A healthy connection closed
  // without close_notify (an idle timeout, a peer that just left) keeps
  // its session resumable, as in Go and nginx; a failed one does not.
  if (state_ != State::kFailed) SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl_);
}

void TlsSession::Start(std::string* out) {
  out_ = out;
  Advance(nullptr);
  out_ = nullptr;
}

TlsSession::State TlsSession::Receive(std::string_view cipher, std::string* plain, std::string* out) {
  if (state_ == State::kFailed || state_ == State::kPeerClosed) return state_;
  if (first_len_ < sizeof first_ && !CheckFirstRecord(cipher)) return state_;
  in_ = cipher;
  out_ = out;
  Advance(plain);
  in_ = {};
  out_ = nullptr;
  return state_;
}

bool TlsSession::CheckFirstRecord(std::string_view cipher) {
  size_t n = std::min(sizeof first_ - first_len_, cipher.size());
  std::memcpy(first_ + first_len_, cipher.data(), n);
  first_len_ += n;
  if (first_len_ < sizeof first_) return true;
  // Go's readRecordOrCCS: before the version is known, a record that is
  // neither a handshake (22) nor an alert (21), or claims a version of
  // 0x1000 or more, is not TLS.
  unsigned type = first_[0];
  unsigned version = (unsigned{first_[1]} << 8) | first_[2];
  if ((type == 21 || type == 22) && version < 0x1000) return true;
  std::string_view head(reinterpret_cast<const char*>(first_), sizeof first_);
  if (ctx_->role() == TlsContext::Role::kServer) {
    looks_like_http_ = head == "GET /" || head == "HEAD " || head == "POST " ||
                       head == "PUT /" || head == "OPTIO";
  } else {
    looks_like_http_ = head == "HTTP/";  // Go checks this in client.go's send
  }
  Fail(Error(ErrorCode::kTls, "tls: first record does not look like a TLS handshake"));
  return false;
}

// ClearErrors empties the thread's OpenSSL error queue, which SSL_get_error
// needs empty before each call it explains. It nearly always is (every
// failure read here clears it), and asking is cheaper than clearing:
// ERR_clear_error was 1,700 instructions of every request of a TLS client.
namespace {
void ClearErrors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}
}  // namespace

TlsSession::State TlsSession::Advance(std::string* plain) {
  ClearErrors();
  if (state_ == State::kHandshaking) {
    int rc = SSL_do_handshake(ssl_);
    if (rc != 1) {
      int e = SSL_get_error(ssl_, rc);
      if (e != SSL_ERROR_WANT_READ) Fail(ErrorFor(e));
      return state_;
    }
    state_ = State::kOpen;
  }
  if (plain == nullptr) return state_;
  // Decrypt into one buffer per thread, then append: SSL_read straight into
  // plain would need it grown (and zeroed) by a record's size first.
  thread_local std::array<char, kRecordPlaintext> buf;
  for (;;) {
    size_t n = 0;
    if (SSL_read_ex(ssl_, buf.data(), buf.size(), &n) == 1) {
      plain->append(buf.data(), n);
      // Without read-ahead OpenSSL takes from the BIO only what the record
      // in hand needs, so once our bytes are all taken and it holds none
      // back, one more call could only fail for want of input. That call
      // was a tenth of a small request's TLS cost.
      if (in_.empty() && SSL_has_pending(ssl_) == 0) break;
      continue;
    }
    int e = SSL_get_error(ssl_, 0);
    if (e == SSL_ERROR_WANT_READ) break;
    if (e == SSL_ERROR_ZERO_RETURN) {
      state_ = State::kPeerClosed;
    } else {
      Fail(ErrorFor(e));
    }
    break;
  }
  return state_;
}

bool TlsSession::Send(std::string_view plain, std::string* out) {
  if (state_ != State::kOpen && state_ != State::kPeerClosed) return false;
  if (plain.empty()) return true;
  ClearErrors();
  out_ = out;
  size_t written = 0;
  int rc = SSL_write_ex(ssl_, plain.data(), plain.size(), &written);
  out_ = nullptr;
  if (rc != 1) {
    Fail(ErrorFor(SSL_get_error(ssl_, 0)));
    return false;
  }
  return true;
}

void TlsSession::Close(std::string* out) {
  if ((state_ != State::kOpen && state_ != State::kPeerClosed) || close_sent_) return;
  close_sent_ = true;
  out_ = out;
  SSL_shutdown(ssl_);  // 0: close_notify sent, the peer's not awaited
  ERR_clear_error();
  out_ = nullptr;
}

Error TlsSession::ReceiveEof() {
  switch (state_) {
    case State::kHandshaking:
      // Go's handshake reads io.EOF and returns it as it is.
      Fail(Error(ErrorCode::kUnexpectedEof, "EOF"));
      return error_;
    case State::kOpen:
      // Bytes of a record OpenSSL holds unprocessed: the stream was cut
      // inside it (Go: io.ErrUnexpectedEOF from readRecord).
      if (SSL_has_pending(ssl_) == 1) {
        Fail(Error(ErrorCode::kUnexpectedEof, "unexpected EOF"));
        return error_;
      }
      return {};
    case State::kPeerClosed: return {};
    case State::kFailed: return error_;
  }
  return {};
}

void TlsSession::NoteVerifyFailure(long result, X509* leaf, X509* failed) {
  static const std::string kNoHost;  // (a server verifies a client's certificate for no name)
  if (verify_error_.empty()) {
    verify_error_ = CertificateErrorText(result, leaf, failed, client_ ? client_->host : kNoHost);
  }
}

void TlsSession::Fail(Error err) {
  if (state_ == State::kFailed) return;
  state_ = State::kFailed;
  error_ = std::move(err);
}

Error TlsSession::ErrorFor(int ssl_error) {
  bool server = ctx_->role() == TlsContext::Role::kServer;
  if (!verify_error_.empty()) {
    ERR_clear_error();
    return Error(ErrorCode::kCertificate,
                 server ? "tls: failed to verify client certificate: " + verify_error_ : verify_error_);
  }
  unsigned long e = ERR_peek_error();
  ERR_clear_error();
  if (ssl_error != SSL_ERROR_SSL || e == 0) return Error(ErrorCode::kTls, "tls: internal error");
  int reason = ERR_GET_REASON(e);
  if (ERR_GET_LIB(e) == ERR_LIB_SSL && reason >= SSL_AD_REASON_OFFSET) {
    int alert = reason - SSL_AD_REASON_OFFSET;
    std::string_view text = AlertText(alert);
    return Error(ErrorCode::kTls, text.empty() ? "remote error: tls: alert(" + std::to_string(alert) + ")"
                                               : "remote error: tls: " + std::string(text));
  }
  return Error(ErrorCode::kTls, LocalText(reason, server));
}

ConnectionState TlsSession::ConnectionStateNow() const {
  ConnectionState cs;
  cs.version = static_cast<uint16_t>(SSL_version(ssl_));
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl_)) {
    cs.cipher_suite = SSL_CIPHER_get_protocol_id(c);
  }
  if (const char* sni = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name)) cs.server_name = sni;
  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
  if (alpn != nullptr) cs.negotiated_protocol.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  cs.did_resume = SSL_session_reused(ssl_) == 1;
  auto add = [&cs](X509* x) {
    unsigned char* der = nullptr;
    int n = i2d_X509(x, &der);
    if (n > 0) cs.peer_certificates.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(n));
    OPENSSL_free(der);
  };
  // The chain starts with the leaf, except, says OpenSSL's manual, on a
  // server; 3.0 includes it there too, so the leaf is added only if absent.
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_);
  X509* leaf = SSL_get0_peer_certificate(ssl_);
  if (leaf != nullptr && (chain == nullptr || sk_X509_num(chain) == 0 ||
                          X509_cmp(sk_X509_value(chain, 0), leaf) != 0)) {
    add(leaf);
  }
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) add(sk_X509_value(chain, i));
  return cs;
}

}  // namespace nethttp
