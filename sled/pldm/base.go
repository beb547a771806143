package pldm

import (
	"encoding/binary"
	"fmt"
)

// TID values DSP0240 reserves: 0 means "not yet assigned" and 0xFF is
// reserved, so SetTID accepts neither.
const (
	TIDUnassigned uint8 = 0x00
	TIDReserved   uint8 = 0xFF
)

// TypeSet is the 64-bit field GetPLDMTypes returns: PLDM type t is
// supported when bit t%8 of byte t/8 is set.
type TypeSet [8]byte

// NewTypeSet returns the set holding types (values above 63 are ignored).
func NewTypeSet(types ...uint8) TypeSet {
	var s TypeSet
	for _, t := range types {
		if t < 64 {
			s[t/8] |= 1 << (t % 8)
		}
	}
	return s
}

// Has reports whether type t is in the set.
func (s TypeSet) Has(t uint8) bool { return t < 64 && s[t/8]&(1<<(t%8)) != 0 }

// CommandSet is the 256-bit field GetPLDMCommands returns: command c is
// supported when bit c%8 of byte c/8 is set.
type CommandSet [32]byte

// NewCommandSet returns the set holding cmds.
func NewCommandSet(cmds ...uint8) CommandSet {
	var s CommandSet
	for _, c := range cmds {
		s[c/8] |= 1 << (c % 8)
	}
	return s
}

// Has reports whether command c is in the set.
func (s CommandSet) Has(c uint8) bool { return s[c/8]&(1<<(c%8)) != 0 }

// Version is a DSP0240 ver32 as it travels: a little-endian uint32 whose
// bytes from most to least significant are major, minor, update and alpha,
// each BCD with 0xF in the high nibble for a single digit (1.0.0 is
// 0xF1F0F000, on the wire 00 F0 F0 F1).
type Version uint32

// GetTID (0x02): no request payload; response [CC][TID].

// EncodeGetTIDResponse returns the response payload carrying tid.
func EncodeGetTIDResponse(tid uint8) []byte { return []byte{CCSuccess, tid} }

// ParseGetTIDResponse returns the TID of a GetTID response payload.
func ParseGetTIDResponse(p []byte) (uint8, error) {
	if err := checkCC("GetTID", p); err != nil {
		return 0, err
	}
	if err := checkLen("GetTID response", p, 2); err != nil {
		return 0, err
	}
	return p[1], nil
}

// SetTID (0x01): request [TID]; response [CC].

// EncodeSetTIDRequest returns the request payload assigning tid.
func EncodeSetTIDRequest(tid uint8) []byte { return []byte{tid} }

// ParseSetTIDRequest returns the TID a SetTID request assigns. The reserved
// values are returned with an error so a responder can answer INVALID_DATA.
func ParseSetTIDRequest(p []byte) (uint8, error) {
	if err := checkLen("SetTID request", p, 1); err != nil {
		return 0, err
	}
	if p[0] == TIDUnassigned || p[0] == TIDReserved {
		return p[0], fmt.Errorf("pldm SetTID request: TID 0x%02x is reserved: %w", p[0], ErrInvalidData)
	}
	return p[0], nil
}

// ParseSetTIDResponse checks a SetTID response payload.
func ParseSetTIDResponse(p []byte) error {
	if err := checkCC("SetTID", p); err != nil {
		return err
	}
	return checkLen("SetTID response", p, 1)
}

// GetPLDMTypes (0x04): no request payload; response [CC][8-byte bitfield].

// EncodeGetPLDMTypesResponse returns the response payload carrying s.
func EncodeGetPLDMTypesResponse(s TypeSet) []byte {
	return append([]byte{CCSuccess}, s[:]...)
}

// ParseGetPLDMTypesResponse returns the type set of a GetPLDMTypes response
// payload.
func ParseGetPLDMTypesResponse(p []byte) (TypeSet, error) {
	var s TypeSet
	if err := checkCC("GetPLDMTypes", p); err != nil {
		return s, err
	}
	if err := checkLen("GetPLDMTypes response", p, 1+len(s)); err != nil {
		return s, err
	}
	copy(s[:], p[1:])
	return s, nil
}

// GetPLDMCommands (0x05): request [type][ver32]; response [CC][32-byte
// bitfield].

// EncodeGetPLDMCommandsRequest returns the request payload asking which
// commands of typ at version v are supported.
func EncodeGetPLDMCommandsRequest(typ uint8, v Version) []byte {
	return binary.LittleEndian.AppendUint32([]byte{typ}, uint32(v))
}

// ParseGetPLDMCommandsRequest returns the type and version a
// GetPLDMCommands request asks about.
func ParseGetPLDMCommandsRequest(p []byte) (uint8, Version, error) {
	if err := checkLen("GetPLDMCommands request", p, 5); err != nil {
		return 0, 0, err
	}
	return p[0], Version(binary.LittleEndian.Uint32(p[1:])), nil
}

// EncodeGetPLDMCommandsResponse returns the response payload carrying s.
func EncodeGetPLDMCommandsResponse(s CommandSet) []byte {
	return append([]byte{CCSuccess}, s[:]...)
}

// ParseGetPLDMCommandsResponse returns the command set of a GetPLDMCommands
// response payload.
func ParseGetPLDMCommandsResponse(p []byte) (CommandSet, error) {
	var s CommandSet
	if err := checkCC("GetPLDMCommands", p); err != nil {
		return s, err
	}
	if err := checkLen("GetPLDMCommands response", p, 1+len(s)); err != nil {
		return s, err
	}
	copy(s[:], p[1:])
	return s, nil
}
