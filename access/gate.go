package access

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// Gate decides who a request is from. With the service account, callers
// prove themselves with an API key or an OpenID Connect access token (when
// either is configured; otherwise everyone is an anonymous caller of role
// Anonymous). In pass-through mode the caller's Authorization is their own
// VB365 token: the upstream decides what they may do.
type Gate struct {
	Keys        *Keys     // nil or empty: no API keys
	OIDC        *Verifier // nil: no tokens
	PassThrough bool
	Anonymous   Role // the role of anonymous callers
}

// ErrNoCredentials is a request without an API key or token where one is
// required.
var ErrNoCredentials = errors.New("an API key or an access token is required: send X-API-Key: KEY or Authorization: Bearer KEY-OR-TOKEN")

// Required reports whether callers must prove who they are.
func (g *Gate) Required() bool { return !g.PassThrough && (g.Keys.Len() > 0 || g.OIDC != nil) }

// Identify says who sent a request with these credentials (an X-API-Key
// header, an Authorization header, or the same in a WebSocket's
// connection_init); an error refuses it.
func (g *Gate) Identify(ctx context.Context, apiKey, authorization string) (Caller, error) {
	if g.PassThrough {
		sum := sha256.Sum256([]byte(authorization))
		// Every role: the VB365 server decides, with its own role-based access control.
		return Caller{Name: "token-" + hex.EncodeToString(sum[:4]), ID: "token:" + hex.EncodeToString(sum[:]), Role: Operator | RestoreOperator, Via: ViaPassThrough}, nil
	}
	bearer, _ := strings.CutPrefix(authorization, "Bearer ")
	if c, ok := g.Keys.Find(apiKey); ok {
		return c, nil
	}
	if c, ok := g.Keys.Find(bearer); ok {
		return c, nil
	}
	if apiKey == "" && bearer != "" && g.OIDC != nil {
		return g.OIDC.Verify(ctx, bearer)
	}
	if !g.Required() {
		return Caller{Name: "anonymous", ID: "anonymous", Role: g.Anonymous, Via: ViaAnonymous}, nil
	}
	return Caller{}, ErrNoCredentials
}
