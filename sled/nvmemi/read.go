package nvmemi

import (
	"fmt"

	"github.com/chassisd/chassisd/sideband"
	"periph.io/x/conn/v3"
)

// ReadBasic reads the status and identification blocks in one transaction:
// write command 0, repeated START, read 32 bytes (offsets 0..31: count, 6
// status bytes, PEC, count, 22 identification bytes, PEC). Each PEC is the
// one a block read at that block's own command code would carry (over
// a+W cc a+R count data), and both are verified. addr is the drive's 7-bit
// address, which the PECs cover.
//
// One transaction puts 35 bytes on the wire where two block reads (at 0 and
// at 8) would put 38 and an extra START and STOP, and no other master can
// read in between. When the status block is good but the
// identification block is not, the decoded status is returned with the
// error.
func ReadBasic(c conn.Conn, addr uint16) (Status, ID, error) {
	where := fmt.Sprintf("SMBus %#02x cmd %#02x", addr, statusOffset)
	r := make([]byte, basicLen)
	if err := c.Tx([]byte{statusOffset}, r); err != nil {
		return Status{}, ID{}, fmt.Errorf("%s: %w", where, err)
	}
	if err := checkBlock(addr, statusOffset, statusLen, r[:idOffset]); err != nil {
		return Status{}, ID{}, fmt.Errorf("%s: status block: %w", where, err)
	}
	st, err := DecodeStatus(r[:idOffset])
	if err != nil {
		return Status{}, ID{}, fmt.Errorf("%s: %w", where, err)
	}
	if err := checkBlock(addr, idOffset, idLen, r[idOffset:]); err != nil {
		return st, ID{}, fmt.Errorf("%s: identification block at offset %d: %w", where, idOffset, err)
	}
	id, err := DecodeID(r[idOffset:])
	if err != nil {
		return st, ID{}, fmt.Errorf("%s: %w", where, err)
	}
	return st, id, nil
}

// ReadStatus reads only the status block: a block read at command 0 with PEC
// (the command byte, then 8 bytes read), for polling a drive already
// identified.
func ReadStatus(c conn.Conn, addr uint16) (Status, error) {
	data, err := sideband.ReadBlockPEC(c, addr, statusOffset, statusLen)
	if err != nil {
		return Status{}, err
	}
	st, err := DecodeStatus(append([]byte{statusLen}, data...))
	if err != nil {
		return Status{}, fmt.Errorf("SMBus %#02x cmd %#02x: %w", addr, statusOffset, err)
	}
	return st, nil
}

// checkBlock verifies one block of a multi-block read: b is count, n data
// bytes and the PEC the drive computed as for a block read at command cc.
func checkBlock(addr uint16, cc byte, n int, b []byte) error {
	if int(b[0]) != n {
		return fmt.Errorf("block count %d != %d: %w", b[0], n, sideband.ErrBlockCount)
	}
	got, want := b[1+n], sideband.ReadPEC(addr, []byte{cc}, b[:1+n])
	if got != want {
		return fmt.Errorf("PEC %#02x != %#02x: %w", got, want, sideband.ErrPEC)
	}
	return nil
}
