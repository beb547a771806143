package board

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Two parts collide when they answer at the same address on connected
// wires. A segment is written as tokens from the root adapter down: the
// buses (a kernel mux channel after its parent), then each user-space mux
// channel. Selecting a channel joins its segment to every segment above it,
// so parts collide when one segment is a prefix of the other; parts behind
// different channels of one mux never see each other, which is why every
// sled can keep its FRU at 0x50.

// placed is one part on a segment.
type placed struct {
	seg []string
	// addrs are every address the part answers at (a 24C16 takes eight).
	addrs []uint16
	what  string     // "FRU EEPROM", "mux bay-mux", "bay 3's temperature sensor"
	node  *yaml.Node // where its address is written
	field string
	owner int // parts of one owner were checked together already
	// at and atField say where a collision with this part is reported:
	// where its address is written, or for a sled part placed in a bay,
	// the bay's i2c.
	at      *yaml.Node
	atField string
}

// place adds a board-level part (a mux, the interposer) with its own owner.
func (c *build) place(p placed) {
	c.owners++
	p.owner = c.owners
	p.at, p.atField = p.node, p.field
	c.devices = append(c.devices, p)
}

// chain is the segment of a bus: its ancestors' names, then its own.
func (c *build) chain(bus string) []string {
	var rev []string
	for i := 0; bus != "" && i <= len(c.buses); i++ {
		rev = append(rev, "bus "+bus)
		e := c.buses[bus]
		if e == nil {
			break
		}
		bus = e.bus.Parent
	}
	seg := make([]string, len(rev))
	for i, t := range rev {
		seg[len(rev)-1-i] = t
	}
	return seg
}

// segment is the segment a path reaches.
func (c *build) segment(p Path) []string {
	seg := c.chain(p.Bus)
	for _, h := range p.Hops {
		seg = append(seg, hopToken(h))
	}
	return seg
}

// placeBays puts every bay's sled parts on the board, after checking that
// no two bays share a segment (their sleds would answer on top of each
// other at every address).
func (c *build) placeBays(bays []*bayEntry) {
	first := map[string]*bayEntry{}
	for _, e := range bays {
		if !e.pathOK || e.layout == nil {
			continue
		}
		seg := c.segment(e.bay.I2C)
		key := strings.Join(seg, "\x00")
		if f := first[key]; f != nil {
			c.add(e.i2c, join(e.field, "i2c"), "bay %d is on the same segment (%s) as bay %d (line %d)",
				e.bay.Index, e.bay.I2C, f.bay.Index, f.i2c.Line)
			continue
		}
		first[key] = e
		c.owners++
		for _, d := range e.layout.devs {
			d.seg = append(append([]string(nil), seg...), d.seg...)
			d.what = fmt.Sprintf("bay %d's %s", e.bay.Index, strings.TrimPrefix(d.what, "the "))
			d.owner = c.owners
			d.at, d.atField = e.i2c, join(e.field, "i2c")
			c.devices = append(c.devices, d)
		}
	}
}

// checkCollisions checks the parts of different owners against each other.
func (c *build) checkCollisions() { c.collide(c.devices, true) }

// collide reports parts sharing an address on connected segments, once per
// pair of parts (or, across owners, once per pair of owners), at the part
// written later in the file.
func (c *build) collide(devs []placed, acrossOwners bool) {
	for i := range devs {
		if devs[i].at == nil {
			devs[i].at, devs[i].atField = devs[i].node, devs[i].field
		}
	}
	byAddr := map[uint16][]int{}
	for i, d := range devs {
		for _, a := range d.addrs {
			byAddr[a] = append(byAddr[a], i)
		}
	}
	type pair struct{ a, b int }
	reported := map[pair]bool{}
	for i := range devs {
		for _, a := range devs[i].addrs {
			for _, j := range byAddr[a] {
				if j <= i {
					continue
				}
				x, y := &devs[i], &devs[j]
				if acrossOwners && x.owner == y.owner {
					continue
				}
				if !connected(x.seg, y.seg) {
					continue
				}
				key := pair{i, j}
				if acrossOwners {
					key = pair{min(x.owner, y.owner), max(x.owner, y.owner)}
				}
				if reported[key] {
					continue
				}
				reported[key] = true
				if before(y.at, x.at) {
					x, y = y, x
				}
				c.add(y.at, y.atField, "%s at %s collides with %s at %s (%s, line %d): both answer at 0x%02x on the same wires",
					y.what, addrRange(y.addrs), x.what, addrRange(x.addrs), x.field, x.node.Line, a)
			}
		}
	}
}

// connected says whether one segment is the other or lies above it.
func connected(a, b []string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// before orders nodes by position in the file.
func before(a, b *yaml.Node) bool {
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Column < b.Column
}

// addrRange writes a part's addresses: "0x50", or "0x50..0x57" for a part
// that answers at several.
func addrRange(a []uint16) string {
	if len(a) == 1 {
		return fmt.Sprintf("0x%02x", a[0])
	}
	return fmt.Sprintf("0x%02x..0x%02x", a[0], a[len(a)-1])
}
