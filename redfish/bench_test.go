package redfish

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"
)

// BenchmarkGetSledChassis is one authenticated GET of a sled through the
// handler with the credential and body caches warm: the steady state of a
// client polling the chassis.
func BenchmarkGetSledChassis(b *testing.B) {
	f := newFixture(b, testSnapshot())
	f.get("/redfish/v1/Chassis/Sled0") // warm both caches
	req, _ := http.NewRequest(http.MethodGet, "/redfish/v1/Chassis/Sled0", nil)
	req.SetBasicAuth(testUser, testPassword)
	w := newDiscardWriter()
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		f.h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

// BenchmarkRenderSledChassis renders the sled without the body cache: the
// cost of the first GET after every new snapshot.
func BenchmarkRenderSledChassis(b *testing.B) {
	f := newFixture(b, testSnapshot())
	rc := &reqCtx{snap: testSnapshot(), path: "/redfish/v1/Chassis/Sled0", params: []string{"Sled0"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.getChassis(rc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetSledChassisTLS is the same GET over HTTPS on loopback, one
// keep-alive HTTP/1.1 connection, client and server in this process.
func BenchmarkGetSledChassisTLS(b *testing.B) {
	cert, err := LoadOrCreateCertificate(b.TempDir(), quietLogger())
	if err != nil {
		b.Fatal(err)
	}
	f := newFixture(b, testSnapshot())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := NewServer(ln.Addr().String(), f.h, cert)
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	defer srv.Close()

	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, ServerName: "localhost"},
		MaxIdleConnsPerHost: 1,
		// HTTP/1.1, as curl and most Redfish clients use it.
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	req, _ := http.NewRequest(http.MethodGet, "https://"+ln.Addr().String()+"/redfish/v1/Chassis/Sled0", nil)
	req.SetBasicAuth(testUser, testPassword)
	get := func() {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	get() // handshake and warm caches outside the timing
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		get()
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "req/s")
}
