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

// Role is what a caller may do.
type Role int

// Roles: a viewer reads (queries, subscriptions); an operator also acts on
// jobs (mutations).
const (
	Viewer Role = iota
	Operator
)

func (r Role) String() string {
	if r == Operator {
		return "operator"
	}
	return "viewer"
}

// ParseRole reads "viewer" or "operator".
func ParseRole(s string) (Role, bool) {
	switch s {
	case "viewer":
		return Viewer, true
	case "operator":
		return Operator, true
	}
	return Viewer, false
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

// MayAct reports whether the caller may run mutations.
func (c Caller) MayAct() bool { return c.Role == Operator }

// MarshalGQL writes the role as the schema's enum value.
func (r Role) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(strings.ToUpper(r.String())))
}

// UnmarshalGQL reads the schema's enum value.
func (r *Role) UnmarshalGQL(v any) error {
	s, _ := v.(string)
	role, ok := ParseRole(strings.ToLower(s))
	if !ok {
		return fmt.Errorf("%q is not a role", s)
	}
	*r = role
	return nil
}
