#!/usr/bin/env python3
"""Request byte streams for the differential test (tests/diff/compare.py).

Every stream is one TCP connection's worth of client bytes: a pipeline of 1-4
requests, one (sometimes two) of which carries a *mutation* -- an edge case or
a malformed piece of framing -- while the others are plain valid requests.
The mutation's name (``family.variant``) is what compare.py groups
differences by, so each mutation changes one thing only.

The generator is deterministic: the same --seed gives the same streams, in the
same order (mutations are visited round-robin, so each gets about the same
number of streams, on different base requests and pipeline positions).

Besides the generated streams there is a hand-written list, EDGE_CASES, of
classic request-smuggling and framing cases (``edge.*`` features).

  gen.py [--seed N] [--count N] [--list]      # --list prints C-escaped streams
  gen.py --features                           # the mutation names

Stdlib only. Servers are expected to run with --max-header-bytes 4096 and
--max-body-bytes 65536 (MAX_HEADER_BYTES, MAX_BODY_BYTES below): some
mutations straddle those limits.
"""

import argparse
import itertools
import random
import re
import sys

MAX_HEADER_BYTES = 4096
MAX_BODY_BYTES = 65536

CRLF = b"\r\n"

# ---------------------------------------------------------------------------
# A request, kept in pieces so that mutations can change any one of them.


class Req:
    def __init__(self, method=b"GET", target=b"/ping", version=b"HTTP/1.1"):
        self.lead = b""            # bytes before the request line (e.g. CRLFs)
        self.method = method
        self.sp1 = b" "
        self.target = target
        self.sp2 = b" "
        self.version = version
        self.rl_eol = CRLF
        self.headers = []          # [name, sep, value, eol]
        self.eoh = CRLF            # the empty line ending the head
        self.framing = "none"      # none | cl | chunked | raw
        self.body = b""            # the payload (what /echo should send back)
        self.chunks = []           # chunked: [size_str, ext, eol, data, data_eol]
        self.last_chunk = [b"0", b"", CRLF]
        self.trailers = []         # [name, sep, value, eol]
        self.trailer_end = CRLF
        self.raw_body = None       # framing == raw: bytes after the head
        self.mutations = []

    # -- headers --
    def add(self, name, value, sep=b": ", eol=CRLF, pos=None):
        h = [name, sep, value, eol]
        if pos is None:
            self.headers.append(h)
        else:
            self.headers.insert(pos, h)
        return h

    def find(self, name):
        for h in self.headers:
            if h[0].lower() == name.lower():
                return h
        return None

    def remove(self, name):
        self.headers = [h for h in self.headers if h[0].lower() != name.lower()]

    def set(self, name, value):
        h = self.find(name)
        if h is None:
            return self.add(name, value)
        h[2] = value
        return h

    # -- bodies --
    def set_cl_body(self, body, ctype=b"text/plain"):
        self.remove(b"Transfer-Encoding")
        self.framing = "cl"
        self.body = body
        if ctype is not None and self.find(b"Content-Type") is None:
            self.add(b"Content-Type", ctype)
        self.set(b"Content-Length", str(len(body)).encode())

    def set_chunked_body(self, body, rng, ctype=b"text/plain"):
        self.remove(b"Content-Length")
        self.framing = "chunked"
        self.body = body
        if ctype is not None and self.find(b"Content-Type") is None:
            self.add(b"Content-Type", ctype)
        self.set(b"Transfer-Encoding", b"chunked")
        self.chunks = []
        i = 0
        while i < len(body):
            n = rng.randint(1, max(1, min(len(body) - i, 17)))
            self.chunks.append([b"%x" % n, b"", CRLF, body[i:i + n], CRLF])
            i += n

    def methods(self):
        return [self.method]

    def render(self):
        out = [self.lead, self.method, self.sp1, self.target, self.sp2, self.version,
               self.rl_eol]
        for name, sep, value, eol in self.headers:
            out += [name, sep, value, eol]
        out.append(self.eoh)
        if self.framing == "cl":
            out.append(self.body)
        elif self.framing == "chunked":
            for size, ext, eol, data, deol in self.chunks:
                out += [size, ext, eol, data, deol]
            out += self.last_chunk
            for name, sep, value, eol in self.trailers:
                out += [name, sep, value, eol]
            out.append(self.trailer_end)
        elif self.framing == "raw":
            out.append(self.raw_body or b"")
        return b"".join(out)


# ---------------------------------------------------------------------------
# Valid base requests.

ALPHABETS = [
    b"abcdefghijklmnopqrstuvwxyz",
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    bytes(range(256)),
    b"\r\n0123456789abcdefHTTP/1.1 GET",
]


def rand_body(rng, lo=0, hi=40):
    n = rng.randint(lo, hi)
    alpha = rng.choice(ALPHABETS)
    return bytes(rng.choice(alpha) for _ in range(n))


def host(r, value=b"diff.test"):
    r.add(b"Host", value)


BASES = ["get_ping", "head_ping", "post_echo_cl", "post_echo_chunked", "put_echo_cl",
         "get_404", "post_ping_405", "get_echo", "delete_echo_cl", "patch_echo_chunked"]


def base(rng, kind=None):
    kind = kind or rng.choice(BASES)
    if kind == "get_ping":
        r = Req(b"GET", b"/ping")
        host(r)
        if rng.random() < 0.3:
            r.add(b"User-Agent", b"gen/1")
    elif kind == "head_ping":
        r = Req(b"HEAD", b"/ping")
        host(r)
    elif kind == "post_echo_cl":
        r = Req(b"POST", b"/echo")
        host(r)
        r.set_cl_body(rand_body(rng, 1), rng.choice([b"text/plain", b"application/x-gen"]))
    elif kind == "put_echo_cl":
        r = Req(b"PUT", b"/echo")
        host(r)
        r.set_cl_body(rand_body(rng, 0), b"a/b")
    elif kind == "delete_echo_cl":
        r = Req(b"DELETE", b"/echo")
        host(r)
        r.set_cl_body(rand_body(rng, 0, 8), None)
    elif kind in ("post_echo_chunked", "patch_echo_chunked"):
        r = Req(b"POST" if kind == "post_echo_chunked" else b"PATCH", b"/echo")
        host(r)
        r.set_chunked_body(rand_body(rng, 1), rng, b"text/x-chunked")
    elif kind == "get_404":
        r = Req(b"GET", rng.choice([b"/nope", b"/", b"/pingx", b"/echo/x", b"/ping/"]))
        host(r)
    elif kind == "post_ping_405":
        r = Req(b"POST", b"/ping")
        host(r)
        r.set_cl_body(rand_body(rng, 0, 5), None)
    elif kind == "get_echo":
        r = Req(b"GET", b"/echo")
        host(r)
    else:
        raise ValueError(kind)
    r.kind = kind
    return r


def ensure_echo(r, rng, framing="cl"):
    """Make r a POST /echo with a body of the given framing."""
    if r.target != b"/echo" or r.method in (b"GET", b"HEAD"):
        r.method, r.target = b"POST", b"/echo"
    if r.find(b"Host") is None and r.version == b"HTTP/1.1":
        host(r)
    body = r.body or rand_body(rng, 1)
    if framing == "chunked":
        if r.framing != "chunked":
            r.set_chunked_body(body, rng)
    elif r.framing != "cl":
        r.set_cl_body(body)


# ---------------------------------------------------------------------------
# Mutations: name -> function(req, rng). Each changes one thing.

MUTATIONS = {}


def mutation(name):
    def deco(fn):
        MUTATIONS[name] = fn
        return fn
    return deco


def simple(name, fn):
    MUTATIONS[name] = fn


# -- request line: method --
simple("method.lower", lambda r, g: setattr(r, "method", r.method.lower()))
simple("method.mixed_case", lambda r, g: setattr(r, "method", r.method[:1] + r.method[1:].lower()))
simple("method.unknown_token", lambda r, g: setattr(r, "method", b"FROB"))
simple("method.extension_known", lambda r, g: setattr(r, "method", g.choice([b"PROPFIND", b"MKCOL", b"M-SEARCH", b"PURGE", b"REPORT"])))
simple("method.long", lambda r, g: setattr(r, "method", b"X" * 300))
simple("method.bad_char", lambda r, g: setattr(r, "method", b"GE(T"))
simple("method.connect", lambda r, g: (setattr(r, "method", b"CONNECT"), setattr(r, "target", b"diff.test:443")))
simple("method.trace", lambda r, g: setattr(r, "method", b"TRACE"))
simple("method.options_star", lambda r, g: (setattr(r, "method", b"OPTIONS"), setattr(r, "target", b"*")))
simple("method.options_path", lambda r, g: setattr(r, "method", b"OPTIONS"))

# -- request line: separators --
simple("rl.double_sp1", lambda r, g: setattr(r, "sp1", b"  "))
simple("rl.double_sp2", lambda r, g: setattr(r, "sp2", b"  "))
simple("rl.tab_sp1", lambda r, g: setattr(r, "sp1", b"\t"))
simple("rl.tab_sp2", lambda r, g: setattr(r, "sp2", b"\t"))
simple("rl.trailing_sp", lambda r, g: setattr(r, "version", r.version + b" "))
simple("rl.leading_sp", lambda r, g: setattr(r, "method", b" " + r.method))
simple("rl.leading_crlf", lambda r, g: setattr(r, "lead", b"\r\n"))
simple("rl.leading_lf", lambda r, g: setattr(r, "lead", b"\n"))
simple("rl.leading_2crlf", lambda r, g: setattr(r, "lead", b"\r\n\r\n"))
simple("rl.vt_sp1", lambda r, g: setattr(r, "sp1", b"\x0b"))

# -- request line: target --
simple("target.absolute", lambda r, g: setattr(r, "target", b"http://diff.test" + r.target))
simple("target.absolute_port", lambda r, g: setattr(r, "target", b"http://diff.test:8080" + r.target))
simple("target.absolute_other_host", lambda r, g: setattr(r, "target", b"http://other.test" + r.target))
simple("target.absolute_https", lambda r, g: setattr(r, "target", b"https://diff.test" + r.target))
simple("target.absolute_upper_scheme", lambda r, g: setattr(r, "target", b"HTTP://diff.test" + r.target))
simple("target.absolute_no_path", lambda r, g: setattr(r, "target", b"http://diff.test"))
simple("target.absolute_userinfo", lambda r, g: setattr(r, "target", b"http://u:p@diff.test" + r.target))
simple("target.authority", lambda r, g: setattr(r, "target", b"diff.test:80"))
simple("target.asterisk", lambda r, g: setattr(r, "target", b"*"))
simple("target.double_slash", lambda r, g: setattr(r, "target", b"/" + r.target))
simple("target.query", lambda r, g: setattr(r, "target", r.target + b"?a=1&b=%20"))
simple("target.fragment", lambda r, g: setattr(r, "target", r.target + b"#frag"))
simple("target.pct_encoded", lambda r, g: setattr(r, "target", r.target.replace(b"/p", b"/%70").replace(b"/e", b"/%65")))
simple("target.bad_pct", lambda r, g: setattr(r, "target", r.target + b"%zz"))
simple("target.dot_segments", lambda r, g: setattr(r, "target", b"/x/.." + r.target))
simple("target.dot", lambda r, g: setattr(r, "target", b"/." + r.target))
simple("target.no_slash", lambda r, g: setattr(r, "target", r.target.lstrip(b"/")))
simple("target.non_ascii", lambda r, g: setattr(r, "target", r.target + b"\xc3\xa9"))
simple("target.ctl", lambda r, g: setattr(r, "target", r.target + b"\x01"))
simple("target.nul", lambda r, g: setattr(r, "target", r.target + b"\x00"))
simple("target.del", lambda r, g: setattr(r, "target", r.target + b"\x7f"))
simple("target.long", lambda r, g: setattr(r, "target", r.target + b"?" + b"q" * 3000))
simple("target.huge", lambda r, g: setattr(r, "target", r.target + b"?" + b"q" * 20000))
simple("target.backslash", lambda r, g: setattr(r, "target", r.target.replace(b"/", b"\\", 1)))
simple("target.brackets", lambda r, g: setattr(r, "target", r.target + b"?[x]{y}|^`"))
simple("target.quote_lt", lambda r, g: setattr(r, "target", r.target + b"?\"<>"))

# -- request line: version --
for v in [b"HTTP/1.0", b"HTTP/1.2", b"HTTP/1.9", b"HTTP/2.0", b"HTTP/3.0", b"HTTP/0.9",
          b"HTTP/1.10", b"HTTP/01.1", b"HTTP/11", b"HTTP/1", b"HTTP/1.", b"http/1.1",
          b"HTTP/1.1x", b"HTTP/9.9", b"HTTP/1.01", b"HTTP/ 1.1", b"HTTPS/1.1", b"HTTP/1.1.1"]:
    simple("version." + v.decode().replace("/", "_").replace(" ", "sp"),
           (lambda v: lambda r, g: setattr(r, "version", v))(v))


@mutation("version.missing")
def _(r, g):
    r.sp2, r.version = b"", b""


@mutation("version.http10_host_missing")
def _(r, g):
    r.version = b"HTTP/1.0"
    r.remove(b"Host")


# -- request line: line ending --
simple("eol.rl_bare_lf", lambda r, g: setattr(r, "rl_eol", b"\n"))
simple("eol.rl_bare_cr", lambda r, g: setattr(r, "rl_eol", b"\r"))
simple("eol.rl_cr_cr_lf", lambda r, g: setattr(r, "rl_eol", b"\r\r\n"))
simple("eol.rl_lf_cr", lambda r, g: setattr(r, "rl_eol", b"\n\r"))


@mutation("eol.all_bare_lf")
def _(r, g):
    r.rl_eol = b"\n"
    for h in r.headers:
        h[3] = b"\n"
    r.eoh = b"\n"


@mutation("eol.header_bare_lf")
def _(r, g):
    g.choice(r.headers)[3] = b"\n"


@mutation("eol.header_bare_cr")
def _(r, g):
    r.add(b"X-Gen", b"a", eol=b"\r", pos=0)


@mutation("eol.eoh_bare_lf")
def _(r, g):
    r.eoh = b"\n"


@mutation("eol.eoh_lf_crlf")
def _(r, g):
    r.headers[-1][3] = b"\n"
    r.eoh = b"\r\n"


@mutation("eol.eoh_crlf_lf")
def _(r, g):
    r.eoh = b"\n"


@mutation("eol.eoh_bare_cr")
def _(r, g):
    r.eoh = b"\r"


@mutation("eol.mixed")
def _(r, g):
    r.rl_eol = g.choice([b"\n", CRLF])
    for h in r.headers:
        h[3] = g.choice([b"\n", CRLF])
    r.eoh = g.choice([b"\n", CRLF])


# -- Host --
@mutation("host.missing")
def _(r, g):
    r.remove(b"Host")


@mutation("host.duplicate_same")
def _(r, g):
    r.add(b"Host", b"diff.test")


@mutation("host.duplicate_diff")
def _(r, g):
    r.add(b"Host", b"other.test")


for name, value in [("empty", b""), ("port", b"diff.test:8080"), ("ipv6", b"[::1]:80"),
                    ("ipv4", b"127.0.0.1"), ("space", b"diff test"), ("slash", b"diff.test/x"),
                    ("at", b"user@diff.test"), ("underscore", b"diff_test"),
                    ("trailing_dot", b"diff.test."), ("bad_port", b"diff.test:abc"),
                    ("utf8", b"d\xc3\xaff.test"), ("long", b"h" * 300), ("comma", b"a,b"),
                    ("quote", b"\"a\""), ("ipv6_bad", b"[::1"), ("percent", b"d%69ff.test")]:
    simple("host." + name, (lambda value: lambda r, g: r.set(b"Host", value))(value))


@mutation("host.lowercase_name")
def _(r, g):
    h = r.find(b"Host")
    if h:
        h[0] = b"host"


@mutation("host.upper_name")
def _(r, g):
    h = r.find(b"Host")
    if h:
        h[0] = b"HOST"


@mutation("host.absolute_mismatch")
def _(r, g):
    r.target = b"http://abs.test" + r.target


@mutation("host.absolute_no_host_header")
def _(r, g):
    r.target = b"http://abs.test" + r.target
    r.remove(b"Host")


# -- header syntax --
def _gen_header(r, g, name=b"X-Gen", value=b"v"):
    return r.add(name, value, pos=g.randint(0, len(r.headers)))


for name, sep in [("sp_before_colon", b" : "), ("tab_before_colon", b"\t: "),
                  ("no_sp_after_colon", b":"), ("many_sp_after_colon", b":     "),
                  ("tab_after_colon", b":\t"), ("vt_after_colon", b":\x0b"),
                  ("ff_after_colon", b":\x0c"), ("nul_after_colon", b":\x00"),
                  ("double_colon", b":: ")]:
    simple("hdr." + name, (lambda sep: lambda r, g: _gen_header(r, g).__setitem__(1, sep))(sep))


@mutation("hdr.sp_before_colon_on_host")
def _(r, g):
    h = r.find(b"Host") or host(r) or r.find(b"Host")
    h[1] = b" : "


@mutation("hdr.trailing_ws_value")
def _(r, g):
    _gen_header(r, g, value=b"v  \t")


@mutation("hdr.empty_value")
def _(r, g):
    _gen_header(r, g, value=b"")


@mutation("hdr.empty_name")
def _(r, g):
    _gen_header(r, g, name=b"", value=b"v")


@mutation("hdr.no_colon")
def _(r, g):
    h = _gen_header(r, g, name=b"X-Gen-No-Colon", value=b"")
    h[1] = b""


@mutation("hdr.leading_sp_first")
def _(r, g):
    r.headers[0][0] = b" " + r.headers[0][0]


@mutation("hdr.leading_tab_first")
def _(r, g):
    r.headers[0][0] = b"\t" + r.headers[0][0]


@mutation("hdr.obs_fold")
def _(r, g):
    h = _gen_header(r, g, value=b"first")
    h[2] = b"first" + CRLF + g.choice([b" ", b"\t", b"   "]) + b"second"


@mutation("hdr.obs_fold_empty_first")
def _(r, g):
    h = _gen_header(r, g, value=b"")
    h[2] = CRLF + b" folded"


@mutation("hdr.obs_fold_content_type")
def _(r, g):
    ensure_echo(r, g)
    r.remove(b"Content-Type")
    r.add(b"Content-Type", b"text/plain;" + CRLF + b"   charset=utf-8")


@mutation("hdr.obs_fold_bare_lf")
def _(r, g):
    h = _gen_header(r, g, value=b"first")
    h[2] = b"first\n second"


for name, ch in [("nul", b"\x00"), ("soh", b"\x01"), ("bs", b"\x08"), ("vt", b"\x0b"),
                 ("ff", b"\x0c"), ("esc", b"\x1b"), ("del", b"\x7f"), ("cr", b"\r"),
                 ("lf", b"\n"), ("x80", b"\x80"), ("xff", b"\xff"), ("utf8", b"\xc3\xa9"),
                 ("tab", b"\t")]:
    simple("hdr.value_" + name,
           (lambda ch: lambda r, g: _gen_header(r, g, value=b"a" + ch + b"b"))(ch))

for name, n in [("sp", b"X Gen"), ("paren", b"X(Gen)"), ("at", b"X@Gen"), ("slash", b"X/Gen"),
                ("utf8", b"X-G\xc3\xa9n"), ("nul", b"X\x00Gen"), ("del", b"X\x7fGen"),
                ("underscore", b"X_Gen"), ("dot", b"X.Gen"), ("quote", b"X\"Gen"),
                ("brace", b"X{Gen}"), ("tilde_bang", b"X~!#$%&'*+^`|Gen")]:
    simple("hdr.name_" + name, (lambda n: lambda r, g: _gen_header(r, g, name=n))(n))


@mutation("hdr.long_value_between_limits")
def _(r, g):
    # over pingd's --max-header-bytes (4096), under Go's (4096 + 4096 slack)
    _gen_header(r, g, value=b"v" * 5000)


@mutation("hdr.long_value_over_limits")
def _(r, g):
    _gen_header(r, g, value=b"v" * 12000)


@mutation("hdr.long_value_under_limit")
def _(r, g):
    _gen_header(r, g, value=b"v" * 3000)


@mutation("hdr.many_fields")
def _(r, g):
    for i in range(100):
        r.add(b"X-F%d" % i, b"1")


@mutation("hdr.many_fields_over")
def _(r, g):
    for i in range(600):
        r.add(b"X-F%d" % i, b"1234567890")


@mutation("hdr.long_name")
def _(r, g):
    _gen_header(r, g, name=b"X" * 2000)


# -- Content-Length --
def _cl(value, extra=None):
    def fn(r, g):
        ensure_echo(r, g)
        r.set(b"Content-Length", value(r) if callable(value) else value)
        if extra:
            extra(r, g)
    return fn


def _n(r):
    return str(len(r.body)).encode()


simple("cl.leading_zeros", _cl(lambda r: b"000" + _n(r)))
simple("cl.plus", _cl(lambda r: b"+" + _n(r)))
simple("cl.minus", _cl(b"-1"))
simple("cl.hex", _cl(lambda r: b"0x%x" % len(r.body)))
simple("cl.exponent", _cl(b"1e2"))
simple("cl.decimal", _cl(lambda r: _n(r) + b".0"))
simple("cl.empty", _cl(b""))
simple("cl.space_inside", _cl(lambda r: b"1 " + _n(r)))
simple("cl.trailing_sp", _cl(lambda r: _n(r) + b"   "))
simple("cl.trailing_tab", _cl(lambda r: _n(r) + b"\t"))
simple("cl.leading_tab", _cl(lambda r: b"\t" + _n(r)))
simple("cl.trailing_junk", _cl(lambda r: _n(r) + b"x"))
simple("cl.list_same", _cl(lambda r: _n(r) + b", " + _n(r)))
simple("cl.list_same_nosp", _cl(lambda r: _n(r) + b"," + _n(r)))
simple("cl.list_diff", _cl(lambda r: _n(r) + b", " + str(len(r.body) + 1).encode()))
simple("cl.list_trailing_comma", _cl(lambda r: _n(r) + b","))
simple("cl.huge", _cl(b"99999999999999999999"))
simple("cl.int64_max", _cl(b"9223372036854775807"))
simple("cl.int64_over", _cl(b"9223372036854775808"))
simple("cl.uint64_max", _cl(b"18446744073709551615"))
simple("cl.uint64_over", _cl(b"18446744073709551616"))
simple("cl.over_max_body", _cl(b"70000"))
simple("cl.fullwidth_digit", _cl(b"\xef\xbc\x91"))


@mutation("cl.dup_same")
def _(r, g):
    ensure_echo(r, g)
    r.add(b"Content-Length", _n(r))


@mutation("cl.dup_same_ws")
def _(r, g):
    ensure_echo(r, g)
    r.add(b"Content-Length", _n(r) + b" ")


@mutation("cl.dup_diff")
def _(r, g):
    ensure_echo(r, g)
    r.add(b"Content-Length", str(len(r.body) + 1).encode())


@mutation("cl.dup_zero_first")
def _(r, g):
    ensure_echo(r, g)
    r.remove(b"Content-Length")
    r.add(b"Content-Length", b"0")
    r.add(b"Content-Length", _n(r))


@mutation("cl.shorter_than_body")
def _(r, g):
    ensure_echo(r, g)
    r.body = r.body + b"GET /ping HTTP/1.1\r\nHost: smuggled\r\n\r\n"
    # the Content-Length still covers only the original body


@mutation("cl.longer_than_body")
def _(r, g):
    ensure_echo(r, g)
    r.set(b"Content-Length", str(len(r.body) + 5).encode())


@mutation("cl.on_get")
def _(r, g):
    r.method, r.target = b"GET", b"/echo"
    r.set_cl_body(rand_body(g, 1, 10))


@mutation("cl.on_get_ping")
def _(r, g):
    r.method, r.target = b"GET", b"/ping"
    r.set_cl_body(rand_body(g, 1, 10))


@mutation("cl.on_head")
def _(r, g):
    r.method, r.target = b"HEAD", b"/ping"
    r.set_cl_body(rand_body(g, 1, 10))


@mutation("cl.zero")
def _(r, g):
    ensure_echo(r, g)
    r.body = b""
    r.set(b"Content-Length", b"0")


@mutation("cl.big_body")
def _(r, g):
    ensure_echo(r, g)
    r.body = bytes(g.randrange(256) for _ in range(40000))
    r.set(b"Content-Length", _n(r))


@mutation("cl.body_over_max")
def _(r, g):
    ensure_echo(r, g)
    r.body = b"z" * (MAX_BODY_BYTES + 100)
    r.set(b"Content-Length", _n(r))


@mutation("cl.name_case")
def _(r, g):
    ensure_echo(r, g)
    r.find(b"Content-Length")[0] = g.choice([b"content-length", b"CONTENT-LENGTH", b"cOnTeNt-LeNgTh"])


@mutation("cl.post_without_length")
def _(r, g):
    ensure_echo(r, g)
    r.remove(b"Content-Length")
    # the body bytes become the start of the next request


# -- Transfer-Encoding --
def _te(value, extra=None):
    def fn(r, g):
        ensure_echo(r, g, "chunked")
        r.set(b"Transfer-Encoding", value)
        if extra:
            extra(r, g)
    return fn


for name, value in [("upper", b"CHUNKED"), ("mixed_case", b"ChUnKeD"),
                    ("leading_sp", b"   chunked"), ("trailing_sp", b"chunked  "),
                    ("trailing_tab", b"chunked\t"), ("leading_tab", b"\tchunked"),
                    ("leading_vt", b"\x0bchunked"), ("trailing_ff", b"chunked\x0c"),
                    ("gzip_chunked", b"gzip, chunked"), ("chunked_gzip", b"chunked, gzip"),
                    ("chunked_chunked", b"chunked, chunked"), ("identity", b"identity"),
                    ("identity_chunked", b"identity, chunked"), ("gzip", b"gzip"),
                    ("deflate", b"deflate"), ("x_chunked", b"xchunked"),
                    ("chunked_x", b"chunkedx"), ("chunked_params", b"chunked;q=1"),
                    ("empty", b""), ("comma_chunked", b", chunked"),
                    ("chunked_comma", b"chunked,"), ("quoted", b"\"chunked\""),
                    ("nosp_list", b"gzip,chunked"), ("chunked_nul", b"chunked\x00"),
                    ("utf8_k", b"chun\xe2\x84\xaaed")]:
    simple("te." + name, _te(value))


@mutation("te.obs_fold")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.set(b"Transfer-Encoding", CRLF + b" chunked")


@mutation("te.obs_fold_after")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.set(b"Transfer-Encoding", b"chunked" + CRLF + b" gzip")


@mutation("te.two_fields")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.add(b"Transfer-Encoding", b"chunked")


@mutation("te.two_fields_gzip_first")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.find(b"Transfer-Encoding")[2] = b"gzip"
    r.add(b"Transfer-Encoding", b"chunked")


@mutation("te.two_fields_identity_second")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.add(b"Transfer-Encoding", b"identity")


@mutation("te.name_case")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.find(b"Transfer-Encoding")[0] = g.choice([b"transfer-encoding", b"TRANSFER-ENCODING"])


@mutation("te.name_sp_before_colon")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.find(b"Transfer-Encoding")[1] = b" : "


@mutation("te.name_underscore")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.find(b"Transfer-Encoding")[0] = b"Transfer_Encoding"


@mutation("te.http10")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.version = b"HTTP/1.0"


@mutation("te.http10_with_cl")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.version = b"HTTP/1.0"
    r.add(b"Content-Length", str(len(r.render().split(b"\r\n\r\n", 1)[1])).encode())


@mutation("te_cl.cl_first")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.add(b"Content-Length", b"4", pos=r.headers.index(r.find(b"Transfer-Encoding")))


@mutation("te_cl.cl_after")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.add(b"Content-Length", b"4")


@mutation("te_cl.cl_zero")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.add(b"Content-Length", b"0")


@mutation("te_cl.cl_huge")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.add(b"Content-Length", b"99999999999999999999")


@mutation("te_cl.cl_invalid")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.add(b"Content-Length", b"abc")


@mutation("te_cl.gzip_and_cl")
def _(r, g):
    ensure_echo(r, g, "cl")
    r.add(b"Transfer-Encoding", b"gzip")


@mutation("te_cl.identity_and_cl")
def _(r, g):
    ensure_echo(r, g, "cl")
    r.add(b"Transfer-Encoding", b"identity")


@mutation("te.on_get_ping")
def _(r, g):
    r.method, r.target = b"GET", b"/ping"
    r.set_chunked_body(rand_body(g, 1, 8), g, None)


@mutation("te.empty_body")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.body, r.chunks = b"", []


# -- chunked framing --
def _chunk_mut(fn):
    def wrapped(r, g):
        ensure_echo(r, g, "chunked")
        if not r.chunks:
            r.set_chunked_body(rand_body(g, 1), g)
        fn(r, g)
    return wrapped


def _each_size(f):
    def fn(r, g):
        c = g.choice(r.chunks)
        c[0] = f(c[0], int(c[0], 16))
    return fn


simple("chunk.leading_zeros", _chunk_mut(_each_size(lambda s, n: b"000" + s)))
simple("chunk.leading_zeros_16", _chunk_mut(_each_size(lambda s, n: (b"0" * 16 + s)[-16:])))
simple("chunk.leading_zeros_17", _chunk_mut(_each_size(lambda s, n: b"0" * 17 + s)))
simple("chunk.upper_hex", _chunk_mut(_each_size(lambda s, n: s.upper())))
simple("chunk.0x_prefix", _chunk_mut(_each_size(lambda s, n: b"0x" + s)))
simple("chunk.plus", _chunk_mut(_each_size(lambda s, n: b"+" + s)))
simple("chunk.minus", _chunk_mut(_each_size(lambda s, n: b"-" + s)))
simple("chunk.trailing_sp", _chunk_mut(_each_size(lambda s, n: s + b" ")))
simple("chunk.trailing_tab", _chunk_mut(_each_size(lambda s, n: s + b"\t")))
simple("chunk.leading_sp", _chunk_mut(_each_size(lambda s, n: b" " + s)))
simple("chunk.inner_sp", _chunk_mut(_each_size(lambda s, n: b"0 " + s)))
simple("chunk.empty_size", _chunk_mut(_each_size(lambda s, n: b"")))
simple("chunk.non_hex", _chunk_mut(_each_size(lambda s, n: s + b"g")))
simple("chunk.huge_size", _chunk_mut(_each_size(lambda s, n: b"ffffffffffffffff")))
simple("chunk.huge_size_17", _chunk_mut(_each_size(lambda s, n: b"1ffffffffffffffff")))
simple("chunk.size_over_max_body", _chunk_mut(_each_size(lambda s, n: b"20000")))
simple("chunk.size_int64_over", _chunk_mut(_each_size(lambda s, n: b"8000000000000000")))


def _ext(ext):
    def fn(r, g):
        g.choice(r.chunks)[1] = ext
    return _chunk_mut(fn)


for name, ext in [("ext_token", b";a"), ("ext_value", b";a=b"), ("ext_quoted", b";a=\"b c\""),
                  ("ext_sp_before_semi", b" ;a=b"), ("ext_sp_after_semi", b"; a=b"),
                  ("ext_tab_before_semi", b"\t;a=b"), ("ext_many", b";a=b;c;d=\"e\""),
                  ("ext_bad_char", b";a=b\x01"), ("ext_nul", b";a\x00"),
                  ("ext_empty", b";"), ("ext_sp_around_eq", b";a = b"),
                  ("ext_quoted_escape", b";a=\"b\\\"c\""), ("ext_unterminated_quote", b";a=\"b"),
                  ("ext_utf8", b";a=\xc3\xa9"), ("ext_long", b";a=" + b"x" * 5000),
                  ("ext_cr", b";a\rb")]:
    simple("chunk." + name, _ext(ext))


def _last(fn):
    def wrapped(r, g):
        ensure_echo(r, g, "chunked")
        fn(r, g)
    return wrapped


simple("chunk.last_00", _last(lambda r, g: r.last_chunk.__setitem__(0, b"00")))
simple("chunk.last_000_many", _last(lambda r, g: r.last_chunk.__setitem__(0, b"0" * 20)))
simple("chunk.last_ext", _last(lambda r, g: r.last_chunk.__setitem__(1, b";done=1")))
simple("chunk.last_trailing_sp", _last(lambda r, g: r.last_chunk.__setitem__(0, b"0 ")))
simple("chunk.last_bare_lf", _last(lambda r, g: r.last_chunk.__setitem__(2, b"\n")))
simple("chunk.final_bare_lf", _last(lambda r, g: setattr(r, "trailer_end", b"\n")))
simple("chunk.final_missing", _last(lambda r, g: setattr(r, "trailer_end", b"")))
simple("chunk.final_bare_cr", _last(lambda r, g: setattr(r, "trailer_end", b"\r")))
simple("chunk.last_missing", _last(lambda r, g: (setattr(r, "last_chunk", [b"", b"", b""]), setattr(r, "trailer_end", b""))))


def _data(fn):
    def wrapped(r, g):
        c = g.choice(r.chunks)
        fn(c, g)
    return _chunk_mut(wrapped)


simple("chunk.size_bare_lf", _data(lambda c, g: c.__setitem__(2, b"\n")))
simple("chunk.size_bare_cr", _data(lambda c, g: c.__setitem__(2, b"\r")))
simple("chunk.data_bare_lf", _data(lambda c, g: c.__setitem__(4, b"\n")))
simple("chunk.data_missing_crlf", _data(lambda c, g: c.__setitem__(4, b"")))
simple("chunk.data_extra_bytes", _data(lambda c, g: c.__setitem__(3, c[3] + b"XY")))
simple("chunk.data_short", _data(lambda c, g: c.__setitem__(0, b"%x" % (int(c[0], 16) + 2))))
simple("chunk.data_sp_crlf", _data(lambda c, g: c.__setitem__(4, b" \r\n")))
simple("chunk.zero_size_middle", _chunk_mut(lambda r, g: r.chunks.insert(0, [b"0", b"", CRLF, b"", CRLF])))


@mutation("chunk.big_body")
def _(r, g):
    ensure_echo(r, g, "chunked")
    body = bytes(g.randrange(256) for _ in range(30000))
    r.body = body
    r.chunks = [[b"%x" % 10000, b"", CRLF, body[i:i + 10000], CRLF] for i in range(0, 30000, 10000)]


@mutation("chunk.body_over_max")
def _(r, g):
    ensure_echo(r, g, "chunked")
    body = b"c" * (MAX_BODY_BYTES + 10)
    r.body = body
    r.chunks = [[b"%x" % 16384, b"", CRLF, body[i:i + 16384], CRLF] for i in range(0, len(body), 16384)]
    r.chunks[-1][0] = b"%x" % len(r.chunks[-1][3])


# -- trailers --
def _trailer(*fields, end=CRLF):
    def fn(r, g):
        r.trailers = [list(f) for f in fields]
        r.trailer_end = end
    return _last(fn)


simple("trailer.valid", _trailer((b"X-Trailer", b": ", b"one", CRLF)))
simple("trailer.two", _trailer((b"X-A", b": ", b"1", CRLF), (b"X-B", b": ", b"2", CRLF)))
simple("trailer.no_colon", _trailer((b"Bad Trailer", b"", b"", CRLF)))
simple("trailer.sp_before_colon", _trailer((b"X-A", b" : ", b"1", CRLF)))
simple("trailer.obs_fold", _trailer((b"X-A", b": ", b"1" + CRLF + b" 2", CRLF)))
simple("trailer.bare_lf", _trailer((b"X-A", b": ", b"1", b"\n")))
simple("trailer.bare_lf_end", _trailer((b"X-A", b": ", b"1", CRLF), end=b"\n"))
simple("trailer.content_length", _trailer((b"Content-Length", b": ", b"5", CRLF)))
simple("trailer.transfer_encoding", _trailer((b"Transfer-Encoding", b": ", b"chunked", CRLF)))
simple("trailer.host", _trailer((b"Host", b": ", b"x", CRLF)))
simple("trailer.nul_value", _trailer((b"X-A", b": ", b"a\x00b", CRLF)))
simple("trailer.bad_name", _trailer((b"X(A)", b": ", b"1", CRLF)))
simple("trailer.leading_sp", _trailer((b" X-A", b": ", b"1", CRLF)))
simple("trailer.long", _trailer((b"X-A", b": ", b"t" * 5000, CRLF)))
simple("trailer.missing_end", _trailer((b"X-A", b": ", b"1", CRLF), end=b""))


@mutation("trailer.declared")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.add(b"Trailer", b"X-Trailer")
    r.trailers = [[b"X-Trailer", b": ", b"one", CRLF]]


# -- Expect --
def _expect(value, version=None, body=True):
    def fn(r, g):
        if body:
            ensure_echo(r, g)
        if version:
            r.version = version
            if version == b"HTTP/1.0":
                r.remove(b"Host")
        r.add(b"Expect", value)
    return fn


simple("expect.100_continue", _expect(b"100-continue"))
simple("expect.100_continue_upper", _expect(b"100-Continue"))
simple("expect.100_continue_ws", _expect(b"100-continue  "))
simple("expect.100_continue_list", _expect(b"100-continue, foo"))
simple("expect.foo_list_100", _expect(b"foo, 100-continue"))
simple("expect.unknown", _expect(b"foo"))
simple("expect.empty", _expect(b""))
simple("expect.100_continue_params", _expect(b"100-continue;a=b"))
simple("expect.200_ok", _expect(b"200-ok"))
simple("expect.http10_100_continue", _expect(b"100-continue", b"HTTP/1.0"))
simple("expect.http10_unknown", _expect(b"foo", b"HTTP/1.0"))
simple("expect.no_body", _expect(b"100-continue", body=False))
simple("expect.no_body_unknown", _expect(b"foo", body=False))


@mutation("expect.two_fields")
def _(r, g):
    ensure_echo(r, g)
    r.add(b"Expect", b"100-continue")
    r.add(b"Expect", b"100-continue")


@mutation("expect.two_fields_unknown_second")
def _(r, g):
    ensure_echo(r, g)
    r.add(b"Expect", b"100-continue")
    r.add(b"Expect", b"foo")


@mutation("expect.chunked")
def _(r, g):
    ensure_echo(r, g, "chunked")
    r.add(b"Expect", b"100-continue")


@mutation("expect.cl_over_max")
def _(r, g):
    ensure_echo(r, g)
    r.add(b"Expect", b"100-continue")
    r.set(b"Content-Length", b"70000")
    r.body = b"e" * 70000


# -- Connection / keep-alive / versions --
def _conn(value, version=None):
    def fn(r, g):
        if version:
            r.version = version
        r.add(b"Connection", value)
    return fn


simple("conn.close", _conn(b"close"))
simple("conn.close_upper", _conn(b"CLOSE"))
simple("conn.close_list", _conn(b"keep-alive, close"))
simple("conn.close_ws", _conn(b"  close  "))
simple("conn.keep_alive", _conn(b"keep-alive"))
simple("conn.foo", _conn(b"foo"))
simple("conn.http10_keep_alive", _conn(b"keep-alive", b"HTTP/1.0"))
simple("conn.http10_keep_alive_upper", _conn(b"Keep-Alive", b"HTTP/1.0"))
simple("conn.http10_keep_alive_list", _conn(b"foo, keep-alive", b"HTTP/1.0"))
simple("conn.http10_close", _conn(b"close", b"HTTP/1.0"))
simple("conn.http10_plain", lambda r, g: setattr(r, "version", b"HTTP/1.0"))
# Trailing HTAB is OWS (RFC 9110 §5.5): the value is the same token.
simple("conn.close_trailing_tab", _conn(b"close\t"))
simple("conn.http10_keep_alive_tab", _conn(b"keep-alive\t", b"HTTP/1.0"))
simple("expect.100_continue_tab", _expect(b"100-continue\t"))
simple("host.trailing_tab", lambda r, g: r.set(b"Host", b"diff.test\t"))


@mutation("conn.two_fields_close_second")
def _(r, g):
    r.add(b"Connection", b"keep-alive")
    r.add(b"Connection", b"close")


@mutation("conn.upgrade_websocket")
def _(r, g):
    r.add(b"Connection", b"Upgrade")
    r.add(b"Upgrade", b"websocket")


@mutation("conn.upgrade_h2c")
def _(r, g):
    r.add(b"Connection", b"Upgrade, HTTP2-Settings")
    r.add(b"Upgrade", b"h2c")
    r.add(b"HTTP2-Settings", b"AAMAAABkAARAAAAAAAIAAAAA")


@mutation("conn.upgrade_without_connection")
def _(r, g):
    r.add(b"Upgrade", b"websocket")


@mutation("conn.proxy_connection")
def _(r, g):
    r.add(b"Proxy-Connection", b"close")


# -- control bytes and odd bytes elsewhere --
simple("ctl.nul_in_method", lambda r, g: setattr(r, "method", r.method + b"\x00"))
simple("ctl.nul_before_request", lambda r, g: setattr(r, "lead", b"\x00"))
simple("ctl.sp_before_request", lambda r, g: setattr(r, "lead", b" "))
simple("ctl.tab_before_request", lambda r, g: setattr(r, "lead", b"\t"))
simple("ctl.high_bytes_before_request", lambda r, g: setattr(r, "lead", b"\xff\xfe"))
simple("ctl.tls_hello", lambda r, g: setattr(r, "lead", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"))


@mutation("ctl.body_binary")
def _(r, g):
    ensure_echo(r, g)
    r.body = bytes(range(256))
    r.set(b"Content-Length", _n(r))


@mutation("ctl.content_type_odd")
def _(r, g):
    ensure_echo(r, g)
    r.remove(b"Content-Type")
    r.add(b"Content-Type", g.choice([b"a/b; x=\"y z\"", b"\xff\xfe", b"text/plain\t", b"  x/y  "]))


@mutation("ctl.content_type_two")
def _(r, g):
    ensure_echo(r, g)
    r.remove(b"Content-Type")
    r.add(b"Content-Type", b"a/one")
    r.add(b"Content-Type", b"b/two")


@mutation("ctl.content_type_empty")
def _(r, g):
    ensure_echo(r, g)
    r.remove(b"Content-Type")
    r.add(b"Content-Type", b"")


# -- pipeline-level (applied to the request, affect what follows it) --
@mutation("pipe.garbage_after")
def _(r, g):
    r.trailing_garbage = g.choice([b"garbage\r\n\r\n", b"\r\n", b"\x00", b"X"])


@mutation("pipe.crlf_after_get")
def _(r, g):
    r.method, r.target, r.framing = b"GET", b"/ping", "none"
    r.remove(b"Content-Length")
    r.remove(b"Transfer-Encoding")
    r.trailing_garbage = b"\r\n"


@mutation("pipe.crlf_after_post")
def _(r, g):
    ensure_echo(r, g)
    r.trailing_garbage = b"\r\n"


@mutation("pipe.2crlf_after_post")
def _(r, g):
    ensure_echo(r, g)
    r.trailing_garbage = b"\r\n\r\n"


@mutation("pipe.lf_after_post")
def _(r, g):
    ensure_echo(r, g)
    r.trailing_garbage = b"\n"


@mutation("pipe.partial_request_after")
def _(r, g):
    r.trailing_garbage = b"GET /ping HTTP/1.1\r\nHost: x\r\n"


FEATURES = sorted(MUTATIONS)


# ---------------------------------------------------------------------------
# Hand-written edge cases: (feature, bytes, half_close).

def _get(path=b"/ping", extra=b""):
    return b"GET " + path + b" HTTP/1.1\r\nHost: e\r\n" + extra + b"\r\n"


def _post(body, path=b"/echo", extra=b""):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: e\r\nContent-Type: t/e\r\n" + extra +
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


SMUGGLED = b"GET /ping HTTP/1.1\r\nHost: s\r\n\r\n"

EDGE_CASES = [
    # CL.TE / TE.CL desync classics.
    ("edge.cl_te_smuggle", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 6\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nX" + _get(), True),
    ("edge.te_cl_smuggle", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n"
     b"Content-Length: 3\r\n\r\n" + b"%x" % len(SMUGGLED) + b"\r\n" + SMUGGLED + b"\r\n0\r\n\r\n", True),
    # A chunk size 3 too large: the data swallows "\r\n0" and an empty
    # line stands where the next chunk-size should be.
    ("edge.chunk_size_empty_line", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n"
     b"\r\n" + b"%x" % (len(SMUGGLED) + 3) + b"\r\n" + SMUGGLED + b"\r\n0\r\n\r\n", True),
    ("edge.chunk_size_empty_line_then_get", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n"
     b"\r\n2\r\nab\r\n\r\n\r\n" + _get(), True),
    # OWS (here HTAB) after "chunked": the same request to both servers.
    ("edge.te_chunked_htab_then_get", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\t\r\n"
     b"\r\n1\r\nJ\r\n0\r\n\r\n" + _get(), False),
    ("edge.te_chunked_htab_cl_then_get", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 6\r\n"
     b"Transfer-Encoding: chunked\t\r\n\r\n1\r\nJ\r\n0\r\n\r\n" + _get(), False),
    ("edge.cl_2pow63_open", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 9223372036854775808\r\n\r\nabc", False),
    ("edge.cl_2pow64m1_open", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 18446744073709551615\r\n\r\nabc", False),
    ("edge.echo_5000_no_content_type", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 5000\r\n\r\n" + b"t" * 5000, True),
    ("edge.echo_4096_no_content_type", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 4096\r\n\r\n" + b"t" * 4096, True),
    ("edge.te_obfuscated_vt", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n" + _get(), True),
    ("edge.te_obfuscated_space_name", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + _get(), True),
    ("edge.te_obfuscated_second_field", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n"
     b"Transfer-encoding: x\r\n\r\n0\r\n\r\n" + _get(), True),
    ("edge.te_obfuscated_fold", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" + _get(), True),
    ("edge.te_http10_cl_smuggle", b"POST /echo HTTP/1.0\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\n" + _get(), True),
    ("edge.te_chunked_gzip_cl", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n" + _get(), True),
    ("edge.cl_dup_smuggle", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 0\r\n"
     b"Content-Length: 32\r\n\r\n" + SMUGGLED, True),
    ("edge.cl_comma_smuggle", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 0, 32\r\n\r\n" + SMUGGLED, True),
    ("edge.cl_leading_zero_smuggle", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 0032\r\n\r\n" + SMUGGLED, True),
    ("edge.chunk_size_lf_smuggle", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2\nab\r\n0\r\n\r\n" + _get(), True),
    ("edge.chunk_size_trailing_ws_smuggle", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2 \r\nab\r\n0\r\n\r\n" + _get(), True),
    ("edge.chunk_ext_sp_smuggle", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2 ;x\r\nab\r\n0\r\n\r\n" + _get(), True),
    ("edge.chunk_size_overflow_wrap", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"10000000000000002\r\nab\r\n0\r\n\r\n" + _get(), True),
    ("edge.chunk_size_16_zeros_then_2", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0000000000000002\r\nab\r\n0\r\n\r\n" + _get(), True),
    ("edge.chunk_data_lf_only", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2\r\nab\n0\r\n\r\n" + _get(), True),
    ("edge.last_chunk_lf_trailer_lf", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2\r\nab\r\n0\n\n" + _get(), True),
    ("edge.trailer_lf_lf", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2\r\nab\r\n0\r\nX: y\n\n" + _get(), True),
    ("edge.trailer_smuggle_request", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2\r\nab\r\n0\r\n" + SMUGGLED, True),
    # Connection in the trailer section (RFC 9110 §6.5.1: not a trailer field;
    # Go ignores it). KNOWN_DIFFERENCES.md F12.
    ("edge.trailer_connection_close_then_get", b"POST /echo HTTP/1.1\r\nHost: e\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n1\r\nJ\r\n0\r\nConnection: close\r\n\r\n" + _get(), False),
    # Pipelining and connection management.
    ("edge.pipeline_after_close", _get(extra=b"Connection: close\r\n") + _get(), True),
    ("edge.pipeline_after_close_open", _get(extra=b"Connection: close\r\n") + _get(), False),
    # OWS after "close" (KNOWN_DIFFERENCES.md F2, fixed): so that --quick,
    # which samples the generated streams, always sends it.
    ("edge.conn_close_htab_then_get", _get(extra=b"Connection: close\t\r\n") + _get(), False),
    ("edge.pipeline_http10", b"GET /ping HTTP/1.0\r\n\r\n" + _get(), True),
    ("edge.pipeline_http10_keepalive", b"GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + _get(), False),
    ("edge.pipeline_4_mixed", _get() + _post(b"one") + _get(b"/nope") + _post(b"two", b"/ping"), False),
    ("edge.pipeline_16", b"".join(_post(b"#%d" % i) for i in range(16)), False),
    ("edge.pipeline_backpressure_halfclose",
     b"".join(_post(bytes([65 + i]) * 60000) for i in range(24)), True),
    ("edge.pipeline_backpressure_open",
     b"".join(_post(bytes([65 + i]) * 60000) for i in range(24)), False),
    ("edge.crlf_between_get", _get() + b"\r\n" + _get(), False),
    ("edge.crlf_between_post", _post(b"x") + b"\r\n" + _get(), False),
    ("edge.many_crlf_before", b"\r\n" * 10 + _get(), False),
    ("edge.no_halfclose_partial_head", b"GET /ping HTTP/1.1\r\nHost: e\r\n", False),
    ("edge.halfclose_partial_head", b"GET /ping HTTP/1.1\r\nHost: e\r\n", True),
    ("edge.halfclose_partial_body", _post(b"abcdef")[:-3], True),
    ("edge.halfclose_partial_chunk", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", True),
    ("edge.halfclose_no_last_chunk", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n", True),
    ("edge.halfclose_no_final_crlf", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n", True),
    ("edge.empty_stream", b"", True),
    ("edge.only_crlf", b"\r\n", True),
    ("edge.http2_preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", True),
    ("edge.http09", b"GET /ping\r\n\r\n", True),
    ("edge.http09_no_headers", b"GET /ping\r\n", True),
    ("edge.options_star", b"OPTIONS * HTTP/1.1\r\nHost: e\r\n\r\n" + _get(), True),
    ("edge.options_star_http10", b"OPTIONS * HTTP/1.0\r\n\r\n", True),
    ("edge.options_star_body_over_max", b"OPTIONS * HTTP/1.1\r\nHost: e\r\nContent-Length: 70000\r\n\r\n"
     + b"o" * 70000, True),
    ("edge.connect_authority", b"CONNECT e:443 HTTP/1.1\r\nHost: e:443\r\n\r\n", True),
    ("edge.connect_no_host", b"CONNECT e:443 HTTP/1.1\r\n\r\n", True),
    ("edge.head_then_get", b"HEAD /ping HTTP/1.1\r\nHost: e\r\n\r\n" + _get(), True),
    ("edge.head_echo_body", b"HEAD /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 3\r\n\r\nabc" + _get(), True),
    ("edge.get_body_cl", b"GET /echo HTTP/1.1\r\nHost: e\r\nContent-Length: 3\r\n\r\nabc" + _get(), True),
    # Expect.
    ("edge.expect_wait_then_body", b"POST /echo HTTP/1.1\r\nHost: e\r\nExpect: 100-continue\r\n"
     b"Content-Length: 4\r\n\r\nbody" + _get(), True),
    ("edge.expect_over_max_no_body", b"POST /echo HTTP/1.1\r\nHost: e\r\nExpect: 100-continue\r\n"
     b"Content-Length: 100000\r\n\r\n", True),
    ("edge.expect_unknown_then_get", b"POST /echo HTTP/1.1\r\nHost: e\r\nExpect: foo\r\n"
     b"Content-Length: 3\r\n\r\nabc" + _get(), True),
    # Limits.
    ("edge.header_exactly_at_limit", b"GET /ping HTTP/1.1\r\nHost: e\r\nX: " + b"a" * 4050 + b"\r\n\r\n", True),
    ("edge.header_8k", b"GET /ping HTTP/1.1\r\nHost: e\r\nX: " + b"a" * 8100 + b"\r\n\r\n", True),
    ("edge.body_exactly_max", _post(b"m" * MAX_BODY_BYTES), True),
    ("edge.body_max_plus_one", _post(b"m" * (MAX_BODY_BYTES + 1)), True),
    ("edge.chunked_exactly_max", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"10000\r\n" + b"m" * 65536 + b"\r\n0\r\n\r\n", True),
    ("edge.chunked_max_plus_one", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"10000\r\n" + b"m" * 65536 + b"\r\n1\r\nm\r\n0\r\n\r\n", True),
    ("edge.chunk_line_4k", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"1;" + b"e" * 4100 + b"\r\na\r\n0\r\n\r\n", True),
    ("edge.trailer_4k", b"POST /echo HTTP/1.1\r\nHost: e\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"1\r\na\r\n0\r\nX: " + b"t" * 4100 + b"\r\n\r\n", True),
    # Odd but valid.
    ("edge.obs_fold_host", b"GET /ping HTTP/1.1\r\nHost: e\r\n x\r\n\r\n", True),
    ("edge.obs_fold_first_line", b"GET /ping HTTP/1.1\r\n Host: e\r\n\r\n", True),
    ("edge.header_value_only_ws", b"GET /ping HTTP/1.1\r\nHost: e\r\nX:   \t \r\n\r\n", True),
    ("edge.content_length_ws_both", b"POST /echo HTTP/1.1\r\nHost: e\r\nContent-Length:  3 \r\n\r\nabc", True),
    ("edge.absolute_form_ipv6", b"GET http://[::1]:80/ping HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", True),
    ("edge.absolute_form_empty_host", b"GET http:///ping HTTP/1.1\r\nHost: e\r\n\r\n", True),
    ("edge.target_only_query", b"GET ?x HTTP/1.1\r\nHost: e\r\n\r\n", True),
    ("edge.lowercase_http_version_and_method", b"get /ping http/1.1\r\nHost: e\r\n\r\n", True),
]


# ---------------------------------------------------------------------------
# Streams.

class Stream:
    __slots__ = ("sid", "data", "half_close", "methods", "features", "req_features", "nreq")

    def __init__(self, sid, data, half_close, methods, req_features):
        self.sid = sid
        self.data = data
        self.half_close = half_close
        self.methods = methods              # per request, for HEAD responses
        self.req_features = req_features    # per request: list of mutation names
        self.features = sorted({f for fs in req_features for f in fs})
        self.nreq = len(methods)


def generate(seed=1, count=3000):
    """count generated streams plus EDGE_CASES, distinct by (bytes, half_close)."""
    rng = random.Random(seed)
    streams, seen = [], set()

    def emit(data, half_close, methods, req_features):
        key = (data, half_close)
        if key in seen:
            return False
        seen.add(key)
        streams.append(Stream(len(streams), data, half_close, methods, req_features))
        return True

    for feature, data, half_close in EDGE_CASES:
        nreq = max(1, data.count(b" HTTP/1") + data.count(b" HTTP/2") + data.count(b" http/1"))
        methods = [m.split(b" ")[0] for m in data.split(b"\r\n") if b" HTTP/" in m]
        emit(data, half_close, methods or [b"GET"], [[feature]] + [[]] * (nreq - 1))

    i = attempts = 0
    while i < count and attempts < count * 20:
        attempts += 1
        primary = FEATURES[i % len(FEATURES)]
        n = rng.choices([1, 2, 3, 4], weights=[50, 25, 15, 10])[0]
        pos = rng.randrange(n)
        muts = [primary]
        if rng.random() < 0.12:
            muts.append(rng.choice(FEATURES))
        reqs = []
        for k in range(n):
            r = base(rng)
            if k == pos:
                applied = []
                for m in muts:
                    try:
                        MUTATIONS[m](r, rng)
                        applied.append(m)
                    except (ValueError, IndexError, TypeError, AttributeError):
                        # a second mutation that does not fit the first
                        # (e.g. a chunk-size change on a size already made
                        # non-hex): keep the first only.
                        if not applied:
                            raise
                r.mutations = sorted(set(applied))
            reqs.append(r)
        data = b"".join(r.render() + getattr(r, "trailing_garbage", b"") for r in reqs)
        half_close = rng.random() < 0.8
        if emit(data, half_close, [r.method for r in reqs], [r.mutations for r in reqs]):
            i += 1
    return streams


def c_escape(b):
    out = []
    for c in b:
        if c == 0x0d:
            out.append("\\r")
        elif c == 0x0a:
            out.append("\\n")
        elif c == 0x09:
            out.append("\\t")
        elif c == 0x5c:
            out.append("\\\\")
        elif c == 0x22:
            out.append("\\\"")
        elif 0x20 <= c < 0x7f:
            out.append(chr(c))
        else:
            out.append("\\x%02x" % c)
    s = "".join(out)
    # "\x01" followed by a hex digit would change meaning in C: split the literal.
    return re.sub(r'(\\x[0-9a-f]{2})(?=[0-9a-fA-F])', r'\1""', s)


def c_escape_short(b, limit=600):
    if len(b) <= limit:
        return c_escape(b)
    # long runs of one byte are summarised
    parts = []
    for ch, grp in itertools.groupby(b):
        n = len(list(grp))
        if n > 16:
            parts.append(c_escape(bytes([ch])) + "{x%d}" % n)
        else:
            parts.append(c_escape(bytes([ch]) * n))
    return "".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--list", action="store_true", help="print every stream, C-escaped")
    ap.add_argument("--features", action="store_true", help="print the mutation names")
    args = ap.parse_args()
    if args.features:
        print("\n".join(FEATURES))
        return
    streams = generate(args.seed, args.count)
    if args.list:
        for s in streams:
            print("%d %s %s \"%s\"" % (s.sid, ",".join(s.features) or "-",
                                       "half-close" if s.half_close else "open", c_escape_short(s.data)))
    print("%d streams (%d hand-written), %d mutations" % (len(streams), len(EDGE_CASES), len(FEATURES)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
