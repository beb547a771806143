package pldm

import (
	"errors"
	"fmt"
)

// Generic completion codes (DSP0240 "PLDM completion codes"). Every command
// may return these; codes from 0x80 up mean something per command.
const (
	CCSuccess            uint8 = 0x00
	CCError              uint8 = 0x01
	CCInvalidData        uint8 = 0x02
	CCInvalidLength      uint8 = 0x03
	CCNotReady           uint8 = 0x04
	CCUnsupportedCommand uint8 = 0x05 // ERROR_UNSUPPORTED_PLDM_CMD
	CCInvalidType        uint8 = 0x20 // ERROR_INVALID_PLDM_TYPE
)

// Command-specific completion codes this package returns or names.
const (
	// GetPLDMCommands (DSP0240).
	CCInvalidTypeInRequest    uint8 = 0x83
	CCInvalidVersionInRequest uint8 = 0x84

	// GetFRURecordTable, GetFRURecordTableMetadata (DSP0257).
	CCFRUInvalidDataTransferHandle    uint8 = 0x80
	CCFRUInvalidTransferOperationFlag uint8 = 0x81
	CCFRUTableUnavailable             uint8 = 0x85 // FRU_DATA_STRUCTURE_TABLE_UNAVAILABLE

	// GetSensorReading, GetStateSensorReadings (DSP0248).
	CCInvalidSensorID  uint8 = 0x80
	CCRearmUnavailable uint8 = 0x81 // REARM_UNAVAILABLE_IN_PRESENT_STATE

	// SetStateEffecterStates (DSP0248).
	CCInvalidEffecterID        uint8 = 0x80
	CCInvalidStateValue        uint8 = 0x81
	CCUnsupportedEffecterState uint8 = 0x82 // UNSUPPORTED_EFFECTERSTATE
)

// Command codes, per PLDM type.
const (
	// Base, DSP0240.
	CmdSetTID          uint8 = 0x01
	CmdGetTID          uint8 = 0x02
	CmdGetPLDMVersion  uint8 = 0x03
	CmdGetPLDMTypes    uint8 = 0x04
	CmdGetPLDMCommands uint8 = 0x05

	// FRU, DSP0257.
	CmdGetFRURecordTableMetadata uint8 = 0x01
	CmdGetFRURecordTable         uint8 = 0x02

	// Platform, DSP0248.
	CmdGetSensorReading       uint8 = 0x11
	CmdGetStateSensorReadings uint8 = 0x21
	CmdSetStateEffecterStates uint8 = 0x39
)

// CompletionError is a response whose completion code is not SUCCESS.
type CompletionError struct {
	Command string // the command's DSP name, e.g. "GetSensorReading"
	Code    uint8
}

func (e *CompletionError) Error() string {
	if name := completionName(e.Command, e.Code); name != "" {
		return fmt.Sprintf("pldm %s: completion code 0x%02x (%s)", e.Command, e.Code, name)
	}
	return fmt.Sprintf("pldm %s: completion code 0x%02x", e.Command, e.Code)
}

var genericNames = map[uint8]string{
	CCError:              "ERROR",
	CCInvalidData:        "ERROR_INVALID_DATA",
	CCInvalidLength:      "ERROR_INVALID_LENGTH",
	CCNotReady:           "ERROR_NOT_READY",
	CCUnsupportedCommand: "ERROR_UNSUPPORTED_PLDM_CMD",
	CCInvalidType:        "ERROR_INVALID_PLDM_TYPE",
}

// specificNames holds the codes from 0x80 up, which mean different things
// for different commands.
var specificNames = map[string]map[uint8]string{
	"GetPLDMCommands": {
		CCInvalidTypeInRequest:    "INVALID_PLDM_TYPE_IN_REQUEST_DATA",
		CCInvalidVersionInRequest: "INVALID_PLDM_VERSION_IN_REQUEST_DATA",
	},
	"GetFRURecordTableMetadata": {
		CCFRUTableUnavailable: "FRU_DATA_STRUCTURE_TABLE_UNAVAILABLE",
	},
	"GetFRURecordTable": {
		CCFRUInvalidDataTransferHandle:    "INVALID_DATA_TRANSFER_HANDLE",
		CCFRUInvalidTransferOperationFlag: "INVALID_TRANSFER_OPERATION_FLAG",
		CCFRUTableUnavailable:             "FRU_DATA_STRUCTURE_TABLE_UNAVAILABLE",
	},
	"GetSensorReading": {
		CCInvalidSensorID:  "INVALID_SENSOR_ID",
		CCRearmUnavailable: "REARM_UNAVAILABLE_IN_PRESENT_STATE",
	},
	"GetStateSensorReadings": {
		CCInvalidSensorID:  "INVALID_SENSOR_ID",
		CCRearmUnavailable: "REARM_UNAVAILABLE_IN_PRESENT_STATE",
	},
	"SetStateEffecterStates": {
		CCInvalidEffecterID:        "INVALID_EFFECTER_ID",
		CCInvalidStateValue:        "INVALID_STATE_VALUE",
		CCUnsupportedEffecterState: "UNSUPPORTED_EFFECTERSTATE",
	},
}

func completionName(command string, code uint8) string {
	if n, ok := genericNames[code]; ok {
		return n
	}
	return specificNames[command][code]
}

// CommandName returns the DSP name of a command, or a hex form for one this
// package does not know, for error messages.
func CommandName(typ, cmd uint8) string {
	if n, ok := commandNames[[2]uint8{typ, cmd}]; ok {
		return n
	}
	return fmt.Sprintf("type 0x%02x command 0x%02x", typ, cmd)
}

var commandNames = map[[2]uint8]string{
	{TypeBase, CmdSetTID}:                     "SetTID",
	{TypeBase, CmdGetTID}:                     "GetTID",
	{TypeBase, CmdGetPLDMVersion}:             "GetPLDMVersion",
	{TypeBase, CmdGetPLDMTypes}:               "GetPLDMTypes",
	{TypeBase, CmdGetPLDMCommands}:            "GetPLDMCommands",
	{TypeFRU, CmdGetFRURecordTableMetadata}:   "GetFRURecordTableMetadata",
	{TypeFRU, CmdGetFRURecordTable}:           "GetFRURecordTable",
	{TypePlatform, CmdGetSensorReading}:       "GetSensorReading",
	{TypePlatform, CmdGetStateSensorReadings}: "GetStateSensorReadings",
	{TypePlatform, CmdSetStateEffecterStates}: "SetStateEffecterStates",
}

// checkCC returns a *CompletionError if a response payload's completion code
// is not SUCCESS, and an error if there is no completion code at all.
func checkCC(command string, p []byte) error {
	if len(p) == 0 {
		return fmt.Errorf("pldm %s: response has no completion code", command)
	}
	if p[0] != CCSuccess {
		return &CompletionError{Command: command, Code: p[0]}
	}
	return nil
}

// ErrInvalidLength marks a message whose length does not match its command;
// ErrInvalidData one whose fields hold values the command does not define.
// Respond maps them to ERROR_INVALID_LENGTH and ERROR_INVALID_DATA.
var (
	ErrInvalidLength = errors.New("invalid length")
	ErrInvalidData   = errors.New("invalid data")
)

// checkLen reports a payload whose length is not want.
func checkLen(what string, p []byte, want int) error {
	if len(p) != want {
		return fmt.Errorf("pldm %s: %d-byte payload, want %d: %w", what, len(p), want, ErrInvalidLength)
	}
	return nil
}
