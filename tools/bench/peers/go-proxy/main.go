// The Go reverse-proxy peer for tools/bench's proxy shape: every request to
// -addr goes to -upstream through httputil.NewSingleHostReverseProxy, the
// Go counterpart of nethttp's relay (apps/relay).
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8097", "listen address")
	upstream := flag.String("upstream", "", "where requests go, e.g. http://127.0.0.1:18099")
	flag.Parse()
	target, err := url.Parse(*upstream)
	if err != nil || target.Host == "" {
		log.Fatalf("-upstream wants an http:// URL with a host, got %q", *upstream)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	// http.DefaultTransport keeps 2 idle connections per host
	// (DefaultMaxIdleConnsPerHost): with 50 requests in flight it would dial
	// and close upstream connections all the time. 64 is what relay's
	// Transport keeps by default and what nginx's upstream gets (keepalive 64).
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	proxy.Transport = t
	log.Fatal(http.ListenAndServe(*addr, proxy))
}
