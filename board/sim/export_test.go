package sim

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestExportFRU(t *testing.T) {
	c := testChassis(t)
	if err := c.CorruptFRU(2); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "fru")
	paths, err := c.ExportFRU(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"bay0-sled.bin", "bay0-slot0-vpd.bin", "bay0-slot1-vpd.bin",
		"bay2-sled.bin", "bay2-slot0-vpd.bin", "bay2-slot1-vpd.bin",
	}
	if len(paths) != len(want) {
		t.Fatalf("wrote %v, want %v", paths, want)
	}
	for i, p := range paths {
		if p != filepath.Join(dir, want[i]) {
			t.Errorf("path %d: %s, want %s", i, p, filepath.Join(dir, want[i]))
		}
	}
	// The files hold the parts' full contents, corruption included.
	for bay, size := range map[int]int{0: 256, 2: 8192} {
		got, err := os.ReadFile(filepath.Join(dir, want[bay/2*3]))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != size || !bytes.Equal(got, c.bays[bay].sled.fru.Contents()) {
			t.Errorf("bay %d: file of %d bytes differs from the EEPROM (%d bytes)", bay, len(got), size)
		}
	}
}
