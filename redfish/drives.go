package redfish

import (
	"strconv"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sled"
)

func (s *Service) driveRoutes(rt *router) {
	rt.handle(chassisCollectionPath+"/{}/Drives", s.getDriveCollection)
	rt.handle(chassisCollectionPath+"/{}/Drives/{}", s.getDrive)
}

// getDriveCollection lists the occupied slots of a sled. Empty slots have
// no Drive.
func (s *Service) getDriveCollection(rc *reqCtx) (*rendered, error) {
	bay := findSled(rc.snap, rc.params[0])
	if bay == nil {
		return nil, errNotFound(rc.path)
	}
	var members []link
	for _, d := range bay.Sled.Drives {
		if d.Present {
			members = append(members, link{drivePath(rc.params[0], d.Slot)})
		}
	}
	return renderJSON(newCollection(rc.path, schemaDriveCollection, "Drive Collection", members), schemaDriveCollection)
}

func (s *Service) getDrive(rc *reqCtx) (*rendered, error) {
	bay := findSled(rc.snap, rc.params[0])
	if bay == nil {
		return nil, errNotFound(rc.path)
	}
	d := findDrive(bay.Sled, rc.params[1])
	if d == nil {
		return nil, errNotFound(rc.path)
	}
	res := driveResource(rc.params[0], d)
	withFabric(rc.snap, bay.Index, d.Slot, &res)
	return renderJSON(res, schemaDrive)
}

// drive is a Drive resource.
type drive struct {
	ODataID          string     `json:"@odata.id"`
	ODataType        string     `json:"@odata.type"`
	ID               string     `json:"Id"`
	Name             string     `json:"Name"`
	Manufacturer     string     `json:"Manufacturer,omitempty"`
	Model            string     `json:"Model,omitempty"`
	PartNumber       string     `json:"PartNumber,omitempty"`
	SerialNumber     string     `json:"SerialNumber,omitempty"`
	Protocol         string     `json:"Protocol"`
	MediaType        string     `json:"MediaType"`
	SlotFormFactor   string     `json:"SlotFormFactor,omitempty"`
	DriveFormFactor  string     `json:"DriveFormFactor,omitempty"`
	LifeLeftPercent  *int       `json:"PredictedMediaLifeLeftPercent,omitempty"`
	Status           status     `json:"Status"`
	PhysicalLocation location   `json:"PhysicalLocation"`
	Links            driveLinks `json:"Links"`
	Oem              driveOem   `json:"Oem"`
}

type driveLinks struct {
	Chassis link `json:"Chassis"`
	// Endpoints is the drive port's Endpoint in the PCIe fabric.
	Endpoints []link `json:"Endpoints,omitempty"`
}

type driveOem struct {
	Chassisd chassisdDrive `json:"Chassisd"`
}

// chassisdDrive is the NVMe-MI health that Drive has no property for. The
// temperature is also a Sensor (Slot<n>Temp) for clients that read sensors.
type chassisdDrive struct {
	ODataType          string   `json:"@odata.type"`
	TemperatureCelsius *float64 `json:"TemperatureCelsius"`
	// TemperatureStatus says why TemperatureCelsius is null.
	TemperatureStatus string    `json:"TemperatureStatus,omitempty"`
	PercentLifeUsed   *int      `json:"PercentLifeUsed,omitempty"`
	Ready             bool      `json:"Ready"`
	Warnings          []string  `json:"Warnings"`
	Problems          []problem `json:"Problems,omitempty"`
	Sensor            link      `json:"Sensor"`
}

// driveResource renders the drive in a sled's slot.
func driveResource(sledID string, d *sled.Drive) drive {
	state := stateEnabled
	if !d.Status.Ready {
		// NVMe-MI: the drive is not ready to process commands yet.
		state = stateStandbyOffline
	}
	serial := d.SerialNumber
	if serial == "" {
		serial = d.Identity.SerialNumber
	}
	// Life figures are shown only when this read decoded them: a drive
	// that did not answer has no known wear, not 100% left.
	var life, used *int
	if d.StatusValid {
		l, u := 100-d.PercentLifeUsed, d.PercentLifeUsed
		if l < 0 {
			// NVMe lets PercentLifeUsed pass 100 (up to 255) on a drive
			// used beyond its rated endurance.
			l = 0
		}
		life, used = &l, &u
	}
	var temp *float64
	if d.Temperature.Valid {
		t := d.Temperature.Celsius
		temp = &t
	}
	return drive{
		ODataID:         drivePath(sledID, d.Slot),
		ODataType:       schemaDrive.odataType(),
		ID:              slotID(d.Slot),
		Name:            "Drive in " + slotLabel(d.Slot),
		Manufacturer:    d.Identity.Manufacturer,
		Model:           d.Identity.Model,
		PartNumber:      d.Identity.PartNumber,
		SerialNumber:    serial,
		Protocol:        "NVMe",
		MediaType:       "SSD",
		SlotFormFactor:  slotFormFactor(d.FormFactor),
		DriveFormFactor: driveFormFactor(d.FormFactor),
		LifeLeftPercent: life,
		Status:          status{State: state, Health: health(d.Health)},
		PhysicalLocation: location{PartLocation: partLocation{
			ServiceLabel: slotLabel(d.Slot), LocationType: "Slot", LocationOrdinalValue: d.Slot,
		}},
		Links: driveLinks{Chassis: link{chassisPath(sledID)}},
		Oem: driveOem{Chassisd: chassisdDrive{
			ODataType:          schemaOem.typeOf("Drive"),
			TemperatureCelsius: temp,
			TemperatureStatus:  d.Temperature.Status,
			PercentLifeUsed:    used,
			Ready:              d.Status.Ready,
			Warnings:           warningNames(d.Warnings),
			Problems:           problems(d.Problems),
			Sensor:             link{sensorPath(sledID, slotSensorID(d.Slot))},
		}},
	}
}

// Drive has no FormFactor property: since v1_16_0 it has SlotFormFactor
// and DriveFormFactor, both of the Drive.FormFactor enum, whose names the
// board constants already use. The board file declares the form factor a
// slot takes, which is also the drive's: a module of another form factor
// does not fit the slot. An unknown value is left out rather than emitted
// as an invalid enum.

// driveFormFactor is DriveFormFactor.
func driveFormFactor(f board.FormFactor) string {
	switch f {
	case board.FormFactorM2_2230, board.FormFactorM2_2242, board.FormFactorM2_2260,
		board.FormFactorM2_2280, board.FormFactorM2_22110, board.FormFactorU2,
		board.FormFactorEDSFF, board.FormFactorE1S, board.FormFactorE3S:
		return string(f)
	}
	return ""
}

// slotFormFactor is SlotFormFactor. The schema says a slot's form factor
// should not be a generic family (EDSFF, M2), so those are left out.
func slotFormFactor(f board.FormFactor) string {
	if f == board.FormFactorEDSFF {
		return ""
	}
	return driveFormFactor(f)
}

// warningNames lists the raised SMART critical warnings; never null, so a
// client can tell "none" from "not reported".
func warningNames(w sled.DriveWarnings) []string {
	out := []string{}
	for _, x := range []struct {
		on   bool
		name string
	}{
		{w.SpareLow, "SpareLow"},
		{w.TemperatureHigh, "TemperatureHigh"},
		{w.ReliabilityDegraded, "ReliabilityDegraded"},
		{w.ReadOnly, "ReadOnly"},
		{w.VolatileBackupFailed, "VolatileBackupFailed"},
	} {
		if x.on {
			out = append(out, x.name)
		}
	}
	return out
}

// findDrive returns the present drive with the Drive id, or nil.
func findDrive(sl *sled.Sled, id string) *sled.Drive {
	for i := range sl.Drives {
		d := &sl.Drives[i]
		if d.Present && slotID(d.Slot) == id {
			return d
		}
	}
	return nil
}

// slotID is the Drive id of slot n: "Slot1".
func slotID(n int) string { return "Slot" + strconv.Itoa(n) }

func slotLabel(n int) string { return "Slot " + strconv.Itoa(n) }

func drivePath(sledID string, slot int) string {
	return chassisPath(sledID) + "/Drives/" + slotID(slot)
}
