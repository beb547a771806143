package redfish

import (
	"context"
	"encoding/json"
	"net/http"
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
	// The privilege registry: PATCH on Chassis needs ConfigureComponents.
	rt.on(chassisCollectionPath+"/{}", http.MethodPatch, s.patchChassis, privConfigureComponents)
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
		return renderJSON(enclosureChassis(rc.snap, s.ocp.indicatorOn(id, "")), schemaChassis)
	}
	bay := findSled(rc.snap, id)
	if bay == nil {
		return nil, errNotFound(rc.path)
	}
	c := sledChassis(rc.snap, bay, s.ocp.indicatorOn(id, bay.Sled.Identity.SerialNumber))
	if s.sledControl() != nil {
		c.Actions = &chassisActions{Reset: resetAction{
			Target: chassisResetPath(id), ActionInfo: chassisResetInfoPath(id), AllowableValues: chassisResetTypes,
		}}
	}
	return renderJSON(c, schemaChassis)
}

// chassis is a Chassis resource, enclosure or sled.
type chassis struct {
	ODataID      string    `json:"@odata.id"`
	ODataType    string    `json:"@odata.type"`
	ID           string    `json:"Id"`
	Name         string    `json:"Name"`
	ChassisType  string    `json:"ChassisType"`
	Manufacturer string    `json:"Manufacturer,omitempty"`
	Model        fruString `json:"Model,omitzero"`
	PartNumber   string    `json:"PartNumber,omitempty"`
	SerialNumber fruString `json:"SerialNumber,omitzero"`
	Version      string    `json:"Version,omitempty"`
	AssetTag     string    `json:"AssetTag,omitempty"`
	Location     *location `json:"Location,omitempty"`
	Status       status    `json:"Status"`
	PowerState   string    `json:"PowerState"`
	// LocationIndicatorActive: a sled's locate LED is driven by its
	// controller over the live sideband (SetSledControl); the enclosure has
	// no LED line, so its value is only recorded for the people at the
	// rack and the other tools to see.
	LocationIndicatorActive bool            `json:"LocationIndicatorActive"`
	Drives                  *link           `json:"Drives,omitempty"`
	Sensors                 *link           `json:"Sensors,omitempty"`
	ThermalSubsystem        *link           `json:"ThermalSubsystem,omitempty"`
	PowerSubsystem          *link           `json:"PowerSubsystem,omitempty"`
	EnvironmentMetrics      *link           `json:"EnvironmentMetrics,omitempty"`
	Controls                *link           `json:"Controls,omitempty"`
	Links                   chassisLinks    `json:"Links"`
	Actions                 *chassisActions `json:"Actions,omitempty"`
	Oem                     *chassisOem     `json:"Oem,omitempty"`
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
	// Sideband is how the sled is managed: "I2C", "UART" or "None".
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
// the sleds' own healths; the rollup also counts their drives. led is its
// locate indicator.
func enclosureChassis(snap *agent.Snapshot, led bool) chassis {
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
		Model:        fruString{v: snap.Enclosure.Model},
		Status:       status{State: stateEnabled, Health: h, HealthRollup: rollup},
		// The manager runs on the enclosure's power.
		PowerState:              powerOn,
		LocationIndicatorActive: led,
		ThermalSubsystem:        &link{thermalSubsystemPath(id)},
		Links: chassisLinks{
			Contains:      contains,
			ContainsCount: count(contains),
			ManagedBy:     []link{{managerPath}},
		},
		Oem: &chassisOem{Chassisd: chassisdChassis{ODataType: schemaOem.typeOf("Chassis"), BoardName: snap.Enclosure.BoardName, Simulated: &simulated}},
	}
	return c
}

// sledChassis renders the sled in bay b; led is its locate indicator.
func sledChassis(snap *agent.Snapshot, b *agent.Bay, led bool) chassis {
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
		Model:        fruField(sl, sl.Identity.Model),
		PartNumber:   sl.Identity.PartNumber,
		SerialNumber: fruField(sl, sl.Identity.SerialNumber),
		Version:      sl.Identity.Version,
		AssetTag:     sl.Identity.AssetTag,
		Location: &location{PartLocation: partLocation{
			ServiceLabel: bayLabel(b), LocationType: "Bay", LocationOrdinalValue: b.Index,
		}},
		Status: status{State: stateEnabled, Health: health(sl.Health), HealthRollup: sledRollup(sl)},
		// A sled that answers on its sideband has power: the agent
		// shows only sleds it has read.
		PowerState:              powerOn,
		LocationIndicatorActive: led,
		Drives:                  &link{path + "/Drives"},
		// Every sled has a Sensors collection, empty when the board gives
		// it no sensor: the OCP baseline asks for it beside PowerSubsystem.
		Sensors:            &link{path + "/Sensors"},
		ThermalSubsystem:   &link{thermalSubsystemPath(id)},
		PowerSubsystem:     &link{path + "/PowerSubsystem"},
		EnvironmentMetrics: &link{path + "/EnvironmentMetrics"},
		Controls:           &link{path + "/Controls"},
		Links: chassisLinks{
			ContainedBy: &link{chassisPath(enclosureID(snap))},
			ManagedBy:   []link{{managerPath}},
			Drives:      drives,
			DrivesCount: count(drives),
		},
		Oem: &chassisOem{Chassisd: chassisdChassis{ODataType: schemaOem.typeOf("Chassis"), Sideband: sl.Sideband, Problems: problems(sl.Problems)}},
	}
	return c
}

// powerOn is Resource.PowerState On.
const powerOn = "On"

// fruString is a property that comes from a FRU: its value, left out when
// the FRU has no such field, or null when the FRU could not be read, which
// is Redfish's way of saying the value exists but is not known now.
type fruString struct {
	v       string
	unknown bool
}

// IsZero makes omitzero leave out an empty field of a readable FRU.
func (f fruString) IsZero() bool { return f.v == "" && !f.unknown }

func (f fruString) MarshalJSON() ([]byte, error) {
	if f.v == "" {
		return []byte("null"), nil
	}
	return json.Marshal(f.v)
}

// fruField is the sled's FRU field v as a fruString.
func fruField(sl *sled.Sled, v string) fruString {
	return fruString{v: v, unknown: v == "" && !sl.FRUValid}
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

// chassisReadOnly are the Chassis properties a PATCH may name but not
// change: PropertyNotWritable rather than PropertyUnknown. AssetTag is
// writable in the schema, but here it is the sled's FRU field, which the
// service does not write.
var chassisReadOnly = []string{
	"Id", "Name", "ChassisType", "Manufacturer", "Model", "PartNumber", "SerialNumber", "Version",
	"AssetTag", "Location", "Status", "PowerState", "Drives", "Sensors", "ThermalSubsystem",
	"PowerSubsystem", "EnvironmentMetrics", "Controls", "Links", "Oem",
}

// patchChassis sets LocationIndicatorActive, the one writable Chassis
// property, and answers with the changed Chassis. The change is recorded
// in the event log (ResourceEvent PropertyValueModifiedByClient).
func (s *Service) patchChassis(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	id := rc.params[0]
	if rc.snap == nil {
		return nil, errNotFound(rc.path)
	}
	serial := ""
	if id != enclosureID(rc.snap) {
		bay := findSled(rc.snap, id)
		if bay == nil {
			return nil, errNotFound(rc.path)
		}
		serial = bay.Sled.Identity.SerialNumber
	}
	// props reports null as the wrong type: the property is not nullable.
	on, set := body.boolean("LocationIndicatorActive")
	body.readOnly(chassisReadOnly...)
	if e := body.done(); e != nil {
		return nil, e
	}
	if !set {
		return nil, errNoOperation()
	}
	if ctl := s.sledControl(); ctl != nil && id != enclosureID(rc.snap) {
		// A sled's LED is its controller's: the agent drives it over the
		// live sideband, and only a lit LED is recorded as lit.
		ctx, cancel := context.WithTimeout(context.Background(), sledCommandTimeout)
		err := ctl.SetLocateLED(ctx, findSled(rc.snap, id).Index, on)
		cancel()
		if err != nil {
			return nil, s.sledCommandError(rc, err)
		}
	}
	s.ocp.setIndicator(id, serial, on)
	value := strconv.FormatBool(on)
	s.AppendLog("OK", resourceEventRegistry+"PropertyValueModifiedByClient",
		"The property LocationIndicatorActive was assigned the value '"+value+"' due to modification by a client.",
		[]string{"LocationIndicatorActive", value}, chassisPath(id))
	s.log.Info("locate indicator set", "chassis", id, "on", on, "user", rc.who.user)
	res, err := s.getChassis(rc)
	if err != nil {
		return nil, err
	}
	return &reply{res: res}, nil
}
