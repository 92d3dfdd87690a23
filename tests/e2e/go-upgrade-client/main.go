// go-upgrade-client upgrades an HTTP/1.1 connection with Go's net/http
// client to the toy "shout" protocol of tests/e2e/hijack_test.cc (each
// message comes back upper-cased) and talks it over the switched
// connection, as a real peer for a server that hijacks. Go's Transport
// hands a 101 response's body over as an io.ReadWriteCloser on the socket.
// It prints "ok <n> messages" and exits 0, or prints the failure on stderr
// and exits 1.
//
// Usage: go-upgrade-client -url http(s)://127.0.0.1:PORT/shout [-ca ca.pem] [-n 3]
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-upgrade-client: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	url := flag.String("url", "", "URL of the upgrading handler")
	caFile := flag.String("ca", "", "PEM file of the CA that signed an https server's certificate")
	n := flag.Int("n", 3, "messages to send over the upgraded connection")
	flag.Parse()

	tr := &http.Transport{}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			fail("%v", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			fail("no certificate in %s", *caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	// No Client.Timeout: it wraps the body in a reader that hides the
	// switched connection's Write (the test's own deadline kills a hang).
	tr.ResponseHeaderTimeout = 10 * time.Second
	client := &http.Client{Transport: tr}

	req, err := http.NewRequest("GET", *url, nil)
	if err != nil {
		fail("%v", err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "shout")
	resp, err := client.Do(req)
	if err != nil {
		fail("%v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		fail("status %d, want 101", resp.StatusCode)
	}
	if got := resp.Header.Get("Upgrade"); got != "shout" {
		fail("Upgrade: %q, want shout", got)
	}
	conn, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		fail("the 101 response's body is not an io.ReadWriteCloser")
	}
	for i := 0; i < *n; i++ {
		msg := fmt.Sprintf("message %d from go", i)
		if _, err := conn.Write([]byte(msg)); err != nil {
			fail("write: %v", err)
		}
		want := []byte(strings.ToUpper(msg))
		got := make([]byte, len(want))
		if _, err := io.ReadFull(conn, got); err != nil {
			fail("read: %v", err)
		}
		if !bytes.Equal(got, want) {
			fail("got %q, want %q", got, want)
		}
	}
	if err := conn.Close(); err != nil {
		fail("close: %v", err)
	}
	fmt.Printf("ok %d messages\n", *n)
}
