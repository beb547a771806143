package redfish

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
)

// ocpState is what the service keeps itself, beside the agent's snapshot,
// for the resources the OCP profiles ask for: the locate indicators, the
// network facts the process knows, the event log, the live TLS certificate
// and the hook that restarts the manager.
type ocpState struct {
	mu sync.Mutex
	// hostName and httpsPort are what ManagerNetworkProtocol shows.
	hostName  string
	httpsPort int
	// stateDir is where the event log and the TLS pair are kept; "" until
	// SetStateDir.
	stateDir string
	// indicators are the chassis' LocationIndicatorActive values by
	// Chassis id.
	indicators map[string]indicator
	// reset is called by Manager.Reset.
	reset func(resetType string) error

	// cert is the certificate the HTTPS server presents (GetCertificate).
	cert atomic.Pointer[tls.Certificate]
	// certMu serialises certificate changes (GenerateCSR and
	// ReplaceCertificate) and guards csrKeyPEM, the key of the last CSR.
	certMu    sync.Mutex
	csrKeyPEM []byte

	events *eventLog
	// interfaces lists the manager's network interfaces; tests replace it.
	interfaces func() (hostNetwork, error)
}

// indicator is one chassis' locate indicator. serial is the serial number
// of the sled it was set on: a different sled in the same bay starts with
// its indicator off.
type indicator struct {
	on     bool
	serial string
}

func newOCPState() *ocpState {
	host, _ := os.Hostname()
	return &ocpState{
		hostName:   host,
		indicators: map[string]indicator{},
		events:     newEventLog(maxLogEntries),
		interfaces: systemInterfaces,
	}
}

// SetNetwork tells the service the manager's host name and the TCP port
// its HTTPS server listens on, for ManagerNetworkProtocol and the
// EthernetInterfaces. Without it the host name is the kernel's and the
// port is shown as unknown.
func (s *Service) SetNetwork(hostName string, httpsPort int) {
	st := s.ocp
	st.mu.Lock()
	st.hostName = hostName
	if httpsPort > 0 && httpsPort < 1<<16 {
		st.httpsPort = httpsPort
	} else {
		st.httpsPort = 0
	}
	st.mu.Unlock()
	s.writes.Add(1)
}

// network returns the host name and HTTPS port.
func (st *ocpState) network() (string, int) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.hostName, st.httpsPort
}

// SetStateDir tells the service where its persistent state is: the event
// log (<dir>/eventlog.json), which it loads now, and the TLS pair
// (<dir>/tls) that ReplaceCertificate writes. A corrupt event log is moved
// aside and logged, not fatal: a BMC that refuses to start over its log
// helps no one.
func (s *Service) SetStateDir(dir string) error {
	if dir == "" {
		return errors.New("redfish: state directory is empty")
	}
	if fi, err := os.Stat(dir); err != nil {
		return fmt.Errorf("redfish: state directory: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("redfish: state directory %s is not a directory", dir)
	}
	if err := s.ocp.events.open(dir, s.log, s.now); err != nil {
		return err
	}
	s.ocp.mu.Lock()
	s.ocp.stateDir = dir
	s.ocp.mu.Unlock()
	s.writes.Add(1)
	return nil
}

// stateDirectory returns the state directory, or "".
func (st *ocpState) stateDirectory() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.stateDir
}

// SetResetHandler sets what Manager.Reset does. fn gets the ResetType
// ("ForceRestart" or "GracefulRestart") and must return at once: the
// restart itself has to happen after the response is sent (schedule it).
// An error from fn answers the request with 500. Without a handler the
// request is logged and answered 204, and nothing restarts.
func (s *Service) SetResetHandler(fn func(resetType string) error) {
	s.ocp.mu.Lock()
	s.ocp.reset = fn
	s.ocp.mu.Unlock()
}

func (st *ocpState) resetHandler() func(string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.reset
}

// UseCertificate makes cert the one the HTTPS server presents (through
// GetCertificate) and the one the Certificate resource shows.
// ReplaceCertificate later swaps it without a restart.
func (s *Service) UseCertificate(cert tls.Certificate) {
	if cert.Leaf == nil && len(cert.Certificate) > 0 {
		if leaf, err := x509.ParseCertificate(cert.Certificate[0]); err == nil {
			cert.Leaf = leaf
		}
	}
	s.ocp.cert.Store(&cert)
	s.writes.Add(1)
}

// GetCertificate is for tls.Config.GetCertificate: the certificate last
// given to UseCertificate or installed by ReplaceCertificate.
func (s *Service) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c := s.ocp.cert.Load()
	if c == nil {
		return nil, errors.New("redfish: no TLS certificate (Service.UseCertificate was not called)")
	}
	return c, nil
}

// indicatorOn reports the chassis' locate indicator; serial is the
// sled's serial number now.
func (st *ocpState) indicatorOn(id, serial string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	in, ok := st.indicators[id]
	return ok && in.on && in.serial == serial
}

func (st *ocpState) setIndicator(id, serial string, on bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !on {
		delete(st.indicators, id)
		return
	}
	st.indicators[id] = indicator{on: true, serial: serial}
}
