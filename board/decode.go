package board

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// build holds what is known while a board file is decoded: the names later
// sections refer to, and where each was written so that problems point at it.
type build struct {
	*decoder
	b     *Board
	buses map[string]*busEntry
	muxes map[string]*muxEntry
	// lines maps each GPIO line (Line.String) to where it was first used.
	lines map[string]*yaml.Node
	// devices are the parts placed on the board's segments, for the
	// address collision check.
	devices []placed
	owners  int
	// hasTopSled is set when the file has a top-level sled, even a broken
	// one: bays without their own layout then need no other complaint.
	hasTopSled bool
}

type busEntry struct {
	bus   Bus
	field string
	node  *yaml.Node // the bus's mapping
	// parentNode is where the parent was named; nil without a parent.
	parentNode *yaml.Node
}

type muxEntry struct {
	mux Mux
	// typeOK says Channels is known, so channel numbers can be checked.
	typeOK bool
	// busOK says the mux's bus is on the board.
	busOK bool
}

// board decodes and checks the whole document.
func (d *decoder) board(doc *yaml.Node) *Board {
	root := doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			d.add(root, "", "empty board file")
			return nil
		}
		root = root.Content[0]
	}
	if r := resolve(root); r != nil && isNull(r) {
		d.add(root, "", "empty board file")
		return nil
	}
	top := d.mapping(root, "", "board", "manufacturer", "model", "buses", "muxes", "sled", "bays", "interposer")
	if top == nil {
		return nil
	}
	c := &build{
		decoder: d,
		b:       &Board{},
		buses:   map[string]*busEntry{},
		muxes:   map[string]*muxEntry{},
		lines:   map[string]*yaml.Node{},
	}
	c.b.Name, _, _ = top.str("board", true)
	c.b.Manufacturer, _, _ = top.str("manufacturer", false)
	c.b.Model, _, _ = top.str("model", false)
	// Sections are decoded in dependency order, whatever order the file
	// lists them in: bays name buses and muxes.
	c.decodeBuses(top)
	c.decodeMuxes(top)
	var def *layout
	c.hasTopSled = top.has("sled")
	if v := top.get("sled", false); v != nil {
		def = c.layout(v, "sled")
	}
	c.decodeBays(top, def)
	c.decodeInterposer(top)
	c.checkCollisions()
	return c.b
}

func (c *build) decodeBuses(top *mapping) {
	items, _ := top.sequence("buses", true)
	if len(items) > maxBuses {
		c.add(items[maxBuses], index("buses", maxBuses), "too many buses (at most %d)", maxBuses)
		items = items[:maxBuses]
	}
	devices := map[string]*yaml.Node{}
	var entries []*busEntry
	for i, it := range items {
		path := index("buses", i)
		m := c.mapping(it, path, "name", "device", "speed", "parent")
		if m == nil {
			continue
		}
		e := &busEntry{field: path, node: m.node, bus: Bus{SpeedHz: defaultSpeedHz}}
		name, nn, ok := m.str("name", true)
		if ok {
			if first := c.buses[name]; first != nil {
				c.add(nn, m.field("name"), "bus %q is listed twice (first at line %d)", name, first.node.Line)
			} else {
				c.buses[name] = e
			}
		}
		e.bus.Name = name
		if dev, dn, ok := m.str("device", false); ok {
			switch first, dup := devices[dev]; {
			case !strings.HasPrefix(dev, "/"):
				c.add(dn, m.field("device"), "%q must be an absolute path such as /dev/i2c-1", dev)
			case dup:
				c.add(dn, m.field("device"), "%s is already used by the bus at line %d", dev, first.Line)
			default:
				devices[dev] = dn
			}
			e.bus.Device = dev
		}
		if s, sn, ok := m.scalar("speed", false); ok {
			hz, err := parseSpeed(s)
			if err != nil {
				c.add(sn, m.field("speed"), "%v", err)
			}
			e.bus.SpeedHz = hz
		}
		if parent, pn, ok := m.str("parent", false); ok {
			e.bus.Parent, e.parentNode = parent, pn
		}
		entries = append(entries, e)
		c.b.Buses = append(c.b.Buses, e.bus)
	}
	for _, e := range entries {
		c.checkParent(e)
	}
}

// checkParent checks that a kernel mux channel's parent is another bus of
// the board and that following parents ends at a root adapter.
func (c *build) checkParent(e *busEntry) {
	p := e.bus.Parent
	if p == "" {
		return
	}
	field := join(e.field, "parent")
	if p == e.bus.Name {
		c.add(e.parentNode, field, "bus %s cannot be its own parent", p)
		return
	}
	if c.buses[p] == nil {
		c.add(e.parentNode, field, "unknown bus %q (buses: %s)", p, names(c.buses))
		return
	}
	for i, cur := 0, p; cur != "" && i <= len(c.buses); i++ {
		pe := c.buses[cur]
		if pe == nil {
			return // reported at that bus
		}
		if pe.bus.Parent == e.bus.Name {
			c.add(e.parentNode, field, "parents loop: %s and %s are each other's ancestors", e.bus.Name, cur)
			return
		}
		cur = pe.bus.Parent
	}
}

func (c *build) decodeMuxes(top *mapping) {
	items, _ := top.sequence("muxes", false)
	if len(items) > maxMuxes {
		c.add(items[maxMuxes], index("muxes", maxMuxes), "too many muxes (at most %d)", maxMuxes)
		items = items[:maxMuxes]
	}
	for i, it := range items {
		path := index("muxes", i)
		m := c.mapping(it, path, "name", "type", "bus", "addr")
		if m == nil {
			continue
		}
		e := &muxEntry{}
		name, nn, nameOK := m.str("name", true)
		if nameOK {
			if first := c.muxes[name]; first != nil {
				c.add(nn, m.field("name"), "mux %q is listed twice", name)
				nameOK = false
			} else {
				c.muxes[name] = e
			}
		}
		e.mux.Name = name
		if s, tn, ok := m.str("type", true); ok {
			t := MuxType(strings.ToLower(s))
			if n, known := muxChannels[t]; known {
				e.mux.Type, e.mux.Channels, e.typeOK = t, n, true
			} else {
				c.add(tn, m.field("type"), "unknown mux type %q (known: %s)", s, names(muxChannels))
			}
		}
		bus, bn, busOK := m.str("bus", true)
		if busOK && c.buses[bus] == nil {
			c.add(bn, m.field("bus"), "unknown bus %q (buses: %s)", bus, names(c.buses))
			busOK = false
		}
		e.mux.Bus, e.busOK = bus, busOK
		addr, an, addrOK := m.addr("addr", true, muxLo, muxHi)
		e.mux.Addr = addr
		c.b.Muxes = append(c.b.Muxes, e.mux)
		if busOK && addrOK {
			what := "a mux"
			if nameOK {
				what = "mux " + name
			}
			c.place(placed{seg: c.chain(bus), addrs: []uint16{addr}, what: what,
				node: an, field: m.field("addr")})
		}
	}
}
