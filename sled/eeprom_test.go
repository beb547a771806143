package sled

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim/at24"
	"github.com/chassisd/chassisd/board/sim/fruimage"
	"github.com/chassisd/chassisd/board/sim/i2csim"
	"github.com/chassisd/chassisd/sled/fru"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"
)

// eepromBoardImage is the hardware-facts board-area vector behind its
// example common header: 40 bytes, the board area at 0x08 of 32 bytes.
var eepromBoardImage = []byte{
	0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xFE,
	0x01, 0x04, 0x00, 0xE0, 0xB6, 0xE0, 0xC4, 'A', 'C', 'M', 'E', 0xC4, 'S', 'L', 'E', 'D',
	0xC4, 'S', 'N', '0', '1', 0xC4, 'P', 'N', '0', '1', 0xC0, 0xC1, 0x00, 0x00, 0x00, 0xB5,
}

func eepromPlayback(t *testing.T, ops []i2ctest.IO) *i2ctest.Playback {
	t.Helper()
	p := &i2ctest.Playback{Ops: ops, DontPanic: true}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// detectOps is OpenBMC's width detection as the bus sees it, the eight
// reads returning got.
func detectOps(addr uint16, got [8]byte) []i2ctest.IO {
	ops := []i2ctest.IO{{Addr: addr, W: []byte{0x00}}}
	for _, b := range got {
		ops = append(ops, i2ctest.IO{Addr: addr, W: []byte{0x00}, R: []byte{b}})
	}
	return ops
}

func TestReadFRUImagePlayback(t *testing.T) {
	img := eepromBoardImage
	hdr, lenByte, rest := img[:8], img[8:10], img[10:]
	tests := []struct {
		name string
		e    board.EEPROM
		ops  []i2ctest.IO
	}{
		{"one-byte", board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne}, []i2ctest.IO{
			{Addr: 0x50, W: []byte{0x00}, R: hdr},
			{Addr: 0x50, R: lenByte}, // through the board area's length byte
			{Addr: 0x50, R: rest},
		}},
		{"two-byte", board.EEPROM{Addr: 0x51, Addressing: board.AddressingTwo}, []i2ctest.IO{
			{Addr: 0x51, W: []byte{0x00, 0x00}, R: hdr},
			{Addr: 0x51, R: lenByte},
			{Addr: 0x51, R: rest},
		}},
		{"auto detects one-byte", board.EEPROM{Addr: 0x50}, append(detectOps(0x50, [8]byte{1, 1, 1, 1, 1, 1, 1, 1}),
			i2ctest.IO{Addr: 0x50, W: []byte{0x00}, R: hdr},
			i2ctest.IO{Addr: 0x50, R: lenByte},
			i2ctest.IO{Addr: 0x50, R: rest},
		)},
		{"auto detects two-byte", board.EEPROM{Addr: 0x50}, append(detectOps(0x50, [8]byte(hdr)),
			i2ctest.IO{Addr: 0x50, W: []byte{0x00, 0x00}, R: hdr},
			i2ctest.IO{Addr: 0x50, R: lenByte},
			i2ctest.IO{Addr: 0x50, R: rest},
		)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus := eepromPlayback(t, tc.ops)
			got, err := ReadFRUImage(&i2c.Dev{Bus: bus, Addr: tc.e.Addr}, tc.e)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, img) {
				t.Errorf("image % x, want % x", got, img)
			}
		})
	}
}

func TestDetectAddressingPlayback(t *testing.T) {
	tests := []struct {
		name string
		got  [8]byte
		want board.EEPROMAddressing
	}{
		{"same byte eight times", [8]byte{1, 1, 1, 1, 1, 1, 1, 1}, board.AddressingOne},
		{"successive header bytes", [8]byte{1, 0, 0, 1, 0, 0, 0, 0xFE}, board.AddressingTwo},
		{"one byte differs", [8]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, board.AddressingTwo},
		{"blank part", [8]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, board.AddressingOne},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus := eepromPlayback(t, detectOps(0x52, tc.got))
			got, err := DetectAddressing(&i2c.Dev{Bus: bus, Addr: 0x52})
			if err != nil || got != tc.want {
				t.Errorf("DetectAddressing = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestReadFRUImageGap: an internal use area fills 0x08..0x1F, so the
// reader jumps to the board area at 0x20 with a random read instead of
// reading 24 bytes it has no use for.
func TestReadFRUImageGap(t *testing.T) {
	hdr := []byte{0x01, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFA}
	area := eepromBoardImage[8:]
	bus := eepromPlayback(t, []i2ctest.IO{
		{Addr: 0x50, W: []byte{0x00}, R: hdr},
		{Addr: 0x50, W: []byte{0x20}, R: area[:2]},
		{Addr: 0x50, R: area[2:]},
	})
	got, err := ReadFRUImage(&i2c.Dev{Bus: bus, Addr: 0x50}, board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append(append([]byte{}, hdr...), bytes.Repeat([]byte{0xFF}, 24)...), area...)
	if !bytes.Equal(got, want) {
		t.Errorf("image % x, want % x", got, want)
	}
	f, err := fru.Parse(got)
	if err != nil || f.Board.Manufacturer != "ACME" {
		t.Errorf("Parse: %+v, %v", f, err)
	}
}

func TestReadFRUImageBadHeader(t *testing.T) {
	// A blank part: the header is all we read; Parse says what is wrong.
	blank := bytes.Repeat([]byte{0xFF}, 8)
	bus := eepromPlayback(t, []i2ctest.IO{{Addr: 0x50, W: []byte{0x00}, R: blank}})
	got, err := ReadFRUImage(&i2c.Dev{Bus: bus, Addr: 0x50}, board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne})
	if err != nil || !bytes.Equal(got, blank) {
		t.Fatalf("ReadFRUImage = % x, %v", got, err)
	}
	if _, err := fru.Parse(got); !errors.Is(err, fru.ErrHeader) {
		t.Errorf("Parse err %v, want ErrHeader", err)
	}
}

func TestReadFRUImageSizeCap(t *testing.T) {
	// The header says the board area is 32 bytes at 0x08, the board file
	// says the part holds 16: read no further, let Parse report it.
	img := eepromBoardImage
	bus := eepromPlayback(t, []i2ctest.IO{
		{Addr: 0x50, W: []byte{0x00}, R: img[:8]},
		{Addr: 0x50, R: img[8:10]},
		{Addr: 0x50, R: img[10:16]},
	})
	got, err := ReadFRUImage(&i2c.Dev{Bus: bus, Addr: 0x50}, board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne, Size: 16})
	if err != nil || !bytes.Equal(got, img[:16]) {
		t.Fatalf("ReadFRUImage = % x, %v", got, err)
	}
	if _, err := fru.Parse(got); !errors.Is(err, fru.ErrTruncated) {
		t.Errorf("Parse err %v, want ErrTruncated", err)
	}
}

// failingBus answers like an EEPROM of img at any address, but fails the
// transaction numbered failAt (from 0).
type failingBus struct {
	img    []byte
	pos    int
	n      int
	failAt int
	err    error
}

func (b *failingBus) String() string                  { return "i2c-9" }
func (b *failingBus) SetSpeed(physic.Frequency) error { return nil }
func (b *failingBus) Tx(addr uint16, w, r []byte) error {
	defer func() { b.n++ }()
	if b.n == b.failAt {
		return fmt.Errorf("i2c-9: addr %#02x: %w", addr, b.err)
	}
	if len(w) > 0 {
		b.pos = int(w[len(w)-1])
	}
	for i := range r {
		r[i] = b.img[b.pos%len(b.img)]
		b.pos++
	}
	return nil
}

func TestReadFRUImageErrors(t *testing.T) {
	tests := []struct {
		name   string
		e      board.EEPROM
		failAt int
		err    error
		want   string
	}{
		{"header NACK", board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne}, 0, board.ErrNACK,
			"EEPROM 0x50: read at 0x0000 (8 bytes): i2c-9: addr 0x50: no acknowledge"},
		{"length byte timeout", board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne}, 1, board.ErrTimeout,
			"EEPROM 0x50: read at 0x0008 (2 bytes): i2c-9: addr 0x50: bus timeout"},
		{"rest bus error", board.EEPROM{Addr: 0x57, Addressing: board.AddressingTwo}, 2, board.ErrBusError,
			"EEPROM 0x57: read at 0x000a (30 bytes): i2c-9: addr 0x57: bus error"},
		{"detection send byte", board.EEPROM{Addr: 0x50}, 0, board.ErrNACK,
			"EEPROM 0x50: width detection: send byte 0x00: i2c-9: addr 0x50: no acknowledge"},
		{"detection read", board.EEPROM{Addr: 0x50}, 3, board.ErrNACK,
			"EEPROM 0x50: width detection: read byte data 0 (3 of 8): "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus := &failingBus{img: eepromBoardImage, failAt: tc.failAt, err: tc.err}
			img, err := ReadFRUImage(&i2c.Dev{Bus: bus, Addr: tc.e.Addr}, tc.e)
			if err == nil {
				t.Fatalf("no error, image % x", img)
			}
			if !errors.Is(err, tc.err) || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err %q, want %q wrapping %v", err, tc.want, tc.err)
			}
		})
	}
	bus := &failingBus{img: eepromBoardImage, failAt: -1}
	if _, err := ReadFRUImage(&i2c.Dev{Bus: bus, Addr: 0x50}, board.EEPROM{Addr: 0x50, Addressing: 7}); err == nil {
		t.Error("addressing 7 accepted")
	}
}

// simFRU returns an emulated bus with part p at 0x50 holding img.
func simFRU(t *testing.T, p at24.Part, img []byte) (*i2csim.Bus, *at24.Device) {
	t.Helper()
	bus := i2csim.NewBus("i2c-1", 100000)
	d := at24.New(p, img)
	bus.Root().Attach(0x50, d)
	return bus, d
}

// bigImage has board and product areas, the product area carrying enough
// custom fields to need reads longer than 256 bytes.
func bigImage(t *testing.T) []byte {
	t.Helper()
	custom := make([]string, 12)
	for i := range custom {
		custom[i] = strings.Repeat(string(rune('A'+i)), 60)
	}
	img, err := fruimage.Build(fruimage.Image{
		Board: &fruimage.Board{MfgDate: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), Manufacturer: "ACME", ProductName: "SLED"},
		Product: &fruimage.Product{
			Manufacturer: "ACME", Name: "SLED", SerialNumber: "S1", Custom: custom,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestReadFRUImageFromEmulatedEEPROM(t *testing.T) {
	big := bigImage(t)
	if len(big) <= 512 {
		t.Fatalf("test image of %d bytes is too small", len(big))
	}
	tests := []struct {
		name string
		part at24.Part
		e    board.EEPROM
		img  []byte
		// tx is the transactions the read takes: detection 9, header 1,
		// then one per current-address read.
		tx int
	}{
		{"24c02", at24.AT24C02, board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne, Size: 256}, eepromBoardImage, 3},
		{"24c02 auto", at24.AT24C02, board.EEPROM{Addr: 0x50}, eepromBoardImage, 9 + 3},
		{"24c64", at24.AT24C64, board.EEPROM{Addr: 0x50, Addressing: board.AddressingTwo, Size: 8192}, eepromBoardImage, 3},
		{"24c64 auto", at24.AT24C64, board.EEPROM{Addr: 0x50}, eepromBoardImage, 9 + 3},
		// Header; through the product length byte; the rest (> 512
		// bytes) in reads of at most 256.
		{"24c64 big", at24.AT24C64, board.EEPROM{Addr: 0x50, Addressing: board.AddressingTwo}, big, 2 + (len(big)-0x22+255)/256},
		{"24c64 big auto", at24.AT24C64, board.EEPROM{Addr: 0x50}, big, 9 + 2 + (len(big)-0x22+255)/256},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus, d := simFRU(t, tc.part, tc.img)
			got, err := ReadFRUImage(&i2c.Dev{Bus: bus, Addr: 0x50}, tc.e)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.img) {
				t.Fatalf("image (%d bytes) differs from the %d written", len(got), len(tc.img))
			}
			if st := bus.Stats(); st.Transactions != tc.tx {
				t.Errorf("%d transactions, want %d", st.Transactions, tc.tx)
			}
			if !bytes.Equal(d.Contents()[:len(tc.img)], tc.img) {
				t.Error("reading changed the EEPROM")
			}
			if _, err := fru.Parse(got); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestReadFRUImageBusBytes checks the wire cost against the bytes that must
// cross it: the header read's address, offset and repeated-START address
// bytes, then one address byte per further read, and the image itself.
func TestReadFRUImageBusBytes(t *testing.T) {
	bus, _ := simFRU(t, at24.AT24C02, eepromBoardImage)
	if _, err := ReadFRUImage(&i2c.Dev{Bus: bus, Addr: 0x50}, board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne}); err != nil {
		t.Fatal(err)
	}
	want := len(eepromBoardImage) + 3 + 2
	if st := bus.Stats(); st.Bytes != want {
		t.Errorf("%d bytes on the wire, want %d", st.Bytes, want)
	}
}

// TestReadFRUImageCorruptEEPROM: a poked checksum still reads whole; Parse
// keeps the text and reports the area.
func TestReadFRUImageCorruptEEPROM(t *testing.T) {
	bus, d := simFRU(t, at24.AT24C02, eepromBoardImage)
	d.Poke(39, []byte{0xB5 + 0x1C})
	img, err := ReadFRUImage(&i2c.Dev{Bus: bus, Addr: 0x50}, board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne})
	if err != nil {
		t.Fatal(err)
	}
	f, err := fru.Parse(img)
	if !errors.Is(err, fru.ErrChecksum) || f.Board == nil || f.Board.Manufacturer != "ACME" {
		t.Errorf("Parse = %+v, %v", f, err)
	}
	if want := "board area at 0x08: checksum 0x1c != 0"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err %v, want %q", err, want)
	}
}

func TestDetectAddressingEmulated(t *testing.T) {
	for _, tc := range []struct {
		part at24.Part
		want board.EEPROMAddressing
	}{
		{at24.AT24C02, board.AddressingOne},
		{at24.AT24C64, board.AddressingTwo},
		{at24.AT24C256, board.AddressingTwo},
	} {
		bus, d := simFRU(t, tc.part, eepromBoardImage)
		got, err := DetectAddressing(&i2c.Dev{Bus: bus, Addr: 0x50})
		if err != nil || got != tc.want {
			t.Errorf("%s: DetectAddressing = %v, %v; want %v", tc.part.Name, got, err, tc.want)
		}
		if !bytes.Equal(d.Contents()[:len(eepromBoardImage)], eepromBoardImage) {
			t.Errorf("%s: detection changed memory", tc.part.Name)
		}
	}
}

func TestReadFRUImageNoDevice(t *testing.T) {
	bus := i2csim.NewBus("i2c-1", 100000)
	_, err := ReadFRUImage(&i2c.Dev{Bus: bus, Addr: 0x50}, board.EEPROM{Addr: 0x50, Addressing: board.AddressingOne})
	if !errors.Is(err, board.ErrNACK) {
		t.Errorf("err %v, want ErrNACK", err)
	}
}
