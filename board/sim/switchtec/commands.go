package switchtec

import (
	"encoding/binary"
	"slices"
)

// MRPC commands the emulation runs.
const (
	mrpcPMON        = 0x07
	mrpcPortPartP2P = 0x0C
	mrpcLnkStat     = 0x1C
	mrpcPing        = 0x100
)

// MRPC return codes: PORTPARTP2P's own, then the dispatcher's.
const (
	codePhysPortBound     = 0x01
	codeLogicalPortBound  = 0x02
	codeNoPartition       = 0x03
	codeNoPhysPort        = 0x04
	codePhysPortDisabled  = 0x05
	codeNoLogicalPort     = 0x06
	codeTargetIsUpstream  = 0x08
	codeBadSubcommand     = 0x09
	codeLinkActive        = 0x0A
	codeLogicalNotBound   = 0x0B
	codeBadUnbindOption   = 0x0C
	codeSubcommandInvalid = 0x64004
	codeCommandInvalid    = 0x64005
	codeParameterInvalid  = 0x64006
)

// phaseFirmware is the boot phase the ping reports: main firmware.
const phaseFirmware = 3

// execute runs MRPC command id on the input buffer and returns its output and
// return value.
func (d *Device) execute(id uint32, in []byte) ([]byte, uint32) {
	switch id {
	case mrpcPing:
		if d.cfg.Generation < 4 {
			return nil, codeCommandInvalid
		}
		out := make([]byte, 8)
		binary.LittleEndian.PutUint32(out[0:], phaseFirmware|uint32(d.cfg.Generation-4)<<12)
		binary.LittleEndian.PutUint32(out[4:], ^binary.LittleEndian.Uint32(in))
		return out, 0
	case mrpcPortPartP2P:
		return d.portPartP2P(in)
	case mrpcLnkStat:
		return d.linkStatus(binary.LittleEndian.Uint64(in)), 0
	case mrpcPMON:
		return d.pmon(in)
	}
	return nil, codeCommandInvalid
}

// portPartP2P: [sub][partition or port][logical][physical or option].
func (d *Device) portPartP2P(in []byte) ([]byte, uint32) {
	switch in[0] {
	case 0:
		return make([]byte, 4), d.bind(int(in[1]), int(in[2]), int(in[3]))
	case 1:
		return make([]byte, 4), d.unbind(int(in[1]), int(in[2]), in[3])
	case 2:
		return d.bindInfo(in[1])
	}
	return nil, codeBadSubcommand
}

func (d *Device) bind(part, log, phys int) uint32 {
	p := d.ports[phys]
	_, isUSP := d.usp[phys]
	switch {
	case part >= len(d.cfg.Hosts):
		return codeNoPartition
	case p == nil:
		return codeNoPhysPort
	case isUSP:
		return codeTargetIsUpstream
	case p.Disabled:
		return codePhysPortDisabled
	case log < 1 || log > d.cfg.LogicalPorts:
		return codeNoLogicalPort
	}
	if _, ok := d.bindings[phys]; ok {
		return codePhysPortBound
	}
	if _, ok := d.boundAt(part, log); ok {
		return codeLogicalPortBound
	}
	d.bindings[phys] = Binding{Partition: part, Logical: log, Phys: phys}
	return 0
}

// unbind frees a logical port. Option 2 (what the vendor's tools send)
// unbinds whatever the link is doing; this emulation makes options 0 and 1
// refuse while the link is up, so the "link active" path can be exercised.
func (d *Device) unbind(part, log int, opt byte) uint32 {
	switch {
	case part >= len(d.cfg.Hosts):
		return codeNoPartition
	case log < 1 || log > d.cfg.LogicalPorts:
		return codeNoLogicalPort
	case opt > 2:
		return codeBadUnbindOption
	}
	phys, ok := d.boundAt(part, log)
	if !ok {
		return codeLogicalNotBound
	}
	if opt < 2 && d.ports[phys].up {
		return codeLinkActive
	}
	delete(d.bindings, phys)
	return 0
}

func (d *Device) boundAt(part, log int) (int, bool) {
	for phys, b := range d.bindings {
		if b.Partition == part && b.Logical == log {
			return phys, true
		}
	}
	return 0, false
}

// bindInfo lists downstream ports (one, or all for 0xFF): [count][3 zero]
// then [phys][partition][logical][state], state b7:4 = 1 when bound, b3:0
// the last bind's result (0 ok).
func (d *Device) bindInfo(phys byte) ([]byte, uint32) {
	var ports []int
	if phys == 0xFF {
		for _, p := range d.order {
			if _, isUSP := d.usp[p]; !isUSP {
				ports = append(ports, p)
			}
		}
	} else {
		if d.ports[int(phys)] == nil {
			return nil, codeNoPhysPort
		}
		if _, isUSP := d.usp[int(phys)]; isUSP {
			return nil, codeTargetIsUpstream
		}
		ports = []int{int(phys)}
	}
	out := []byte{byte(len(ports)), 0, 0, 0}
	for i, p := range ports {
		b, bound := d.bindings[p]
		if d.corruptReadback && i == 0 {
			// The read-back disagrees with what the switch did.
			d.corruptReadback = false
			bound = !bound
			b = Binding{Partition: 0, Logical: 1}
		}
		if bound {
			out = append(out, byte(p), byte(b.Partition), byte(b.Logical), 0x10)
		} else {
			out = append(out, byte(p), 0xFF, 0xFF, 0x00)
		}
	}
	return out, 0
}

// linkStatus answers LNKSTAT for the ports in bitmap (0: all) with one
// 12-byte record each, in port order, the rest of the table 0xFF.
func (d *Device) linkStatus(bitmap uint64) []byte {
	records := map[int]int{3: 48, 4: 52, 5: 60}[d.cfg.Generation]
	out := slices.Repeat([]byte{0xFF}, records*12)
	i := 0
	for _, phys := range d.order {
		if bitmap != 0 && bitmap&(1<<phys) == 0 {
			continue
		}
		p := d.ports[phys]
		r := out[i*12 : i*12+12]
		i++
		r[0] = byte(phys)
		r[3] = byte(phys/8)<<4 | byte(phys%8)
		r[4] = byte(p.Width)
		if part, isUSP := d.usp[phys]; isUSP {
			r[1], r[2], r[6] = byte(part), 0, 1
		} else {
			r[1], r[2], r[6] = 0xFF, 0xFF, 0
			if b, ok := d.bindings[phys]; ok {
				r[1], r[2] = byte(b.Partition), byte(b.Logical)
			}
		}
		if p.up {
			r[5] = byte(p.Width)
			r[7] = 0x80 | rateCode(p.SpeedGTs)
			binary.LittleEndian.PutUint16(r[8:], 0x0103) // L0
		} else {
			// Down: no width, the stale rate without the up bit.
			r[5] = 0
			r[7] = rateCode(p.SpeedGTs)
			binary.LittleEndian.PutUint16(r[8:], 0x0100) // Detect (quiet)
		}
		r[10], r[11] = 0, 0
	}
	return out
}
