package pldm_test

import (
	"context"
	"sync"

	"github.com/chassisd/chassisd/sled/pldm"
)

// sled is a small Device: a sled temperature, per-slot drive temperatures
// and state sensors for slots 0..3, and the three kinds of effecter.
type sled struct {
	mu       sync.Mutex
	tid      uint8
	table    []byte
	tableCC  uint8
	temp     int64
	slots    [4]pldm.StateField // health only; presence derived from present
	present  [4]bool
	led      uint8
	power    [4]uint8
	resets   int
	lastSets []pldm.EffecterField
}

func newSled(table []byte) *sled {
	s := &sled{tid: 0, table: table, temp: 31, led: pldm.IdentifyUnasserted}
	for i := range s.slots {
		s.present[i] = i%2 == 0
		s.power[i] = pldm.PowerOn
		s.slots[i] = pldm.StateField{PresentState: pldm.HealthNormal, PreviousState: pldm.HealthNormal, EventState: pldm.HealthNormal}
	}
	return s
}

func (s *sled) TID() uint8 { s.mu.Lock(); defer s.mu.Unlock(); return s.tid }

func (s *sled) SetTID(tid uint8) uint8 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tid = tid
	return pldm.CCSuccess
}

func (s *sled) FRURecordTable() ([]byte, uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.table, s.tableCC
}

func (s *sled) SensorReading(id uint16, _ bool) (pldm.SensorReading, uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := pldm.SensorReading{DataSize: pldm.SensorDataSint16, PresentState: pldm.NumericNormal,
		PreviousState: pldm.NumericNormal, EventState: pldm.NumericNormal}
	if id == pldm.SensorSledTemp {
		r.Value = s.temp
		return r, pldm.CCSuccess
	}
	if slot, ok := pldm.SlotOfTempSensor(id); ok && slot < len(s.present) {
		if !s.present[slot] {
			r.OperationalState, r.PresentState = pldm.SensorUnavailable, pldm.NumericUnknown
			return r, pldm.CCSuccess
		}
		r.DataSize, r.Value = pldm.SensorDataSint8, int64(40+slot)
		return r, pldm.CCSuccess
	}
	return pldm.SensorReading{}, pldm.CCInvalidSensorID
}

func (s *sled) StateSensorReadings(id uint16, _ uint8) ([]pldm.StateField, uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot, ok := pldm.SlotOfStateSensor(id)
	if !ok || slot >= len(s.present) {
		return nil, pldm.CCInvalidSensorID
	}
	presence := pldm.StateField{PresentState: pldm.PresenceNotPresent, PreviousState: pldm.PresenceNotPresent, EventState: pldm.PresenceNotPresent}
	health := pldm.StateField{OperationalState: pldm.SensorStatusUnknown}
	if s.present[slot] {
		presence = pldm.StateField{PresentState: pldm.PresencePresent, PreviousState: pldm.PresencePresent, EventState: pldm.PresencePresent}
		health = s.slots[slot]
	}
	return []pldm.StateField{presence, health}, pldm.CCSuccess
}

func (s *sled) SetStateEffecterStates(id uint16, fields []pldm.EffecterField) uint8 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastSets = fields
	if len(fields) != 1 {
		return pldm.CCInvalidData
	}
	f := fields[0]
	if !f.Set {
		return pldm.CCSuccess
	}
	switch {
	case id == pldm.EffecterLocateLED:
		if f.State != pldm.IdentifyAsserted && f.State != pldm.IdentifyUnasserted {
			return pldm.CCInvalidStateValue
		}
		s.led = f.State
	case id == pldm.EffecterSledReset:
		if f.State != pldm.ResetRequested && f.State != pldm.ResetNormal {
			return pldm.CCInvalidStateValue
		}
		if f.State == pldm.ResetRequested {
			s.resets++
		}
	default:
		slot, ok := pldm.SlotOfPowerEffecter(id)
		if !ok || slot >= len(s.power) {
			return pldm.CCInvalidEffecterID
		}
		if f.State != pldm.PowerOn && f.State != pldm.PowerOff {
			return pldm.CCInvalidStateValue
		}
		s.power[slot] = f.State
	}
	return pldm.CCSuccess
}

// loopback is a Transport that hands each request to Respond, optionally
// rewriting the response on the way back (to corrupt it).
type loopback struct {
	d        pldm.Device
	mu       sync.Mutex
	requests [][]byte
	rewrite  func(req, resp []byte) []byte
}

func (l *loopback) Exchange(_ context.Context, req []byte) ([]byte, error) {
	l.mu.Lock()
	l.requests = append(l.requests, append([]byte(nil), req...))
	l.mu.Unlock()
	resp := pldm.Respond(l.d, req)
	if l.rewrite != nil {
		resp = l.rewrite(req, resp)
	}
	return resp, nil
}
