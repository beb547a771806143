package redfish

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/chassisd/chassisd/internal/atomicfile"
)

// Key pair choices of GenerateCSR, as the schema names them (TPM 2.0
// algorithm and curve identifiers).
const (
	keyAlgRSA   = "TPM_ALG_RSA"
	keyAlgECDSA = "TPM_ALG_ECDSA"
	curveP256   = "TPM_ECC_NIST_P256"
	curveP384   = "TPM_ECC_NIST_P384"
	// minRSABits is the smallest RSA key accepted, generated or installed
	// (NIST SP 800-131A).
	minRSABits = 2048
)

// postReplaceCertificate installs a new HTTPS certificate. CertificateString
// is PEM: the certificate (chain, leaf first) with its private key, or the
// certificate alone when its key is the one of the last GenerateCSR. The
// pair must match, be unexpired and fit a TLS server; it is written to
// <stateDir>/tls and served from the next handshake on. The answer is the
// new Certificate resource.
func (s *Service) postReplaceCertificate(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	a := newActionParams(replaceCertificateAction, body)
	a.require("CertificateString", "CertificateType", "CertificateUri")
	str, _ := a.str("CertificateString")
	a.enum("CertificateType", "PEM", "PEMchain")
	uri, hasURI := a.link("CertificateUri")
	a.unsupported("Password")
	if e := a.done(); e != nil {
		return nil, e
	}
	if hasURI && uri != httpsCertificatePath {
		return nil, errActionValue(replaceCertificateAction, "CertificateUri")
	}
	dir := s.ocp.stateDirectory()
	if dir == "" {
		return nil, errors.New("replace certificate: no state directory (Service.SetStateDir was not called)")
	}

	st := s.ocp
	st.certMu.Lock()
	defer st.certMu.Unlock()
	certPEM, keyPEM, err := splitPEM([]byte(str))
	if err != nil {
		s.log.Info("certificate replacement refused", "user", rc.who.user, "err", err)
		return nil, &apiError{status: http.StatusBadRequest, msg: actionMsgs.valueFormatError,
			args: []string{shortValue([]byte(`"` + firstLine(str) + `"`)), "CertificateString", replaceCertificateAction}}
	}
	fromCSR := keyPEM == nil
	if fromCSR {
		if keyPEM = s.csrKey(dir); keyPEM == nil {
			s.log.Info("certificate replacement refused: no private key given and none from GenerateCSR", "user", rc.who.user)
			return nil, errActionValue(replaceCertificateAction, "CertificateString")
		}
	}
	cert, err := s.usableCertificate(certPEM, keyPEM)
	if err != nil {
		s.log.Info("certificate replacement refused", "user", rc.who.user, "err", err)
		return nil, errActionValue(replaceCertificateAction, "CertificateString")
	}
	if err := installCertificate(dir, certPEM, keyPEM); err != nil {
		return nil, err
	}
	if fromCSR {
		st.csrKeyPEM = nil
		if err := os.Remove(filepath.Join(dir, "tls", csrKeyFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("CSR key not removed", "err", err)
		}
	}
	s.UseCertificate(cert)
	s.AppendLog("OK", resourceEventRegistry+"ResourceChanged", "One or more resource properties have changed.",
		nil, httpsCertificatePath)
	s.log.Info("HTTPS certificate replaced", "user", rc.who.user, "sha256", fingerprint(cert),
		"subject", cert.Leaf.Subject.String(), "not_after", cert.Leaf.NotAfter)
	res, err := renderJSON(describeCertificate(&cert), schemaCertificate)
	if err != nil {
		return nil, err
	}
	return &reply{res: res}, nil
}

// firstLine is the start of a PEM string for an error message.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// usableCertificate checks a new pair: the key matches the leaf, the leaf
// has not expired, an RSA key is at least 2048 bits, and a leaf that names
// its purposes includes TLS server authentication.
func (s *Service) usableCertificate(certPEM, keyPEM []byte) (tls.Certificate, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf := cert.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return tls.Certificate{}, err
		}
		cert.Leaf = leaf
	}
	if now := s.now(); now.After(leaf.NotAfter) {
		return tls.Certificate{}, fmt.Errorf("certificate expired %s", leaf.NotAfter.Format(dateTimeFormat))
	}
	if k, ok := leaf.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < minRSABits {
		return tls.Certificate{}, fmt.Errorf("RSA key of %d bits; at least %d needed", k.N.BitLen(), minRSABits)
	}
	if len(leaf.ExtKeyUsage) > 0 && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) &&
		!slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return tls.Certificate{}, errors.New("certificate's extended key usage does not include TLS server authentication")
	}
	return cert, nil
}

// csrKey is the private key of the last GenerateCSR, from memory or, after
// a restart, from <dir>/tls/csr-key.pem; nil when there is none. The
// caller holds certMu.
func (s *Service) csrKey(dir string) []byte {
	if s.ocp.csrKeyPEM != nil {
		return s.ocp.csrKeyPEM
	}
	data, err := os.ReadFile(filepath.Join(dir, "tls", csrKeyFile))
	if err != nil {
		return nil
	}
	return data
}

type csrResponse struct {
	CSRString             string `json:"CSRString"`
	CertificateCollection link   `json:"CertificateCollection"`
}

// csrRequest is what GenerateCSR was asked for.
type csrRequest struct {
	subject   pkix.Name
	email     string
	dnsNames  []string
	ips       []net.IP
	algorithm string
	curve     string
	bits      int64
}

// postGenerateCSR makes a new key pair and a certificate signing request
// for the HTTPS certificate. The key never leaves the service: it waits
// (in memory and in <stateDir>/tls/csr-key.pem) for ReplaceCertificate
// with the signed certificate. The default key is ECDSA P-256.
func (s *Service) postGenerateCSR(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	req, e := parseCSRRequest(body)
	if e != nil {
		return nil, e
	}
	key, err := generateKey(req)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: req.subject, DNSNames: req.dnsNames, IPAddresses: req.ips, EmailAddresses: emails(req.email),
	}, key)
	if err != nil {
		return nil, fmt.Errorf("generate CSR: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("generate CSR: key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})

	st := s.ocp
	st.certMu.Lock()
	st.csrKeyPEM = keyPEM
	dir := st.stateDirectory()
	if dir != "" {
		if err := os.MkdirAll(filepath.Join(dir, "tls"), 0o700); err == nil {
			err = atomicfile.Write(filepath.Join(dir, "tls", csrKeyFile), keyPEM, 0o600)
		}
		if err != nil {
			// The key is still in memory: the CSR works until a restart.
			s.log.Warn("CSR key not saved; it is lost if the manager restarts before the certificate is installed", "err", err)
		}
	}
	st.certMu.Unlock()
	s.log.Info("certificate signing request generated", "user", rc.who.user, "subject", req.subject.String(), "algorithm", req.algorithm)

	res, err := renderJSON(csrResponse{
		CSRString:             string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})),
		CertificateCollection: link{httpsCertificatesPath},
	}, schemaCertificateService)
	if err != nil {
		return nil, err
	}
	return &reply{res: res}, nil
}

func emails(e string) []string {
	if e == "" {
		return nil
	}
	return []string{e}
}

// parseCSRRequest reads and checks GenerateCSR's parameters.
func parseCSRRequest(body *props) (csrRequest, *apiError) {
	const act = generateCSRAction
	a := newActionParams(act, body)
	a.require("CommonName", "CertificateCollection")
	coll, hasColl := a.link("CertificateCollection")
	var req csrRequest
	req.subject.CommonName, _ = a.str("CommonName")
	alt, _ := a.strs("AlternativeNames")
	for _, f := range []struct {
		name string
		dst  *[]string
	}{
		{"Organization", &req.subject.Organization}, {"OrganizationalUnit", &req.subject.OrganizationalUnit},
		{"City", &req.subject.Locality}, {"State", &req.subject.Province}, {"Country", &req.subject.Country},
	} {
		if v, ok := a.str(f.name); ok && v != "" {
			*f.dst = []string{v}
		}
	}
	req.email, _ = a.str("Email")
	alg, hasAlg := a.enum("KeyPairAlgorithm", keyAlgECDSA, keyAlgRSA)
	curve, hasCurve := a.enum("KeyCurveId", curveP256, curveP384)
	bits, hasBits := a.intIn("KeyBitLength", 256, 384, 2048, 3072, 4096)
	a.unsupported("KeyUsage", "Surname", "GivenName", "Initials", "ChallengePassword", "UnstructuredName", "ContactPerson")
	if e := a.done(); e != nil {
		return csrRequest{}, e
	}
	if hasColl && coll != httpsCertificatesPath {
		return csrRequest{}, errActionValue(act, "CertificateCollection")
	}
	// X.520 upper bounds: 64 characters for names, 2 for a country.
	if cn := req.subject.CommonName; cn == "" || len(cn) > 64 || !printable(cn) {
		return csrRequest{}, errActionValue(act, "CommonName")
	}
	for _, f := range []struct {
		name string
		v    []string
		max  int
	}{
		{"Organization", req.subject.Organization, 64}, {"OrganizationalUnit", req.subject.OrganizationalUnit, 64},
		{"City", req.subject.Locality, 128}, {"State", req.subject.Province, 128}, {"Country", req.subject.Country, 2},
	} {
		if len(f.v) == 1 && (len(f.v[0]) > f.max || !printable(f.v[0]) || f.name == "Country" && len(f.v[0]) != 2) {
			return csrRequest{}, errActionValue(act, f.name)
		}
	}
	if req.email != "" && (len(req.email) > 128 || !strings.Contains(req.email, "@") || !printable(req.email)) {
		return csrRequest{}, errActionValue(act, "Email")
	}
	for _, n := range alt {
		if ip := net.ParseIP(n); ip != nil {
			req.ips = append(req.ips, ip)
		} else if validDNSName(n) {
			req.dnsNames = append(req.dnsNames, n)
		} else {
			return csrRequest{}, errActionValue(act, "AlternativeNames")
		}
	}

	req.algorithm = keyAlgECDSA
	if hasAlg {
		req.algorithm = alg
	}
	switch req.algorithm {
	case keyAlgRSA:
		if hasCurve {
			return csrRequest{}, errActionValue(act, "KeyCurveId")
		}
		req.bits = minRSABits
		if hasBits {
			if bits < minRSABits {
				return csrRequest{}, errActionValue(act, "KeyBitLength")
			}
			req.bits = bits
		}
	default:
		req.curve = curveP256
		if hasBits {
			switch bits {
			case 256:
				req.curve = curveP256
			case 384:
				req.curve = curveP384
			default:
				return csrRequest{}, errActionValue(act, "KeyBitLength")
			}
		}
		if hasCurve {
			if hasBits && curve != req.curve {
				return csrRequest{}, errActionValue(act, "KeyCurveId")
			}
			req.curve = curve
		}
	}
	return req, nil
}

// printable: no control characters in a name that goes into a certificate.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// validDNSName accepts a host name, or a wildcard one ("*.example.com").
func validDNSName(n string) bool {
	n = strings.TrimPrefix(n, "*.")
	if n == "" || len(n) > 253 {
		return false
	}
	for label := range strings.SplitSeq(n, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func generateKey(req csrRequest) (crypto.Signer, error) {
	switch req.algorithm {
	case keyAlgRSA:
		k, err := rsa.GenerateKey(rand.Reader, int(req.bits))
		if err != nil {
			return nil, fmt.Errorf("generate CSR: RSA key: %w", err)
		}
		return k, nil
	default:
		c := elliptic.P256()
		if req.curve == curveP384 {
			c = elliptic.P384()
		}
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate CSR: ECDSA key: %w", err)
		}
		return k, nil
	}
}
