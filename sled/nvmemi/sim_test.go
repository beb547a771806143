package nvmemi_test

import (
	"errors"
	"testing"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim/i2csim"
	"github.com/chassisd/chassisd/board/sim/nvmebasic"
	"github.com/chassisd/chassisd/sideband"
	"github.com/chassisd/chassisd/sled/nvmemi"
	"periph.io/x/conn/v3/i2c"
)

var allSim = nvmebasic.Warnings{SpareLow: true, TemperatureHigh: true,
	ReliabilityDegraded: true, ReadOnly: true, VolatileBackupFailed: true}

// simDrive puts an emulated drive at 0x6A on a 100 kHz bus.
func simDrive(t *testing.T) (*i2csim.Bus, *nvmebasic.Endpoint, *i2c.Dev) {
	t.Helper()
	bus := i2csim.NewBus("i2c-sim", 100_000)
	ep := nvmebasic.New(0x6A, nvmebasic.Identity{VendorID: 0x8086, SerialNumber: "PHLF0123456789AB"})
	bus.Root().Attach(0x6A, ep)
	return bus, ep, &i2c.Dev{Bus: bus, Addr: 0x6A}
}

func TestReadBasicFromSim(t *testing.T) {
	bus, ep, dev := simDrive(t)
	ep.SetPercentLifeUsed(3)
	st, id, err := nvmemi.ReadBasic(dev, 0x6A)
	if err != nil {
		t.Fatal(err)
	}
	if st != healthy || id != goldenID {
		t.Errorf("got %+v %+v, want %+v %+v", st, id, healthy, goldenID)
	}
	// One transaction: a+W, cmd, a+R, 32 bytes.
	if s := bus.Stats(); s.Transactions != 1 || s.Bytes != 35 {
		t.Errorf("bus stats %+v, want 1 transaction of 35 bytes", s)
	}
	bus.ResetStats()
	if _, err := nvmemi.ReadStatus(dev, 0x6A); err != nil {
		t.Fatal(err)
	}
	// a+W, cmd, a+R, count, 6 data, PEC.
	if s := bus.Stats(); s.Transactions != 1 || s.Bytes != 11 {
		t.Errorf("bus stats %+v, want 1 transaction of 11 bytes", s)
	}
}

// What the simulator is told shows up, decoded, in the agent's status and
// health.
func TestHealthFromSim(t *testing.T) {
	tests := []struct {
		name string
		set  func(e *nvmebasic.Endpoint)
		want nvmemi.Status
		h    nvmemi.Level
	}{
		{"healthy", func(e *nvmebasic.Endpoint) { e.SetPercentLifeUsed(3) }, healthy, nvmemi.OK},
		{"spare", func(e *nvmebasic.Endpoint) {
			e.SetPercentLifeUsed(3)
			e.SetWarnings(nvmebasic.Warnings{SpareLow: true})
		}, with(func(s *nvmemi.Status) { s.Warnings.SpareLow = true }), nvmemi.Critical},
		{"hot", func(e *nvmebasic.Endpoint) {
			e.SetPercentLifeUsed(3)
			e.SetTemperature(85)
			e.SetWarnings(nvmebasic.Warnings{TemperatureHigh: true})
		}, with(func(s *nvmemi.Status) {
			s.Warnings.TemperatureHigh = true
			s.Temperature.Celsius = 85
		}), nvmemi.Warning},
		{"every warning", func(e *nvmebasic.Endpoint) {
			e.SetPercentLifeUsed(3)
			e.SetWarnings(allSim)
		}, with(func(s *nvmemi.Status) { s.Warnings = allWarnings }), nvmemi.Critical},
		{"not ready", func(e *nvmebasic.Endpoint) { e.SetPercentLifeUsed(3); e.SetReady(false) },
			with(func(s *nvmemi.Status) { s.Flags.Ready = false }), nvmemi.Warning},
		{"not functional", func(e *nvmebasic.Endpoint) { e.SetPercentLifeUsed(3); e.SetFunctional(false) },
			with(func(s *nvmemi.Status) { s.Flags.Functional = false }), nvmemi.Critical},
		{"no data", func(e *nvmebasic.Endpoint) { e.SetPercentLifeUsed(3); e.SetTemperatureCode(0x80) },
			with(func(s *nvmemi.Status) { s.Temperature = nvmemi.Temperature{Status: "no data"} }), nvmemi.Warning},
		{"sensor failure", func(e *nvmebasic.Endpoint) { e.SetPercentLifeUsed(3); e.SetTemperatureCode(0x81) },
			with(func(s *nvmemi.Status) { s.Temperature = nvmemi.Temperature{Status: "sensor failure"} }), nvmemi.Warning},
		{"very hot", func(e *nvmebasic.Endpoint) { e.SetPercentLifeUsed(3); e.SetTemperature(300) },
			with(func(s *nvmemi.Status) { s.Temperature.Celsius = 127 }), nvmemi.OK},
		{"very cold", func(e *nvmebasic.Endpoint) { e.SetPercentLifeUsed(3); e.SetTemperature(-80) },
			with(func(s *nvmemi.Status) { s.Temperature.Celsius = -60 }), nvmemi.OK},
		{"below zero", func(e *nvmebasic.Endpoint) { e.SetPercentLifeUsed(3); e.SetTemperature(-5) },
			with(func(s *nvmemi.Status) { s.Temperature.Celsius = -5 }), nvmemi.OK},
		{"worn out", func(e *nvmebasic.Endpoint) { e.SetPercentLifeUsed(300) },
			with(func(s *nvmemi.Status) { s.PercentLifeUsed = 255 }), nvmemi.Warning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ep, dev := simDrive(t)
			tt.set(ep)
			st, _, err := nvmemi.ReadBasic(dev, 0x6A)
			if err != nil {
				t.Fatal(err)
			}
			if st != tt.want {
				t.Errorf("ReadBasic status\n got  %+v\n want %+v", st, tt.want)
			}
			// The arbitration bit is set again after every read.
			if st, err = nvmemi.ReadStatus(dev, 0x6A); err != nil || st != tt.want {
				t.Errorf("ReadStatus = %+v, %v; want %+v", st, err, tt.want)
			}
			if h, _ := nvmemi.Health(st); h != tt.h {
				t.Errorf("health %s, want %s", h, tt.h)
			}
		})
	}
}

func TestCorruptPECFromSim(t *testing.T) {
	_, ep, dev := simDrive(t)
	ep.SetCorruptPEC(true)
	if _, _, err := nvmemi.ReadBasic(dev, 0x6A); !errors.Is(err, sideband.ErrPEC) {
		t.Errorf("ReadBasic: %v, want a PEC mismatch", err)
	}
	if _, err := nvmemi.ReadStatus(dev, 0x6A); !errors.Is(err, sideband.ErrPEC) {
		t.Errorf("ReadStatus: %v, want a PEC mismatch", err)
	}
	ep.SetCorruptPEC(false)
	if _, _, err := nvmemi.ReadBasic(dev, 0x6A); err != nil {
		t.Errorf("ReadBasic after the fault cleared: %v", err)
	}
}

// The arbitration protocol: a master clears the bit with Send Byte 0xFF,
// reads it clear, and the drive sets it again once that read completes.
func TestArbitrationFromSim(t *testing.T) {
	_, _, dev := simDrive(t)
	if err := sideband.SendByte(dev, 0xFF); err != nil {
		t.Fatal(err)
	}
	st, err := nvmemi.ReadStatus(dev, 0x6A)
	if err != nil {
		t.Fatal(err)
	}
	if st.Arbitration {
		t.Error("arbitration bit set right after Send Byte ff")
	}
	if st, _ = nvmemi.ReadStatus(dev, 0x6A); !st.Arbitration {
		t.Error("arbitration bit clear after a completed read")
	}
}

// The other access style: random Read Byte / Read Word at the offsets
// facebook/openbmc uses, served from the same structure.
func TestRandomAccessFromSim(t *testing.T) {
	_, ep, dev := simDrive(t)
	ep.SetTemperature(41)
	if b, err := sideband.ReadByteData(dev, 3); err != nil || b != 41 {
		t.Errorf("Read Byte at 3: %d, %v; want 41", b, err)
	}
	// The VID is MSB first in the structure; an SMBus word is LE, so the
	// word read comes back byte-swapped.
	if w, err := sideband.ReadWordData(dev, 9); err != nil || w != 0x8680 {
		t.Errorf("Read Word at 9: %#04x, %v; want 0x8680", w, err)
	}
}

func TestEmptySlotFromSim(t *testing.T) {
	bus, _, _ := simDrive(t)
	bus.Root().Detach(0x6A)
	_, _, err := nvmemi.ReadBasic(&i2c.Dev{Bus: bus, Addr: 0x6A}, 0x6A)
	if !errors.Is(err, board.ErrNACK) {
		t.Errorf("ReadBasic of an empty slot: %v, want a NACK", err)
	}
}
