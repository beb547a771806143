package redfish

import (
	"strings"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/sled"
)

// The thermal and power subsystems of the Chassis, which the OCP baseline
// profile requires. chassisd knows temperatures only: the sled and drive
// sensors of the agent's snapshot. It knows no fans, power supplies,
// power readings or controls, so those collections are empty and no
// reading is made up.

var (
	schemaThermalSubsystem   = schema{name: "ThermalSubsystem", version: "v1_5_0"}
	schemaThermalMetrics     = schema{name: "ThermalMetrics", version: "v1_3_2"}
	schemaFanCollection      = schema{name: "FanCollection"}
	schemaPowerSubsystem     = schema{name: "PowerSubsystem", version: "v1_1_3"}
	schemaEnvironmentMetrics = schema{name: "EnvironmentMetrics", version: "v1_5_0"}
	schemaControlCollection  = schema{name: "ControlCollection"}
)

func (s *Service) chassisSubsystemRoutes(rt *router) {
	c := chassisCollectionPath + "/{}"
	rt.handle(c+"/ThermalSubsystem", s.getThermalSubsystem)
	rt.handle(c+"/ThermalSubsystem/ThermalMetrics", s.getThermalMetrics)
	rt.handle(c+"/ThermalSubsystem/Fans", s.getFans)
	rt.handle(c+"/PowerSubsystem", s.getPowerSubsystem)
	rt.handle(c+"/EnvironmentMetrics", s.getEnvironmentMetrics)
	rt.handle(c+"/Controls", s.getControls)
}

func thermalSubsystemPath(chassisID string) string {
	return chassisPath(chassisID) + "/ThermalSubsystem"
}

// chassisSensors returns the temperature sensors behind a Chassis' thermal
// resources: a sled's own, or for the enclosure those of every sled in it.
// ok is false when the Chassis does not exist.
func chassisSensors(snap *agent.Snapshot, id string) (sensors []sensor, enclosure, ok bool) {
	if snap == nil {
		return nil, false, false
	}
	if id == enclosureID(snap) {
		for _, b := range snap.Bays {
			if b.Sled != nil {
				sensors = append(sensors, sledSensors(sledID(b.Index), b.Sled)...)
			}
		}
		return sensors, true, true
	}
	bay := findSled(snap, id)
	if bay == nil {
		return nil, false, false
	}
	return sledSensors(id, bay.Sled), false, true
}

// sledOnly finds the sled Chassis id: the power resources, environment
// metrics and controls exist for sleds, the profile's Chassis types.
func sledOnly(rc *reqCtx) (*agent.Bay, error) {
	bay := findSled(rc.snap, rc.params[0])
	if bay == nil {
		return nil, errNotFound(rc.path)
	}
	return bay, nil
}

// subsystem is a ThermalSubsystem or PowerSubsystem resource.
type subsystem struct {
	ODataID        string `json:"@odata.id"`
	ODataType      string `json:"@odata.type"`
	ID             string `json:"Id"`
	Name           string `json:"Name"`
	Status         status `json:"Status"`
	ThermalMetrics *link  `json:"ThermalMetrics,omitempty"`
	Fans           *link  `json:"Fans,omitempty"`
}

// getThermalSubsystem: its health is the worst of its temperature sensors.
func (s *Service) getThermalSubsystem(rc *reqCtx) (*rendered, error) {
	sensors, _, ok := chassisSensors(rc.snap, rc.params[0])
	if !ok {
		return nil, errNotFound(rc.path)
	}
	h := sled.HealthOK
	for _, sn := range sensors {
		h = sled.Worse(h, sn.Status.Health)
	}
	base := thermalSubsystemPath(rc.params[0])
	return renderJSON(subsystem{
		ODataID:        base,
		ODataType:      schemaThermalSubsystem.odataType(),
		ID:             "ThermalSubsystem",
		Name:           "Thermal Subsystem",
		Status:         status{State: stateEnabled, Health: h},
		ThermalMetrics: &link{base + "/ThermalMetrics"},
		Fans:           &link{base + "/Fans"},
	}, schemaThermalSubsystem)
}

// sensorExcerpt is a Sensor excerpt copy (Sensor.Sensor in an excerpt
// property): the reading and where it comes from. The array form adds the
// device name and physical context.
type sensorExcerpt struct {
	DataSourceURI   string   `json:"DataSourceUri"`
	Reading         *float64 `json:"Reading"`
	DeviceName      string   `json:"DeviceName,omitempty"`
	PhysicalContext string   `json:"PhysicalContext,omitempty"`
}

type thermalMetrics struct {
	ODataID                    string              `json:"@odata.id"`
	ODataType                  string              `json:"@odata.type"`
	ID                         string              `json:"Id"`
	Name                       string              `json:"Name"`
	TemperatureSummaryCelsius  *temperatureSummary `json:"TemperatureSummaryCelsius,omitempty"`
	TemperatureReadingsCelsius []sensorExcerpt     `json:"TemperatureReadingsCelsius"`
	TemperatureReadingsCount   int                 `json:"TemperatureReadingsCelsius@odata.count"`
}

// temperatureSummary has only Internal: the sled's board sensor. The
// boards have no intake or exhaust sensor.
type temperatureSummary struct {
	Internal *sensorExcerpt `json:"Internal,omitempty"`
}

// sledTempID is the Sensor id of a sled's own temperature (sensors.go).
const sledTempID = "Temp"

// getThermalMetrics lists every temperature reading of the Chassis, null
// where the sensor has none now. A sled's own sensor is also its internal
// temperature summary.
func (s *Service) getThermalMetrics(rc *reqCtx) (*rendered, error) {
	id := rc.params[0]
	sensors, enclosure, ok := chassisSensors(rc.snap, id)
	if !ok {
		return nil, errNotFound(rc.path)
	}
	res := thermalMetrics{
		ODataID:                    thermalSubsystemPath(id) + "/ThermalMetrics",
		ODataType:                  schemaThermalMetrics.odataType(),
		ID:                         "ThermalMetrics",
		Name:                       "Thermal Metrics",
		TemperatureReadingsCelsius: make([]sensorExcerpt, 0, len(sensors)),
	}
	for _, sn := range sensors {
		name := sn.Name
		if enclosure {
			// The enclosure lists every sled's sensors: say whose.
			name = sledOf(sn.ODataID) + " " + name
		}
		res.TemperatureReadingsCelsius = append(res.TemperatureReadingsCelsius, sensorExcerpt{
			DataSourceURI: sn.ODataID, Reading: sn.Reading, DeviceName: name, PhysicalContext: sn.PhysicalContext,
		})
		if !enclosure && sn.ID == sledTempID {
			res.TemperatureSummaryCelsius = &temperatureSummary{Internal: &sensorExcerpt{DataSourceURI: sn.ODataID, Reading: sn.Reading}}
		}
	}
	res.TemperatureReadingsCount = len(res.TemperatureReadingsCelsius)
	return renderJSON(res, schemaThermalMetrics)
}

// sledOf is the Chassis id in a sensor's path: "Sled0" in
// /redfish/v1/Chassis/Sled0/Sensors/Temp.
func sledOf(sensorPath string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(sensorPath, chassisCollectionPath+"/"), "/")
	return id
}

// getFans is the empty fan collection: no board chassisd runs on reports
// a fan to it.
func (s *Service) getFans(rc *reqCtx) (*rendered, error) {
	if _, _, ok := chassisSensors(rc.snap, rc.params[0]); !ok {
		return nil, errNotFound(rc.path)
	}
	return renderJSON(newCollection(rc.path, schemaFanCollection, "Fan Collection", nil), schemaFanCollection)
}

// getPowerSubsystem: a sled takes its power from the enclosure; chassisd
// has no power supply or power reading to show, only that it is powered.
func (s *Service) getPowerSubsystem(rc *reqCtx) (*rendered, error) {
	if _, err := sledOnly(rc); err != nil {
		return nil, err
	}
	return renderJSON(subsystem{
		ODataID:   rc.path,
		ODataType: schemaPowerSubsystem.odataType(),
		ID:        "PowerSubsystem",
		Name:      "Power Subsystem",
		Status:    status{State: stateEnabled, Health: sled.HealthOK},
	}, schemaPowerSubsystem)
}

type environmentMetrics struct {
	ODataID            string         `json:"@odata.id"`
	ODataType          string         `json:"@odata.type"`
	ID                 string         `json:"Id"`
	Name               string         `json:"Name"`
	TemperatureCelsius *sensorExcerpt `json:"TemperatureCelsius,omitempty"`
}

// getEnvironmentMetrics: the sled's temperature, when it has a sensor.
func (s *Service) getEnvironmentMetrics(rc *reqCtx) (*rendered, error) {
	bay, err := sledOnly(rc)
	if err != nil {
		return nil, err
	}
	res := environmentMetrics{
		ODataID:   rc.path,
		ODataType: schemaEnvironmentMetrics.odataType(),
		ID:        "EnvironmentMetrics",
		Name:      "Environment Metrics",
	}
	for _, sn := range sledSensors(rc.params[0], bay.Sled) {
		if sn.ID == sledTempID {
			res.TemperatureCelsius = &sensorExcerpt{DataSourceURI: sn.ODataID, Reading: sn.Reading}
		}
	}
	return renderJSON(res, schemaEnvironmentMetrics)
}

// getControls is the empty control collection: chassisd sets no power
// limit or fan speed.
func (s *Service) getControls(rc *reqCtx) (*rendered, error) {
	if _, err := sledOnly(rc); err != nil {
		return nil, err
	}
	return renderJSON(newCollection(rc.path, schemaControlCollection, "Control Collection", nil), schemaControlCollection)
}
