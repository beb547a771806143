package board

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Decoding the interposer: the switch itself, then the wiring of its ports,
// which only the board file can tell: which upstream port is which host,
// and which downstream port reaches which bay and slot.

// Port and partition numbers travel as one byte in the switch's management
// protocol, where 0xFF means "all" or "none".
const maxPortNumber = 254

// maxHostName bounds a host's name: it is shown in Redfish and logs.
const maxHostName = 64

func (c *build) decodeInterposer(top *mapping) {
	v := top.get("interposer", false)
	if v == nil {
		return
	}
	m := c.mapping(v, "interposer", "type", "i2c", "addr", "hosts", "drive_ports")
	if m == nil {
		return
	}
	ip := &Interposer{}
	if s, tn, ok := m.str("type", true); ok {
		if t, known := lookupFold(interposerTypes, s); known {
			ip.Type = t
		} else {
			c.add(tn, m.field("type"), "unknown interposer type %q (known: %s)", s, listOf(interposerTypes))
		}
	}
	var pathOK bool
	if pv := m.get("i2c", true); pv != nil {
		ip.Path, pathOK = c.i2cPath(pv, m.field("i2c"))
	}
	addr, an, addrOK := m.addr("addr", true, devLo, devHi)
	ip.Addr = addr
	if pathOK && addrOK {
		c.place(placed{seg: c.segment(ip.Path), addrs: []uint16{addr}, what: "the interposer switch",
			node: an, field: m.field("addr")})
	}
	hostPorts := c.decodeHosts(m, ip)
	c.decodeDrivePorts(m, ip, hostPorts)
	c.b.Interposer = ip
}

// decodeHosts decodes interposer.hosts and returns where each host port
// number was written, so drive ports can be checked against them.
func (c *build) decodeHosts(m *mapping, ip *Interposer) map[int]*yaml.Node {
	ports := map[int]*yaml.Node{}
	items, ok := m.sequence("hosts", false)
	if !ok {
		return ports
	}
	if len(items) > maxPortNumber+1 {
		c.add(items[maxPortNumber+1], index(m.field("hosts"), maxPortNumber+1), "too many hosts (at most %d)", maxPortNumber+1)
		items = items[:maxPortNumber+1]
	}
	names := map[string]*yaml.Node{}
	parts := map[int]*yaml.Node{}
	ip.Hosts = []HostPort{}
	for i, it := range items {
		path := index(m.field("hosts"), i)
		hm := c.mapping(it, path, "name", "partition", "port")
		if hm == nil {
			continue
		}
		var h HostPort
		if name, nn, ok := hm.str("name", true); ok {
			switch first, dup := names[name]; {
			case !printableName(name):
				c.add(nn, hm.field("name"), "a host name is at most %d printable characters", maxHostName)
			case dup:
				c.add(nn, hm.field("name"), "host %q is listed twice (first at line %d)", name, first.Line)
			default:
				names[name] = nn
			}
			h.Name = name
		}
		if p, pn, ok := hm.integer("partition", true, 0, maxPortNumber); ok {
			if first, dup := parts[p]; dup {
				c.add(pn, hm.field("partition"), "partition %d is already a host's (line %d): each host has a partition of its own", p, first.Line)
			} else {
				parts[p] = pn
			}
			h.Partition = p
		}
		if p, pn, ok := hm.integer("port", true, 0, maxPortNumber); ok {
			if first, dup := ports[p]; dup {
				c.add(pn, hm.field("port"), "port %d is already a host port (line %d)", p, first.Line)
			} else {
				ports[p] = pn
			}
			h.Port = p
		}
		ip.Hosts = append(ip.Hosts, h)
	}
	return ports
}

// decodeDrivePorts decodes interposer.drive_ports: each a port that is no
// host's, reaching a slot of a bay's sled layout that no other port reaches.
func (c *build) decodeDrivePorts(m *mapping, ip *Interposer, hostPorts map[int]*yaml.Node) {
	items, ok := m.sequence("drive_ports", false)
	if !ok {
		return
	}
	if len(items) > maxPortNumber+1 {
		c.add(items[maxPortNumber+1], index(m.field("drive_ports"), maxPortNumber+1), "too many drive ports (at most %d)", maxPortNumber+1)
		items = items[:maxPortNumber+1]
	}
	ports := map[int]*yaml.Node{}
	slots := map[[2]int]*yaml.Node{}
	ip.DrivePorts = []DrivePort{}
	for i, it := range items {
		path := index(m.field("drive_ports"), i)
		dm := c.mapping(it, path, "port", "bay", "slot")
		if dm == nil {
			continue
		}
		var d DrivePort
		if p, pn, ok := dm.integer("port", true, 0, maxPortNumber); ok {
			if first, dup := ports[p]; dup {
				c.add(pn, dm.field("port"), "port %d is listed twice (first at line %d)", p, first.Line)
			} else if hn, host := hostPorts[p]; host {
				c.add(pn, dm.field("port"), "port %d is a host port (line %d), not a drive port", p, hn.Line)
			} else {
				ports[p] = pn
			}
			d.Port = p
		}
		bay, bn, bayOK := dm.integer("bay", true, 0, math.MaxInt32)
		slot, sn, slotOK := dm.integer("slot", true, 0, math.MaxInt32)
		d.Bay, d.Slot = bay, slot
		if bayOK {
			bayOK = c.checkBaySlot(dm, bay, bn, slot, sn, slotOK)
		}
		if bayOK && slotOK {
			key := [2]int{bay, slot}
			if first, dup := slots[key]; dup {
				c.add(sn, dm.field("slot"), "bay %d slot %d is already reached through the port at line %d", bay, slot, first.Line)
			} else {
				slots[key] = dm.node
			}
		}
		ip.DrivePorts = append(ip.DrivePorts, d)
	}
}

// checkBaySlot checks that the bay exists and, when the slot number is
// good, that the bay's sled layout has that slot. It reports whether both
// are good.
func (c *build) checkBaySlot(dm *mapping, bay int, bn *yaml.Node, slot int, sn *yaml.Node, slotOK bool) bool {
	var b *Bay
	for i := range c.b.Bays {
		if c.b.Bays[i].Index == bay {
			b = &c.b.Bays[i]
			break
		}
	}
	if b == nil {
		c.add(bn, dm.field("bay"), "bay %d is not on the board (%s)", bay, bayList(c.b.Bays))
		return false
	}
	// A bay without any sled layout (already reported) has nil Slots; a
	// layout without slots has an empty list.
	if !slotOK || b.Sled.Slots == nil {
		return false
	}
	for _, s := range b.Sled.Slots {
		if s.Index == slot {
			return true
		}
	}
	c.add(sn, dm.field("slot"), "bay %d's sled has no slot %d (%s)", bay, slot, slotList(b.Sled.Slots))
	return false
}

func bayList(bays []Bay) string {
	if len(bays) == 0 {
		return "no bays"
	}
	s := make([]string, len(bays))
	for i, b := range bays {
		s[i] = fmt.Sprint(b.Index)
	}
	return "bays: " + strings.Join(s, ", ")
}

func slotList(slots []Slot) string {
	if len(slots) == 0 {
		return "its layout has no slots"
	}
	s := make([]string, len(slots))
	for i, sl := range slots {
		s[i] = fmt.Sprint(sl.Index)
	}
	return "slots: " + strings.Join(s, ", ")
}

// printableName says whether a host name can be shown as it is.
func printableName(s string) bool {
	if len(s) > maxHostName {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
