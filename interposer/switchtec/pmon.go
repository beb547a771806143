package switchtec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/chassisd/chassisd/interposer"
)

// The per-port error counters come from the switch's event counters (MRPC
// PMON): each stack has 64 counters, each counting the events of a type
// mask on a mask of the stack's ports. The driver claims five counters per
// port, at port-in-stack*5, one per error type it reports. A counter counts
// from the moment it is set up, and a switch reset clears the setup, so
// every read first checks the setup and re-arms it when it was lost.

// PMON sub-commands.
const (
	pmonSetup    = 0
	pmonGet      = 2
	pmonGetSetup = 3
)

const (
	setupEntrySize   = 9 // mask u32, in/egress u8, threshold u32
	counterEntrySize = 8 // value u32, threshold u32
)

// Event type bits of a counter's type mask, in the order ErrorCounters
// lists them.
var errorEvents = [...]uint32{
	1 << 13, // bad TLP
	1 << 12, // bad DLLP
	1 << 14, // receiver error
	1 << 10, // replay timer timeout
	1 << 11, // replay number rollover
}

// Errors reads the error counters of physical port phys. The counts start
// when the driver first arms the port's counters (the first call, which
// returns zeros) or when the switch last reset.
func (s *Switch) Errors(ctx context.Context, phys int) (interposer.ErrorCounters, error) {
	var ec interposer.ErrorCounters
	if err := s.lock(ctx); err != nil {
		return ec, err
	}
	defer s.unlock()
	stk, ok := s.stacks[phys]
	if !ok {
		if _, _, err := s.linkStatus(ctx); err != nil {
			return ec, fmt.Errorf("%s: error counters of physical port %d: %w", s, phys, err)
		}
		if stk, ok = s.stacks[phys]; !ok {
			return ec, fmt.Errorf("%s: error counters: no physical port %d", s, phys)
		}
	}
	stack, port := stk>>4, stk&0x0F
	if port > 7 {
		return ec, fmt.Errorf("%s: error counters of physical port %d: port %d of stack %d is outside the 8-port counter mask", s, phys, port, stack)
	}
	first := port * byte(len(errorEvents))
	want := counterSetup(port)
	got, err := s.pmon(ctx, []byte{pmonGetSetup, stack, first, byte(len(errorEvents)), 0}, len(want))
	if err != nil {
		return ec, fmt.Errorf("%s: error counters of physical port %d: %w", s, phys, err)
	}
	if !bytes.Equal(got, want) {
		cmd := append([]byte{pmonSetup, stack, first, byte(len(errorEvents))}, want...)
		if _, err := s.pmon(ctx, cmd, 0); err != nil {
			return ec, fmt.Errorf("%s: arm error counters of physical port %d: %w", s, phys, err)
		}
		return ec, nil
	}
	out, err := s.pmon(ctx, []byte{pmonGet, stack, first, byte(len(errorEvents)), 0}, len(errorEvents)*counterEntrySize)
	if err != nil {
		return ec, fmt.Errorf("%s: error counters of physical port %d: %w", s, phys, err)
	}
	return parseCounters(out)
}

// pmon runs a PMON command and reads n bytes of output.
func (s *Switch) pmon(ctx context.Context, payload []byte, n int) ([]byte, error) {
	var out []byte
	err := s.mrpc(ctx, mrpcPMON, payload, func(t *twi) (err error) {
		if n == 0 {
			return nil
		}
		out, err = t.read(gasOutput, n)
		return err
	})
	return out, err
}

// counterSetup is the setup of a port's five counters as the switch stores
// and reports it: per counter, type mask in b31:8 and port mask in b7:0
// (u32 LE), ingress (0) with no high type bits, no threshold.
func counterSetup(port byte) []byte {
	b := make([]byte, 0, len(errorEvents)*setupEntrySize)
	for _, ev := range errorEvents {
		b = binary.LittleEndian.AppendUint32(b, ev<<8|1<<port)
		b = append(b, 0)
		b = binary.LittleEndian.AppendUint32(b, 0)
	}
	return b
}

// parseCounters decodes the five counter values (u32 LE, each followed by
// its threshold).
func parseCounters(b []byte) (interposer.ErrorCounters, error) {
	var ec interposer.ErrorCounters
	if len(b) != len(errorEvents)*counterEntrySize {
		return ec, fmt.Errorf("event counters are %d bytes, want %d", len(b), len(errorEvents)*counterEntrySize)
	}
	v := func(i int) uint64 { return uint64(binary.LittleEndian.Uint32(b[i*counterEntrySize:])) }
	ec.BadTLP, ec.BadDLLP, ec.ReceiverErrors, ec.ReplayTimeouts, ec.ReplayRollovers = v(0), v(1), v(2), v(3), v(4)
	return ec, nil
}
