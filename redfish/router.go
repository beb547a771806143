package redfish

import (
	"net/http"
	"strings"

	"github.com/chassisd/chassisd/agent"
)

// reqCtx is what a resource handler gets: the snapshot the whole request is
// served from and the path's wildcard segments.
type reqCtx struct {
	snap   *agent.Snapshot
	path   string   // canonical path, without a trailing slash
	params []string // wildcard segments in pattern order
	// paramBuf backs params, so matching allocates nothing.
	paramBuf [4]string
	// who made the request; zero on public resources.
	who principal
}

// getFunc renders one resource. It returns a *apiError (usually
// errNotFound) when the resource does not exist in this snapshot.
type getFunc func(rc *reqCtx) (*rendered, error)

// route is one URI pattern. Segments written "{}" match any one segment.
type route struct {
	pattern  string
	segments []string
	// public resources are served without authentication (DSP0266: /redfish,
	// the service root, $metadata and the OData service document).
	public bool
	// volatile resources change without a new snapshot (a clock), so their
	// bodies are never kept.
	volatile bool
	get      getFunc
	// stream serves a GET that does not end with one body (the SSE
	// event stream); a route has get or stream, not both.
	stream streamFunc
	// methods are the handlers of PATCH, POST, PUT and DELETE.
	methods map[string]*methodHandler
	// allow is the Allow header: GET and HEAD when get is set, and the
	// methods; hdrAllow is the same as a header value.
	allow    string
	hdrAllow []string
}

// streamFunc serves a long-lived GET response itself. q holds the query
// options, already checked for syntax; the handler decides which it takes.
type streamFunc func(rc *reqCtx, w http.ResponseWriter, r *http.Request, q *query)

// writeFunc handles a request that changes something. body is the decoded
// JSON object (nil for DELETE). It returns the response to send, or an
// error (an *apiError, or anything else for a 500).
type writeFunc func(rc *reqCtx, r *http.Request, body *props) (*reply, error)

// methodHandler is one method of a route.
type methodHandler struct {
	fn writeFunc
	// privs are the privileges of which the caller needs one (the
	// privilege registry's OR list).
	privs []privilege
	// public methods need no credentials (POST to Sessions: a login).
	public bool
}

// reply is the response of a write.
type reply struct {
	status int       // 0: 200, or 204 without a body
	res    *rendered // body, or nil
	header map[string]string
}

// router holds the routes in registration order. A few dozen patterns make
// a linear scan cheaper than anything cleverer.
type router struct {
	routes []*route
}

// handle registers a GET (and HEAD) resource.
func (rt *router) handle(pattern string, get getFunc, opts ...routeOption) {
	r := rt.find(pattern)
	if r == nil {
		r = &route{pattern: pattern, segments: splitPath(pattern)}
		rt.routes = append(rt.routes, r)
	}
	r.get = get
	for _, o := range opts {
		o(r)
	}
}

// handleStream registers a GET (and HEAD) resource that streams.
func (rt *router) handleStream(pattern string, fn streamFunc) {
	r := rt.find(pattern)
	if r == nil {
		r = &route{pattern: pattern, segments: splitPath(pattern)}
		rt.routes = append(rt.routes, r)
	}
	r.stream = fn
}

// find returns the route registered for pattern, or nil.
func (rt *router) find(pattern string) *route {
	for _, r := range rt.routes {
		if r.pattern == pattern {
			return r
		}
	}
	return nil
}

type routeOption func(*route)

// on adds a method to the route of pattern (made without GET if there is
// none yet).
func (rt *router) on(pattern, method string, fn writeFunc, privs ...privilege) {
	rt.onMethod(pattern, method, &methodHandler{fn: fn, privs: privs})
}

// onPublic adds a method that needs no credentials.
func (rt *router) onPublic(pattern, method string, fn writeFunc) {
	rt.onMethod(pattern, method, &methodHandler{fn: fn, public: true})
}

func (rt *router) onMethod(pattern, method string, mh *methodHandler) {
	r := rt.find(pattern)
	if r == nil {
		r = &route{pattern: pattern, segments: splitPath(pattern)}
		rt.routes = append(rt.routes, r)
	}
	if r.methods == nil {
		r.methods = map[string]*methodHandler{}
	}
	r.methods[method] = mh
}

// finish computes every route's Allow header once all are registered.
func (rt *router) finish() {
	for _, r := range rt.routes {
		var ms []string
		if r.get != nil || r.stream != nil {
			ms = append(ms, "GET", "HEAD")
		}
		for _, m := range []string{http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
			if r.methods[m] != nil {
				ms = append(ms, m)
			}
		}
		r.allow = strings.Join(ms, ", ")
		r.hdrAllow = []string{r.allow}
	}
}

// public marks a resource readable without credentials.
func public(r *route) { r.public = true }

// volatile marks a resource whose body may change between two requests on
// the same snapshot.
func volatile(r *route) { r.volatile = true }

// match finds the route for a canonical path and appends its wildcard
// segments to params.
func (rt *router) match(path string, params []string) (*route, []string) {
	n := segmentCount(path)
	for _, r := range rt.routes {
		if len(r.segments) != n {
			continue
		}
		ps := params
		rest := strings.TrimPrefix(path, "/")
		ok := true
		for _, s := range r.segments {
			var seg string
			seg, rest, _ = strings.Cut(rest, "/")
			if s == "{}" {
				ps = append(ps, seg)
				continue
			}
			if s != seg {
				ok = false
				break
			}
		}
		if ok {
			return r, ps
		}
	}
	return nil, params
}

// segmentCount is len(splitPath(p)) without the slice.
func segmentCount(p string) int {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return 0
	}
	return strings.Count(p, "/") + 1
}

// canonicalPath drops one trailing slash, so /redfish/v1/Chassis/ is
// /redfish/v1/Chassis. ok is false for a path no resource can have (empty
// segments, dot segments), which is answered 404 without a route scan.
func canonicalPath(p string) (string, bool) {
	if len(p) > 1 && strings.HasSuffix(p, "/") {
		p = p[:len(p)-1]
	}
	if p == "" || p[0] != '/' {
		return p, false
	}
	if p == "/" {
		return p, true
	}
	for rest := p[1:]; ; {
		seg, after, more := strings.Cut(rest, "/")
		if seg == "" || seg == "." || seg == ".." {
			return p, false
		}
		if !more {
			return p, true
		}
		rest = after
	}
}

// splitPath splits "/a/b" into ["a", "b"]; "/" is no segments.
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
