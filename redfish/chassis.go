package redfish

import (
	"strconv"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/sled"
)

const (
	chassisCollectionPath = "/redfish/v1/Chassis"
	// defaultEnclosureID is used when the snapshot names no enclosure id.
	defaultEnclosureID = "Enclosure"
)

func (s *Service) chassisRoutes(rt *router) {
	rt.handle(chassisCollectionPath, s.getChassisCollection)
	rt.handle(chassisCollectionPath+"/{}", s.getChassis)
}

// getChassisCollection lists the enclosure and one Chassis per occupied bay.
func (s *Service) getChassisCollection(rc *reqCtx) (*rendered, error) {
	return renderJSON(newCollection(chassisCollectionPath, schemaChassisCollection, "Chassis Collection", allChassis(rc.snap)), schemaChassisCollection)
}

// allChassis is every Chassis in the snapshot: the enclosure first, then
// the sleds in bay order.
func allChassis(snap *agent.Snapshot) []link {
	if snap == nil {
		return nil
	}
	out := []link{{chassisPath(enclosureID(snap))}}
	for _, b := range snap.Bays {
		if b.Sled != nil {
			out = append(out, link{chassisPath(sledID(b.Index))})
		}
	}
	return out
}

func (s *Service) getChassis(rc *reqCtx) (*rendered, error) {
	id := rc.params[0]
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	if id == enclosureID(rc.snap) {
		return renderJSON(enclosureChassis(rc.snap), schemaChassis)
	}
	bay := findSled(rc.snap, id)
	if bay == nil {
		return nil, errNotFound(rc.path)
	}
	return renderJSON(sledChassis(rc.snap, bay), schemaChassis)
}

// chassis is a Chassis resource, enclosure or sled.
type chassis struct {
	ODataID      string       `json:"@odata.id"`
	ODataType    string       `json:"@odata.type"`
	ID           string       `json:"Id"`
	Name         string       `json:"Name"`
	ChassisType  string       `json:"ChassisType"`
	Manufacturer string       `json:"Manufacturer,omitempty"`
	Model        string       `json:"Model,omitempty"`
	PartNumber   string       `json:"PartNumber,omitempty"`
	SerialNumber string       `json:"SerialNumber,omitempty"`
	Version      string       `json:"Version,omitempty"`
	AssetTag     string       `json:"AssetTag,omitempty"`
	Location     *location    `json:"Location,omitempty"`
	Status       status       `json:"Status"`
	Drives       *link        `json:"Drives,omitempty"`
	Sensors      *link        `json:"Sensors,omitempty"`
	Links        chassisLinks `json:"Links"`
	Oem          *chassisOem  `json:"Oem,omitempty"`
}

type chassisLinks struct {
	Contains      []link `json:"Contains,omitempty"`
	ContainsCount *int   `json:"Contains@odata.count,omitempty"`
	ContainedBy   *link  `json:"ContainedBy,omitempty"`
	ManagedBy     []link `json:"ManagedBy"`
	Drives        []link `json:"Drives,omitempty"`
	DrivesCount   *int   `json:"Drives@odata.count,omitempty"`
}

// chassisOem holds what Redfish has no property for.
type chassisOem struct {
	Chassisd chassisdChassis `json:"Chassisd"`
}

type chassisdChassis struct {
	ODataType string `json:"@odata.type"`
	// Sideband is how the sled is managed: "I2C" (later "UART").
	Sideband string `json:"Sideband,omitempty"`
	// BoardName and Simulated describe the enclosure's board.
	BoardName string `json:"BoardName,omitempty"`
	Simulated *bool  `json:"Simulated,omitempty"`
	// Problems says why Health is not OK, in the operator's words. Redfish
	// Status.Conditions would need a MessageId from a registry, and no
	// standard registry has messages for FRU or sensor faults.
	Problems []problem `json:"Problems,omitempty"`
}

type problem struct {
	Health  sled.Health `json:"Health"`
	Message string      `json:"Message"`
}

func problems(ps []sled.Problem) []problem {
	if len(ps) == 0 {
		return nil
	}
	out := make([]problem, len(ps))
	for i, p := range ps {
		out[i] = problem{Health: health(p.Health), Message: p.Message}
	}
	return out
}

// enclosureChassis renders the enclosure. Its own health is the worst of
// the sleds' own healths; the rollup also counts their drives.
func enclosureChassis(snap *agent.Snapshot) chassis {
	id := enclosureID(snap)
	h, rollup := health(snap.Enclosure.Health), health(snap.Enclosure.Health)
	var contains []link
	for _, b := range snap.Bays {
		if b.Sled == nil {
			continue
		}
		contains = append(contains, link{chassisPath(sledID(b.Index))})
		h = sled.Worse(h, health(b.Sled.Health))
		rollup = sled.Worse(rollup, sledRollup(b.Sled))
	}
	name := snap.Enclosure.Name
	if name == "" {
		name = "Enclosure"
	}
	simulated := snap.Enclosure.Simulated
	c := chassis{
		ODataID:      chassisPath(id),
		ODataType:    schemaChassis.odataType(),
		ID:           id,
		Name:         name,
		ChassisType:  "Enclosure",
		Manufacturer: snap.Enclosure.Manufacturer,
		Model:        snap.Enclosure.Model,
		Status:       status{State: stateEnabled, Health: h, HealthRollup: rollup},
		Links: chassisLinks{
			Contains:      contains,
			ContainsCount: count(contains),
			ManagedBy:     []link{{managerPath}},
		},
		Oem: &chassisOem{Chassisd: chassisdChassis{ODataType: schemaOem.typeOf("Chassis"), BoardName: snap.Enclosure.BoardName, Simulated: &simulated}},
	}
	return c
}

// sledChassis renders the sled in bay b.
func sledChassis(snap *agent.Snapshot, b *agent.Bay) chassis {
	sl := b.Sled
	id := sledID(b.Index)
	path := chassisPath(id)
	var drives []link
	for _, d := range sl.Drives {
		if d.Present {
			drives = append(drives, link{drivePath(id, d.Slot)})
		}
	}
	c := chassis{
		ODataID:      path,
		ODataType:    schemaChassis.odataType(),
		ID:           id,
		Name:         "Sled in " + bayLabel(b),
		ChassisType:  "Sled",
		Manufacturer: sl.Identity.Manufacturer,
		Model:        sl.Identity.Model,
		PartNumber:   sl.Identity.PartNumber,
		SerialNumber: sl.Identity.SerialNumber,
		Version:      sl.Identity.Version,
		AssetTag:     sl.Identity.AssetTag,
		Location: &location{PartLocation: partLocation{
			ServiceLabel: bayLabel(b), LocationType: "Bay", LocationOrdinalValue: b.Index,
		}},
		Status: status{State: stateEnabled, Health: health(sl.Health), HealthRollup: sledRollup(sl)},
		Drives: &link{path + "/Drives"},
		Links: chassisLinks{
			ContainedBy: &link{chassisPath(enclosureID(snap))},
			ManagedBy:   []link{{managerPath}},
			Drives:      drives,
			DrivesCount: count(drives),
		},
		Oem: &chassisOem{Chassisd: chassisdChassis{ODataType: schemaOem.typeOf("Chassis"), Sideband: sl.Sideband, Problems: problems(sl.Problems)}},
	}
	if len(sledSensors(id, sl)) > 0 {
		c.Sensors = &link{path + "/Sensors"}
	}
	return c
}

// sledRollup is the worst health of the sled and its drives.
func sledRollup(sl *sled.Sled) sled.Health {
	h := health(sl.Health)
	for _, d := range sl.Drives {
		if d.Present {
			h = sled.Worse(h, health(d.Health))
		}
	}
	return h
}

func count(l []link) *int {
	if len(l) == 0 {
		return nil
	}
	n := len(l)
	return &n
}

func enclosureID(snap *agent.Snapshot) string {
	if snap.Enclosure.ID == "" {
		return defaultEnclosureID
	}
	return snap.Enclosure.ID
}

// sledID is the Chassis id of the sled in bay index: bay 0 is Sled0.
func sledID(bay int) string { return "Sled" + strconv.Itoa(bay) }

func chassisPath(id string) string { return chassisCollectionPath + "/" + id }

// findSled returns the bay whose sled has the Chassis id, or nil. Only the
// canonical spelling matches: Sled01 is not Sled1.
func findSled(snap *agent.Snapshot, id string) *agent.Bay {
	if snap == nil {
		return nil
	}
	for i := range snap.Bays {
		b := &snap.Bays[i]
		if b.Sled != nil && sledID(b.Index) == id {
			return b
		}
	}
	return nil
}

// bayLabel is the bay's name as printed on the chassis, or "Bay N".
func bayLabel(b *agent.Bay) string {
	if b.Name != "" {
		return b.Name
	}
	return "Bay " + strconv.Itoa(b.Index)
}
