// The Go net/http peer for tests/client_diff (tools/diff-client): what
// apps/post-json does for one request, on Go 1.19's standard library only,
// so that scenarios.py can run both clients against the same scripted
// misbehaving server and compare (exit status, stdout bytes).
//
//	go-post-json [-d JSON|@FILE] [--timeout SEC] URL
//
// It POSTs JSON (default "{}"; "@FILE" reads the body from FILE, as
// post-json's -d does, for bodies too large for one argument) with Content-Type: application/json through
// an http.Client (Timeout = SEC, 0: none; the default redirect policy, at
// most 10), copies the response body to stdout as it arrives (os.Stdout is
// unbuffered), and exits as post-json does (SPEC §3): 0 for a status < 400,
// 1 for >= 400 (body still printed), 2 for bad usage, 3 for a transport
// failure or a body cut short, with one line on stderr. Flags come before
// the URL (the flag package stops at the first argument that is not one).
//
// The Transport is http.DefaultTransport's settings with one change that
// makes the request the same as post-json's: no proxy from the environment.
// Both ask for gzip on their own (Accept-Encoding: gzip) and print a gzip'd
// body decoded.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// fail prints the one stderr line of a failure and exits with code.
func fail(code int, err error) {
	// A Go error can quote server bytes; keep it to one line.
	msg := strings.ReplaceAll(err.Error(), "\n", `\n`)
	fmt.Fprintf(os.Stderr, "go-post-json: %s\n", msg)
	os.Exit(code)
}

func main() {
	data := flag.String("d", "{}", "the JSON body, verbatim, or @FILE")
	timeout := flag.Float64("timeout", 0, "limit in seconds for the whole exchange, body included (0: none)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go-post-json [-d JSON|@FILE] [--timeout SEC] URL")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || *timeout < 0 {
		flag.Usage()
		os.Exit(2)
	}

	body := *data
	if strings.HasPrefix(body, "@") {
		b, err := os.ReadFile(body[1:])
		if err != nil {
			fail(2, err)
		}
		body = string(b)
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	client := &http.Client{
		Transport: tr,
		Timeout:   time.Duration(*timeout * float64(time.Second)),
	}
	// strings.Reader: NewRequest sets ContentLength and GetBody, so a 307
	// or 308 sends the body again, as post-json's Client does.
	req, err := http.NewRequest("POST", flag.Arg(0), strings.NewReader(body))
	if err != nil {
		fail(2, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		fail(3, err)
	}
	defer resp.Body.Close()
	code := 0
	if resp.StatusCode >= 400 {
		code = 1
	}
	if _, err := io.Copy(os.Stdout, resp.Body); err != nil {
		// A read error (cut short, malformed chunk, timeout) is a
		// transport failure; so is a write error, for this harness.
		fail(3, err)
	}
	os.Exit(code)
}
