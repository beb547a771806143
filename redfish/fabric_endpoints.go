package redfish

import (
	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/sled"
)

// allEndpoints lists the initiators (hosts, in board order), then the
// targets (drive ports, in port order).
func allEndpoints(f *agent.Fabric) []link {
	out := []link{}
	for i := range f.Hosts {
		out = append(out, link{initiatorPath(i)})
	}
	for _, p := range f.Ports {
		if p.Role == agent.PortDownstream {
			out = append(out, link{targetPath(p.Phys)})
		}
	}
	return out
}

func (s *Service) getEndpointCollection(rc *reqCtx) (*rendered, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, err
	}
	return renderJSON(newCollection(endpointsPath, schemaEndpointCollection, "Endpoint Collection", allEndpoints(f)), schemaEndpointCollection)
}

type endpointResource struct {
	ODataID           string            `json:"@odata.id"`
	ODataType         string            `json:"@odata.type"`
	ID                string            `json:"Id"`
	Name              string            `json:"Name"`
	Description       string            `json:"Description"`
	EndpointProtocol  string            `json:"EndpointProtocol"`
	ConnectedEntities []connectedEntity `json:"ConnectedEntities"`
	Status            status            `json:"Status"`
	Links             endpointLinks     `json:"Links"`
}

type connectedEntity struct {
	EntityType string `json:"EntityType"`
	EntityRole string `json:"EntityRole"`
	EntityLink *link  `json:"EntityLink,omitempty"`
}

// endpointLinks: the switch port an endpoint is wired to is a
// ConnectedPorts link ("the switch ports ... at the other end of the
// link"); Links.Ports is deprecated in Endpoint v1_8.
type endpointLinks struct {
	ConnectedPorts []link `json:"ConnectedPorts"`
	Zones          []link `json:"Zones"`
	Connections    []link `json:"Connections"`
}

func (s *Service) getEndpoint(rc *reqCtx) (*rendered, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, err
	}
	id := rc.params[0]
	if h := hostByID(f, id); h >= 0 {
		return renderJSON(initiatorEndpoint(f, h), schemaEndpoint)
	}
	if p := drivePortByID(f, id); p != nil {
		return renderJSON(targetEndpoint(rc.snap, p), schemaEndpoint)
	}
	return nil, errNotFound(rc.path)
}

// initiatorEndpoint is host h: the root complex behind its upstream port.
// The host itself is not a resource of this service, so nothing is
// linked beyond the port.
func initiatorEndpoint(f *agent.Fabric, h int) endpointResource {
	name := f.Hosts[h]
	ports := []link{}
	st := status{State: stateEnabled, Health: sled.HealthOK}
	if p := hostPort(f, name); p != nil {
		ports = append(ports, link{portPath(p.Phys)})
		st.Health = health(p.Health)
	} else {
		// The board names a host but wires no switch port to it.
		st.State = stateUnavailableOffline
	}
	zones, conns := []link{}, []link{}
	if targets, ok := f.Routing[name]; ok {
		zones = append(zones, link{zonePath(h)})
		if len(targets) > 0 {
			conns = append(conns, link{connectionPath(h)})
		}
	}
	return endpointResource{
		ODataID:           initiatorPath(h),
		ODataType:         schemaEndpoint.odataType(),
		ID:                hostID(h),
		Name:              name,
		Description:       "Initiator: the host on an upstream port of the interposer",
		EndpointProtocol:  "PCIe",
		ConnectedEntities: []connectedEntity{{EntityType: "RootComplex", EntityRole: "Initiator"}},
		Status:            st,
		Links:             endpointLinks{ConnectedPorts: ports, Zones: zones, Connections: conns},
	}
}

// targetEndpoint is the drive port p: the Drive behind it when one is
// present. An empty slot's endpoint is Absent; a drive without a link is
// Warning, as its Drive is.
func targetEndpoint(snap *agent.Snapshot, p *agent.FabricPort) endpointResource {
	f := snap.Fabric
	ent := connectedEntity{EntityType: "Drive", EntityRole: "Target"}
	st := status{State: stateEnabled, Health: portHealth(snap, p)}
	if d := driveBehind(snap, p); d != nil && d.present {
		ent.EntityLink = &link{d.path()}
	} else {
		st = status{State: stateAbsent, Health: sled.HealthOK}
	}
	zones, conns := []link{}, []link{}
	if h := hostIndex(f, routedTo(f, p.Phys)); h >= 0 {
		zones = append(zones, link{zonePath(h)})
		conns = append(conns, link{connectionPath(h)})
	}
	return endpointResource{
		ODataID:           targetPath(p.Phys),
		ODataType:         schemaEndpoint.odataType(),
		ID:                drivePortEndpointID(p.Phys),
		Name:              "Drive port " + portID(p.Phys),
		Description:       "Target: the drive slot on a downstream port of the interposer",
		EndpointProtocol:  "PCIe",
		ConnectedEntities: []connectedEntity{ent},
		Status:            st,
		Links:             endpointLinks{ConnectedPorts: []link{{portPath(p.Phys)}}, Zones: zones, Connections: conns},
	}
}

// stateAbsent is Resource.State Absent: nothing is in the slot.
const stateAbsent = "Absent"
