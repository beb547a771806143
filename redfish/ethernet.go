package redfish

import (
	"strings"
)

// The manager's EthernetInterfaces: the host's interfaces, read-only
// (hostnet.go). They are read on every request: addresses and links change
// without a new snapshot.
const ethernetInterfacesPath = managerPath + "/EthernetInterfaces"

var (
	schemaEthernetInterface           = schema{name: "EthernetInterface", version: "v1_12_4"}
	schemaEthernetInterfaceCollection = schema{name: "EthernetInterfaceCollection"}
	schemaIPAddresses                 = schema{name: "IPAddresses", version: "v1_1_5"}
)

func (s *Service) ethernetRoutes(rt *router) {
	rt.handle(ethernetInterfacesPath, s.getEthernetInterfaces, volatile)
	rt.handle(ethernetInterfacesPath+"/{}", s.getEthernetInterface, volatile)
}

// hostNetwork reads the interfaces; a failure is a 500 (logged), as the
// host always has a network the kernel can list.
func (s *Service) hostNetwork() (hostNetwork, error) {
	return s.ocp.interfaces()
}

func (s *Service) getEthernetInterfaces(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	hn, err := s.hostNetwork()
	if err != nil {
		return nil, err
	}
	members := make([]link, len(hn.Interfaces))
	for i, ifc := range hn.Interfaces {
		members[i] = link{ethernetInterfacesPath + "/" + ifc.Name}
	}
	return renderJSON(newCollection(ethernetInterfacesPath, schemaEthernetInterfaceCollection,
		"Manager Ethernet Interface Collection", members), schemaEthernetInterfaceCollection)
}

type ethernetInterface struct {
	ODataID          string     `json:"@odata.id"`
	ODataType        string     `json:"@odata.type"`
	ID               string     `json:"Id"`
	Name             string     `json:"Name"`
	Description      string     `json:"Description"`
	Status           status     `json:"Status"`
	InterfaceEnabled bool       `json:"InterfaceEnabled"`
	LinkStatus       string     `json:"LinkStatus"`
	MACAddress       string     `json:"MACAddress"`
	SpeedMbps        *int       `json:"SpeedMbps"` // null: the driver does not say
	MTUSize          int        `json:"MTUSize,omitempty"`
	HostName         string     `json:"HostName"`
	FQDN             *string    `json:"FQDN"`
	NameServers      []string   `json:"NameServers"`
	IPv4Addresses    []ipv4JSON `json:"IPv4Addresses"`
	IPv6Addresses    []ipv6JSON `json:"IPv6Addresses"`
}

// ipv4JSON is IPAddresses.IPv4Address; unknown values are null.
type ipv4JSON struct {
	Address       string  `json:"Address"`
	SubnetMask    *string `json:"SubnetMask"`
	AddressOrigin *string `json:"AddressOrigin"`
	Gateway       *string `json:"Gateway"`
}

// ipv6JSON is IPAddresses.IPv6Address.
type ipv6JSON struct {
	Address       string  `json:"Address"`
	PrefixLength  int     `json:"PrefixLength"`
	AddressOrigin *string `json:"AddressOrigin"`
	AddressState  *string `json:"AddressState"`
}

// orNull is nil for "": a property whose value is not known.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Service) getEthernetInterface(rc *reqCtx) (*rendered, error) {
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	hn, err := s.hostNetwork()
	if err != nil {
		return nil, err
	}
	for _, ifc := range hn.Interfaces {
		if ifc.Name == rc.params[0] {
			name, _ := s.ocp.network()
			return renderJSON(ethernetResource(ifc, name, hn.NameServers), schemaEthernetInterface)
		}
	}
	return nil, errNotFound(rc.path)
}

// ethernetResource renders one interface: LinkUp with carrier, NoLink
// without, LinkDown (and Disabled) when the interface is administratively
// down.
func ethernetResource(ifc hostInterface, hostName string, nameServers []string) ethernetInterface {
	short, fqdn := hostNames(hostName)
	res := ethernetInterface{
		ODataID:          ethernetInterfacesPath + "/" + ifc.Name,
		ODataType:        schemaEthernetInterface.odataType(),
		ID:               ifc.Name,
		Name:             "Manager Ethernet Interface " + ifc.Name,
		Description:      "Network interface of the host chassisd runs on",
		Status:           status{State: stateEnabled, Health: "OK"},
		InterfaceEnabled: ifc.Up,
		LinkStatus:       "LinkUp",
		MACAddress:       strings.ToUpper(ifc.MAC),
		MTUSize:          ifc.MTU,
		HostName:         short,
		FQDN:             fqdn,
		NameServers:      nameServers,
		IPv4Addresses:    []ipv4JSON{},
		IPv6Addresses:    []ipv6JSON{},
	}
	switch {
	case !ifc.Up:
		res.Status.State, res.LinkStatus = "Disabled", "LinkDown"
	case !ifc.Running:
		res.LinkStatus = "NoLink"
	}
	if ifc.SpeedMbps > 0 {
		n := ifc.SpeedMbps
		res.SpeedMbps = &n
	}
	if res.NameServers == nil {
		res.NameServers = []string{}
	}
	for _, a := range ifc.IPv4 {
		res.IPv4Addresses = append(res.IPv4Addresses, ipv4JSON{
			Address: a.Address, SubnetMask: orNull(a.SubnetMask), AddressOrigin: orNull(a.Origin), Gateway: orNull(a.Gateway),
		})
	}
	for _, a := range ifc.IPv6 {
		res.IPv6Addresses = append(res.IPv6Addresses, ipv6JSON{
			Address: a.Address, PrefixLength: a.PrefixLength, AddressOrigin: orNull(a.Origin), AddressState: orNull(a.State),
		})
	}
	return res
}
