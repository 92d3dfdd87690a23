// The floor peer for tools/bench: a bare epoll loop that answers every
// request head it sees with a canned response, and parses nothing else. No
// HTTP server can do less per request, so its figures are the most this
// machine and wrk can reach in each shape: the ceiling the others are read
// against. A measuring device, not a server: it trusts its client, and
// looks for "Connection: close" only within one read.
//
// Usage: floor PORT   (listens on 127.0.0.1:PORT until killed)
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

// The same bytes pingd sends for /ping, the Date frozen.
static const char kResponse[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Date: Wed, 02 Dec 2026 00:00:00 GMT\r\n\r\npong";
static const char kClosingResponse[] =
    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nDate: Wed, 02 Dec 2026 00:00:00 GMT\r\n\r\npong";

enum { kMaxFds = 1 << 17, kMaxBatch = 64 };

// matched[fd]: how much of "\r\n\r\n" the connection's last bytes matched,
// so that a head split across reads is still counted once.
static unsigned char matched[kMaxFds];
static char in[65536];
static char out[kMaxBatch * sizeof kClosingResponse];

// Serve reads what fd has and answers every head completed in it. It
// closes fd on EOF, an error, or a request that said close, and returns
// whether fd is still open.
static int Serve(int fd) {
  ssize_t got = read(fd, in, sizeof in);
  if (got < 0 && errno == EAGAIN) return 1;
  if (got <= 0) {
    close(fd);  // (also leaves the epoll set)
    return 0;
  }
  int heads = 0;
  unsigned char m = matched[fd];
  for (ssize_t j = 0; j < got; j++) {
    char want = (m % 2 == 0) ? '\r' : '\n';
    if (in[j] == want) {
      if (++m == 4) {
        heads++;
        m = 0;
      }
    } else {
      m = in[j] == '\r' ? 1 : 0;
    }
  }
  matched[fd] = m;
  int closing = memmem(in, (size_t)got, "Connection: close", 17) != NULL;
  const char* resp = closing ? kClosingResponse : kResponse;
  size_t len = closing ? sizeof kClosingResponse - 1 : sizeof kResponse - 1;
  size_t used = 0;
  for (int k = 0; k < heads && k < kMaxBatch; k++, used += len) memcpy(out + used, resp, len);
  // A closing response goes with the FIN in one segment (MSG_MORE, then
  // close), the fewest segments a connection per request can take.
  if (used > 0 && send(fd, out, used, (closing ? MSG_MORE : 0) | MSG_NOSIGNAL) < 0) closing = 1;
  if (closing) close(fd);
  return !closing;
}

static int die(const char* what) {
  perror(what);
  return 1;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: floor PORT\n");
    return 2;
  }
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(ls, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // inherited by accepted sockets
  int defer_secs = 1;  // accept once the first bytes are in, as pingd and h2o do
  setsockopt(ls, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_secs, sizeof defer_secs);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(ls, (struct sockaddr*)&addr, sizeof addr) != 0) return die("floor: bind");
  if (listen(ls, 4096) != 0) return die("floor: listen");
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);

  static struct epoll_event events[1024];
  for (;;) {
    int n = epoll_wait(ep, events, 1024, -1);
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == ls) {
        int c;
        while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          if (c >= kMaxFds) {
            close(c);
            continue;
          }
          matched[c] = 0;
          // With TCP_DEFER_ACCEPT the request is usually here already: a
          // connection per request then never enters the epoll set.
          if (!Serve(c)) continue;
          struct epoll_event e = {.events = EPOLLIN, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
        }
        continue;
      }
      Serve(fd);
    }
  }
}
