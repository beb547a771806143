package sim

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// ExportFRU writes the EEPROM contents of every plugged sled and drive into
// dir, as the parts hold them (full part size, live corruption included):
// bay<N>-sled.bin for a sled's FRU and bay<N>-slot<M>-vpd.bin for a drive's
// VPD. It creates dir if needed and returns the paths written (dir joined
// with each file name), bays and slots in order. Other tools (ipmitool fru
// print, frugy) can read the files, and tests feed them to parsers.
func (c *Chassis) ExportFRU(dir string) ([]string, error) {
	type file struct {
		name string
		data []byte
	}
	var files []file
	c.mu.Lock()
	indexes := make([]int, 0, len(c.bays))
	for i := range c.bays {
		indexes = append(indexes, i)
	}
	sort.Ints(indexes)
	for _, i := range indexes {
		sl := c.bays[i].sled
		if sl == nil {
			continue
		}
		files = append(files, file{SledFRUFile(i), sl.fru.Contents()})
		slots := make([]int, 0, len(sl.drives))
		for s := range sl.drives {
			slots = append(slots, s)
		}
		sort.Ints(slots)
		for _, s := range slots {
			if vpd := sl.drives[s].vpd; vpd != nil {
				files = append(files, file{DriveVPDFile(i, s), vpd.Contents()})
			}
		}
	}
	c.mu.Unlock()

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("export FRU: %w", err)
	}
	paths := make([]string, 0, len(files))
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return paths, fmt.Errorf("export FRU: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// SledFRUFile is the name ExportFRU gives a sled's FRU image.
func SledFRUFile(bay int) string { return fmt.Sprintf("bay%d-sled.bin", bay) }

// DriveVPDFile is the name ExportFRU gives a drive's VPD image.
func DriveVPDFile(bay, slot int) string { return fmt.Sprintf("bay%d-slot%d-vpd.bin", bay, slot) }
