package sim

import "sort"

// StateView is what is plugged into the chassis right now, for the control
// API and for tests. Sled and drive specs use the scenario's keys, so a
// client can PUT back what it GETs.
type StateView struct {
	Board string     `json:"board"`
	Bays  []BayState `json:"bays"`
}

// BayState is one bay: where its segment is, and its sled if present.
type BayState struct {
	Bay  int    `json:"bay"`
	Name string `json:"name"`
	// I2C is the path to the bay's segment, e.g. "i2c-1 ch2".
	I2C     string     `json:"i2c"`
	Present bool       `json:"present"`
	Sled    *SledState `json:"sled,omitempty"`
	// Faults are the injected faults; absent when the bay is healthy.
	Faults *Faults `json:"faults,omitempty"`
}

// SledState is a plugged sled: its spec as it stands (live changes
// applied, defaults filled in) and each slot of its layout.
type SledState struct {
	FRU         FRUSpec     `json:"fru"`
	CorruptFRU  bool        `json:"corrupt_fru"`
	Temperature *float64    `json:"temperature,omitempty"` // nil: the layout has no sensor
	Slots       []SlotState `json:"slots"`
}

// SlotState is one slot of a sled: its form factor and drive, if any.
type SlotState struct {
	Slot       int        `json:"slot"`
	FormFactor string     `json:"form_factor,omitempty"`
	Drive      *DriveSpec `json:"drive,omitempty"`
}

// State returns a snapshot of what is plugged, bays in index order.
func (c *Chassis) State() StateView {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := StateView{Board: c.board.Name, Bays: []BayState{}}
	for _, def := range c.board.Bays {
		if b := c.bays[def.Index]; b != nil {
			v.Bays = append(v.Bays, b.stateLocked())
		}
	}
	sort.Slice(v.Bays, func(i, j int) bool { return v.Bays[i].Bay < v.Bays[j].Bay })
	return v
}

// stateLocked renders one bay; the caller holds the chassis lock.
func (b *bay) stateLocked() BayState {
	st := BayState{Bay: b.def.Index, Name: b.def.Name, I2C: b.def.I2C.String(), Present: b.sled != nil}
	if b.faults != (Faults{}) {
		f := b.faults
		st.Faults = &f
	}
	if b.sled == nil {
		return st
	}
	spec := b.sled.spec.clone()
	ss := &SledState{FRU: spec.FRU, CorruptFRU: spec.CorruptFRU, Slots: []SlotState{}}
	if b.sled.temp != nil {
		t := spec.sledTemperature()
		ss.Temperature = &t
	}
	for _, sd := range b.def.Sled.Slots {
		slot := SlotState{Slot: sd.Index, FormFactor: string(sd.FormFactor)}
		if dr := b.sled.drives[sd.Index]; dr != nil {
			d := dr.spec.clone()
			t := d.driveTemperature()
			d.Temperature = &t
			slot.Drive = &d
		}
		ss.Slots = append(ss.Slots, slot)
	}
	st.Sled = ss
	return st
}

// SledPresent reports whether the bay holds a sled.
func (v StateView) SledPresent(bay int) bool {
	for _, b := range v.Bays {
		if b.Bay == bay {
			return b.Present
		}
	}
	return false
}

// DrivePresent reports whether the slot of the bay's sled holds a drive.
func (v StateView) DrivePresent(bay, slot int) bool {
	for _, b := range v.Bays {
		if b.Bay != bay || b.Sled == nil {
			continue
		}
		for _, s := range b.Sled.Slots {
			if s.Slot == slot {
				return s.Drive != nil
			}
		}
	}
	return false
}
