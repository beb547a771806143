package switchtec

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/chassisd/chassisd/interposer"
)

// linkRecordSize is the size of one LNKSTAT record.
const linkRecordSize = 12

// maxStacks: a record whose stack number (b7:4 of its stack byte) is above
// this is an unused slot.
const maxStacks = 8

// rateGTs maps the link rate code (b6:0 of the link byte) to GT/s.
var rateGTs = [...]float64{0, 2.5, 5, 8, 16, 32, 64}

// genMaxGTs is the fastest rate a part of each PCIe generation runs.
var genMaxGTs = map[int]float64{3: 8, 4: 16, 5: 32, 6: 64}

// ltssmNames names the major LTSSM state in the low byte of the LTSSM field
// (the high byte is a minor state within it).
var ltssmNames = [...]string{
	"Detect", "Polling", "Configuration", "L0", "Recovery", "Disabled",
	"Loopback", "Hot Reset", "L0s", "L1", "L2",
}

// linkRecord is one LNKSTAT record.
type linkRecord struct {
	phys, part, log, stack byte
	cfgWidth, negWidth     byte
	upstream               bool
	up                     bool
	rate                   byte
	ltssm                  uint16
}

// Ports reads the link status of every port of the switch.
func (s *Switch) Ports(ctx context.Context) ([]interposer.Port, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.unlock()
	recs, gen, err := s.linkStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: link status: %w", s, err)
	}
	ports := make([]interposer.Port, 0, len(recs))
	for _, r := range recs {
		ports = append(ports, r.port(gen))
	}
	return ports, nil
}

// linkStatus runs LNKSTAT for every port and remembers each port's stack.
// The caller holds s.sem.
func (s *Switch) linkStatus(ctx context.Context) ([]linkRecord, int, error) {
	d, err := s.open(ctx, false)
	if err != nil {
		return nil, 0, err
	}
	var recs []linkRecord
	// An empty port bitmap asks for every port.
	err = s.mrpc(ctx, mrpcLnkStat, make([]byte, 8), func(t *twi) error {
		b, err := t.read(gasOutput, d.maxPorts()*linkRecordSize)
		if err != nil {
			return err
		}
		recs, err = parseLinkStatus(b)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	s.stacks = make(map[int]byte, len(recs))
	for _, r := range recs {
		s.stacks[int(r.phys)] = r.stack
	}
	return recs, d.gen, nil
}

// parseLinkStatus decodes LNKSTAT records, skipping unused slots, sorted by
// physical port: [phys][partition][logical][stack][configured width]
// [negotiated width][upstream flag][b7 link up, b6:0 rate][LTSSM u16 LE]
// [lane reversal][first active lane].
func parseLinkStatus(b []byte) ([]linkRecord, error) {
	if len(b)%linkRecordSize != 0 {
		return nil, fmt.Errorf("link status is %d bytes, not a whole number of %d-byte records", len(b), linkRecordSize)
	}
	var out []linkRecord
	seen := map[byte]bool{}
	for i := 0; i < len(b); i += linkRecordSize {
		r := b[i : i+linkRecordSize]
		if r[3]>>4 > maxStacks || r[0] == 0xFF {
			continue
		}
		if seen[r[0]] {
			return nil, fmt.Errorf("link status lists physical port %d twice", r[0])
		}
		seen[r[0]] = true
		out = append(out, linkRecord{
			phys: r[0], part: r[1], log: r[2], stack: r[3],
			cfgWidth: r[4], negWidth: r[5], upstream: r[6] != 0,
			up: r[7]&0x80 != 0, rate: r[7] & 0x7F,
			ltssm: binary.LittleEndian.Uint16(r[8:10]),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].phys < out[j].phys })
	return out, nil
}

// port turns a record into the interface's view. A link that is down has no
// current width or speed, whatever stale values the record holds.
func (r linkRecord) port(gen int) interposer.Port {
	p := interposer.Port{
		Phys:        int(r.phys),
		Role:        interposer.Downstream,
		Partition:   -1,
		LinkUp:      r.up,
		LTSSM:       ltssmName(r.ltssm),
		MaxWidth:    int(r.cfgWidth),
		MaxSpeedGTs: genMaxGTs[gen],
	}
	if r.upstream {
		p.Role = interposer.Upstream
		p.Partition = int(r.part)
	}
	if r.up {
		p.Width = int(r.negWidth)
		if int(r.rate) < len(rateGTs) {
			p.SpeedGTs = rateGTs[r.rate]
		}
	}
	return p
}

func ltssmName(v uint16) string {
	if major := int(v & 0xFF); major < len(ltssmNames) {
		return ltssmNames[major]
	}
	return fmt.Sprintf("unknown (0x%04x)", v)
}
