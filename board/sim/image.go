package sim

import (
	"fmt"

	"github.com/chassisd/chassisd/board"
	"github.com/chassisd/chassisd/board/sim/at24"
	"github.com/chassisd/chassisd/board/sim/fruimage"
)

// buildSledImage lays out a sled's FRU: board and product areas always (a
// sled's FRU carries both in practice), a chassis area when a chassis type
// is given.
func buildSledImage(f FRUSpec) ([]byte, error) {
	img := fruimage.Image{
		Board: &fruimage.Board{
			MfgDate:      f.MfgDate.Time,
			Manufacturer: f.Manufacturer,
			ProductName:  f.Product,
			SerialNumber: f.SerialNumber,
			PartNumber:   f.PartNumber,
		},
		Product: &fruimage.Product{
			Manufacturer: f.Manufacturer,
			Name:         f.Product,
			PartNumber:   f.PartNumber,
			Version:      f.Version,
			SerialNumber: f.SerialNumber,
			AssetTag:     f.AssetTag,
		},
		SixBitASCII: f.Encoding == "6bit",
		BCDPlus:     f.Encoding == "bcd",
	}
	if f.ChassisType != nil {
		img.Chassis = &fruimage.Chassis{
			Type:         byte(*f.ChassisType),
			PartNumber:   f.PartNumber,
			SerialNumber: f.SerialNumber,
		}
	}
	return fruimage.Build(img)
}

// buildVPDImage lays out a drive's VPD: a product area only, as drive
// vendors ship it.
func buildVPDImage(d DriveSpec) ([]byte, error) {
	return fruimage.Build(fruimage.Image{
		Product: &fruimage.Product{
			Manufacturer: d.Manufacturer,
			Name:         d.Model,
			PartNumber:   d.PartNumber,
			SerialNumber: d.Serial,
		},
	})
}

// eepromParts maps an EEPROM's size to the at24 part of that size, for a
// board that names its EEPROM by type.
var eepromParts = map[int]string{
	256: "24c02", 512: "24c04", 1024: "24c08", 2048: "24c16",
	4096: "24c32", 8192: "24c64", 16384: "24c128", 32768: "24c256", 65536: "24c512",
}

// eepromPart picks the part the board expects at e, able to hold need
// bytes. A board that leaves the type to detection ("auto") gets the
// smallest common part the image fits: a 24C02, else a 24C64.
func eepromPart(e board.EEPROM, need int) (at24.Part, error) {
	name := eepromParts[e.Size]
	if e.Size == 0 {
		name = "24c02"
		if need > 256 {
			name = "24c64"
		}
	}
	if name == "" {
		return at24.Part{}, fmt.Errorf("EEPROM at %#02x: no part of %d bytes", e.Addr, e.Size)
	}
	p, ok := at24.PartByName(name)
	if !ok {
		return at24.Part{}, fmt.Errorf("EEPROM at %#02x: part %s is not emulated", e.Addr, name)
	}
	if e.Addressing != board.AddressingAuto && int(e.Addressing) != p.AddrBytes {
		return at24.Part{}, fmt.Errorf("EEPROM at %#02x: %s takes %d address bytes, the board says %d",
			e.Addr, name, p.AddrBytes, e.Addressing)
	}
	if need > p.Size {
		return at24.Part{}, fmt.Errorf("EEPROM at %#02x: FRU image of %d bytes does not fit a %s (%d bytes): %w",
			e.Addr, need, name, p.Size, ErrInvalidSpec)
	}
	return p, nil
}

// boardAreaChecksum returns the offset of the board area's checksum byte in
// a FRU image, or false when the image has no well-formed board area.
func boardAreaChecksum(img []byte) (int, bool) {
	if len(img) < 8 || img[3] == 0 {
		return 0, false
	}
	start := int(img[3]) * 8
	if start+2 > len(img) {
		return 0, false
	}
	end := start + int(img[start+1])*8
	if img[start+1] == 0 || end > len(img) {
		return 0, false
	}
	return end - 1, true
}
