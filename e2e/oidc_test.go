//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// postAs sends a GraphQL request with an Authorization header and decodes
// the answer.
func postAs(t *testing.T, url, authorization, query string, vars map[string]any) (int, map[string]any) {
	t.Helper()
	status, body := post(t, url+"/graphql", query, vars, map[string]string{"Authorization": authorization})
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return status, out
}

func errorCode(answer map[string]any) string {
	errs, _ := answer["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
	code, _ := ext["code"].(string)
	return code
}

const startMutation = `mutation($id: ID!) { startJob(input: {id: $id}) { session { id status } } }`

// TestOpenIDConnectRoles: users signed in to a real OpenID Connect provider.
// A viewer's mutation is FORBIDDEN with no upstream POST; an operator's
// startJob makes exactly one POST and returns a session that a graphql-ws
// client (authenticated by the token in connection_init) follows to its
// end; expired, wrong-audience, wrong-issuer, alg none, HMAC-confused and
// unknown-key tokens are UNAUTHENTICATED, each without an upstream call.
// Every action is one audit line that names the user and holds no token.
func TestOpenIDConnectRoles(t *testing.T) {
	p := testenv.StartOIDC(t)
	logs := &testenv.LogBuffer{}
	start := time.Now()
	clock := func() time.Time { return faultAnchor.Add(time.Since(start) * 100) } // a started job's 3 minutes in 1.8 s
	gw := testenv.Start(t, testenv.Options{Clock: clock, Logs: logs, Env: jsonLogs(map[string]string{
		"VB365_OIDC_ISSUER": p.Issuer, "VB365_OIDC_AUDIENCE": p.Audience, "VB365_OIDC_CLOCK_SKEW": "1s", "VB365_POLL_INTERVAL": "100ms"})})
	sim := gw.Sim
	job := sim.JobIDs()[5]
	bearer := func(tok string) string { return "Bearer " + tok }

	// A socket whose token expires is closed (4403) when it does.
	ws := "ws" + strings.TrimPrefix(gw.URL, "http") + "/graphql"
	var closed struct{ Error string }
	long := sim.LiveSessionIDs()[1] // runs for 15 s more at this clock: longer than the token
	_ = json.Unmarshal(node(t, time.Minute, "subscribe.mjs", ws, long, "1", bearer(p.Tokens.ShortLived)), &closed)
	if !strings.Contains(closed.Error, "4403") {
		t.Errorf("a socket whose token expired: %+v", closed)
	}

	sim.ResetActions()
	if _, r := postAs(t, gw.URL, bearer(p.Tokens.Viewer), startMutation, map[string]any{"id": job}); errorCode(r) != "FORBIDDEN" || len(sim.Actions()) != 0 {
		t.Errorf("a viewer's startJob: %v; upstream %+v", r, sim.Actions())
	}
	_, r := postAs(t, gw.URL, bearer(p.Tokens.Operator), startMutation, map[string]any{"id": job})
	session, _ := r["data"].(map[string]any)["startJob"].(map[string]any)["session"].(map[string]any)
	if errorCode(r) != "" || len(sim.Actions()) != 1 || session == nil || session["status"] != "RUNNING" {
		t.Fatalf("an operator's startJob: %v; upstream %+v", r, sim.Actions())
	}
	var follow struct {
		Clients [][]liveEvent
		Error   string
	}
	out := node(t, time.Minute, "subscribe.mjs", ws, session["id"].(string), "1", bearer(p.Tokens.Operator))
	if err := json.Unmarshal(out, &follow); err != nil || follow.Error != "" || len(follow.Clients) != 1 {
		t.Fatalf("following the started session: %v %s", err, out)
	}
	checkFollow(t, follow.Clients[0])

	forged := forgeries(t, p)
	time.Sleep(time.Until(start.Add(7 * time.Second))) // the short-lived token's 5 s and the 1 s of skew are over
	// Each is refused for its own reason (the log says which).
	refused := []struct{ name, token, reason string }{
		{"expired", p.Tokens.ShortLived, "token is expired (exp)"},
		{"wrong audience", p.Tokens.OtherAudience, "invalid audience claim (aud)"},
		{"wrong issuer", p.Tokens.OtherIssuer, "invalid issuer claim (iss)"},
		{"alg none", forged.none, "not a JWT signed with RS256 or ES256"},
		{"HMAC keyed with the public key", forged.hmac, `unexpected signature algorithm \"HS256\"`},
		{"unknown key id", forged.unknownKid, `unknown key id \"rotated-key-9\"`},
	}
	sim.ResetCalls()
	for _, c := range refused {
		before := len(logs.String())
		status, r := postAs(t, gw.URL, bearer(c.token), `{ jobs { totalCount } }`, nil)
		if status != http.StatusUnauthorized || errorCode(r) != "UNAUTHENTICATED" || !strings.Contains(logs.String()[before:], c.reason) {
			t.Errorf("%s: HTTP %d %v; logged %s", c.name, status, r, logs.String()[before:])
		}
	}
	if n := sim.DataCalls(); n != 0 {
		t.Errorf("refused tokens made %d upstream calls", n)
	}

	audit := logs.String()
	for _, want := range []string{`"who":"bob","via":"oidc","role":"viewer","outcome":"forbidden"`, `"who":"alice","via":"oidc","role":"operator","outcome":"done","upstream_status":200`} {
		if !strings.Contains(audit, want) {
			t.Errorf("no audit line with %s in:\n%s", want, audit)
		}
	}
	for _, tok := range []string{p.Tokens.Operator, p.Tokens.Viewer, forged.hmac, forged.unknownKid} {
		if strings.Contains(audit, tok[strings.LastIndex(tok, ".")+1:]) { // the signature: what makes it a credential
			t.Errorf("a token reached the log")
		}
	}
}

type forged struct{ none, hmac, unknownKid string }

// forgeries are tokens an attacker would try, made from the operator's
// genuine claims: unsigned, signed with HMAC keyed by the issuer's public
// key, and signed by a key the issuer never published.
func forgeries(t *testing.T, p testenv.OIDC) forged {
	t.Helper()
	claims := p.Tokens.Operator[strings.Index(p.Tokens.Operator, ".")+1 : strings.LastIndex(p.Tokens.Operator, ".")]
	header := func(h string) string { return base64.RawURLEncoding.EncodeToString([]byte(h)) }
	var f forged
	f.none = header(`{"alg":"none","typ":"at+jwt"}`) + "." + claims + "."

	payload, _ := base64.RawURLEncoding.DecodeString(claims)
	var jwks jose.JSONWebKeySet
	getJSON(t, p.Issuer+"/jwks", &jwks)
	der, err := x509.MarshalPKIXPublicKey(jwks.Keys[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	f.hmac = sign(t, jose.SigningKey{Algorithm: jose.HS256, Key: pemKey}, jwks.Keys[0].KeyID, payload)

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	f.unknownKid = sign(t, jose.SigningKey{Algorithm: jose.RS256, Key: other}, "rotated-key-9", payload)
	return f
}

func sign(t *testing.T, key jose.SigningKey, kid string, payload []byte) string {
	t.Helper()
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithHeader("kid", kid).WithType("at+jwt"))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}
