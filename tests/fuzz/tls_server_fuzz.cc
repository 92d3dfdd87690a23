// Fuzz target for the server side of the TLS layer (lib/tls_session.cc over a
// TlsContext from lib/tls_context.cc): any bytes a client may send, fed whole
// and in pieces the input chooses, with the contract conn.cc relies on. The
// client-side counterpart of what it checks is tests/tls_session_test.cc.
//
// Invariants, on every Receive:
//   - the state only moves forward: kHandshaking -> kOpen -> kPeerClosed,
//     and any state -> kFailed; once kFailed, Receive returns kFailed and
//     adds neither plaintext nor output;
//   - no plaintext while kHandshaking, and never more plaintext than
//     ciphertext fed (records only ever shrink: no compression);
//   - error() is set iff kFailed; looks_like_http() only when kFailed;
//   - the output (handshake flights, tickets, alerts) is bounded;
// and across runs: the same bytes cut differently give the same state,
// plaintext and error (a TLS record may arrive in any number of reads).
//
// Randomness. A fuzzer cannot answer a ServerHello it has never seen, so
// with OpenSSL's real randomness it only ever reaches the ClientHello and
// the first records. Like OpenSSL's own fuzz/server.c, this target replaces
// the random source with a deterministic stream, restarted for every
// session: the server's random, key shares and signatures are then the same
// on every run, and a client transcript recorded once against this server
// (the seeds made by NETHTTP_TLS_FUZZ_SEEDS, below) replays to the end of
// the handshake, through application data, KeyUpdate and close_notify, so
// mutations of it explore kOpen and kPeerClosed too.
//
// The certificate. The fuzz build has no guarantee of tests/tls's
// build-time directory, and its certificates change with every build (a
// transcript signed against one would not replay against the next), so the
// key and a self-signed certificate are made here with the OpenSSL API, at
// LLVMFuzzerInitialize, from the deterministic stream: the same key and
// certificate bytes on every run and machine, and nothing to find on disk.
// (A key derived from a public seed protects nothing; it is a fuzzing
// fixture, never a credential, and no key file is committed.)
//
// Seeds: NETHTTP_TLS_FUZZ_SEEDS=DIR build-fuzz/tests/fuzz/tls_server_fuzz
// writes recorded client transcripts (TLS 1.3 and 1.2, several suites, a
// HelloRetryRequest, KeyUpdate) into DIR and exits; tests/fuzz/corpus/
// tls_server_fuzz/ holds them beside a real ClientHello from openssl
// s_client, a plaintext GET, an SSLv2 hello and an oversized record.
// Regenerate them when the server's handshake changes (a new extension, a
// suite order): until then they stop at the server's Finished check.
// NETHTTP_TLS_FUZZ_VERBOSE=1 prints how far each input gets.
#define OPENSSL_SUPPRESS_DEPRECATED  // RAND_set_rand_method: see Randomness above

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "internal/tls_context.h"
#include "internal/tls_session.h"
#include "nethttp/tls.h"

namespace nethttp::fuzz {
namespace {

using State = TlsSession::State;

// --- the deterministic random source -----------------------------------------

// Stream is a counter-based generator (SplitMix64): cheap, and restartable
// by resetting its counter, which is all a fuzzing fixture needs. Not a
// CSPRNG, and never used outside this executable.
struct Stream {
  uint64_t seed;
  uint64_t counter = 0;
  uint64_t Next() {
    uint64_t z = seed + 0x9e3779b97f4a7c15ull * ++counter;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// The key and certificate come from one stream, each server session from a
// fresh start of another, and the seed writer's client from a third (its
// calls must not move the server's stream, or the transcript would not
// replay). current says which one RAND_bytes reads.
Stream setup_stream{0x6e65746874747001ull};
Stream server_stream{0x6e65746874747002ull};
Stream client_stream{0x6e65746874747003ull};
Stream* current = &setup_stream;

int FakeBytes(unsigned char* buf, int num) {
  for (int i = 0; i < num; i += 8) {
    uint64_t v = current->Next();
    std::memcpy(buf + i, &v, static_cast<size_t>(std::min(8, num - i)));
  }
  return 1;
}
int FakeStatus() { return 1; }

// OpenSSL 3.0 still honours a legacy RAND_METHOD in RAND_bytes_ex and
// RAND_priv_bytes_ex (rand_lib.c), which every key generation, nonce and
// hello random in libssl and the default provider go through.
const RAND_METHOD kFakeRand = {nullptr, FakeBytes, nullptr, nullptr, FakeBytes, FakeStatus};

// --- the server's certificate and context ------------------------------------

std::string BioText(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<size_t>(n));
}

// MakeCertificate: an EC P-256 key and a self-signed certificate for
// localhost and 127.0.0.1, with fixed validity dates so that its bytes do
// not change from day to day.
Certificate MakeCertificate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  ASN1_TIME_set_string(X509_getm_notBefore(x), "20200101000000Z");
  ASN1_TIME_set_string(X509_getm_notAfter(x), "20991231235959Z");
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, key, EVP_sha256());

  BIO* cert_bio = BIO_new(BIO_s_mem());
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x);
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  Result<Certificate> cert = X509KeyPair(BioText(cert_bio), BioText(key_bio));
  BIO_free(cert_bio);
  BIO_free(key_bio);
  X509_free(x);
  EVP_PKEY_free(key);
  if (!cert.ok()) {
    std::fprintf(stderr, "tls_server_fuzz: %s\n", cert.error().message().c_str());
    std::abort();
  }
  return *cert;
}

std::shared_ptr<TlsContext> server_ctx;

void Setup() {
  RAND_set_rand_method(&kFakeRand);
  current = &setup_stream;
  TLSConfig cfg;
  cfg.certificates.push_back(MakeCertificate());
  Result<std::shared_ptr<TlsContext>> ctx = TlsContext::NewServer(cfg);
  if (!ctx.ok()) {
    std::fprintf(stderr, "tls_server_fuzz: %s\n", ctx.error().message().c_str());
    std::abort();
  }
  server_ctx = *ctx;
  // The ticket key is made on first use: make it now, so that the first
  // input draws from the session stream exactly as every later one does.
  TlsContext::TicketKey unused;
  server_ctx->TicketKeyForSealing(&unused);
}

// NewServerSession restarts the server stream, so that every session (in
// every run and every process) sees the same randomness.
std::unique_ptr<TlsSession> NewServerSession() {
  server_stream.counter = 0;
  current = &server_stream;
  return std::make_unique<TlsSession>(server_ctx);
}

// --- one run -------------------------------------------------------------------

const char* Name(State s) {
  switch (s) {
    case State::kHandshaking: return "kHandshaking";
    case State::kOpen: return "kOpen";
    case State::kPeerClosed: return "kPeerClosed";
    case State::kFailed: return "kFailed";
  }
  return "?";
}

// Rank orders the states the way they may follow each other; kFailed is
// reachable from all of them, so it ranks last.
int Rank(State s) { return static_cast<int>(s); }

// Output bounds: a server answers a ClientHello with one flight (here a
// P-256 certificate of a few hundred bytes) and later sends a ticket, a
// KeyUpdate or an alert, each far below a record (16 KiB). What it writes
// in one call is bounded by a record plus a small multiple of what came in;
// more would let a client make it amplify.
constexpr size_t kMaxOutFixed = 32 * 1024;
constexpr size_t kOutPerInByte = 4;

struct Outcome {
  State state = State::kHandshaking;
  std::string plain;
  std::string out;
  std::string error;
  bool looks_like_http = false;
  std::string eof_error;
};

void CheckConsistent(const TlsSession& s) {
  FUZZ_CHECK_MSG(static_cast<bool>(s.error()) == (s.state() == State::kFailed),
                 std::string("state ") + Name(s.state()) + ", error \"" + Escape(s.error().message()) + "\"");
  FUZZ_CHECK_MSG(!s.error() || !s.error().message().empty(), "an error without a message");
  FUZZ_CHECK_MSG(!s.looks_like_http() || s.state() == State::kFailed,
                 std::string("looks_like_http in ") + Name(s.state()));
}

// Run feeds input in pieces of the given sizes (adding up to its size).
// strict: every piece is at most one byte, so a call that yields plaintext
// can only have completed an application-data record, and must end kOpen.
Outcome Run(std::string_view input, const std::vector<size_t>& pieces, bool strict) {
  std::unique_ptr<TlsSession> s = NewServerSession();
  Outcome o;
  size_t pos = 0;
  for (size_t n : pieces) {
    std::string_view piece = input.substr(pos, n);
    pos += n;
    State before = s->state();
    size_t plain_before = o.plain.size();
    size_t out_before = o.out.size();
    State after = s->Receive(piece, &o.plain, &o.out);
    size_t plain_added = o.plain.size() - plain_before;
    size_t out_added = o.out.size() - out_before;

    FUZZ_CHECK(after == s->state());
    FUZZ_CHECK_MSG(Rank(after) >= Rank(before),
                   std::string("state went back: ") + Name(before) + " -> " + Name(after));
    if (before == State::kFailed) {
      FUZZ_CHECK_MSG(plain_added == 0 && out_added == 0, "a failed session produced bytes");
    }
    if (before == State::kPeerClosed) {
      FUZZ_CHECK_MSG(after == State::kPeerClosed && plain_added == 0,
                     std::string("after close_notify: ") + Name(after));
    }
    FUZZ_CHECK_MSG(plain_added == 0 || after != State::kHandshaking, "plaintext during the handshake");
    if (strict && plain_added > 0) {
      FUZZ_CHECK_MSG(after == State::kOpen, std::string("one byte gave plaintext and ") + Name(after));
    }
    FUZZ_CHECK_MSG(out_added <= kMaxOutFixed + kOutPerInByte * piece.size(),
                   std::to_string(out_added) + " bytes out for " + std::to_string(piece.size()) + " in");
    CheckConsistent(*s);
  }
  // Plaintext comes out of records, which only add to it.
  FUZZ_CHECK_MSG(o.plain.size() <= input.size(),
                 std::to_string(o.plain.size()) + " bytes of plaintext from " + std::to_string(input.size()));

  o.state = s->state();
  o.error = s->error().message();
  o.looks_like_http = s->looks_like_http();

  if (o.state == State::kOpen) {
    ConnectionState cs = s->ConnectionStateNow();
    FUZZ_CHECK_MSG(cs.version == VersionTLS12 || cs.version == VersionTLS13,
                   "open with version " + std::to_string(cs.version));
    FUZZ_CHECK(nethttp::CipherSuiteName(cs.cipher_suite).rfind("TLS_", 0) == 0);
    FUZZ_CHECK_MSG(cs.negotiated_protocol.empty() || cs.negotiated_protocol == "http/1.1",
                   "ALPN chose \"" + Escape(cs.negotiated_protocol) + "\"");
  }

  // What conn.cc does next: answer, close, or see the peer's FIN.
  std::string out;
  bool sent = s->Send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong", &out);
  if (o.state == State::kOpen || o.state == State::kPeerClosed) {
    FUZZ_CHECK_MSG(sent || s->state() == State::kFailed, "Send refused without failing");
    if (sent) FUZZ_CHECK(out.size() > 40);
  } else {
    FUZZ_CHECK_MSG(!sent && out.empty(), std::string("Send accepted in ") + Name(o.state));
  }
  CheckConsistent(*s);
  State before_close = s->state();
  out.clear();
  s->Close(&out);
  FUZZ_CHECK(s->state() == before_close);
  if (before_close != State::kOpen && before_close != State::kPeerClosed) FUZZ_CHECK(out.empty());
  Error eof = s->ReceiveEof();
  FUZZ_CHECK(static_cast<bool>(eof) == (s->state() == State::kFailed));
  CheckConsistent(*s);
  o.eof_error = eof.message();
  return o;
}

// Pieces cuts size bytes into lengths drawn from h: mostly short (a record
// header split, a handshake message split), sometimes long.
std::vector<size_t> Pieces(size_t size, uint64_t h) {
  std::vector<size_t> pieces;
  Stream cut{h};
  for (size_t left = size; left > 0;) {
    uint64_t r = cut.Next();
    size_t n = (r & 3) == 0 ? 1 + (r >> 8) % 2048 : 1 + (r >> 8) % 16;
    n = std::min(n, left);
    pieces.push_back(n);
    left -= n;
  }
  return pieces;
}

void CheckSame(const Outcome& a, const Outcome& b, const char* how) {
  std::string what = std::string(" (whole vs ") + how + ")";
  FUZZ_CHECK_MSG(a.state == b.state, std::string(Name(a.state)) + " vs " + Name(b.state) + what);
  FUZZ_CHECK_MSG(a.plain == b.plain, "\"" + Escape(a.plain) + "\" vs \"" + Escape(b.plain) + "\"" + what);
  FUZZ_CHECK_MSG(a.error == b.error, "\"" + Escape(a.error) + "\" vs \"" + Escape(b.error) + "\"" + what);
  FUZZ_CHECK(a.looks_like_http == b.looks_like_http);
  FUZZ_CHECK_MSG(a.eof_error == b.eof_error, "\"" + a.eof_error + "\" vs \"" + b.eof_error + "\"" + what);
  // A handshake still under way must have sent the same flights byte for
  // byte. Not once it may have ended (even in a session that failed just
  // after): the server's ticket then holds the time, in seconds.
  if (a.state == State::kHandshaking && b.state == State::kHandshaking) {
    FUZZ_CHECK_MSG(a.out == b.out, "different output" + what);
  }
}

// verbose (NETHTTP_TLS_FUZZ_VERBOSE=1): print what each input did, to see
// how far a seed or a crash file gets.
bool verbose = false;

void TestOneInput(std::string_view input) {
  uint64_t h = Hash(input);
  Outcome whole = Run(input, {input.size()}, false);
  if (verbose) {
    std::fprintf(stderr, "tls_server_fuzz: %zu bytes -> %s, %zu bytes of plaintext, %zu out, error \"%s\"\n",
                 input.size(), Name(whole.state), whole.plain.size(), whole.out.size(), whole.error.c_str());
  }
  CheckSame(whole, Run(input, Pieces(input.size(), h), false), "pieces");
  // A byte at a time is the strictest cut, and costs a call per byte: on a
  // quarter of the inputs of handshake size.
  if ((h >> 60) % 4 == 0 && input.size() <= 4096) {
    CheckSame(whole, Run(input, std::vector<size_t>(input.size(), 1), true), "bytes");
  }
}

// --- the seed writer ---------------------------------------------------------

// A seed's client: plain OpenSSL over memory BIOs (what OpenSSL sends, not
// what our client session chooses), with the knobs that vary its flights.
struct ClientSpec {
  const char* file;
  int max_version;
  const char* ciphers12;      // null: OpenSSL's default
  const char* ciphersuites;   // null: OpenSSL's default
  const char* groups;         // null: OpenSSL's default (X25519 first)
  bool key_update;            // TLS 1.3: a KeyUpdate before the request
  size_t request_records;     // the request cut into this many records
  bool close_notify;
};

constexpr ClientSpec kSeeds[] = {
    {"gen-tls13", TLS1_3_VERSION, nullptr, nullptr, nullptr, false, 1, true},
    {"gen-tls13-chacha", TLS1_3_VERSION, nullptr, "TLS_CHACHA20_POLY1305_SHA256", nullptr, false, 1, true},
    {"gen-tls13-p256", TLS1_3_VERSION, nullptr, "TLS_AES_256_GCM_SHA384", "P-256", false, 3, true},
    // ffdhe2048 first: the client's key share is for a group the server
    // does not take, so the server answers with a HelloRetryRequest.
    {"gen-tls13-hrr", TLS1_3_VERSION, nullptr, nullptr, "ffdhe2048:X25519", false, 1, true},
    {"gen-tls13-keyupdate", TLS1_3_VERSION, nullptr, nullptr, nullptr, true, 2, true},
    {"gen-tls12", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", nullptr, nullptr, false, 1, true},
    {"gen-tls12-chacha", TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", nullptr, nullptr, false, 2, false},
};

constexpr std::string_view kRequest = "GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n";

std::string Drain(BIO* b) {
  std::string s;
  char buf[4096];
  for (int n; (n = BIO_read(b, buf, sizeof buf)) > 0;) s.append(buf, static_cast<size_t>(n));
  return s;
}

// Record runs one client against a server session and returns everything
// the client sent; it aborts if the conversation does not complete.
std::string Record(const ClientSpec& spec) {
  client_stream.counter = 0;
  current = &client_stream;
  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(cctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(cctx, spec.max_version);
  if (spec.ciphers12 != nullptr) SSL_CTX_set_cipher_list(cctx, spec.ciphers12);
  if (spec.ciphersuites != nullptr) SSL_CTX_set_ciphersuites(cctx, spec.ciphersuites);
  if (spec.groups != nullptr) SSL_CTX_set1_groups_list(cctx, spec.groups);
  static const unsigned char kAlpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(cctx, kAlpn, sizeof kAlpn - 1);
  SSL* c = SSL_new(cctx);
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(c, rbio, wbio);
  SSL_set_tlsext_host_name(c, "localhost");
  SSL_set_connect_state(c);

  std::unique_ptr<TlsSession> server = NewServerSession();
  std::string transcript, plain, to_client;
  // Deliver: what the client wrote goes to the server, and its answer back.
  auto deliver = [&] {
    current = &client_stream;
    std::string bytes = Drain(wbio);
    transcript += bytes;
    current = &server_stream;
    server->Receive(bytes, &plain, &to_client);
    current = &client_stream;
    BIO_write(rbio, to_client.data(), static_cast<int>(to_client.size()));
    to_client.clear();
  };
  for (int round = 0;; ++round) {
    current = &client_stream;
    int rc = SSL_do_handshake(c);
    deliver();
    if (rc == 1 && server->state() == State::kOpen) break;
    if (round == 10 || server->state() == State::kFailed) {
      std::fprintf(stderr, "tls_server_fuzz: %s: handshake failed: server %s (%s)\n", spec.file,
                   Name(server->state()), server->error().message().c_str());
      ERR_print_errors_fp(stderr);
      std::abort();
    }
  }
  current = &client_stream;
  if (spec.key_update) SSL_key_update(c, SSL_KEY_UPDATE_REQUESTED);
  for (size_t i = 0, step = kRequest.size() / spec.request_records + 1; i < kRequest.size(); i += step) {
    std::string_view part = kRequest.substr(i, step);
    SSL_write(c, part.data(), static_cast<int>(part.size()));
    deliver();
  }
  if (spec.close_notify) {
    SSL_shutdown(c);
    deliver();
  }
  State want = spec.close_notify ? State::kPeerClosed : State::kOpen;
  if (server->state() != want || plain != kRequest) {
    std::fprintf(stderr, "tls_server_fuzz: %s: server ended %s with \"%s\"\n", spec.file, Name(server->state()),
                 Escape(plain).c_str());
    std::abort();
  }
  SSL_free(c);
  SSL_CTX_free(cctx);
  return transcript;
}

void WriteSeeds(const char* dir) {
  for (const ClientSpec& spec : kSeeds) {
    std::string transcript = Record(spec);
    // The seed must replay alone, against a fresh session, as the fuzzer
    // will run it.
    Outcome o = Run(transcript, {transcript.size()}, false);
    State want = spec.close_notify ? State::kPeerClosed : State::kOpen;
    if (o.state != want || o.plain != kRequest) {
      std::fprintf(stderr, "tls_server_fuzz: %s does not replay: %s, \"%s\"\n", spec.file, Name(o.state),
                   o.error.c_str());
      std::abort();
    }
    std::string path = std::string(dir) + "/" + spec.file;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(transcript.data(), 1, transcript.size(), f) != transcript.size() ||
        std::fclose(f) != 0) {
      std::perror(path.c_str());
      std::exit(1);
    }
    std::fprintf(stderr, "tls_server_fuzz: wrote %s (%zu bytes, replays to %s)\n", path.c_str(),
                 transcript.size(), Name(o.state));
  }
}

}  // namespace
}  // namespace nethttp::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  nethttp::fuzz::Setup();
  nethttp::fuzz::verbose = std::getenv("NETHTTP_TLS_FUZZ_VERBOSE") != nullptr;
  if (const char* dir = std::getenv("NETHTTP_TLS_FUZZ_SEEDS")) {
    nethttp::fuzz::WriteSeeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nethttp::fuzz::TestOneInput(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
