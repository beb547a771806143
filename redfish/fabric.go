package redfish

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/chassisd/chassisd/agent"
)

// The interposer's PCIe switch is one Fabric, "PCIe": its switch and ports,
// an Endpoint per host port (initiator) and per drive port (target), and
// a Zone per host that has one, holding the host's initiator and the
// targets it sees. Composition (zones, connections) goes down to the agent
// through the Composer; everything else is read from the snapshot.

const (
	fabricCollectionPath = "/redfish/v1/Fabrics"
	fabricID             = "PCIe"
	fabricPath           = fabricCollectionPath + "/" + fabricID
	switchCollectionPath = fabricPath + "/Switches"
	// switchID names the interposer's one switch.
	switchID           = "Interposer"
	switchPath         = switchCollectionPath + "/" + switchID
	portCollectionPath = switchPath + "/Ports"
	endpointsPath      = fabricPath + "/Endpoints"
	zonesPath          = fabricPath + "/Zones"
	connectionsPath    = fabricPath + "/Connections"
)

// Schemas of the Fabric family: the newest versions in DSP8010 2025.4.
// PCIeDevice holds the PCIeErrors type PortMetrics uses.
var (
	schemaFabric               = schema{name: "Fabric", version: "v1_4_0"}
	schemaFabricCollection     = schema{name: "FabricCollection"}
	schemaSwitch               = schema{name: "Switch", version: "v1_11_0"}
	schemaSwitchCollection     = schema{name: "SwitchCollection"}
	schemaPort                 = schema{name: "Port", version: "v1_18_0"}
	schemaPortCollection       = schema{name: "PortCollection"}
	schemaPortMetrics          = schema{name: "PortMetrics", version: "v1_8_1"}
	schemaEndpoint             = schema{name: "Endpoint", version: "v1_8_2"}
	schemaEndpointCollection   = schema{name: "EndpointCollection"}
	schemaZone                 = schema{name: "Zone", version: "v1_6_3"}
	schemaZoneCollection       = schema{name: "ZoneCollection"}
	schemaConnection           = schema{name: "Connection", version: "v1_4_0"}
	schemaConnectionCollection = schema{name: "ConnectionCollection"}
	schemaPCIeDevice           = schema{name: "PCIeDevice", version: "v1_21_0"}
)

// fabricSchemas are the schemas this family's resources use.
var fabricSchemas = []schema{
	schemaFabric, schemaFabricCollection,
	schemaSwitch, schemaSwitchCollection,
	schemaPort, schemaPortCollection, schemaPortMetrics,
	schemaEndpoint, schemaEndpointCollection,
	schemaZone, schemaZoneCollection,
	schemaConnection, schemaConnectionCollection,
	schemaPCIeDevice,
}

// fabricRoutes registers the Fabric resources. Reads need Login;
// composition needs ConfigureComponents (the privilege registry's for
// Zone, Connection and their actions), which an Operator has.
func (s *Service) fabricRoutes(rt *router) {
	rt.handle(fabricCollectionPath, s.getFabricCollection)
	rt.handle(fabricPath, s.getFabric)
	rt.handle(switchCollectionPath, s.getSwitchCollection)
	rt.handle(switchPath, s.getSwitch)
	rt.handle(portCollectionPath, s.getPortCollection)
	rt.handle(portCollectionPath+"/{}", s.getPort)
	rt.handle(portCollectionPath+"/{}/Metrics", s.getPortMetrics)
	rt.handle(endpointsPath, s.getEndpointCollection)
	rt.handle(endpointsPath+"/{}", s.getEndpoint)
	rt.handle(zonesPath, s.getZoneCollection)
	rt.on(zonesPath, http.MethodPost, s.postZone, privConfigureComponents)
	rt.handle(zonesPath+"/{}", s.getZone)
	rt.on(zonesPath+"/{}", http.MethodDelete, s.deleteZone, privConfigureComponents)
	rt.on(zonesPath+"/{}/Actions/Zone.AddEndpoint", http.MethodPost, s.postZoneAddEndpoint, privConfigureComponents)
	rt.on(zonesPath+"/{}/Actions/Zone.RemoveEndpoint", http.MethodPost, s.postZoneRemoveEndpoint, privConfigureComponents)
	rt.handle(connectionsPath, s.getConnectionCollection)
	rt.on(connectionsPath, http.MethodPost, s.postConnection, privConfigureComponents)
	rt.handle(connectionsPath+"/{}", s.getConnection)
	rt.on(connectionsPath+"/{}", http.MethodDelete, s.deleteConnection, privConfigureComponents)
}

// fabricOf returns the snapshot's fabric, or a 404 for the request's path
// when the board has none (or no snapshot was taken yet).
func fabricOf(rc *reqCtx) (*agent.Fabric, error) {
	if rc.snap == nil || rc.snap.Fabric == nil {
		return nil, errNotFound(rc.path)
	}
	return rc.snap.Fabric, nil
}

// Resource ids. A host's id is its position in Fabric.Hosts ("Host0"), not
// its name, which may hold anything a board file allows; a drive port's is
// its physical port number, which does not move when drives do.

func hostID(i int) string                 { return "Host" + strconv.Itoa(i) }
func drivePortEndpointID(phys int) string { return "Drive" + strconv.Itoa(phys) }
func portID(phys int) string              { return strconv.Itoa(phys) }

func portPath(phys int) string     { return portCollectionPath + "/" + portID(phys) }
func zonePath(hostIdx int) string  { return zonesPath + "/" + hostID(hostIdx) }
func connectionPath(h int) string  { return connectionsPath + "/" + hostID(h) }
func initiatorPath(h int) string   { return endpointsPath + "/" + hostID(h) }
func targetPath(phys int) string   { return endpointsPath + "/" + drivePortEndpointID(phys) }
func portMetricsPath(p int) string { return portPath(p) + "/Metrics" }

// hostByID returns the index of the host with the id, or -1.
func hostByID(f *agent.Fabric, id string) int {
	n, ok := strings.CutPrefix(id, "Host")
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(n)
	if err != nil || i < 0 || i >= len(f.Hosts) || hostID(i) != id {
		return -1
	}
	return i
}

// hostIndex returns the index of the host named name, or -1.
func hostIndex(f *agent.Fabric, name string) int {
	return slices.Index(f.Hosts, name)
}

// portByPhys returns the switch port with the physical number, or nil.
func portByPhys(f *agent.Fabric, phys int) *agent.FabricPort {
	for i := range f.Ports {
		if f.Ports[i].Phys == phys {
			return &f.Ports[i]
		}
	}
	return nil
}

// portByID returns the port with the Port id, or nil. Only the canonical
// spelling matches: "08" is not port 8.
func portByID(f *agent.Fabric, id string) *agent.FabricPort {
	n, err := strconv.Atoi(id)
	if err != nil || portID(n) != id {
		return nil
	}
	return portByPhys(f, n)
}

// hostPort returns the upstream port of a host, or nil when the board
// names the host but wires no port to it.
func hostPort(f *agent.Fabric, name string) *agent.FabricPort {
	for i := range f.Ports {
		p := &f.Ports[i]
		if p.Role == agent.PortUpstream && p.Host == name {
			return p
		}
	}
	return nil
}

// drivePortByID returns the downstream port of a target Endpoint id, or nil.
func drivePortByID(f *agent.Fabric, id string) *agent.FabricPort {
	n, ok := strings.CutPrefix(id, "Drive")
	if !ok {
		return nil
	}
	phys, err := strconv.Atoi(n)
	if err != nil || drivePortEndpointID(phys) != id {
		return nil
	}
	p := portByPhys(f, phys)
	if p == nil || p.Role != agent.PortDownstream {
		return nil
	}
	return p
}

// routedTo returns the host whose routing holds drive port phys, or "".
func routedTo(f *agent.Fabric, phys int) string {
	return ownerIn(f.Routing, phys)
}

// ownerIn returns the host of routing that holds drive port phys, or "".
func ownerIn(routing map[string][]int, phys int) string {
	for h, ports := range routing {
		if slices.Contains(ports, phys) {
			return h
		}
	}
	return ""
}

// driveBehind returns the drive behind a downstream port, present or not;
// nil when the board wires the port to no slot or the sled is gone.
func driveBehind(snap *agent.Snapshot, p *agent.FabricPort) *driveAt {
	if p.Role != agent.PortDownstream || p.Bay < 0 || p.Slot < 0 {
		return nil
	}
	for i := range snap.Bays {
		b := &snap.Bays[i]
		if b.Index != p.Bay || b.Sled == nil {
			continue
		}
		for j := range b.Sled.Drives {
			d := &b.Sled.Drives[j]
			if d.Slot == p.Slot {
				return &driveAt{bay: b.Index, slot: d.Slot, present: d.Present}
			}
		}
	}
	return nil
}

// driveAt is where a drive port leads.
type driveAt struct {
	bay, slot int
	present   bool
}

func (d *driveAt) path() string { return drivePath(sledID(d.bay), d.slot) }

// drivePresent reports whether a drive is behind the downstream port.
func drivePresent(snap *agent.Snapshot, p *agent.FabricPort) bool {
	d := driveBehind(snap, p)
	return d != nil && d.present
}

// portForDrive returns the downstream port wired to a sled's slot, or nil.
func portForDrive(f *agent.Fabric, bay, slot int) *agent.FabricPort {
	if f == nil {
		return nil
	}
	for i := range f.Ports {
		p := &f.Ports[i]
		if p.Role == agent.PortDownstream && p.Bay == bay && p.Slot == slot {
			return p
		}
	}
	return nil
}
