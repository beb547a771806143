package fruimage

import (
	"testing"
	"time"
)

// FuzzRoundTrip builds images from arbitrary strings and options: Build
// either refuses them or sled/fru reads back exactly what went in.
func FuzzRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, a, b, c string, minutes uint32, sixBit, bcd bool) {
		img := Image{
			Chassis: &Chassis{Type: 0x17, PartNumber: a, SerialNumber: b, Custom: []string{c}},
			Board: &Board{
				Manufacturer: a, ProductName: b, SerialNumber: c,
				MfgDate: epoch.Add(time.Duration(minutes%(1<<24)) * time.Minute),
			},
			Product:     &Product{Name: a, Version: b, AssetTag: c, Custom: []string{a, b}},
			SixBitASCII: sixBit,
			BCDPlus:     bcd,
		}
		if minutes%(1<<24) == 0 {
			img.Board.MfgDate = time.Time{}
		}
		if _, err := Build(img); err != nil {
			return
		}
		checkRoundTrip(t, img)
	})
}
