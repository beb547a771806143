package pldm

import (
	"encoding/binary"
	"fmt"
)

// FRUTableMetadata is a GetFRURecordTableMetadata (0x01) response; the
// request has no payload. On the wire, after the completion code:
//
//	[FRUDataMajorVersion][FRUDataMinorVersion][FRUTableMaximumSize u32]
//	[FRUTableLength u32][TotalRecordSetIdentifiers u16]
//	[TotalTableRecords u16][FRUDataStructureTableIntegrityChecksum u32]
type FRUTableMetadata struct {
	MajorVersion uint8
	MinorVersion uint8
	MaxSize      uint32 // largest table SetFRURecordTable would take; 0 when not supported
	Length       uint32 // the record table's length, without pad and checksum
	RecordSets   uint16 // distinct FRU record set identifiers
	Records      uint16
	Checksum     uint32 // FRUTableChecksum of the table
}

const fruMetadataLen = 1 + 1 + 1 + 4 + 4 + 2 + 2 + 4

// EncodeGetFRURecordTableMetadataResponse returns the response payload for m.
func EncodeGetFRURecordTableMetadataResponse(m FRUTableMetadata) []byte {
	b := make([]byte, 0, fruMetadataLen)
	b = append(b, CCSuccess, m.MajorVersion, m.MinorVersion)
	b = binary.LittleEndian.AppendUint32(b, m.MaxSize)
	b = binary.LittleEndian.AppendUint32(b, m.Length)
	b = binary.LittleEndian.AppendUint16(b, m.RecordSets)
	b = binary.LittleEndian.AppendUint16(b, m.Records)
	return binary.LittleEndian.AppendUint32(b, m.Checksum)
}

// ParseGetFRURecordTableMetadataResponse decodes a GetFRURecordTableMetadata
// response payload.
func ParseGetFRURecordTableMetadataResponse(p []byte) (FRUTableMetadata, error) {
	if err := checkCC("GetFRURecordTableMetadata", p); err != nil {
		return FRUTableMetadata{}, err
	}
	if err := checkLen("GetFRURecordTableMetadata response", p, fruMetadataLen); err != nil {
		return FRUTableMetadata{}, err
	}
	return FRUTableMetadata{
		MajorVersion: p[1],
		MinorVersion: p[2],
		MaxSize:      binary.LittleEndian.Uint32(p[3:]),
		Length:       binary.LittleEndian.Uint32(p[7:]),
		RecordSets:   binary.LittleEndian.Uint16(p[11:]),
		Records:      binary.LittleEndian.Uint16(p[13:]),
		Checksum:     binary.LittleEndian.Uint32(p[15:]),
	}, nil
}

// TransferOp is a multipart TransferOperationFlag (DSP0240/DSP0257).
type TransferOp uint8

// Transfer operations.
const (
	GetNextPart  TransferOp = 0
	GetFirstPart TransferOp = 1
)

// TransferFlag tells where in a multipart transfer a response's portion
// lies (DSP0240 TransferFlag).
type TransferFlag uint8

// Transfer flags.
const (
	TransferStart       TransferFlag = 0x01
	TransferMiddle      TransferFlag = 0x02
	TransferEnd         TransferFlag = 0x04
	TransferStartAndEnd TransferFlag = 0x05
)

// FRUTableRequest is a GetFRURecordTable (0x02) request:
// [DataTransferHandle u32][TransferOperationFlag].
type FRUTableRequest struct {
	Handle uint32
	Op     TransferOp
}

// EncodeGetFRURecordTableRequest returns the request payload for r.
func EncodeGetFRURecordTableRequest(r FRUTableRequest) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, r.Handle), uint8(r.Op))
}

// ParseGetFRURecordTableRequest decodes a GetFRURecordTable request payload.
// The operation flag is returned as sent; the responder judges it.
func ParseGetFRURecordTableRequest(p []byte) (FRUTableRequest, error) {
	if err := checkLen("GetFRURecordTable request", p, 5); err != nil {
		return FRUTableRequest{}, err
	}
	return FRUTableRequest{Handle: binary.LittleEndian.Uint32(p), Op: TransferOp(p[4])}, nil
}

// FRUTablePart is a GetFRURecordTable response: [CC]
// [NextDataTransferHandle u32][TransferFlag][portion of the table]. The
// portions, joined, are the record table, 0-3 zero pad bytes and the
// table's CRC-32 (see AppendFRUTableIntegrity).
type FRUTablePart struct {
	Next uint32 // handle to ask for the next portion; 0 after the last
	Flag TransferFlag
	Data []byte
}

// EncodeGetFRURecordTableResponse returns the response payload for part.
func EncodeGetFRURecordTableResponse(part FRUTablePart) []byte {
	b := make([]byte, 0, 6+len(part.Data))
	b = append(b, CCSuccess)
	b = binary.LittleEndian.AppendUint32(b, part.Next)
	b = append(b, uint8(part.Flag))
	return append(b, part.Data...)
}

// ParseGetFRURecordTableResponse decodes a GetFRURecordTable response
// payload. Data aliases p.
func ParseGetFRURecordTableResponse(p []byte) (FRUTablePart, error) {
	if err := checkCC("GetFRURecordTable", p); err != nil {
		return FRUTablePart{}, err
	}
	if len(p) < 6 {
		return FRUTablePart{}, fmt.Errorf("pldm GetFRURecordTable response: %d-byte payload, want at least 6: %w", len(p), ErrInvalidLength)
	}
	part := FRUTablePart{
		Next: binary.LittleEndian.Uint32(p[1:]),
		Flag: TransferFlag(p[5]),
		Data: p[6:],
	}
	switch part.Flag {
	case TransferStart, TransferMiddle, TransferEnd, TransferStartAndEnd:
	default:
		return FRUTablePart{}, fmt.Errorf("pldm GetFRURecordTable response: transfer flag 0x%02x: %w", p[5], ErrInvalidData)
	}
	return part, nil
}
