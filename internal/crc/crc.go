// Package crc holds the small checksums the chassis protocols share between
// the side that sends a frame and the side that checks it: the SMBus Packet
// Error Code (CRC-8) used by SMBus, NVMe-MI and MCTP over SMBus, and the
// FCS-16 of MCTP over serial.
//
// It lives below every other package so that the simulated devices in
// board/sim and the drivers in sideband compute the same bytes from one
// implementation.
package crc

// pecTable is the CRC-8 table for polynomial x^8+x^2+x+1 (0x07), MSB first.
var pecTable = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x07
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// PEC continues an SMBus Packet Error Code over data, starting from crc (0 for
// a new packet). SMBus 2.0 defines it as CRC-8, polynomial 0x07, initial value
// 0, not reflected, no final XOR, over every byte on the wire including each
// address byte with its R/W bit.
func PEC(crc byte, data ...byte) byte {
	for _, b := range data {
		crc = pecTable[crc^b]
	}
	return crc
}
