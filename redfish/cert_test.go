package redfish

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCertificateCreatedAndReused(t *testing.T) {
	state := t.TempDir()
	cert, err := LoadOrCreateCertificate(state, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(state, "tls")
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("tls dir mode %v", m)
	}
	if m := mode(t, filepath.Join(dir, "key.pem")); m != 0o600 {
		t.Errorf("key mode %v", m)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("key is %T, want ECDSA P-256", leaf.PublicKey)
	}
	if leaf.SerialNumber.Sign() <= 0 || leaf.SerialNumber.BitLen() < 64 {
		t.Errorf("serial %v is not a large random positive number", leaf.SerialNumber)
	}
	if d := leaf.NotAfter.Sub(time.Now()); d < 9*365*24*time.Hour || d > 11*365*24*time.Hour {
		t.Errorf("valid until %v", leaf.NotAfter)
	}
	if err := leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature); err != nil || !bytes.Equal(leaf.RawIssuer, leaf.RawSubject) {
		t.Errorf("not self-signed: %v", err)
	}
	host, _ := os.Hostname()
	for _, name := range []string{"localhost", "127.0.0.1", "::1", host} {
		if name == "" {
			continue
		}
		if err := leaf.VerifyHostname(name); err != nil {
			t.Errorf("SAN %s: %v", name, err)
		}
	}
	if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth || leaf.IsCA {
		t.Errorf("usage %v, CA %v", leaf.ExtKeyUsage, leaf.IsCA)
	}

	certPEM, _ := os.ReadFile(filepath.Join(dir, "cert.pem"))
	keyPEM, _ := os.ReadFile(filepath.Join(dir, "key.pem"))
	again, err := LoadOrCreateCertificate(state, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Certificate[0], cert.Certificate[0]) {
		t.Error("second start made a new certificate")
	}
	certPEM2, _ := os.ReadFile(filepath.Join(dir, "cert.pem"))
	keyPEM2, _ := os.ReadFile(filepath.Join(dir, "key.pem"))
	if !bytes.Equal(certPEM, certPEM2) || !bytes.Equal(keyPEM, keyPEM2) {
		t.Error("second start rewrote the files")
	}
}

func TestCertificateProblemsNameTheFile(t *testing.T) {
	good := t.TempDir()
	if _, err := LoadOrCreateCertificate(good, quietLogger()); err != nil {
		t.Fatal(err)
	}
	goodCert, _ := os.ReadFile(filepath.Join(good, "tls", "cert.pem"))
	goodKey, _ := os.ReadFile(filepath.Join(good, "tls", "key.pem"))
	other := t.TempDir()
	if _, err := LoadOrCreateCertificate(other, quietLogger()); err != nil {
		t.Fatal(err)
	}
	otherKey, _ := os.ReadFile(filepath.Join(other, "tls", "key.pem"))

	for _, tc := range []struct {
		name      string
		cert, key []byte // nil: file absent
		mustName  []string
	}{
		{"corrupt cert", []byte("garbage"), goodKey, []string{"cert.pem"}},
		{"truncated cert", goodCert[:len(goodCert)/2], goodKey, []string{"cert.pem"}},
		{"key in cert file", goodKey, goodKey, []string{"cert.pem"}},
		{"corrupt key", goodCert, []byte("garbage"), []string{"key.pem"}},
		{"mismatched pair", goodCert, otherKey, []string{"key.pem", "cert.pem"}},
		{"key missing", goodCert, nil, []string{"key.pem"}},
		{"cert missing", nil, goodKey, []string{"cert.pem"}},
	} {
		state := t.TempDir()
		dir := filepath.Join(state, "tls")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if tc.cert != nil {
			writeFile(t, dir, "cert.pem", string(tc.cert))
		}
		if tc.key != nil {
			writeFile(t, dir, "key.pem", string(tc.key))
		}
		_, err := LoadOrCreateCertificate(state, quietLogger())
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, n := range tc.mustName {
			if !strings.Contains(err.Error(), filepath.Join(dir, n)) {
				t.Errorf("%s: error does not name %s: %v", tc.name, n, err)
			}
		}
		// Nothing is overwritten or created.
		if tc.cert != nil {
			if b, _ := os.ReadFile(filepath.Join(dir, "cert.pem")); !bytes.Equal(b, tc.cert) {
				t.Errorf("%s: cert.pem changed", tc.name)
			}
		} else if _, err := os.Stat(filepath.Join(dir, "cert.pem")); err == nil {
			t.Errorf("%s: cert.pem created", tc.name)
		}
	}
}

// TestServeTLS serves the handler with NewServer and the generated
// certificate, and a client that trusts only that certificate reaches it
// by name: the SANs work for a real TLS client.
func TestServeTLS(t *testing.T) {
	cert, err := LoadOrCreateCertificate(t.TempDir(), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, testSnapshot())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(ln.Addr().String(), f.h, cert)
	if srv.TLSConfig.MinVersion != tls.VersionTLS12 || srv.MaxHeaderBytes != 16<<10 || srv.ReadHeaderTimeout != 10*time.Second ||
		srv.ReadTimeout != 30*time.Second || srv.WriteTimeout != 60*time.Second || srv.IdleTimeout != 120*time.Second {
		t.Errorf("server limits: %+v", srv)
	}
	srv.ErrorLog = log.New(io.Discard, "", 0) // the refused TLS 1.1 handshake
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	defer srv.Close()

	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, tc := range []struct {
		host string
		max  uint16
	}{{"localhost", tls.VersionTLS13}, {"127.0.0.1", tls.VersionTLS12}} {
		client := &http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tc.max},
			// localhost must reach the IPv4 listener.
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, ln.Addr().String())
			},
		}}
		req, _ := http.NewRequest(http.MethodGet, "https://"+net.JoinHostPort(tc.host, port)+"/redfish/v1/Chassis/Sled0", nil)
		req.SetBasicAuth(testUser, testPassword)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.host, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.TLS.Version != tc.max {
			t.Errorf("%s: %d over TLS %x", tc.host, resp.StatusCode, resp.TLS.Version)
		}
		client.CloseIdleConnections()
	}

	// TLS 1.1 is refused.
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost", MaxVersion: tls.VersionTLS11})
	if err == nil {
		conn.Close()
		t.Error("TLS 1.1 handshake succeeded")
	}
}
