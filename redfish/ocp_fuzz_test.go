package redfish

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// ocpFuzzWrite sends body to target with method as the administrator and
// checks the answer: one of ok, or a 4xx from the list, always with a
// Redfish error body; never a 5xx.
func ocpFuzzWrite(t *testing.T, o *ocpFixture, method, target string, body []byte, ok []int, bad []int) {
	t.Helper()
	req := &http.Request{
		Method: method, URL: &url.URL{Path: target}, Header: http.Header{},
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), RemoteAddr: "192.0.2.1:1234",
	}
	req.SetBasicAuth(testUser, testPassword)
	w := newRecorder()
	o.h.ServeHTTP(w, req)
	if slices.Contains(ok, w.code) {
		return
	}
	if !slices.Contains(bad, w.code) {
		t.Fatalf("%s %s %q: status %d\n%s", method, target, body, w.code, w.body)
	}
	var m map[string]any
	if err := json.Unmarshal(w.body, &m); err != nil || m["error"] == nil {
		t.Fatalf("%d without an error body: %s", w.code, w.body)
	}
}

// FuzzChassisPatch: arbitrary PATCH bodies on a sled Chassis.
func FuzzChassisPatch(f *testing.F) {
	f.Add([]byte(`{"LocationIndicatorActive": true}`))
	f.Add([]byte(`{"LocationIndicatorActive": null, "AssetTag": 1}`))
	f.Add([]byte(`{"LocationIndicatorActive": true, "LocationIndicatorActive": false}`))
	f.Add([]byte(`[true]`))
	o := newOCPFixture(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ocpFuzzWrite(t, o, http.MethodPatch, "/redfish/v1/Chassis/Sled0", body, []int{200}, []int{400, 413})
	})
}

// FuzzManagerReset: arbitrary Manager.Reset bodies; the handler only
// counts (nothing restarts).
func FuzzManagerReset(f *testing.F) {
	f.Add([]byte(`{"ResetType": "ForceRestart"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"ResetType": ["ForceRestart"]}`))
	f.Add([]byte("\xff"))
	o := newOCPFixture(f)
	o.svc.SetResetHandler(func(string) error { return nil })
	f.Fuzz(func(t *testing.T, body []byte) {
		ocpFuzzWrite(t, o, http.MethodPost, managerResetPath, body, []int{204}, []int{400, 413})
	})
}

// FuzzClearLog: arbitrary LogService.ClearLog bodies.
func FuzzClearLog(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"LogEntriesETag": "W/\"1\""}`))
	f.Add([]byte(`{"LogEntriesETag": "*"}`))
	o := newOCPFixture(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ocpFuzzWrite(t, o, http.MethodPost, clearLogPath, body, []int{204}, []int{400, 413, 428})
	})
}

// FuzzReplaceCertificate: arbitrary ReplaceCertificate bodies. Nothing a
// fuzzer makes is a certificate with its key, so every one is refused, and
// the live certificate stays.
func FuzzReplaceCertificate(f *testing.F) {
	f.Add([]byte(replaceBody("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")))
	f.Add([]byte(`{"CertificateString": "x", "CertificateType": "PEM", "CertificateUri": {"@odata.id": null}}`))
	f.Add([]byte(`{"CertificateUri": {"@odata.id": "/redfish/v1/Managers/bmc/NetworkProtocol/HTTPS/Certificates/1/"}}`))
	o := newOCPFixture(f)
	first := withCertificate(f, o)
	f.Fuzz(func(t *testing.T, body []byte) {
		ocpFuzzWrite(t, o, http.MethodPost, replaceCertificatePath, body, nil, []int{400, 413})
		if c, _ := o.svc.GetCertificate(nil); !c.Leaf.Equal(first.Leaf) {
			t.Fatal("certificate changed")
		}
	})
}

// FuzzGenerateCSR: arbitrary GenerateCSR bodies through the parameter
// checks (key generation is left out: a fuzzer asking for RSA-4096 keys
// would test the CPU, not the parser). Whatever passes is a request the
// key generator and x509 accept.
func FuzzGenerateCSR(f *testing.F) {
	f.Add([]byte(`{"CommonName": "bmc", "CertificateCollection": {"@odata.id": "/redfish/v1/Managers/bmc/NetworkProtocol/HTTPS/Certificates"}}`))
	f.Add([]byte(`{"CommonName": "bmc", "AlternativeNames": ["*.a.b", "::1"], "KeyPairAlgorithm": "TPM_ALG_RSA", "KeyBitLength": 4096, "CertificateCollection": {"@odata.id": "/x"}}`))
	f.Add([]byte(`{"CommonName": "\u0000", "Country": "N", "KeyCurveId": "TPM_ECC_NIST_P384", "KeyBitLength": 256}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, ae := parseBody(body)
		if ae != nil {
			return
		}
		req, ae := parseCSRRequest(p)
		if ae != nil {
			if ae.status != http.StatusBadRequest {
				t.Fatalf("status %d", ae.status)
			}
			return
		}
		switch req.algorithm {
		case keyAlgRSA:
			if req.bits < minRSABits || req.bits > 4096 {
				t.Fatalf("RSA bits %d", req.bits)
			}
		case keyAlgECDSA:
			if req.curve != curveP256 && req.curve != curveP384 {
				t.Fatalf("curve %q", req.curve)
			}
		default:
			t.Fatalf("algorithm %q", req.algorithm)
		}
		if req.subject.CommonName == "" || len(req.subject.CommonName) > 64 {
			t.Fatalf("common name %q", req.subject.CommonName)
		}
	})
}
