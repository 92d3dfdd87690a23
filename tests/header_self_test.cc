// Compiled once per public header, with NETHTTP_TEST_HEADER set to that header
// (suite 'headers'; the pattern is dav1d's tests/header_test.c). It proves each
// header in lib/include/nethttp/ includes what it uses and nothing private:
// only lib/include is on the include path, so a header that leans on an
// include from its user, or on lib/internal/, fails to build here.
#include NETHTTP_TEST_HEADER
// A second time: the include guard must make this a no-op.
#include NETHTTP_TEST_HEADER

int main() { return 0; }
