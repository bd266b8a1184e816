// Package access says who a caller is and what they may do: API keys with
// roles, OpenID Connect access tokens (JWT) verified against the issuer's
// keys, and the roles that follow from them.
package access

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Role is what a caller may do: a set of powers, combinable. Every caller
// reads (queries, subscriptions: the viewer's part).
type Role uint8

// Roles: an operator acts on jobs and the estate; a restore operator may
// see what is inside backups and explore, restore, send and export it.
// Viewer is none of them.
const (
	Viewer          Role = 0
	Operator        Role = 1 << 0
	RestoreOperator Role = 1 << 1
)

// roleNames are the roles' names, in the order String lists them.
var roleNames = []struct {
	role Role
	name string
}{{Operator, "operator"}, {RestoreOperator, "restore-operator"}}

// Has reports whether r holds every power of o.
func (r Role) Has(o Role) bool { return r&o == o }

// String names the role: "viewer", "operator", "restore-operator" or
// several joined by commas ("operator,restore-operator").
func (r Role) String() string {
	var names []string
	for _, n := range roleNames {
		if r.Has(n.role) {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "viewer"
	}
	return strings.Join(names, ",")
}

// Each is the role's single roles, viewer alone for none.
func (r Role) Each() []Role {
	var out []Role
	for _, n := range roleNames {
		if r.Has(n.role) {
			out = append(out, n.role)
		}
	}
	if len(out) == 0 {
		return []Role{Viewer}
	}
	return out
}

// ParseRole reads a role, or several joined by "," or "+" ("+" where the
// list the entry sits in is itself comma-separated, as --api-keys is):
// viewer, operator, restore-operator.
func ParseRole(s string) (Role, bool) {
	var r Role
	for _, name := range strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == '+' }) {
		switch name {
		case "viewer":
		case "operator":
			r |= Operator
		case "restore-operator":
			r |= RestoreOperator
		default:
			return Viewer, false
		}
	}
	return r, s != ""
}

// How a caller was recognised.
const (
	ViaAPIKey      = "api-key"
	ViaOIDC        = "oidc"
	ViaPassThrough = "pass-through" // the upstream decides, with the caller's own VB365 token
	ViaAnonymous   = "anonymous"
)

// Caller is who sent a request. Name is safe to log: an API key's name, a
// token's subject; never a secret.
type Caller struct {
	Name string
	// ID tells this caller from every other, where one caller's work must
	// not be another's (idempotent results, subscription caps): a key's
	// whole digest, a token's subject, a pass-through token's whole digest.
	// Never shown: a Name may be chosen twice, an ID cannot.
	ID      string
	Role    Role
	Via     string
	Expires time.Time // when the credential stops being valid (zero: it does not)
}

// MayAct reports whether the caller may act on jobs and the estate.
func (c Caller) MayAct() bool { return c.Role.Has(Operator) }

// MayRestore reports whether the caller may see what is inside backups,
// and restore, send or export it.
func (c Caller) MayRestore() bool { return c.Role.Has(RestoreOperator) }

// MarshalGQL writes a single role as the schema's enum value (VIEWER,
// OPERATOR, RESTORE_OPERATOR); a combined one as its first.
func (r Role) MarshalGQL(w io.Writer) {
	name := strings.ToUpper(strings.ReplaceAll(r.Each()[0].String(), "-", "_"))
	_, _ = io.WriteString(w, strconv.Quote(name))
}

// UnmarshalGQL reads the schema's enum value.
func (r *Role) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	role, ok := ParseRole(strings.ToLower(strings.ReplaceAll(s, "_", "-")))
	if !ok || strings.ContainsAny(s, ",+") {
		return fmt.Errorf("%q is not a role", s)
	}
	*r = role
	return nil
}
