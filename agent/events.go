package agent

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/chassisd/chassisd/sled"
)

// ChangeKind names what changed between two snapshots. It is a string so a
// log line or a test failure reads without a lookup table, and so later
// kinds (routing, links) can be added without renumbering anything.
type ChangeKind string

// The kinds of change Changes reports. A sled or drive counts as present
// when the snapshot shows it as a resource: a bay with a Sled read, a slot
// with Present set.
const (
	SledAdded          ChangeKind = "SledAdded"
	SledRemoved        ChangeKind = "SledRemoved"
	SledHealthChanged  ChangeKind = "SledHealthChanged"
	DriveAdded         ChangeKind = "DriveAdded"
	DriveRemoved       ChangeKind = "DriveRemoved"
	DriveHealthChanged ChangeKind = "DriveHealthChanged"
	SidebandChanged    ChangeKind = "SidebandChanged"
)

// Change is one thing that differs between two snapshots, worded for an
// operator and placed precisely enough that the Redfish layer can name the
// resource it concerns.
type Change struct {
	Kind ChangeKind
	Bay  int // bay index, as in Bay.Index and Sled.Bay
	// Slot is the drive slot, or -1 for a change of the sled itself.
	Slot int
	// BayName is the board's label for the bay ("Bay 2"), for messages.
	BayName string
	// Resource is left empty here: the Redfish layer knows the @odata.id.
	Resource string
	// From and To are the old and new value of what changed (a health, a
	// sideband); both are empty for additions and removals.
	From, To string
	// Model and SerialNumber identify the added or removed part, when its
	// FRU or VPD said; empty otherwise.
	Model, SerialNumber string
	// Message is the change in one sentence for an operator's log.
	Message string
}

// Changes lists what differs from prev to next, in bay order and, within a
// bay, the sled before its drives in slot order. prev may be nil (the first
// walk): every sled next shows is then reported as added. Drives of an
// added or removed sled are not listed one by one: the sled's change covers
// them. A sled or drive whose serial number changed between two snapshots
// was swapped faster than a poll: it is reported as removed, then added.
// Changes never modifies either snapshot.
func Changes(prev, next *Snapshot) []Change {
	var out []Change
	before := baysByIndex(prev)
	after := baysByIndex(next)
	for _, idx := range unionKeys(before, after) {
		out = append(out, bayChanges(before[idx], after[idx])...)
	}
	return out
}

// bayChanges compares one bay; either side may be nil (bay absent from that
// snapshot) or have no sled.
func bayChanges(prev, next *Bay) []Change {
	var p, n *sled.Sled
	var idx int
	var name string
	if prev != nil {
		p, idx, name = prev.Sled, prev.Index, prev.Name
	}
	if next != nil {
		n, idx = next.Sled, next.Index
		if next.Name != "" {
			name = next.Name
		}
	}
	if name == "" {
		name = "Bay " + strconv.Itoa(idx)
	}
	at := Change{Bay: idx, Slot: -1, BayName: name}
	switch {
	case p == nil && n == nil:
		return nil
	case p == nil:
		return []Change{sledAdded(at, n)}
	case n == nil:
		return []Change{sledRemoved(at, p)}
	case swapped(p.Identity.SerialNumber, n.Identity.SerialNumber):
		return []Change{sledRemoved(at, p), sledAdded(at, n)}
	}
	var out []Change
	if p.Health != n.Health {
		c := at
		c.Kind, c.From, c.To = SledHealthChanged, string(p.Health), string(n.Health)
		c.Message = fmt.Sprintf("sled in %s: health changed from %s to %s%s", name, orUnknown(c.From), orUnknown(c.To), firstProblem(n.Problems, n.Health))
		out = append(out, c)
	}
	if p.Sideband != n.Sideband {
		c := at
		c.Kind, c.From, c.To = SidebandChanged, p.Sideband, n.Sideband
		c.Message = fmt.Sprintf("sled in %s: sideband changed from %s to %s", name, orUnknown(c.From), orUnknown(c.To))
		out = append(out, c)
	}
	return append(out, driveChanges(at, p, n)...)
}

// driveChanges compares the drive slots of a sled present in both snapshots.
func driveChanges(at Change, p, n *sled.Sled) []Change {
	before := drivesBySlot(p)
	after := drivesBySlot(n)
	var out []Change
	for _, slot := range unionKeys(before, after) {
		d0, d1 := before[slot], after[slot]
		c := at
		c.Slot = slot
		where := fmt.Sprintf("slot %d of the sled in %s", slot, at.BayName)
		switch {
		case d0 == nil && d1 == nil:
		case d0 == nil:
			out = append(out, driveAdded(c, where, d1))
		case d1 == nil:
			out = append(out, driveRemoved(c, where, d0))
		case swapped(d0.SerialNumber, d1.SerialNumber):
			out = append(out, driveRemoved(c, where, d0), driveAdded(c, where, d1))
		case d0.Health != d1.Health:
			c.Kind, c.From, c.To = DriveHealthChanged, string(d0.Health), string(d1.Health)
			c.Message = fmt.Sprintf("drive in %s: health changed from %s to %s%s", where, orUnknown(c.From), orUnknown(c.To), firstProblem(d1.Problems, d1.Health))
			out = append(out, c)
		}
	}
	return out
}

func sledAdded(c Change, s *sled.Sled) Change {
	c.Kind, c.Model, c.SerialNumber = SledAdded, s.Identity.Model, s.Identity.SerialNumber
	c.Message = fmt.Sprintf("sled added in %s%s", c.BayName, identity(c.Model, c.SerialNumber))
	return c
}

func sledRemoved(c Change, s *sled.Sled) Change {
	c.Kind, c.Model, c.SerialNumber = SledRemoved, s.Identity.Model, s.Identity.SerialNumber
	c.Message = fmt.Sprintf("sled removed from %s%s", c.BayName, identity(c.Model, c.SerialNumber))
	return c
}

func driveAdded(c Change, where string, d *sled.Drive) Change {
	c.Kind, c.Model, c.SerialNumber = DriveAdded, d.Identity.Model, driveSerial(d)
	c.Message = fmt.Sprintf("drive added in %s%s", where, identity(c.Model, c.SerialNumber))
	return c
}

func driveRemoved(c Change, where string, d *sled.Drive) Change {
	c.Kind, c.Model, c.SerialNumber = DriveRemoved, d.Identity.Model, driveSerial(d)
	c.Message = fmt.Sprintf("drive removed from %s%s", where, identity(c.Model, c.SerialNumber))
	return c
}

// driveSerial prefers the NVMe-MI serial (what the drive itself says) and
// falls back to the VPD's.
func driveSerial(d *sled.Drive) string {
	if d.SerialNumber != "" {
		return d.SerialNumber
	}
	return d.Identity.SerialNumber
}

// swapped reports a different part in the same place: both serials known
// and different. An unknown serial on either side proves nothing (a FRU
// read can fail on one poll and succeed on the next).
func swapped(a, b string) bool { return a != "" && b != "" && a != b }

func identity(model, serial string) string {
	switch {
	case model != "" && serial != "":
		return fmt.Sprintf(" (%s, serial %s)", model, serial)
	case model != "":
		return " (" + model + ")"
	case serial != "":
		return " (serial " + serial + ")"
	}
	return ""
}

// firstProblem explains a worsened health with the first problem of that
// health, so an operator reading only the event knows why.
func firstProblem(ps []sled.Problem, h sled.Health) string {
	for _, p := range ps {
		if p.Health == h && p.Message != "" {
			return ": " + p.Message
		}
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func baysByIndex(s *Snapshot) map[int]*Bay {
	m := map[int]*Bay{}
	if s == nil {
		return m
	}
	for i := range s.Bays {
		m[s.Bays[i].Index] = &s.Bays[i]
	}
	return m
}

// drivesBySlot holds the present drives only: an empty slot is not a
// resource, so it cannot be added, removed or change health.
func drivesBySlot(s *sled.Sled) map[int]*sled.Drive {
	m := map[int]*sled.Drive{}
	for i := range s.Drives {
		if s.Drives[i].Present {
			m[s.Drives[i].Slot] = &s.Drives[i]
		}
	}
	return m
}

func unionKeys[V any](a, b map[int]V) []int {
	var keys []int
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Ints(keys)
	return keys
}
