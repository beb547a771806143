package redfish

import (
	"fmt"
	"math"
	"strconv"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/sled"
)

// getFabricCollection lists the PCIe fabric when the board has a switch;
// the collection exists (ServiceRoot links it) either way.
func (s *Service) getFabricCollection(rc *reqCtx) (*rendered, error) {
	var members []link
	if rc.snap != nil && rc.snap.Fabric != nil {
		members = []link{{fabricPath}}
	}
	return renderJSON(newCollection(fabricCollectionPath, schemaFabricCollection, "Fabric Collection", members), schemaFabricCollection)
}

type fabricResource struct {
	ODataID     string      `json:"@odata.id"`
	ODataType   string      `json:"@odata.type"`
	ID          string      `json:"Id"`
	Name        string      `json:"Name"`
	Description string      `json:"Description"`
	FabricType  string      `json:"FabricType"`
	MaxZones    int         `json:"MaxZones"`
	Status      status      `json:"Status"`
	Switches    link        `json:"Switches"`
	Endpoints   link        `json:"Endpoints"`
	Zones       link        `json:"Zones"`
	Connections link        `json:"Connections"`
	Links       fabricLinks `json:"Links"`
}

type fabricLinks struct {
	ManagedBy []link `json:"ManagedBy"`
}

func (s *Service) getFabric(rc *reqCtx) (*rendered, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, err
	}
	return renderJSON(fabricResource{
		ODataID:     fabricPath,
		ODataType:   schemaFabric.odataType(),
		ID:          fabricID,
		Name:        "PCIe Fabric",
		Description: "The interposer's PCIe switch: which drive ports each host port reaches",
		FabricType:  "PCIe",
		// A zone is a host's view: one per host at most.
		MaxZones:    len(f.Hosts),
		Status:      status{State: stateEnabled, Health: health(f.Health), HealthRollup: fabricRollup(rc.snap)},
		Switches:    link{switchCollectionPath},
		Endpoints:   link{endpointsPath},
		Zones:       link{zonesPath},
		Connections: link{connectionsPath},
		Links:       fabricLinks{ManagedBy: []link{{managerPath}}},
	}, schemaFabric)
}

// fabricRollup is the worst health of the switch and its ports.
func fabricRollup(snap *agent.Snapshot) sled.Health {
	f := snap.Fabric
	h := health(f.Health)
	for i := range f.Ports {
		h = sled.Worse(h, portHealth(snap, &f.Ports[i]))
	}
	return h
}

func (s *Service) getSwitchCollection(rc *reqCtx) (*rendered, error) {
	if _, err := fabricOf(rc); err != nil {
		return nil, err
	}
	return renderJSON(newCollection(switchCollectionPath, schemaSwitchCollection, "Switch Collection", []link{{switchPath}}), schemaSwitchCollection)
}

type switchResource struct {
	ODataID            string      `json:"@odata.id"`
	ODataType          string      `json:"@odata.type"`
	ID                 string      `json:"Id"`
	Name               string      `json:"Name"`
	SwitchType         string      `json:"SwitchType"`
	SupportedProtocols []string    `json:"SupportedProtocols"`
	Manufacturer       string      `json:"Manufacturer,omitempty"`
	Model              string      `json:"Model"`
	FirmwareVersion    string      `json:"FirmwareVersion,omitempty"`
	IsManaged          bool        `json:"IsManaged"`
	Status             status      `json:"Status"`
	Ports              link        `json:"Ports"`
	Links              switchLinks `json:"Links"`
	Oem                switchOem   `json:"Oem"`
}

type switchLinks struct {
	Endpoints []link `json:"Endpoints"`
	ManagedBy []link `json:"ManagedBy"`
}

type switchOem struct {
	Chassisd chassisdSwitch `json:"Chassisd"`
}

// chassisdSwitch is what Switch has no property for.
type chassisdSwitch struct {
	ODataType  string    `json:"@odata.type"`
	VendorID   string    `json:"VendorId"`
	DeviceID   string    `json:"DeviceId"`
	Partitions int       `json:"Partitions"`
	Generation string    `json:"Generation,omitempty"`
	Address    string    `json:"Address,omitempty"`
	Problems   []problem `json:"Problems,omitempty"`
}

func (s *Service) getSwitch(rc *reqCtx) (*rendered, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, err
	}
	sw := f.Switch
	return renderJSON(switchResource{
		ODataID:            switchPath,
		ODataType:          schemaSwitch.odataType(),
		ID:                 switchID,
		Name:               "Interposer PCIe switch",
		SwitchType:         "PCIe",
		SupportedProtocols: []string{"PCIe"},
		Manufacturer:       switchManufacturer(sw.VendorID),
		Model:              switchModel(sw.VendorID, sw.DeviceID),
		FirmwareVersion:    sw.FirmwareVersion,
		IsManaged:          true,
		Status:             status{State: stateEnabled, Health: health(f.Health), HealthRollup: fabricRollup(rc.snap)},
		Ports:              link{portCollectionPath},
		Links:              switchLinks{Endpoints: allEndpoints(f), ManagedBy: []link{{managerPath}}},
		Oem: switchOem{Chassisd: chassisdSwitch{
			ODataType:  schemaOem.typeOf("Switch"),
			VendorID:   fmt.Sprintf("0x%04X", sw.VendorID),
			DeviceID:   fmt.Sprintf("0x%04X", sw.DeviceID),
			Partitions: sw.Partitions,
			Generation: sw.Generation,
			Address:    sw.Where,
			Problems:   problems(f.Problems),
		}},
	}, schemaSwitch)
}

// vendorMicrochip is the PCI vendor id of Microchip's (formerly
// Microsemi's) Switchtec switches.
const vendorMicrochip = 0x11F8

func switchManufacturer(vendor uint16) string {
	if vendor == vendorMicrochip {
		return "Microchip"
	}
	return ""
}

// switchModel names a Switchtec Gen4 part from its device id, as the
// Linux switchtec drivers' tables do: the high byte is the family (0x40
// PFX, 0x41 PSX, 0x42 PAX, 0x43 PFXA, 0x44 PSXA) and the low byte, read as
// decimal digits, the lane count, 00 meaning 100 (0x4084: PFX 84xG4).
// Anything else is named by its ids.
func switchModel(vendor, device uint16) string {
	families := map[uint16]string{0x40: "PFX", 0x41: "PSX", 0x42: "PAX", 0x43: "PFXA", 0x44: "PSXA"}
	fam, ok := families[device>>8]
	lanes := map[uint16]string{0x00: "100", 0x84: "84", 0x68: "68", 0x52: "52", 0x36: "36", 0x28: "28"}[device&0xFF]
	if vendor == vendorMicrochip && ok && lanes != "" {
		return "Switchtec " + fam + " " + lanes + "xG4"
	}
	return fmt.Sprintf("PCIe switch %04x:%04x", vendor, device)
}

func (s *Service) getPortCollection(rc *reqCtx) (*rendered, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, err
	}
	members := make([]link, 0, len(f.Ports))
	for _, p := range f.Ports {
		members = append(members, link{portPath(p.Phys)})
	}
	return renderJSON(newCollection(portCollectionPath, schemaPortCollection, "Port Collection", members), schemaPortCollection)
}

type portResource struct {
	ODataID      string    `json:"@odata.id"`
	ODataType    string    `json:"@odata.type"`
	ID           string    `json:"Id"`
	Name         string    `json:"Name"`
	PortID       string    `json:"PortId"`
	PortType     string    `json:"PortType"`
	PortProtocol string    `json:"PortProtocol"`
	LinkStatus   string    `json:"LinkStatus"`
	Width        int       `json:"Width"`
	ActiveWidth  int       `json:"ActiveWidth"`
	CurrentSpeed *float64  `json:"CurrentSpeedGbps,omitempty"`
	MaxSpeed     *float64  `json:"MaxSpeedGbps,omitempty"`
	Status       status    `json:"Status"`
	Metrics      link      `json:"Metrics"`
	Links        portLinks `json:"Links"`
	Oem          portOem   `json:"Oem"`
}

type portLinks struct {
	AssociatedEndpoints []link `json:"AssociatedEndpoints"`
}

type portOem struct {
	Chassisd chassisdPort `json:"Chassisd"`
}

// chassisdPort is what Port has no property for: the switch's own view.
type chassisdPort struct {
	ODataType string `json:"@odata.type"`
	Partition int    `json:"Partition"`
	LTSSM     string `json:"LTSSMState,omitempty"`
	Host      string `json:"HostName,omitempty"`
}

// portOf is the fabric and the port a request's path names.
func portOf(rc *reqCtx) (*agent.Fabric, *agent.FabricPort, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, nil, err
	}
	p := portByID(f, rc.params[0])
	if p == nil {
		return nil, nil, errNotFound(rc.path)
	}
	return f, p, nil
}

func (s *Service) getPort(rc *reqCtx) (*rendered, error) {
	f, p, err := portOf(rc)
	if err != nil {
		return nil, err
	}
	kind, name, ep := "DownstreamPort", "Drive port "+portID(p.Phys), targetPath(p.Phys)
	if p.Role == agent.PortUpstream {
		kind, name = "UpstreamPort", "Host port "+portID(p.Phys)
		ep = ""
		if i := hostIndex(f, p.Host); i >= 0 {
			ep = initiatorPath(i)
		}
	}
	eps := []link{}
	if ep != "" {
		eps = append(eps, link{ep})
	}
	res := portResource{
		ODataID:      portPath(p.Phys),
		ODataType:    schemaPort.odataType(),
		ID:           portID(p.Phys),
		Name:         name,
		PortID:       portID(p.Phys),
		PortType:     kind,
		PortProtocol: "PCIe",
		LinkStatus:   "LinkDown",
		Width:        p.MaxWidth,
		MaxSpeed:     gbps(p.MaxSpeedGTs, p.MaxWidth),
		Status:       status{State: stateEnabled, Health: portHealth(rc.snap, p)},
		Metrics:      link{portMetricsPath(p.Phys)},
		Links:        portLinks{AssociatedEndpoints: eps},
		Oem: portOem{Chassisd: chassisdPort{
			ODataType: schemaOem.typeOf("Port"), Partition: p.Partition, LTSSM: p.LTSSM, Host: p.Host,
		}},
	}
	if p.LinkUp {
		res.LinkStatus = "LinkUp"
		res.ActiveWidth = p.Width
		res.CurrentSpeed = gbps(p.SpeedGTs, p.Width)
	}
	return renderJSON(res, schemaPort)
}

// gbps is a PCIe port's speed as Port's CurrentSpeedGbps and MaxSpeedGbps
// define it: the unidirectional speed of the whole port, overhead
// included. A PCIe lane at R GT/s carries R Gbit/s on the wire (one bit a
// transfer) before 8b/10b or 128b/130b encoding, so the port's speed is the
// rate times the lanes: x4 at 16 GT/s is 64 Gbit/s (DMTF's CXL mockup
// shows x16 at 32 GT/s as 512). Unknown rates or widths are left out.
func gbps(gts float64, lanes int) *float64 {
	if gts <= 0 || lanes <= 0 {
		return nil
	}
	v := math.Round(gts*float64(lanes)*1000) / 1000
	return &v
}

// portHealth is the port's health as the agent judged it, and Warning for
// a drive port whose drive is present but has no link: the drive cannot
// be reached by a host through it. A host port without a link is a host
// that is off, which is not a fault of the chassis.
func portHealth(snap *agent.Snapshot, p *agent.FabricPort) sled.Health {
	h := health(p.Health)
	if linkLost(snap, p) {
		h = sled.Worse(h, sled.HealthWarning)
	}
	return h
}

// linkLost reports whether a drive port has a drive but no link.
func linkLost(snap *agent.Snapshot, p *agent.FabricPort) bool {
	return p.Role == agent.PortDownstream && !p.LinkUp && drivePresent(snap, p)
}

type portMetrics struct {
	ODataID    string         `json:"@odata.id"`
	ODataType  string         `json:"@odata.type"`
	ID         string         `json:"Id"`
	Name       string         `json:"Name"`
	PCIeErrors pcieErrors     `json:"PCIeErrors"`
	Oem        portMetricsOem `json:"Oem"`
}

// pcieErrors is PCIeDevice.PCIeErrors with the counters the switch keeps.
type pcieErrors struct {
	CorrectableErrorCount uint64 `json:"CorrectableErrorCount"`
	BadTLPCount           uint64 `json:"BadTLPCount"`
	BadDLLPCount          uint64 `json:"BadDLLPCount"`
	ReplayCount           uint64 `json:"ReplayCount"`
	ReplayRolloverCount   uint64 `json:"ReplayRolloverCount"`
}

type portMetricsOem struct {
	Chassisd chassisdPortMetrics `json:"Chassisd"`
}

type chassisdPortMetrics struct {
	ODataType          string `json:"@odata.type"`
	ReceiverErrorCount uint64 `json:"ReceiverErrorCount"`
}

// getPortMetrics maps the switch's error counters onto PCIeErrors. The
// PCIe Base spec (6.2.2.2.1) classes all five as correctable errors
// (receiver error, bad TLP, bad DLLP, replay timer timeout, REPLAY_NUM
// rollover), so CorrectableErrorCount is their sum. A replay is what a
// replay timer timeout causes, so ReplayCount counts those. Receiver
// errors have no property of their own and go in Oem.
func (s *Service) getPortMetrics(rc *reqCtx) (*rendered, error) {
	_, p, err := portOf(rc)
	if err != nil {
		return nil, err
	}
	e := p.Errors
	return renderJSON(portMetrics{
		ODataID:   portMetricsPath(p.Phys),
		ODataType: schemaPortMetrics.odataType(),
		ID:        "Metrics",
		Name:      "Port " + strconv.Itoa(p.Phys) + " metrics",
		PCIeErrors: pcieErrors{
			CorrectableErrorCount: sumCounters(e.BadTLP, e.BadDLLP, e.ReceiverErrors, e.ReplayTimeouts, e.ReplayRollovers),
			BadTLPCount:           e.BadTLP,
			BadDLLPCount:          e.BadDLLP,
			ReplayCount:           e.ReplayTimeouts,
			ReplayRolloverCount:   e.ReplayRollovers,
		},
		Oem: portMetricsOem{Chassisd: chassisdPortMetrics{
			ODataType: schemaOem.typeOf("PortMetrics"), ReceiverErrorCount: e.ReceiverErrors,
		}},
	}, schemaPortMetrics)
}

// sumCounters adds counters, stopping at the largest Edm.Int64 rather
// than wrapping round to a small number.
func sumCounters(cs ...uint64) uint64 {
	var t uint64
	for _, c := range cs {
		if c > math.MaxInt64-t {
			return math.MaxInt64
		}
		t += c
	}
	return t
}
