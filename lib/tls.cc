// The public face of tls.h: loading a certificate and its key (Go:
// tls.LoadX509KeyPair), and the names Go prints for versions. The PEM is
// parsed here once to refuse a bad pair early; TlsContext parses it again
// when a server or transport starts.
#include "nethttp/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include "internal/tls_context.h"

namespace nethttp {
namespace {

struct BioFree { void operator()(BIO* b) const { BIO_free(b); } };
struct X509Free { void operator()(X509* x) const { X509_free(x); } };
struct PkeyFree { void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); } };

std::unique_ptr<BIO, BioFree> MemBio(std::string_view text) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kInvalidArgument, "tls: cannot read " + std::string(what) + " " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string IpText(const ASN1_OCTET_STRING* ip) {
  char text[INET6_ADDRSTRLEN];
  const unsigned char* b = ASN1_STRING_get0_data(ip);
  int family = ASN1_STRING_length(ip) == 4 ? AF_INET : ASN1_STRING_length(ip) == 16 ? AF_INET6 : 0;
  if (family == 0 || inet_ntop(family, b, text, sizeof text) == nullptr) return {};
  return text;
}

std::string VersionName(uint16_t version) {
  switch (version) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case VersionTLS12: return "TLS 1.2";
    case VersionTLS13: return "TLS 1.3";
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%04X", version);
  return hex;
}

std::string CipherSuiteName(uint16_t id) {
  // Go 1.19's CipherSuites() and InsecureCipherSuites(), by number.
  static constexpr std::pair<uint16_t, const char*> kNames[] = {
      {0x1301, "TLS_AES_128_GCM_SHA256"},
      {0x1302, "TLS_AES_256_GCM_SHA384"},
      {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
      {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
      {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
      {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
      {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
      {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
      {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
      {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
      {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
      {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
      {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
      {0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
      {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
      {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
      {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
      {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
      {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
      {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
      {0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
      {0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
      {0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
      {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
      {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
  };
  for (const auto& [n, name] : kNames) {
    if (n == id) return name;
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%04X", id);
  return hex;
}

Result<Certificate> X509KeyPair(std::string_view cert_pem, std::string_view key_pem) {
  auto certs = MemBio(cert_pem);
  std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    ERR_clear_error();
    return Error(ErrorCode::kInvalidArgument, "tls: failed to find any PEM data in certificate input");
  }
  auto key = MemBio(key_pem);
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(PEM_read_bio_PrivateKey(key.get(), nullptr, nullptr, nullptr));
  if (!pkey) {
    ERR_clear_error();
    return Error(ErrorCode::kInvalidArgument, "tls: failed to find any PEM data in key input");
  }
  if (X509_check_private_key(leaf.get(), pkey.get()) != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kInvalidArgument, "tls: private key does not match public key");
  }
  Certificate c;
  c.chain_pem.assign(cert_pem);
  c.key_pem.assign(key_pem);
  c.names = CertificateNames(cert_pem);
  return c;
}

Result<Certificate> LoadX509KeyPair(const std::string& cert_file, const std::string& key_file) {
  Result<std::string> cert = ReadFile(cert_file, "certificate");
  if (!cert.ok()) return cert.error();
  Result<std::string> key = ReadFile(key_file, "key");
  if (!key.ok()) return key.error();
  Result<Certificate> pair = X509KeyPair(*cert, *key);
  if (!pair.ok()) {
    return Error(pair.error().code(), pair.error().message() + " (" + cert_file + ", " + key_file + ")");
  }
  return pair;
}

std::vector<std::string> CertificateNames(std::string_view chain_pem) {
  std::vector<std::string> names;
  auto bio = MemBio(chain_pem);
  std::unique_ptr<X509, X509Free> leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    ERR_clear_error();
    return names;
  }
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
    if (n->type == GEN_DNS) {
      const ASN1_IA5STRING* s = n->d.dNSName;
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (n->type == GEN_IPADD) {
      std::string ip = IpText(n->d.iPAddress);
      if (!ip.empty()) names.push_back(std::move(ip));
    }
  }
  GENERAL_NAMES_free(sans);
  if (names.empty()) {
    char cn[256];
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(leaf.get()), NID_commonName, cn, sizeof cn) > 0) {
      names.emplace_back(cn);
    }
  }
  ERR_clear_error();
  return names;
}

}  // namespace nethttp
