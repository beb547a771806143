package redfish

import (
	"net/http"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/sled"
)

// A Connection is the same routing seen the way storage clients compose:
// one per host that has drives routed to it (ConnectionType Storage), its
// initiator and its targets. POST adds targets to a host (creating its
// zone if it has none); DELETE unroutes all of them and leaves the zone,
// empty.

func (s *Service) getConnectionCollection(rc *reqCtx) (*rendered, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, err
	}
	members := []link{}
	for i, h := range f.Hosts {
		if len(f.Routing[h]) > 0 {
			members = append(members, link{connectionPath(i)})
		}
	}
	return renderJSON(newCollection(connectionsPath, schemaConnectionCollection, "Connection Collection", members), schemaConnectionCollection)
}

type connectionResource struct {
	ODataID        string          `json:"@odata.id"`
	ODataType      string          `json:"@odata.type"`
	ID             string          `json:"Id"`
	Name           string          `json:"Name"`
	ConnectionType string          `json:"ConnectionType"`
	Status         status          `json:"Status"`
	Links          connectionLinks `json:"Links"`
}

type connectionLinks struct {
	InitiatorEndpoints []link `json:"InitiatorEndpoints"`
	TargetEndpoints    []link `json:"TargetEndpoints"`
}

// connectionOf returns the host whose connection the request names, or a
// 404: a host with no drives routed has none.
func connectionOf(rc *reqCtx) (*agent.Fabric, int, string, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, -1, "", err
	}
	h := hostByID(f, rc.params[0])
	if h < 0 || len(f.Routing[f.Hosts[h]]) == 0 {
		return nil, -1, "", errNotFound(rc.path)
	}
	return f, h, f.Hosts[h], nil
}

func (s *Service) getConnection(rc *reqCtx) (*rendered, error) {
	f, h, _, err := connectionOf(rc)
	if err != nil {
		return nil, err
	}
	return renderJSON(connectionFor(rc.snap, f, h), schemaConnection)
}

func connectionFor(snap *agent.Snapshot, f *agent.Fabric, h int) connectionResource {
	host := f.Hosts[h]
	targets := []link{}
	st := status{State: stateEnabled, Health: sled.HealthOK}
	for _, phys := range f.Routing[host] {
		targets = append(targets, link{targetPath(phys)})
		if p := portByPhys(f, phys); p != nil {
			st.Health = sled.Worse(st.Health, portHealth(snap, p))
		}
	}
	return connectionResource{
		ODataID:        connectionPath(h),
		ODataType:      schemaConnection.odataType(),
		ID:             hostID(h),
		Name:           "Storage of " + host,
		ConnectionType: "Storage",
		Status:         st,
		Links:          connectionLinks{InitiatorEndpoints: []link{{initiatorPath(h)}}, TargetEndpoints: targets},
	}
}

// connectionReadOnly are Connection properties a POST may not set.
var connectionReadOnly = []string{"Id", "Name", "Description", "Status", "Oem"}

// postConnection routes targets to one initiator. The answer is 201 with
// the Connection when the host had none, 200 when it added to the host's
// connection (Location names it either way).
func (s *Service) postConnection(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, err
	}
	if s.fabricComposer() == nil {
		return nil, errMethodNotAllowed("GET, HEAD")
	}
	body.readOnly(connectionReadOnly...)
	body.enum("ConnectionType", "Storage")
	var inits, targets []endpointRef
	if body.require("Links") {
		if links, ok := body.object("Links"); ok && links.require("InitiatorEndpoints", "TargetEndpoints") {
			initURIs, okI := readLinkPaths(links, "InitiatorEndpoints")
			targetURIs, okT := readLinkPaths(links, "TargetEndpoints")
			if okI && okT {
				var wrong []endpointRef
				inits, wrong = splitEndpoints(f, links, "Links/InitiatorEndpoints", initURIs)
				for _, w := range wrong {
					links.fail(msgPropertyValueIncorrect, "Links/InitiatorEndpoints", w.uri)
				}
				if (len(initURIs) == 0 || len(inits) > 1) && len(wrong) == 0 {
					links.fail(msgPropertyValueIncorrect, "Links/InitiatorEndpoints", "one initiator endpoint is required")
				}
				wrong, targets = splitEndpoints(f, links, "Links/TargetEndpoints", targetURIs)
				for _, w := range wrong {
					links.fail(msgPropertyValueIncorrect, "Links/TargetEndpoints", w.uri)
				}
				if len(targetURIs) == 0 {
					links.fail(msgPropertyValueIncorrect, "Links/TargetEndpoints", "at least one target endpoint is required")
				}
			}
		}
	}
	if e := body.done(); e != nil {
		return nil, e
	}
	h := inits[0].host
	host := f.Hosts[h]
	const prop = "Links/TargetEndpoints"
	if err := checkTargets(rc.snap, host, prop, targets); err != nil {
		return nil, err
	}
	_, hasZone := f.Routing[host]
	existed := len(f.Routing[host]) > 0
	err = s.compose(rc, f, subject{prop: prop, endpoint: targets[0].uri}, func(r map[string][]int) error {
		if _, ok := r[host]; !ok {
			r[host] = []int{}
		}
		return addTargets(host, physOf(targets), false)(r)
	})
	if err != nil {
		return nil, err
	}
	if !hasZone {
		s.logComposition(rc, "ResourceCreated", "The resource was created successfully.", zonePath(h))
	} else {
		s.logComposition(rc, "ResourceChanged", "One or more resource properties have changed.", zonePath(h))
	}
	rep, err := s.createdReply(connectionPath(h), func(snap *agent.Snapshot) (*rendered, error) {
		if snap == nil || snap.Fabric == nil || hostIndex(snap.Fabric, host) != h || len(snap.Fabric.Routing[host]) == 0 {
			return nil, nil
		}
		return renderJSON(connectionFor(snap, snap.Fabric, h), schemaConnection)
	})
	if err == nil && existed {
		rep.status = http.StatusOK
	}
	return rep, err
}

// deleteConnection unroutes every target of a host; its zone stays.
func (s *Service) deleteConnection(rc *reqCtx, _ *http.Request, _ *props) (*reply, error) {
	f, h, host, err := connectionOf(rc)
	if err != nil {
		return nil, err
	}
	if s.fabricComposer() == nil {
		return nil, errMethodNotAllowed("GET, HEAD")
	}
	err = s.compose(rc, f, subject{prop: "Links/TargetEndpoints", endpoint: initiatorPath(h)}, func(r map[string][]int) error {
		if _, ok := r[host]; !ok {
			return errZoneGone
		}
		r[host] = []int{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.logComposition(rc, "ResourceChanged", "One or more resource properties have changed.", zonePath(h))
	return &reply{status: http.StatusNoContent}, nil
}
