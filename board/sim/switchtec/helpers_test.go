package switchtec

import (
	"encoding/binary"
	"testing"

	"github.com/chassisd/chassisd/internal/crc"
)

// testConfig: two hosts (partition 0 on port 0, partition 1 on port 8) and
// five drive ports; port 6 trains at Gen3 speed, port 7 is disabled; one
// saved binding puts port 2 at logical 1 of partition 1.
func testConfig() Config {
	return Config{
		Hosts: []Port{{Phys: 0, Width: 4, SpeedGTs: 16}, {Phys: 8, Width: 4, SpeedGTs: 16}},
		Drives: []Port{
			{Phys: 2, Width: 4, SpeedGTs: 16}, {Phys: 3, Width: 4, SpeedGTs: 16},
			{Phys: 5, Width: 4, SpeedGTs: 16}, {Phys: 6, Width: 2, SpeedGTs: 8},
			{Phys: 7, Width: 4, SpeedGTs: 16, Disabled: true},
		},
		Bindings: []Binding{{Partition: 1, Logical: 1, Phys: 2}},
	}
}

// master is a small hand-written I2C master for the tests, independent of
// the driver, so that the emulation is checked against the frames as the
// facts sheet describes them.
type master struct {
	t   *testing.T
	d   *Device
	tag byte
}

const addr = 0x20

func (m *master) write(off uint32, data []byte) (status byte) {
	m.t.Helper()
	m.tag++
	f := []byte{0xEA, byte(5 + len(data)), m.tag}
	f = binary.BigEndian.AppendUint32(f, off)
	f = append(f, data...)
	f = append(f, crc.PEC(crc.PEC(0, addr<<1), f...))
	if err := m.d.Transfer(f, nil); err != nil {
		m.t.Fatalf("GAS write %#x: %v", off, err)
	}
	r := make([]byte, 3)
	if err := m.d.Transfer([]byte{0xE2}, r); err != nil {
		m.t.Fatal(err)
	}
	if r[0] != m.tag || r[2] != crc.PEC(0, addr<<1, 0xE2, addr<<1|1, r[0], r[1]) {
		m.t.Fatalf("write status % x for tag %d", r, m.tag)
	}
	return r[1]
}

func (m *master) read(off uint32, n int) []byte {
	m.t.Helper()
	w := []byte{0xE9, 5, 0, 0, 0, 0, byte(n)}
	binary.BigEndian.PutUint32(w[2:], off)
	r := make([]byte, n+3)
	if err := m.d.Transfer(w, r); err != nil {
		m.t.Fatal(err)
	}
	pec := crc.PEC(crc.PEC(crc.PEC(crc.PEC(0, addr<<1), w...), addr<<1|1), r[:n+2]...)
	if r[0] != byte(n) || r[n+1] != 0 || r[n+2] != pec {
		m.t.Fatalf("GAS read %#x answer % x", off, r)
	}
	return r[1 : n+1]
}

// mrpc runs a command to completion and returns status, return value and
// outLen bytes of output.
func (m *master) mrpc(cmd uint32, payload []byte, outLen int) (status, ret uint32, out []byte) {
	m.t.Helper()
	for i := 0; i < len(payload); i += 24 {
		m.write(uint32(i), payload[i:min(i+24, len(payload))])
	}
	if st := m.write(0x800, binary.LittleEndian.AppendUint32(nil, cmd|0x1F<<18)); st != 0 {
		m.t.Fatalf("command write status %#x", st)
	}
	for range 100 {
		b := m.read(0x804, 8)
		status, ret = binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])
		if status != 1 {
			break
		}
	}
	for i := 0; i < outLen; i += 24 {
		out = append(out, m.read(0x400+uint32(i), min(24, outLen-i))...)
	}
	return status, ret, out
}
