package crc

// fcs16Table is the CRC-16 table for the reflected CCITT polynomial
// x^16+x^12+x^5+1 (0x8408 bit-reversed), least significant bit first, as
// RFC 1662 appendix C.2 builds it.
var fcs16Table = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x8408
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// FCS16 continues an RFC 1662 frame check sequence over data, starting from
// fcs (0xFFFF for a new frame). It does not complement the result: MCTP over
// serial (DSP0253) as libmctp, mctp-rs and Linux (since its December 2022
// fix) implement it sends the running value as is, most significant byte
// first. That makes it the CRC-16/MCRF4XX of the CRC catalogue, whose check
// value over "123456789" is 0x6F91.
func FCS16(fcs uint16, data ...byte) uint16 {
	for _, b := range data {
		fcs = fcs>>8 ^ fcs16Table[byte(fcs)^b]
	}
	return fcs
}
