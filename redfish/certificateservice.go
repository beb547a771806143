package redfish

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"strings"
)

// The CertificateService and the HTTPS certificate it manages: an operator
// asks for a CSR (GenerateCSR, the key stays on the BMC), has it signed,
// and installs the result with ReplaceCertificate, or replaces certificate
// and key together. The new certificate is served from the next TLS
// handshake on, without a restart (GetCertificate), and persists in
// <stateDir>/tls like the first self-signed one.
const (
	certificateServicePath    = "/redfish/v1/CertificateService"
	certificateLocationsPath  = certificateServicePath + "/CertificateLocations"
	replaceCertificatePath    = certificateServicePath + "/Actions/CertificateService.ReplaceCertificate"
	replaceCertificateInfo    = certificateServicePath + "/ReplaceCertificateActionInfo"
	generateCSRPath           = certificateServicePath + "/Actions/CertificateService.GenerateCSR"
	generateCSRInfo           = certificateServicePath + "/GenerateCSRActionInfo"
	httpsCertificatesPath     = networkProtocolPath + "/HTTPS/Certificates"
	httpsCertificateID        = "1"
	httpsCertificatePath      = httpsCertificatesPath + "/" + httpsCertificateID
	replaceCertificateAction  = "CertificateService.ReplaceCertificate"
	generateCSRAction         = "CertificateService.GenerateCSR"
	certificateFingerprintAlg = "TPM_ALG_SHA256"
)

var (
	schemaCertificateService    = schema{name: "CertificateService", version: "v1_2_1"}
	schemaCertificateLocations  = schema{name: "CertificateLocations", version: "v1_0_4"}
	schemaCertificate           = schema{name: "Certificate", version: "v1_11_0"}
	schemaCertificateCollection = schema{name: "CertificateCollection"}
)

// certificateSchemas are the schemas this family's resources use.
var certificateSchemas = []schema{
	schemaCertificateService, schemaCertificateLocations, schemaCertificate, schemaCertificateCollection,
}

// certificateServiceRoutes registers the service, its actions and the
// HTTPS certificate. The privilege registry lets any login read the
// CertificateService but asks ConfigureManager for everything else, reads
// of certificates and their locations included; those are checked in the
// handlers (the router's privileges are per method for writes only) and
// never kept in the body cache, which is shared by every caller.
func (s *Service) certificateServiceRoutes(rt *router) {
	rt.handle(certificateServicePath, s.getCertificateService)
	rt.handle(replaceCertificateInfo, s.getReplaceCertificateInfo)
	rt.handle(generateCSRInfo, s.getGenerateCSRInfo)
	rt.handle(certificateLocationsPath, s.getCertificateLocations, volatile)
	rt.handle(httpsCertificatesPath, s.getHTTPSCertificates, volatile)
	rt.handle(httpsCertificatePath, s.getHTTPSCertificate, volatile)
	rt.on(replaceCertificatePath, http.MethodPost, s.postReplaceCertificate, privConfigureManager)
	rt.on(generateCSRPath, http.MethodPost, s.postGenerateCSR, privConfigureManager)
}

// needManager is the ConfigureManager check of a GET.
func needManager(rc *reqCtx) error {
	if !rc.who.has(privConfigureManager) {
		return errForbidden()
	}
	return nil
}

type certificateService struct {
	ODataID              string                    `json:"@odata.id"`
	ODataType            string                    `json:"@odata.type"`
	ID                   string                    `json:"Id"`
	Name                 string                    `json:"Name"`
	Description          string                    `json:"Description"`
	CertificateLocations link                      `json:"CertificateLocations"`
	Actions              certificateServiceActions `json:"Actions"`
}

type certificateServiceActions struct {
	GenerateCSR        actionTarget `json:"#CertificateService.GenerateCSR"`
	ReplaceCertificate actionTarget `json:"#CertificateService.ReplaceCertificate"`
}

func (s *Service) getCertificateService(*reqCtx) (*rendered, error) {
	return renderJSON(certificateService{
		ODataID:              certificateServicePath,
		ODataType:            schemaCertificateService.odataType(),
		ID:                   "CertificateService",
		Name:                 "Certificate Service",
		Description:          "Replaces the HTTPS certificate of this service",
		CertificateLocations: link{certificateLocationsPath},
		Actions: certificateServiceActions{
			GenerateCSR:        actionTarget{Target: generateCSRPath, ActionInfo: generateCSRInfo},
			ReplaceCertificate: actionTarget{Target: replaceCertificatePath, ActionInfo: replaceCertificateInfo},
		},
	}, schemaCertificateService)
}

func (s *Service) getReplaceCertificateInfo(*reqCtx) (*rendered, error) {
	return renderJSON(actionInfo{
		ODataID:   replaceCertificateInfo,
		ODataType: schemaActionInfo.odataType(),
		ID:        "ReplaceCertificateActionInfo",
		Name:      "Replace Certificate Action Info",
		Parameters: []actionParameter{
			{Name: "CertificateString", Required: true, DataType: "String"},
			{Name: "CertificateType", Required: true, DataType: "String", AllowableValues: []string{"PEM", "PEMchain"}},
			{Name: "CertificateUri", Required: true, DataType: "Object", ObjectDataType: "#Certificate.Certificate"},
		},
	}, schemaActionInfo)
}

func (s *Service) getGenerateCSRInfo(*reqCtx) (*rendered, error) {
	return renderJSON(actionInfo{
		ODataID:   generateCSRInfo,
		ODataType: schemaActionInfo.odataType(),
		ID:        "GenerateCSRActionInfo",
		Name:      "Generate CSR Action Info",
		Parameters: []actionParameter{
			{Name: "CertificateCollection", Required: true, DataType: "Object", ObjectDataType: "#CertificateCollection.CertificateCollection"},
			{Name: "CommonName", Required: true, DataType: "String"},
			{Name: "AlternativeNames", DataType: "StringArray"},
			{Name: "Organization", DataType: "String"},
			{Name: "OrganizationalUnit", DataType: "String"},
			{Name: "City", DataType: "String"},
			{Name: "State", DataType: "String"},
			{Name: "Country", DataType: "String"},
			{Name: "Email", DataType: "String"},
			{Name: "KeyPairAlgorithm", DataType: "String", AllowableValues: []string{keyAlgECDSA, keyAlgRSA}, DefaultValue: keyAlgECDSA},
			{Name: "KeyCurveId", DataType: "String", AllowableValues: []string{curveP256, curveP384}, DefaultValue: curveP256},
			{Name: "KeyBitLength", DataType: "Number", AllowableValues: []string{"2048", "3072", "4096"}, DefaultValue: "2048"},
		},
	}, schemaActionInfo)
}

type certificateLocations struct {
	ODataID   string                    `json:"@odata.id"`
	ODataType string                    `json:"@odata.type"`
	ID        string                    `json:"Id"`
	Name      string                    `json:"Name"`
	Links     certificateLocationsLinks `json:"Links"`
}

type certificateLocationsLinks struct {
	Certificates      []link `json:"Certificates"`
	CertificatesCount int    `json:"Certificates@odata.count"`
}

// installedCertificates is the HTTPS certificate once the service has one.
func (s *Service) installedCertificates() []link {
	if s.ocp.cert.Load() == nil {
		return []link{}
	}
	return []link{{httpsCertificatePath}}
}

func (s *Service) getCertificateLocations(rc *reqCtx) (*rendered, error) {
	if err := needManager(rc); err != nil {
		return nil, err
	}
	certs := s.installedCertificates()
	return renderJSON(certificateLocations{
		ODataID:   certificateLocationsPath,
		ODataType: schemaCertificateLocations.odataType(),
		ID:        "CertificateLocations",
		Name:      "Certificate Locations",
		Links:     certificateLocationsLinks{Certificates: certs, CertificatesCount: len(certs)},
	}, schemaCertificateLocations)
}

func (s *Service) getHTTPSCertificates(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	if err := needManager(rc); err != nil {
		return nil, err
	}
	return renderJSON(newCollection(httpsCertificatesPath, schemaCertificateCollection, "HTTPS Certificates",
		s.installedCertificates()), schemaCertificateCollection)
}

// certificateResource is a Certificate.
type certificateResource struct {
	ODataID                  string     `json:"@odata.id"`
	ODataType                string     `json:"@odata.type"`
	ID                       string     `json:"Id"`
	Name                     string     `json:"Name"`
	CertificateString        string     `json:"CertificateString"`
	CertificateType          string     `json:"CertificateType"`
	CertificateUsageTypes    []string   `json:"CertificateUsageTypes"`
	Issuer                   identifier `json:"Issuer"`
	Subject                  identifier `json:"Subject"`
	ValidNotBefore           string     `json:"ValidNotBefore"`
	ValidNotAfter            string     `json:"ValidNotAfter"`
	KeyUsage                 []string   `json:"KeyUsage"`
	SerialNumber             string     `json:"SerialNumber"`
	Fingerprint              string     `json:"Fingerprint"`
	FingerprintHashAlgorithm string     `json:"FingerprintHashAlgorithm"`
	SignatureAlgorithm       string     `json:"SignatureAlgorithm"`
}

// identifier is Certificate.Identifier. Its properties are not nullable:
// what the certificate does not name is left out.
type identifier struct {
	CommonName         string   `json:"CommonName,omitempty"`
	Organization       string   `json:"Organization,omitempty"`
	OrganizationalUnit string   `json:"OrganizationalUnit,omitempty"`
	City               string   `json:"City,omitempty"`
	State              string   `json:"State,omitempty"`
	Country            string   `json:"Country,omitempty"`
	Email              string   `json:"Email,omitempty"`
	AlternativeNames   []string `json:"AlternativeNames,omitempty"`
}

func (s *Service) getHTTPSCertificate(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	if err := needManager(rc); err != nil {
		return nil, err
	}
	c := s.ocp.cert.Load()
	if c == nil || c.Leaf == nil {
		return nil, errNotFound(rc.path)
	}
	return renderJSON(describeCertificate(c), schemaCertificate)
}

// describeCertificate renders the HTTPS certificate: the chain as PEM
// (PEMchain when it has intermediates) and the leaf's details.
func describeCertificate(c *tls.Certificate) certificateResource {
	leaf := c.Leaf
	var chain strings.Builder
	for _, der := range c.Certificate {
		chain.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	typ := "PEM"
	if len(c.Certificate) > 1 {
		typ = "PEMchain"
	}
	sum := sha256.Sum256(leaf.Raw)
	subject := nameOf(leaf.Subject)
	for _, d := range leaf.DNSNames {
		subject.AlternativeNames = append(subject.AlternativeNames, d)
	}
	for _, ip := range leaf.IPAddresses {
		subject.AlternativeNames = append(subject.AlternativeNames, ip.String())
	}
	return certificateResource{
		ODataID:                  httpsCertificatePath,
		ODataType:                schemaCertificate.odataType(),
		ID:                       httpsCertificateID,
		Name:                     "HTTPS Certificate",
		CertificateString:        chain.String(),
		CertificateType:          typ,
		CertificateUsageTypes:    []string{"Web"},
		Issuer:                   nameOf(leaf.Issuer),
		Subject:                  subject,
		ValidNotBefore:           leaf.NotBefore.UTC().Format(dateTimeFormat),
		ValidNotAfter:            leaf.NotAfter.UTC().Format(dateTimeFormat),
		KeyUsage:                 keyUsages(leaf),
		SerialNumber:             colonHex(leaf.SerialNumber.Bytes()),
		Fingerprint:              colonHex(sum[:]),
		FingerprintHashAlgorithm: certificateFingerprintAlg,
		SignatureAlgorithm:       signatureAlgorithm(leaf.SignatureAlgorithm),
	}
}

func nameOf(n pkix.Name) identifier {
	first := func(ss []string) string {
		if len(ss) == 0 {
			return ""
		}
		return ss[0]
	}
	return identifier{
		CommonName:         n.CommonName,
		Organization:       first(n.Organization),
		OrganizationalUnit: first(n.OrganizationalUnit),
		City:               first(n.Locality),
		State:              first(n.Province),
		Country:            first(n.Country),
	}
}

// keyUsages are the leaf's key usages and extended key usages, in the
// Certificate.KeyUsage enum's order.
func keyUsages(c *x509.Certificate) []string {
	out := []string{}
	for _, u := range []struct {
		bit  x509.KeyUsage
		name string
	}{
		{x509.KeyUsageDigitalSignature, "DigitalSignature"},
		{x509.KeyUsageContentCommitment, "NonRepudiation"},
		{x509.KeyUsageKeyEncipherment, "KeyEncipherment"},
		{x509.KeyUsageDataEncipherment, "DataEncipherment"},
		{x509.KeyUsageKeyAgreement, "KeyAgreement"},
		{x509.KeyUsageCertSign, "KeyCertSign"},
		{x509.KeyUsageCRLSign, "CRLSigning"},
		{x509.KeyUsageEncipherOnly, "EncipherOnly"},
		{x509.KeyUsageDecipherOnly, "DecipherOnly"},
	} {
		if c.KeyUsage&u.bit != 0 {
			out = append(out, u.name)
		}
	}
	for _, u := range []struct {
		ext  x509.ExtKeyUsage
		name string
	}{
		{x509.ExtKeyUsageServerAuth, "ServerAuthentication"},
		{x509.ExtKeyUsageClientAuth, "ClientAuthentication"},
		{x509.ExtKeyUsageCodeSigning, "CodeSigning"},
		{x509.ExtKeyUsageEmailProtection, "EmailProtection"},
		{x509.ExtKeyUsageTimeStamping, "Timestamping"},
		{x509.ExtKeyUsageOCSPSigning, "OCSPSigning"},
	} {
		for _, e := range c.ExtKeyUsage {
			if e == u.ext {
				out = append(out, u.name)
				break
			}
		}
	}
	return out
}

// signatureAlgorithm names the algorithm as RFC 3279, 4055, 5758 and
// 8410 do (sha256WithRSAEncryption, ecdsa-with-SHA256, Ed25519), which is
// what the schema asks for and what openssl prints.
func signatureAlgorithm(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.SHA256WithRSA:
		return "sha256WithRSAEncryption"
	case x509.SHA384WithRSA:
		return "sha384WithRSAEncryption"
	case x509.SHA512WithRSA:
		return "sha512WithRSAEncryption"
	case x509.SHA1WithRSA:
		return "sha1WithRSAEncryption"
	case x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return "rsassaPss"
	case x509.ECDSAWithSHA256:
		return "ecdsa-with-SHA256"
	case x509.ECDSAWithSHA384:
		return "ecdsa-with-SHA384"
	case x509.ECDSAWithSHA512:
		return "ecdsa-with-SHA512"
	case x509.ECDSAWithSHA1:
		return "ecdsa-with-SHA1"
	case x509.PureEd25519:
		return "Ed25519"
	}
	return a.String()
}

// colonHex is "5D:7A:D8": how certificate serials and fingerprints are
// usually shown.
func colonHex(b []byte) string {
	if len(b) == 0 {
		return "00"
	}
	h := strings.ToUpper(hex.EncodeToString(b))
	var sb strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(h[i : i+2])
	}
	return sb.String()
}
