package board

import (
	"fmt"
	"math"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Decoding the bays: each bay's number, I2C path, GPIO lines, UART and sled
// layout, then the checks across bays.

// bayEntry is one decoded bay and where its parts were written.
type bayEntry struct {
	bay     Bay
	field   string
	node    *yaml.Node
	i2c     *yaml.Node // the i2c mapping, where placement problems are reported
	pathOK  bool
	layout  *layout
	indexOK bool
}

func (c *build) decodeBays(top *mapping, def *layout) {
	items, _ := top.sequence("bays", true)
	if len(items) > maxBays {
		c.add(items[maxBays], index("bays", maxBays), "too many bays (at most %d)", maxBays)
		items = items[:maxBays]
	}
	var bays []*bayEntry
	for i, it := range items {
		if e := c.bay(it, index("bays", i), def); e != nil {
			bays = append(bays, e)
		}
	}
	// Bays are numbered 0..N-1, each once: the numbers become Redfish ids
	// and the bays' labels.
	seen := map[int]*bayEntry{}
	for _, e := range bays {
		if !e.indexOK {
			continue
		}
		n := e.bay.Index
		switch first := seen[n]; {
		case first != nil:
			c.add(e.node, join(e.field, "bay"), "bay %d is listed twice (first at line %d)", n, first.node.Line)
		case n >= len(items):
			c.add(e.node, join(e.field, "bay"), "bay %d is out of range: %d bays are listed, so they are numbered 0..%d", n, len(items), len(items)-1)
		default:
			seen[n] = e
		}
	}
	c.placeBays(bays)
	for _, e := range bays {
		c.b.Bays = append(c.b.Bays, e.bay)
	}
	sort.SliceStable(c.b.Bays, func(i, j int) bool { return c.b.Bays[i].Index < c.b.Bays[j].Index })
}

// bay decodes one bay; def is the top-level sled layout (nil if none).
func (c *build) bay(n *yaml.Node, path string, def *layout) *bayEntry {
	m := c.mapping(n, path, "bay", "name", "i2c", "presence", "reset", "power", "uart", "sled")
	if m == nil {
		return nil
	}
	e := &bayEntry{field: path}
	idx, in, ok := m.integer("bay", true, 0, math.MaxInt32)
	e.bay.Index, e.indexOK = idx, ok
	e.node = m.node
	if in != nil {
		e.node = in
	}
	e.bay.Name = fmt.Sprintf("Bay %d", idx)
	if name, _, ok := m.str("name", false); ok {
		e.bay.Name = name
	}
	if v := m.get("i2c", true); v != nil {
		e.i2c = v
		e.bay.I2C, e.pathOK = c.i2cPath(v, m.field("i2c"))
	} else {
		e.i2c = m.node
	}
	for _, l := range []struct {
		key string
		dst **Line
	}{{"presence", &e.bay.Presence}, {"reset", &e.bay.Reset}, {"power", &e.bay.Power}} {
		if v := m.get(l.key, false); v != nil {
			*l.dst = c.line(v, m.field(l.key))
		}
	}
	if v := m.get("uart", false); v != nil {
		e.bay.UART = c.uart(v, m.field("uart"))
	}
	switch {
	case m.has("sled"):
		e.layout = c.layout(m.get("sled", false), m.field("sled"))
	case def != nil:
		e.layout = def
	default:
		if !c.hasTopSled {
			c.add(m.node, m.field("sled"), "no sled layout: give the bay a sled, or add a top-level sled for every bay")
		}
	}
	if e.layout != nil {
		e.bay.Sled = e.layout.copySled()
	}
	return e
}

// i2cPath decodes {bus, mux, channel}: a bay's or the interposer's segment.
func (c *build) i2cPath(n *yaml.Node, path string) (Path, bool) {
	m := c.mapping(n, path, "bus", "mux", "channel")
	if m == nil {
		return Path{}, false
	}
	bus, bn, ok := m.str("bus", true)
	if ok && c.buses[bus] == nil {
		c.add(bn, m.field("bus"), "unknown bus %q (buses: %s)", bus, names(c.buses))
		ok = false
	}
	p := Path{Bus: bus}
	hasMux, hasCh := m.has("mux"), m.has("channel")
	switch {
	case hasCh && !hasMux:
		c.add(m.vals["channel"], m.field("channel"), "a channel needs the mux it belongs to (for a kernel-owned mux, name the channel's own bus and no channel)")
		return p, false
	case hasMux && !hasCh:
		c.add(m.node, m.field("channel"), "required key is missing: which channel of the mux")
		return p, false
	case !hasMux:
		return p, ok
	}
	name, mn, muxOK := m.str("mux", true)
	ch, chn, chOK := m.integer("channel", true, 0, math.MaxInt32)
	e := c.muxes[name]
	if muxOK && e == nil {
		c.add(mn, m.field("mux"), "unknown mux %q (muxes: %s)", name, names(c.muxes))
		return p, false
	}
	if !muxOK || !chOK {
		return p, false
	}
	if ok && e.busOK && e.mux.Bus != bus {
		c.add(bn, m.field("bus"), "mux %s sits on %s, not on %s", name, e.mux.Bus, bus)
		ok = false
	}
	if e.typeOK && ch >= e.mux.Channels {
		c.add(chn, m.field("channel"), "channel %d is beyond mux %s (a %s has channels 0..%d)", ch, name, e.mux.Type, e.mux.Channels-1)
		ok = false
	}
	p.Hops = []Hop{{Mux: e.mux.Addr, Channel: ch}}
	return p, ok
}

// line decodes a GPIO line: {chip, line | name, active_low}.
func (c *build) line(n *yaml.Node, path string) *Line {
	m := c.mapping(n, path, "chip", "line", "name", "active_low")
	if m == nil {
		return nil
	}
	l := &Line{Offset: -1}
	chip, _, chipOK := m.str("chip", true)
	l.Chip = chip
	hasLine, hasName := m.has("line"), m.has("name")
	ok := chipOK
	switch {
	case hasLine && hasName:
		c.add(m.vals["name"], path, "give the line by offset (line) or by name (name), not both")
		ok = false
	case !hasLine && !hasName:
		c.add(m.node, join(path, "line"), "required key is missing: the line's offset (line) or its name (name)")
		ok = false
	case hasLine:
		off, _, offOK := m.integer("line", true, 0, math.MaxUint16)
		l.Offset, ok = off, ok && offOK
	default:
		name, _, nameOK := m.str("name", true)
		l.Name, ok = name, ok && nameOK
	}
	al, alOK := m.boolean("active_low", false)
	l.ActiveLow = al
	if ok && alOK {
		key := l.String()
		if first, dup := c.lines[key]; dup {
			c.add(m.node, path, "GPIO line %s is already used at line %d", key, first.Line)
		} else {
			c.lines[key] = m.node
		}
	}
	return l
}

// uart decodes {device, baud}.
func (c *build) uart(n *yaml.Node, path string) *UART {
	m := c.mapping(n, path, "device", "baud")
	if m == nil {
		return nil
	}
	u := &UART{Baud: defaultBaud}
	u.Device, _, _ = m.str("device", true)
	if baud, bn, ok := m.integer("baud", false, math.MinInt32, math.MaxInt32); ok {
		if baud <= 0 {
			c.add(bn, m.field("baud"), "baud must be positive, not %d", baud)
		}
		u.Baud = baud
	}
	return u
}
