package redfish

import (
	"github.com/chassisd/chassisd/sled"
)

func (s *Service) sensorRoutes(rt *router) {
	rt.handle(chassisCollectionPath+"/{}/Sensors", s.getSensorCollection)
	rt.handle(chassisCollectionPath+"/{}/Sensors/{}", s.getSensor)
}

// getSensorCollection lists a sled's sensors. The enclosure has none yet,
// and its Chassis has no Sensors link, so its collection is not found.
func (s *Service) getSensorCollection(rc *reqCtx) (*rendered, error) {
	bay := findSled(rc.snap, rc.params[0])
	if bay == nil {
		return nil, errNotFound(rc.path)
	}
	all := sledSensors(rc.params[0], bay.Sled)
	members := make([]link, len(all))
	for i, sn := range all {
		members[i] = link{sn.ODataID}
	}
	return renderJSON(newCollection(rc.path, schemaSensorCollection, "Sensor Collection", members), schemaSensorCollection)
}

func (s *Service) getSensor(rc *reqCtx) (*rendered, error) {
	bay := findSled(rc.snap, rc.params[0])
	if bay == nil {
		return nil, errNotFound(rc.path)
	}
	for _, sn := range sledSensors(rc.params[0], bay.Sled) {
		if sn.ID == rc.params[1] {
			return renderJSON(sn, schemaSensor)
		}
	}
	return nil, errNotFound(rc.path)
}

// sensor is a Sensor resource.
type sensor struct {
	ODataID         string     `json:"@odata.id"`
	ODataType       string     `json:"@odata.type"`
	ID              string     `json:"Id"`
	Name            string     `json:"Name"`
	ReadingType     string     `json:"ReadingType"`
	ReadingUnits    string     `json:"ReadingUnits"`
	Reading         *float64   `json:"Reading"` // null when there is no valid reading
	PhysicalContext string     `json:"PhysicalContext"`
	Status          status     `json:"Status"`
	RelatedItem     []link     `json:"RelatedItem"`
	Oem             *sensorOem `json:"Oem,omitempty"`
}

type sensorOem struct {
	Chassisd chassisdSensor `json:"Chassisd"`
}

// chassisdSensor says why a reading is null: "no data", "sensor failure",
// "read failed: ...".
type chassisdSensor struct {
	ODataType     string `json:"@odata.type"`
	ReadingStatus string `json:"ReadingStatus"`
}

// sledSensors is every sensor of the sled, in a fixed order: the sled's
// temperature ("Temp", when the board gives the sled a sensor), then one
// temperature per present drive ("Slot<n>Temp").
func sledSensors(sledID string, sl *sled.Sled) []sensor {
	var out []sensor
	if sl.Temperature.Valid || sl.Temperature.Status != "no sensor" {
		out = append(out, temperatureSensor(sledID, "Temp", "Sled temperature", "Chassis",
			sl.Temperature, false, link{chassisPath(sledID)}))
	}
	for _, d := range sl.Drives {
		if !d.Present {
			continue
		}
		out = append(out, temperatureSensor(sledID, slotSensorID(d.Slot), "Drive temperature, "+slotLabel(d.Slot), "StorageDevice",
			d.Temperature, d.Warnings.TemperatureHigh, link{drivePath(sledID, d.Slot)}))
	}
	return out
}

// temperatureSensor renders one temperature. A reading that is not valid
// is null with the sensor UnavailableOffline and Warning; a drive over its
// temperature threshold is Warning.
func temperatureSensor(sledID, id, name, context string, t sled.Temperature, high bool, related link) sensor {
	sn := sensor{
		ODataID:         sensorPath(sledID, id),
		ODataType:       schemaSensor.odataType(),
		ID:              id,
		Name:            name,
		ReadingType:     "Temperature",
		ReadingUnits:    "Cel",
		PhysicalContext: context,
		Status:          status{State: stateEnabled, Health: sled.HealthOK},
		RelatedItem:     []link{related},
	}
	if !t.Valid {
		sn.Status = status{State: stateUnavailableOffline, Health: sled.HealthWarning}
		reason := t.Status
		if reason == "" {
			reason = "no reading"
		}
		sn.Oem = &sensorOem{Chassisd: chassisdSensor{ODataType: schemaOem.typeOf("Sensor"), ReadingStatus: reason}}
		return sn
	}
	c := t.Celsius
	sn.Reading = &c
	if high {
		sn.Status.Health = sled.HealthWarning
	}
	return sn
}

// slotSensorID is the Sensor id of the drive in slot n: "Slot1Temp".
func slotSensorID(n int) string { return slotID(n) + "Temp" }

func sensorPath(sledID, id string) string {
	return chassisPath(sledID) + "/Sensors/" + id
}
