package board

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// layout is a decoded sled layout (the top-level sled or a bay's own) with
// its parts placed on segments relative to the bay's segment, so each bay
// using it can place them on the board.
type layout struct {
	sled Sled
	devs []placed
}

// copySled returns the layout's Sled with nothing shared, so that bays
// using the same layout can be changed independently.
func (l *layout) copySled() Sled {
	s := l.sled
	if s.Temp != nil {
		t := *s.Temp
		s.Temp = &t
	}
	s.Slots = make([]Slot, len(l.sled.Slots))
	copy(s.Slots, l.sled.Slots)
	for i := range s.Slots {
		if h := s.Slots[i].Hop; h != nil {
			hh := *h
			s.Slots[i].Hop = &hh
		}
	}
	return s
}

// hopToken names a mux channel in a segment, as Path.String writes it.
func hopToken(h Hop) string { return fmt.Sprintf("0x%02x ch%d", h.Mux, h.Channel) }

// layout decodes a sled layout at path ("sled" or "bays[3].sled") and checks
// that none of its parts share an address on connected segments.
func (c *build) layout(n *yaml.Node, path string) *layout {
	m := c.mapping(n, path, "fru", "temp", "mcu", "slots")
	if m == nil {
		return nil
	}
	l := &layout{}
	if v := m.get("fru", true); v != nil {
		if e, p, ok := c.eeprom(v, m.field("fru"), "the FRU EEPROM", nil); ok {
			l.sled.FRU = e
			l.devs = append(l.devs, p)
		}
	}
	if v := m.get("temp", false); v != nil {
		if t, p, ok := c.temp(v, m.field("temp")); ok {
			l.sled.Temp = t
			l.devs = append(l.devs, p)
		}
	}
	if addr, an, ok := m.addr("mcu", false, devLo, devHi); ok {
		l.sled.MCU = addr
		l.devs = append(l.devs, placed{addrs: []uint16{addr}, what: "the MCU", node: an, field: m.field("mcu")})
	}
	items, _ := m.sequence("slots", false)
	if len(items) > maxSlots {
		c.add(items[maxSlots], index(m.field("slots"), maxSlots), "too many slots (at most %d)", maxSlots)
		items = items[:maxSlots]
	}
	seen := map[int]*yaml.Node{}
	sledMuxes := map[uint16]bool{}
	for i, it := range items {
		s, devs, ok := c.slot(it, index(m.field("slots"), i))
		if !ok {
			continue
		}
		if s.indexNode != nil {
			if first, dup := seen[s.slot.Index]; dup {
				c.add(s.indexNode, index(m.field("slots"), i)+".slot", "slot %d is listed twice (first at line %d)", s.slot.Index, first.Line)
			} else {
				seen[s.slot.Index] = s.indexNode
			}
		}
		// The sled's mux is a part on the bay's segment too, once however
		// many slots sit behind it.
		if h := s.slot.Hop; h != nil && s.muxNode != nil && !sledMuxes[h.Mux] {
			sledMuxes[h.Mux] = true
			l.devs = append(l.devs, placed{addrs: []uint16{h.Mux}, what: "the sled mux", node: s.muxNode,
				field: index(m.field("slots"), i) + ".mux.addr"})
		}
		l.devs = append(l.devs, devs...)
		l.sled.Slots = append(l.sled.Slots, s.slot)
	}
	sort.SliceStable(l.sled.Slots, func(i, j int) bool { return l.sled.Slots[i].Index < l.sled.Slots[j].Index })
	c.collide(l.devs, false)
	return l
}

// decodedSlot is a slot and where its number and mux address were written.
type decodedSlot struct {
	slot      Slot
	indexNode *yaml.Node
	muxNode   *yaml.Node
}

// slot decodes one drive slot and places its parts on the slot's segment.
func (c *build) slot(n *yaml.Node, path string) (decodedSlot, []placed, bool) {
	m := c.mapping(n, path, "slot", "form_factor", "mux", "nvme_mi", "vpd")
	if m == nil {
		return decodedSlot{}, nil, false
	}
	var s decodedSlot
	var devs []placed
	if idx, in, ok := m.integer("slot", true, 0, math.MaxInt32); ok {
		s.slot.Index, s.indexNode = idx, in
	}
	if ff, fn, ok := m.str("form_factor", true); ok {
		if f, known := lookupFold(formFactors, ff); known {
			s.slot.FormFactor = f
		} else {
			c.add(fn, m.field("form_factor"), "unknown form factor %q (known: %s)", ff, listOf(formFactors))
		}
	}
	var seg []string
	if v := m.get("mux", false); v != nil {
		if mm := c.mapping(v, m.field("mux"), "addr", "channel"); mm != nil {
			addr, an, addrOK := mm.addr("addr", true, muxLo, muxHi)
			// A sled mux is a PCA954x too: at most 8 channels.
			ch, _, chOK := mm.integer("channel", true, 0, 7)
			if addrOK && chOK {
				s.slot.Hop = &Hop{Mux: addr, Channel: ch}
				s.muxNode = an
				seg = []string{hopToken(*s.slot.Hop)}
			}
		}
	}
	s.slot.NVMeMI = defaultNVMeMI
	nvmeNode := m.node
	if addr, an, ok := m.addr("nvme_mi", false, devLo, devHi); ok {
		s.slot.NVMeMI, nvmeNode = addr, an
	} else if an != nil {
		nvmeNode = nil // written but wrong: reported, not placed
	}
	if nvmeNode != nil {
		devs = append(devs, placed{seg: seg, addrs: []uint16{s.slot.NVMeMI}, what: fmt.Sprintf("slot %d's NVMe-MI endpoint", s.slot.Index),
			node: nvmeNode, field: m.field("nvme_mi")})
	}
	if v := m.get("vpd", false); v != nil {
		if e, p, ok := c.eeprom(v, m.field("vpd"), fmt.Sprintf("slot %d's VPD EEPROM", s.slot.Index), seg); ok {
			s.slot.VPD = e
			devs = append(devs, p)
		}
	}
	return s, devs, true
}

// eeprom decodes {addr, type} and places the addresses the part answers at.
func (c *build) eeprom(n *yaml.Node, path, what string, seg []string) (EEPROM, placed, bool) {
	m := c.mapping(n, path, "addr", "type")
	if m == nil {
		return EEPROM{}, placed{}, false
	}
	part, typ := eepromParts["auto"], "auto"
	if s, tn, ok := m.str("type", false); ok {
		if p, known := eepromParts[strings.ToLower(s)]; known {
			part, typ = p, strings.ToLower(s)
		} else {
			c.add(tn, m.field("type"), "unknown EEPROM type %q (known: %s)", s, names(eepromParts))
		}
	}
	addr, an, ok := m.addr("addr", true, devLo, devHi)
	if !ok {
		return EEPROM{}, placed{}, false
	}
	if part.addrs > 1 && int(addr)%part.addrs != 0 {
		base := int(addr) &^ (part.addrs - 1)
		c.add(an, m.field("addr"), "a %s answers at %d addresses from a multiple of %d: write 0x%02x (it then takes 0x%02x..0x%02x)",
			typ, part.addrs, part.addrs, base, base, base+part.addrs-1)
		return EEPROM{}, placed{}, false
	}
	addrs := make([]uint16, part.addrs)
	for i := range addrs {
		addrs[i] = addr + uint16(i)
	}
	e := EEPROM{Addr: addr, Addressing: part.addressing, Size: part.size}
	return e, placed{seg: seg, addrs: addrs, what: what, node: an, field: m.field("addr")}, true
}

// temp decodes {addr, type}; the type defaults to lm75, whose register
// format every supported part shares.
func (c *build) temp(n *yaml.Node, path string) (*TempSensor, placed, bool) {
	m := c.mapping(n, path, "addr", "type")
	if m == nil {
		return nil, placed{}, false
	}
	t := &TempSensor{Type: SensorLM75}
	if s, tn, ok := m.str("type", false); ok {
		if st, known := lookupFold(sensorTypes, s); known {
			t.Type = st
		} else {
			c.add(tn, m.field("type"), "unknown sensor type %q (known: %s)", s, listOf(sensorTypes))
		}
	}
	addr, an, ok := m.addr("addr", true, devLo, devHi)
	if !ok {
		return nil, placed{}, false
	}
	t.Addr = addr
	return t, placed{addrs: []uint16{addr}, what: "the temperature sensor", node: an, field: m.field("addr")}, true
}
