package redfish

import "strings"

// ManagerNetworkProtocol: the protocols this manager serves. chassisd
// serves Redfish over HTTPS and nothing else; what other daemons run on
// the BMC it does not know, so it shows no other protocol rather than
// guess whether SSH or IPMI are on.
const (
	networkProtocolPath = managerPath + "/NetworkProtocol"
)

var schemaManagerNetworkProtocol = schema{name: "ManagerNetworkProtocol", version: "v1_12_0"}

func (s *Service) networkProtocolRoutes(rt *router) {
	rt.handle(networkProtocolPath, s.getNetworkProtocol)
}

type networkProtocol struct {
	ODataID     string    `json:"@odata.id"`
	ODataType   string    `json:"@odata.type"`
	ID          string    `json:"Id"`
	Name        string    `json:"Name"`
	Description string    `json:"Description"`
	HostName    string    `json:"HostName"`
	FQDN        *string   `json:"FQDN"` // null when the host name has no domain
	Status      status    `json:"Status"`
	HTTPS       httpsInfo `json:"HTTPS"`
}

type httpsInfo struct {
	ProtocolEnabled bool `json:"ProtocolEnabled"`
	// Port is null when the service was not told its port (SetNetwork).
	Port         *int `json:"Port"`
	Certificates link `json:"Certificates"`
}

// hostNames splits the configured name into the short host name and the
// fully qualified one, nil when the name has no domain part: the service
// does not ask DNS for one.
func hostNames(name string) (string, *string) {
	name = strings.TrimSuffix(name, ".")
	short, _, dotted := strings.Cut(name, ".")
	if !dotted {
		return name, nil
	}
	return short, &name
}

func (s *Service) getNetworkProtocol(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	name, port := s.ocp.network()
	short, fqdn := hostNames(name)
	res := networkProtocol{
		ODataID:     networkProtocolPath,
		ODataType:   schemaManagerNetworkProtocol.odataType(),
		ID:          "NetworkProtocol",
		Name:        "Manager Network Protocol",
		Description: "Protocols served by chassisd",
		HostName:    short,
		FQDN:        fqdn,
		Status:      status{State: stateEnabled, Health: "OK"},
		HTTPS:       httpsInfo{ProtocolEnabled: true, Certificates: link{httpsCertificatesPath}},
	}
	if port > 0 {
		res.HTTPS.Port = &port
	}
	return renderJSON(res, schemaManagerNetworkProtocol)
}
