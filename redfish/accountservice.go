package redfish

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"
)

const (
	accountServicePath = "/redfish/v1/AccountService"
	accountsPath       = accountServicePath + "/Accounts"
	rolesPath          = accountServicePath + "/Roles"
)

// Schemas of the AccountService family.
var (
	schemaAccountService           = schema{name: "AccountService", version: "v1_18_0"}
	schemaManagerAccount           = schema{name: "ManagerAccount", version: "v1_14_0"}
	schemaManagerAccountCollection = schema{name: "ManagerAccountCollection"}
	schemaRole                     = schema{name: "Role", version: "v1_3_0"}
	schemaRoleCollection           = schema{name: "RoleCollection"}
)

// accountSchemas are the schemas this family's resources use.
var accountSchemas = []schema{
	schemaAccountService,
	schemaManagerAccount, schemaManagerAccountCollection,
	schemaRole, schemaRoleCollection,
}

// accountServiceRoutes registers the AccountService, its accounts and its
// roles, with the privileges of DMTF's privilege registry (1.8.0). The
// account resources depend on state that changes without a new snapshot
// (lockouts), so they are rendered per request.
func (s *Service) accountServiceRoutes(rt *router) {
	rt.handle(accountServicePath, s.getAccountService, volatile)
	rt.on(accountServicePath, http.MethodPatch, s.patchAccountService, privConfigureUsers)
	rt.handle(accountsPath, s.getAccounts, volatile)
	rt.on(accountsPath, http.MethodPost, s.postAccount, privConfigureUsers)
	// DSP0266 lets clients create through the collection's Members URI
	// too. Registered before Accounts/{} so that it wins the match.
	rt.on(accountsPath+"/Members", http.MethodPost, s.postAccount, privConfigureUsers)
	rt.handle(accountsPath+"/{}", s.getAccount, volatile)
	// ConfigureSelf may PATCH the caller's own Password only (the
	// registry's property override); the handler enforces the rest.
	rt.on(accountsPath+"/{}", http.MethodPatch, s.patchAccount, privConfigureUsers, privConfigureSelf)
	rt.on(accountsPath+"/{}", http.MethodDelete, s.deleteAccount, privConfigureUsers)
	// The predefined roles never change: no PATCH, so 405.
	rt.handle(rolesPath, s.getRoles)
	rt.handle(rolesPath+"/{}", s.getRole)
}

// accountTypeRedfish is the one ManagerAccount.AccountTypes value: the
// accounts log in to this Redfish service and nothing else.
const accountTypeRedfish = "Redfish"

type accountService struct {
	ODataID                         string   `json:"@odata.id"`
	ODataType                       string   `json:"@odata.type"`
	ID                              string   `json:"Id"`
	Name                            string   `json:"Name"`
	Description                     string   `json:"Description"`
	ServiceEnabled                  bool     `json:"ServiceEnabled"`
	LocalAccountAuth                string   `json:"LocalAccountAuth"`
	HTTPBasicAuth                   string   `json:"HTTPBasicAuth"`
	MinPasswordLength               int      `json:"MinPasswordLength"`
	MaxPasswordLength               int      `json:"MaxPasswordLength"`
	AccountLockoutThreshold         int      `json:"AccountLockoutThreshold"`
	AccountLockoutDuration          int      `json:"AccountLockoutDuration"`
	AccountLockoutCounterResetAfter int      `json:"AccountLockoutCounterResetAfter"`
	SupportedAccountTypes           []string `json:"SupportedAccountTypes"`
	Accounts                        link     `json:"Accounts"`
	Roles                           link     `json:"Roles"`
}

func (s *Service) getAccountService(*reqCtx) (*rendered, error) {
	p := s.cfg.Accounts.currentPolicy()
	return renderJSON(accountService{
		ODataID:        accountServicePath,
		ODataType:      schemaAccountService.odataType(),
		ID:             "AccountService",
		Name:           "Account Service",
		Description:    "Local accounts of the chassisd Redfish service",
		ServiceEnabled: true,
		// Only the local accounts exist.
		LocalAccountAuth:                "Enabled",
		HTTPBasicAuth:                   "Enabled",
		MinPasswordLength:               p.MinPasswordLength,
		MaxPasswordLength:               maxPasswordLength,
		AccountLockoutThreshold:         p.LockoutThreshold,
		AccountLockoutDuration:          p.LockoutDurationSeconds,
		AccountLockoutCounterResetAfter: p.LockoutResetAfterSeconds,
		SupportedAccountTypes:           []string{accountTypeRedfish},
		Accounts:                        link{accountsPath},
		Roles:                           link{rolesPath},
	}, schemaAccountService)
}

// patchAccountService changes the password and lockout policy.
func (s *Service) patchAccountService(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	minLen, hasMin := body.integer("MinPasswordLength", minPasswordLength, maxPasswordLength)
	threshold, hasThreshold := body.integer("AccountLockoutThreshold", 0, maxLockoutThreshold)
	duration, hasDuration := body.integer("AccountLockoutDuration", 0, maxLockoutSeconds)
	resetAfter, hasReset := body.integer("AccountLockoutCounterResetAfter", 0, maxLockoutSeconds)
	body.readOnly("ServiceEnabled", "MaxPasswordLength", "LocalAccountAuth", "HTTPBasicAuth",
		"SupportedAccountTypes", "Accounts", "Roles", "Id", "Name", "Description")
	if e := body.done(); e != nil {
		return nil, e
	}
	if body.empty() {
		return nil, errNoOperation()
	}
	_, err := s.cfg.Accounts.updatePolicy(func(p *accountPolicy) {
		if hasMin {
			p.MinPasswordLength = int(minLen)
		}
		if hasThreshold {
			p.LockoutThreshold = int(threshold)
		}
		if hasDuration {
			p.LockoutDurationSeconds = int(duration)
		}
		if hasReset {
			p.LockoutResetAfterSeconds = int(resetAfter)
		}
	})
	if errors.Is(err, errPolicyConflict) {
		// Name the property the request set; if it set both, the
		// reset period is the one the schema constrains.
		prop, other := "AccountLockoutCounterResetAfter", "AccountLockoutDuration"
		if hasDuration && !hasReset {
			prop, other = other, prop
		}
		return nil, &apiError{status: http.StatusBadRequest, msg: msgPropertyValueConflict, args: []string{prop, other}}
	}
	if err != nil {
		return nil, err
	}
	res, err := s.getAccountService(rc)
	if err != nil {
		return nil, err
	}
	return &reply{res: res}, nil
}

// seesAllAccounts reports whether who may read every account, not only
// its own (ManagerAccount GET: ConfigureManager, ConfigureUsers, or
// ConfigureSelf for the caller's own account).
func seesAllAccounts(who principal) bool {
	return who.has(privConfigureUsers) || who.has(privConfigureManager)
}

// getAccounts lists the accounts the caller may read: all of them for an
// account manager, its own for anyone else, so the collection never links
// to a member the caller would get 403 for.
func (s *Service) getAccounts(rc *reqCtx) (*rendered, error) {
	all := seesAllAccounts(rc.who)
	var members []link
	for _, acc := range s.cfg.Accounts.list() {
		if all || acc.UserName == rc.who.user {
			members = append(members, link{accountsPath + "/" + acc.ID})
		}
	}
	return renderJSON(newCollection(accountsPath, schemaManagerAccountCollection, "Accounts Collection", members), schemaManagerAccountCollection)
}

// visibleAccount returns the account of the request's Id if the caller may
// read it. Callers without ConfigureUsers or ConfigureManager get 403 for
// every account but their own, whether it exists or not, so they cannot
// learn which Ids are in use.
func (s *Service) visibleAccount(rc *reqCtx) (accountInfo, *apiError) {
	acc, ok := s.cfg.Accounts.byID(rc.params[0])
	switch {
	case !seesAllAccounts(rc.who) && (!ok || acc.UserName != rc.who.user || !rc.who.has(privConfigureSelf)):
		return acc, errForbidden()
	case !ok:
		return acc, errNotFound(rc.path)
	}
	return acc, nil
}

type managerAccount struct {
	ODataID      string       `json:"@odata.id"`
	ODataType    string       `json:"@odata.type"`
	ID           string       `json:"Id"`
	Name         string       `json:"Name"`
	Description  string       `json:"Description"`
	UserName     string       `json:"UserName"`
	Password     *string      `json:"Password"` // always null
	RoleID       string       `json:"RoleId"`
	Enabled      bool         `json:"Enabled"`
	Locked       bool         `json:"Locked"`
	AccountTypes []string     `json:"AccountTypes"`
	Links        accountLinks `json:"Links"`
}

type accountLinks struct {
	Role link `json:"Role"`
}

func renderAccount(acc accountInfo) (*rendered, error) {
	return renderJSON(managerAccount{
		ODataID:      accountsPath + "/" + acc.ID,
		ODataType:    schemaManagerAccount.odataType(),
		ID:           acc.ID,
		Name:         "User Account",
		Description:  "Account " + acc.UserName,
		UserName:     acc.UserName,
		RoleID:       acc.RoleID,
		Enabled:      acc.Enabled,
		Locked:       acc.Locked,
		AccountTypes: []string{accountTypeRedfish},
		Links:        accountLinks{Role: link{rolesPath + "/" + acc.RoleID}},
	}, schemaManagerAccount)
}

func (s *Service) getAccount(rc *reqCtx) (*rendered, error) {
	acc, e := s.visibleAccount(rc)
	if e != nil {
		return nil, e
	}
	return renderAccount(acc)
}

// readAccountTypes checks an AccountTypes array: only "Redfish" exists here.
func readAccountTypes(body *props) {
	types, ok := body.strings("AccountTypes")
	if !ok {
		return
	}
	for _, t := range types {
		if t != accountTypeRedfish {
			body.fail(msgPropertyValueNotInList, clientString(t), "AccountTypes")
		}
	}
}

// postAccount creates an account: UserName, Password and RoleId are
// required, Enabled defaults to true.
func (s *Service) postAccount(_ *reqCtx, _ *http.Request, body *props) (*reply, error) {
	user, hasUser := body.str("UserName")
	pass, hasPass := body.str("Password")
	role, _ := body.enum("RoleId", roleIDs...)
	enabled, hasEnabled := body.boolean("Enabled")
	if locked, ok := body.boolean("Locked"); ok && locked {
		body.fail(msgPropertyValueNotInList, "true", "Locked")
	}
	readAccountTypes(body)
	body.readOnly("Id", "Name", "Description", "Links")
	body.require("UserName", "Password", "RoleId")
	if hasUser && !validUserName(user) {
		body.fail(msgPropertyValueFormatError, clientString(user), "UserName")
	}
	if hasPass && !passwordFits(pass, s.cfg.Accounts.currentPolicy().MinPasswordLength) {
		body.fail(msgPasswordIncorrectLength)
	}
	if e := body.done(); e != nil {
		return nil, e
	}
	if !hasEnabled {
		enabled = true
	}
	acc, err := s.cfg.Accounts.create(user, pass, role, enabled)
	switch {
	case errors.Is(err, errAccountNameTaken):
		return nil, &apiError{status: http.StatusConflict, msg: msgResourceAlreadyExists,
			args: []string{schemaManagerAccount.name, "UserName", user}}
	case errors.Is(err, errTooManyAccounts):
		return nil, errAccountLimit()
	case errors.Is(err, errPasswordLength):
		// The policy changed since the check above.
		return nil, &apiError{status: http.StatusBadRequest, msg: msgPasswordIncorrectLength}
	case err != nil:
		return nil, err
	}
	res, err := renderAccount(acc)
	if err != nil {
		return nil, err
	}
	return &reply{status: http.StatusCreated, res: res, header: map[string]string{"Location": accountsPath + "/" + acc.ID}}, nil
}

// adminOnlyAccountProps are the ManagerAccount properties only
// ConfigureUsers may write; ConfigureSelf may write Password alone.
var adminOnlyAccountProps = []string{"UserName", "RoleId", "Enabled", "Locked", "AccountTypes"}

// patchAccount changes an account. A change of password, role, name or
// enabled state forgets remembered credentials (Accounts.change does) and
// ends the account's sessions: they were opened with the old password or
// carry the old role.
func (s *Service) patchAccount(rc *reqCtx, _ *http.Request, body *props) (*reply, error) {
	id := rc.params[0]
	acc, ok := s.cfg.Accounts.byID(id)
	if !rc.who.has(privConfigureUsers) {
		// ConfigureSelf: the caller's own account, its Password only.
		// Anything else is 403 before the body is judged, and an Id that
		// does not exist looks like someone else's.
		if !ok || acc.UserName != rc.who.user || !rc.who.has(privConfigureSelf) {
			return nil, errForbidden()
		}
		for _, k := range adminOnlyAccountProps {
			if body.has(k) {
				return nil, errForbidden()
			}
		}
	} else if !ok {
		return nil, errNotFound(rc.path)
	}
	var ch accountChange
	if v, ok := body.str("UserName"); ok {
		if validUserName(v) {
			ch.userName = &v
		} else {
			body.fail(msgPropertyValueFormatError, clientString(v), "UserName")
		}
	}
	if v, ok := body.str("Password"); ok {
		if passwordFits(v, s.cfg.Accounts.currentPolicy().MinPasswordLength) {
			ch.password = &v
		} else {
			body.fail(msgPasswordIncorrectLength)
		}
	}
	if v, ok := body.enum("RoleId", roleIDs...); ok {
		ch.roleID = &v
	}
	if v, ok := body.boolean("Enabled"); ok {
		ch.enabled = &v
	}
	// Locked can only be cleared; the service sets it.
	if v, ok := body.boolean("Locked"); ok {
		if v {
			body.fail(msgPropertyValueNotInList, "true", "Locked")
		} else {
			ch.unlock = true
		}
	}
	readAccountTypes(body)
	body.readOnly("Id", "Name", "Description", "Links")
	if e := body.done(); e != nil {
		return nil, e
	}
	if body.empty() {
		return nil, errNoOperation()
	}
	before, after, err := s.cfg.Accounts.update(id, ch)
	switch {
	case errors.Is(err, errLastAdmin):
		return nil, lastAdminConflict(ch)
	case errors.Is(err, errAccountNameTaken):
		return nil, &apiError{status: http.StatusConflict, msg: msgResourceAlreadyExists,
			args: []string{schemaManagerAccount.name, "UserName", *ch.userName}}
	case errors.Is(err, errNoAccount):
		return nil, errNotFound(rc.path)
	case errors.Is(err, errPasswordLength):
		return nil, &apiError{status: http.StatusBadRequest, msg: msgPasswordIncorrectLength}
	case err != nil:
		return nil, err
	}
	switch {
	case before.RoleID != after.RoleID, before.Enabled && !after.Enabled, before.UserName != after.UserName:
		s.sessions.removeUser(before.UserName)
	case ch.password != nil:
		// The session the change came in on stays: it belongs to whoever
		// just set the password.
		s.endSessionsExcept(before.UserName, rc.who.session)
	}
	res, err := renderAccount(after)
	if err != nil {
		return nil, err
	}
	return &reply{res: res}, nil
}

// lastAdminConflict answers a PATCH that would leave no enabled
// Administrator: 409 naming each property of the request that did it and
// the collection whose configuration it conflicts with.
func lastAdminConflict(ch accountChange) *apiError {
	var entries []msgEntry
	if ch.roleID != nil && *ch.roleID != RoleAdministrator {
		entries = append(entries, msgEntry{msgPropertyValueResourceConflict, []string{"RoleId", *ch.roleID, accountsPath}})
	}
	if ch.enabled != nil && !*ch.enabled {
		entries = append(entries, msgEntry{msgPropertyValueResourceConflict, []string{"Enabled", "false", accountsPath}})
	}
	if len(entries) == 0 {
		return errLastAdministrator()
	}
	return errorOf(http.StatusConflict, entries)
}

// endSessionsExcept ends every session of user except the one with Id keep.
func (s *Service) endSessionsExcept(user, keep string) {
	for _, ss := range s.sessions.list() {
		if ss.user == user && ss.id != keep {
			s.sessions.remove(ss.id)
		}
	}
}

// deleteAccount removes an account, its sessions and its remembered
// credentials.
func (s *Service) deleteAccount(rc *reqCtx, _ *http.Request, _ *props) (*reply, error) {
	gone, err := s.cfg.Accounts.remove(rc.params[0])
	switch {
	case errors.Is(err, errNoAccount):
		return nil, errNotFound(rc.path)
	case errors.Is(err, errLastAdmin):
		return nil, errLastAdministrator()
	case err != nil:
		return nil, err
	}
	s.sessions.removeUser(gone.UserName)
	return &reply{}, nil
}

func (s *Service) getRoles(*reqCtx) (*rendered, error) {
	members := make([]link, len(roleIDs))
	for i, id := range roleIDs {
		members[i] = link{rolesPath + "/" + id}
	}
	return renderJSON(newCollection(rolesPath, schemaRoleCollection, "Roles Collection", members), schemaRoleCollection)
}

type roleResource struct {
	ODataID            string      `json:"@odata.id"`
	ODataType          string      `json:"@odata.type"`
	ID                 string      `json:"Id"`
	Name               string      `json:"Name"`
	Description        string      `json:"Description"`
	RoleID             string      `json:"RoleId"`
	IsPredefined       bool        `json:"IsPredefined"`
	AssignedPrivileges []privilege `json:"AssignedPrivileges"`
	OemPrivileges      []string    `json:"OemPrivileges"`
}

func (s *Service) getRole(rc *reqCtx) (*rendered, error) {
	id := rc.params[0]
	privs, ok := rolePrivileges[id]
	if !ok {
		return nil, errNotFound(rc.path)
	}
	return renderJSON(roleResource{
		ODataID:            rolesPath + "/" + id,
		ODataType:          schemaRole.odataType(),
		ID:                 id,
		Name:               id + " Role",
		Description:        "Predefined " + id + " role",
		RoleID:             id,
		IsPredefined:       true,
		AssignedPrivileges: privs,
		OemPrivileges:      []string{},
	}, schemaRole)
}

// clientString is a client's string as a message argument: cut to a readable
// length, valid UTF-8.
func clientString(s string) string {
	const limit = 64
	if len(s) > limit {
		cut := limit - 3
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
