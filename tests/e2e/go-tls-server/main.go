// go-tls-server is Go's net/http serving https, as a real peer for
// post-json's TLS end-to-end tests (tests/e2e/post_json_test.cc). Besides
// an echo it ends responses in the ways a TLS stream can end badly, which
// only a server that owns its TLS connection can do. It prints
// "listening on 127.0.0.1:PORT" on stderr once it accepts.
//
// Usage: go-tls-server -cert server.pem -key server.key
//
//	/echo           the request body back
//	/truncated      Content-Length: 100, 10 bytes, then TCP close, no close_notify
//	/until-close    a body delimited by the close, then TCP close, no close_notify
//	/cut-record     the head, then half a TLS record, then TCP close
//	/trailer        what Go read of the request: its framing, body length,
//	                declared trailer names and trailer values, a line each
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
)

// hijack takes the connection from net/http; the caller writes through
// the *tls.Conn and may close the TCP connection under it.
func hijack(w http.ResponseWriter) (*tls.Conn, bool) {
	c, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return nil, false
	}
	tc, ok := c.(*tls.Conn)
	return tc, ok
}

func main() {
	certFile := flag.String("cert", "", "PEM certificate chain")
	keyFile := flag.String("key", "", "PEM private key")
	flag.Parse()
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-tls-server:", err)
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, r.Body)
	})
	mux.HandleFunc("/truncated", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if tc, ok := hijack(w); ok {
			io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
			tc.NetConn().Close()
		}
	})
	mux.HandleFunc("/until-close", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if tc, ok := hijack(w); ok {
			io.WriteString(tc, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it")
			tc.NetConn().Close()
		}
	})
	mux.HandleFunc("/cut-record", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if tc, ok := hijack(w); ok {
			io.WriteString(tc, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbefore")
			// An application-data record header announcing 64 bytes, and 3.
			tc.NetConn().Write([]byte("\x17\x03\x03\x00\x40abc"))
			tc.NetConn().Close()
		}
	})
	mux.HandleFunc("/trailer", func(w http.ResponseWriter, r *http.Request) {
		// r.Trailer holds the declared names until the body's EOF, then
		// every field the trailer carried.
		var declared []string
		for k := range r.Trailer {
			declared = append(declared, k)
		}
		sort.Strings(declared)
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "te=%s\nbody=%d\ndeclared=%s\n", strings.Join(r.TransferEncoding, ","), n,
			strings.Join(declared, ","))
		var keys []string
		for k := range r.Trailer {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s=%s\n", k, strings.Join(r.Trailer[k], ","))
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-tls-server:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "listening on %s\n", ln.Addr())
	srv := &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	fmt.Fprintln(os.Stderr, "go-tls-server:", srv.ServeTLS(ln, "", ""))
	os.Exit(1)
}
