#!/usr/bin/env python3
"""Differential conformance: the same request byte streams to pingd and to a
Go net/http server with the same routes (tests/diff/go-server), compared.

For each stream of tests/diff/gen.py: a fresh TCP connection to each server,
all bytes sent (while reading, so that a server that stops reading cannot
deadlock us), then a half-close or not (per stream), then read until the
server closes, or -- on a connection left open -- until as many responses as
requests have arrived (plus a short wait for a close), or an inactivity
deadline. The response bytes are parsed (Content-Length, chunked, or
close-delimited; 1xx interim responses are dropped) into a sequence of
(status, body, content-type) with the body and type kept only for 2xx, so
Date, Server and the wording of error bodies do not matter. On a connection
we left open, whether the server closed it is compared too.

A difference is grouped by its signature,
    "<feature> pingd=<status> go=<status>"        first differing status
    "<feature> body pingd=<status> go=<status>"   same status, different 2xx body
    "<feature> conn pingd=<closed|open> go=<...>" same answers, different close
where <feature> is the generator mutation of the request the first difference
belongs to (or of the closest mutated request before it; edge.* for the
hand-written cases) and <status> is a code, "none" (no response at that
place) or "timeout" (connection neither answered nor closed). Groups are
matched against known_differences.json (fnmatch patterns on signatures),
each entry pointing to a row of KNOWN_DIFFERENCES.md.

A row of known_differences.json with a "fixed" commit records a difference
that pingd no longer has: its signatures are the old behaviour, they never
make a group known, and a group that matches one is reported as a
REGRESSION (it counts as unknown). They are tried before the other rows.

  compare.py --pingd PATH --go-server PATH [--out DIR] [--seed N] [--count N]
             [--quick] [--jobs N] [--only FEATURE_GLOB]... [--show STREAM_ID]

--quick compares a deterministic subset: every hand-written edge case and the
first QUICK_COUNT generated streams (a prefix of the full run of the same
seed, which visits every mutation at least once), about 600 streams.

Prints "streams compared: N", "streams with differences: D", "difference
groups: G (known K, unknown U)"; writes DIR/report.md and DIR/report.json.
Exit status 0 when every group is known and pingd neither crashed, hung,
printed a sanitizer report (ASan/LSan/UBSan/TSan lines in its stderr) nor
exited non-zero on SIGTERM; 1 otherwise; 2 on a usage or start-up error.
"""

import argparse
import concurrent.futures
import errno
import fnmatch
import json
import os
import re
import selectors
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import gen  # noqa: E402

CONNECT_TIMEOUT = 3.0
OVERALL_DEADLINE = 8.0       # per connection, whatever happens
HALF_CLOSED_IDLE = 3.0       # we sent EOF: the server must answer and close by then
OPEN_IDLE = 1.0              # connection left open, fewer answers than requests
OPEN_CLOSE_WAIT = 0.25       # all answers in: how long to wait for a close
STOP_WAIT = 15.0             # SIGTERM to exit (pingd's --shutdown-timeout is 10 s)
PROBE_TIMEOUT = 5.0          # the liveness probe (GET /ping) after a pingd timeout

QUICK_COUNT = 521            # --quick: EDGE_CASES (79) + 521 generated = 600 streams

# A line of pingd's stderr that means a sanitizer found something. ASan and
# TSan abort or not depending on their options; UBSan's "runtime error:" goes
# on by default, so the log is the only place it shows.
SANITIZER_RE = re.compile(rb"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                          rb"WARNING: ThreadSanitizer|ERROR: ThreadSanitizer|"
                          rb"SUMMARY: (?:Address|Leak|Thread|UndefinedBehavior|Memory)Sanitizer")


# ---------------------------------------------------------------------------
# Servers.

class Server:
    """A server process on 127.0.0.1:0; the port comes from its stderr line
    "listening on 127.0.0.1:PORT"; the rest of stderr goes to a log file."""

    def __init__(self, name, argv, log_path):
        self.name, self.argv, self.log_path = name, argv, log_path
        self.proc, self.port, self.restarts = None, None, 0
        self.drains = []       # the threads copying stderr to the log
        self.lock = threading.Lock()
        # A log left by an earlier run in the same --out would be scanned
        # for sanitizer reports: start empty.
        open(self.log_path, "wb").close()
        self.start()

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        line = b""
        # The stderr pipe is read line by line (each readline returns at a
        # newline or EOF) until the listening line; then a thread copies the
        # rest into the log so the pipe never fills.
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            log.write(line)
            m = re.search(rb"listening on (?:127\.0\.0\.1|\[::\]|0\.0\.0\.0)?:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.proc.kill()
            raise RuntimeError("%s did not report its address (see %s)" % (self.name, self.log_path))
        log.flush()

        def drain(pipe=self.proc.stderr, log=log):
            for l in iter(pipe.readline, b""):
                log.write(l)
                log.flush()
            log.close()
        t = threading.Thread(target=drain, daemon=True)
        t.start()
        self.drains.append(t)

    def alive(self):
        return self.proc.poll() is None

    def ensure(self):
        """Restart a dead server; returns its exit status if it had died."""
        with self.lock:
            if self.alive():
                return None
            rc = self.proc.returncode
            self.restarts += 1
            self.port = None
            self.start()
            return rc

    def stop(self):
        """SIGTERM, then wait; -> (exit status, whether it had to be killed)."""
        killed = False
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(STOP_WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                killed = True
        for t in self.drains:
            t.join(5)
        return self.proc.returncode, killed

    def sanitizer_lines(self, limit=20):
        """Lines of the log that are sanitizer reports."""
        out = []
        try:
            with open(self.log_path, "rb") as f:
                for n, line in enumerate(f, 1):
                    if SANITIZER_RE.search(line):
                        out.append("%s:%d: %s" % (os.path.basename(self.log_path), n,
                                                  line.rstrip().decode("utf-8", "replace")[:200]))
                        if len(out) >= limit:
                            break
        except OSError as e:
            out.append("cannot read %s: %s" % (self.log_path, e))
        return out


# ---------------------------------------------------------------------------
# Responses.

class Resp:
    __slots__ = ("status", "headers", "body", "complete", "raw_status")

    def __init__(self, status, headers=(), body=b"", complete=True, raw_status=b""):
        self.status, self.headers, self.body = status, list(headers), body
        self.complete, self.raw_status = complete, raw_status

    def get(self, name):
        for k, v in self.headers:
            if k == name:
                return v
        return None


def _decode_chunked(data, pos):
    """-> (body, end_pos, complete): a tolerant chunked decoder."""
    out = []
    while True:
        eol = data.find(b"\n", pos)
        if eol < 0:
            return b"".join(out), len(data), False
        size_s = data[pos:eol].split(b";")[0].strip()
        try:
            size = int(size_s, 16)
        except ValueError:
            return b"".join(out), len(data), False
        pos = eol + 1
        if size == 0:
            # trailers until an empty line
            while True:
                eol = data.find(b"\n", pos)
                if eol < 0:
                    return b"".join(out), len(data), False
                line = data[pos:eol].strip(b"\r")
                pos = eol + 1
                if not line:
                    return b"".join(out), pos, True
        if pos + size > len(data):
            out.append(data[pos:])
            return b"".join(out), len(data), False
        out.append(data[pos:pos + size])
        pos += size
        if data.startswith(b"\r\n", pos):
            pos += 2
        elif data.startswith(b"\n", pos):
            pos += 1


def parse_responses(data, methods):
    """Split a server's byte stream into responses; 1xx are dropped.
    methods[i] is the method of the i-th request (HEAD responses have no body)."""
    resps, pos, idx = [], 0, 0
    while pos < len(data):
        if not data.startswith(b"HTTP/", pos):
            resps.append(Resp("garbage", body=data[pos:pos + 64], complete=False))
            break
        crlf, lf = data.find(b"\r\n\r\n", pos), data.find(b"\n\n", pos)
        cands = [(e, n) for e, n in ((crlf, 4), (lf, 2)) if e >= 0]
        m = re.match(rb"HTTP/\d\.\d (\d{3})", data[pos:pos + 16])
        if not cands:
            resps.append(Resp(int(m.group(1)) if m else "garbage", complete=False))
            break
        end, n = min(cands)
        head = data[pos:end].split(b"\n")
        pos = end + n
        if not m:
            resps.append(Resp("garbage", body=head[0][:64], complete=False))
            break
        status = int(m.group(1))
        headers = []
        for line in head[1:]:
            k, _, v = line.rstrip(b"\r").partition(b":")
            headers.append((k.strip().lower().decode("latin-1"), v.strip()))
        r = Resp(status, headers, raw_status=head[0].rstrip(b"\r"))
        if 100 <= status < 200 and status != 101:
            continue  # interim
        method = methods[idx] if idx < len(methods) else b"GET"
        idx += 1
        te, cl = r.get("transfer-encoding"), r.get("content-length")
        # A server's canned error answer (Go's "400 Bad Request" written
        # straight to the connection) has a body even for HEAD.
        head_error = (method == b"HEAD" and status >= 400 and pos < len(data) and
                      not data.startswith(b"HTTP/", pos))
        if status in (204, 304) or (method == b"HEAD" and not head_error) or status == 101:
            pass
        elif te is not None and b"chunked" in te.lower():
            r.body, pos, r.complete = _decode_chunked(data, pos)
        elif cl is not None and cl.isdigit():
            n = int(cl)
            r.body = data[pos:pos + n]
            r.complete = len(r.body) == n
            pos += n
        else:
            r.body, pos = data[pos:], len(data)
        resps.append(r)
        if not r.complete:
            break
    return resps


def summarize(resps):
    """The comparable view of a response sequence."""
    out = []
    for r in resps:
        if r.status == "garbage":
            out.append(("garbage",))
            continue
        item = [r.status]
        if 200 <= r.status < 300:
            item += [r.body, r.get("content-type")]
        if not r.complete:
            item.append("incomplete")
        out.append(tuple(item))
    return out


# ---------------------------------------------------------------------------
# One exchange.

class Result:
    __slots__ = ("raw", "closed", "reset", "timed_out", "send_error", "resps", "seq", "end")


def exchange(port, stream):
    """Send stream to 127.0.0.1:port, collect what comes back."""
    res = Result()
    res.closed = res.reset = res.timed_out = False
    res.send_error = None
    buf = bytearray()
    s = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT)
    sel = selectors.DefaultSelector()
    try:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if stream.data else 0))
        data, sent = memoryview(stream.data), 0
        sending = bool(stream.data)
        if not sending and stream.half_close:
            s.shutdown(socket.SHUT_WR)
        start = last = time.monotonic()
        all_in_at = None
        while True:
            now = time.monotonic()
            if now - start > OVERALL_DEADLINE:
                res.timed_out = True
                break
            if sending:
                timeout = OVERALL_DEADLINE - (now - start)
            elif stream.half_close:
                timeout = HALF_CLOSED_IDLE - (now - last)
            else:
                if all_in_at is None:
                    finals = [r for r in parse_responses(bytes(buf), stream.methods) if r.complete]
                    if len(finals) >= stream.nreq:
                        all_in_at = now
                timeout = (OPEN_CLOSE_WAIT - (now - all_in_at)) if all_in_at is not None \
                    else OPEN_IDLE - (now - last)
            if timeout <= 0:
                res.timed_out = stream.half_close or all_in_at is None
                break
            events = sel.select(timeout)
            for key, mask in events:
                if mask & selectors.EVENT_READ:
                    try:
                        chunk = s.recv(1 << 16)
                    except (ConnectionResetError, BrokenPipeError):
                        res.reset = res.closed = True
                        chunk = b""
                    except BlockingIOError:
                        continue
                    if not chunk:
                        res.closed = True
                    else:
                        buf += chunk
                        last = time.monotonic()
                if mask & selectors.EVENT_WRITE and sending:
                    try:
                        n = s.send(data[sent:sent + (1 << 16)])
                        sent += n
                        last = time.monotonic()
                    except BlockingIOError:
                        n = 0
                    except (BrokenPipeError, ConnectionResetError) as e:
                        res.send_error = errno.errorcode.get(e.errno, str(e))
                        sent = len(data)
                    if sent >= len(data):
                        sending = False
                        sel.modify(s, selectors.EVENT_READ)
                        if stream.half_close and res.send_error is None:
                            try:
                                s.shutdown(socket.SHUT_WR)
                            except OSError:
                                pass
            if res.closed:
                break
    finally:
        sel.close()
        s.close()
    res.raw = bytes(buf)
    res.resps = parse_responses(res.raw, stream.methods)
    res.seq = summarize(res.resps)
    if res.closed:
        res.end = "closed"
    elif stream.half_close or not res.seq or (res.timed_out and len(res.seq) < stream.nreq):
        # EOF sent and no close; or nothing at all: the server is waiting.
        res.end = "timeout"
    else:
        res.end = "open"
    return res


def probe(port):
    """-> None if GET /ping is answered 200 within PROBE_TIMEOUT, else why not."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT) as s:
            s.settimeout(PROBE_TIMEOUT)
            s.sendall(b"GET /ping HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
            buf = b""
            deadline = time.monotonic() + PROBE_TIMEOUT
            while b"\r\n" not in buf and time.monotonic() < deadline:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
    except OSError as e:
        return "GET /ping: %s" % e
    if not buf.startswith(b"HTTP/1.1 200"):
        return "GET /ping answered %r" % buf[:40]
    return None


# ---------------------------------------------------------------------------
# Comparison.

def status_name(item):
    if item is None:
        return "none"
    return str(item[0]) + ("!" if item[-1] == "incomplete" else "")


def feature_for(stream, index):
    """The mutation responsible for a difference at response index."""
    rf = stream.req_features
    for k in range(min(index, len(rf) - 1), -1, -1):
        if rf[k]:
            return "+".join(rf[k])
    for fs in rf:
        if fs:
            return "+".join(fs)
    return "base"


def difference(stream, p, g):
    """-> None, or (signature, index) of the first difference."""
    ps, gs = p.seq, g.seq
    for i in range(max(len(ps), len(gs))):
        a = ps[i] if i < len(ps) else None
        b = gs[i] if i < len(gs) else None
        if a == b:
            continue
        f = feature_for(stream, i)
        an, bn = status_name(a), status_name(b)
        # No answer at this place: say why (the server hung, or closed).
        if a is None and p.end == "timeout":
            an = "timeout"
        if b is None and g.end == "timeout":
            bn = "timeout"
        if an == bn:
            return "%s body pingd=%s go=%s" % (f, an, bn), i
        return "%s pingd=%s go=%s" % (f, an, bn), i
    if not stream.half_close and p.end != g.end:
        return "%s conn pingd=%s go=%s" % (feature_for(stream, len(ps)), p.end, g.end), len(ps)
    if stream.half_close and (p.end == "timeout") != (g.end == "timeout"):
        return "%s conn pingd=%s go=%s" % (feature_for(stream, len(ps)), p.end, g.end), len(ps)
    return None


def merge_combined(groups):
    """A stream with two mutations whose difference also shows with one of
    them alone joins that mutation's group."""
    singles = {sig for sig in groups if "+" not in sig.split(" ", 1)[0]}
    out = {}
    for sig, items in groups.items():
        feat, rest = sig.split(" ", 1)
        target = sig
        if "+" in feat:
            for f in feat.split("+"):
                if "%s %s" % (f, rest) in singles:
                    target = "%s %s" % (f, rest)
                    break
        out.setdefault(target, []).extend(items)
    return out


def load_known(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        doc = json.load(f)
    return doc["differences"]


def _candidates(sig):
    feat, _, rest = sig.partition(" ")
    return [sig] + (["%s %s" % (f, rest) for f in feat.split("+")] if "+" in feat else [])


def match_fixed(sig, known):
    """The fixed row whose old behaviour this signature is, or None. Only
    the whole signature is tried: "A+B rest" is not the old behaviour of A
    just because "A rest" would be (B may be what pingd refuses, rightly),
    and every mutation also runs alone."""
    for k in known:
        if k.get("fixed") and any(fnmatch.fnmatchcase(sig, pat) for pat in k["signatures"]):
            return k
    return None


def match_known(sig, known):
    """The known_differences.json entry for a signature, or None. A group of
    two mutations ("A+B rest") is known when "A rest" or "B rest" is. The
    old behaviour of a fixed row is never known (see match_fixed), whatever
    else would match it."""
    if match_fixed(sig, known):
        return None
    for cand in _candidates(sig):
        for k in known:
            if k.get("fixed"):
                continue
            for pat in k["signatures"]:
                # A pingd hang is known only where a row names it outright:
                # a wildcard never covers one.
                if "pingd=timeout" in cand and "pingd=timeout" not in pat:
                    continue
                if fnmatch.fnmatchcase(cand, pat):
                    return k
    return None


def check_table(known, md_path):
    """Every row of the JSON must be a row of the markdown table."""
    try:
        with open(md_path) as f:
            md = f.read()
    except OSError:
        return ["%s is missing" % md_path]
    return ["row %s of known_differences.json is not in %s" % (k["row"], os.path.basename(md_path))
            for k in known if not re.search(r"^\| *%s *\|" % re.escape(k["row"]), md, re.M)]


def show_seq(res):
    parts = []
    for item in res.seq:
        s = status_name(item)
        if len(item) >= 3 and item[0] != "garbage":
            s += " " + json.dumps(gen.c_escape_short(item[1], 60))
        parts.append(s)
    return "[" + ", ".join(parts) + "] " + res.end


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pingd", required=True)
    ap.add_argument("--go-server", required=True)
    ap.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "nethttp-diff"))
    ap.add_argument("--known", default=os.path.join(HERE, "known_differences.json"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=None,
                    help="generated streams (default 3000; %d with --quick)" % QUICK_COUNT)
    ap.add_argument("--quick", action="store_true",
                    help="the edge cases and the first %d generated streams (~600 in all)" % QUICK_COUNT)
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--only", action="append",
                    help="compare only streams with a feature matching this glob (repeatable)")
    ap.add_argument("--show", type=int, action="append", help="print one stream and both answers")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    limits = ["%d" % gen.MAX_HEADER_BYTES, "%d" % gen.MAX_BODY_BYTES]
    try:
        workers = os.environ.get("PINGD_WORKERS")  # meson's run with several loops
        pingd = Server("pingd", [args.pingd, "--addr", "127.0.0.1:0", "--log-level", "info",
                                 "--max-header-bytes", limits[0], "--max-body-bytes", limits[1]]
                       + (["--workers", workers] if workers else []),
                       os.path.join(args.out, "pingd.log"))
        goserv = Server("go", [args.go_server, "-addr", "127.0.0.1:0",
                               "-max-header-bytes", limits[0], "-max-body-bytes", limits[1]],
                        os.path.join(args.out, "go-server.log"))
    except (OSError, RuntimeError) as e:
        print("compare.py: %s" % e, file=sys.stderr)
        return 2

    if args.count is None:
        args.count = QUICK_COUNT if args.quick else 3000
    streams = gen.generate(args.seed, args.count)
    if args.only:
        streams = [s for s in streams
                   if any(fnmatch.fnmatchcase(f, g) for f in s.features for g in args.only)]
    if args.show:
        want = set(args.show)
        streams = [s for s in streams if s.sid in want]

    crashes = []          # (server, stream id, exit status)
    crash_lock = threading.Lock()
    hung = []             # why pingd stopped answering GET /ping (then the run stops)

    def run(stream):
        if hung:
            return None
        out = {}
        for srv in (pingd, goserv):
            t = time.monotonic()
            try:
                out[srv.name] = exchange(srv.port, stream)
            except OSError as e:
                r = Result()
                r.raw, r.closed, r.reset, r.timed_out, r.send_error = b"", True, False, False, str(e)
                r.resps, r.seq, r.end = [], [("connect-error",)], "closed"
                out[srv.name] = r
            out[srv.name + "_s"] = time.monotonic() - t
            rc = srv.ensure()
            if rc is not None:
                with crash_lock:
                    crashes.append((srv.name, stream.sid, rc))
            elif srv is pingd and out["pingd"].end == "timeout":
                # A connection left waiting is a difference like any other,
                # but a pingd that no longer answers anyone is a hang: stop.
                why = probe(srv.port)
                if why:
                    with crash_lock:
                        if not hung:  # the other jobs see the same hang
                            hung.append("pingd stopped answering after stream %d: %s" % (stream.sid, why))
                    return None
        return stream, out["pingd"], out["go"], out["pingd_s"] + out["go_s"]

    t0 = time.monotonic()
    results, timings = [], []
    pingd_exit = None
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            for res in ex.map(run, streams):
                if res is not None:
                    results.append(res[:3])
                    timings.append((res[3], res[0].sid))
        if not hung and pingd.alive():
            why = probe(pingd.port)
            if why:
                hung.append("pingd stopped answering at the end of the run: %s" % why)
    finally:
        pingd_exit = pingd.stop()
        goserv.stop()
    elapsed = time.monotonic() - t0

    # What fails the run besides unknown groups: pingd's own health.
    health = list(hung)
    rc, killed = pingd_exit
    if killed:
        health.append("pingd did not exit within %.0f s of SIGTERM (killed)" % STOP_WAIT)
    elif rc != 0:
        health.append("pingd exited with status %s on SIGTERM" % rc)
    sanitizer = pingd.sanitizer_lines()
    if sanitizer:
        health.append("pingd printed sanitizer reports (%s):" % pingd.log_path)
        health += ["    " + l for l in sanitizer]

    if args.show:
        for line in health:
            print("  PINGD: %s" % line)
        for stream, p, g in results:
            print("stream %d  features=%s  %s" % (stream.sid, ",".join(stream.features),
                                                 "half-close" if stream.half_close else "open"))
            print("  send:  \"%s\"" % gen.c_escape_short(stream.data))
            print("  pingd: %s\n         \"%s\"" % (show_seq(p), gen.c_escape_short(p.raw, 2000)))
            print("  go:    %s\n         \"%s\"" % (show_seq(g), gen.c_escape_short(g.raw, 2000)))
            d = difference(stream, p, g)
            print("  => %s" % (d[0] if d else "same"))
        return 0 if not health else 1

    groups = {}
    for stream, p, g in results:
        d = difference(stream, p, g)
        if d:
            groups.setdefault(d[0], []).append((stream, p, g))
    groups = merge_combined(groups)
    known = load_known(args.known)
    for problem in check_table(known, os.path.join(os.path.dirname(args.known), "KNOWN_DIFFERENCES.md")):
        print("compare.py: warning: %s" % problem, file=sys.stderr)
    ndiff = sum(len(v) for v in groups.values())
    unknown = [s for s in groups if match_known(s, known) is None]
    regressions = {s: match_fixed(s, known) for s in unknown if match_fixed(s, known)}
    used_rows = {match_known(s, known)["row"] for s in groups if match_known(s, known)}
    # pingd crashing is never a known difference.
    pingd_crashes = [c for c in crashes if c[0] == "pingd"]

    def regression_note(sig):
        f = regressions.get(sig)
        return "REGRESSION: the old behaviour of row %s, fixed in %s" % (f["row"], f["fixed"]) if f else ""

    timings.sort(reverse=True)
    report = {"streams": len(results), "differences": ndiff, "groups": [],
              "crashes": crashes, "pingd_health": health, "seed": args.seed,
              "quick": args.quick, "seconds": round(elapsed, 1),
              "slowest": [{"stream": sid, "seconds": round(t, 2)} for t, sid in timings[:10]]}
    lines = ["# pingd vs Go net/http: differential report", "",
             "seed %d%s, %d streams compared in %.0f s, %d with differences, %d groups "
             "(%d unknown); crashes: %s; pingd health: %s" % (
                 args.seed, " (--quick)" if args.quick else "", len(results), elapsed, ndiff,
                 len(groups), len(unknown), crashes or "none", "; ".join(health) or "ok"), "",
             "| group | streams | row | verdict |", "|---|---|---|---|"]
    ordered = sorted(groups.items(), key=lambda kv: (match_known(kv[0], known) is not None, kv[0]))
    for sig, items in ordered:
        k = match_known(sig, known)
        lines.append("| `%s` | %d | %s | %s |" % (sig, len(items), k["row"] if k else "**UNKNOWN**",
                                                 k["verdict"] if k else regression_note(sig)))
    lines.append("")
    for sig, items in ordered:
        k = match_known(sig, known)
        stream, p, g = min(items, key=lambda t: (len(t[0].data), t[0].sid))
        entry = {"signature": sig, "count": len(items), "row": k["row"] if k else None,
                 "regression_of": regressions[sig]["row"] if sig in regressions else None,
                 "example": {"stream": stream.sid, "half_close": stream.half_close,
                             "features": stream.features, "send": gen.c_escape(stream.data),
                             "pingd": show_seq(p), "go": show_seq(g)},
                 "streams": [t[0].sid for t in items]}
        report["groups"].append(entry)
        lines += ["## `%s`" % sig, "",
                  "%d streams; %s" % (len(items), ("known: row %s (%s)" % (k["row"], k["verdict"])) if k else
                                      "**%s**" % (regression_note(sig) or "not in known_differences.json")),
                  "", "minimal example: stream %d, %s, features %s" % (
                      stream.sid, "half-closed" if stream.half_close else "left open", ",".join(stream.features)),
                  "", "```", "send:  \"%s\"" % gen.c_escape_short(stream.data),
                  "pingd: %s" % show_seq(p), "       \"%s\"" % gen.c_escape_short(p.raw, 400),
                  "go:    %s" % show_seq(g), "       \"%s\"" % gen.c_escape_short(g.raw, 400),
                  "```", ""]
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)

    print("streams compared: %d" % len(results))
    print("streams with differences: %d" % ndiff)
    print("difference groups: %d (known %d, unknown %d)" % (len(groups), len(groups) - len(unknown), len(unknown)))
    if known and not args.only:
        stale = [k["row"] for k in known if k["row"] not in used_rows and not k.get("fixed")]
        if stale:
            print("known rows not seen this run%s: %s" % (" (--quick: expected)" if args.quick else "",
                                                         ", ".join(stale)))
    for sig in unknown:
        note = regression_note(sig)
        print("  unknown: %s (%d)%s" % (sig, len(groups[sig]), ("  <- " + note) if note else ""))
    if crashes:
        for name, sid, rc in crashes:
            print("  CRASH: %s exited %s around stream %d" % (name, rc, sid))
    for line in health:
        print("  PINGD: %s" % line)
    print("report: %s" % os.path.join(args.out, "report.md"))
    return 0 if not unknown and not pingd_crashes and not health else 1


if __name__ == "__main__":
    sys.exit(main())
