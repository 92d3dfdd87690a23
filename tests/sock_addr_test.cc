// Tests for lib/sock_addr.cc's address formatting: Go's host:port forms
// (net.JoinHostPort), an IPv4-mapped peer of a "::" listener as IPv4,
// Unix-domain addresses as Go's syscall package renders them.
#include <doctest/doctest.h>
#include <sys/un.h>
#include <uv.h>

#include <cstring>
#include <string>

#include "internal/sock_addr.h"

using nethttp::FormatSockaddr;

namespace {

sockaddr_storage V4(const char* ip, int port) {
  sockaddr_storage ss{};
  REQUIRE(uv_ip4_addr(ip, port, reinterpret_cast<sockaddr_in*>(&ss)) == 0);
  return ss;
}

sockaddr_storage V6(const char* ip, int port) {
  sockaddr_storage ss{};
  REQUIRE(uv_ip6_addr(ip, port, reinterpret_cast<sockaddr_in6*>(&ss)) == 0);
  return ss;
}

}  // namespace

TEST_SUITE("sock_addr") {
  TEST_CASE("IPv4 as a.b.c.d:port") {
    CHECK(FormatSockaddr(V4("127.0.0.1", 8091)) == "127.0.0.1:8091");
    CHECK(FormatSockaddr(V4("0.0.0.0", 0)) == "0.0.0.0:0");
    CHECK(FormatSockaddr(V4("255.255.255.255", 65535)) == "255.255.255.255:65535");
    CHECK(FormatSockaddr(V4("10.200.3.45", 443)) == "10.200.3.45:443");
  }

  TEST_CASE("IPv6 in brackets; an IPv4-mapped address as IPv4, as Go prints it") {
    CHECK(FormatSockaddr(V6("::1", 80)) == "[::1]:80");
    CHECK(FormatSockaddr(V6("2001:db8::5", 65535)) == "[2001:db8::5]:65535");
    CHECK(FormatSockaddr(V6("::ffff:127.0.0.1", 40000)) == "127.0.0.1:40000");
    CHECK(FormatSockaddr(V6("::ffff:192.168.1.20", 1)) == "192.168.1.20:1");
  }

  TEST_CASE("Unix-domain as Go prints it: the path, @name when abstract, @ when unnamed") {
    sockaddr_storage ss{};
    auto* un = reinterpret_cast<sockaddr_un*>(&ss);
    un->sun_family = AF_UNIX;
    CHECK(FormatSockaddr(ss) == "@");  // an accepted client's: the family alone
    std::strcpy(un->sun_path, "/run/app.sock");
    CHECK(FormatSockaddr(ss) == "/run/app.sock");
    std::memset(un->sun_path, 0, sizeof un->sun_path);
    std::memcpy(un->sun_path, "\0name", 5);
    CHECK(FormatSockaddr(ss) == "@name");
    // A path filling sun_path without a NUL is read to its end, no further.
    std::memset(un->sun_path, 'a', sizeof un->sun_path);
    CHECK(FormatSockaddr(ss) == std::string(sizeof un->sun_path, 'a'));
  }

  TEST_CASE("an address of another family is empty") {
    sockaddr_storage ss{};
    ss.ss_family = AF_NETLINK;
    CHECK(FormatSockaddr(ss).empty());
  }
}
