// Package pldm encodes and decodes the PLDM messages (DMTF DSP0240) that
// chassisd exchanges with a sled's management controller over MCTP, and
// provides both ends of that conversation: a requester Client for the agent
// and a Respond function for the simulated MCU.
//
// A PLDM message travels as an MCTP message of type 0x01. Every byte slice
// called a "body" in this package is that MCTP message body: the 0x01 type
// byte, the three-byte PLDM header, then the command payload. Response
// payloads begin with the completion code, as the DSP tables list it, so a
// response parser sees a failed command as soon as it looks at the payload
// and reports it as a *CompletionError.
//
// Three PLDM types are covered, the ones a sled's controller answers:
//   - base (type 0, DSP0240): GetTID, SetTID, GetPLDMTypes, GetPLDMCommands;
//   - platform monitoring and control (type 2, DSP0248): GetSensorReading,
//     GetStateSensorReadings, SetStateEffecterStates;
//   - FRU data (type 4, DSP0257): GetFRURecordTableMetadata and the
//     multipart GetFRURecordTable, plus the FRU record table format itself.
//
// GetPLDMVersion is not implemented: DSP0240 ends its version data with a
// CRC-32 that libpldm and OpenBMC's responder leave out, and nothing in
// chassisd needs the version yet; Respond answers it as unsupported.
//
// DSP0248 would describe which sensor and effecter IDs exist in PDRs; the
// sled MCU has a fixed layout instead, shared by agent and simulator, in
// layout.go.
//
// Multi-byte fields are little endian throughout, as DSP0240 requires.
package pldm
