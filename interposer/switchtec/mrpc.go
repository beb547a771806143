package switchtec

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// MRPC command ids the driver sends.
const (
	mrpcPMON        = 0x07
	mrpcPortPartP2P = 0x0C
	mrpcLnkStat     = 0x1C
	mrpcPing        = 0x100
)

// paxLocal goes in bits 22:18 of the command register on Gen3 to Gen5 parts:
// "this switch", as opposed to another one in a PAX fabric.
const paxLocal = 0x1F << 18

// MRPC status register values.
const (
	statusInProgress  = 0x01
	statusDone        = 0x02
	statusError       = 0xFF
	statusInterrupted = 0x100
)

// MRPC return codes. Codes 0x01 to 0x0D belong to PORTPARTP2P (bind, unbind,
// bind info); the 0x64xxx codes come from the firmware's command dispatcher
// for any command.
const (
	CodePhysPortBound      uint32 = 0x01
	CodeLogicalPortBound   uint32 = 0x02
	CodeNoPartition        uint32 = 0x03
	CodeNoPhysPort         uint32 = 0x04
	CodePhysPortDisabled   uint32 = 0x05
	CodeNoLogicalPort      uint32 = 0x06
	CodeBindInProgress     uint32 = 0x07
	CodeTargetIsUpstream   uint32 = 0x08
	CodeBadSubcommand      uint32 = 0x09
	CodeLinkActive         uint32 = 0x0A
	CodeLogicalNotBound    uint32 = 0x0B
	CodeBadUnbindOption    uint32 = 0x0C
	CodeBindCheckFailed    uint32 = 0x0D
	CodeUnsupported        uint32 = 0x4A
	CodeNoMRPCThread       uint32 = 0x64001
	CodeHandlerBusy        uint32 = 0x64002
	CodeSubcommandInvalid  uint32 = 0x64004
	CodeCommandInvalid     uint32 = 0x64005
	CodeParameterInvalid   uint32 = 0x64006
	CodeBadFirmwareState   uint32 = 0x64007
	CodeDenied             uint32 = 0x64010
	CodeAccessRefused      uint32 = 0xFFFF0001
	codeFirstGeneralNumber uint32 = 0x64000
)

var bindCodeNames = map[uint32]string{
	CodePhysPortBound:    "physical port already bound",
	CodeLogicalPortBound: "logical port already bound",
	CodeNoPartition:      "partition does not exist",
	CodeNoPhysPort:       "physical port does not exist",
	CodePhysPortDisabled: "physical port is disabled",
	CodeNoLogicalPort:    "logical port does not exist",
	CodeBindInProgress:   "a bind or unbind is in progress",
	CodeTargetIsUpstream: "target is an upstream port",
	CodeBadSubcommand:    "invalid sub-command",
	CodeLinkActive:       "physical port link is active",
	CodeLogicalNotBound:  "logical port is not bound to a physical port",
	CodeBadUnbindOption:  "invalid unbind option",
	CodeBindCheckFailed:  "bind check failed",
}

var generalCodeNames = map[uint32]string{
	CodeUnsupported:       "command not supported",
	CodeNoMRPCThread:      "no MRPC thread available",
	CodeHandlerBusy:       "MRPC handler busy",
	CodeSubcommandInvalid: "invalid sub-command",
	CodeCommandInvalid:    "invalid command",
	CodeParameterInvalid:  "invalid parameter",
	CodeBadFirmwareState:  "firmware in the wrong state",
	CodeDenied:            "command denied",
	CodeAccessRefused:     "access refused",
}

// MRPCError is a command the switch's firmware refused, with its return code.
// errors.Is matches another *MRPCError with the same Command and Code.
type MRPCError struct {
	Command uint32
	Code    uint32
}

// Name is the code's meaning for the command, or "" when it is not known.
func (e *MRPCError) Name() string {
	if e.Command == mrpcPortPartP2P && e.Code < codeFirstGeneralNumber {
		if n, ok := bindCodeNames[e.Code]; ok {
			return n
		}
	}
	return generalCodeNames[e.Code]
}

func (e *MRPCError) Error() string {
	n := e.Name()
	if n == "" {
		n = "error"
	}
	return fmt.Sprintf("MRPC %s: %s (code %#x)", commandName(e.Command), n, e.Code)
}

// Is reports whether target is an *MRPCError for the same command and code.
func (e *MRPCError) Is(target error) bool {
	t, ok := target.(*MRPCError)
	return ok && t.Command == e.Command && t.Code == e.Code
}

func commandName(cmd uint32) string {
	switch cmd {
	case mrpcPMON:
		return "PMON"
	case mrpcPortPartP2P:
		return "PORTPARTP2P"
	case mrpcLnkStat:
		return "LNKSTAT"
	case mrpcPing:
		return "TWI_PING"
	}
	return fmt.Sprintf("%#x", cmd)
}

// mrpc runs one MRPC command: payload into the input buffer, the command id
// into the command register, then the status polled every s.poll until the
// firmware is done. When it succeeds, collect (if any) reads the output in
// the same bus session as the last status read. The caller holds s.sem.
func (s *Switch) mrpc(ctx context.Context, cmd uint32, payload []byte, collect func(t *twi) error) error {
	name := commandName(cmd)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := s.do(ctx, func(t *twi) error {
		if err := t.write(gasInput, payload, true); err != nil {
			return err
		}
		var v [4]byte
		binary.LittleEndian.PutUint32(v[:], cmd|paxLocal)
		return t.write(gasCmd, v[:], false)
	})
	if err != nil {
		return fmt.Errorf("MRPC %s: %w", name, err)
	}
	// The first status is read at once: most commands are done by the time
	// the bus has carried the command write, and a 5 ms wait on each of
	// them would make a poll of every port's counters take a second.
	for first := true; ; first = false {
		if !first {
			if err := sleep(ctx, s.poll); err != nil {
				return fmt.Errorf("MRPC %s: still running: %w", name, err)
			}
		}
		done := false
		err := s.do(ctx, func(t *twi) error {
			b, err := t.read(gasStatus, 8)
			if err != nil {
				return err
			}
			st, ret := binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint32(b[4:8])
			switch st {
			case statusInProgress:
				return nil
			case statusDone:
				done = true
				if ret != 0 {
					return &MRPCError{Command: cmd, Code: ret}
				}
				if collect != nil {
					return collect(t)
				}
				return nil
			case statusError:
				done = true
				return &MRPCError{Command: cmd, Code: ret}
			case statusInterrupted:
				done = true
				return errors.New("interrupted")
			}
			done = true
			return fmt.Errorf("status %#x: the switch lost the command (reset?)", st)
		})
		var me *MRPCError
		switch {
		case errors.As(err, &me):
			return err
		case err != nil:
			return fmt.Errorf("MRPC %s: %w", name, err)
		case done:
			return nil
		}
	}
}

// sleep waits d or until ctx is done; a zero d only checks ctx.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
