// NETHTTP_SANITIZED is defined when the tests (and the apps they run, built
// alike) are built with AddressSanitizer or ThreadSanitizer: their shadow
// memory, and ASan's quarantine of freed memory, make a bound on resident
// memory meaningless, and both run large bodies many times slower, so the
// tests that measure memory check it only in a plain build.
#ifndef NETHTTP_TESTS_TESTUTIL_SANITIZED_H_
#define NETHTTP_TESTS_TESTUTIL_SANITIZED_H_

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NETHTTP_SANITIZED 1
#endif

#endif  // NETHTTP_TESTS_TESTUTIL_SANITIZED_H_
