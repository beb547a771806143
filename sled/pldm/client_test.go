package pldm_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/sled/pldm"
)

var ctx = context.Background()

// bigIdentity makes a table of well over two 48-byte parts.
var bigIdentity = pldm.Identity{
	Manufacturer: "ACME Storage Systems Incorporated",
	Model:        "EDSFF Sled 8-bay, rev C",
	PartNumber:   "PN-0000-1111-2222",
	SerialNumber: "SN2024-000042",
	Version:      "C.03",
	Name:         "chassisd simulated sled",
}

func newPair(table []byte) (*sled, *loopback, *pldm.Client) {
	s := newSled(table)
	l := &loopback{d: s}
	return s, l, pldm.NewClient(l)
}

func TestClientBase(t *testing.T) {
	s, _, c := newPair(nil)
	if err := c.SetTID(ctx, 0x42); err != nil {
		t.Fatal(err)
	}
	if s.tid != 0x42 {
		t.Errorf("device TID %d", s.tid)
	}
	tid, err := c.GetTID(ctx)
	if err != nil || tid != 0x42 {
		t.Errorf("GetTID = %d, %v", tid, err)
	}
	if err := c.SetTID(ctx, 0); !errors.Is(err, pldm.ErrInvalidData) {
		t.Errorf("SetTID(0): %v", err)
	}
	types, err := c.GetPLDMTypes(ctx)
	if err != nil || types != pldm.NewTypeSet(0, 2, 4) {
		t.Errorf("GetPLDMTypes = % X, %v", types, err)
	}
	cmds, err := c.GetPLDMCommands(ctx, pldm.TypePlatform, 0xF1F2F000)
	if err != nil || cmds != pldm.NewCommandSet(0x11, 0x21, 0x39) {
		t.Errorf("GetPLDMCommands = % X, %v", cmds, err)
	}
	cmds, err = c.GetPLDMCommands(ctx, pldm.TypeBase, 0)
	if err != nil || cmds != pldm.NewCommandSet(1, 2, 4, 5) {
		t.Errorf("GetPLDMCommands(base) = % X, %v", cmds, err)
	}
	_, err = c.GetPLDMCommands(ctx, 3, 0)
	var ce *pldm.CompletionError
	if !errors.As(err, &ce) || ce.Code != pldm.CCInvalidTypeInRequest || ce.Command != "GetPLDMCommands" {
		t.Errorf("GetPLDMCommands(BIOS): %v", err)
	}
}

func TestClientFRU(t *testing.T) {
	tests := []struct {
		name      string
		table     []byte
		wantParts int
	}{
		{"single part", acmeTable, 1},
		{"empty table", nil, 1},
		{"multi part", pldm.EncodeFRURecordTable(pldm.RecordsFromIdentity(3, bigIdentity)), 0},
		// 44 bytes of table + 4 of CRC is exactly one part.
		{"exactly one part", pldm.EncodeFRURecordTable([]pldm.FRURecord{{SetID: 1, Type: 1, Encoding: 1,
			Fields: []pldm.FRUField{{Type: pldm.FieldName, Value: bytes.Repeat([]byte{'n'}, 37)}}}}), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, l, c := newPair(tt.table)
			got, err := c.GetFRURecordTable(ctx)
			if err != nil || !bytes.Equal(got, tt.table) {
				t.Fatalf("table % X, %v", got, err)
			}
			sealed := len(tt.table) + (4-len(tt.table)%4)%4 + 4
			want := tt.wantParts
			if want == 0 {
				want = (sealed + pldm.FRUPartSize - 1) / pldm.FRUPartSize
				if want < 3 {
					t.Fatalf("table of %d bytes does not need three parts", sealed)
				}
			}
			if len(l.requests) != want {
				t.Errorf("%d requests, want %d", len(l.requests), want)
			}
			// The handle of each later request is the offset of its part,
			// and the first asks for the first part.
			for i, req := range l.requests {
				wantReq := pldm.EncodeGetFRURecordTableRequest(pldm.FRUTableRequest{Handle: uint32(i * pldm.FRUPartSize), Op: pldm.GetNextPart})
				if i == 0 {
					wantReq = pldm.EncodeGetFRURecordTableRequest(pldm.FRUTableRequest{Op: pldm.GetFirstPart})
				}
				if !bytes.Equal(req[4:], wantReq) {
					t.Errorf("request %d payload % X, want % X", i, req[4:], wantReq)
				}
			}

			m, err := c.GetFRURecordTableMetadata(ctx)
			if err != nil {
				t.Fatal(err)
			}
			recs, _ := pldm.ParseFRURecordTable(tt.table)
			wantM := pldm.FRUTableMetadata{MajorVersion: 1, Length: uint32(len(tt.table)),
				Records: uint16(len(recs)), RecordSets: uint16(len(recs)), Checksum: pldm.FRUTableChecksum(tt.table)}
			if m != wantM {
				t.Errorf("metadata %+v, want %+v", m, wantM)
			}
		})
	}
}

func TestClientReadIdentity(t *testing.T) {
	_, _, c := newPair(pldm.EncodeFRURecordTable(pldm.RecordsFromIdentity(3, bigIdentity)))
	id, err := c.ReadIdentity(ctx)
	if err != nil || id != bigIdentity {
		t.Errorf("got %+v, %v", id, err)
	}
}

func TestClientFRUCorruption(t *testing.T) {
	table := pldm.EncodeFRURecordTable(pldm.RecordsFromIdentity(3, bigIdentity))
	tests := []struct {
		name    string
		rewrite func(req, resp []byte) []byte
		want    string
	}{
		{"bad CRC in last part", func(req, resp []byte) []byte {
			if resp[9] == byte(pldm.TransferEnd) {
				resp[len(resp)-1] ^= 0x40
			}
			return resp
		}, "checksum"},
		{"data byte flipped in middle part", func(req, resp []byte) []byte {
			if resp[9] == byte(pldm.TransferMiddle) {
				resp[12] ^= 0x01
			}
			return resp
		}, "checksum"},
		{"never ends", func(req, resp []byte) []byte {
			if resp[9] == byte(pldm.TransferStart) {
				return resp
			}
			// An empty middle part pointing at handle 0x30 again.
			return []byte{0x01, resp[1], 0x04, 0x02, 0x00, 0x30, 0, 0, 0, byte(pldm.TransferMiddle)}
		}, "no End after 4096 parts"},
		{"second start", func(req, resp []byte) []byte {
			if resp[9] == byte(pldm.TransferMiddle) {
				resp[9] = byte(pldm.TransferStart)
			}
			return resp
		}, "part 1 has transfer flag 0x01"},
		{"first part flagged middle", func(req, resp []byte) []byte {
			if resp[9] == byte(pldm.TransferStart) {
				resp[9] = byte(pldm.TransferMiddle)
			}
			return resp
		}, "part 0 has transfer flag 0x02"},
		{"oversized parts", func(req, resp []byte) []byte {
			return append(resp, make([]byte, 30<<10)...)
		}, "table exceeds 65536 bytes at part 2"},
		{"error completion", func(req, resp []byte) []byte {
			if resp[9] == byte(pldm.TransferMiddle) {
				return []byte{0x01, resp[1], 0x04, 0x02, pldm.CCFRUInvalidDataTransferHandle}
			}
			return resp
		}, "INVALID_DATA_TRANSFER_HANDLE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, l, c := newPair(table)
			l.rewrite = tt.rewrite
			_, err := c.GetFRURecordTable(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestClientFRUUnavailable(t *testing.T) {
	s, _, c := newPair(acmeTable)
	s.tableCC = pldm.CCFRUTableUnavailable
	_, err := c.ReadIdentity(ctx)
	var ce *pldm.CompletionError
	if !errors.As(err, &ce) || ce.Code != pldm.CCFRUTableUnavailable {
		t.Errorf("ReadIdentity: %v", err)
	}
	if _, err := c.GetFRURecordTableMetadata(ctx); !errors.As(err, &ce) {
		t.Errorf("metadata: %v", err)
	}
}

func TestClientSensors(t *testing.T) {
	s, _, c := newPair(nil)
	s.temp = -12
	r, err := c.GetSensorReading(ctx, pldm.SensorSledTemp, false)
	if err != nil || r.Value != -12 || r.DataSize != pldm.SensorDataSint16 || r.PresentState != pldm.NumericNormal {
		t.Errorf("sled temp %+v, %v", r, err)
	}
	r, err = c.GetSensorReading(ctx, pldm.SlotTempSensor(2), true)
	if err != nil || r.Value != 42 || r.DataSize != pldm.SensorDataSint8 {
		t.Errorf("slot 2 temp %+v, %v", r, err)
	}
	r, err = c.GetSensorReading(ctx, pldm.SlotTempSensor(1), false)
	if err != nil || r.OperationalState != pldm.SensorUnavailable {
		t.Errorf("empty slot temp %+v, %v", r, err)
	}
	_, err = c.GetSensorReading(ctx, 0x0777, false)
	var ce *pldm.CompletionError
	if !errors.As(err, &ce) || ce.Code != pldm.CCInvalidSensorID || !strings.Contains(err.Error(), "sensor 0x0777") {
		t.Errorf("unknown sensor: %v", err)
	}

	s.slots[0].PresentState = pldm.HealthCritical
	f, err := c.GetStateSensorReadings(ctx, pldm.SlotStateSensor(0), 0)
	if err != nil || len(f) != pldm.SlotStateCount ||
		f[pldm.SlotStatePresence].PresentState != pldm.PresencePresent ||
		f[pldm.SlotStateHealth].PresentState != pldm.HealthCritical {
		t.Errorf("slot 0 state %+v, %v", f, err)
	}
	f, err = c.GetStateSensorReadings(ctx, pldm.SlotStateSensor(1), 0)
	if err != nil || f[0].PresentState != pldm.PresenceNotPresent || f[1].OperationalState != pldm.SensorStatusUnknown {
		t.Errorf("slot 1 state %+v, %v", f, err)
	}
	if _, err := c.GetStateSensorReadings(ctx, pldm.SlotStateSensor(9), 0); !errors.As(err, &ce) || ce.Code != pldm.CCInvalidSensorID {
		t.Errorf("slot 9: %v", err)
	}
}

func TestClientEffecters(t *testing.T) {
	s, _, c := newPair(nil)
	set := func(st uint8) []pldm.EffecterField { return []pldm.EffecterField{{Set: true, State: st}} }
	if err := c.SetStateEffecterStates(ctx, pldm.EffecterLocateLED, set(pldm.IdentifyAsserted)); err != nil || s.led != pldm.IdentifyAsserted {
		t.Errorf("LED: %v, state %d", err, s.led)
	}
	if err := c.SetStateEffecterStates(ctx, pldm.EffecterSlotPower(3), set(pldm.PowerOff)); err != nil || s.power[3] != pldm.PowerOff {
		t.Errorf("power: %v, state %d", err, s.power[3])
	}
	if err := c.SetStateEffecterStates(ctx, pldm.EffecterSledReset, set(pldm.ResetRequested)); err != nil || s.resets != 1 {
		t.Errorf("reset: %v, %d resets", err, s.resets)
	}
	if err := c.SetStateEffecterStates(ctx, pldm.EffecterLocateLED, []pldm.EffecterField{{State: 9}}); err != nil || s.led != pldm.IdentifyAsserted {
		t.Errorf("noChange: %v, state %d", err, s.led)
	}
	var ce *pldm.CompletionError
	if err := c.SetStateEffecterStates(ctx, pldm.EffecterLocateLED, set(7)); !errors.As(err, &ce) || ce.Code != pldm.CCInvalidStateValue {
		t.Errorf("bad state: %v", err)
	}
	if err := c.SetStateEffecterStates(ctx, 0x0300, set(1)); !errors.As(err, &ce) || ce.Code != pldm.CCInvalidEffecterID ||
		!strings.Contains(err.Error(), "effecter 0x0300") {
		t.Errorf("bad effecter: %v", err)
	}
	two := []pldm.EffecterField{{Set: true, State: 1}, {Set: false, State: 0}}
	if err := c.SetStateEffecterStates(ctx, pldm.EffecterLocateLED, two); !errors.As(err, &ce) || len(s.lastSets) != 2 || s.lastSets[1] != two[1] {
		t.Errorf("two fields reached the device as %+v: %v", s.lastSets, err)
	}
	if err := c.SetStateEffecterStates(ctx, pldm.EffecterLocateLED, nil); err == nil {
		t.Error("no fields accepted")
	}
}

func TestClientInstanceIDs(t *testing.T) {
	_, l, c := newPair(nil)
	for range 40 {
		if _, err := c.GetTID(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i, req := range l.requests {
		if got := req[1] & 0x1F; int(got) != i%32 {
			t.Fatalf("request %d instance %d", i, got)
		}
		if req[1]&0xC0 != 0x80 {
			t.Fatalf("request %d byte 1 %02X: Rq not set or D set", i, req[1])
		}
	}
}

// canned is a Transport that answers every request with resp, or fails.
type canned struct {
	resp []byte
	err  error
}

func (c canned) Exchange(context.Context, []byte) ([]byte, error) { return c.resp, c.err }

func TestClientRejectsMismatches(t *testing.T) {
	tests := []struct {
		name string
		resp []byte
		want string
	}{
		{"wrong instance", []byte{0x01, 0x07, 0x00, 0x02, 0x00, 0x01}, "instance ID 7, want 0"},
		{"wrong command", []byte{0x01, 0x00, 0x00, 0x04, 0x00, 0x01}, "response is for GetPLDMTypes"},
		{"wrong type", []byte{0x01, 0x00, 0x02, 0x02, 0x00, 0x01}, "response is for type 0x02 command 0x02"},
		{"echoed request", []byte{0x01, 0x80, 0x00, 0x02}, "Rq=true"},
		{"datagram", []byte{0x01, 0x40, 0x00, 0x02, 0x00, 0x01}, "D=true"},
		{"not PLDM", []byte{0x00, 0x00, 0x00, 0x02, 0x00, 0x01}, "MCTP message type 0x00"},
		{"short", []byte{0x01, 0x00}, "shorter than the PLDM header"},
		{"no completion code", []byte{0x01, 0x00, 0x00, 0x02}, "no completion code"},
		{"long", []byte{0x01, 0x00, 0x00, 0x02, 0x00, 0x01, 0x02}, "3-byte payload, want 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pldm.NewClient(canned{resp: tt.resp}).GetTID(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "GetTID") {
				t.Errorf("err %v, want %q", err, tt.want)
			}
		})
	}
	boom := errors.New("bus stuck")
	if _, err := pldm.NewClient(canned{err: boom}).GetTID(ctx); !errors.Is(err, boom) {
		t.Errorf("transport error not wrapped: %v", err)
	}
}

func TestClientConcurrent(t *testing.T) {
	_, _, c := newPair(acmeTable)
	done := make(chan error)
	for range 8 {
		go func() {
			_, err := c.ReadIdentity(ctx)
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
