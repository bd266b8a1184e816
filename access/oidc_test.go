package access_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/vb365-graphql/vb365-graphql/access"
)

// issuer serves a discovery document and a key set that can be rotated,
// counting fetches of the keys. (The end-to-end test signs users in to a
// real provider; this one watches the verifier's key cache.)
type issuer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    map[string]*ecdsa.PrivateKey // kid -> key, all published
	fetches atomic.Int32
}

func newIssuer(t *testing.T) *issuer {
	is := &issuer{keys: map[string]*ecdsa.PrivateKey{}}
	is.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": is.URL, "jwks_uri": is.URL + "/keys"})
		case "/keys":
			is.fetches.Add(1)
			is.mu.Lock()
			var set jose.JSONWebKeySet
			for kid, k := range is.keys {
				set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "ES256", Use: "sig"})
			}
			is.mu.Unlock()
			_ = json.NewEncoder(w).Encode(set)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(is.Close)
	return is
}

// publish adds a key and returns a signer of tokens under it (typ JWT).
func (is *issuer) publish(t *testing.T, kid string) func(claims map[string]any) string {
	return is.publishTyped(t, kid, "JWT")
}

// publishTyped is publish with tokens of the typ given ("": none).
func (is *issuer) publishTyped(t *testing.T, kid, typ string) func(claims map[string]any) string {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	is.mu.Lock()
	is.keys[kid] = k
	is.mu.Unlock()
	opts := (&jose.SignerOptions{}).WithHeader("kid", kid)
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return func(claims map[string]any) string {
		s, err := jwt.Signed(signer).Claims(claims).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

func TestKeysAreRefetchedForANewKidButNotTooOften(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	sign := is.publish(t, "k1")
	now := time.Now()
	clock := func() time.Time { return now }
	v := access.NewVerifier(access.OIDCOptions{Issuer: is.URL, Audience: "api://x", RolesClaim: "roles", OperatorRoles: []string{"admin"},
		RestoreOperatorRoles: []string{"helpdesk"}, Leeway: time.Second, RefreshFloor: time.Minute, Now: clock})
	claims := func(sub string, roles ...string) map[string]any {
		return map[string]any{"iss": is.URL, "aud": "api://x", "sub": sub, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "roles": roles}
	}
	ctx := context.Background()
	c, err := v.Verify(ctx, sign(claims("alice", "admin")))
	if err != nil || c.Name != "alice" || c.Role != access.Operator || c.Via != access.ViaOIDC {
		t.Fatalf("a good token: %+v %v", c, err)
	}
	if c, err := v.Verify(ctx, sign(claims("bob", "reader"))); err != nil || c.Role != access.Viewer {
		t.Errorf("a viewer's token: %+v %v", c, err)
	}
	if c, err := v.Verify(ctx, sign(claims("dave", "helpdesk"))); err != nil || c.Role != access.RestoreOperator || c.MayAct() {
		t.Errorf("a restore operator's token: %+v %v", c, err)
	}
	if c, err := v.Verify(ctx, sign(claims("erin", "helpdesk", "admin"))); err != nil || !c.MayAct() || !c.MayRestore() {
		t.Errorf("both roles: %+v %v", c, err)
	}
	if is.fetches.Load() != 1 {
		t.Errorf("%d key fetches for one key", is.fetches.Load())
	}

	// The issuer rotates: a token under the new key fetches the keys again.
	sign2 := is.publish(t, "k2")
	now = now.Add(2 * time.Minute)
	if _, err := v.Verify(ctx, sign2(claims("carol", "admin"))); err != nil || is.fetches.Load() != 2 {
		t.Errorf("after a rotation: %v, %d fetches", err, is.fetches.Load())
	}
	// Forged key ids within the floor cost the issuer nothing.
	forge := newIssuer(t).publish(t, "k-forged")
	for range 20 {
		if _, err := v.Verify(ctx, forge(claims("mallory", "admin"))); err == nil {
			t.Fatal("a token under an unpublished key was accepted")
		}
	}
	if is.fetches.Load() != 2 {
		t.Errorf("20 unknown key ids within the floor made %d fetches in all, want 2", is.fetches.Load())
	}
	// Past the floor, an unknown kid may fetch once more.
	now = now.Add(2 * time.Minute)
	_, _ = v.Verify(ctx, forge(claims("mallory", "admin")))
	if is.fetches.Load() != 3 {
		t.Errorf("past the floor: %d fetches, want 3", is.fetches.Load())
	}
}

// TestOnlyAccessTokenTypesPass: a token whose typ says it is something else
// (an ID token, a logout token, a DPoP proof) is refused though every other
// check passes; which types pass, and whether an untyped token does, is set.
func TestOnlyAccessTokenTypesPass(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	now := time.Now()
	claims := map[string]any{"iss": is.URL, "aud": "api://x", "sub": "alice", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	strict := []string{"at+jwt"}
	for i, c := range []struct {
		typ      string
		types    []string
		accepted bool
	}{
		{"JWT", nil, true}, {"at+jwt", nil, true}, {"application/at+jwt", nil, true}, {"AT+JWT", nil, true}, {"", nil, true},
		{"id_token+jwt", nil, false}, {"logout+jwt", nil, false}, {"dpop+jwt", nil, false}, {"untyped", nil, false},
		{"at+jwt", strict, true}, {"JWT", strict, false}, {"", strict, false},
	} {
		v := access.NewVerifier(access.OIDCOptions{Issuer: is.URL, Audience: "api://x", TokenTypes: c.types, RefreshFloor: time.Minute})
		_, err := v.Verify(context.Background(), is.publishTyped(t, fmt.Sprint("k", i), c.typ)(claims))
		if (err == nil) != c.accepted {
			t.Errorf("typ %q with types %v: %v; want accepted %v", c.typ, c.types, err, c.accepted)
		}
	}
}
