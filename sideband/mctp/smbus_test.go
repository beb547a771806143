package mctp

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
)

func TestEncodeSMBus(t *testing.T) {
	tests := []struct {
		vector   string
		dst, src uint16
		pkt      []byte
	}{
		{"smbus-get-eid-request", 0x1D, 0x10, []byte{0x01, 0x00, 0x08, 0xC8, 0x00, 0x80, 0x02}},
		{"smbus-get-eid-response", 0x10, 0x1D, []byte{0x01, 0x08, 0x1D, 0xC0, 0x00, 0x00, 0x02, 0x00, 0x1D, 0x00, 0x00}},
	}
	for _, tt := range tests {
		t.Run(tt.vector, func(t *testing.T) {
			wire := vector(t, tt.vector)
			if wire[0] != byte(tt.dst<<1) {
				t.Fatalf("vector address byte %#02x, want %#02x", wire[0], tt.dst<<1)
			}
			got := EncodeSMBus(tt.dst, tt.src, tt.pkt)
			if !bytes.Equal(got, wire[1:]) {
				t.Errorf("EncodeSMBus = % X, want % X", got, wire[1:])
			}
			src, pkt, err := DecodeSMBus(tt.dst, wire[1:])
			if err != nil || src != tt.src || !bytes.Equal(pkt, tt.pkt) {
				t.Errorf("DecodeSMBus = %#02x, % X, %v; want %#02x, % X", src, pkt, err, tt.src, tt.pkt)
			}
		})
	}
}

func TestDecodeSMBusErrors(t *testing.T) {
	good := vector(t, "smbus-get-eid-request")[1:]
	mod := func(i int, v byte) []byte {
		b := bytes.Clone(good)
		b[i] = v
		return b
	}
	tests := []struct {
		name string
		own  uint16
		w    []byte
		want error
	}{
		{"short", 0x1D, good[:6], ErrSMBusFrame},
		{"not MCTP command", 0x1D, mod(0, 0x0E), ErrSMBusFrame},
		{"count too big", 0x1D, mod(1, 0x09), ErrSMBusFrame},
		{"count too small", 0x1D, mod(1, 0x07), ErrSMBusFrame},
		{"source bit 0 clear", 0x1D, mod(2, 0x20), ErrSMBusFrame},
		{"bad PEC", 0x1D, mod(len(good)-1, 0x57), ErrSMBusPEC},
		{"corrupt payload", 0x1D, mod(5, 0x09), ErrSMBusPEC},
		// The PEC covers the address byte, so a frame meant for another
		// target fails the check.
		{"other target", 0x1E, good, ErrSMBusPEC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := DecodeSMBus(tt.own, tt.w); !errors.Is(err, tt.want) {
				t.Errorf("DecodeSMBus(% X) error %v, want %v", tt.w, err, tt.want)
			}
		})
	}
}

// fakeSMBus connects SMBus bindings in process: a write to an address is
// delivered to the Receiver of that address.
type fakeSMBus struct {
	mu      sync.Mutex
	targets map[uint16]chan []byte
	fail    func(addr uint16, w []byte) error
}

func newFakeSMBus() *fakeSMBus { return &fakeSMBus{targets: make(map[uint16]chan []byte)} }

func (f *fakeSMBus) target(addr uint16) chan []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.targets[addr]
	if !ok {
		c = make(chan []byte, 64)
		f.targets[addr] = c
	}
	return c
}

func (f *fakeSMBus) tx(ctx context.Context, addr uint16, w []byte) error {
	if f.fail != nil {
		if err := f.fail(addr, w); err != nil {
			return err
		}
	}
	select {
	case f.target(addr) <- bytes.Clone(w):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// receiver is the Receiver of one address on a fakeSMBus.
type receiver chan []byte

func (r receiver) Receive(ctx context.Context) ([]byte, error) {
	select {
	case w := <-r:
		return w, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestSMBusBindingFilters(t *testing.T) {
	bus := newFakeSMBus()
	const bmc, mcu = 0x10, 0x1D
	b := NewSMBusBinding(bus.tx, receiver(bus.target(bmc)), mcu, bmc)
	defer b.Close()

	good := vector(t, "smbus-get-eid-response")[1:]
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 0xFF
	// A frame from 0x1E (source byte 3D) to the BMC.
	stranger := EncodeSMBus(bmc, 0x1E, good[3:len(good)-1])

	in := bus.target(bmc)
	in <- bad
	in <- stranger
	in <- []byte{0x00}
	in <- good
	pkt, err := b.Recv(t.Context())
	if err != nil || !bytes.Equal(pkt, good[3:len(good)-1]) {
		t.Fatalf("Recv = % X, %v", pkt, err)
	}
	if s := b.(LinkCounter).LinkStats(); s.Dropped != 3 || s.PacketsReceived != 1 {
		t.Errorf("stats %+v, want 3 dropped, 1 received", s)
	}

	// Send writes the encoded frame to the peer's address.
	req := vector(t, "smbus-get-eid-request")
	if err := b.Send(t.Context(), req[4:len(req)-1]); err != nil {
		t.Fatal(err)
	}
	if w := <-bus.target(mcu); !bytes.Equal(w, req[1:]) {
		t.Errorf("wrote % X, want % X", w, req[1:])
	}
	if err := b.Send(t.Context(), make([]byte, HeaderLen+65)); err == nil {
		t.Error("Send accepted a packet over the MTU")
	}
}

func TestSMBusBindingClose(t *testing.T) {
	bus := newFakeSMBus()
	b := NewSMBusBinding(bus.tx, receiver(bus.target(0x10)), 0x1D, 0x10)
	done := make(chan error)
	go func() {
		_, err := b.Recv(context.Background())
		done <- err
	}()
	b.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("Recv after Close: %v, want ErrClosed", err)
	}
	if err := b.Send(t.Context(), vector(t, "serial-escape-packet")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v, want ErrClosed", err)
	}
}
