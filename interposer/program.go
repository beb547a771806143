package interposer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Programming the switch: what one routing means in bindings, how to get
// from the bindings the switch holds to those of a routing, and how to tell
// whether it got there.

// ErrMismatch: the switch was written without an error, but reading its
// bindings back does not show the routing that was written.
var ErrMismatch = errors.New("switch does not hold the routing written")

// rollbackTimeout bounds putting the last good routing back. The rollback
// runs even when the caller's context has ended: leaving the switch half
// changed because a client went away would be worse.
const rollbackTimeout = 30 * time.Second

// ChangeError is a change the switch did not take: Cause says what went
// wrong; Rollback is nil when the last good routing was put back and read
// back, or why that failed too (the switch then matches neither routing,
// and the next Apply or Start programs it from what it holds).
type ChangeError struct {
	Want     Routing
	Cause    error
	Rollback error
}

func (e *ChangeError) Error() string {
	if e.Rollback == nil {
		return fmt.Sprintf("interposer: routing %s: %v (rolled back)", e.Want, e.Cause)
	}
	return fmt.Sprintf("interposer: routing %s: %v; rollback failed too: %v", e.Want, e.Cause, e.Rollback)
}

// Unwrap gives errors.Is and errors.As both causes.
func (e *ChangeError) Unwrap() []error {
	if e.Rollback == nil {
		return []error{e.Cause}
	}
	return []error{e.Cause, e.Rollback}
}

// transact programs want; on any failure it programs good, the routing the
// switch last matched, and returns a *ChangeError.
func (r *Router) transact(ctx context.Context, want, good Routing) error {
	err := r.program(ctx, want)
	if err == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	rb := r.program(rctx, good)
	if rb != nil {
		rb = fmt.Errorf("back to %s: %w", good, rb)
	}
	r.log.Error("interposer: routing change failed", "want", want.String(), "err", err, "rollback", errString(rb))
	return &ChangeError{Want: want.Clone(), Cause: err, Rollback: rb}
}

// program makes the switch hold want: it reads the bindings, unbinds every
// drive port that is bound where want does not put it, binds the ones want
// adds, then reads the bindings back and compares. Only the board's drive
// ports are touched; other bindings are left alone (their logical port
// numbers are still taken).
func (r *Router) program(ctx context.Context, want Routing) error {
	bs, err := r.cfg.Switch.Bindings(ctx)
	if err != nil {
		return fmt.Errorf("read bindings: %w", err)
	}
	target := r.partitions(want)
	used := map[int]map[int]bool{} // partition -> logical ports taken
	take := func(b Binding) {
		if used[b.Partition] == nil {
			used[b.Partition] = map[int]bool{}
		}
		used[b.Partition][b.Logical] = true
	}
	placed := map[int]bool{} // drive ports already where want puts them
	var unbind []Binding
	for _, b := range bs {
		take(b)
		if _, managed := r.drives[b.Phys]; !managed {
			continue
		}
		if p, ok := target[b.Phys]; ok && p == b.Partition && !placed[b.Phys] {
			placed[b.Phys] = true
			continue
		}
		unbind = append(unbind, b)
	}
	for _, b := range unbind {
		if err := r.cfg.Switch.Unbind(ctx, b.Partition, b.Logical); err != nil {
			return fmt.Errorf("unbind drive port %d from partition %d (logical %d): %w", b.Phys, b.Partition, b.Logical, err)
		}
		delete(used[b.Partition], b.Logical)
	}
	for _, phys := range slices.Sorted(maps.Keys(target)) {
		if placed[phys] {
			continue
		}
		b := Binding{Partition: target[phys], Phys: phys, Logical: 1}
		for used[b.Partition][b.Logical] {
			b.Logical++
		}
		if err := r.cfg.Switch.Bind(ctx, b); err != nil {
			return fmt.Errorf("bind drive port %d to partition %d (logical %d): %w", phys, b.Partition, b.Logical, err)
		}
		take(b)
	}
	back, err := r.cfg.Switch.Bindings(ctx)
	if err != nil {
		return fmt.Errorf("read back bindings: %w", err)
	}
	if diff := r.compare(back, target); diff != "" {
		return fmt.Errorf("%w: %s", ErrMismatch, diff)
	}
	return nil
}

// partitions turns a routing into where each drive port belongs: drive
// port -> partition. Hosts and ports have been validated, or come from the
// switch itself.
func (r *Router) partitions(want Routing) map[int]int {
	m := map[int]int{}
	for h, ports := range want.Hosts {
		hp, ok := r.hosts[h]
		if !ok {
			continue
		}
		for _, p := range ports {
			m[p] = hp.Partition
		}
	}
	return m
}

// compare says how the bindings differ from target for the board's drive
// ports; "" when they do not.
func (r *Router) compare(bs []Binding, target map[int]int) string {
	got := map[int][]int{} // drive port -> partitions it is bound into
	for _, b := range bs {
		if _, managed := r.drives[b.Phys]; managed {
			got[b.Phys] = append(got[b.Phys], b.Partition)
		}
	}
	var diffs []string
	for _, phys := range slices.Sorted(maps.Keys(r.drives)) {
		want, routed := target[phys]
		have := got[phys]
		switch {
		case routed && len(have) == 1 && have[0] == want:
		case !routed && len(have) == 0:
		case routed && len(have) == 0:
			diffs = append(diffs, fmt.Sprintf("drive port %d is not bound, want partition %d", phys, want))
		case routed:
			diffs = append(diffs, fmt.Sprintf("drive port %d is bound to partition %s, want %d", phys, partList(have), want))
		default:
			diffs = append(diffs, fmt.Sprintf("drive port %d is bound to partition %s, want unbound", phys, partList(have)))
		}
	}
	return strings.Join(diffs, "; ")
}

// found reads a routing from bindings: the board's drive ports bound into
// a host's partition. Drive ports bound into a partition no host owns (or
// bound twice) are returned as stray.
func (r *Router) found(bs []Binding) (Routing, []Binding) {
	host := map[int]string{}
	for name, h := range r.hosts {
		host[h.Partition] = name
	}
	rt := Routing{Hosts: map[string][]int{}}
	seen := map[int]bool{}
	var stray []Binding
	for _, b := range bs {
		if _, managed := r.drives[b.Phys]; !managed {
			continue
		}
		h, ok := host[b.Partition]
		if !ok || seen[b.Phys] {
			stray = append(stray, b)
			continue
		}
		seen[b.Phys] = true
		rt.Hosts[h] = append(rt.Hosts[h], b.Phys)
	}
	return rt.Clone(), stray
}

func partList(ps []int) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, " and ")
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
