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

	if err := finishInstall(dir, logger); err != nil {
		return tls.Certificate{}, err
	}
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

// Files of a certificate replacement in <stateDir>/tls.
const (
	// pendingFile holds a new certificate and key while they replace
	// cert.pem and key.pem, so a power cut between the two writes leaves a
	// pair to finish with rather than a key that fits no certificate.
	pendingFile = "pending.pem"
	// csrKeyFile is the key of the last GenerateCSR, kept until the signed
	// certificate is installed: a CA may take days, and the manager may
	// restart meanwhile.
	csrKeyFile = "csr-key.pem"
)

// installCertificate makes certPEM and keyPEM the pair in <stateDir>/tls:
// both into pending.pem first, then key.pem, then cert.pem, then
// pending.pem goes. finishInstall completes an install a power cut
// interrupted.
func installCertificate(stateDir string, certPEM, keyPEM []byte) error {
	dir := filepath.Join(stateDir, "tls")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	pending := filepath.Join(dir, pendingFile)
	both := append(append([]byte{}, certPEM...), keyPEM...)
	if err := atomicfile.Write(pending, both, 0o600); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	return completeInstall(dir, certPEM, keyPEM)
}

func completeInstall(dir string, certPEM, keyPEM []byte) error {
	if err := atomicfile.Write(filepath.Join(dir, "key.pem"), keyPEM, 0o600); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, "cert.pem"), certPEM, 0o644); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, pendingFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("tls: %w", err)
	}
	return nil
}

// finishInstall completes a replacement that pending.pem shows was under
// way. A pending.pem that is not a matching pair (atomicfile makes that a
// damaged file, not a half-written one) is moved aside and the installed
// pair stays.
func finishInstall(dir string, logger *slog.Logger) error {
	pending := filepath.Join(dir, pendingFile)
	data, err := os.ReadFile(pending)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	certPEM, keyPEM, err := splitPEM(data)
	if err == nil {
		_, err = tls.X509KeyPair(certPEM, keyPEM)
	}
	if err != nil {
		aside := pending + ".bad"
		logger.Warn("unfinished certificate replacement is not a usable pair; keeping the installed one", "file", pending, "moved_to", aside, "err", err)
		if rerr := os.Rename(pending, aside); rerr != nil {
			return fmt.Errorf("tls: %s: %w", pending, rerr)
		}
		return nil
	}
	logger.Info("finishing an interrupted certificate replacement", "file", pending)
	return completeInstall(dir, certPEM, keyPEM)
}

// errPEM is a certificate string the service cannot use.
var errPEM = errors.New("PEM")

// splitPEM separates a PEM bundle into its certificates (in order, leaf
// first) and its one private key, if any. Anything else in it, text
// between blocks aside, is an error: a bundle with two keys or a CSR in it
// is not what the operator meant to install.
func splitPEM(data []byte) (certPEM, keyPEM []byte, err error) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			if len(b.Headers) != 0 {
				return nil, nil, fmt.Errorf("%w: certificate block with headers", errPEM)
			}
			certPEM = append(certPEM, pem.EncodeToMemory(b)...)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if keyPEM != nil {
				return nil, nil, fmt.Errorf("%w: more than one private key", errPEM)
			}
			if len(b.Headers) != 0 {
				return nil, nil, fmt.Errorf("%w: encrypted private key", errPEM)
			}
			keyPEM = pem.EncodeToMemory(b)
		default:
			return nil, nil, fmt.Errorf("%w: unexpected %q block", errPEM, b.Type)
		}
	}
	if certPEM == nil {
		return nil, nil, fmt.Errorf("%w: no CERTIFICATE block", errPEM)
	}
	return certPEM, keyPEM, nil
}
