package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/telemetry"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// e2eReady checks that the npm packages of e2e/ are installed (the test
// command runs npm ci there); on CI their absence is a failure.
func e2eReady(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("e2e", "node_modules", "graphql")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("e2e/node_modules is missing; the test command runs npm ci there (see README)")
		}
		t.Skip("run npm ci in e2e/ (./test.sh does) for the tests with real JavaScript clients")
	}
}

// node runs a script of e2e/ and returns its standard output.
func node(t *testing.T, timeout time.Duration, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("node", append([]string{filepath.Join("e2e", script)}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("node %s: %v\nstdout: %s\nstderr: %s", script, err, stdout.String(), stderr.String())
		}
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		t.Fatalf("node %s did not finish in %v\nstdout: %s\nstderr: %s", script, timeout, stdout.String(), stderr.String())
	}
	return stdout.Bytes()
}

// simClient starts a simulator on loopback (its clock: now, or fixed at
// faultAnchor) and a client of it for the service account; tweak adjusts the
// client's options.
func simClient(t testing.TB, version int, now func() time.Time, tweak func(*upstream.Options)) (*vb365sim.Server, *httptest.Server, *upstream.Client) {
	t.Helper()
	if now == nil {
		now = func() time.Time { return faultAnchor }
	}
	sim := vb365sim.New(vb365sim.Options{Version: version, Anchor: faultAnchor, Now: now})
	up := httptest.NewServer(sim)
	t.Cleanup(up.Close)
	user, pass := sim.Credentials()
	opts := upstream.Options{BaseURL: up.URL, Version: version, Username: user, Password: pass, JobListThreshold: 3}
	if tweak != nil {
		tweak(&opts)
	}
	client, err := upstream.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sim, up, client
}

// demoGateway serves the whole gateway over a simulator, as go run . does.
func demoGateway(t *testing.T, version int, now func() time.Time, tweak func(*config)) (*httptest.Server, *vb365sim.Server) {
	t.Helper()
	c := defaultConfig(t)
	if tweak != nil {
		tweak(&c)
	}
	sim, _, client := simClient(t, version, now, func(o *upstream.Options) { o.Sharing.Off = !c.share })
	gw := httptest.NewServer(routes(deps{api: client}, c))
	t.Cleanup(gw.Close)
	return gw, sim
}

// demoGatewayB is demoGateway's handler for benchmarks.
func demoGatewayB(b *testing.B) (http.Handler, *vb365sim.Server) {
	metrics := telemetry.New()
	sim, _, client := simClient(b, 8, nil, func(o *upstream.Options) { o.Observer = metrics })
	metrics.WatchClient(client)
	c, err := parseConfig(nil, func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	return routes(deps{api: client, metrics: metrics, ready: client.Ping}, c), sim
}

// TestGraphQLOverHTTPAudit runs the graphql-http package's audit of the
// GraphQL-over-HTTP specification: every MUST and SHOULD must pass.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	e2eReady(t)
	gw, _ := demoGateway(t, 8, nil, nil)
	var results []struct{ ID, Name, Status, Reason string }
	out := node(t, time.Minute, "audit.mjs", gw.URL+"/graphql")
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	passed := 0
	for _, r := range results {
		switch {
		case r.Status == "ok":
			passed++
		case strings.HasPrefix(r.Name, "MUST") || strings.HasPrefix(r.Name, "SHOULD"):
			t.Errorf("%s: %s (%s)", r.Status, r.Name, r.Reason)
		}
	}
	if passed < 40 {
		t.Errorf("only %d of %d audits passed", passed, len(results))
	}
	t.Logf("%d of %d audits passed; the rest are MAYs", passed, len(results))
}

func TestCORSCompressionAndPersistedQueries(t *testing.T) {
	gw, _ := demoGateway(t, 8, nil, func(c *config) { c.corsOrigins = "https://dash.example" })

	// CORS: the configured origin may call, others get no CORS headers.
	for origin, allowed := range map[string]bool{"https://dash.example": true, "https://evil.example": false} {
		req, _ := http.NewRequest(http.MethodOptions, gw.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-api-key")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get("Access-Control-Allow-Origin")
		if allowed != (got == origin) || (!allowed && got != "") {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin %q", origin, got)
		}
	}

	// Compression: a large answer is gzipped for clients that accept it.
	body := `{"query":"{ jobSessions(first: 100) { nodes { id status details } } }"}`
	req, _ := http.NewRequest(http.MethodPost, gw.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("a large answer was not compressed: %v", resp.Header)
	}

	// Automatic persisted queries: the hash alone works once the query is known.
	const q = `{ jobs(first: 1) { totalCount } }`
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(q)}}
	send := func(payload map[string]any) string {
		b, _ := json.Marshal(payload)
		resp, err := http.Post(gw.URL+"/graphql", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		_, _ = out.ReadFrom(resp.Body)
		return out.String()
	}
	if got := send(map[string]any{"extensions": ext}); !strings.Contains(got, "PersistedQueryNotFound") {
		t.Errorf("an unknown hash: %s", got)
	}
	if got := send(map[string]any{"query": q, "extensions": ext}); !strings.Contains(got, `"totalCount"`) {
		t.Errorf("registering: %s", got)
	}
	if got := send(map[string]any{"extensions": ext}); !strings.Contains(got, `"totalCount"`) {
		t.Errorf("by hash alone: %s", got)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestFederationWithApolloGateway composes this subgraph with a second one
// (e2e/federation.mjs) in a real Apollo federation gateway and runs a query
// that spans both.
func TestFederationWithApolloGateway(t *testing.T) {
	e2eReady(t)
	gw, sim := demoGateway(t, 6, nil, nil)
	sessions := sim.SessionIDs()[:10]
	job := sim.JobIDs()[2]
	sim.ResetCalls()
	out := node(t, time.Minute, "federation.mjs", gw.URL+"/graphql", strings.Join(sessions, ","), job)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var res struct {
		Data struct {
			Incidents []struct {
				ID      string
				Session struct {
					ID, Status string
					Job        struct{ Name string }
				}
				Job struct{ ID, Name, LastStatus string }
			}
		}
		Errors []any
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil || len(res.Errors) > 0 {
		t.Fatalf("%v: %s", err, out)
	}
	if len(res.Data.Incidents) != len(sessions) {
		t.Fatalf("%d incidents, want %d: %s", len(res.Data.Incidents), len(sessions), out)
	}
	for i, inc := range res.Data.Incidents {
		if inc.Session.ID != sessions[i] || inc.Session.Status == "" || inc.Session.Job.Name == "" || inc.Job.ID != job || inc.Job.Name == "" {
			t.Errorf("incident %d: %+v", i, inc)
		}
	}
	calls := sim.Calls()
	if calls["GET /JobSessions/{id}"] != len(sessions) || calls["GET /Jobs"] > 2 {
		t.Errorf("the federated query cost %v; want one GET per session and the jobs batched", calls)
	}
	t.Logf("federated query over %d sessions: upstream calls %v", len(sessions), calls)
}
