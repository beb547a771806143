package switchtec

import "encoding/binary"

// Event counters (MRPC PMON): each stack of eight ports has 64 counters, each
// counting the events of a type mask on a mask of the stack's ports from the
// moment it is set up.

const (
	pmonSetup    = 0
	pmonGet      = 2
	pmonGetSetup = 3
	// countersPerStack is the counters each stack has.
	countersPerStack = 64
	stacks           = 8
)

// Event is an event counter type, as a bit number of the type mask.
type Event uint

// The link error events the interposer reads.
const (
	EventReplayTimeout  Event = 10
	EventReplayRollover Event = 11
	EventBadDLLP        Event = 12
	EventBadTLP         Event = 13
	EventReceiverError  Event = 14
	numEvents                 = 23
)

type counterKey struct{ stack, id int }

// counter is one set-up event counter. base is the matching event total when
// it was set up or last read with clear.
type counter struct {
	mask   uint32 // type mask b31:8, port mask b7:0
	ieg    byte   // b7 egress, b6:0 type mask bits 30:24
	thresh uint32
	base   uint64
}

func (d *Device) pmon(in []byte) ([]byte, uint32) {
	sub, stack, first, n := in[0], int(in[1]), int(in[2]), int(in[3])
	if sub != pmonSetup && sub != pmonGet && sub != pmonGetSetup {
		return nil, codeSubcommandInvalid
	}
	if stack >= stacks || n == 0 || first+n > countersPerStack {
		return nil, codeParameterInvalid
	}
	var out []byte
	for i := range n {
		key := counterKey{stack, first + i}
		c := d.counters[key]
		switch sub {
		case pmonSetup:
			e := in[4+9*i:]
			c = &counter{mask: binary.LittleEndian.Uint32(e), ieg: e[4], thresh: binary.LittleEndian.Uint32(e[5:])}
			c.base = d.total(stack, c)
			d.counters[key] = c
		case pmonGet:
			var v, th uint32
			if c != nil {
				t := d.total(stack, c)
				v, th = uint32(t-c.base), c.thresh
				if in[4] != 0 {
					c.base = t
				}
			}
			out = binary.LittleEndian.AppendUint32(out, v)
			out = binary.LittleEndian.AppendUint32(out, th)
		case pmonGetSetup:
			if c == nil {
				c = &counter{}
			}
			out = binary.LittleEndian.AppendUint32(out, c.mask)
			out = append(out, c.ieg)
			out = binary.LittleEndian.AppendUint32(out, c.thresh)
		}
	}
	return out, 0
}

// total counts the events a counter matches: ingress events of its types on
// its ports. Nothing here makes egress events.
func (d *Device) total(stack int, c *counter) uint64 {
	if c.ieg&0x80 != 0 {
		return 0
	}
	types := c.mask>>8 | uint32(c.ieg&0x7F)<<24
	var t uint64
	for _, phys := range d.order {
		if phys/8 != stack || c.mask&(1<<(phys%8)) == 0 {
			continue
		}
		for ev := range numEvents {
			if types&(1<<ev) != 0 {
				t += d.ports[phys].events[ev]
			}
		}
	}
	return t
}
