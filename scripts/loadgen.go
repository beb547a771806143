//go:build ignore

// loadgen measures how many GETs per second a Redfish service answers over
// HTTPS with keep-alive. It is run by scripts/measure.sh:
//
//	go run scripts/loadgen.go -url https://127.0.0.1:8443/redfish/v1/Chassis/Sled0 -user admin -pass-file F
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "", "resource to GET")
	user := flag.String("user", "admin", "Basic auth user")
	passFile := flag.String("pass-file", "", "file holding the password")
	conns := flag.Int("c", 1, "concurrent keep-alive connections")
	dur := flag.Duration("d", 5*time.Second, "how long to run")
	flag.Parse()
	pw, err := os.ReadFile(*passFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	pass := strings.TrimSpace(string(pw))
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, // the agent's certificate is self-signed
		MaxIdleConnsPerHost: *conns,
	}
	client := &http.Client{Transport: tr}
	var ok, bad atomic.Int64
	deadline := time.Now().Add(*dur)
	var wg sync.WaitGroup
	start := time.Now()
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodGet, *url, nil)
				req.SetBasicAuth(*user, pass)
				resp, err := client.Do(req)
				if err != nil {
					bad.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start).Seconds()
	fmt.Printf("%d connection(s): %.0f requests/s (%d ok, %d failed in %.1fs)\n", *conns, float64(ok.Load())/el, ok.Load(), bad.Load(), el)
	if bad.Load() > 0 {
		os.Exit(1)
	}
}
