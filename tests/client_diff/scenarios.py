"""The scripted misbehaving HTTP server and the scenario table of
tests/client_diff (tools/diff-client, compare.py): what each scenario's
server reads and sends, and how it ends the connection.

A scenario is a handler run in a thread for every connection the client
opens: handler(peer, run), where peer is the accepted socket with helpers
(read_request, send, close, rst, shutdown_wr, wait_client_close) and run is
the state of one client run (its port, the requests seen so far, how many
bytes the client has printed on stdout). Most scenarios are one request and
one reply: reply(DATA, end=...) reads the request (head and Content-Length
body), sends DATA and ends the connection one of these ways:

    keep    wait until the client closes (a keep-alive server; the client
            must finish by the framing alone)
    close   close (FIN); every request byte was read, so no RST
    rst     SO_LINGER 0 then close: an RST instead of a FIN
    shut_wr shutdown(SHUT_WR), then wait until the client closes

Nothing here sleeps to synchronise. A server that must wait for the client
waits for an event: the client's EOF or RST (wait_client_close), or the
client having printed N bytes of the body on stdout (Run.wait_stdout, fed
by compare.py's stdout reader), so that an RST mid-body comes after the
bytes before it were delivered and printed, and is not a race with them.
Each wait has a cap (IO_CAP for socket reads, a few seconds for
wait_stdout, which then notes that the client did not stream what it had),
so a script never outlives its run. Everything is deterministic: bodies from random.Random(seed), no
clocks, ports from 127.0.0.1:0.

Python 3 standard library only.
"""

import gzip
import random
import socket
import struct
import threading
import traceback

# The request body (-d) of every scenario but the early-answer one.
DEFAULT_BODY = '{"hello":"world","n":1}'
SEED = 1
IO_CAP = 20.0   # no socket wait of a script lasts longer than this


def H(*lines, eol="\r\n"):
    """A response head: each line ended by eol, then the empty line."""
    return ("".join(line + eol for line in lines) + eol).encode("latin-1")


def chunked(*chunks, trailer=b""):
    """A chunked body of the given pieces (bytes), then the last chunk."""
    out = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
    return out + b"0\r\n" + trailer + b"\r\n"


def seeded_bytes(n, salt):
    """n pseudo-random bytes, the same every run (SEED and salt)."""
    return random.Random("%d:%s" % (SEED, salt)).randbytes(n)


# ---------------------------------------------------------------------------
# The server side of one connection.

class Request:
    __slots__ = ("method", "target", "headers", "body", "head")

    def __init__(self, head):
        self.head = head
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        self.method = parts[0]
        self.target = parts[1] if len(parts) > 1 else ""
        self.headers = []
        for line in lines[1:]:
            if line:
                k, _, v = line.partition(":")
                self.headers.append((k.strip().lower(), v.strip()))
        self.body = b""

    def get(self, name, default=None):
        for k, v in self.headers:
            if k == name:
                return v
        return default


class Peer:
    """One accepted connection, handed to the scenario's handler."""

    def __init__(self, sock, run):
        self.sock, self.run = sock, run
        self.buf = b""
        self.closed = False
        sock.settimeout(IO_CAP)

    def _recv(self):
        try:
            return self.sock.recv(1 << 16)
        except OSError:   # reset, timeout, or closed under us by Server.close
            return b""

    def read_head(self):
        """The request head up to and including its empty line; None if the
        client closed or reset first."""
        while b"\r\n\r\n" not in self.buf:
            chunk = self._recv()
            if not chunk:
                return None
            self.buf += chunk
        end = self.buf.index(b"\r\n\r\n") + 4
        head, self.buf = self.buf[:end], self.buf[end:]
        return head

    def read_request(self, body=True):
        """The next request (head, and its Content-Length body unless
        body=False); None at EOF. Both clients frame a -d body by
        Content-Length, so that is all this reads."""
        head = self.read_head()
        if head is None:
            return None
        req = Request(head)
        if body:
            n = int(req.get("content-length", "0") or 0)
            while len(self.buf) < n:
                chunk = self._recv()
                if not chunk:
                    break
                self.buf += chunk
            req.body, self.buf = self.buf[:n], self.buf[n:]
        self.run.log_request(req)
        return req

    def send(self, data):
        """All of data; False if the client went away meanwhile."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def shutdown_wr(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def wait_client_close(self):
        """Read and drop bytes until the client closes or resets (or IO_CAP)."""
        while self._recv():
            pass

    def close(self):
        if not self.closed:
            self.closed = True
            self.sock.close()

    def rst(self):
        """Close with an RST: SO_LINGER on with a zero timeout."""
        if not self.closed:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close()

    def abort(self):
        """Wake a handler blocked in recv (Server.close)."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Run:
    """The state of one client run against one scenario's server."""

    def __init__(self):
        self.port = None
        self.refused_port = None     # a bound port nobody listens on
        self.requests = []           # "METHOD target" of every request read
        self.errors = []             # tracebacks of the handler (a harness bug)
        self.notes = []              # e.g. a wait that hit its cap
        self.cond = threading.Condition()
        self.stdout_bytes = 0
        self.done = False            # the client exited: waits end

    def log_request(self, req):
        with self.cond:
            self.requests.append("%s %s" % (req.method, req.target))

    def printed(self, n):
        """compare.py: the client wrote n more bytes to stdout."""
        with self.cond:
            self.stdout_bytes += n
            self.cond.notify_all()

    def finish(self):
        with self.cond:
            self.done = True
            self.cond.notify_all()

    def wait_stdout(self, n, cap=5.0):
        """Until the client has printed n bytes (True), or it exited or cap
        seconds passed (False, with a note: a client that does not stream
        what it already has)."""
        with self.cond:
            self.cond.wait_for(lambda: self.stdout_bytes >= n or self.done, cap)
            ok = self.stdout_bytes >= n
            if not ok:
                self.notes.append("the client had printed %d of %d bytes when the script went on"
                                  % (self.stdout_bytes, n))
            return ok


class Server:
    """A scripted server on 127.0.0.1:0: every connection runs handler in
    its own thread until the handler returns; then the socket is closed if
    the handler left it open."""

    def __init__(self, handler, run):
        self.handler, self.run = handler, run
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        run.port = self.lsock.getsockname()[1]
        # Bound and never listening: a connect to it is refused (RST), and
        # holding it keeps the port from being reused meanwhile.
        self.refused = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.refused.bind(("127.0.0.1", 0))
        run.refused_port = self.refused.getsockname()[1]
        self.peers, self.threads = [], []
        self.lock = threading.Lock()
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self):
        while True:
            try:
                sock, _ = self.lsock.accept()
            except OSError:   # Server.close shut the listener down
                return
            peer = Peer(sock, self.run)
            t = threading.Thread(target=self._serve, args=(peer,), daemon=True)
            with self.lock:
                self.peers.append(peer)
                self.threads.append(t)
            t.start()

    def _serve(self, peer):
        try:
            self.handler(peer, self.run)
        except Exception:  # noqa: BLE001 -- reported as a harness error
            self.run.errors.append(traceback.format_exc())
        finally:
            peer.close()

    def close(self, join=5.0):
        """After the client exited: stop accepting, wake and join the handlers."""
        self.run.finish()
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)  # wakes accept() on Linux
        except OSError:
            pass
        self.lsock.close()
        self.refused.close()
        self.acceptor.join(join)
        with self.lock:
            peers, threads = list(self.peers), list(self.threads)
        for p in peers:
            p.abort()
        for t in threads:
            t.join(join)
            if t.is_alive():
                self.run.notes.append("a server script was still running %.0f s after the client exited" % join)


# ---------------------------------------------------------------------------
# Handler builders.

def _end(peer, how):
    if how == "keep":
        peer.wait_client_close()
    elif how == "close":
        pass                       # Server._serve closes: a FIN
    elif how == "rst":
        peer.rst()
    elif how == "shut_wr":
        peer.shutdown_wr()
        peer.wait_client_close()
    else:
        raise ValueError("unknown end %r" % how)


def reply(data, end="keep"):
    """Read one request, send data (bytes, or f(run, req) -> bytes), end."""
    def handler(peer, run):
        req = peer.read_request()
        if req is None:
            return
        peer.send(data(run, req) if callable(data) else data)
        _end(peer, end)
    return handler


def no_reply(end):
    """Read the request and answer nothing: end it as `end` says."""
    def handler(peer, run):
        if peer.read_request() is not None:
            _end(peer, end)
    return handler


def send_then_rst_after_print(data, printed):
    """Send data (head and part of a body), wait until the client has
    printed `printed` bytes of it, then RST."""
    def handler(peer, run):
        if peer.read_request() is None:
            return
        peer.send(data)
        run.wait_stdout(printed)
        peer.rst()
    return handler


def split_send(first, printed, rest, end="close"):
    """Send first, wait until the client has printed `printed` bytes, then
    send rest: two reads for the client, in a known order."""
    def handler(peer, run):
        if peer.read_request() is None:
            return
        peer.send(first)
        run.wait_stdout(printed)
        peer.send(rest)
        _end(peer, end)
    return handler


def echo(req):
    """The final answer of the redirect scenarios: how the client asked."""
    body = ("%s %s content-length=%s content-type=%s body=" % (
        req.method, req.target, req.get("content-length", "-"),
        req.get("content-type", "-"))).encode("latin-1") + req.body + b"\n"
    return H("HTTP/1.1 200 OK", "Content-Type: text/plain", "Content-Length: %d" % len(body)) + body


def redirector(route):
    """Keep-alive: every request on every connection gets route(run, req)
    -> response bytes, or None for echo(req)."""
    def handler(peer, run):
        while True:
            req = peer.read_request()
            if req is None:
                return
            out = route(run, req)
            peer.send(out if out is not None else echo(req))
            if out is not None and b"connection: close" in out.lower():
                return
    return handler


def redirect_to(status, location, extra=()):
    """Answer /start with a redirect, everything else with echo."""
    text = {300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
            307: "Temporary Redirect", 308: "Permanent Redirect"}[status]

    def route(run, req):
        if req.target != "/start":
            return None
        loc = location(run) if callable(location) else location
        lines = ["HTTP/1.1 %d %s" % (status, text)]
        if loc is not None:
            lines.append("Location: " + loc)
        body = b"redirect body\n"
        return H(*lines, *extra, "Content-Length: %d" % len(body)) + body
    return redirector(route)


def chain(hops):
    """/start -> /hop/1 -> ... -> /hop/<hops> (302 each), then echo."""
    def route(run, req):
        n = 0 if req.target == "/start" else int(req.target.rsplit("/", 1)[1])
        if n >= hops:
            return None
        return H("HTTP/1.1 302 Found", "Location: /hop/%d" % (n + 1), "Content-Length: 0")
    return redirector(route)


def early_413(peer, run):
    """Answer 413 after the request head, before reading the body (too big
    for the socket buffers, so the client is still writing), half-close,
    and read the body only once the client has printed the answer: a client
    that waits for its own write to finish before reading cannot print it."""
    head = peer.read_head()
    if head is None:
        return
    run.log_request(Request(head))
    body = b"request body too large\n"
    peer.send(H("HTTP/1.1 413 Content Too Large", "Connection: close",
                "Content-Length: %d" % len(body)) + body)
    peer.shutdown_wr()
    # Longer than the scenario's --timeout: a client that cannot read the
    # answer before its write is done times out (exit 3) before the server
    # reads on and lets its write finish.
    run.wait_stdout(len(body), cap=8.0)
    peer.wait_client_close()


def early_200_keep(peer, run):
    """Answer 200 as soon as the head is in, then read the body and keep
    the connection (a server that streams its answer without buffering)."""
    req = peer.read_request(body=False)
    if req is None:
        return
    body = b"answered before the body\n"
    peer.send(H("HTTP/1.1 200 OK", "Content-Length: %d" % len(body)) + body)
    peer.wait_client_close()


def shut_wr_first(peer, run):
    """Half-close before the request is read, then read it and wait."""
    peer.shutdown_wr()
    peer.read_request()
    peer.wait_client_close()


# ---------------------------------------------------------------------------
# The table.

class Scenario:
    __slots__ = ("name", "handler", "timeout", "body", "path", "why")

    def __init__(self, name, handler, timeout=None, body=DEFAULT_BODY, path="/start", why=""):
        self.name, self.handler, self.timeout = name, handler, timeout
        self.body, self.path, self.why = body, path, why


SCENARIOS = []


def scenario(name, handler, **kw):
    SCENARIOS.append(Scenario(name, handler, **kw))


OK = "HTTP/1.1 200 OK"
HELLO = b"hello"
BIG = seeded_bytes(1 << 20, "close-delimited")
GZ = gzip.compress(b'{"compressed":true}\n', mtime=0)

# Well-framed answers: the baseline every client must get right.
scenario("ok.content_length", reply(H(OK, "Content-Type: application/json", "Content-Length: 16") +
                                    b'{"answer":"yes"}'), why="the baseline")
scenario("ok.content_length_close", reply(H(OK, "Connection: close", "Content-Length: 5") + HELLO,
                                          end="close"))
scenario("ok.connection_close_left_open", reply(H(OK, "Connection: close", "Content-Length: 5") + HELLO),
         why="Connection: close, but the server does not close: the length ends the body")
scenario("ok.content_length_0", reply(H(OK, "Content-Length: 0")))
scenario("ok.binary_body", reply(H(OK, "Content-Length: 256") + bytes(range(256))))
scenario("ok.chunked", reply(H(OK, "Transfer-Encoding: chunked") + chunked(b"hello", b" ", b"world\n")))
scenario("ok.chunked_ext_trailers", reply(
    H(OK, "Transfer-Encoding: chunked", "Trailer: X-Checksum") +
    b"5;name=value\r\nhello\r\n6;a;b\r\n world\r\n1;q=\"x y\"\r\n\n\r\n0;last\r\nX-Checksum: abc\r\n"
    b"X-Other: 1\r\n\r\n"),
    why="token chunk extensions (RFC 9112 7.1.1: MUST ignore) and a trailer section")
scenario("ok.chunked_1000_chunks", reply(H(OK, "Transfer-Encoding: chunked") +
                                         chunked(*[bytes([65 + i % 26]) for i in range(1000)])))
scenario("ok.close_delimited", reply(H(OK, "Content-Type: text/plain") + b"until the close\n", end="close"),
         why="no Content-Length, no Transfer-Encoding: the body ends at the close (RFC 9112 6.3 item 8)")
scenario("ok.close_delimited_1mib", reply(H(OK) + BIG, end="close"))
scenario("ok.close_delimited_empty", reply(H(OK), end="close"))
scenario("ok.http10_content_length", reply(H("HTTP/1.0 200 OK", "Content-Length: 5") + HELLO, end="close"))
scenario("ok.http10_close_delimited", reply(H("HTTP/1.0 200 OK") + b"one-oh body\n", end="close"))
scenario("ok.content_encoding_gzip", reply(H(OK, "Content-Encoding: gzip", "Content-Length: %d" % len(GZ)) + GZ),
         why="both clients ask for gzip on their own and print the body decoded")
scenario("ok.content_encoding_gzip_corrupt", reply(H(OK, "Content-Encoding: gzip", "Content-Length: 9") + b"not gzip!"),
         why="a body that does not inflate: a transport failure for both")
scenario("ok.content_encoding_gzip_truncated",
         reply(H(OK, "Content-Encoding: gzip", "Content-Length: %d" % (len(GZ) - 4)) + GZ[:-4]),
         why="a gzip stream cut short inside its declared length")

# Interim (1xx) responses before the final one.
scenario("interim.100_continue", reply(H("HTTP/1.1 100 Continue") + H(OK, "Content-Length: 5") + HELLO),
         why="an unsolicited 100 Continue is dropped (RFC 9110 15.2)")
scenario("interim.103_early_hints", reply(H("HTTP/1.1 103 Early Hints", "Link: </s.css>; rel=preload") +
                                          H(OK, "Content-Length: 5") + HELLO))
scenario("interim.100_102_103", reply(H("HTTP/1.1 100 Continue") + H("HTTP/1.1 102 Processing") +
                                      H("HTTP/1.1 103 Early Hints") + H(OK, "Content-Length: 5") + HELLO))
scenario("interim.six_103", reply(H("HTTP/1.1 103 Early Hints") * 6 + H(OK, "Content-Length: 5") + HELLO),
         why="Go gives up after 5 interim responses")
scenario("interim.50000_103", reply(H("HTTP/1.1 103 Early Hints") * 50000 + H(OK, "Content-Length: 5") + HELLO),
         why="1.4 MB of interim heads: is there a bound?")
scenario("interim.1xx_with_content_length", reply(
    H("HTTP/1.1 100 Continue", "Content-Length: 5") + H(OK, "Content-Length: 5") + HELLO),
    why="a 1xx never has a body, whatever it says (RFC 9110 15.2)")
scenario("interim.100_then_close", reply(H("HTTP/1.1 100 Continue"), end="close"))
scenario("interim.101_switching", reply(H("HTTP/1.1 101 Switching Protocols", "Upgrade: foo",
                                          "Connection: Upgrade") + b"raw upgraded bytes\n", end="close"),
         why="101 to a request that asked for no upgrade")

# Error statuses: the body is printed, exit 1.
scenario("error.404_content_length", reply(H("HTTP/1.1 404 Not Found", "Content-Length: 10") + b"not found\n"))
scenario("error.500_chunked", reply(H("HTTP/1.1 500 Internal Server Error", "Transfer-Encoding: chunked") +
                                    chunked(b"internal ", b"error\n")))
scenario("error.400_close_delimited", reply(H("HTTP/1.1 400 Bad Request") + b"bad request\n", end="close"))
scenario("error.503_empty", reply(H("HTTP/1.1 503 Service Unavailable", "Content-Length: 0")))

# No-body statuses followed by bytes (RFC 9112 6.3 item 1: no body, whatever the fields say).
scenario("status.204_then_bytes", reply(H("HTTP/1.1 204 No Content") + HELLO))
scenario("status.204_content_length", reply(H("HTTP/1.1 204 No Content", "Content-Length: 5") + HELLO))
scenario("status.204_chunked", reply(H("HTTP/1.1 204 No Content", "Transfer-Encoding: chunked") + chunked(HELLO)))
scenario("status.304_content_length", reply(H("HTTP/1.1 304 Not Modified", "Content-Length: 5") + HELLO))
scenario("status.304_then_close", reply(H("HTTP/1.1 304 Not Modified") + HELLO, end="close"))

# The status line.
scenario("status_line.garbage", reply(b"HELLO WORLD\r\n\r\n", end="close"))
scenario("status_line.http09_body", reply(b'{"ok":true}\n', end="close"),
         why="an HTTP/0.9-style answer: a body with no status line")
scenario("status_line.empty_reply", no_reply("close"))
scenario("status_line.code_2_digits", reply(H("HTTP/1.1 99 Odd", "Content-Length: 5") + HELLO))
scenario("status_line.code_1_digit", reply(H("HTTP/1.1 2 OK", "Content-Length: 5") + HELLO))
scenario("status_line.code_099", reply(H("HTTP/1.1 099 Odd", "Content-Length: 5") + HELLO))
scenario("status_line.code_000", reply(H("HTTP/1.1 000 Zero", "Content-Length: 5") + HELLO))
scenario("status_line.code_600", reply(H("HTTP/1.1 600 Beyond", "Content-Length: 5") + HELLO))
scenario("status_line.code_4_digits", reply(H("HTTP/1.1 1000 Big", "Content-Length: 5") + HELLO))
scenario("status_line.code_abc", reply(H("HTTP/1.1 abc Letters", "Content-Length: 5") + HELLO))
scenario("status_line.no_reason", reply(H("HTTP/1.1 200", "Content-Length: 5") + HELLO),
         why="RFC 9112 4: reason-phrase may be empty, but the SP before it is required")
scenario("status_line.no_reason_sp", reply(H("HTTP/1.1 200 ", "Content-Length: 5") + HELLO))
scenario("status_line.no_sp_after_version", reply(H("HTTP/1.1200 OK", "Content-Length: 5") + HELLO))
scenario("status_line.lowercase_proto", reply(H("http/1.1 200 OK", "Content-Length: 5") + HELLO))
scenario("status_line.http_1_2", reply(H("HTTP/1.2 200 OK", "Content-Length: 5") + HELLO))
scenario("status_line.http_2_0", reply(H("HTTP/2.0 200 OK", "Content-Length: 5") + HELLO))
scenario("status_line.leading_crlf", reply(b"\r\n" + H(OK, "Content-Length: 5") + HELLO),
         why="RFC 9112 2.2: a server SHOULD ignore one empty line before a request; nothing says so for responses")
scenario("status_line.bare_cr", reply(b"HTTP/1.1 200 OK\rContent-Length: 5\r\n\r\nhello", end="close"))

# Header section syntax.
scenario("head.bare_lf", reply(H(OK, "Content-Type: text/plain", "Content-Length: 5", eol="\n") + HELLO),
         why="RFC 9112 2.2: a recipient MAY recognise a bare LF as a line terminator")
scenario("head.bare_lf_mixed", reply(b"HTTP/1.1 200 OK\nContent-Length: 5\r\nX-A: b\n\r\nhello"))
scenario("head.obs_fold", reply(H(OK, "X-Folded: first", " second", "Content-Length: 5") + HELLO),
         why="RFC 9112 5.2: a user agent MUST replace each obs-fold with SP")
scenario("head.obs_fold_content_length", reply(H(OK, "Content-Length:", " 5") + HELLO + b"EXTRA", end="close"))
scenario("head.space_before_colon", reply(H(OK, "X-Thing : v", "Content-Length: 5") + HELLO))
scenario("head.space_before_colon_content_length", reply(H(OK, "Content-Length : 5") + HELLO + b"EXTRA",
                                                         end="close"))
scenario("head.no_colon", reply(H(OK, "NoColonHere", "Content-Length: 5") + HELLO))
scenario("head.leading_space_first_field", reply(H(OK, " X-A: b", "Content-Length: 5") + HELLO))
scenario("head.empty_name", reply(H(OK, ": value", "Content-Length: 5") + HELLO))
scenario("head.nul_in_value", reply(H(OK, "X-A: a\0b", "Content-Length: 5") + HELLO))
scenario("head.bad_name_char", reply(H(OK, "X(A): b", "Content-Length: 5") + HELLO))
scenario("head.value_1_5mib", reply(H(OK, "X-Big: " + "v" * (3 << 19), "Content-Length: 5") + HELLO),
         why="one field over 1 MiB (Go's MaxResponseHeaderBytes default is 10 MiB)")
scenario("head.value_11mib", reply(H(OK, "X-Big: " + "v" * (11 << 20), "Content-Length: 5") + HELLO),
         why="a head over Go's 10 MiB")
scenario("head.10000_fields", reply(H(OK, *["X-N%d: v" % i for i in range(10000)], "Content-Length: 5") + HELLO))
scenario("head.truncated_then_close", reply(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", end="close"))
scenario("head.status_line_then_close", reply(b"HTTP/1.1 200 OK\r\n", end="close"))

# Content-Length.
scenario("cl.letters", reply(H(OK, "Content-Length: 5a") + HELLO, end="close"))
scenario("cl.duplicate_different", reply(H(OK, "Content-Length: 5", "Content-Length: 6") + HELLO + b"!",
                                         end="close"))
scenario("cl.duplicate_same", reply(H(OK, "Content-Length: 5", "Content-Length: 5") + HELLO))
scenario("cl.list_same", reply(H(OK, "Content-Length: 5, 5") + HELLO),
         why="RFC 9112 6.3 item 5: a list of identical valid values is that value")
scenario("cl.negative", reply(H(OK, "Content-Length: -1") + HELLO, end="close"))
scenario("cl.plus_sign", reply(H(OK, "Content-Length: +5") + HELLO, end="close"))
scenario("cl.empty", reply(H(OK, "Content-Length: ") + HELLO, end="close"))
scenario("cl.leading_zeros", reply(H(OK, "Content-Length: 005") + HELLO))
scenario("cl.2pow63", reply(H(OK, "Content-Length: 9223372036854775808") + HELLO, end="close"))
scenario("cl.with_chunked", reply(H(OK, "Content-Length: 100", "Transfer-Encoding: chunked") + chunked(HELLO)),
         why="RFC 9112 6.3 item 3: Transfer-Encoding overrides Content-Length")
scenario("cl.shorter_than_body", reply(H(OK, "Content-Length: 5") + HELLO + b"EXTRA", end="close"))

# Transfer-Encoding.
scenario("te.gzip", reply(H(OK, "Transfer-Encoding: gzip") + GZ, end="close"))
scenario("te.chunked_gzip", reply(H(OK, "Transfer-Encoding: chunked, gzip") + chunked(GZ), end="close"),
         why="chunked not last: RFC 9112 6.3 item 4, the body is read until the close")
scenario("te.gzip_chunked", reply(H(OK, "Transfer-Encoding: gzip, chunked") + chunked(GZ)))
scenario("te.identity", reply(H(OK, "Transfer-Encoding: identity", "Content-Length: 5") + HELLO, end="close"))
scenario("te.empty", reply(H(OK, "Transfer-Encoding: ", "Content-Length: 5") + HELLO, end="close"))
scenario("te.uppercase", reply(H(OK, "Transfer-Encoding: CHUNKED") + chunked(HELLO)),
         why="transfer-coding names are case-insensitive (RFC 9112 7)")
scenario("te.two_fields", reply(H(OK, "Transfer-Encoding: chunked", "Transfer-Encoding: chunked") +
                                chunked(HELLO), end="close"))
scenario("te.http10_chunked", reply(H("HTTP/1.0 200 OK", "Transfer-Encoding: chunked") + chunked(HELLO),
                                    end="close"),
         why="RFC 9112 6.1: Transfer-Encoding in a 1.0 message: framing faulty")

# Chunked framing errors.
scenario("chunked.bad_size", reply(H(OK, "Transfer-Encoding: chunked") + b"zz\r\nhello\r\n0\r\n\r\n", end="close"))
scenario("chunked.size_overflow", reply(H(OK, "Transfer-Encoding: chunked") +
                                        b"10000000000000000\r\nhello\r\n0\r\n\r\n", end="close"))
scenario("chunked.size_17_digits", reply(H(OK, "Transfer-Encoding: chunked") +
                                         b"00000000000000005\r\nhello\r\n0\r\n\r\n"))
scenario("chunked.negative_size", reply(H(OK, "Transfer-Encoding: chunked") + b"-5\r\nhello\r\n0\r\n\r\n",
                                        end="close"))
scenario("chunked.size_trailing_space", reply(H(OK, "Transfer-Encoding: chunked") + b"5 \r\nhello\r\n0\r\n\r\n"))
scenario("chunked.no_crlf_after_data", reply(H(OK, "Transfer-Encoding: chunked") + b"5\r\nhelloXX0\r\n\r\n",
                                             end="close"))
scenario("chunked.bare_lf_size_lines", reply(H(OK, "Transfer-Encoding: chunked") + b"5\nhello\r\n0\n\r\n"))
scenario("chunked.bare_lf_after_data", reply(H(OK, "Transfer-Encoding: chunked") + b"5\r\nhello\n0\r\n\r\n",
                                             end="close"))
scenario("chunked.ext_quoted_string", reply(H(OK, "Transfer-Encoding: chunked") +
                                           b"5;a=\"q d\"\r\nhello\r\n0\r\n\r\n"),
         why="RFC 9112 7.1.1: chunk-ext-val = token / quoted-string")
scenario("chunked.ext_after_valued_ext", reply(H(OK, "Transfer-Encoding: chunked") +
                                              b"5;a=b;c=d\r\nhello\r\n0\r\n\r\n"),
         why="RFC 9112 7.1.1: *( BWS \";\" BWS chunk-ext-name [ BWS \"=\" BWS chunk-ext-val ] )")
scenario("chunked.ext_bws", reply(H(OK, "Transfer-Encoding: chunked") + b"5 ; a = b\r\nhello\r\n0\r\n\r\n"),
         why="RFC 9112 7.1.1: BWS around ';' and '='")
scenario("chunked.no_crlf_after_data_split", split_send(
    H(OK, "Transfer-Encoding: chunked") + b"5\r\nhello", 5, b"XX0\r\n\r\n"),
    why="as chunked.no_crlf_after_data, but the bad bytes come once the client printed hello")
scenario("chunked.trailer_content_length", reply(H(OK, "Transfer-Encoding: chunked") +
                                                 chunked(HELLO, trailer=b"Content-Length: 99\r\n")),
         why="RFC 9110 6.5.1: framing fields in a trailer are not to be used")
scenario("chunked.bad_trailer", reply(H(OK, "Transfer-Encoding: chunked") + b"5\r\nhello\r\n0\r\nNoColon\r\n\r\n",
                                      end="close"))

# Cut short with a FIN.
scenario("truncated.content_length", reply(H(OK, "Content-Length: 100") + b"0123456789", end="close"))
scenario("truncated.404_content_length", reply(H("HTTP/1.1 404 Not Found", "Content-Length: 100") +
                                              b"not found", end="close"),
         why="an error status whose body is cut short: a transport failure, 3, not 1")
scenario("truncated.chunked_mid_data", reply(H(OK, "Transfer-Encoding: chunked") + b"a\r\n01234", end="close"))
scenario("truncated.chunked_no_last_chunk", reply(H(OK, "Transfer-Encoding: chunked") + b"5\r\nhello\r\n",
                                                  end="close"))
scenario("truncated.chunked_no_final_crlf", reply(H(OK, "Transfer-Encoding: chunked") + b"5\r\nhello\r\n0\r\n",
                                                  end="close"))
scenario("truncated.chunked_in_trailer", reply(H(OK, "Transfer-Encoding: chunked") +
                                               b"5\r\nhello\r\n0\r\nX-T: 1\r\n", end="close"))

# Cut short with an RST.
scenario("reset.before_any_byte", no_reply("rst"))
scenario("reset.mid_status_line", reply(b"HTTP/1.1 2", end="rst"))
scenario("reset.mid_head", reply(b"HTTP/1.1 200 OK\r\nContent-Le", end="rst"))
scenario("reset.mid_body", send_then_rst_after_print(H(OK, "Content-Length: 20") + b"0123456789", 10),
         why="RST after 10 of 20 bytes, once the client has printed those 10")
scenario("reset.mid_chunked", send_then_rst_after_print(H(OK, "Transfer-Encoding: chunked") + b"5\r\nhello\r\n", 5))
scenario("reset.after_complete_body", reply(H(OK, "Content-Length: 5") + HELLO, end="rst"))

# Half-closed by the server.
scenario("halfclose.no_answer", no_reply("shut_wr"),
         why="shutdown(SHUT_WR) right after reading the request, no answer")
scenario("halfclose.before_request", shut_wr_first)
scenario("halfclose.after_close_delimited", reply(H(OK) + b"half-closed\n", end="shut_wr"))

# Bytes after the body.
scenario("extra.after_content_length", reply(H(OK, "Content-Length: 5") + HELLO + b"EXTRA BYTES\r\n"))
scenario("extra.after_chunked", reply(H(OK, "Transfer-Encoding: chunked") + chunked(HELLO) + b"GARBAGE"))
scenario("extra.second_response", reply(H(OK, "Content-Length: 5") + HELLO + H(OK, "Content-Length: 5") + b"world"))

# Stalls, with --timeout 1: the whole exchange must end by then.
scenario("timeout.never_answers", no_reply("keep"), timeout=1)
scenario("timeout.stall_in_head", reply(b"HTTP/1.1 200 OK\r\n"), timeout=1)
scenario("timeout.stall_in_body", reply(H(OK, "Content-Length: 20") + b"01234"), timeout=1)
scenario("timeout.stall_in_chunked", reply(H(OK, "Transfer-Encoding: chunked") + b"5\r\nhello\r\n"), timeout=1)

# Answers before the request body was read.
# 8 MiB: about twice what loopback buffers before a sender blocks on a
# receiver that does not read (~3.9 MB here), so the client is mid-write.
scenario("early.413_before_body", early_413, timeout=4,
         body='{"pad":"%s"}' % ("x" * (8 << 20)),
         why="an 8 MiB body: the 413 comes while the client is still writing (RFC 9112 9.5: it SHOULD "
             "stop sending), then a half-close")
scenario("early.200_before_body", early_200_keep)

# Redirects, to the same server (keep-alive; a new connection is served too).
for code in (301, 302, 303, 307, 308):
    scenario("redirect.%d" % code, redirect_to(code, "/dest"),
             why="RFC 9110 15.4: 301/302 may and 303 does become GET; 307/308 keep the method and body")
scenario("redirect.300_not_followed", redirect_to(300, "/dest"))
scenario("redirect.307_connection_close", redirect_to(307, "/dest", extra=("Connection: close",)))
scenario("redirect.absolute", redirect_to(302, lambda run: "http://127.0.0.1:%d/dest" % run.port))
scenario("redirect.relative_path", redirect_to(302, "dest?q=1"), why="resolved against /start")
scenario("redirect.missing_location", redirect_to(302, None))
scenario("redirect.location_bad_host", redirect_to(302, "http://[::1"))
scenario("redirect.location_bad_escape", redirect_to(302, "/%zz"))
scenario("redirect.location_ftp", redirect_to(302, "ftp://127.0.0.1/x"))
scenario("redirect.to_refused_port", redirect_to(302, lambda run: "http://127.0.0.1:%d/dest" % run.refused_port))
scenario("redirect.to_404", redirector(lambda run, req: H(
    "HTTP/1.1 302 Found", "Location: /dest", "Content-Length: 0") if req.target == "/start" else
    H("HTTP/1.1 404 Not Found", "Content-Length: 10") + b"not found\n"))
scenario("redirect.location_fragment", redirect_to(302, "/dest#frag"), why="the fragment is not sent")
scenario("redirect.location_network_path", redirect_to(302, lambda run: "//127.0.0.1:%d/dest" % run.port))
scenario("redirect.chunked_redirect_body", redirector(lambda run, req: H(
    "HTTP/1.1 307 Temporary Redirect", "Location: /dest", "Transfer-Encoding: chunked") + chunked(b"moved", b"\n")
    if req.target == "/start" else None), why="the redirect's body is drained before the conn is reused")
scenario("redirect.close_delimited_redirect_body", redirector(lambda run, req: H(
    "HTTP/1.1 307 Temporary Redirect", "Location: /dest", "Connection: close") + b"moved, until the close\n"
    if req.target == "/start" else None), why="the body ends at the close: the next hop needs a new conn")
scenario("redirect.loop", redirector(lambda run, req: H("HTTP/1.1 302 Found", "Location: /start",
                                                        "Content-Length: 0")))
scenario("redirect.chain_9", chain(9))
scenario("redirect.chain_10", chain(10), why="Go: \"stopped after 10 redirects\"")


def by_name():
    names = [s.name for s in SCENARIOS]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, "duplicate scenario names: %s" % sorted(dup)
    return {s.name: s for s in SCENARIOS}
