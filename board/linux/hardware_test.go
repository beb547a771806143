package linux

import (
	"errors"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/board"
)

func TestOpenMissingAdapter(t *testing.T) {
	const dev = "/dev/i2c-chassisd-test-99"
	b := &board.Board{Name: "t", Buses: []board.Bus{{Name: "i2c-99", Device: dev}}}
	hw, err := Open(b)
	if err == nil {
		hw.Close()
		t.Fatal("Open succeeded")
	}
	if hw != nil {
		t.Errorf("Open returned hardware %v with an error", hw)
	}
	if msg := err.Error(); !strings.Contains(msg, dev) || !strings.Contains(msg, "bus i2c-99") {
		t.Errorf("error %q does not name the bus and its device", msg)
	}
}

func TestOpenBusWithoutDevice(t *testing.T) {
	b := &board.Board{Name: "t", Buses: []board.Bus{{Name: "i2c-1"}}}
	if _, err := Open(b); err == nil || !strings.Contains(err.Error(), "bus i2c-1 has no device") {
		t.Errorf("Open = %v", err)
	}
}

func TestHardwareLookupsAndClose(t *testing.T) {
	hw, err := Open(&board.Board{Name: "empty"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hw.I2C("i2c-1"); err == nil || !strings.Contains(err.Error(), `no bus "i2c-1"`) {
		t.Errorf("I2C(unknown) = %v", err)
	}
	_, err = hw.GPIO(board.Line{Chip: "chassisd-test-no-such-chip", Offset: 3})
	if err == nil || !strings.Contains(err.Error(), "chassisd-test-no-such-chip") {
		t.Errorf("GPIO(unknown chip) = %v", err)
	}
	if _, err := hw.UART(board.UART{Device: "/dev/ttyS-chassisd-test-none", Baud: 115200}); err == nil ||
		!strings.Contains(err.Error(), "/dev/ttyS-chassisd-test-none") {
		t.Errorf("UART(missing) = %v", err)
	}
	if err := hw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := hw.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := hw.I2C("i2c-1"); !errors.Is(err, errClosed) {
		t.Errorf("I2C after Close = %v", err)
	}
	if _, err := hw.GPIO(board.Line{Chip: "gpiochip0", Offset: 1}); !errors.Is(err, errClosed) {
		t.Errorf("GPIO after Close = %v", err)
	}
	if _, err := hw.UART(board.UART{Device: "/dev/ttyS1", Baud: 115200}); !errors.Is(err, errClosed) {
		t.Errorf("UART after Close = %v", err)
	}
}

func TestOpenUARTChecksArguments(t *testing.T) {
	if _, err := OpenUART(board.UART{Baud: 115200}); err == nil {
		t.Error("empty device accepted")
	}
	if _, err := OpenUART(board.UART{Device: "/dev/ttyS1", Baud: 0}); err == nil {
		t.Error("baud 0 accepted")
	}
}
