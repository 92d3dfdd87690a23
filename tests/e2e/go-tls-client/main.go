// go-tls-client drives an https server with Go's net/http client, as a real
// peer for pingd's TLS end-to-end tests (tests/e2e/pingd_tls_test.cc). It
// prints one "key=value ..." line of what it saw and exits 0, or prints the
// failure on stderr and exits 1.
//
// Usage: go-tls-client -url https://127.0.0.1:PORT -ca ca.pem [-max 1.2|1.3] [-n 3]
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"time"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-tls-client: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	url := flag.String("url", "", "https://host:port of the server")
	caFile := flag.String("ca", "", "PEM file of the CA that signed the server's certificate")
	max := flag.String("max", "1.3", "highest TLS version: 1.2 or 1.3")
	n := flag.Int("n", 3, "GET /ping requests on one keep-alive connection")
	flag.Parse()

	pem, err := os.ReadFile(*caFile)
	if err != nil {
		fail("%v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		fail("no certificate in %s", *caFile)
	}
	cfg := &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS13,
		ClientSessionCache: tls.NewLRUClientSessionCache(8)}
	if *max == "1.2" {
		cfg.MaxVersion = tls.VersionTLS12
	}
	newClient := func() *http.Client {
		return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: cfg, ExpectContinueTimeout: 5 * time.Second}}
	}

	// Keep-alive: n requests, one connection.
	c := newClient()
	conns := 0
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if !i.Reused {
			conns++
		}
	}}
	var state *tls.ConnectionState
	for i := 0; i < *n; i++ {
		req, _ := http.NewRequest("GET", *url+"/ping", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := c.Do(req)
		if err != nil {
			fail("GET /ping: %v", err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != "pong" {
			fail("GET /ping: body %q, %v", body, err)
		}
		state = resp.TLS
	}

	// A chunked upload (no length known), and one that waits for 100 Continue.
	payload := strings.Repeat("0123456789", 10000)
	for _, expect := range []bool{false, true} {
		req, _ := http.NewRequest("POST", *url+"/echo", io.MultiReader(strings.NewReader(payload)))
		if expect {
			req, _ = http.NewRequest("POST", *url+"/echo", bytes.NewReader([]byte(payload)))
			req.Header.Set("Expect", "100-continue")
		}
		resp, err := c.Do(req)
		if err != nil {
			fail("POST /echo (expect=%v): %v", expect, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != payload {
			fail("POST /echo (expect=%v): %d bytes back of %d", expect, len(body), len(payload))
		}
	}

	// A new Transport, the same session cache: the handshake resumes.
	c2 := newClient()
	resp, err := c2.Get(*url + "/ping")
	if err != nil {
		fail("GET /ping on a new connection: %v", err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()

	fmt.Printf("conns=%d version=%s cipher=%s alpn=%s resumed=%v\n", conns,
		map[uint16]string{tls.VersionTLS12: "1.2", tls.VersionTLS13: "1.3"}[state.Version],
		tls.CipherSuiteName(state.CipherSuite), state.NegotiatedProtocol, resp.TLS.DidResume)
}
