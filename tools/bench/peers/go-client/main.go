// The Go client peer for tools/bench: one net/http Client sends -n POSTs of a
// small JSON body to -url with -c in flight, then prints post-json's summary
// lines (requests/s, connections) so run can read all clients alike.
package main

import (
	"bytes"
	"context"
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
	flag.Parse()
	body := []byte(`{"name":"bench","n":1}`)

	// Count dials: the number of connections is part of the result.
	var dials atomic.Int64
	dialer := &net.Dialer{}
	client := &http.Client{Transport: &http.Transport{
		MaxConnsPerHost:     *c,
		MaxIdleConnsPerHost: *c, // the default 2 would close and redial
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
