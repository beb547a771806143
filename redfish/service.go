package redfish

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/chassisd/chassisd/agent"
	"github.com/chassisd/chassisd/redfish/events"
)

// Config is what the service needs.
type Config struct {
	// Snapshot returns the agent's latest snapshot, or nil before the first
	// walk. It is called once per request and must not block.
	Snapshot func() *agent.Snapshot
	Accounts *Accounts
	Logger   *slog.Logger
	// UUID identifies this service (ServiceRoot.UUID); it must stay the
	// same across restarts.
	UUID string
}

// Service is the Redfish service. Its handler is safe for concurrent use.
type Service struct {
	cfg    Config
	log    *slog.Logger
	router router
	// cache holds the bodies rendered from the newest snapshot seen.
	cache atomic.Pointer[bodyCache]
	// now is the clock for Manager.DateTime; tests replace it.
	now func() time.Time
	// metadata is the $metadata document, fixed for the process.
	metadata *rendered
	// sessions are the login sessions (SessionService).
	sessions *sessionStore
	// writes counts successful writes: a body rendered before a write
	// is not served after it.
	writes atomic.Uint64
	ocp    *ocpState // OCP profile state: servicestate.go
	net    netState  // network settings set through Redfish: netsettings.go
	// broker is the EventService's: in memory from New, persistent once
	// StartEvents gives it the state directory.
	broker atomic.Pointer[events.Broker]
	// control carries sled commands down to the agent (sledcontrol.go).
	control atomic.Pointer[SledControl]
	// composer carries compositions down to the agent (composer.go).
	composer atomic.Pointer[Composer]
}

// New checks cfg and builds the service with every route registered.
func New(cfg Config) (*Service, error) {
	if cfg.Snapshot == nil {
		return nil, errors.New("redfish: Config.Snapshot is required")
	}
	if cfg.Accounts == nil {
		return nil, errors.New("redfish: Config.Accounts is required")
	}
	if !validUUID(cfg.UUID) {
		return nil, fmt.Errorf("redfish: service UUID %q is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", cfg.UUID)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{cfg: cfg, log: cfg.Logger, now: time.Now, metadata: newRendered(metadataDocument(), contentTypeXML),
		sessions: newSessionStore(), ocp: newOCPState()}
	for _, register := range s.routes() {
		register(&s.router)
	}
	s.router.finish()
	b, err := events.New(events.Options{Logger: cfg.Logger, SubscriptionsURI: subscriptionsPath})
	if err != nil {
		return nil, fmt.Errorf("redfish: event service: %w", err)
	}
	s.broker.Store(b)
	return s, nil
}

// routes lists every resource family's registration, bmcweb style: a new
// resource family is one file and one line here.
func (s *Service) routes() []func(*router) {
	return []func(*router){
		s.rootRoutes,
		s.metadataRoutes,
		s.chassisRoutes,
		s.sledControlRoutes,
		s.driveRoutes,
		s.sensorRoutes,
		s.managerRoutes,
		s.accountServiceRoutes,
		s.sessionServiceRoutes,
		s.eventServiceRoutes,
		s.registryRoutes,
		s.certificateServiceRoutes,
		s.ocpRoutes,
		s.fabricRoutes,
	}
}

// Handler returns the HTTP handler serving /redfish.
func (s *Service) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Headers sent with every response. The value slices are shared and never
// modified: net/http only reads them.
var (
	hdrODataVersion = []string{"4.0"}
	// no-cache, not no-store: a client may keep a body and revalidate it
	// with If-None-Match, which costs the BMC a 304 instead of a body.
	hdrCacheControl = []string{"no-cache"}
	hdrFrameOptions = []string{"DENY"}
	hdrNoSniff      = []string{"nosniff"}
	hdrCSP          = []string{"default-src 'none'; frame-ancestors 'none'"}
)

// serve is the request pipeline: common headers, route, authentication,
// protocol checks, privileges, then the resource from the body cache or its
// renderer, or the write handler of the method.
func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	written := false
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		s.log.Error("redfish: handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		if !written {
			writeError(w, r, errInternal())
		}
	}()
	fail := func(e *apiError) {
		written = true
		writeError(w, r, e)
	}

	h := w.Header()
	h["Odata-Version"] = hdrODataVersion
	h["Cache-Control"] = hdrCacheControl
	h["X-Frame-Options"] = hdrFrameOptions
	h["X-Content-Type-Options"] = hdrNoSniff
	h["Content-Security-Policy"] = hdrCSP

	path, ok := canonicalPath(r.URL.Path)
	var rt *route
	rc := &reqCtx{path: path}
	if ok {
		rt, rc.params = s.router.match(path, rc.paramBuf[:0])
	}
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	var mh *methodHandler
	if rt != nil && !read {
		mh = rt.methods[r.Method]
	}
	public := rt != nil && (read && rt.public || mh != nil && mh.public)
	if !public {
		// Everything but the public resources needs credentials, unknown
		// paths included: a 404 before a 401 would tell a stranger which
		// resources exist.
		who, ok := s.authenticate(r)
		if !ok {
			fail(errUnauthorized())
			return
		}
		rc.who = who
	}
	// Header keys are looked up in canonical form directly: Get would
	// canonicalise "OData-Version" on every request.
	if v := firstValue(r.Header["Odata-Version"]); v != "" && v != "4.0" {
		fail(errODataVersion(v))
		return
	}
	if rt == nil {
		fail(errNotFound(r.URL.Path))
		return
	}
	if read && rt.get == nil && rt.stream == nil || !read && mh == nil {
		fail(errMethodNotAllowed(rt.allow))
		return
	}
	if !public {
		var need []privilege
		if mh != nil {
			need = mh.privs
		}
		if !rc.who.hasAny(need) {
			fail(errForbidden())
			return
		}
	}
	q, qerr := parseQuery(r.URL.RawQuery, read)
	if qerr != nil {
		fail(qerr)
		return
	}

	rc.snap = s.cfg.Snapshot()
	if read && rt.stream != nil {
		written = true
		h["Allow"] = rt.hdrAllow
		rt.stream(rc, w, r, q)
		return
	}
	if !read {
		written = true
		s.write(w, r, rt, mh, rc)
		return
	}
	res, err := s.render(rt, rc)
	if err == nil && q != nil {
		rt, res, err = s.applyQuery(r, rt, rc, res, q)
	}
	if err != nil {
		fail(asAPIError(s, path, err))
		return
	}

	h["Allow"] = rt.hdrAllow
	h["Etag"] = res.hdrETag
	if res.hdrLink != nil {
		h["Link"] = res.hdrLink
	}
	written = true
	if matchesETag(firstValue(r.Header["If-None-Match"]), res.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = res.hdrContentType
	h["Content-Length"] = res.hdrContentLength
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(res.body)
	}
}

// asAPIError turns a handler's error into the response to send: its own
// Redfish error, or a logged 500.
func asAPIError(s *Service, path string, err error) *apiError {
	var ae *apiError
	if !errors.As(err, &ae) {
		s.log.Error("redfish: request failed", "path", path, "err", err)
		ae = errInternal()
	}
	return ae
}

// write runs a PATCH, POST, PUT or DELETE: the If-Match precondition
// against the resource's current ETag, the body, then the handler.
func (s *Service) write(w http.ResponseWriter, r *http.Request, rt *route, mh *methodHandler, rc *reqCtx) {
	if im := firstValue(r.Header["If-Match"]); im != "" && rt.get != nil {
		cur, err := rt.get(rc)
		if err != nil {
			writeError(w, r, asAPIError(s, rc.path, err))
			return
		}
		if !matchesETag(im, cur.etag) {
			writeError(w, r, errPreconditionFailed())
			return
		}
	}
	var body *props
	if r.Method != http.MethodDelete {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		var ae *apiError
		if body, ae = readBody(r); ae != nil {
			writeError(w, r, ae)
			return
		}
	}
	rep, err := mh.fn(rc, r, body)
	if err != nil {
		writeError(w, r, asAPIError(s, rc.path, err))
		return
	}
	// Resources may show what the write changed: bodies rendered before
	// it are not served again.
	s.writes.Add(1)
	h := w.Header()
	for k, v := range rep.header {
		h.Set(k, v)
	}
	status := rep.status
	if status == 0 {
		status = http.StatusOK
	}
	if rep.res == nil {
		if status == http.StatusOK {
			status = http.StatusNoContent
		}
		w.WriteHeader(status)
		return
	}
	h["Content-Type"] = rep.res.hdrContentType
	h["Content-Length"] = rep.res.hdrContentLength
	if rep.res.hdrETag != nil && status != http.StatusCreated {
		h["Etag"] = rep.res.hdrETag
	}
	w.WriteHeader(status)
	_, _ = w.Write(rep.res.body)
}

// render returns the resource's response, from the body cache when the
// snapshot has not changed since it was rendered.
func (s *Service) render(rt *route, rc *reqCtx) (*rendered, error) {
	if rt.volatile {
		return rt.get(rc)
	}
	c := s.cacheFor(rc.snap)
	if c != nil {
		if res := c.get(rc.path); res != nil {
			return res, nil
		}
	}
	res, err := rt.get(rc)
	if err != nil {
		return nil, err
	}
	if c != nil {
		c.put(rc.path, res)
	}
	return res, nil
}

// cacheFor returns the body cache of snap, starting one when snap is newer
// than the cached one. A request still holding an older snapshot gets no
// cache rather than throwing away the newer one.
func (s *Service) cacheFor(snap *agent.Snapshot) *bodyCache {
	for {
		writes := s.writes.Load()
		c := s.cache.Load()
		if c != nil && c.snap == snap && c.writes == writes {
			return c
		}
		if c != nil && (generation(snap) < generation(c.snap) || writes < c.writes) {
			return nil
		}
		n := &bodyCache{snap: snap, writes: writes, m: make(map[string]*rendered)}
		if s.cache.CompareAndSwap(c, n) {
			return n
		}
	}
}

// authenticate checks a session token (X-Auth-Token) or HTTP Basic
// credentials. A request that carries a token is judged by the token alone.
func (s *Service) authenticate(r *http.Request) (principal, bool) {
	if tok := firstValue(r.Header["X-Auth-Token"]); tok != "" {
		ss, ok := s.sessions.lookup(tok)
		if !ok {
			return principal{}, false
		}
		return principal{user: ss.user, role: ss.role, session: ss.id}, true
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return principal{}, false
	}
	role, ok := s.cfg.Accounts.Authenticate(user, pass)
	if !ok {
		s.log.Info("redfish: authentication failed", "user", user, "remote", r.RemoteAddr)
		return principal{}, false
	}
	return principal{user: user, role: role}, true
}

func firstValue(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// validUUID reports whether u has the 8-4-4-4-12 hex form.
func validUUID(u string) bool {
	if len(u) != 36 {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
