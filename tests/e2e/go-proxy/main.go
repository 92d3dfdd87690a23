// go-proxy is a forward HTTP proxy written with Go's net/http, as a real
// peer for the client's proxy support in the e2e tests. It forwards
// absolute-form requests (GET http://host:port/path) through an
// http.Transport and tunnels CONNECT host:port over a hijacked connection;
// an origin-form request (GET /path) gets 400. With -auth every request
// needs Proxy-Authorization: Basic base64(user:pass) or gets 407, and with
// -deny-connect every CONNECT gets 403.
//
// Like go-tls-server it prints "listening on 127.0.0.1:PORT" on stderr once
// it accepts, and serves until it is killed (the tests give it /dev/null
// for stdin, so stdin is not watched).
//
// Usage: go-proxy [-addr 127.0.0.1:0] [-auth user:pass] [-log PATH] [-deny-connect] [-resolve name=ip]
//
// -resolve makes the proxy alone resolve a made-up host name (curl's
// --resolve), so a test can prove a request went through the proxy: the
// client itself cannot reach that name.
//
// Each request is logged as one line, before its status reaches the client,
// to -log (appended) or to stderr:
//
//	GET http://127.0.0.1:8091/ping auth=missing status=200
//	CONNECT 127.0.0.1:4443 auth=ok status=200
//
// auth= is how Proxy-Authorization arrived: "missing", or with -auth "ok"
// (the expected Basic credentials) or "bad" (anything else); without -auth
// a header that is there is logged as "present" and not checked.
package main

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// hopHeaders are the hop-by-hop headers, never forwarded either way.
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive",
	"Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer",
	"Transfer-Encoding", "Upgrade"}

type proxy struct {
	auth        string // "user:pass", or "" for no authentication
	denyConnect bool
	log         *log.Logger
	transport   *http.Transport
	resolve     map[string]string // host name -> IP, see -resolve
}

// dial connects to addr, with the host name mapped by -resolve if it is.
func (p *proxy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip, ok := p.resolve[host]; ok {
			addr = net.JoinHostPort(ip, port)
		}
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	return d.DialContext(ctx, network, addr)
}

// removeHop deletes the hop-by-hop headers and those Connection names.
func removeHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, name := range hopHeaders {
		h.Del(name)
	}
}

// authState says how Proxy-Authorization arrived: missing, ok, bad or present.
func (p *proxy) authState(r *http.Request) string {
	got := r.Header.Get("Proxy-Authorization")
	switch {
	case got == "":
		return "missing"
	case p.auth == "":
		return "present"
	}
	scheme, token, _ := strings.Cut(got, " ")
	creds, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	if !strings.EqualFold(scheme, "Basic") || err != nil || string(creds) != p.auth {
		return "bad"
	}
	return "ok"
}

// ServeHTTP checks the credentials, then forwards or tunnels. logged is
// called once per request with the status, before that status is sent.
func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target, auth := r.URL.String(), p.authState(r)
	if r.Method == http.MethodConnect { // authority-form: host:port
		target = r.Host
	}
	logged := func(status int) {
		p.log.Printf("%s %s auth=%s status=%d", r.Method, target, auth, status)
	}
	fail := func(status int, msg string) {
		logged(status)
		if status == http.StatusProxyAuthRequired {
			w.Header().Set("Proxy-Authenticate", `Basic realm="go-proxy"`)
		}
		http.Error(w, msg, status)
	}
	connect := r.Method == http.MethodConnect
	switch {
	case !connect && (!r.URL.IsAbs() || r.URL.Scheme != "http" || r.URL.Host == ""):
		fail(http.StatusBadRequest, "go-proxy needs an absolute http:// URL")
	case p.auth != "" && auth != "ok":
		fail(http.StatusProxyAuthRequired, "proxy authentication required")
	case connect && p.denyConnect:
		fail(http.StatusForbidden, "CONNECT denied (-deny-connect)")
	case connect:
		p.tunnel(w, r, logged, fail)
	default:
		p.forward(w, r, logged, fail)
	}
}

// forward sends r on to the origin and streams the response back,
// flushing after every read so a slow body arrives as it is produced.
func (p *proxy) forward(w http.ResponseWriter, r *http.Request, logged func(int), fail func(int, string)) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Close = false
	if r.ContentLength == 0 {
		out.Body = nil
	}
	removeHop(out.Header)
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		fail(http.StatusBadGateway, "go-proxy: "+err.Error())
		return
	}
	defer resp.Body.Close()
	removeHop(resp.Header)
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	if _, ok := resp.Header["Content-Type"]; !ok {
		w.Header()["Content-Type"] = nil // no sniffed type the origin never sent
	}
	logged(resp.StatusCode)
	w.WriteHeader(resp.StatusCode)
	buf := make([]byte, 32*1024)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
		if err != nil {
			return
		}
	}
}

// tunnel answers CONNECT: it dials the target, says 200, hijacks the client
// connection and copies bytes both ways. A side that ends with EOF is
// half-closed onward (CloseWrite); an error closes both.
func (p *proxy) tunnel(w http.ResponseWriter, r *http.Request, logged func(int), fail func(int, string)) {
	upstream, err := p.dial(context.Background(), "tcp", r.Host)
	if err != nil {
		fail(http.StatusBadGateway, "go-proxy: "+err.Error())
		return
	}
	client, brw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		upstream.Close()
		fail(http.StatusInternalServerError, "go-proxy: "+err.Error())
		return
	}
	logged(http.StatusOK)
	if _, err := io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		client.Close()
		upstream.Close()
		return
	}
	var wg sync.WaitGroup
	pipe := func(dst net.Conn, src io.Reader) {
		defer wg.Done()
		if _, err := io.Copy(dst, src); err != nil {
			client.Close()
			upstream.Close()
		} else if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
	}
	wg.Add(2)
	// brw.Reader holds whatever the client sent after the CONNECT head.
	go pipe(upstream, brw.Reader)
	go pipe(client, upstream)
	wg.Wait()
	client.Close()
	upstream.Close()
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	auth := flag.String("auth", "", "require Proxy-Authorization: Basic for user:pass")
	logPath := flag.String("log", "", "append the request log here instead of stderr")
	denyConnect := flag.Bool("deny-connect", false, "answer CONNECT with 403")
	resolve := flag.String("resolve", "", "name=ip: dial ip for the host name")
	flag.Parse()
	logTo := io.Writer(os.Stderr)
	if *logPath != "" {
		f, err := os.OpenFile(*logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "go-proxy:", err)
			os.Exit(2)
		}
		logTo = f
	}
	p := &proxy{
		auth:        *auth,
		denyConnect: *denyConnect,
		// An *os.File is unbuffered: each line is one write(2).
		log:     log.New(logTo, "", 0),
		resolve: map[string]string{},
	}
	// No proxy of its own, and bodies passed through still encoded.
	p.transport = &http.Transport{Proxy: nil, DisableCompression: true, DialContext: p.dial}
	if name, ip, ok := strings.Cut(*resolve, "="); ok {
		p.resolve[name] = ip
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-proxy:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "listening on %s\n", ln.Addr())
	fmt.Fprintln(os.Stderr, "go-proxy:", http.Serve(ln, p))
	os.Exit(1)
}
