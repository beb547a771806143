package redfish

import (
	"crypto/tls"
	"net/http"
	"time"
)

// NewServer returns the HTTPS server for h with cert. The caller serves it
// with srv.ServeTLS(ln, "", ""): the certificate is already in TLSConfig.
// The timeouts and header limit keep a slow or hostile client from holding
// a small BMC's memory or connections.
//
// The certificate is given through TLSConfig.GetCertificate, never
// Certificates (which Go prefers for clients that send no server name, an
// IP address): set GetCertificate to Service.GetCertificate and a
// certificate installed by ReplaceCertificate is served from the next
// handshake on.
func NewServer(addr string, h http.Handler, cert tls.Certificate) *http.Server {
	static := &cert
	return &http.Server{
		Addr:    addr,
		Handler: h,
		TLSConfig: &tls.Config{
			// TLS 1.2 is the floor DSP0266 and NIST SP 800-52 set. For
			// 1.2 only forward-secret AEAD suites are offered (no CBC);
			// TLS 1.3 suites are not configurable and all qualify.
			MinVersion: tls.VersionTLS12,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
				return static, nil
			},
			CipherSuites: []uint16{
				tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
				tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
				tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
				// For an operator-installed RSA certificate.
				tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
				tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
				tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
			},
		},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		// OPTIONS * goes to the handler like any other request, which
		// answers it without a credential check leaking anything.
		DisableGeneralOptionsHandler: true,
	}
}
