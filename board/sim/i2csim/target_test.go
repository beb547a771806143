package i2csim

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
)

func TestTargetReceivesMasterWrites(t *testing.T) {
	b := NewBus("i2c-1", 100000)
	tg, err := b.AttachTarget(0x10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AttachTarget(0x10); !errors.Is(err, board.ErrBusy) {
		t.Errorf("second target at 0x10: %v", err)
	}
	w := []byte{0x0f, 0x05, 0x3b, 0x01, 0x00, 0x08, 0xc8}
	if err := b.MasterWrite(0x10, w); err != nil {
		t.Fatal(err)
	}
	w[0] = 0 // the target keeps its own copy
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := tg.Receive(ctx)
	if err != nil || !bytes.Equal(got, []byte{0x0f, 0x05, 0x3b, 0x01, 0x00, 0x08, 0xc8}) {
		t.Fatalf("received % x, %v", got, err)
	}
	// Address byte + 7 data bytes, START and STOP: 8*9+2 bits at 100 kHz.
	if st := b.Stats(); st.Bits != 74 || st.BusTime != 740*time.Microsecond {
		t.Errorf("stats %+v", st)
	}
	if err := b.MasterWrite(0x11, w); !errors.Is(err, board.ErrNACK) {
		t.Errorf("write to nobody: %v", err)
	}
	tg.Close()
	if err := b.MasterWrite(0x10, w); !errors.Is(err, board.ErrNACK) {
		t.Errorf("write after close: %v", err)
	}
	if _, err := tg.Receive(ctx); !errors.Is(err, ErrTargetClosed) {
		t.Errorf("receive after close: %v", err)
	}
}

// TestTargetDropsOldest: an agent that stops reading loses the oldest
// writes, never blocks the device writing.
func TestTargetDropsOldest(t *testing.T) {
	b := NewBus("i2c-1", 400000)
	tg, _ := b.AttachTarget(0x10)
	for i := range targetQueue + 3 {
		if err := b.MasterWrite(0x10, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := tg.Receive(context.Background())
	if got[0] != 3 {
		t.Errorf("oldest kept write %d, want 3", got[0])
	}
}
