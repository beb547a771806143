package pldm

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Transport carries one PLDM request to a terminus and brings back its
// response. Both are MCTP message bodies starting with the 0x01 type byte;
// addressing (EID, tag), timeouts and retries are the transport's business.
type Transport interface {
	Exchange(ctx context.Context, req []byte) ([]byte, error)
}

// Bounds on a FRU record table transfer, so a responder that never says End
// (or repeats a handle) cannot hold the requester forever or fill memory:
// 64 KiB is far above any sled's table, and 4096 parts allows 16-byte
// portions of it.
const (
	MaxFRUTableSize  = 64 << 10
	MaxFRUTableParts = 4096
)

// Client is the requester side of PLDM towards one terminus. It is safe for
// concurrent use if its Transport is.
type Client struct {
	t    Transport
	next atomic.Uint32 // instance ID counter; the low 5 bits are used
}

// NewClient returns a client that sends its requests through t.
func NewClient(t Transport) *Client { return &Client{t: t} }

// exchange sends one request and returns the response payload, which starts
// with the completion code, after checking that the response answers this
// request: Rq clear, same instance ID, type and command.
func (c *Client) exchange(ctx context.Context, typ, cmd uint8, payload []byte) ([]byte, error) {
	name := CommandName(typ, cmd)
	inst := uint8(c.next.Add(1)-1) & maxInstanceID
	resp, err := c.t.Exchange(ctx, NewRequest(inst, typ, cmd, payload))
	if err != nil {
		return nil, fmt.Errorf("pldm %s: %w", name, err)
	}
	h, p, err := ParseMessage(resp)
	if err != nil {
		return nil, fmt.Errorf("pldm %s: response: %w", name, err)
	}
	switch {
	case h.Request || h.Datagram:
		return nil, fmt.Errorf("pldm %s: response has Rq=%t D=%t, want a response", name, h.Request, h.Datagram)
	case h.InstanceID != inst:
		return nil, fmt.Errorf("pldm %s: response instance ID %d, want %d", name, h.InstanceID, inst)
	case h.Type != typ || h.Command != cmd:
		return nil, fmt.Errorf("pldm %s: response is for %s", name, CommandName(h.Type, h.Command))
	}
	return p, nil
}

// GetTID returns the terminus ID.
func (c *Client) GetTID(ctx context.Context) (uint8, error) {
	p, err := c.exchange(ctx, TypeBase, CmdGetTID, nil)
	if err != nil {
		return 0, err
	}
	return ParseGetTIDResponse(p)
}

// SetTID assigns the terminus ID; 0 and 0xFF are reserved and refused here.
func (c *Client) SetTID(ctx context.Context, tid uint8) error {
	if tid == TIDUnassigned || tid == TIDReserved {
		return fmt.Errorf("pldm SetTID: TID 0x%02x is reserved: %w", tid, ErrInvalidData)
	}
	p, err := c.exchange(ctx, TypeBase, CmdSetTID, EncodeSetTIDRequest(tid))
	if err != nil {
		return err
	}
	return ParseSetTIDResponse(p)
}

// GetPLDMTypes returns the PLDM types the terminus supports.
func (c *Client) GetPLDMTypes(ctx context.Context) (TypeSet, error) {
	p, err := c.exchange(ctx, TypeBase, CmdGetPLDMTypes, nil)
	if err != nil {
		return TypeSet{}, err
	}
	return ParseGetPLDMTypesResponse(p)
}

// GetPLDMCommands returns the commands of PLDM type typ, at version v, that
// the terminus supports.
func (c *Client) GetPLDMCommands(ctx context.Context, typ uint8, v Version) (CommandSet, error) {
	p, err := c.exchange(ctx, TypeBase, CmdGetPLDMCommands, EncodeGetPLDMCommandsRequest(typ, v))
	if err != nil {
		return CommandSet{}, err
	}
	return ParseGetPLDMCommandsResponse(p)
}

// GetFRURecordTableMetadata returns the FRU record table's metadata.
func (c *Client) GetFRURecordTableMetadata(ctx context.Context) (FRUTableMetadata, error) {
	p, err := c.exchange(ctx, TypeFRU, CmdGetFRURecordTableMetadata, nil)
	if err != nil {
		return FRUTableMetadata{}, err
	}
	return ParseGetFRURecordTableMetadataResponse(p)
}

// GetFRURecordTable transfers the whole FRU record table, part by part,
// checks its CRC-32 and returns it without pad and checksum.
func (c *Client) GetFRURecordTable(ctx context.Context) ([]byte, error) {
	var (
		buf []byte
		req = FRUTableRequest{Op: GetFirstPart}
	)
	for part := 0; ; part++ {
		if part == MaxFRUTableParts {
			return nil, fmt.Errorf("pldm GetFRURecordTable: no End after %d parts", part)
		}
		p, err := c.exchange(ctx, TypeFRU, CmdGetFRURecordTable, EncodeGetFRURecordTableRequest(req))
		if err != nil {
			return nil, fmt.Errorf("part %d (handle 0x%08x): %w", part, req.Handle, err)
		}
		tp, err := ParseGetFRURecordTableResponse(p)
		if err != nil {
			return nil, fmt.Errorf("part %d (handle 0x%08x): %w", part, req.Handle, err)
		}
		first := tp.Flag == TransferStart || tp.Flag == TransferStartAndEnd
		if first != (part == 0) {
			return nil, fmt.Errorf("pldm GetFRURecordTable: part %d has transfer flag 0x%02x", part, tp.Flag)
		}
		if len(buf)+len(tp.Data) > MaxFRUTableSize {
			return nil, fmt.Errorf("pldm GetFRURecordTable: table exceeds %d bytes at part %d", MaxFRUTableSize, part)
		}
		buf = append(buf, tp.Data...)
		if tp.Flag == TransferEnd || tp.Flag == TransferStartAndEnd {
			break
		}
		req = FRUTableRequest{Handle: tp.Next, Op: GetNextPart}
	}
	return StripFRUTableIntegrity(buf)
}

// ReadIdentity transfers the FRU record table and returns the identity its
// general records carry.
func (c *Client) ReadIdentity(ctx context.Context) (Identity, error) {
	table, err := c.GetFRURecordTable(ctx)
	if err != nil {
		return Identity{}, err
	}
	records, err := ParseFRURecordTable(table)
	if err != nil {
		return Identity{}, err
	}
	return IdentityFromRecords(records), nil
}

// GetSensorReading reads numeric sensor id, re-arming its event state if
// rearm is set.
func (c *Client) GetSensorReading(ctx context.Context, id uint16, rearm bool) (SensorReading, error) {
	p, err := c.exchange(ctx, TypePlatform, CmdGetSensorReading,
		EncodeGetSensorReadingRequest(SensorReadingRequest{SensorID: id, Rearm: rearm}))
	if err != nil {
		return SensorReading{}, fmt.Errorf("sensor 0x%04x: %w", id, err)
	}
	r, err := ParseGetSensorReadingResponse(p)
	if err != nil {
		return SensorReading{}, fmt.Errorf("sensor 0x%04x: %w", id, err)
	}
	return r, nil
}

// GetStateSensorReadings reads composite state sensor id; bit n of rearm
// re-arms its sensor n.
func (c *Client) GetStateSensorReadings(ctx context.Context, id uint16, rearm uint8) ([]StateField, error) {
	p, err := c.exchange(ctx, TypePlatform, CmdGetStateSensorReadings,
		EncodeGetStateSensorReadingsRequest(StateSensorRequest{SensorID: id, Rearm: rearm}))
	if err != nil {
		return nil, fmt.Errorf("sensor 0x%04x: %w", id, err)
	}
	f, err := ParseGetStateSensorReadingsResponse(p)
	if err != nil {
		return nil, fmt.Errorf("sensor 0x%04x: %w", id, err)
	}
	return f, nil
}

// SetStateEffecterStates sets the states of composite effecter id; fields
// holds one entry (1..8) per composite effecter.
func (c *Client) SetStateEffecterStates(ctx context.Context, id uint16, fields []EffecterField) error {
	req, err := EncodeSetStateEffecterStatesRequest(EffecterRequest{EffecterID: id, Fields: fields})
	if err != nil {
		return err
	}
	p, err := c.exchange(ctx, TypePlatform, CmdSetStateEffecterStates, req)
	if err != nil {
		return fmt.Errorf("effecter 0x%04x: %w", id, err)
	}
	if err := ParseSetStateEffecterStatesResponse(p); err != nil {
		return fmt.Errorf("effecter 0x%04x: %w", id, err)
	}
	return nil
}
