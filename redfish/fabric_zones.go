package redfish

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/sled"
)

// A Zone is one host's view of the fabric: its initiator and the drive
// ports routed to it. It exists while the host has an entry in the
// routing: POST to Zones makes one, DELETE removes it and unroutes its
// drives, and Zone.AddEndpoint / Zone.RemoveEndpoint move drives in and out.

func (s *Service) getZoneCollection(rc *reqCtx) (*rendered, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, err
	}
	members := []link{}
	for i, h := range f.Hosts {
		if _, ok := f.Routing[h]; ok {
			members = append(members, link{zonePath(i)})
		}
	}
	return renderJSON(newCollection(zonesPath, schemaZoneCollection, "Zone Collection", members), schemaZoneCollection)
}

type zoneResource struct {
	ODataID     string       `json:"@odata.id"`
	ODataType   string       `json:"@odata.type"`
	ID          string       `json:"Id"`
	Name        string       `json:"Name"`
	Description string       `json:"Description"`
	ZoneType    string       `json:"ZoneType"`
	Status      status       `json:"Status"`
	Links       zoneLinks    `json:"Links"`
	Actions     *zoneActions `json:"Actions,omitempty"`
}

type zoneLinks struct {
	Endpoints        []link `json:"Endpoints"`
	EndpointsCount   int    `json:"Endpoints@odata.count"`
	InvolvedSwitches []link `json:"InvolvedSwitches"`
}

type zoneActions struct {
	AddEndpoint    actionTarget `json:"#Zone.AddEndpoint"`
	RemoveEndpoint actionTarget `json:"#Zone.RemoveEndpoint"`
}

func zoneAddPath(h int) string    { return zonePath(h) + "/Actions/Zone.AddEndpoint" }
func zoneRemovePath(h int) string { return zonePath(h) + "/Actions/Zone.RemoveEndpoint" }

// zoneOf returns the index and name of the host whose zone the request
// names, or a 404.
func zoneOf(rc *reqCtx) (*agent.Fabric, int, string, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, -1, "", err
	}
	h := hostByID(f, rc.params[0])
	if h < 0 {
		return nil, -1, "", errNotFound(rc.path)
	}
	if _, ok := f.Routing[f.Hosts[h]]; !ok {
		return nil, -1, "", errNotFound(rc.path)
	}
	return f, h, f.Hosts[h], nil
}

func (s *Service) getZone(rc *reqCtx) (*rendered, error) {
	f, h, _, err := zoneOf(rc)
	if err != nil {
		return nil, err
	}
	return s.renderZone(rc.snap, f, h)
}

func (s *Service) renderZone(snap *agent.Snapshot, f *agent.Fabric, h int) (*rendered, error) {
	eps := zoneEndpoints(f, h)
	st := status{State: stateEnabled, Health: sled.HealthOK}
	if p := hostPort(f, f.Hosts[h]); p != nil {
		st.Health = health(p.Health)
	}
	for _, phys := range f.Routing[f.Hosts[h]] {
		if p := portByPhys(f, phys); p != nil {
			st.Health = sled.Worse(st.Health, portHealth(snap, p))
		}
	}
	z := zoneResource{
		ODataID:     zonePath(h),
		ODataType:   schemaZone.odataType(),
		ID:          hostID(h),
		Name:        "Zone of " + f.Hosts[h],
		Description: "The drives " + f.Hosts[h] + " sees through the interposer",
		ZoneType:    "ZoneOfEndpoints",
		Status:      st,
		Links:       zoneLinks{Endpoints: eps, EndpointsCount: len(eps), InvolvedSwitches: []link{{switchPath}}},
	}
	if s.fabricComposer() != nil {
		z.Actions = &zoneActions{
			AddEndpoint:    actionTarget{Target: zoneAddPath(h)},
			RemoveEndpoint: actionTarget{Target: zoneRemovePath(h)},
		}
	}
	return renderWithETag(z, schemaZone, zoneETag(f, h))
}

// zoneEndpoints is the host's initiator, then its targets in port order.
func zoneEndpoints(f *agent.Fabric, h int) []link {
	out := []link{{initiatorPath(h)}}
	for _, phys := range f.Routing[f.Hosts[h]] {
		out = append(out, link{targetPath(phys)})
	}
	return out
}

// zoneETag is a zone's ETag: a hash of what it holds and of the routing
// version. A link going down changes the zone's Status but not its ETag,
// so a client's ETag stays good until the routing itself changes; any
// routing change makes every zone's ETag stale, since a drive moved
// elsewhere may be the one the client meant to take.
func zoneETag(f *agent.Fabric, h int) string {
	w := fnv.New64a()
	fmt.Fprintf(w, "zone %s version %d:", hostID(h), f.Version)
	for _, phys := range f.Routing[f.Hosts[h]] {
		fmt.Fprintf(w, " %d", phys)
	}
	return fmt.Sprintf(`W/"%016x"`, w.Sum64())
}

// renderWithETag renders a resource whose ETag is not the hash of its
// body but etag.
func renderWithETag(v any, sc schema, etag string) (*rendered, error) {
	r, err := renderRawJSON(v)
	if err != nil {
		return nil, err
	}
	r.etag, r.hdrETag = etag, []string{etag}
	r.link = "<" + sc.jsonSchemaURI() + ">; rel=describedby"
	r.hdrLink = []string{r.link}
	return annotateETag(r), nil
}

// zoneReadOnly are Zone properties a POST may not set.
var zoneReadOnly = []string{"Id", "Name", "Description", "Status", "Actions", "Identifiers", "Oem"}

// postZone creates a host's zone: Links.Endpoints holds exactly one
// initiator (the host) and at least one target, each of them free.
// Removing a zone's last target removes the zone, as DELETE does.
func (s *Service) postZone(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	f, err := fabricOf(rc)
	if err != nil {
		return nil, err
	}
	if s.fabricComposer() == nil {
		return nil, errMethodNotAllowed("GET, HEAD")
	}
	body.readOnly(zoneReadOnly...)
	body.enum("ZoneType", "ZoneOfEndpoints")
	const prop = "Links/Endpoints"
	var inits, targets []endpointRef
	if body.require("Links") {
		if links, ok := body.object("Links"); ok && links.require("Endpoints") {
			if uris, ok := readLinkPaths(links, "Endpoints"); ok {
				inits, targets = splitEndpoints(f, links, prop, uris)
				if len(inits) != 1 {
					links.fail(msgPropertyValueIncorrect, prop, strconv.Itoa(len(inits))+" initiator endpoints; a zone holds one")
				}
				// A zone is what its host sees: it exists while the host
				// sees at least one drive (the switch has no empty
				// partition routing to keep), so it is created with one.
				if len(inits) == 1 && len(targets) == 0 {
					links.fail(msgPropertyValueIncorrect, prop, "no target endpoint; a zone holds its host and at least one drive")
				}
			}
		}
	}
	if e := body.done(); e != nil {
		return nil, e
	}
	h := inits[0].host
	host := f.Hosts[h]
	if _, ok := f.Routing[host]; ok {
		return nil, &apiError{status: http.StatusConflict, msg: msgResourceAlreadyExists, args: []string{"Zone", prop, inits[0].uri}}
	}
	if err := checkTargets(rc.snap, host, prop, targets); err != nil {
		return nil, err
	}
	if err := s.compose(rc, f, subject{prop: prop, endpoint: inits[0].uri}, addTargets(host, physOf(targets), true)); err != nil {
		return nil, err
	}
	s.logComposition(rc, "ResourceCreated", "The resource was created successfully.", zonePath(h))
	return s.createdReply(zonePath(h), func(snap *agent.Snapshot) (*rendered, error) {
		if snap == nil || snap.Fabric == nil {
			return nil, nil
		}
		if _, ok := snap.Fabric.Routing[host]; !ok || hostIndex(snap.Fabric, host) != h {
			return nil, nil
		}
		return s.renderZone(snap, snap.Fabric, h)
	})
}

// createdReply is 201 with the new resource's Location, and its body when
// the agent's newest snapshot already shows it.
func (s *Service) createdReply(path string, render func(*agent.Snapshot) (*rendered, error)) (*reply, error) {
	res, err := render(s.cfg.Snapshot())
	if err != nil {
		return nil, err
	}
	return &reply{status: http.StatusCreated, res: res, header: map[string]string{"Location": path}}, nil
}

// deleteZone removes a host's zone: its drives are unrouted.
func (s *Service) deleteZone(rc *reqCtx, _ *http.Request, _ *props) (*reply, error) {
	f, h, host, err := zoneOf(rc)
	if err != nil {
		return nil, err
	}
	if s.fabricComposer() == nil {
		return nil, errMethodNotAllowed("GET, HEAD")
	}
	err = s.compose(rc, f, subject{prop: "Links/Endpoints", endpoint: initiatorPath(h)}, func(r map[string][]int) error {
		if _, ok := r[host]; !ok {
			return errZoneGone
		}
		delete(r, host)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.logComposition(rc, "ResourceRemoved", "The resource was removed successfully.", zonePath(h))
	return &reply{status: http.StatusNoContent}, nil
}

func (s *Service) postZoneAddEndpoint(rc *reqCtx, r *http.Request, body *props) (*reply, error) {
	return s.zoneAction(rc, r, body, "Zone.AddEndpoint", true)
}

func (s *Service) postZoneRemoveEndpoint(rc *reqCtx, r *http.Request, body *props) (*reply, error) {
	return s.zoneAction(rc, r, body, "Zone.RemoveEndpoint", false)
}

// zoneAction moves one drive port into (add) or out of a zone. The Zone
// schema has the client prove it read the zone: If-Match with the zone's
// ETag (412 when stale, DSP0266), or the ZoneETag parameter (428 when
// stale, as the schema says); with neither, 428 PreconditionRequired.
// EndpointETag, when given, must be the endpoint's (428 when stale).
// Adding a drive the zone has, or removing one it has not, changes nothing
// and succeeds, so a client may retry after a lost response.
func (s *Service) zoneAction(rc *reqCtx, r *http.Request, body *props, action string, add bool) (*reply, error) {
	f, h, host, err := zoneOf(rc)
	if err != nil {
		return nil, err
	}
	if s.fabricComposer() == nil {
		return nil, errNotFound(rc.path)
	}
	a := newActionParams(action, body)
	a.require("Endpoint")
	uri, hasEndpoint := endpointParam(a, "Endpoint")
	zoneTag, _ := a.str("ZoneETag")
	endpointTag, _ := a.str("EndpointETag")
	if e := a.done(); e != nil {
		return nil, e
	}
	cur := zoneETag(f, h)
	ifMatch := firstValue(r.Header["If-Match"])
	switch {
	case ifMatch != "" && !matchesETag(ifMatch, cur):
		return nil, errPreconditionFailed()
	case zoneTag != "" && !matchesETag(zoneTag, cur):
		return nil, &apiError{status: http.StatusPreconditionRequired, msg: msgPreconditionFailed}
	case ifMatch == "" && zoneTag == "":
		return nil, &apiError{status: http.StatusPreconditionRequired, msg: ocpMsgs.preconditionRequired}
	}
	ref, ok := resolveEndpoint(f, uri)
	if !hasEndpoint || !ok {
		return nil, &apiError{status: http.StatusBadRequest, msg: actionMsgs.valueError, args: []string{"Endpoint", action}}
	}
	if ref.port == nil {
		// An initiator: a zone holds its own host's, which cannot be
		// removed but with the zone, and no other.
		return nil, &apiError{status: http.StatusBadRequest, msg: msgActionParameterValueConflict, args: []string{"Endpoint", uri}}
	}
	if endpointTag != "" {
		ep, err := renderJSON(targetEndpoint(rc.snap, ref.port), schemaEndpoint)
		if err != nil {
			return nil, err
		}
		if !matchesETag(endpointTag, ep.etag) {
			return nil, &apiError{status: http.StatusPreconditionRequired, msg: msgPreconditionFailed}
		}
	}
	subj := subject{prop: "Endpoint", endpoint: uri}
	routed := routedTo(f, ref.port.Phys) == host
	if add == routed {
		return &reply{status: http.StatusNoContent}, nil
	}
	edit := removeTargets(host, []int{ref.port.Phys})
	if add {
		if err := checkTargets(rc.snap, host, "Endpoint", []endpointRef{ref}); err != nil {
			return nil, err
		}
		edit = addTargets(host, []int{ref.port.Phys}, false)
	}
	if err := s.compose(rc, f, subj, edit); err != nil {
		return nil, err
	}
	s.logComposition(rc, "ResourceChanged", "One or more resource properties have changed.", zonePath(h))
	return &reply{status: http.StatusNoContent}, nil
}

// msgActionParameterValueConflict is Base's: the parameter is well formed
// but the service's configuration does not allow it.
var msgActionParameterValueConflict = message{
	key:        "ActionParameterValueConflict",
	text:       "The parameter '%1' with the requested value of '%2' does not meet the constraints of the implementation.",
	severity:   "Warning",
	resolution: "None.",
}
