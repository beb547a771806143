package sled

import (
	"errors"
	"fmt"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/sled/fru"
	"github.com/chassisd/chassisd/sled/nvmemi"
	"periph.io/x/conn/v3/i2c"
)

// Runner runs fn with exclusive use of the bus behind path, its mux channels
// selected. The agent binds it to a bus owner, a context and a service level;
// tests bind it to a fake bus.
type Runner func(path board.Path, fn func(bus i2c.Bus) error) error

// Read reads everything about the sled in bay: its FRU identity, its
// temperature and every drive slot. A part that fails to answer or answers
// nonsense becomes a Problem on the sled or drive; Read itself never fails,
// so one bad device never hides the rest of the sled.
func Read(bay board.Bay, run Runner) Sled {
	s := Sled{Bay: bay.Index, Sideband: SidebandI2C, Health: HealthOK, ReadAt: time.Now()}
	layout := bay.Sled

	img, err := readFRU(bay.I2C, layout.FRU, run)
	if err == nil {
		s.Identity, s.FRUValid, err = identityFromImage(img)
	}
	if err != nil {
		health := HealthWarning
		if errors.Is(err, board.ErrNACK) || errors.Is(err, board.ErrTimeout) || errors.Is(err, board.ErrBusError) {
			// The sled is present but its FRU does not answer: its I2C
			// path is suspect, not just its contents.
			health = HealthCritical
		}
		s.addProblem(sourceFRU, health, fmt.Sprintf("bay %d FRU at %#02x on %s: %v", bay.Index, layout.FRU.Addr, bay.I2C, err))
	}

	s.Temperature = readTemperature(&s, bay, run)
	s.Drives = make([]Drive, len(layout.Slots))
	for i, slot := range layout.Slots {
		s.Drives[i] = readDrive(bay, slot, Drive{}, run)
	}
	return s
}

// Poll refreshes what changes while a sled runs: its temperature and each
// drive's health; a slot that gained a drive is read in full, one that lost
// it is marked empty. Identity is kept from prev.
func Poll(prev Sled, bay board.Bay, run Runner) Sled {
	s := Sled{
		Bay:      prev.Bay,
		Identity: prev.Identity,
		FRUValid: prev.FRUValid,
		Sideband: prev.Sideband,
		Health:   HealthOK,
		ReadAt:   time.Now(),
	}
	for _, p := range prev.Problems {
		if p.source == sourceFRU {
			s.Problems = append(s.Problems, p)
			s.Health = Worse(s.Health, p.Health)
		}
	}
	s.Temperature = readTemperature(&s, bay, run)
	s.Drives = make([]Drive, len(bay.Sled.Slots))
	for i, slot := range bay.Sled.Slots {
		var old Drive
		if i < len(prev.Drives) {
			old = prev.Drives[i]
		}
		s.Drives[i] = readDrive(bay, slot, old, run)
	}
	return s
}

func readFRU(path board.Path, e board.EEPROM, run Runner) ([]byte, error) {
	var img []byte
	err := run(path, func(bus i2c.Bus) error {
		var err error
		img, err = ReadFRUImage(&i2c.Dev{Bus: bus, Addr: e.Addr}, e)
		return err
	})
	return img, err
}

// identityFromImage parses a FRU image. A FRU with some bad areas still
// yields what its good areas say, with the error.
func identityFromImage(img []byte) (Identity, bool, error) {
	f, err := fru.Parse(img)
	if f == nil {
		return Identity{}, false, err
	}
	return identityOf(f), err == nil, err
}

// identityOf prefers the product area (what the part is sold as), then the
// board area, then the chassis area.
func identityOf(f *fru.FRU) Identity {
	var id Identity
	pick := func(dst *string, vals ...string) {
		for _, v := range vals {
			if v != "" {
				*dst = v
				return
			}
		}
	}
	var p fru.ProductArea
	var b fru.BoardArea
	var c fru.ChassisArea
	if f.Product != nil {
		p = *f.Product
	}
	if f.Board != nil {
		b = *f.Board
		id.ManufactureDate = b.MfgDate
	}
	if f.Chassis != nil {
		c = *f.Chassis
	}
	pick(&id.Manufacturer, p.Manufacturer, b.Manufacturer)
	pick(&id.Model, p.Name, b.ProductName)
	pick(&id.PartNumber, p.PartNumber, b.PartNumber, c.PartNumber)
	pick(&id.SerialNumber, p.SerialNumber, b.SerialNumber, c.SerialNumber)
	id.Version = p.Version
	id.AssetTag = p.AssetTag
	return id
}

func readTemperature(s *Sled, bay board.Bay, run Runner) Temperature {
	ts := bay.Sled.Temp
	if ts == nil {
		return Temperature{Status: "no sensor"}
	}
	bits := 9
	if ts.Type == board.SensorTMP75 {
		bits = 12
	}
	var t Temperature
	err := run(bay.I2C, func(bus i2c.Bus) error {
		var err error
		t, err = ReadLM75(&i2c.Dev{Bus: bus, Addr: ts.Addr}, bits)
		return err
	})
	if err != nil {
		s.addProblem(sourceSensor, HealthWarning, fmt.Sprintf("bay %d temperature sensor at %#02x on %s: %v", bay.Index, ts.Addr, bay.I2C, err))
	}
	return t
}

// readDrive reads one slot. With a present old drive only the status block
// is read; otherwise the slot is probed with a full basic-management read
// (status and identification in one transaction) and the VPD.
func readDrive(bay board.Bay, slot board.Slot, old Drive, run Runner) Drive {
	d := Drive{Slot: slot.Index, FormFactor: slot.FormFactor, Health: HealthOK}
	path := bay.I2C
	if slot.Hop != nil {
		path = path.Extend(*slot.Hop)
	}
	where := fmt.Sprintf("bay %d slot %d NVMe-MI at %#02x on %s", bay.Index, slot.Index, slot.NVMeMI, path)

	var st nvmemi.Status
	var id nvmemi.ID
	var vpd []byte
	var vpdErr error
	known := old.Present
	err := run(path, func(bus i2c.Bus) error {
		var err error
		dev := &i2c.Dev{Bus: bus, Addr: slot.NVMeMI}
		if known {
			st, err = nvmemi.ReadStatus(dev, slot.NVMeMI)
			return err
		}
		if st, id, err = nvmemi.ReadBasic(dev, slot.NVMeMI); err != nil {
			return err
		}
		if slot.VPD.Addr != 0 {
			vpd, vpdErr = ReadFRUImage(&i2c.Dev{Bus: bus, Addr: slot.VPD.Addr}, slot.VPD)
		}
		return nil
	})
	switch {
	case err != nil && errors.Is(err, board.ErrNACK) && !known:
		// Nothing answers in an empty slot.
		return d
	case err != nil:
		d = old
		d.Slot, d.FormFactor = slot.Index, slot.FormFactor
		d.Present = true
		d.StatusValid = false
		d.Health = HealthCritical
		d.Problems = []Problem{{Health: HealthCritical, Message: fmt.Sprintf("%s: %v", where, err)}}
		d.Temperature = Temperature{Status: "read failed"}
		return d
	}

	d.Present = true
	if known {
		d.Identity, d.VendorID, d.SerialNumber = old.Identity, old.VendorID, old.SerialNumber
		d.Problems = append(d.Problems, old.vpdProblems()...)
	} else {
		d.VendorID, d.SerialNumber = id.VendorID, id.SerialNumber
		if slot.VPD.Addr != 0 {
			if vpdErr == nil {
				d.Identity, _, vpdErr = identityFromImage(vpd)
			}
			if vpdErr != nil {
				d.Problems = append(d.Problems, Problem{Health: HealthWarning, source: sourceFRU,
					Message: fmt.Sprintf("bay %d slot %d VPD at %#02x on %s: %v", bay.Index, slot.Index, slot.VPD.Addr, path, vpdErr)})
			}
		}
		if d.Identity.SerialNumber == "" {
			d.Identity.SerialNumber = id.SerialNumber
		}
	}
	d.StatusValid = true
	d.Status, d.Warnings = DriveStatus(st.Flags), DriveWarnings(st.Warnings)
	d.Temperature, d.PercentLifeUsed = Temperature(st.Temperature), st.PercentLifeUsed
	h, problems := nvmemi.Health(st)
	for _, p := range problems {
		d.Problems = append(d.Problems, Problem{Health: Health(p.Health), Message: p.Message})
	}
	d.Health = Health(h)
	for _, p := range d.Problems {
		d.Health = Worse(d.Health, p.Health)
	}
	return d
}

func (d Drive) vpdProblems() []Problem {
	var out []Problem
	for _, p := range d.Problems {
		if p.source == sourceFRU {
			out = append(out, p)
		}
	}
	return out
}

func (s *Sled) addProblem(src problemSource, h Health, msg string) {
	s.Problems = append(s.Problems, Problem{Health: h, Message: msg, source: src})
	s.Health = Worse(s.Health, h)
}
