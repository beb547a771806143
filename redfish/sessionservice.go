package redfish

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"
)

const (
	sessionServicePath = "/redfish/v1/SessionService"
	sessionsPath       = sessionServicePath + "/Sessions"
)

// Schemas of the SessionService family.
var (
	schemaSessionService    = schema{name: "SessionService", version: "v1_2_0"}
	schemaSession           = schema{name: "Session", version: "v1_8_0"}
	schemaSessionCollection = schema{name: "SessionCollection"}
)

// sessionSchemas are the schemas this family's resources use.
var sessionSchemas = []schema{schemaSessionService, schemaSession, schemaSessionCollection}

// maxSessionContext bounds Session.Context, a client's note kept for the
// session's life.
const maxSessionContext = 256

// sessionServiceRoutes registers the SessionService and its sessions, with
// the privilege registry's privileges: a login (POST to Sessions) needs no
// credentials, reading or ending a session needs ConfigureManager or, for
// the caller's own sessions, ConfigureSelf.
func (s *Service) sessionServiceRoutes(rt *router) {
	// The timeout an administrator set is kept with the accounts and
	// holds from the first request on: routes are registered in New.
	s.sessions.setTimeout(s.cfg.Accounts.currentPolicy().sessionTimeout())

	rt.handle(sessionServicePath, s.getSessionService, volatile)
	rt.on(sessionServicePath, http.MethodPatch, s.patchSessionService, privConfigureManager)
	rt.handle(sessionsPath, s.getSessions, volatile)
	rt.onPublic(sessionsPath, http.MethodPost, s.postSession)
	// DSP0266: a create may also POST to the collection's Members URI.
	// Registered before Sessions/{} so that it wins the match.
	rt.onPublic(sessionsPath+"/Members", http.MethodPost, s.postSession)
	rt.handle(sessionsPath+"/{}", s.getSession, volatile)
	rt.on(sessionsPath+"/{}", http.MethodDelete, s.deleteSession, privConfigureManager, privConfigureSelf)
}

type sessionService struct {
	ODataID   string `json:"@odata.id"`
	ODataType string `json:"@odata.type"`
	// Writeable names what PATCH accepts, so a client (and DMTF's Interop
	// Validator, for the profiles' SessionTimeout WriteRequirement) need
	// not find out by trying.
	Writeable      []string `json:"@Redfish.WriteableProperties"`
	ID             string   `json:"Id"`
	Name           string   `json:"Name"`
	Description    string   `json:"Description"`
	ServiceEnabled bool     `json:"ServiceEnabled"`
	SessionTimeout int      `json:"SessionTimeout"`
	Sessions       link     `json:"Sessions"`
}

func (s *Service) getSessionService(*reqCtx) (*rendered, error) {
	return renderJSON(sessionService{
		ODataID:        sessionServicePath,
		ODataType:      schemaSessionService.odataType(),
		Writeable:      []string{"SessionTimeout"},
		ID:             "SessionService",
		Name:           "Session Service",
		Description:    "Login sessions of the chassisd Redfish service",
		ServiceEnabled: true,
		SessionTimeout: int(s.sessions.getTimeout() / time.Second),
		Sessions:       link{sessionsPath},
	}, schemaSessionService)
}

// patchSessionService changes the idle timeout, which applies at once to
// the sessions already open too.
func (s *Service) patchSessionService(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	timeout, ok := body.integer("SessionTimeout", int64(minSessionTimeout/time.Second), int64(maxSessionTimeout/time.Second))
	body.readOnly("ServiceEnabled", "Sessions", "Id", "Name", "Description")
	if e := body.done(); e != nil {
		return nil, e
	}
	if body.empty() {
		return nil, errNoOperation()
	}
	if ok {
		p, err := s.cfg.Accounts.updatePolicy(func(p *accountPolicy) { p.SessionTimeoutSeconds = int(timeout) })
		if err != nil {
			return nil, err
		}
		s.sessions.setTimeout(p.sessionTimeout())
	}
	res, err := s.getSessionService(rc)
	if err != nil {
		return nil, err
	}
	return &reply{res: res}, nil
}

// getSessions lists every session to a manager and the caller's own to
// anyone else.
func (s *Service) getSessions(rc *reqCtx) (*rendered, error) {
	all := rc.who.has(privConfigureManager)
	var members []link
	for _, ss := range s.sessions.list() {
		if all || ss.user == rc.who.user {
			members = append(members, link{sessionsPath + "/" + ss.id})
		}
	}
	return renderJSON(newCollection(sessionsPath, schemaSessionCollection, "Session Collection", members), schemaSessionCollection)
}

// visibleSession returns the session of the request's Id if the caller
// may see it: any with ConfigureManager, its own with ConfigureSelf.
// Anyone else gets 403 whether the Id exists or not.
func (s *Service) visibleSession(rc *reqCtx) (session, *apiError) {
	ss, ok := s.sessions.get(rc.params[0])
	switch {
	case !rc.who.has(privConfigureManager) && (!ok || ss.user != rc.who.user || !rc.who.has(privConfigureSelf)):
		return ss, errForbidden()
	case !ok:
		return ss, errNotFound(rc.path)
	}
	return ss, nil
}

type sessionResource struct {
	ODataID               string   `json:"@odata.id"`
	ODataType             string   `json:"@odata.type"`
	ID                    string   `json:"Id"`
	Name                  string   `json:"Name"`
	Description           string   `json:"Description"`
	SessionType           string   `json:"SessionType"`
	UserName              string   `json:"UserName"`
	Password              *string  `json:"Password"` // always null
	Roles                 []string `json:"Roles"`
	CreatedTime           string   `json:"CreatedTime"`
	ClientOriginIPAddress string   `json:"ClientOriginIPAddress"`
	Context               *string  `json:"Context"`
}

func renderSession(ss session) (*rendered, error) {
	var ctx *string
	if ss.context != "" {
		ctx = &ss.context
	}
	return renderJSON(sessionResource{
		ODataID:               sessionsPath + "/" + ss.id,
		ODataType:             schemaSession.odataType(),
		ID:                    ss.id,
		Name:                  "User Session",
		Description:           "Session of " + ss.user,
		SessionType:           "Redfish",
		UserName:              ss.user,
		Roles:                 []string{ss.role},
		CreatedTime:           ss.created.Format(dateTimeFormat),
		ClientOriginIPAddress: ss.remote,
		Context:               ctx,
	}, schemaSession)
}

func (s *Service) getSession(rc *reqCtx) (*rendered, error) {
	ss, e := s.visibleSession(rc)
	if e != nil {
		return nil, e
	}
	return renderSession(ss)
}

// postSession is the login: UserName and Password in the body, answered
// with the session, its URI in Location and its token in X-Auth-Token.
// Wrong credentials get the same 401 as a request without them; the
// lockout counts them like failed Basic logins.
func (s *Service) postSession(_ *reqCtx, r *http.Request, body *props) (*reply, error) {
	user, _ := body.str("UserName")
	pass, _ := body.str("Password")
	ctx, hasCtx := body.str("Context")
	body.require("UserName", "Password")
	if hasCtx && len(ctx) > maxSessionContext {
		body.fail(msgStringValueTooLong, clientString(ctx), strconv.Itoa(maxSessionContext))
	}
	if e := body.done(); e != nil {
		return nil, e
	}
	role, ok := s.cfg.Accounts.Authenticate(user, pass)
	if !ok {
		s.log.Info("redfish: login failed", "user", clientString(user), "remote", r.RemoteAddr)
		return nil, errUnauthorized()
	}
	ss, token, err := s.sessions.create(user, role, clientIP(r), ctx)
	if errors.As(err, new(errTooManySessions)) {
		s.log.Warn("redfish: login refused, session limit reached", "user", user, "limit", maxSessions)
		return nil, errSessionLimit()
	}
	if err != nil {
		return nil, err
	}
	res, err := renderSession(*ss)
	if err != nil {
		s.sessions.remove(ss.id)
		return nil, err
	}
	return &reply{status: http.StatusCreated, res: res, header: map[string]string{
		"Location":     sessionsPath + "/" + ss.id,
		"X-Auth-Token": token,
		// The only response that carries the token: no cache may keep it.
		"Cache-Control": "no-store",
	}}, nil
}

// deleteSession is the logout; after it the token is refused.
func (s *Service) deleteSession(rc *reqCtx, _ *http.Request, _ *props) (*reply, error) {
	ss, e := s.visibleSession(rc)
	if e != nil {
		return nil, e
	}
	if !s.sessions.remove(ss.id) {
		return nil, errNotFound(rc.path)
	}
	return &reply{}, nil
}

// clientIP is the address of the client that sent r, without its port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
