package redfish

import "slices"

// privilege is a Redfish privilege (Privileges.PrivilegeType).
type privilege string

// The standard privileges DSP0266 and the privilege registry define.
const (
	privLogin               privilege = "Login"
	privConfigureManager    privilege = "ConfigureManager"
	privConfigureUsers      privilege = "ConfigureUsers"
	privConfigureSelf       privilege = "ConfigureSelf"
	privConfigureComponents privilege = "ConfigureComponents"
)

// rolePrivileges are the predefined roles' AssignedPrivileges, as DMTF's
// Redfish_1.x.y_PrivilegeRegistry and DSP0266 define them.
var rolePrivileges = map[string][]privilege{
	RoleAdministrator: {privLogin, privConfigureManager, privConfigureUsers, privConfigureSelf, privConfigureComponents},
	RoleOperator:      {privLogin, privConfigureSelf, privConfigureComponents},
	RoleReadOnly:      {privLogin, privConfigureSelf},
}

// roleIDs lists the predefined roles in a stable order.
var roleIDs = []string{RoleAdministrator, RoleOperator, RoleReadOnly}

// principal is who a request acts for: an account, through Basic auth or a
// session token.
type principal struct {
	user string
	role string
	// session is the Id of the session the request came in on, or "" for
	// Basic auth.
	session string
}

// has reports whether the principal's role grants priv.
func (p principal) has(priv privilege) bool {
	return slices.Contains(rolePrivileges[p.role], priv)
}

// hasAny reports whether the principal holds one of privs (the privilege
// registry's OR lists); no privs means Login is enough.
func (p principal) hasAny(privs []privilege) bool {
	if len(privs) == 0 {
		return p.has(privLogin)
	}
	return slices.ContainsFunc(privs, p.has)
}
