package redfish

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chassisd/chassisd/agent"
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
	s := &Service{cfg: cfg, log: cfg.Logger, now: time.Now, metadata: newRendered(metadataDocument(), contentTypeXML)}
	for _, register := range s.routes() {
		register(&s.router)
	}
	return s, nil
}

// routes lists every resource family's registration, bmcweb style: a new
// resource family is one file and one line here.
func (s *Service) routes() []func(*router) {
	return []func(*router){
		s.rootRoutes,
		s.metadataRoutes,
		s.chassisRoutes,
		s.driveRoutes,
		s.sensorRoutes,
		s.managerRoutes,
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
	hdrAllowGet     = []string{"GET, HEAD"}
)

const allowGet = "GET, HEAD"

// serve is the request pipeline: common headers, route, authentication,
// protocol checks, then the resource from the body cache or its renderer.
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
	if rt == nil || !rt.public {
		// Everything but the public resources needs credentials, unknown
		// paths included: a 404 before a 401 would tell a stranger which
		// resources exist.
		user, role, ok := s.authenticate(r)
		if !ok {
			written = true
			writeError(w, r, errUnauthorized())
			return
		}
		rc.user, rc.role = user, role
	}
	// Header keys are looked up in canonical form directly: Get would
	// canonicalise "OData-Version" on every request.
	if v := firstValue(r.Header["Odata-Version"]); v != "" && v != "4.0" {
		written = true
		writeError(w, r, errODataVersion(v))
		return
	}
	if rt == nil {
		written = true
		writeError(w, r, errNotFound(r.URL.Path))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		written = true
		writeError(w, r, errMethodNotAllowed(allowGet))
		return
	}
	if q := unsupportedQuery(r.URL.RawQuery); q != "" {
		written = true
		writeError(w, r, errQueryUnsupported(q))
		return
	}

	rc.snap = s.cfg.Snapshot()
	res, err := s.render(rt, rc)
	if err != nil {
		written = true
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("redfish: render failed", "path", path, "err", err)
			ae = errInternal()
		}
		writeError(w, r, ae)
		return
	}

	h["Allow"] = hdrAllowGet
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
		c := s.cache.Load()
		if c != nil && c.snap == snap {
			return c
		}
		if c != nil && generation(snap) < generation(c.snap) {
			return nil
		}
		n := &bodyCache{snap: snap, m: make(map[string]*rendered)}
		if s.cache.CompareAndSwap(c, n) {
			return n
		}
	}
}

// authenticate checks HTTP Basic credentials.
func (s *Service) authenticate(r *http.Request) (user, role string, ok bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", "", false
	}
	role, ok = s.cfg.Accounts.Authenticate(user, pass)
	if !ok {
		s.log.Info("redfish: authentication failed", "user", user, "remote", r.RemoteAddr)
		return "", "", false
	}
	return user, role, true
}

// unsupportedQuery returns the first $-query option in the raw query, or "".
// The service implements none of them, and DSP0266 asks for 501 on those
// while options without $ are ignored.
func unsupportedQuery(raw string) string {
	if raw == "" {
		return ""
	}
	var found []string
	for part := range strings.SplitSeq(raw, "&") {
		key, _, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if strings.HasPrefix(key, "$") {
			found = append(found, key)
		}
	}
	if len(found) == 0 {
		return ""
	}
	slices.Sort(found)
	return found[0]
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
