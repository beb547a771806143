package nvmemi

import (
	"fmt"
	"strings"
)

// DecodeStatus decodes the status block as a block read at command 0 returns
// it: block[0] is the count (must be 6), block[1:7] are offsets 1..6 of the
// structure (SFLGS, SWARN, CTemp, PDLU, two reserved bytes). block may also
// carry the PEC byte (offset 7) so a caller can pass the 8 bytes it read, but
// that byte is not checked here: the PEC covers the address bytes, which
// only the reader knows (ReadStatus and ReadBasic verify it). Any other
// length is an error.
func DecodeStatus(block []byte) (Status, error) {
	if len(block) != 1+statusLen && len(block) != 1+statusLen+1 {
		return Status{}, fmt.Errorf("status block: %d bytes, want %d or %d (with PEC)", len(block), 1+statusLen, 1+statusLen+1)
	}
	if block[0] != statusLen {
		return Status{}, fmt.Errorf("status block: count %d != %d", block[0], statusLen)
	}
	sflgs, swarn, ctemp, pdlu := block[1], block[2], block[3], block[4]
	return Status{
		Flags: Flags{
			Ready:            sflgs&0x40 == 0,
			Functional:       sflgs&0x20 != 0,
			ResetNotRequired: sflgs&0x10 != 0,
			Port0LinkActive:  sflgs&0x08 != 0,
			Port1LinkActive:  sflgs&0x04 != 0,
		},
		// SWARN is inverted so that an all-ones byte, what an idle drive
		// or a pulled-up bus returns, never reads as a raised warning.
		Warnings: Warnings{
			SpareLow:             swarn&0x01 == 0,
			TemperatureHigh:      swarn&0x02 == 0,
			ReliabilityDegraded:  swarn&0x04 == 0,
			ReadOnly:             swarn&0x08 == 0,
			VolatileBackupFailed: swarn&0x10 == 0,
		},
		Temperature:     DecodeTemperature(ctemp),
		PercentLifeUsed: int(pdlu),
		Arbitration:     sflgs&0x80 != 0,
	}, nil
}

// DecodeTemperature decodes a CTemp byte: two's complement °C, with 0x7F
// meaning 127 °C or more, 0x80 no data (or data older than 5 s), 0x81 a
// sensor failure, 0x82..0xC3 reserved and 0xC4 meaning −60 °C or less.
func DecodeTemperature(code byte) Temperature {
	switch {
	case code == 0x80:
		return Temperature{Status: "no data"}
	case code == 0x81:
		return Temperature{Status: "sensor failure"}
	case code >= 0x82 && code <= 0xC3:
		return Temperature{Status: fmt.Sprintf("reserved code %#02x", code)}
	}
	return Temperature{Celsius: float64(int8(code)), Valid: true}
}

// DecodeID decodes the identification block as a block read at command 8
// returns it: block[0] is the count (must be 0x16), then the vendor ID (MSB
// first) and the 20-byte serial number. As with DecodeStatus, a trailing PEC
// byte (offset 31) may be included and is not checked here.
//
// The serial number is ASCII padded with spaces (some drives pad with NULs);
// the padding is trimmed from both ends. A serial number with any other byte
// outside printable ASCII is an error: it means the block is not what the
// drive meant to send, and a garbled serial must not reach inventory.
func DecodeID(block []byte) (ID, error) {
	if len(block) != 1+idLen && len(block) != 1+idLen+1 {
		return ID{}, fmt.Errorf("identification block: %d bytes, want %d or %d (with PEC)", len(block), 1+idLen, 1+idLen+1)
	}
	if block[0] != idLen {
		return ID{}, fmt.Errorf("identification block: count %d != %d", block[0], idLen)
	}
	sn := block[3 : 3+serialLen]
	for i, b := range sn {
		if (b < 0x20 || b > 0x7E) && b != 0 {
			return ID{}, fmt.Errorf("identification block: serial number byte %#02x at offset %d is not printable ASCII", b, idOffset+3+i)
		}
	}
	serial := strings.Trim(string(sn), " \x00")
	if strings.ContainsRune(serial, 0) {
		return ID{}, fmt.Errorf("identification block: serial number %q has a NUL inside it", serial)
	}
	return ID{
		VendorID:     uint16(block[1])<<8 | uint16(block[2]),
		SerialNumber: serial,
	}, nil
}
