// The Go net/http peer for tools/bench: the seed's /ping server, in plain
// HTTP or, with -tls-cert and -tls-key, over TLS (ListenAndServeTLS, Go's
// default tls.Config: TLS 1.2 and 1.3). /echo streams the request body back
// (the echo1m shape); with -root it serves a directory at /static/ as
// pingd --root does (the static shapes).
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8092", "listen address")
	certFile := flag.String("tls-cert", "", "PEM certificate chain: serve https")
	keyFile := flag.String("tls-key", "", "PEM private key of -tls-cert")
	root := flag.String("root", "", "serve this directory's files at /static/ (off when empty)")
	flag.Parse()
	http.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "pong")
	})
	http.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		io.Copy(w, r.Body)
	})
	if *root != "" {
		// FileServer sends a regular file with io.Copy into the response,
		// which the TCP connection turns into sendfile(2): Go's fast path.
		http.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir(*root))))
	}
	if *certFile != "" || *keyFile != "" {
		log.Fatal(http.ListenAndServeTLS(*addr, *certFile, *keyFile, nil))
	}
	log.Fatal(http.ListenAndServe(*addr, nil))
}
