package agent

import (
	"reflect"
	"strings"
	"testing"

	"github.com/chassisd/chassisd/sled"
)

// changeSled is a sled in bay with drives in the given slots, all healthy.
func changeSled(bay int, serial string, slots ...int) *sled.Sled {
	s := &sled.Sled{Bay: bay, Identity: sled.Identity{Model: "X100", SerialNumber: serial},
		FRUValid: true, Sideband: "I2C", Health: sled.HealthOK}
	for _, n := range slots {
		s.Drives = append(s.Drives, sled.Drive{Slot: n, Present: true, SerialNumber: "D" + serial + string(rune('0'+n)),
			Identity: sled.Identity{Model: "NVMe 1T"}, Health: sled.HealthOK})
	}
	return s
}

func changeSnap(bays ...Bay) *Snapshot { return &Snapshot{Bays: bays} }

func changeBay(i int, s *sled.Sled) Bay {
	return Bay{Index: i, Name: "Bay " + string(rune('0'+i)), Present: s != nil, Sled: s}
}

// changeBrief is the part of a Change a table can spell out.
type changeBrief struct {
	Kind     ChangeKind
	Bay      int
	Slot     int
	From, To string
}

func changeBriefs(cs []Change) []changeBrief {
	var out []changeBrief
	for _, c := range cs {
		out = append(out, changeBrief{c.Kind, c.Bay, c.Slot, c.From, c.To})
	}
	return out
}

func TestChanges(t *testing.T) {
	hot := changeSled(1, "S1", 0, 1)
	hot.Drives[1].Health = sled.HealthCritical
	hot.Drives[1].Problems = []sled.Problem{{Health: sled.HealthCritical, Message: "temperature above threshold"}}
	warn := changeSled(1, "S1", 0, 1)
	warn.Health = sled.HealthWarning
	warn.Problems = []sled.Problem{{Health: sled.HealthWarning, Message: "FRU at 0x50: board area checksum 0x1c != 0"}}
	uart := changeSled(1, "S1", 0, 1)
	uart.Sideband = "UART"
	oneDrive := changeSled(1, "S1", 0)
	otherDrive := changeSled(1, "S1", 0, 1)
	otherDrive.Drives[1].SerialNumber = "OTHER"
	noSerial := changeSled(1, "S1", 0, 1)
	noSerial.Identity.SerialNumber = ""
	noSerial.Drives[0].SerialNumber = ""
	emptySlot := changeSled(1, "S1", 0, 1)
	emptySlot.Drives[1] = sled.Drive{Slot: 1}

	tests := []struct {
		name       string
		prev, next *Snapshot
		want       []changeBrief
	}{
		{"first walk reports each sled as added, not its drives",
			nil, changeSnap(changeBay(0, nil), changeBay(1, changeSled(1, "S1", 0, 1)), changeBay(2, changeSled(2, "S2"))),
			[]changeBrief{{SledAdded, 1, -1, "", ""}, {SledAdded, 2, -1, "", ""}}},
		{"nothing changed", changeSnap(changeBay(1, changeSled(1, "S1", 0))), changeSnap(changeBay(1, changeSled(1, "S1", 0))), nil},
		{"both empty", nil, nil, nil},
		{"present but not read yet is not a resource",
			nil, changeSnap(Bay{Index: 3, Present: true}), nil},
		{"sled removed", changeSnap(changeBay(1, changeSled(1, "S1", 0))), changeSnap(changeBay(1, nil)),
			[]changeBrief{{SledRemoved, 1, -1, "", ""}}},
		{"bay missing from the next snapshot counts as removed", changeSnap(changeBay(1, changeSled(1, "S1"))), changeSnap(),
			[]changeBrief{{SledRemoved, 1, -1, "", ""}}},
		{"sled swapped between polls", changeSnap(changeBay(1, changeSled(1, "S1", 0))), changeSnap(changeBay(1, changeSled(1, "S9", 0))),
			[]changeBrief{{SledRemoved, 1, -1, "", ""}, {SledAdded, 1, -1, "", ""}}},
		{"serial unreadable is not a swap", changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))), changeSnap(changeBay(1, noSerial)), nil},
		{"sled health", changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))), changeSnap(changeBay(1, warn)),
			[]changeBrief{{SledHealthChanged, 1, -1, "OK", "Warning"}}},
		{"drive health", changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))), changeSnap(changeBay(1, hot)),
			[]changeBrief{{DriveHealthChanged, 1, 1, "OK", "Critical"}}},
		{"drive health recovers", changeSnap(changeBay(1, hot)), changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))),
			[]changeBrief{{DriveHealthChanged, 1, 1, "Critical", "OK"}}},
		{"sideband", changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))), changeSnap(changeBay(1, uart)),
			[]changeBrief{{SidebandChanged, 1, -1, "I2C", "UART"}}},
		{"drive removed", changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))), changeSnap(changeBay(1, oneDrive)),
			[]changeBrief{{DriveRemoved, 1, 1, "", ""}}},
		{"drive slot emptied", changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))), changeSnap(changeBay(1, emptySlot)),
			[]changeBrief{{DriveRemoved, 1, 1, "", ""}}},
		{"drive added", changeSnap(changeBay(1, oneDrive)), changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))),
			[]changeBrief{{DriveAdded, 1, 1, "", ""}}},
		{"drive swapped", changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))), changeSnap(changeBay(1, otherDrive)),
			[]changeBrief{{DriveRemoved, 1, 1, "", ""}, {DriveAdded, 1, 1, "", ""}}},
		{"order: bays ascending, sled before drives",
			changeSnap(changeBay(2, changeSled(2, "S2", 0)), changeBay(1, changeSled(1, "S1", 0, 1))),
			changeSnap(changeBay(1, func() *sled.Sled { s := *hot; s.Health = sled.HealthWarning; return &s }()), changeBay(2, nil)),
			[]changeBrief{{SledHealthChanged, 1, -1, "OK", "Warning"}, {DriveHealthChanged, 1, 1, "OK", "Critical"}, {SledRemoved, 2, -1, "", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := changeBriefs(Changes(tt.prev, tt.next))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Changes:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestChangesMessagesAndIdentity(t *testing.T) {
	hot := changeSled(1, "S1", 0, 1)
	hot.Drives[1].Health = sled.HealthCritical
	hot.Drives[1].Problems = []sled.Problem{{Health: sled.HealthCritical, Message: "temperature above threshold"}}

	added := Changes(nil, changeSnap(changeBay(1, changeSled(1, "S1"))))
	if len(added) != 1 {
		t.Fatalf("got %d changes, want 1", len(added))
	}
	c := added[0]
	if c.Model != "X100" || c.SerialNumber != "S1" || c.BayName != "Bay 1" || c.Resource != "" {
		t.Errorf("added change = %+v: want model, serial and bay name filled, Resource empty", c)
	}
	if c.Message != "sled added in Bay 1 (X100, serial S1)" {
		t.Errorf("message %q", c.Message)
	}

	health := Changes(changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))), changeSnap(changeBay(1, hot)))
	if len(health) != 1 || !strings.Contains(health[0].Message, "slot 1 of the sled in Bay 1") ||
		!strings.HasSuffix(health[0].Message, "from OK to Critical: temperature above threshold") {
		t.Errorf("drive health change = %+v: want the slot, the health and the problem named", health)
	}

	removed := Changes(changeSnap(changeBay(1, changeSled(1, "S1", 0, 1))), changeSnap(changeBay(1, changeSled(1, "S1", 0))))
	if len(removed) != 1 || removed[0].SerialNumber != "DS11" || removed[0].Model != "NVMe 1T" {
		t.Errorf("drive removal = %+v: want the removed drive's identity", removed)
	}

	unnamed := Changes(nil, changeSnap(Bay{Index: 4, Sled: changeSled(4, "")}))
	if len(unnamed) != 1 || unnamed[0].BayName != "Bay 4" || unnamed[0].Message != "sled added in Bay 4 (X100)" {
		t.Errorf("unnamed bay = %+v", unnamed)
	}
}

func TestChangesLeavesSnapshotsAlone(t *testing.T) {
	prev := changeSnap(changeBay(1, changeSled(1, "S1", 0, 1)))
	next := changeSnap(changeBay(1, changeSled(1, "S9", 0)))
	before := *prev.Bays[0].Sled
	Changes(prev, next)
	if !reflect.DeepEqual(before, *prev.Bays[0].Sled) {
		t.Error("Changes modified prev")
	}
}
