#!/usr/bin/env python3
"""Differential conformance of post-json against Go's http.Client: the same
scripted misbehaving servers (tests/client_diff/scenarios.py) for both
clients, and their outcomes compared.

For each scenario, post-json and tests/client_diff/go-post-json each run
once, as `CLIENT -d BODY [--timeout SEC] http://127.0.0.1:PORT/start`,
against a fresh instance of the scenario's server (its own port from :0),
with a hard limit on the run (HARD_LIMIT plus the scenario's --timeout):
a client still running then is killed and its outcome is "hang". The
outcome is (exit status, stdout bytes); a difference in either is a
difference, with the signature

    <scenario> post-json=<exit>:<stdout bytes> go=<exit>:<stdout bytes>

(plus ":<sha256 prefix>" on both sides when exit and length agree and the
bytes do not), where <exit> is 0-3, "hang", or "sig<NAME>" for a client
killed by a signal. Signatures are matched against known_differences.json
(fnmatch patterns, one entry per row of KNOWN_DIFFERENCES.md).

A post-json run fails the comparison whatever Go did when it hangs, dies
of a signal, prints a sanitizer report on stderr (ASan, LSan, UBSan's
"runtime error:", TSan), exits 3 with other than exactly one stderr line,
or exits 0 or 1 with anything on stderr (SPEC §3).

  compare.py --post-json PATH --go-client PATH [--out DIR] [--jobs N]
             [--only GLOB]... [--show NAME]...

Prints "scenarios compared: N", "scenarios with differences: D", "known: K,
unknown: U"; writes DIR/report.md and DIR/report.json (every scenario: both
exit statuses, stdout size, sha256 and prefix, stderr lines, requests the
server saw, time). Exit status 0 when every difference is known and
post-json was healthy in every run; 1 otherwise; 2 on a usage or harness
error (a client that cannot start, a server script that raised).
"""

import argparse
import concurrent.futures
import fnmatch
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import scenarios  # noqa: E402

# Seconds a client run may take beyond its --timeout before it is killed as
# hung. Generous for an ASan post-json on two shared cores (its start alone
# can take a few hundred ms); a healthy run of a scenario without --timeout
# takes milliseconds.
HARD_LIMIT = 15.0
# A -d body longer than this goes in a file (-d @FILE): one argv string is
# limited to 128 KiB on Linux (MAX_ARG_STRLEN).
ARG_BODY_MAX = 64 << 10

SANITIZER_RE = re.compile(rb"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                          rb"WARNING: ThreadSanitizer|ERROR: ThreadSanitizer|"
                          rb"SUMMARY: (?:Address|Leak|Thread|UndefinedBehavior|Memory)Sanitizer")


class Outcome:
    __slots__ = ("exit", "stdout", "stderr", "seconds", "requests", "notes", "errors")

    def key(self):
        return (self.exit, self.stdout)

    def short(self):
        return "%s:%d" % (self.exit, len(self.stdout))

    def stderr_lines(self):
        return [l for l in self.stderr.decode("utf-8", "replace").split("\n") if l]


def exit_name(rc):
    if rc is None:
        return "hang"
    if rc < 0:
        try:
            return "sig" + signal.Signals(-rc).name[3:]
        except ValueError:
            return "sig%d" % -rc
    return str(rc)


def run_client(argv, sc, body_arg):
    """One client against a fresh server of scenario sc -> Outcome."""
    run = scenarios.Run()
    server = scenarios.Server(sc.handler, run)
    cmd = list(argv) + ["-d", body_arg]
    if sc.timeout is not None:
        cmd += ["--timeout", str(sc.timeout)]
    cmd.append("http://127.0.0.1:%d%s" % (run.port, sc.path))
    out = Outcome()
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError:
        server.close()
        raise
    stdout, stderr = [], []

    def pump_stdout():
        # Read as it comes, so scripts can wait for what the client printed.
        fd = proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return
            stdout.append(chunk)
            run.printed(len(chunk))

    def pump_stderr():
        stderr.append(proc.stderr.read())

    readers = [threading.Thread(target=f, daemon=True) for f in (pump_stdout, pump_stderr)]
    for t in readers:
        t.start()
    try:
        rc = proc.wait(HARD_LIMIT + (sc.timeout or 0))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        rc = None
    out.seconds = time.monotonic() - t0
    for t in readers:
        t.join(10)
    proc.stdout.close()
    proc.stderr.close()
    server.close()
    out.exit = exit_name(rc)
    out.stdout, out.stderr = b"".join(stdout), b"".join(stderr)
    out.requests, out.notes, out.errors = list(run.requests), list(run.notes), list(run.errors)
    return out


def health(o):
    """Why this post-json run fails whatever Go did, or []."""
    bad = []
    if o.exit == "hang":
        bad.append("hung: killed after %.0f s" % o.seconds)
    elif o.exit.startswith("sig"):
        bad.append("killed by %s" % o.exit)
    if SANITIZER_RE.search(o.stderr):
        bad.append("sanitizer report on stderr")
    lines = o.stderr_lines()
    if o.exit == "3" and len(lines) != 1:
        bad.append("exit 3 with %d stderr lines (SPEC §3: one)" % len(lines))
    if o.exit in ("0", "1") and lines:
        bad.append("exit %s with %d stderr lines" % (o.exit, len(lines)))
    return bad


def signature(name, p, g):
    if p.key() == g.key():
        return None
    ps, gs = p.short(), g.short()
    if ps == gs:
        ps += ":" + hashlib.sha256(p.stdout).hexdigest()[:8]
        gs += ":" + hashlib.sha256(g.stdout).hexdigest()[:8]
    return "%s post-json=%s go=%s" % (name, ps, gs)


def load_known(path):
    with open(path) as f:
        return json.load(f)["differences"]


def match_known(sig, known):
    for k in known:
        if any(fnmatch.fnmatchcase(sig, pat) for pat in k["signatures"]):
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


def c_escape(b, limit=80):
    s = b[:limit].decode("latin-1").encode("unicode_escape").decode("ascii").replace('"', '\\"')
    return s + ("..." if len(b) > limit else "")


def describe(o):
    return {"exit": o.exit, "stdout_bytes": len(o.stdout),
            "stdout_sha256": hashlib.sha256(o.stdout).hexdigest()[:16],
            "stdout_prefix": c_escape(o.stdout), "stderr": o.stderr_lines()[:5],
            "requests": o.requests, "seconds": round(o.seconds, 3), "notes": o.notes}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--post-json", required=True)
    ap.add_argument("--go-client", required=True)
    ap.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "nethttp-client-diff"))
    ap.add_argument("--known", default=os.path.join(HERE, "known_differences.json"))
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--only", action="append", help="only scenarios matching this glob (repeatable)")
    ap.add_argument("--show", action="append", help="print one scenario's outcomes in full")
    args = ap.parse_args()

    for path in (args.post_json, args.go_client):
        if not os.access(path, os.X_OK):
            print("compare.py: %s is not an executable" % path, file=sys.stderr)
            return 2
    os.makedirs(args.out, exist_ok=True)
    table = scenarios.by_name()
    chosen = list(table.values())
    if args.only:
        chosen = [s for s in chosen if any(fnmatch.fnmatchcase(s.name, g) for g in args.only)]
    if args.show:
        chosen = [s for s in chosen if s.name in set(args.show)]
    if not chosen:
        print("compare.py: no scenario selected", file=sys.stderr)
        return 2

    def body_arg(sc):
        if len(sc.body) <= ARG_BODY_MAX:
            return sc.body
        path = os.path.join(args.out, "body-%s.json" % sc.name)
        with open(path, "w") as f:
            f.write(sc.body)
        return "@" + path

    bodies = {s.name: body_arg(s) for s in chosen}
    clients = {"post-json": [args.post_json], "go": [args.go_client]}

    def job(item):
        sc, who = item
        return sc.name, who, run_client(clients[who], sc, bodies[sc.name])

    t0 = time.monotonic()
    results = {}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            for name, who, o in ex.map(job, [(s, w) for s in chosen for w in clients]):
                results.setdefault(name, {})[who] = o
    except OSError as e:
        print("compare.py: cannot run a client: %s" % e, file=sys.stderr)
        return 2
    elapsed = time.monotonic() - t0

    known = load_known(args.known)
    for problem in check_table(known, os.path.join(os.path.dirname(args.known), "KNOWN_DIFFERENCES.md")):
        print("compare.py: warning: %s" % problem, file=sys.stderr)

    rows, sick, harness = [], [], []
    for sc in chosen:
        p, g = results[sc.name]["post-json"], results[sc.name]["go"]
        sig = signature(sc.name, p, g)
        k = match_known(sig, known) if sig else None
        bad = health(p)
        if bad:
            sick.append((sc.name, bad))
        for who, o in (("post-json", p), ("go", g)):
            harness += ["%s (%s run): server script raised:\n%s" % (sc.name, who, e) for e in o.errors]
        if g.exit == "hang" or g.exit.startswith("sig"):
            harness.append("%s: go-post-json %s" % (sc.name, "hung" if g.exit == "hang" else g.exit))
        rows.append((sc, p, g, sig, k, bad))

    diffs = [r for r in rows if r[3]]
    unknown = [r for r in diffs if r[4] is None]
    used = {r[4]["row"] for r in diffs if r[4]}

    if args.show:
        for sc, p, g, sig, k, bad in rows:
            print("scenario %s  (--timeout %s)  %s" % (sc.name, sc.timeout, sc.why))
            for who, o in (("post-json", p), ("go", g)):
                print("  %-9s exit %s, %.2f s, stdout %d bytes \"%s\"" % (
                    who, o.exit, o.seconds, len(o.stdout), c_escape(o.stdout, 400)))
                for line in o.stderr_lines()[:5]:
                    print("            stderr: %s" % line[:300])
                print("            requests: %s%s" % (o.requests, ("; notes: %s" % o.notes) if o.notes else ""))
            print("  => %s%s" % (sig or "same", (" (row %s)" % k["row"]) if k else ""))
            for b in bad:
                print("  POST-JSON: %s" % b)
        return 0 if not unknown and not sick else 1

    report = {"scenarios": len(rows), "differences": len(diffs), "unknown": len(unknown),
              "seconds": round(elapsed, 1), "post_json_health": [{"scenario": n, "problems": b} for n, b in sick],
              "harness_errors": harness, "results": []}
    lines = ["# post-json vs Go http.Client: differential report", "",
             "%d scenarios in %.0f s, %d with differences (%d known, %d unknown); "
             "post-json health problems: %d" % (len(rows), elapsed, len(diffs), len(diffs) - len(unknown),
                                                len(unknown), len(sick)), "",
             "| scenario | post-json | go | difference | row |", "|---|---|---|---|---|"]
    for sc, p, g, sig, k, bad in rows:
        lines.append("| `%s` | %s | %s | %s | %s |" % (
            sc.name, p.short(), g.short(), "yes" if sig else "", (k["row"] if k else "**UNKNOWN**") if sig else
            ""))
        report["results"].append({"scenario": sc.name, "timeout": sc.timeout, "why": sc.why,
                                  "signature": sig, "row": k["row"] if k else None,
                                  "post_json_problems": bad, "post-json": describe(p), "go": describe(g)})
    lines.append("")
    for sc, p, g, sig, k, bad in rows:
        lines += ["## `%s`" % sc.name, ""]
        if sc.why:
            lines += [sc.why, ""]
        lines.append("difference: %s" % (("`%s`, %s" % (sig, ("known: row %s (%s)" % (k["row"], k["verdict"]))
                                                          if k else "**unknown**")) if sig else "none"))
        lines += ["", "```"]
        for who, o in (("post-json", p), ("go", g)):
            lines.append("%-9s exit %s, %.2f s, stdout %d bytes sha256 %s \"%s\"" % (
                who, o.exit, o.seconds, len(o.stdout), hashlib.sha256(o.stdout).hexdigest()[:16],
                c_escape(o.stdout)))
            lines += ["          stderr: %s" % l[:300] for l in o.stderr_lines()[:5]]
            lines.append("          requests: %s" % ", ".join(o.requests))
            lines += ["          note: %s" % n for n in o.notes]
        lines += ["```", ""]
        lines += ["POST-JSON PROBLEM: %s" % b for b in bad]
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)

    print("scenarios compared: %d" % len(rows))
    print("scenarios with differences: %d" % len(diffs))
    print("known: %d, unknown: %d" % (len(diffs) - len(unknown), len(unknown)))
    if known and not args.only:
        stale = [k["row"] for k in known if k["row"] not in used]
        if stale:
            print("known rows not seen this run: %s" % ", ".join(stale))
    for sc, p, g, sig, k, bad in unknown:
        print("  unknown: %s" % sig)
    for name, bad in sick:
        print("  POST-JSON: %s: %s" % (name, "; ".join(bad)))
    for h in harness:
        print("  HARNESS: %s" % h)
    print("report: %s (%.0f s)" % (os.path.join(args.out, "report.md"), elapsed))
    if harness:
        return 2
    return 0 if not unknown and not sick else 1


if __name__ == "__main__":
    sys.exit(main())
