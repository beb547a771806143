package redfish

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/chassisd/chassisd/agent"
)

// composeTimeout bounds one composition: the agent writes the switch,
// reads it back and persists the routing, with a rollback on failure.
const composeTimeout = 10 * time.Second

// Errors an edit returns when the agent's routing is not what the request
// was judged against: the agent hands them back from Compose.
var (
	errZoneExists = errors.New("the host already has a zone")
	errZoneGone   = errors.New("the host has no zone")
)

// subject is what a composition names, for its error messages: the
// property or parameter and the endpoint it gave.
type subject struct {
	prop     string // "Links/Endpoints", "Endpoint"
	endpoint string // the endpoint's URI
}

// compose hands edit to the agent at the routing version the request was
// judged against (so a change made meanwhile is refused, not overwritten)
// and maps what the agent says onto a response.
func (s *Service) compose(rc *reqCtx, f *agent.Fabric, subj subject, edit func(map[string][]int) error) error {
	c := s.fabricComposer()
	if c == nil {
		return errNotFound(rc.path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), composeTimeout)
	defer cancel()
	if err := c.Compose(ctx, f.Version, edit); err != nil {
		return s.composeError(rc, f, subj, err)
	}
	return nil
}

// composeError maps a failed composition: a drive routed to another host
// is 409 naming the endpoint and the zone that holds it; a routing changed
// since it was read is 412; a switch that failed to take the change (the
// agent has rolled it back) is 503, as the request may succeed later.
func (s *Service) composeError(rc *reqCtx, f *agent.Fabric, subj subject, err error) error {
	var conflict *agent.RoutingConflict
	switch {
	case errors.As(err, &conflict):
		other := conflict.OtherHost
		if h := hostIndex(f, other); h >= 0 {
			other = zonePath(h)
		}
		return &apiError{status: http.StatusConflict, msg: msgPropertyValueResourceConflict,
			args: []string{subj.prop, targetPath(conflict.Port), other}}
	case errors.Is(err, errZoneExists):
		return &apiError{status: http.StatusConflict, msg: msgResourceAlreadyExists, args: []string{"Zone", subj.prop, subj.endpoint}}
	case errors.Is(err, errZoneGone), errors.Is(err, agent.ErrNoFabric):
		return errNotFound(rc.path)
	case errors.Is(err, agent.ErrStaleRouting):
		return errPreconditionFailed()
	case errors.Is(err, agent.ErrDriveAbsent):
		return &apiError{status: http.StatusConflict, msg: msgPropertyValueResourceConflict,
			args: []string{subj.prop, subj.endpoint, subj.endpoint}}
	case errors.Is(err, agent.ErrUnknownPort):
		return &apiError{status: http.StatusBadRequest, msg: msgPropertyValueIncorrect, args: []string{subj.prop, subj.endpoint}}
	case errors.Is(err, context.DeadlineExceeded):
		s.log.Warn("composition timed out", "path", rc.path, "err", err)
		return &apiError{status: http.StatusServiceUnavailable, msg: msgOperationTimeout}
	}
	s.log.Warn("composition failed", "path", rc.path, "err", err)
	return &apiError{status: http.StatusServiceUnavailable, msg: msgOperationFailed}
}

// logComposition records a change of routing in the event log.
func (s *Service) logComposition(rc *reqCtx, key, text, origin string) {
	s.AppendLog("OK", resourceEventRegistry+key, text, nil, origin)
	s.log.Info("routing changed", "resource", origin, "change", key, "path", rc.path, "user", rc.who.user)
}

// endpointRef is a resolved Endpoint link: a host's initiator (host >= 0)
// or a drive port's target (port != nil).
type endpointRef struct {
	uri  string
	host int
	port *agent.FabricPort
}

// resolveEndpoint finds the endpoint a link names, or ok false.
func resolveEndpoint(f *agent.Fabric, uri string) (endpointRef, bool) {
	ref := endpointRef{uri: uri, host: -1}
	id, found := strings.CutPrefix(uri, endpointsPath+"/")
	if !found || strings.Contains(id, "/") {
		return ref, false
	}
	if h := hostByID(f, id); h >= 0 {
		ref.host = h
		return ref, true
	}
	if p := drivePortByID(f, id); p != nil {
		ref.port = p
		return ref, true
	}
	return ref, false
}

// linkArray decodes an array of links, [{"@odata.id": "..."}], into
// canonical paths. ok is false for anything else.
func linkArray(raw json.RawMessage) ([]string, bool) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		return nil, false
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var id string
		v, has := it["@odata.id"]
		if !has || json.Unmarshal(v, &id) != nil {
			return nil, false
		}
		p, _ := canonicalPath(id)
		out = append(out, p)
	}
	return out, true
}

// readLinkPaths reads a property that is an array of links, as canonical
// paths.
func readLinkPaths(p *props, k string) ([]string, bool) {
	v, ok := p.value(k)
	if !ok {
		return nil, false
	}
	uris, ok := linkArray(v)
	if !ok {
		p.typeError(k, v)
	}
	return uris, ok
}

// endpointParam reads an action's Endpoint parameter. The schema makes it
// a link, {"@odata.id": "..."}; gofish and other clients send the URI as
// a bare string, which is taken too.
func endpointParam(a *actionParams, k string) (string, bool) {
	v, ok := a.raw(k)
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		p, _ := canonicalPath(s)
		return p, true
	}
	return a.link(k)
}

// addTargets is the edit that routes drive ports to host, which must
// already have an entry when create is false. A port routed to another
// host is a *agent.RoutingConflict; the agent validates again.
func addTargets(host string, ports []int, create bool) func(map[string][]int) error {
	return func(r map[string][]int) error {
		cur, ok := r[host]
		switch {
		case create && ok:
			return errZoneExists
		case !create && !ok:
			return errZoneGone
		}
		for _, p := range ports {
			if other := ownerIn(r, p); other != "" && other != host {
				return &agent.RoutingConflict{Port: p, Host: host, OtherHost: other}
			}
		}
		next := slices.Clone(cur)
		for _, p := range ports {
			if !slices.Contains(next, p) {
				next = append(next, p)
			}
		}
		if next == nil {
			next = []int{}
		}
		slices.Sort(next)
		r[host] = next
		return nil
	}
}

// removeTargets is the edit that unroutes drive ports from host.
func removeTargets(host string, ports []int) func(map[string][]int) error {
	return func(r map[string][]int) error {
		cur, ok := r[host]
		if !ok {
			return errZoneGone
		}
		next := make([]int, 0, len(cur))
		for _, p := range cur {
			if !slices.Contains(ports, p) {
				next = append(next, p)
			}
		}
		r[host] = next
		return nil
	}
}

// checkTargets judges drive ports against the snapshot before the agent
// is asked: a port with no drive, or routed to another host, is 409. The
// agent checks again against its own routing.
func checkTargets(snap *agent.Snapshot, host string, prop string, refs []endpointRef) error {
	f := snap.Fabric
	for _, ref := range refs {
		if !drivePresent(snap, ref.port) {
			return &apiError{status: http.StatusConflict, msg: msgPropertyValueResourceConflict,
				args: []string{prop, ref.uri, portPath(ref.port.Phys)}}
		}
		if other := routedTo(f, ref.port.Phys); other != "" && other != host {
			at := other
			if h := hostIndex(f, other); h >= 0 {
				at = zonePath(h)
			}
			return &apiError{status: http.StatusConflict, msg: msgPropertyValueResourceConflict,
				args: []string{prop, ref.uri, at}}
		}
	}
	return nil
}

// splitEndpoints resolves links into initiators and targets (duplicates
// dropped). An unknown link is reported on p as PropertyValueIncorrect.
func splitEndpoints(f *agent.Fabric, p *props, prop string, uris []string) (inits, targets []endpointRef) {
	seen := map[string]bool{}
	for _, u := range uris {
		if seen[u] {
			continue
		}
		seen[u] = true
		ref, ok := resolveEndpoint(f, u)
		switch {
		case !ok:
			p.fail(msgPropertyValueIncorrect, prop, u)
		case ref.port != nil:
			targets = append(targets, ref)
		default:
			inits = append(inits, ref)
		}
	}
	return inits, targets
}

func physOf(refs []endpointRef) []int {
	out := make([]int, len(refs))
	for i, r := range refs {
		out[i] = r.port.Phys
	}
	return out
}
