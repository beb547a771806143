package switchtec

import (
	"encoding/binary"
	"testing"
)

// FuzzTransfer feeds arbitrary transactions: the input is a sequence of
// [write length][write bytes][read length]. The device must never panic,
// whatever the master sends.
func FuzzTransfer(f *testing.F) {
	f.Add([]byte{1, 0xE0, 2})
	f.Add([]byte{12, 0xEA, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 2, 5, 0x1B, 0, 1, 0xE2, 3,
		12, 0xEA, 0x09, 0x02, 0, 0, 8, 0, 0x0C, 0, 0x7C, 0, 0x58, 0, 7, 0xE9, 5, 0, 0, 8, 4, 8, 11})
	f.Add([]byte{7, 0xE9, 5, 0xFF, 0xFF, 0xFF, 0xFF, 27, 30})
	f.Fuzz(func(t *testing.T, prog []byte) {
		cfg := testConfig()
		cfg.BusyPolls = 1
		d := New(cfg)
		for len(prog) > 0 {
			n := int(prog[0])
			prog = prog[1:]
			w := prog[:min(n, len(prog))]
			prog = prog[len(w):]
			rn := 0
			if len(prog) > 0 {
				rn = int(prog[0]) % 40
				prog = prog[1:]
			}
			d.Transfer(w, make([]byte, rn))
		}
	})
}

// FuzzCommand runs any MRPC command on any payload through well-formed
// frames: the command decoders must never panic.
func FuzzCommand(f *testing.F) {
	f.Add(uint16(0x0C), []byte{0, 0, 2, 5})
	f.Add(uint16(0x0C), []byte{2, 0xFF, 0, 0})
	f.Add(uint16(0x1C), []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add(uint16(0x07), []byte{0, 7, 60, 4, 0xFF, 0xFF, 0xFF, 0xFF, 0x80})
	f.Add(uint16(0x100), []byte{1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, cmd uint16, payload []byte) {
		d := New(testConfig())
		d.InjectErrors(5, 3)
		m := &master{t: t, d: d}
		if len(payload) > mailboxSize {
			payload = payload[:mailboxSize]
		}
		for i := 0; i < len(payload); i += 24 {
			m.write(uint32(i), payload[i:min(i+24, len(payload))])
		}
		m.write(gasCmd, binary.LittleEndian.AppendUint32(nil, uint32(cmd)|paxLocal<<18))
		st := binary.LittleEndian.Uint32(m.read(gasStatus, 4))
		if st != statusDone && st != statusError {
			t.Fatalf("status %#x", st)
		}
		m.read(gasOutput, 24)
	})
}
