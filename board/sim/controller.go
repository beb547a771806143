package sim

import (
	"math"
	"sync"

	"github.com/chassisd/chassisd/sled/pldm"
)

// controller is a sled's management controller (MCU): the PLDM terminus
// behind both of its sidebands, with the layout of sled/pldm's layout.go.
// What it reports comes from the sled as it stands in the chassis, so a
// live change shows over UART exactly as over I2C.
type controller struct {
	c   *Chassis
	bay *bay

	mu  sync.Mutex
	tid uint8
	led bool
	// slotOff lists slots whose power the agent switched off.
	slotOff map[int]bool
	// resets counts reset pulses seen; a controller with FaultAfterReset
	// stays silent until the first.
	resets int
	// resetAsserted is the reset line's state, to see a pulse end.
	resetAsserted bool
	// links are its MCTP endpoints (controller_mctp.go).
	links *mctpLinks
}

func newController(c *Chassis, b *bay) *controller {
	m := &controller{c: c, bay: b, tid: 0, slotOff: map[int]bool{}}
	m.startLinks()
	return m
}

// powerOn is a new sled's controller starting: no TID, no EID, LED off,
// every slot powered.
func (m *controller) powerOn() {
	m.mu.Lock()
	m.tid, m.led, m.resets = 0, false, 0
	clear(m.slotOff)
	m.mu.Unlock()
	m.links.setEID(0)
}

// answers reports whether the controller answers on a sideband now,
// given its bay's faults.
func (m *controller) answers(uart bool) bool {
	m.c.mu.Lock()
	f := m.bay.faults.MCU
	present := m.bay.sled != nil
	m.c.mu.Unlock()
	m.mu.Lock()
	resets := m.resets
	m.mu.Unlock()
	switch {
	case !present, f == FaultMute:
		return false
	case f == FaultAfterReset && resets == 0:
		return false
	case f == FaultUARTOnly && !uart:
		return false
	}
	return true
}

// resetLine follows the bay's reset line: a pulse is an assertion followed
// by a release. A pulse restarts the controller: its TID and LED go back
// to their power-on values.
func (m *controller) resetLine(asserted bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.resetAsserted && !asserted {
		m.resets++
		m.tid = 0
		m.led = false
	}
	m.resetAsserted = asserted
}

// LED reports the locate LED, for tests and the state view.
func (m *controller) LED() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.led
}

// TID implements pldm.Device.
func (m *controller) TID() uint8 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tid
}

// SetTID implements pldm.Device.
func (m *controller) SetTID(tid uint8) uint8 {
	m.mu.Lock()
	m.tid = tid
	m.mu.Unlock()
	return pldm.CCSuccess
}

// FRURecordTable implements pldm.Device: the sled's FRU identity as one
// general FRU record.
func (m *controller) FRURecordTable() ([]byte, uint8) {
	m.c.mu.Lock()
	sl := m.bay.sled
	if sl == nil {
		m.c.mu.Unlock()
		return nil, pldm.CCFRUTableUnavailable
	}
	f := sl.spec.FRU
	m.c.mu.Unlock()
	id := pldm.Identity{
		Manufacturer: f.Manufacturer, Model: f.Product, PartNumber: f.PartNumber,
		SerialNumber: f.SerialNumber, Version: f.Version,
	}
	return pldm.EncodeFRURecordTable(pldm.RecordsFromIdentity(1, id)), pldm.CCSuccess
}

// SensorReading implements pldm.Device: the sled temperature and each
// slot's drive temperature.
func (m *controller) SensorReading(id uint16, _ bool) (pldm.SensorReading, uint8) {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	sl := m.bay.sled
	if sl == nil {
		return pldm.SensorReading{}, pldm.CCInvalidSensorID
	}
	if id == pldm.SensorSledTemp {
		if sl.temp == nil {
			return pldm.SensorReading{}, pldm.CCInvalidSensorID
		}
		return reading(sl.spec.sledTemperature()), pldm.CCSuccess
	}
	slot, ok := pldm.SlotOfTempSensor(id)
	if !ok {
		return pldm.SensorReading{}, pldm.CCInvalidSensorID
	}
	if _, ok := slotDef(m.bay.def.Sled, slot); !ok {
		return pldm.SensorReading{}, pldm.CCInvalidSensorID
	}
	dr := sl.drives[slot]
	if dr == nil || m.slotOffLocked(slot) {
		return pldm.SensorReading{DataSize: pldm.SensorDataSint16, OperationalState: pldm.SensorUnavailable}, pldm.CCSuccess
	}
	return reading(float64(dr.spec.driveTemperature())), pldm.CCSuccess
}

func (m *controller) slotOffLocked(slot int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.slotOff[slot]
}

// reading is a whole-degree temperature reading.
func reading(celsius float64) pldm.SensorReading {
	return pldm.SensorReading{
		DataSize:         pldm.SensorDataSint16,
		OperationalState: pldm.SensorEnabled,
		Value:            int64(math.Round(celsius)),
	}
}

// StateSensorReadings implements pldm.Device: each slot's presence and
// health.
func (m *controller) StateSensorReadings(id uint16, _ uint8) ([]pldm.StateField, uint8) {
	slot, ok := pldm.SlotOfStateSensor(id)
	if !ok {
		return nil, pldm.CCInvalidSensorID
	}
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	sl := m.bay.sled
	if _, ok := slotDef(m.bay.def.Sled, slot); !ok || sl == nil {
		return nil, pldm.CCInvalidSensorID
	}
	dr := sl.drives[slot]
	if dr == nil || m.slotOffLocked(slot) {
		return []pldm.StateField{
			{OperationalState: pldm.SensorEnabled, PresentState: pldm.PresenceNotPresent},
			{OperationalState: pldm.SensorStatusUnknown, PresentState: pldm.HealthUnknown},
		}, pldm.CCSuccess
	}
	return []pldm.StateField{
		{OperationalState: pldm.SensorEnabled, PresentState: pldm.PresencePresent},
		{OperationalState: pldm.SensorEnabled, PresentState: driveHealthState(dr.spec)},
	}, pldm.CCSuccess
}

// driveHealthState is what the controller makes of a drive's NVMe-MI
// status: a critical warning is critical, heavy wear is non-critical.
func driveHealthState(d DriveSpec) uint8 {
	switch {
	case len(d.Warnings) > 0:
		return pldm.HealthCritical
	case d.PercentUsed >= 90:
		return pldm.HealthNonCritical
	}
	return pldm.HealthNormal
}

// SetStateEffecterStates implements pldm.Device: the locate LED, slot
// power and the sled reset.
func (m *controller) SetStateEffecterStates(id uint16, fields []pldm.EffecterField) uint8 {
	if len(fields) != 1 {
		return pldm.CCInvalidData
	}
	f := fields[0]
	if !f.Set {
		return pldm.CCSuccess
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case id == pldm.EffecterLocateLED:
		switch f.State {
		case pldm.IdentifyAsserted:
			m.led = true
		case pldm.IdentifyUnasserted:
			m.led = false
		default:
			return pldm.CCUnsupportedEffecterState
		}
	case id == pldm.EffecterSledReset:
		switch f.State {
		case pldm.ResetRequested:
			m.resets++
			m.tid = 0
			m.led = false
		case pldm.ResetNormal:
		default:
			return pldm.CCUnsupportedEffecterState
		}
	default:
		slot, ok := pldm.SlotOfPowerEffecter(id)
		if !ok {
			return pldm.CCInvalidEffecterID
		}
		if _, ok := slotDef(m.bay.def.Sled, slot); !ok {
			return pldm.CCInvalidEffecterID
		}
		switch f.State {
		case pldm.PowerOn:
			delete(m.slotOff, slot)
		case pldm.PowerOff:
			m.slotOff[slot] = true
		default:
			return pldm.CCUnsupportedEffecterState
		}
	}
	return pldm.CCSuccess
}

var _ pldm.Device = (*controller)(nil)

// LocateLED reports whether the locate LED of the sled in a bay is lit
// (its controller drives it).
func (c *Chassis) LocateLED(bayIndex int) (bool, error) {
	c.mu.Lock()
	b, err := c.sledBayLocked(bayIndex)
	c.mu.Unlock()
	if err != nil {
		return false, err
	}
	return b.ctrl.LED(), nil
}

// Resets counts the reset pulses the controller in a bay has seen since
// its sled was plugged.
func (c *Chassis) Resets(bayIndex int) (int, error) {
	c.mu.Lock()
	b, err := c.bayLocked(bayIndex)
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	b.ctrl.mu.Lock()
	defer b.ctrl.mu.Unlock()
	return b.ctrl.resets, nil
}
