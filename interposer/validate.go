package interposer

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Why a requested routing is refused before anything is written. The
// Redfish layer answers ErrUnknownHost and ErrUnknownPort with 400 (or 404
// for a named resource), ErrDriveAbsent and *ConflictError with 409.
var (
	ErrUnknownHost = errors.New("no such host on the interposer")
	ErrUnknownPort = errors.New("not a drive port of the interposer")
	ErrDriveAbsent = errors.New("no drive present behind the port")
	// ErrNotRouted: Detach of a port the host does not reach.
	ErrNotRouted = errors.New("drive port is not routed to the host")
	// ErrNotStarted: Apply before Start; the router does not know yet
	// what the switch holds.
	ErrNotStarted = errors.New("router not started")
)

// ConflictError refuses to route a drive port to Host while OtherHost
// reaches it: a drive is seen by one host at a time, and moving it is two
// changes (take it from OtherHost, then give it to Host), so that a client
// working from an old view never takes a drive away by accident.
type ConflictError struct {
	Port      int
	Host      string
	OtherHost string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("interposer: drive port %d is routed to %q; it cannot be routed to %q too", e.Port, e.OtherHost, e.Host)
}

// validate checks next against the board and against cur, the routing the
// switch holds now. The first problem is returned, in a fixed order: names
// first (unknown hosts and ports), then conflicts, then absent drives, so
// the same request always gets the same answer.
func (r *Router) validate(cur, next Routing) error {
	hosts := slices.Sorted(maps.Keys(next.Hosts))
	for _, h := range hosts {
		if _, ok := r.hosts[h]; !ok {
			return fmt.Errorf("interposer: host %q: %w", h, ErrUnknownHost)
		}
		for _, p := range next.Hosts[h] {
			if _, ok := r.drives[p]; !ok {
				return fmt.Errorf("interposer: host %q: port %d: %w", h, p, ErrUnknownPort)
			}
		}
	}
	owner := map[int]string{}
	for _, h := range hosts {
		for _, p := range next.Hosts[h] {
			if other, dup := owner[p]; dup && other != h {
				return &ConflictError{Port: p, Host: h, OtherHost: other}
			}
			owner[p] = h
			if other, ok := cur.HostOf(p); ok && other != h {
				return &ConflictError{Port: p, Host: h, OtherHost: other}
			}
		}
	}
	if r.cfg.Present == nil {
		return nil
	}
	for _, h := range hosts {
		for _, p := range next.Hosts[h] {
			if slices.Contains(cur.Hosts[h], p) {
				continue // already routed: a drive pulled since is no reason to refuse other changes
			}
			if !r.cfg.Present(p) {
				d := r.drives[p]
				return fmt.Errorf("interposer: host %q: drive port %d (bay %d slot %d): %w", h, p, d.Bay, d.Slot, ErrDriveAbsent)
			}
		}
	}
	return nil
}
