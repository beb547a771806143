package redfish

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/chassisd/chassisd/internal/atomicfile"
)

// certValidity is how long the self-signed certificate is valid. A BMC
// runs for years and has no one to renew it; an operator who wants a
// CA-signed one installs it in place of this one.
const certValidity = 10 * 365 * 24 * time.Hour

// LoadOrCreateCertificate returns the service's TLS certificate from
// <stateDir>/tls/cert.pem and key.pem. At first start (neither file exists)
// it makes a self-signed ECDSA P-256 certificate for localhost, 127.0.0.1,
// ::1 and the host name, valid ten years, and keeps it there (key mode
// 0600, directory 0700). A file that is missing, unreadable or does not
// match the other is an error naming it: the operator may have installed
// their own pair, so nothing is overwritten.
func LoadOrCreateCertificate(stateDir string, logger *slog.Logger) (tls.Certificate, error) {
	if logger == nil {
		logger = slog.Default()
	}
	dir := filepath.Join(stateDir, "tls")
	certPath := filepath.Join(dir, "cert.pem")
	keyPath := filepath.Join(dir, "key.pem")

	certExists, err := exists(certPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyExists, err := exists(keyPath)
	if err != nil {
		return tls.Certificate{}, err
	}
	switch {
	case certExists && keyExists:
		return loadCertificate(certPath, keyPath, logger)
	case certExists:
		return tls.Certificate{}, fmt.Errorf("tls: %s exists but %s is missing; restore the key, or remove the certificate to have a new self-signed pair made", certPath, keyPath)
	case keyExists:
		return tls.Certificate{}, fmt.Errorf("tls: %s exists but %s is missing; restore the certificate, or remove the key to have a new self-signed pair made", keyPath, certPath)
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: %w", err)
	}
	certPEM, keyPEM, err := selfSignedCertificate(time.Now())
	if err != nil {
		return tls.Certificate{}, err
	}
	// Key first: a power cut between the two leaves a key without a
	// certificate, which the next start reports instead of guessing.
	if err := atomicfile.Write(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: %w", err)
	}
	if err := atomicfile.Write(certPath, certPEM, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: new certificate: %w", err)
	}
	logger.Info("created self-signed TLS certificate", "cert", certPath, "sha256", fingerprint(cert), "not_after", cert.Leaf.NotAfter.Format(time.DateOnly))
	return cert, nil
}

// loadCertificate reads an existing pair and says which file is at fault.
func loadCertificate(certPath, keyPath string, logger *slog.Logger) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: %w", err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: %w", err)
	}
	if err := checkCertPEM(certPEM); err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: certificate %s: %w", certPath, err)
	}
	if b, _ := pem.Decode(keyPEM); b == nil {
		return tls.Certificate{}, fmt.Errorf("tls: key %s: no PEM block", keyPath)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("tls: key %s with certificate %s: %w", keyPath, certPath, err)
	}
	warnIfReadable(logger, keyPath)
	if now := time.Now(); now.After(cert.Leaf.NotAfter) {
		logger.Warn("TLS certificate has expired; clients will refuse it", "cert", certPath, "not_after", cert.Leaf.NotAfter)
	}
	logger.Debug("loaded TLS certificate", "cert", certPath, "sha256", fingerprint(cert))
	return cert, nil
}

// checkCertPEM checks that the first PEM block is a parseable certificate,
// so a corrupt certificate is not reported as a key problem.
func checkCertPEM(data []byte) error {
	b, _ := pem.Decode(data)
	if b == nil {
		return errors.New("no PEM block")
	}
	if b.Type != "CERTIFICATE" {
		return fmt.Errorf("first PEM block is %q, not CERTIFICATE", b.Type)
	}
	if _, err := x509.ParseCertificate(b.Bytes); err != nil {
		return err
	}
	return nil
}

// selfSignedCertificate makes the first-start certificate and its key, PEM
// encoded (the key as PKCS #8).
func selfSignedCertificate(now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("tls: generate key: %w", err)
	}
	// RFC 5280: a positive serial of at most 20 octets; 127 random bits.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("tls: serial: %w", err)
	}
	dns := []string{"localhost"}
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		dns = append(dns, h)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: dns[len(dns)-1], Organization: []string{"chassisd self-signed"}},
		// An hour back, so a BMC whose clock is slightly behind the
		// client's still presents a valid certificate.
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("tls: create certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("tls: encode key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	return certPEM, keyPEM, nil
}

// fingerprint is the SHA-256 of the leaf certificate, as browsers show it,
// so an operator can check what a client is offered.
func fingerprint(c tls.Certificate) string {
	if len(c.Certificate) == 0 {
		return ""
	}
	sum := sha256.Sum256(c.Certificate[0])
	return hex.EncodeToString(sum[:])
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("tls: %w", err)
}
