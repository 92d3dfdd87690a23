// idle-conns, tools/bench's tool for the memory-per-idle-connection shape:
// opens -n keep-alive connections to -addr, makes one GET -path on each, and
// holds them all open until SIGTERM or SIGINT. With -requests K it makes K
// GETs on each, one after the other, before holding it: the workers-spread
// shape, where every connection then costs its server the same work.
// It prints "open: K failed: F" once every connection has been tried.
// With -tls, each connection completes a TLS handshake (verified against
// -cacert) before its request: the tls-idle shape.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18091", "server HOST:PORT")
	n := flag.Int("n", 10000, "connections to open")
	path := flag.String("path", "/ping", "path of the one request on each connection")
	// Few dials at once keep the server's accept backlog from overflowing.
	parallel := flag.Int("parallel", 64, "connections being opened at once")
	useTLS := flag.Bool("tls", false, "speak TLS (https) on each connection")
	requests := flag.Int("requests", 1, "GETs on each connection before it is held idle")
	cacert := flag.String("cacert", "", "with -tls: PEM file of the roots to verify the server against")
	flag.Parse()
	if *requests < 1 {
		fmt.Fprintln(os.Stderr, "idle-conns: -requests wants 1 or more")
		os.Exit(2)
	}

	dial := func() (net.Conn, error) { return net.Dial("tcp", *addr) }
	if *useTLS {
		cfg := &tls.Config{}
		if *cacert != "" {
			pem, err := os.ReadFile(*cacert)
			if err != nil {
				fmt.Fprintf(os.Stderr, "idle-conns: %v\n", err)
				os.Exit(2)
			}
			cfg.RootCAs = x509.NewCertPool()
			cfg.RootCAs.AppendCertsFromPEM(pem)
		}
		dial = func() (net.Conn, error) {
			c, err := tls.Dial("tcp", *addr, cfg)
			if err != nil {
				return nil, err
			}
			return c, nil
		}
	}

	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", *path, *addr)
	var mu sync.Mutex
	var conns []net.Conn // held so that nothing closes them
	var failed atomic.Int64
	var firstErr atomic.Value
	var next atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < *parallel; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(*n) {
				c, err := requestsOn(dial, req, *requests)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("open: %d failed: %d\n", len(conns), failed.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(os.Stderr, "idle-conns: first failure: %v\n", e)
	}
	// Hold until told to stop; exiting closes every connection at once.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

// requestsOn dials, then n times sends req and reads the whole response,
// leaving the connection idle and open.
func requestsOn(dial func() (net.Conn, error), req string, n int) (net.Conn, error) {
	c, err := dial()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(c)
	for i := 0; i < n; i++ {
		if err := oneRequest(c, br, req); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// oneRequest sends req on c and reads the whole response from br.
func oneRequest(c net.Conn, br *bufio.Reader, req string) error {
	if _, err := io.WriteString(c, req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return err
}
