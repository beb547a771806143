package switchtec

import "encoding/binary"

// GAS layout: the MRPC mailbox, then the registers the driver reads.
const (
	gasInput     = 0x0000
	gasOutput    = 0x0400
	gasCmd       = 0x0800
	gasStatus    = 0x0804
	gasRet       = 0x0808
	gasMRPCEnd   = 0x080C
	gasPartCount = 0x1007
	gasPartID    = 0x1008
	gasDeviceID  = 0x2000
	gasDevVer    = 0x2004
	gasFWVersion = 0x2008
	mailboxSize  = 0x400
)

// MRPC status register values.
const (
	statusIdle       = 0x00
	statusInProgress = 0x01
	statusDone       = 0x02
	statusError      = 0xFF
)

// paxLocal is the "this switch" value of the command register's b22:18.
const paxLocal = 0x1F

// gas is the writable part of the address space: the MRPC mailbox.
type gas struct {
	mrpc [gasMRPCEnd]byte
}

// completion is an MRPC command the firmware has run but not yet reported.
type completion struct {
	polls  int
	status uint32
	ret    uint32
	output []byte
}

// readGAS returns n bytes at off. A read of the status register is what moves
// a running command along.
func (d *Device) readGAS(off uint32, n int) []byte {
	if d.pending != nil && off < gasStatus+4 && uint64(off)+uint64(n) > gasStatus {
		if d.pending.polls > 0 {
			d.pending.polls--
		} else {
			d.commit()
		}
	}
	out := make([]byte, n)
	for i := range out {
		out[i] = d.gasByte(uint64(off) + uint64(i))
	}
	return out
}

func (d *Device) gasByte(off uint64) byte {
	u32 := func(base uint64, v uint32) byte { return byte(v >> (8 * (off - base))) }
	switch {
	case off < gasMRPCEnd:
		return d.gas.mrpc[off]
	case off == gasPartCount:
		return byte(len(d.cfg.Hosts))
	case off == gasPartID:
		return 0
	case off >= gasDeviceID && off < gasDeviceID+4:
		return u32(gasDeviceID, uint32(d.cfg.DeviceID))
	case off >= gasFWVersion && off < gasFWVersion+4:
		return u32(gasFWVersion, d.cfg.FirmwareVersion)
	}
	return 0
}

// writeGAS stores a tagged write and returns its E2 status: 0, or 0x20 when
// the command register is written while a command is still running. Writes
// outside the input buffer and the command register hit read-only
// registers and are dropped.
func (d *Device) writeGAS(off uint32, data []byte) byte {
	end := uint64(off) + uint64(len(data))
	switch {
	case end <= mailboxSize:
		copy(d.gas.mrpc[off:], data)
	case off == gasCmd && len(data) == 4:
		if d.pending != nil {
			return 0x20
		}
		d.start(binary.LittleEndian.Uint32(data))
	}
	return 0
}

// start runs the command written to the command register. Its effects on the
// switch happen now; the status, return value and output appear after
// BusyPolls status reads.
func (d *Device) start(v uint32) {
	binary.LittleEndian.PutUint32(d.gas.mrpc[gasCmd:], v)
	binary.LittleEndian.PutUint32(d.gas.mrpc[gasStatus:], statusInProgress)
	binary.LittleEndian.PutUint32(d.gas.mrpc[gasRet:], 0)
	c := &completion{polls: d.cfg.BusyPolls, status: statusDone}
	if len(d.failMRPC) > 0 {
		c.ret, d.failMRPC = d.failMRPC[0], d.failMRPC[1:]
	} else if (v>>18)&0x1F != paxLocal {
		c.ret = codeCommandInvalid
	} else {
		c.output, c.ret = d.execute(v&0xFFFF, d.gas.mrpc[gasInput:gasInput+mailboxSize])
	}
	if c.ret != 0 {
		c.status, c.output = statusError, nil
	}
	d.pending = c
	if c.polls == 0 {
		d.commit()
	}
}

func (d *Device) commit() {
	c := d.pending
	d.pending = nil
	copy(d.gas.mrpc[gasOutput:gasOutput+mailboxSize], c.output)
	binary.LittleEndian.PutUint32(d.gas.mrpc[gasStatus:], c.status)
	binary.LittleEndian.PutUint32(d.gas.mrpc[gasRet:], c.ret)
}
