package redfish

import "context"

// Composer changes the interposer's routing; the agent implements it. The
// service never touches a bus: compositions go down to the agent, which
// programs the switch, verifies it and persists the routing.
type Composer interface {
	// Compose applies edit to a copy of the current routing (host name
	// to drive ports) and programs the switch, if the routing is still at
	// version (else agent.ErrStaleRouting). edit may add or delete host
	// entries.
	Compose(ctx context.Context, version uint64, edit func(routing map[string][]int) error) error
}

// SetComposer connects the Fabric resources' composition to the agent.
// Without it, the fabric is shown but cannot be changed.
func (s *Service) SetComposer(c Composer) {
	s.composer.Store(&c)
	s.writes.Add(1) // bodies rendered without the actions are stale
}

func (s *Service) fabricComposer() Composer {
	if c := s.composer.Load(); c != nil {
		return *c
	}
	return nil
}
