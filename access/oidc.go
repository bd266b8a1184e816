package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/sync/singleflight"
)

// OIDCOptions configure a Verifier.
type OIDCOptions struct {
	Issuer   string // exactly the tokens' iss, e.g. https://login.microsoftonline.com/TENANT/v2.0
	Audience string // one of the tokens' aud: this API's identifier
	// RolesClaim names the claim that holds the caller's roles or groups
	// (Entra ID: "roles" for app roles, "groups"); a string or a list.
	RolesClaim string
	// OperatorRoles are the values of RolesClaim that make an operator;
	// anyone else with a valid token is a viewer.
	OperatorRoles []string
	// RestoreOperatorRoles are the values of RolesClaim that make a
	// restore operator (a value in both lists makes both).
	RestoreOperatorRoles []string
	// TokenTypes are the values of the header typ a token may carry
	// (compared without case and without "application/"); Untyped is the
	// one that stands for no typ at all. An ID token of the same client
	// passes every other check: where the issuer types its tokens
	// (RFC 9068: at+jwt), this tells them apart. Empty: DefaultTokenTypes.
	TokenTypes []string
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway time.Duration
	// RefreshFloor is the least time between two fetches of the issuer's
	// keys: a token with an unknown key id fetches them again, but not more
	// often than this, so forged key ids cost the issuer nothing.
	RefreshFloor time.Duration
	HTTPClient   *http.Client
	Now          func() time.Time
}

// Verifier checks OpenID Connect access tokens (JWT) of one issuer and one
// audience. The signature is checked by go-jose; only RS256 and ES256 are
// accepted, so neither "none" nor an HMAC keyed with a public key passes.
type Verifier struct {
	opts OIDCOptions

	flight  singleflight.Group
	mu      sync.Mutex
	jwksURI string
	keys    jose.JSONWebKeySet
	fetched time.Time // last fetch of the keys (tried)
}

// ErrInvalidToken is a token that is not acceptable; the wrapped error says
// why, for the log.
var ErrInvalidToken = errors.New("the access token is not valid")

var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// Untyped in OIDCOptions.TokenTypes accepts a token without a typ header.
const Untyped = "untyped"

// DefaultTokenTypes are RFC 9068's access token type, the plain JWT most
// issuers (Entra ID among them) put on theirs, and none at all.
var DefaultTokenTypes = []string{"at+jwt", "JWT", Untyped}

// NewVerifier makes a verifier; it asks the issuer for its discovery
// document and keys on first use.
func NewVerifier(o OIDCOptions) *Verifier {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RolesClaim == "" {
		o.RolesClaim = "roles"
	}
	if len(o.TokenTypes) == 0 {
		o.TokenTypes = DefaultTokenTypes
	}
	return &Verifier{opts: o}
}

// Verify checks a token and says who it is from.
func (v *Verifier) Verify(ctx context.Context, raw string) (Caller, error) {
	tok, err := jwt.ParseSigned(raw, algorithms)
	if err != nil {
		return Caller{}, fmt.Errorf("%w: not a JWT signed with RS256 or ES256: %v", ErrInvalidToken, err)
	}
	if len(tok.Headers) != 1 {
		return Caller{}, fmt.Errorf("%w: one signature expected", ErrInvalidToken)
	}
	if typ, _ := tok.Headers[0].ExtraHeaders[jose.HeaderType].(string); !v.acceptsType(typ) {
		return Caller{}, fmt.Errorf("%w: a token of type %.40q is not an access token this gateway takes (%s)", ErrInvalidToken, typ, strings.Join(v.opts.TokenTypes, ", "))
	}
	key, err := v.key(ctx, tok.Headers[0].KeyID, tok.Headers[0].Algorithm)
	if err != nil {
		return Caller{}, err
	}
	var claims jwt.Claims
	var extra map[string]any
	if err := tok.Claims(key.Key, &claims, &extra); err != nil {
		return Caller{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if claims.Expiry == nil {
		return Caller{}, fmt.Errorf("%w: no expiry (exp)", ErrInvalidToken)
	}
	expected := jwt.Expected{Issuer: v.opts.Issuer, AnyAudience: jwt.Audience{v.opts.Audience}, Time: v.opts.Now()}
	if err := claims.ValidateWithLeeway(expected, v.opts.Leeway); err != nil {
		return Caller{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	c := Caller{Name: claims.Subject, ID: "oidc:" + claims.Subject, Role: Viewer, Via: ViaOIDC, Expires: claims.Expiry.Time()}
	if c.Name == "" {
		return Caller{}, fmt.Errorf("%w: no subject (sub)", ErrInvalidToken)
	}
	for _, r := range claimValues(extra[v.opts.RolesClaim]) {
		if slices.Contains(v.opts.OperatorRoles, r) {
			c.Role |= Operator
		}
		if slices.Contains(v.opts.RestoreOperatorRoles, r) {
			c.Role |= RestoreOperator
		}
	}
	return c, nil
}

// acceptsType reports whether a token's typ header is one of the types
// accepted ("" is no typ).
func (v *Verifier) acceptsType(typ string) bool {
	if typ == "" {
		return slices.Contains(v.opts.TokenTypes, Untyped)
	}
	typ = strings.TrimPrefix(strings.ToLower(typ), "application/")
	return slices.ContainsFunc(v.opts.TokenTypes, func(t string) bool { return t != Untyped && strings.EqualFold(t, typ) })
}

// claimValues reads a claim that is a string or a list of strings.
func claimValues(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// key finds the issuer's signing key kid for alg, fetching the keys again
// when kid is unknown: at most once per RefreshFloor, and once for all the
// callers who ask meanwhile.
func (v *Verifier) key(ctx context.Context, kid, alg string) (*jose.JSONWebKey, error) {
	if k := v.lookup(kid, alg); k != nil {
		return k, nil
	}
	_, err, _ := v.flight.Do("keys", func() (any, error) {
		v.mu.Lock()
		recent := !v.fetched.IsZero() && v.opts.Now().Sub(v.fetched) < v.opts.RefreshFloor
		if !recent {
			v.fetched = v.opts.Now()
		}
		v.mu.Unlock()
		if recent {
			return nil, nil
		}
		return nil, v.fetchKeys(context.WithoutCancel(ctx))
	})
	if err != nil {
		return nil, fmt.Errorf("the issuer's keys could not be read: %w", err)
	}
	if k := v.lookup(kid, alg); k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("%w: unknown key id %q", ErrInvalidToken, kid)
}

func (v *Verifier) lookup(kid, alg string) *jose.JSONWebKey {
	v.mu.Lock()
	defer v.mu.Unlock()
	return usable(v.keys.Key(kid), alg)
}

// usable is the public signing key among keys whose algorithm is alg.
func usable(keys []jose.JSONWebKey, alg string) *jose.JSONWebKey {
	for i := range keys {
		k := &keys[i]
		if k.IsPublic() && (k.Use == "" || k.Use == "sig") && (k.Algorithm == "" || k.Algorithm == alg) {
			return k
		}
	}
	return nil
}

// fetchKeys reads the discovery document (once) and the key set.
func (v *Verifier) fetchKeys(ctx context.Context) error {
	v.mu.Lock()
	uri := v.jwksURI
	v.mu.Unlock()
	if uri == "" {
		var doc struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := v.getJSON(ctx, strings.TrimSuffix(v.opts.Issuer, "/")+"/.well-known/openid-configuration", &doc); err != nil {
			return err
		}
		if doc.Issuer != v.opts.Issuer || doc.JWKSURI == "" {
			return fmt.Errorf("the discovery document names issuer %q (want %q) and jwks_uri %q", doc.Issuer, v.opts.Issuer, doc.JWKSURI)
		}
		uri = doc.JWKSURI
	}
	var set jose.JSONWebKeySet
	if err := v.getJSON(ctx, uri, &set); err != nil {
		return err
	}
	v.mu.Lock()
	v.jwksURI, v.keys = uri, set
	v.mu.Unlock()
	return nil
}

func (v *Verifier) getJSON(ctx context.Context, url string, into any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := v.opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(into)
}
