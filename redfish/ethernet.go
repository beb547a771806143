package redfish

import (
	"net/http"
	"slices"
	"strings"
)

// The manager's EthernetInterfaces: the host's interfaces as the kernel
// has them (hostnet.go), with the settings a client set through PATCH
// (ethernet_patch.go, netsettings.go). They are read on every request:
// addresses and links change without a new snapshot.
const ethernetInterfacesPath = managerPath + "/EthernetInterfaces"

var (
	schemaEthernetInterface           = schema{name: "EthernetInterface", version: "v1_12_4"}
	schemaEthernetInterfaceCollection = schema{name: "EthernetInterfaceCollection"}
	schemaIPAddresses                 = schema{name: "IPAddresses", version: "v1_1_5"}
)

func (s *Service) ethernetRoutes(rt *router) {
	rt.handle(ethernetInterfacesPath, s.getEthernetInterfaces, volatile)
	rt.handle(ethernetInterfacesPath+"/{}", s.getEthernetInterface, volatile)
	// Registered even when nothing is writable (no applier): a PATCH then
	// names each property it cannot write rather than a bare 405.
	rt.on(ethernetInterfacesPath+"/{}", http.MethodPatch, s.patchEthernetInterface, privConfigureManager)
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
	ODataID   string `json:"@odata.id"`
	ODataType string `json:"@odata.type"`
	// Writeable lists what PATCH takes (none without an applier); DMTF's
	// Interop Validator reads it for the profile's WriteRequirements.
	Writeable        []string   `json:"@Redfish.WriteableProperties"`
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
	// The settings set through Redfish, shown when they can be set or
	// were: nil leaves them out.
	DHCPv4              *dhcpv4JSON `json:"DHCPv4,omitempty"`
	StaticNameServers   *[]string   `json:"StaticNameServers,omitempty"`
	IPv4StaticAddresses *[]ipv4JSON `json:"IPv4StaticAddresses,omitempty"`
}

// dhcpv4JSON is EthernetInterface.DHCPv4Configuration; DHCPEnabled is
// null until a client sets it, as chassisd cannot tell how the image
// configures the interface.
type dhcpv4JSON struct {
	DHCPEnabled *bool `json:"DHCPEnabled"`
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
			return s.renderEthernet(hn, ifc)
		}
	}
	return nil, errNotFound(rc.path)
}

// renderEthernet renders one interface with its settings.
func (s *Service) renderEthernet(hn hostNetwork, ifc hostInterface) (*rendered, error) {
	name, _ := s.ocp.network()
	ns, apply := s.networkSettings(ifc.Name)
	res := ethernetResource(ifc, name, hn.NameServers)
	showSettings(&res, ns, apply != nil)
	return renderJSON(res, schemaEthernetInterface)
}

// showSettings adds the settings set through Redfish to res: the host
// name as set, the static lists and DHCPv4, and how each live IPv4
// address was obtained where the settings tell.
func showSettings(res *ethernetInterface, ns NetworkSettings, writable bool) {
	if writable {
		res.Writeable = networkWritable
	}
	if ns.HostName != "" {
		res.HostName = ns.HostName
		res.FQDN = nil
		if ns.FQDN != ns.HostName {
			res.FQDN = &ns.FQDN
		}
	}
	if writable || ns.DHCPv4Enabled != nil {
		res.DHCPv4 = &dhcpv4JSON{DHCPEnabled: ns.DHCPv4Enabled}
	}
	if writable || ns.StaticNameServers != nil {
		list := slices.Clone(ns.StaticNameServers)
		if list == nil {
			list = []string{}
		}
		res.StaticNameServers = &list
	}
	if writable || ns.IPv4StaticAddresses != nil {
		list := make([]ipv4JSON, 0, len(ns.IPv4StaticAddresses))
		for _, a := range ns.IPv4StaticAddresses {
			list = append(list, ipv4JSON{Address: a.Address, SubnetMask: orNull(a.SubnetMask),
				AddressOrigin: orNull("Static"), Gateway: orNull(a.Gateway)})
		}
		res.IPv4StaticAddresses = &list
	}
	for i := range res.IPv4Addresses {
		a := &res.IPv4Addresses[i]
		if a.AddressOrigin != nil {
			continue
		}
		switch {
		case slices.ContainsFunc(ns.IPv4StaticAddresses, func(s IPv4StaticAddress) bool { return s.Address == a.Address }):
			a.AddressOrigin = orNull("Static")
		case ns.DHCPv4Enabled != nil && *ns.DHCPv4Enabled:
			a.AddressOrigin = orNull("DHCP")
		}
	}
}

// ethernetResource renders one interface as the kernel has it: LinkUp
// with carrier, NoLink without, LinkDown (and Disabled) when the interface
// is administratively down.
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
		Writeable:        []string{},
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
