package sled

import (
	"fmt"

	"periph.io/x/conn/v3"
)

// lm75Pointer selects the LM75 temperature register.
const lm75Pointer = 0x00

// DecodeLM75 turns the temperature register of an LM75-style sensor (sent
// MSB first, two's complement, left-justified) into °C at the given
// resolution in bits, 9 (0.5 °C steps, LM75) to 12 (0.0625 °C, TMP75). A
// resolution outside 9..12 is taken as the nearest of them. Decoding at more
// bits than the part converts at is harmless: the unused low bits read 0.
func DecodeLM75(raw uint16, bits int) float64 {
	bits = max(9, min(bits, 12))
	// The arithmetic shift keeps the sign; the result counts steps of
	// 1/2^(bits-8) °C.
	steps := int16(raw) >> (16 - bits)
	return float64(steps) / float64(int(1)<<(bits-8))
}

// ReadLM75 reads the temperature register of the LM75-style sensor behind c
// at the given resolution (see DecodeLM75). A read error gives a Temperature
// with Valid false and Status "read failed: ...", and the error.
//
// The pointer register keeps its value, so once it is 0 a bare 2-byte read
// would do and save two byte times; but another master (or a BIOS, or a
// Linux hwmon driver reading the limits) may have left it elsewhere, and a
// stale pointer would make THYST read as a temperature without any error.
// So every read is one combined transaction: write pointer 0, repeated
// START, read 2 bytes.
func ReadLM75(c conn.Conn, bits int) (Temperature, error) {
	var r [2]byte
	if err := c.Tx([]byte{lm75Pointer}, r[:]); err != nil {
		err = fmt.Errorf("temperature register: %w", err)
		return Temperature{Status: "read failed: " + err.Error()}, err
	}
	return Temperature{Celsius: DecodeLM75(uint16(r[0])<<8|uint16(r[1]), bits), Valid: true}, nil
}
