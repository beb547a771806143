package switchtec

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/chassisd/chassisd/interposer"
)

// PORTPARTP2P sub-commands.
const (
	subBind   = 0x00
	subUnbind = 0x01
	subInfo   = 0x02
)

// unbindOption is the option byte switchtec-user always sends with an unbind.
const unbindOption = 2

// allPorts asks bind info for every physical port.
const allPorts = 0xFF

// maxBindEntries is the size of the bind info table.
const maxBindEntries = 48

// ErrBindInProgress means the switch reports a bind or unbind still in
// progress on a port: read again later.
var ErrBindInProgress = errors.New("bind in progress")

// Bind result codes in b3:0 of a bind info entry's state; b7:4 is 1 when
// the port is bound.
const (
	bindOK   = 0
	bindFail = 1
	bindBusy = 2
)

// bindEntry is one row of the bind info table.
type bindEntry struct {
	phys, part, log byte
	state           byte
}

func (e bindEntry) bound() bool  { return e.state>>4 == 1 }
func (e bindEntry) result() byte { return e.state & 0x0F }

// Bind binds physical port b.Phys to logical port b.Logical of partition
// b.Partition.
func (s *Switch) Bind(ctx context.Context, b interposer.Binding) error {
	if err := checkByte("partition", b.Partition); err != nil {
		return fmt.Errorf("%s: bind: %w", s, err)
	}
	if err := checkByte("logical port", b.Logical); err != nil {
		return fmt.Errorf("%s: bind: %w", s, err)
	}
	if err := checkByte("physical port", b.Phys); err != nil {
		return fmt.Errorf("%s: bind: %w", s, err)
	}
	payload := []byte{subBind, byte(b.Partition), byte(b.Logical), byte(b.Phys)}
	if err := s.simple(ctx, payload); err != nil {
		return fmt.Errorf("%s: bind physical port %d to partition %d logical port %d: %w",
			s, b.Phys, b.Partition, b.Logical, err)
	}
	return nil
}

// Unbind frees logical port logical of partition partition.
func (s *Switch) Unbind(ctx context.Context, partition, logical int) error {
	if err := checkByte("partition", partition); err != nil {
		return fmt.Errorf("%s: unbind: %w", s, err)
	}
	if err := checkByte("logical port", logical); err != nil {
		return fmt.Errorf("%s: unbind: %w", s, err)
	}
	payload := []byte{subUnbind, byte(partition), byte(logical), unbindOption}
	if err := s.simple(ctx, payload); err != nil {
		return fmt.Errorf("%s: unbind partition %d logical port %d: %w", s, partition, logical, err)
	}
	return nil
}

// simple runs a PORTPARTP2P command whose output (one unused dword) is not
// worth the bus time to read.
func (s *Switch) simple(ctx context.Context, payload []byte) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	if err := s.ready(ctx); err != nil {
		return err
	}
	return s.mrpc(ctx, mrpcPortPartP2P, payload, nil)
}

// Bindings reads the switch's bind table: every bound downstream port, by
// partition then logical port. It fails with ErrBindInProgress while the
// switch is still binding or unbinding a port.
func (s *Switch) Bindings(ctx context.Context) ([]interposer.Binding, error) {
	entries, err := s.bindInfo(ctx, allPorts)
	if err != nil {
		return nil, fmt.Errorf("%s: read bindings: %w", s, err)
	}
	out, err := bindings(entries)
	if err != nil {
		return nil, fmt.Errorf("%s: read bindings: %w", s, err)
	}
	return out, nil
}

// PortBinding reads the bind state of one physical port: the cheap read-back
// after a Bind or Unbind. ok is false when the port is not bound.
func (s *Switch) PortBinding(ctx context.Context, phys int) (b interposer.Binding, ok bool, err error) {
	if err := checkByte("physical port", phys); err != nil {
		return b, false, fmt.Errorf("%s: bind info: %w", s, err)
	}
	entries, err := s.bindInfo(ctx, byte(phys))
	if err != nil {
		return b, false, fmt.Errorf("%s: bind info for physical port %d: %w", s, phys, err)
	}
	bs, err := bindings(entries)
	if err != nil {
		return b, false, fmt.Errorf("%s: bind info for physical port %d: %w", s, phys, err)
	}
	for _, x := range bs {
		if x.Phys == phys {
			return x, true, nil
		}
	}
	return b, false, nil
}

// bindInfo runs the info sub-command and reads only as much of the table as
// the switch filled: the first frame holds the count and five entries.
func (s *Switch) bindInfo(ctx context.Context, phys byte) ([]bindEntry, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.unlock()
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	var entries []bindEntry
	err := s.mrpc(ctx, mrpcPortPartP2P, []byte{subInfo, phys, 0, 0}, func(t *twi) error {
		first := maxChunk
		if phys != allPorts {
			first = 8 // count and one entry
		}
		b, err := t.read(gasOutput, first)
		if err != nil {
			return err
		}
		if need := 4 + 4*int(b[0]); b[0] <= maxBindEntries && need > len(b) {
			rest, err := t.read(gasOutput+uint32(len(b)), need-len(b))
			if err != nil {
				return err
			}
			b = append(b, rest...)
		}
		entries, err = parseBindInfo(b)
		return err
	})
	return entries, err
}

// parseBindInfo decodes the bind info output: [count][3 reserved] then count
// entries of [phys][partition][logical][state].
func parseBindInfo(b []byte) ([]bindEntry, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("bind info is %d bytes, want at least 4", len(b))
	}
	n := int(b[0])
	if n > maxBindEntries {
		return nil, fmt.Errorf("bind info claims %d entries, at most %d exist", n, maxBindEntries)
	}
	if len(b) < 4+4*n {
		return nil, fmt.Errorf("bind info claims %d entries in %d bytes", n, len(b))
	}
	out := make([]bindEntry, n)
	for i := range out {
		e := b[4+4*i:]
		out[i] = bindEntry{phys: e[0], part: e[1], log: e[2], state: e[3]}
	}
	return out, nil
}

// bindings keeps the bound entries. A port still being bound or unbound
// makes the table not worth trusting yet; one whose bind failed is not bound.
func bindings(entries []bindEntry) ([]interposer.Binding, error) {
	out := []interposer.Binding{}
	for _, e := range entries {
		switch r := e.result(); {
		case r == bindBusy:
			return nil, fmt.Errorf("physical port %d: %w", e.phys, ErrBindInProgress)
		case r == bindFail || !e.bound():
			continue
		case r != bindOK:
			return nil, fmt.Errorf("physical port %d: unknown bind state %#02x", e.phys, e.state)
		}
		if e.part == 0xFF || e.log == 0xFF {
			return nil, fmt.Errorf("physical port %d: bound, but to partition %d logical port %d", e.phys, e.part, e.log)
		}
		out = append(out, interposer.Binding{Partition: int(e.part), Logical: int(e.log), Phys: int(e.phys)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Partition != out[j].Partition {
			return out[i].Partition < out[j].Partition
		}
		return out[i].Logical < out[j].Logical
	})
	return out, nil
}

// checkByte rejects a port or partition number the protocol cannot carry.
func checkByte(what string, v int) error {
	if v < 0 || v > 0xFE {
		return fmt.Errorf("%s %d out of range 0..254", what, v)
	}
	return nil
}
