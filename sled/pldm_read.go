package sled

import (
	"context"
	"fmt"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sled/pldm"
)

// Sidebands a sled can be managed through (Sled.Sideband).
const (
	SidebandI2C  = "I2C"
	SidebandUART = "UART"
	// SidebandNone: the sled is present but answers on no sideband.
	SidebandNone = "None"
)

// ReadPLDM reads a sled from its management controller over PLDM, as the
// agent does when the sled's I2C path is broken: identity from the FRU
// record table, the sled temperature, and each slot's presence, health and
// drive temperature. The controller does not relay NVMe-MI, so drives read
// this way have no serial number, wear or status flags (StatusValid false).
// sideband names the link the client runs over. An error means the
// controller did not answer at all; a sensor it refuses is a Problem.
func ReadPLDM(ctx context.Context, bay board.Bay, c *pldm.Client, sideband string) (Sled, error) {
	s := Sled{Bay: bay.Index, Sideband: sideband, Health: HealthOK, ReadAt: time.Now()}
	id, err := c.ReadIdentity(ctx)
	if err != nil {
		return s, fmt.Errorf("bay %d controller over %s: FRU record table: %w", bay.Index, sideband, err)
	}
	s.Identity = Identity{Manufacturer: id.Manufacturer, Model: id.Model, PartNumber: id.PartNumber,
		SerialNumber: id.SerialNumber, Version: id.Version}
	s.FRUValid = true
	return pollPLDM(ctx, s, bay, c), nil
}

// PollPLDM refreshes what changes over PLDM: temperatures and each slot's
// presence and health. Identity is kept from prev.
func PollPLDM(ctx context.Context, prev Sled, bay board.Bay, c *pldm.Client) Sled {
	s := Sled{Bay: prev.Bay, Identity: prev.Identity, FRUValid: prev.FRUValid, Sideband: prev.Sideband,
		Health: HealthOK, ReadAt: time.Now()}
	return pollPLDM(ctx, s, bay, c)
}

func pollPLDM(ctx context.Context, s Sled, bay board.Bay, c *pldm.Client) Sled {
	where := fmt.Sprintf("bay %d controller over %s", bay.Index, s.Sideband)
	if bay.Sled.Temp != nil {
		s.Temperature = pldmTemperature(ctx, c, pldm.SensorSledTemp)
		if !s.Temperature.Valid {
			s.addProblem(sourceSensor, HealthWarning, fmt.Sprintf("%s: sled temperature: %s", where, s.Temperature.Status))
		}
	} else {
		s.Temperature = Temperature{Status: "no sensor"}
	}
	s.Drives = make([]Drive, len(bay.Sled.Slots))
	for i, slot := range bay.Sled.Slots {
		s.Drives[i] = pldmDrive(ctx, c, slot, where)
	}
	return s
}

// pldmTemperature reads a numeric temperature sensor.
func pldmTemperature(ctx context.Context, c *pldm.Client, id uint16) Temperature {
	r, err := c.GetSensorReading(ctx, id, false)
	switch {
	case err != nil:
		return Temperature{Status: "read failed: " + err.Error()}
	case r.OperationalState == pldm.SensorUnavailable:
		return Temperature{Status: "no data"}
	case r.OperationalState != pldm.SensorEnabled:
		return Temperature{Status: "sensor failure"}
	}
	return Temperature{Celsius: float64(r.Value), Valid: true}
}

// pldmDrive reads a slot's state sensor and, for a present drive, its
// temperature.
func pldmDrive(ctx context.Context, c *pldm.Client, slot board.Slot, where string) Drive {
	d := Drive{Slot: slot.Index, FormFactor: slot.FormFactor, Health: HealthOK}
	st, err := c.GetStateSensorReadings(ctx, pldm.SlotStateSensor(slot.Index), 0)
	if err != nil || len(st) < pldm.SlotStateCount {
		if err == nil {
			err = fmt.Errorf("%d state fields, want %d", len(st), pldm.SlotStateCount)
		}
		// Unknown: shown present and critical rather than silently empty.
		d.Present, d.Health = true, HealthCritical
		d.Problems = []Problem{{Health: HealthCritical, Message: fmt.Sprintf("%s: slot %d state: %v", where, slot.Index, err)}}
		d.Temperature = Temperature{Status: "read failed"}
		return d
	}
	if st[pldm.SlotStatePresence].PresentState != pldm.PresencePresent {
		return d
	}
	d.Present = true
	switch h := st[pldm.SlotStateHealth]; {
	case h.OperationalState != pldm.SensorEnabled:
		d.Health = HealthWarning
		d.Problems = append(d.Problems, Problem{Health: HealthWarning, Message: fmt.Sprintf("%s: slot %d: drive health unknown", where, slot.Index)})
	case h.PresentState == pldm.HealthNormal:
	case h.PresentState == pldm.HealthNonCritical || h.PresentState == pldm.HealthUpperNonCritical || h.PresentState == pldm.HealthLowerNonCritical:
		d.Health = HealthWarning
		d.Problems = append(d.Problems, Problem{Health: HealthWarning, Message: fmt.Sprintf("%s: slot %d: the controller reports the drive non-critical", where, slot.Index)})
	default:
		d.Health = HealthCritical
		d.Problems = append(d.Problems, Problem{Health: HealthCritical, Message: fmt.Sprintf("%s: slot %d: the controller reports the drive critical", where, slot.Index)})
	}
	d.Temperature = pldmTemperature(ctx, c, pldm.SlotTempSensor(slot.Index))
	return d
}
