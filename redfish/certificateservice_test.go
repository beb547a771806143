package redfish

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chassisd/chassisd/agent"
)

// testCA signs test certificates.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a server certificate for pub; edit changes the template.
func (ca *testCA) issue(t testing.TB, pub crypto.PublicKey, edit func(*x509.Certificate)) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x5d7ad8), Subject: pkix.Name{CommonName: "bmc1.example.net", Organization: []string{"Example"}, Country: []string{"NL"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"bmc1.example.net"}, IPAddresses: []net.IP{net.IPv4(192, 0, 2, 10)},
	}
	if edit != nil {
		edit(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func keyPEM(t testing.TB, k crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// withCertificate gives the fixture its first-start certificate, as the
// lead's wiring does.
func withCertificate(t testing.TB, o *ocpFixture) tls.Certificate {
	t.Helper()
	cert, err := LoadOrCreateCertificate(o.dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	o.svc.UseCertificate(cert)
	return cert
}

func replaceBody(pemText string) string {
	b, _ := json.Marshal(map[string]any{
		"CertificateString": pemText, "CertificateType": "PEM",
		"CertificateUri": map[string]string{"@odata.id": httpsCertificatePath},
	})
	return string(b)
}

func TestCertificateServiceResources(t *testing.T) {
	o := newOCPFixture(t)
	// Before UseCertificate there is no certificate to show.
	if rec := o.send(http.MethodGet, httpsCertificatePath, testUser, ""); rec.Code != http.StatusNotFound {
		t.Errorf("certificate before UseCertificate: %d", rec.Code)
	}
	cert := withCertificate(t, o)

	cs := o.get(certificateServicePath)
	for name, info := range map[string]string{
		"#CertificateService.GenerateCSR": generateCSRInfo, "#CertificateService.ReplaceCertificate": replaceCertificateInfo,
	} {
		a := at(t, cs, "Actions", name).(map[string]any)
		if a["@Redfish.ActionInfo"] != info || !strings.HasSuffix(a["target"].(string), "/Actions/"+name[1:]) {
			t.Errorf("%s: %v", name, a)
		}
	}
	// Any login reads the service; certificates need ConfigureManager.
	if rec := o.send(http.MethodGet, certificateServicePath, ocpReadOnly, ""); rec.Code != http.StatusOK {
		t.Errorf("ReadOnly GET CertificateService: %d", rec.Code)
	}
	for _, p := range []string{certificateLocationsPath, httpsCertificatesPath, httpsCertificatePath} {
		if rec := o.send(http.MethodGet, p, testUser, ""); rec.Code != http.StatusOK {
			t.Errorf("admin GET %s: %d", p, rec.Code)
		}
		// The admin's body is not served to the others from a cache.
		for _, u := range []string{ocpOperator, ocpReadOnly} {
			for _, m := range []string{http.MethodGet, http.MethodHead} {
				if rec := o.send(m, p, u, ""); rec.Code != http.StatusForbidden {
					t.Errorf("%s %s %s: %d", u, m, p, rec.Code)
				}
			}
		}
	}
	loc := o.get(certificateLocationsPath)
	if got := ids(t, at(t, loc, "Links", "Certificates")); !reflect.DeepEqual(got, []string{httpsCertificatePath}) {
		t.Errorf("locations %v", got)
	}

	c := o.get(httpsCertificatePath)
	sum := sha256.Sum256(cert.Leaf.Raw)
	for k, want := range map[string]any{
		"@odata.type": "#Certificate.v1_11_0.Certificate", "Id": "1", "CertificateType": "PEM",
		"CertificateString":        string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})),
		"Fingerprint":              colonHex(sum[:]),
		"FingerprintHashAlgorithm": "TPM_ALG_SHA256", "SignatureAlgorithm": "ecdsa-with-SHA256",
		"ValidNotAfter": cert.Leaf.NotAfter.UTC().Format(dateTimeFormat),
	} {
		if c[k] != want {
			t.Errorf("certificate %s = %v, want %v", k, c[k], want)
		}
	}
	if at(t, c, "Subject", "Organization") != "chassisd self-signed" || !reflect.DeepEqual(c["KeyUsage"], []any{"DigitalSignature", "ServerAuthentication"}) {
		t.Errorf("certificate subject %v usage %v", c["Subject"], c["KeyUsage"])
	}
	alt := at(t, c, "Subject", "AlternativeNames").([]any)
	if alt[0] != "localhost" || alt[len(alt)-1] != "::1" {
		t.Errorf("AlternativeNames %v", alt)
	}
	info := o.get(replaceCertificateInfo)
	if len(info["Parameters"].([]any)) != 3 {
		t.Errorf("ReplaceCertificate parameters %v", info["Parameters"])
	}
}

func TestReplaceCertificate(t *testing.T) {
	o := newOCPFixture(t)
	old := withCertificate(t, o)
	oldETag := o.send(http.MethodGet, httpsCertificatePath, testUser, "").Header().Get("ETag")
	ca := newTestCA(t)
	key := newKey(t)
	certPEM := ca.issue(t, &key.PublicKey, nil)
	// Certificate, intermediate (the CA here) and key in one string.
	rec := o.send(http.MethodPost, replaceCertificatePath, testUser, replaceBody(string(certPEM)+string(ca.pem)+string(keyPEM(t, key))))
	if rec.Code != http.StatusOK {
		t.Fatalf("replace: %d %s", rec.Code, rec.Body)
	}
	got := decode(t, rec.Body.Bytes())
	if got["CertificateType"] != "PEMchain" || at(t, got, "Subject", "CommonName") != "bmc1.example.net" ||
		at(t, got, "Issuer", "CommonName") != "Test CA" || got["SerialNumber"] != "5D:7A:D8" {
		t.Errorf("answer %v", got)
	}
	live, err := o.svc.GetCertificate(nil)
	if err != nil || live.Leaf.Subject.CommonName != "bmc1.example.net" || len(live.Certificate) != 2 {
		t.Fatalf("live certificate %v %v", live, err)
	}
	if e := o.send(http.MethodGet, httpsCertificatePath, testUser, "").Header().Get("ETag"); e == oldETag {
		t.Error("certificate ETag unchanged")
	}
	// On disk, as the next start loads it; nothing pending is left.
	again, err := LoadOrCreateCertificate(o.dir, quietLogger())
	if err != nil || !again.Leaf.Equal(live.Leaf) || again.Leaf.Equal(old.Leaf) {
		t.Fatalf("reloaded %v %v", again.Leaf.Subject, err)
	}
	if _, err := os.Stat(filepath.Join(o.dir, "tls", pendingFile)); !os.IsNotExist(err) {
		t.Errorf("pending.pem left: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(o.dir, "tls", "key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key.pem %v %v", fi, err)
	}
	entries := o.svc.ocp.events.list()
	if last := entries[len(entries)-1]; last.MessageID != "ResourceEvent.1.4.ResourceChanged" || last.Origin != httpsCertificatePath {
		t.Errorf("log entry %+v", last)
	}
}

func TestReplaceCertificateErrors(t *testing.T) {
	o := newOCPFixture(t)
	withCertificate(t, o)
	ca := newTestCA(t)
	key := newKey(t)
	good := string(ca.issue(t, &key.PublicKey, nil)) + string(keyPEM(t, key))
	expired := string(ca.issue(t, &key.PublicKey, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	})) + string(keyPEM(t, key))
	clientOnly := string(ca.issue(t, &key.PublicKey, func(c *x509.Certificate) {
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	})) + string(keyPEM(t, key))
	otherKey := string(ca.issue(t, &key.PublicKey, nil)) + string(keyPEM(t, newKey(t)))
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weakRSA := string(ca.issue(t, &weak.PublicKey, nil)) + string(keyPEM(t, weak))
	certOnly := string(ca.issue(t, &key.PublicKey, nil))
	uri := `"CertificateUri": {"@odata.id": "` + httpsCertificatePath + `"}`
	const act = "Base.1.22.ActionParameter"
	for _, tc := range []struct {
		name, user, body string
		status           int
		ids              []string
	}{
		{"operator", ocpOperator, replaceBody(good), 403, []string{"Base.1.22.InsufficientPrivilege"}},
		{"nothing", testUser, `{}`, 400, []string{act + "Missing", act + "Missing", act + "Missing"}},
		{"wrong types", testUser, `{"CertificateString": 1, "CertificateType": "DER", "CertificateUri": "/x"}`, 400,
			[]string{act + "ValueTypeError", act + "ValueNotInList", act + "ValueTypeError"}},
		{"uri object", testUser, `{"CertificateString": "x", "CertificateType": "PEM", "CertificateUri": {"href": "/x"}}`, 400,
			[]string{act + "ValueFormatError"}},
		{"password", testUser, `{"CertificateString": "x", "CertificateType": "PEM", ` + uri + `, "Password": "p"}`, 400,
			[]string{act + "NotSupported"}},
		{"unknown", testUser, `{"CertificateString": "x", "CertificateType": "PEM", ` + uri + `, "Force": true}`, 400,
			[]string{act + "Unknown"}},
		{"other certificate", testUser, `{"CertificateString": "x", "CertificateType": "PEM", "CertificateUri": {"@odata.id": "/redfish/v1/Managers/bmc/NetworkProtocol/HTTPS/Certificates/2"}}`, 400,
			[]string{act + "ValueError"}},
		{"not PEM", testUser, replaceBody("hello"), 400, []string{act + "ValueFormatError"}},
		{"CSR in it", testUser, replaceBody("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"), 400,
			[]string{act + "ValueFormatError"}},
		{"key does not match", testUser, replaceBody(otherKey), 400, []string{act + "ValueError"}},
		{"expired", testUser, replaceBody(expired), 400, []string{act + "ValueError"}},
		{"client certificate", testUser, replaceBody(clientOnly), 400, []string{act + "ValueError"}},
		{"1024-bit RSA", testUser, replaceBody(weakRSA), 400, []string{act + "ValueError"}},
		{"no key and no CSR", testUser, replaceBody(certOnly), 400, []string{act + "ValueError"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ids := wantError(t, o.send(http.MethodPost, replaceCertificatePath, tc.user, tc.body), tc.status); !reflect.DeepEqual(ids, tc.ids) {
				t.Errorf("MessageIds %v, want %v", ids, tc.ids)
			}
		})
	}
	if live, _ := o.svc.GetCertificate(nil); live.Leaf.Subject.CommonName == "bmc1.example.net" {
		t.Error("a refused certificate was installed")
	}

	// Without a state directory nothing can be kept: 500, nothing changes.
	svc, err := New(Config{Snapshot: o.snap.Load, Accounts: sharedAccounts, Logger: quietLogger(), UUID: testUUID})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, replaceCertificatePath, strings.NewReader(replaceBody(good)))
	req.SetBasicAuth(testUser, testPassword)
	w := newRecorder()
	svc.Handler().ServeHTTP(w, req)
	if w.code != http.StatusInternalServerError {
		t.Errorf("without state dir: %d", w.code)
	}
}

func TestGenerateCSRAndInstall(t *testing.T) {
	o := newOCPFixture(t)
	withCertificate(t, o)
	body := `{"CommonName": "bmc1.example.net", "Organization": "Example", "Country": "NL", "City": "Delft",
		"AlternativeNames": ["bmc1.example.net", "192.0.2.10"], "Email": "ops@example.net",
		"CertificateCollection": {"@odata.id": "` + httpsCertificatesPath + `"}}`
	rec := o.send(http.MethodPost, generateCSRPath, testUser, body)
	if rec.Code != http.StatusOK {
		t.Fatalf("GenerateCSR: %d %s", rec.Code, rec.Body)
	}
	resp := decode(t, rec.Body.Bytes())
	if at(t, resp, "CertificateCollection", "@odata.id") != httpsCertificatesPath {
		t.Errorf("CertificateCollection %v", resp["CertificateCollection"])
	}
	b, _ := pem.Decode([]byte(resp["CSRString"].(string)))
	if b == nil || b.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("CSRString %q", resp["CSRString"])
	}
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil || csr.CheckSignature() != nil {
		t.Fatalf("CSR: %v", err)
	}
	if csr.Subject.CommonName != "bmc1.example.net" || csr.Subject.Locality[0] != "Delft" || csr.DNSNames[0] != "bmc1.example.net" ||
		!csr.IPAddresses[0].Equal(net.IPv4(192, 0, 2, 10)) || csr.EmailAddresses[0] != "ops@example.net" {
		t.Errorf("CSR subject %v names %v %v", csr.Subject, csr.DNSNames, csr.IPAddresses)
	}
	if k, ok := csr.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		t.Errorf("CSR key %T", csr.PublicKey)
	}
	if _, err := os.Stat(filepath.Join(o.dir, "tls", csrKeyFile)); err != nil {
		t.Errorf("CSR key not kept: %v", err)
	}

	// The manager restarts before the CA answers: a new service on the
	// same directory installs the signed certificate alone.
	svc2, err := New(Config{Snapshot: o.snap.Load, Accounts: sharedAccounts, Logger: quietLogger(), UUID: testUUID})
	if err != nil {
		t.Fatal(err)
	}
	svc2.now = o.svc.now
	if err := svc2.SetStateDir(o.dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc2.FlushEventLog)
	ca := newTestCA(t)
	signed := ca.issue(t, csr.PublicKey, nil)
	req, _ := http.NewRequest(http.MethodPost, replaceCertificatePath, strings.NewReader(replaceBody(string(signed))))
	req.SetBasicAuth(testUser, testPassword)
	w := newRecorder()
	svc2.Handler().ServeHTTP(w, req)
	if w.code != http.StatusOK {
		t.Fatalf("install signed certificate: %d %s", w.code, w.body)
	}
	if _, err := os.Stat(filepath.Join(o.dir, "tls", csrKeyFile)); !os.IsNotExist(err) {
		t.Errorf("CSR key left after install: %v", err)
	}
	loaded, err := LoadOrCreateCertificate(o.dir, quietLogger())
	if err != nil || loaded.Leaf.Issuer.CommonName != "Test CA" {
		t.Fatalf("installed pair: %v", err)
	}
	// The key was used once: the same certificate cannot come again alone.
	w = newRecorder()
	req, _ = http.NewRequest(http.MethodPost, replaceCertificatePath, strings.NewReader(replaceBody(string(signed))))
	req.SetBasicAuth(testUser, testPassword)
	svc2.Handler().ServeHTTP(w, req)
	if w.code != http.StatusBadRequest {
		t.Errorf("second install without key: %d", w.code)
	}
}

func TestGenerateCSRKeys(t *testing.T) {
	o := newOCPFixture(t)
	coll := `"CertificateCollection": {"@odata.id": "` + httpsCertificatesPath + `"}`
	for _, tc := range []struct {
		body  string
		check func(crypto.PublicKey) bool
	}{
		{`"KeyCurveId": "TPM_ECC_NIST_P384"`, func(k crypto.PublicKey) bool { e, ok := k.(*ecdsa.PublicKey); return ok && e.Curve == elliptic.P384() }},
		{`"KeyPairAlgorithm": "TPM_ALG_ECDSA", "KeyBitLength": 384`, func(k crypto.PublicKey) bool { e, ok := k.(*ecdsa.PublicKey); return ok && e.Curve == elliptic.P384() }},
		{`"KeyPairAlgorithm": "TPM_ALG_RSA"`, func(k crypto.PublicKey) bool { r, ok := k.(*rsa.PublicKey); return ok && r.N.BitLen() == 2048 }},
	} {
		rec := o.send(http.MethodPost, generateCSRPath, testUser, `{"CommonName": "x", `+coll+`, `+tc.body+`}`)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.body, rec.Code, rec.Body)
		}
		b, _ := pem.Decode([]byte(decode(t, rec.Body.Bytes())["CSRString"].(string)))
		csr, err := x509.ParseCertificateRequest(b.Bytes)
		if err != nil || !tc.check(csr.PublicKey) {
			t.Errorf("%s: key %T %v", tc.body, csr.PublicKey, err)
		}
	}
}

func TestGenerateCSRErrors(t *testing.T) {
	o := newOCPFixture(t)
	coll := `"CertificateCollection": {"@odata.id": "` + httpsCertificatesPath + `"}`
	const act = "Base.1.22.ActionParameter"
	for _, tc := range []struct {
		name, user, body string
		status           int
		ids              []string
	}{
		{"read only", ocpReadOnly, `{"CommonName": "x", ` + coll + `}`, 403, []string{"Base.1.22.InsufficientPrivilege"}},
		{"nothing", testUser, `{}`, 400, []string{act + "Missing", act + "Missing"}},
		{"other collection", testUser, `{"CommonName": "x", "CertificateCollection": {"@odata.id": "/redfish/v1/AccountService/Accounts"}}`, 400, []string{act + "ValueError"}},
		{"empty name", testUser, `{"CommonName": "", ` + coll + `}`, 400, []string{act + "ValueError"}},
		{"long name", testUser, `{"CommonName": "` + strings.Repeat("a", 65) + `", ` + coll + `}`, 400, []string{act + "ValueError"}},
		{"country", testUser, `{"CommonName": "x", "Country": "NLD", ` + coll + `}`, 400, []string{act + "ValueError"}},
		{"bad alternative name", testUser, `{"CommonName": "x", "AlternativeNames": ["a b"], ` + coll + `}`, 400, []string{act + "ValueError"}},
		{"null alternative name", testUser, `{"CommonName": "x", "AlternativeNames": [null], ` + coll + `}`, 400, []string{act + "ValueTypeError"}},
		{"algorithm", testUser, `{"CommonName": "x", "KeyPairAlgorithm": "TPM_ALG_DSA", ` + coll + `}`, 400, []string{act + "ValueNotInList"}},
		{"bits", testUser, `{"CommonName": "x", "KeyBitLength": 1024, ` + coll + `}`, 400, []string{act + "ValueNotInList"}},
		{"RSA with curve", testUser, `{"CommonName": "x", "KeyPairAlgorithm": "TPM_ALG_RSA", "KeyCurveId": "TPM_ECC_NIST_P256", ` + coll + `}`, 400, []string{act + "ValueError"}},
		{"RSA 256 bits", testUser, `{"CommonName": "x", "KeyPairAlgorithm": "TPM_ALG_RSA", "KeyBitLength": 256, ` + coll + `}`, 400, []string{act + "ValueError"}},
		{"ECDSA 2048 bits", testUser, `{"CommonName": "x", "KeyBitLength": 2048, ` + coll + `}`, 400, []string{act + "ValueError"}},
		{"curve and bits disagree", testUser, `{"CommonName": "x", "KeyBitLength": 256, "KeyCurveId": "TPM_ECC_NIST_P384", ` + coll + `}`, 400, []string{act + "ValueError"}},
		{"unsupported", testUser, `{"CommonName": "x", "ChallengePassword": "p", "KeyUsage": ["DigitalSignature"], ` + coll + `}`, 400, []string{act + "NotSupported", act + "NotSupported"}},
		{"unknown", testUser, `{"CommonName": "x", "Validity": 3, ` + coll + `}`, 400, []string{act + "Unknown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ids := wantError(t, o.send(http.MethodPost, generateCSRPath, tc.user, tc.body), tc.status); !reflect.DeepEqual(ids, tc.ids) {
				t.Errorf("MessageIds %v, want %v", ids, tc.ids)
			}
		})
	}
}

// TestCertificateSwapLive serves the handler over TLS with the service's
// GetCertificate: after ReplaceCertificate the next handshake gets the new
// certificate, with no restart.
func TestCertificateSwapLive(t *testing.T) {
	o := newOCPFixture(t)
	first := withCertificate(t, o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(ln.Addr().String(), o.h, first)
	srv.TLSConfig.GetCertificate = o.svc.GetCertificate
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	defer srv.Close()

	served := func() *x509.Certificate {
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0]
	}
	if !served().Equal(first.Leaf) {
		t.Fatal("first certificate not served")
	}
	ca := newTestCA(t)
	key := newKey(t)
	if rec := o.send(http.MethodPost, replaceCertificatePath, testUser, replaceBody(string(ca.issue(t, &key.PublicKey, nil))+string(keyPEM(t, key)))); rec.Code != http.StatusOK {
		t.Fatalf("replace: %d %s", rec.Code, rec.Body)
	}
	if got := served(); got.Subject.CommonName != "bmc1.example.net" {
		t.Errorf("after replace, served %v", got.Subject)
	}
}

// TestNewServerStaticCertificate: without the service's GetCertificate,
// NewServer serves the certificate it was given, also to a client that
// sends no server name (an IP address).
func TestNewServerStaticCertificate(t *testing.T) {
	cert, err := LoadOrCreateCertificate(t.TempDir(), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer("127.0.0.1:0", http.NotFoundHandler(), cert)
	got, err := srv.TLSConfig.GetCertificate(&tls.ClientHelloInfo{})
	if err != nil || !got.Leaf.Equal(cert.Leaf) {
		t.Errorf("GetCertificate: %v", err)
	}
	svc, _ := New(Config{Snapshot: func() *agent.Snapshot { return nil }, Accounts: sharedAccounts, Logger: quietLogger(), UUID: testUUID})
	if _, err := svc.GetCertificate(nil); err == nil {
		t.Error("service without a certificate gave one")
	}
}

func TestFinishInterruptedInstall(t *testing.T) {
	dir := t.TempDir()
	old, err := LoadOrCreateCertificate(dir, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	ca := newTestCA(t)
	key := newKey(t)
	newPEM, newKeyPEM := ca.issue(t, &key.PublicKey, nil), keyPEM(t, key)
	tlsDir := filepath.Join(dir, "tls")
	// A power cut after the new key was written, before the certificate.
	if err := os.WriteFile(filepath.Join(tlsDir, pendingFile), append(append([]byte{}, newPEM...), newKeyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tlsDir, "key.pem"), newKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadOrCreateCertificate(dir, quietLogger())
	if err != nil || got.Leaf.Subject.CommonName != "bmc1.example.net" {
		t.Fatalf("after interrupted install: %v %v", got.Leaf, err)
	}
	if _, err := os.Stat(filepath.Join(tlsDir, pendingFile)); !os.IsNotExist(err) {
		t.Errorf("pending.pem left: %v", err)
	}
	// A damaged pending file is set aside; the installed pair stays.
	if err := os.WriteFile(filepath.Join(tlsDir, pendingFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreateCertificate(dir, quietLogger())
	if err != nil || !again.Leaf.Equal(got.Leaf) || again.Leaf.Equal(old.Leaf) {
		t.Fatalf("with a damaged pending file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(tlsDir, pendingFile+".bad")); err != nil {
		t.Errorf("damaged pending file not kept aside: %v", err)
	}
}

func TestSplitPEM(t *testing.T) {
	ca := newTestCA(t)
	key := newKey(t)
	k := keyPEM(t, key)
	ec, _ := x509.MarshalECPrivateKey(key)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ec})
	enc := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}})
	for _, tc := range []struct {
		name      string
		in        string
		certs     int
		key, fail bool
	}{
		{"cert", string(ca.pem), 1, false, false},
		{"cert and key, text around", "subject=x\n" + string(ca.pem) + "\n# key\n" + string(k), 1, true, false},
		{"key first", string(k) + string(ca.pem) + string(ca.pem), 2, true, false},
		{"EC key", string(ca.pem) + string(ecPEM), 1, true, false},
		{"two keys", string(ca.pem) + string(k) + string(k), 0, false, true},
		{"encrypted key", string(ca.pem) + string(enc), 0, false, true},
		{"key only", string(k), 0, false, true},
		{"nothing", "", 0, false, true},
		{"other block", string(ca.pem) + "-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n", 0, false, true},
	} {
		c, kk, err := splitPEM([]byte(tc.in))
		if (err != nil) != tc.fail {
			t.Errorf("%s: err %v", tc.name, err)
			continue
		}
		if tc.fail {
			continue
		}
		if n := strings.Count(string(c), "BEGIN CERTIFICATE"); n != tc.certs || (kk != nil) != tc.key {
			t.Errorf("%s: %d certificates, key %v", tc.name, n, kk != nil)
		}
	}
}

// FuzzSplitPEM: arbitrary certificate strings never panic, and what is
// accepted re-encodes to PEM blocks of the kinds allowed.
func FuzzSplitPEM(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----"))
	f.Add([]byte("x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, k, err := splitPEM(data)
		if err != nil {
			return
		}
		for rest := c; len(rest) > 0; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil || b.Type != "CERTIFICATE" {
				t.Fatalf("certificates part %q", c)
			}
		}
		if k != nil {
			if b, _ := pem.Decode(k); b == nil || !strings.HasSuffix(b.Type, "PRIVATE KEY") {
				t.Fatalf("key part %q", k)
			}
		}
	})
}
