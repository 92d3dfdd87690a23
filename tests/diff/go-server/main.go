// The Go net/http peer for tests/diff (tools/diff): pingd's routes and
// behaviour, on Go 1.19's standard library only, so that compare.py can send
// the same request byte streams to both servers and compare the answers.
//
//	GET|HEAD /ping -> 200 "pong"; any other method -> 405, "Allow: GET, HEAD",
//	                  body "method not allowed\n" (apps/pingd/main.cc)
//	/echo (any method) -> 200, the request body back with the request's
//	                  Content-Type and an explicit Content-Length
//	anything else  -> the ServeMux's 404 (and its redirects, 400 for "*")
//
// pingd reads (buffers) the whole request body before its handler runs and
// answers 413 for a body over --max-body-bytes whatever the route. So does
// this server: limitBody wraps the mux, answers 413 at once for a declared
// Content-Length over the limit, reads any other body through
// http.MaxBytesReader first, and answers 413 when the limit is hit (closing
// the connection after the reply in both cases, as pingd does).
// A body that is malformed (a bad chunk, a bad trailer) is a server-level
// 400 and a close in pingd; net/http hands that error to the handler
// instead, so limitBody answers it the same way: 400, Connection: close. A
// body cut short by the client's EOF gets no answer from pingd; here
// http.ErrAbortHandler closes the connection without one.
//
// Flags mirror pingd's: -addr, -max-body-bytes, -max-header-bytes,
// -read-header-timeout, -idle-timeout. Once listening it prints
// "listening on HOST:PORT" on stderr (the real port for ":0").
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			// pingd refuses a declared length over the limit at the head,
			// without reading the body; MaxBytesReader alone would read
			// max+1 bytes first (and wait for them).
			w.Header().Set("Connection", "close")
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		if err != nil {
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			case strings.Contains(err.Error(), "unexpected EOF"):
				// io.ErrUnexpectedEOF, or "http: unexpected EOF reading trailer".
				panic(http.ErrAbortHandler)
			default:
				w.Header().Set("Connection", "close")
				http.Error(w, "bad request body: "+err.Error(), http.StatusBadRequest)
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address HOST:PORT")
	maxBody := flag.Int64("max-body-bytes", 64<<20, "limit for a request body (413 beyond)")
	maxHeader := flag.Int("max-header-bytes", http.DefaultMaxHeaderBytes, "http.Server.MaxHeaderBytes")
	readHeaderTimeout := flag.Duration("read-header-timeout", 5*time.Second, "http.Server.ReadHeaderTimeout")
	idleTimeout := flag.Duration("idle-timeout", 30*time.Second, "http.Server.IdleTimeout")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		io.WriteString(w, "pong")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		body, _ := io.ReadAll(r.Body) // already buffered by limitBody
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "go-server: %v\n", err)
		os.Exit(1)
	}
	srv := &http.Server{
		Handler:           limitBody(*maxBody, mux),
		MaxHeaderBytes:    *maxHeader,
		ReadHeaderTimeout: *readHeaderTimeout,
		IdleTimeout:       *idleTimeout,
		// ErrorLog nil: net/http logs to stderr, which compare.py keeps in
		// go-server.log (it never logs http.ErrAbortHandler panics).
	}
	fmt.Fprintf(os.Stderr, "listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintf(os.Stderr, "go-server: %v\n", err)
		os.Exit(1)
	}
}
