package mctp

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestControlBuilders(t *testing.T) {
	tests := []struct {
		vector string
		got    []byte
	}{
		{"ctl-set-eid-request", SetEIDRequest(1, SetEIDSet, 0x1D)},
		{"ctl-set-eid-response", SetEIDResponse(1, CCSuccess, SetEIDResult{Accepted: true, EID: 0x1D})},
		{"ctl-set-eid-rejected", SetEIDResponse(1, CCSuccess, SetEIDResult{EID: 0x0A})},
		{"ctl-get-version-request", GetVersionRequest(2, VersionTypeBase)},
		{"ctl-get-version-response", GetVersionResponse(2, CCSuccess, []Version{VersionBase133})},
		{"ctl-get-version-unsupported", GetVersionResponse(2, CCMessageTypeUnsupported, nil)},
		{"ctl-get-types-request", GetMessageTypesRequest(3)},
		{"ctl-get-types-response", GetMessageTypesResponse(3, CCSuccess, []uint8{TypePLDM, TypeNVMeMI})},
		{"ctl-get-eid-busowner", GetEIDResponse(0, CCSuccess, GetEIDResult{EID: 8, BusOwner: true, Type: EIDStaticCurrent})},
	}
	for _, tt := range tests {
		t.Run(tt.vector, func(t *testing.T) {
			if want := vector(t, tt.vector); !bytes.Equal(tt.got, want) {
				t.Errorf("built % X, want % X", tt.got, want)
			}
		})
	}
	// The Get EID request and response inside the hardware-facts serial
	// vectors (packet bytes after the 4-byte header).
	req := vector(t, "serial-get-eid-request")[3+HeaderLen : 3+7]
	if got := GetEIDRequest(0); !bytes.Equal(got, req) {
		t.Errorf("GetEIDRequest = % X, want % X", got, req)
	}
	resp := vector(t, "serial-get-eid-response")[3+HeaderLen : 3+11]
	if got := GetEIDResponse(0, CCSuccess, GetEIDResult{EID: 0x1D}); !bytes.Equal(got, resp) {
		t.Errorf("GetEIDResponse = % X, want % X", got, resp)
	}
}

func TestControlResponseParsers(t *testing.T) {
	r, err := ParseSetEIDResponse(vector(t, "ctl-set-eid-response"))
	if want := (SetEIDResult{Accepted: true, EID: 0x1D}); err != nil || r != want {
		t.Errorf("ParseSetEIDResponse = %+v, %v; want %+v", r, err, want)
	}
	r, err = ParseSetEIDResponse(vector(t, "ctl-set-eid-rejected"))
	if want := (SetEIDResult{EID: 0x0A}); err != nil || r != want {
		t.Errorf("rejected: ParseSetEIDResponse = %+v, %v; want %+v", r, err, want)
	}
	g, err := ParseGetEIDResponse(vector(t, "serial-get-eid-response")[3+HeaderLen : 3+11])
	if want := (GetEIDResult{EID: 0x1D}); err != nil || g != want {
		t.Errorf("ParseGetEIDResponse = %+v, %v; want %+v", g, err, want)
	}
	g, err = ParseGetEIDResponse(vector(t, "ctl-get-eid-busowner"))
	if want := (GetEIDResult{EID: 8, BusOwner: true, Type: EIDStaticCurrent}); err != nil || g != want {
		t.Errorf("bus owner: ParseGetEIDResponse = %+v, %v; want %+v", g, err, want)
	}
	vs, err := ParseGetVersionResponse(vector(t, "ctl-get-version-response"))
	if err != nil || !reflect.DeepEqual(vs, []Version{VersionBase133}) {
		t.Errorf("ParseGetVersionResponse = %v, %v", vs, err)
	}
	types, err := ParseGetMessageTypesResponse(vector(t, "ctl-get-types-response"))
	if err != nil || !bytes.Equal(types, []uint8{TypePLDM, TypeNVMeMI}) {
		t.Errorf("ParseGetMessageTypesResponse = % X, %v", types, err)
	}
}

func TestControlResponseErrors(t *testing.T) {
	tests := []struct {
		name    string
		parse   func([]byte) error
		b       []byte
		wantErr error
		wantCC  CompletionCode
	}{
		{"completion code", setEID, []byte{0x00, 0x01, 0x01, 0x02}, nil, CCInvalidData},
		{"version type unsupported", getVersion, []byte{0x00, 0x02, 0x04, 0x80}, nil, CCMessageTypeUnsupported},
		{"short", setEID, []byte{0x00, 0x01, 0x01}, ErrControl, 0},
		{"short data", setEID, []byte{0x00, 0x01, 0x01, 0x00, 0x00, 0x1D}, ErrControl, 0},
		{"not control", setEID, []byte{0x01, 0x01, 0x01, 0x00, 0x00, 0x1D, 0x00}, ErrControl, 0},
		{"request bit", setEID, []byte{0x00, 0x81, 0x01, 0x00, 0x00, 0x1D, 0x00}, ErrControl, 0},
		{"other command", setEID, []byte{0x00, 0x01, 0x02, 0x00, 0x00, 0x1D, 0x00}, ErrControl, 0},
		{"version count too big", getVersion, []byte{0x00, 0x02, 0x04, 0x00, 0x02, 0xF1, 0xF3, 0xF3, 0x00}, ErrControl, 0},
		{"types count too big", getTypes, []byte{0x00, 0x03, 0x05, 0x00, 0x03, 0x01, 0x04}, ErrControl, 0},
		{"get eid short", getEID, []byte{0x00, 0x00, 0x02, 0x00, 0x1D}, ErrControl, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.b)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			var ce *CompletionError
			if !errors.As(err, &ce) || ce.Code != tt.wantCC {
				t.Errorf("error %v, want completion code %v", err, tt.wantCC)
			}
		})
	}
}

func setEID(b []byte) error     { _, err := ParseSetEIDResponse(b); return err }
func getEID(b []byte) error     { _, err := ParseGetEIDResponse(b); return err }
func getVersion(b []byte) error { _, err := ParseGetVersionResponse(b); return err }
func getTypes(b []byte) error   { _, err := ParseGetMessageTypesResponse(b); return err }

func TestParseControlRequest(t *testing.T) {
	r, err := ParseControlRequest(vector(t, "ctl-set-eid-request"))
	if err != nil || r.Instance != 1 || r.Command != CmdSetEndpointID || r.Datagram {
		t.Fatalf("ParseControlRequest = %+v, %v", r, err)
	}
	op, eid, err := r.SetEIDArgs()
	if err != nil || op != SetEIDSet || eid != 0x1D {
		t.Errorf("SetEIDArgs = %v, %d, %v", op, eid, err)
	}
	r, err = ParseControlRequest(vector(t, "ctl-get-version-request"))
	if err != nil || r.Command != CmdGetVersionSupport {
		t.Fatalf("ParseControlRequest = %+v, %v", r, err)
	}
	if typ, err := r.VersionArg(); err != nil || typ != VersionTypeBase {
		t.Errorf("VersionArg = %#02x, %v", typ, err)
	}
	// Datagram bit (40) with instance 31.
	r, err = ParseControlRequest([]byte{0x00, 0xDF, 0x02})
	if err != nil || !r.Datagram || r.Instance != 31 {
		t.Errorf("datagram: %+v, %v", r, err)
	}
	// An unknown command parses: the responder answers it with CC 05.
	if r, err := ParseControlRequest([]byte{0x00, 0x80, 0x7F}); err != nil || r.Command != 0x7F {
		t.Errorf("unknown command: %+v, %v", r, err)
	}

	for _, b := range [][]byte{nil, {0x00, 0x80}, {0x01, 0x80, 0x02}, {0x00, 0x00, 0x02}} {
		if _, err := ParseControlRequest(b); !errors.Is(err, ErrControl) {
			t.Errorf("ParseControlRequest(% X) error %v, want ErrControl", b, err)
		}
	}
}

func TestControlRequestArgs(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		cc   CompletionCode
	}{
		{"set", []byte{0x00, 0x1D}, CCSuccess},
		{"force", []byte{0x01, 0x1D}, CCSuccess},
		{"reset ignores eid", []byte{0x02, 0x00}, CCSuccess},
		{"discovered ignores eid", []byte{0x03, 0xFF}, CCSuccess},
		{"reserved op bits ignored", []byte{0xFC, 0x1D}, CCSuccess},
		{"null eid", []byte{0x00, 0x00}, CCInvalidData},
		{"broadcast eid", []byte{0x01, 0xFF}, CCInvalidData},
		{"short", []byte{0x00}, CCInvalidLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ControlRequest{Command: CmdSetEndpointID, Data: tt.data}.SetEIDArgs()
			if got := CompletionFor(err); got != tt.cc {
				t.Errorf("SetEIDArgs(% X): %v -> %v, want %v", tt.data, err, got, tt.cc)
			}
		})
	}
	if _, err := (ControlRequest{Command: CmdGetVersionSupport}).VersionArg(); CompletionFor(err) != CCInvalidLength {
		t.Errorf("VersionArg with no data: %v", err)
	}
	if CompletionFor(errors.New("other")) != CCError {
		t.Error("CompletionFor(unknown error) is not CCError")
	}
}

func TestControlErrorResponses(t *testing.T) {
	// A failed command answers with header and completion code only.
	want := []byte{0x00, 0x05, 0x01, 0x03}
	if got := SetEIDResponse(5, CCInvalidLength, SetEIDResult{EID: 9}); !bytes.Equal(got, want) {
		t.Errorf("SetEIDResponse(CC 03) = % X, want % X", got, want)
	}
	want = []byte{0x00, 0x05, 0x7F, 0x05}
	if got := ControlResponse(5, 0x7F, CCUnsupportedCommand); !bytes.Equal(got, want) {
		t.Errorf("ControlResponse(unsupported) = % X, want % X", got, want)
	}
}

func TestVersionString(t *testing.T) {
	tests := []struct {
		v    Version
		want string
	}{
		{VersionBase133, "1.3.3"},
		{Version{0xF1, 0xF0, 0xFF, 0x00}, "1.0"},
		{Version{0xF1, 0x12, 0xF0, 'a'}, "1.12.0a"},
		{Version{0xF1, 0xFA, 0xF0, 0x00}, "F1 FA F0 00"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("% X: String = %q, want %q", tt.v[:], got, tt.want)
		}
	}
}
