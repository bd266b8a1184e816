package graphqlhttp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// refusalCount counts refusals by reason, and ignores the rest.
type refusalCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *refusalCount) Refused(reason string)                         { c.mu.Lock(); c.n[reason]++; c.mu.Unlock() }
func (c *refusalCount) CrossOriginRefused()                           { c.Refused("cross-origin") }
func (c *refusalCount) LoaderBatch(string, int)                       {}
func (c *refusalCount) Action(string, string)                         {}
func (c *refusalCount) Operation(string, string, bool, time.Duration) {}

// TestRefusedCredentialsAreCountedNotEachLogged: a refused token costs
// its sender nothing, so a log line for each would let anyone write 1,000
// lines a second of their own text into the gateway's log (78,029 in 70 s
// were seen). Refusals are counted in a metric; the log gets at most 10
// lines in 10 s, saying how many went unlogged.
func TestRefusedCredentialsAreCountedNotEachLogged(t *testing.T) {
	var logged bytes.Buffer
	var mu sync.Mutex
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(b)
	}), nil)))

	keys, _ := access.ParseKeys([]string{"k3y-the-real-one"})
	verifier := access.NewVerifier(access.OIDCOptions{Issuer: "http://127.0.0.1:1", Audience: "api://x"})
	count := &refusalCount{n: map[string]int{}}
	g := testenv.Start(t, testenv.Options{Handler: func(o *graphqlhttp.Options) {
		o.Gate, o.Observer = &access.Gate{Keys: keys, OIDC: verifier}, count
	}})
	for i := range 2000 {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		if i%2 == 0 {
			req.Header.Set("Authorization", fmt.Sprintf("Bearer attacker-text-%d.not.a-jwt", i))
		}
		rec := httptest.NewRecorder()
		g.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("request %d: HTTP %d", i, rec.Code)
		}
	}
	mu.Lock()
	lines := strings.Count(logged.String(), "refused a caller")
	attacker := strings.Count(logged.String(), "attacker-text")
	mu.Unlock()
	count.mu.Lock()
	defer count.mu.Unlock()
	if count.n["invalid"] != 1000 || count.n["missing"] != 1000 {
		t.Errorf("refusals counted %v, want 1000 invalid and 1000 missing", count.n)
	}
	if lines > 10 || attacker > 10 {
		t.Errorf("2000 refusals in well under %v wrote %d log lines (%d with the sender's text); want at most 10", 10*time.Second, lines, attacker)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// TestMalformedRequestsAreToldInTheirOwnTerms: a request that is not a
// GraphQL request, or is sent the wrong way, gets a 4xx whatever media type
// it accepts, and a message in the terms of GraphQL over HTTP: what field
// or method is wrong and what to send, never a Go type, and never "send
// mutations with POST" to a subscription.
func TestMalformedRequestsAreToldInTheirOwnTerms(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{})
	const sub = `subscription { jobSessionUpdated(id: "00000000-0000-0000-0000-000000000001") { status } }`
	for _, c := range []struct {
		name, method, target, body, accept string
		status                             int
		says                               string
	}{
		{"query of the wrong type", "POST", "/graphql", `{"query": 1}`, "application/json", 400, "query must be a string, not number"},
		{"variables of the wrong type", "POST", "/graphql", `{"query": "{ __typename }", "variables": [1]}`, "application/json", 400, "variables must be an object, not array"},
		{"not an object", "POST", "/graphql", `[]`, "application/json", 400, "must be a JSON object, not array"},
		{"cut short", "POST", "/graphql", `{"query": "{`, "application/json", 400, "cut short"},
		{"no query, JSON", "POST", "/graphql", `{}`, "application/json", 400, "the request has no query"},
		{"no query, GraphQL response", "POST", "/graphql", `{"variables": {}}`, "application/graphql-response+json", 400, "the request has no query"},
		{"no query, GET", "GET", "/graphql?variables=%7B%7D", "", "application/json", 400, "the request has no query"},
		{"subscription on a plain GET", "GET", "/graphql?query=" + url.QueryEscape(sub), "", "application/json", 405, "a subscription needs a stream"},
		{"mutation on GET", "GET", "/graphql?query=" + url.QueryEscape(`mutation { stopJob(input: {id: "x"}) { clientMutationId } }`), "", "application/json", 405, "send it with POST"},
		{"mutation on an EventSource", "GET", "/graphql?query=" + url.QueryEscape(`mutation { stopJob(input: {id: "x"}) { clientMutationId } }`), "", "text/event-stream", 405, "send it with POST"},
		{"graphql-sse's single connection mode", "PUT", "/graphql", "", "", 405, "distinct connections mode"},
	} {
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		req := httptest.NewRequest(c.method, c.target, body)
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		rec := httptest.NewRecorder()
		g.Handler.ServeHTTP(rec, req)
		got := rec.Body.String()
		if rec.Code != c.status || !strings.Contains(got, c.says) || !strings.Contains(got, `"code":"BAD_REQUEST"`) {
			t.Errorf("%s: %d %s; want %d saying %q", c.name, rec.Code, got, c.status, c.says)
		}
		for _, never := range []string{"RawParams", "Go struct", "graphql.", "mutations with POST"} {
			if strings.Contains(got, never) {
				t.Errorf("%s: the answer says %q: %s", c.name, never, got)
			}
		}
	}
}

// TestCrossOriginRefusalsAreCounted: a request from a page of an origin
// --cors-origins does not list gets no CORS grant, is counted and logged at
// debug with its origin; an allowed origin, the gateway's own (the
// playground) and a request with no Origin are not refusals.
func TestCrossOriginRefusalsAreCounted(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logged.Write(b)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	count := &refusalCount{n: map[string]int{}}
	g := testenv.Start(t, testenv.Options{Handler: func(o *graphqlhttp.Options) {
		o.CORSOrigins, o.Observer, o.Logger = []string{"https://portal.example"}, count, log
	}})
	for _, c := range []struct {
		origin  string
		granted bool
		refused int
	}{
		{"https://portal.example", true, 0},
		{"https://elsewhere.example", false, 1},
		{"http://example.com", false, 0}, // httptest's Host: the gateway's own origin
		{"", false, 0},
	} {
		count.mu.Lock()
		count.n = map[string]int{}
		count.mu.Unlock()
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		rec := httptest.NewRecorder()
		g.Handler.ServeHTTP(rec, req)
		if granted := c.origin != "" && rec.Header().Get("Access-Control-Allow-Origin") == c.origin; granted != c.granted || rec.Code != http.StatusOK {
			t.Errorf("origin %q: HTTP %d, granted %v, want %v", c.origin, rec.Code, granted, c.granted)
		}
		count.mu.Lock()
		if got := count.n["cross-origin"]; got != c.refused {
			t.Errorf("origin %q: counted %d refusals, want %d", c.origin, got, c.refused)
		}
		count.mu.Unlock()
	}
	// A WebSocket from a page: accepted from an allowed origin, not from another.
	for origin, want := range map[string]int{"https://portal.example": http.StatusSwitchingProtocols, "https://elsewhere.example": http.StatusForbidden} {
		c, resp, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(g.URL, "http")+"/graphql",
			&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}, Subprotocols: []string{"graphql-transport-ws"}})
		if c != nil {
			c.CloseNow()
		}
		if resp == nil || resp.StatusCode != want {
			t.Errorf("a WebSocket from %s: %v %v, want HTTP %d", origin, resp, err, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "level=DEBUG msg=\"refused a cross-origin request") || !strings.Contains(logged.String(), "origin=https://elsewhere.example") ||
		strings.Count(logged.String(), "cross-origin") != 2 { // the request and the socket from elsewhere
		t.Errorf("the log: %s", logged.String())
	}
}
