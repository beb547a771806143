package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/sled/fru"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut strings.Builder
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestWalkPrintsTheInventory(t *testing.T) {
	code, out, errOut := runCLI(t, "walk")
	if code != 0 {
		t.Fatalf("walk exited %d: %s", code, errOut)
	}
	var snap agent.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatalf("walk output is not a snapshot: %v\n%s", err, out)
	}
	sleds, drives := 0, 0
	for _, b := range snap.Bays {
		if b.Sled == nil {
			continue
		}
		sleds++
		for _, d := range b.Sled.Drives {
			if d.Present {
				drives++
			}
		}
	}
	if sleds != 6 || drives != 23 {
		t.Errorf("walk found %d sleds and %d drives, want 6 and 23", sleds, drives)
	}
}

func TestCheckBoard(t *testing.T) {
	if code, out, errOut := runCLI(t, "check-board", "../../examples/boards/two-sled.yaml"); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("the example board: exit %d\n%s%s", code, out, errOut)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	const file = `board: x
buses:
  - name: i2c-1
    device: /dev/i2c-1
bays:
  - bay: 0
    i2c: {bus: i2c-9}
    sled:
      fru: {addr: 0x90}
`
	if err := os.WriteFile(bad, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "check-board", bad)
	if code != 1 {
		t.Fatalf("a bad board exited %d, want 1", code)
	}
	for _, want := range []string{"bad.yaml:7:", "i2c.bus", "i2c-9", "bad.yaml:9:", "fru.addr", "0x90"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("check-board output lacks %q:\n%s", want, errOut)
		}
	}
}

func TestExportFRUWritesParsableImages(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "sim", "export-fru", dir)
	if code != 0 {
		t.Fatalf("export-fru exited %d: %s", code, errOut)
	}
	files := strings.Fields(out)
	if len(files) != 6+23 {
		t.Errorf("%d files, want 29 (6 sleds, 23 drive VPDs)", len(files))
	}
	for _, f := range files {
		p := f
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, f)
		}
		img, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fru.Parse(img); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	if code, out, _ := runCLI(t, "version"); code != 0 || !strings.Contains(out, "chassisd") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
}
