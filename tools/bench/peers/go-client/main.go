// The Go client peer for tools/bench: one net/http Client sends -n POSTs of a
// small JSON body to -url with -c in flight, then prints post-json's summary
// lines (requests/s, connections) so run can read all clients alike. An
// https -url is verified against the system roots plus -cacert.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:18094/post", "URL to POST to")
	n := flag.Int64("n", 100000, "requests to send")
	c := flag.Int("c", 50, "requests in flight (and at most this many connections)")
	cacert := flag.String("cacert", "", "PEM file of extra trusted roots (as post-json --cacert)")
	flag.Parse()
	body := []byte(`{"name":"bench","n":1}`)

	// Go's defaults (TLS 1.2 and 1.3, no session cache: each of the -c
	// connections makes one full handshake), with -cacert's roots added.
	var tlsConfig *tls.Config
	if *cacert != "" {
		pem, err := os.ReadFile(*cacert)
		if err != nil {
			fmt.Fprintf(os.Stderr, "go-client: %v\n", err)
			os.Exit(2)
		}
		roots, err := x509.SystemCertPool()
		if err != nil {
			roots = x509.NewCertPool()
		}
		if !roots.AppendCertsFromPEM(pem) {
			fmt.Fprintf(os.Stderr, "go-client: no certificate in %s\n", *cacert)
			os.Exit(2)
		}
		tlsConfig = &tls.Config{RootCAs: roots}
	}

	// Count dials: the number of connections is part of the result.
	var dials atomic.Int64
	dialer := &net.Dialer{}
	client := &http.Client{Transport: &http.Transport{
		MaxConnsPerHost:     *c,
		MaxIdleConnsPerHost: *c, // the default 2 would close and redial
		TLSClientConfig:     tlsConfig,
		// The TLS handshake runs on the dialed conn: counted as one dial.
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
	}}

	var next, failures atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= *n {
				resp, err := client.Post(*url, "application/json", bytes.NewReader(body))
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err == nil && resp.StatusCode >= 400 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()

	fmt.Printf("requests: %d\nfailures: %d\nrequests/s: %.1f\nconnections: %d\n",
		*n, failures.Load(), float64(*n)/elapsed, dials.Load())
	if failures.Load() > 0 {
		fmt.Fprintf(os.Stderr, "go-client: first failure: %v\n", firstErr.Load())
		os.Exit(1)
	}
}
