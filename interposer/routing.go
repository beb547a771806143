package interposer

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Routing says which drive ports each host reaches. It is a value: methods
// never change the receiver, and Router hands out copies.
type Routing struct {
	// Hosts maps a host's name (board.HostPort.Name) to the physical drive
	// ports it reaches. A host that reaches no drive may be absent or map
	// to an empty list; the two mean the same.
	Hosts map[string][]int
}

// Clone returns a deep copy of r in canonical form: each host's ports
// sorted and without repeats, hosts without drives left out.
func (r Routing) Clone() Routing {
	out := Routing{Hosts: make(map[string][]int, len(r.Hosts))}
	for h, ports := range r.Hosts {
		if len(ports) == 0 {
			continue
		}
		p := slices.Clone(ports)
		slices.Sort(p)
		out.Hosts[h] = slices.Compact(p)
	}
	return out
}

// Equal says whether r and o route the same ports to the same hosts,
// whatever the order or repeats in their lists.
func (r Routing) Equal(o Routing) bool {
	a, b := r.Clone(), o.Clone()
	return maps.EqualFunc(a.Hosts, b.Hosts, slices.Equal)
}

// String renders the routing for logs and errors, hosts in name order:
// `"Host 0": 16 17; "Host 1": 24`, or "no drives routed".
func (r Routing) String() string {
	c := r.Clone()
	if len(c.Hosts) == 0 {
		return "no drives routed"
	}
	var b strings.Builder
	for i, h := range slices.Sorted(maps.Keys(c.Hosts)) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(strconv.Quote(h))
		b.WriteString(":")
		for _, p := range c.Hosts[h] {
			b.WriteString(" ")
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String()
}

// HostOf returns the host a drive port is routed to. If r routes the port
// to several hosts (which Router refuses), the first by name is returned.
func (r Routing) HostOf(port int) (string, bool) {
	for _, h := range slices.Sorted(maps.Keys(r.Hosts)) {
		if slices.Contains(r.Hosts[h], port) {
			return h, true
		}
	}
	return "", false
}

// With returns a copy of r with port added to host's drives. It does not
// take the port away from another host: routing one port to two hosts is a
// conflict Router reports, never a silent move.
func (r Routing) With(host string, port int) Routing {
	c := r.Clone()
	c.Hosts[host] = append(c.Hosts[host], port)
	return c.Clone()
}

// Without returns a copy of r with port removed from host's drives.
func (r Routing) Without(host string, port int) Routing {
	c := r.Clone()
	if ports, ok := c.Hosts[host]; ok {
		c.Hosts[host] = slices.DeleteFunc(ports, func(p int) bool { return p == port })
	}
	return c.Clone()
}
