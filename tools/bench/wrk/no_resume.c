// no_resume.so, preloaded into wrk for tools/bench's tls-close shape: every
// connection makes a full TLS handshake.
//
// wrk reuses one SSL object per connection slot: on reconnect it calls
// SSL_shutdown and SSL_clear, and SSL_clear keeps a cleanly shut-down
// session, so the next SSL_connect offers it and the server resumes (seen
// with nginx's $ssl_session_reused: all but the first handshake of each
// slot were resumed). wrk has no option against it, hence this wrapper:
// SSL_clear forgets the session first, then does its work.
//
// Build: cc -O2 -shared -fPIC -o no_resume.so no_resume.c -ldl
// Use:   LD_PRELOAD=/abs/path/no_resume.so wrk ... https://...
#define _GNU_SOURCE
#include <dlfcn.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>

int SSL_clear(SSL* s) {
  static int (*real)(SSL*);
  if (real == NULL) {
    real = (int (*)(SSL*))dlsym(RTLD_NEXT, "SSL_clear");
    if (real == NULL) {
      fprintf(stderr, "no_resume.so: SSL_clear not found: %s\n", dlerror());
      abort();
    }
  }
  SSL_set_session(s, NULL);  // (drops the SSL's reference; NULL means none)
  return real(s);
}
