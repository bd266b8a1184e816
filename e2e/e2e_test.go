//go:build e2e

// The tests that start real JavaScript clients (node): the GraphQL-over-HTTP
// audit, an Apollo federation gateway, graphql-ws. They run with -tags e2e,
// as the test command runs them.

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// e2eReady checks that the npm packages of e2e/ are installed (the test
// command runs npm ci there).
func e2eReady(t *testing.T) { testenv.E2EDir(t) }

// node runs a script of e2e/ and returns its standard output.
func node(t *testing.T, timeout time.Duration, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("node", append([]string{script}, args...)...)
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

// TestGraphQLOverHTTPAudit runs the graphql-http package's audit of the
// GraphQL-over-HTTP specification: every MUST and SHOULD must pass.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	e2eReady(t)
	gw := testenv.Start(t, testenv.Options{Version: 8, Operators: true})
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

// TestFederationWithApolloGateway composes this subgraph with a second one
// (e2e/federation.mjs) in a real Apollo federation gateway and runs a query
// that spans both.
func TestFederationWithApolloGateway(t *testing.T) {
	e2eReady(t)
	gw := testenv.Start(t, testenv.Options{Version: 6, Operators: true})
	sim := gw.Sim
	sessions := sim.SessionIDs()[:10]
	job, repository := sim.JobIDs()[2], sim.RepositoryIDs()[1]
	sim.ResetCalls()
	out := node(t, time.Minute, "federation.mjs", gw.URL+"/graphql", strings.Join(sessions, ","), job, repository)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var res struct {
		Data struct {
			Incidents []struct {
				ID      string
				Session struct {
					ID, Status string
					Job        struct{ Name string }
				}
				Job        struct{ ID, Name, LastStatus string }
				Repository struct {
					ID, Name      string
					CapacityBytes int64
					Proxy         struct{ HostName, Status string }
				}
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
		if r := inc.Repository; r.ID != repository || r.Name == "" || r.CapacityBytes <= 0 || r.Proxy.HostName == "" || r.Proxy.Status != "ONLINE" {
			t.Errorf("incident %d's repository, resolved by this subgraph: %+v", i, r)
		}
	}
	calls := sim.Calls()
	if calls["GET /JobSessions/{id}"] != len(sessions) || calls["GET /Jobs"] > 2 || calls["GET /BackupRepositories"] != 1 || calls["GET /Proxies"] != 1 {
		t.Errorf("the federated query cost %v; want one GET per session, the jobs batched, one listing of repositories and of proxies", calls)
	}
	t.Logf("federated query over %d sessions: upstream calls %v", len(sessions), calls)
}

// TestSubscriptionWithGraphQLWS: five real graphql-ws clients follow a
// running session until it finishes; one poller serves them all, on the
// word of v8's event feed.
func TestSubscriptionWithGraphQLWS(t *testing.T) {
	e2eReady(t)
	clock, release := heldClock(120) // from node's start: 13 minutes in 6.5 seconds
	gw := testenv.Start(t, testenv.Options{Version: 8, Clock: clock, Settings: func(s *config.Settings) { s.Live.PollInterval = 100 * time.Millisecond }, Operators: true})
	sim := gw.Sim
	id := sim.LiveSessionIDs()[0]
	sim.ResetCalls()
	start := time.Now()
	release()
	out := node(t, time.Minute, "subscribe.mjs", "ws"+strings.TrimPrefix(gw.URL, "http")+"/graphql", id, "5")
	elapsed := time.Since(start)
	var res struct {
		Clients [][]liveEvent
		Error   string
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Error != "" || len(res.Clients) != 5 {
		t.Fatalf("%v %s: %s", err, res.Error, out)
	}
	for _, events := range res.Clients {
		checkFollow(t, events)
	}
	polls := sim.Calls()["GET /JobSessions/{id}"]
	maxPolls := int(elapsed/(100*time.Millisecond)) + 3
	if polls > maxPolls {
		t.Errorf("5 clients over %v made %d session GETs; one shared poller makes at most %d", elapsed, polls, maxPolls)
	}
	if sim.Calls()["GET /Events"] == 0 {
		t.Error("a v8 gateway followed a session without reading the event feed")
	}
	t.Logf("5 graphql-ws clients, %d updates each, %d upstream GETs in %v", len(res.Clients[0]), polls, elapsed.Round(time.Millisecond))
}

// TestRestoreSubscriptionWithGraphQLWS: two real graphql-ws clients follow
// a working restore session until it stops; one poller serves both.
func TestRestoreSubscriptionWithGraphQLWS(t *testing.T) {
	e2eReady(t)
	start := time.Now()
	clock := func() time.Time { return faultAnchor.Add(time.Since(start) * 150) } // its last 5 minutes in 2 seconds
	gw := testenv.Start(t, testenv.Options{Version: 8, Clock: clock, Settings: func(s *config.Settings) { s.Live.PollInterval = 100 * time.Millisecond }, Operators: true})
	sim := gw.Sim
	id := sim.LiveRestoreSessionIDs()[0]
	out := node(t, time.Minute, "subscribe.mjs", "ws"+strings.TrimPrefix(gw.URL, "http")+"/graphql", id, "2", "", "restore")
	var res struct {
		Clients [][]struct {
			State, Result, Details string
			EndTime                *string
			Errors                 []any
		}
		Error string
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Error != "" || len(res.Clients) != 2 {
		t.Fatalf("%v %s: %s", err, res.Error, out)
	}
	for _, events := range res.Clients {
		if len(events) < 3 {
			t.Fatalf("only %d updates: %s", len(events), out)
		}
		restored := 0 // "3 of 5 items restored" never goes back
		for i, e := range events {
			last := i == len(events)-1
			var n, of int
			_, _ = fmt.Sscanf(e.Details, "%d of %d", &n, &of)
			if len(e.Errors) > 0 || last != (e.State == "STOPPED") || last != (e.EndTime != nil) || n < restored || of == 0 {
				t.Errorf("update %d of %d: %+v", i, len(events), e)
			}
			restored = n
		}
	}
	polls := sim.Calls()["GET /RestoreSessions/{id}"]
	if maxPolls := int(time.Since(start)/(100*time.Millisecond)) + 3; polls > maxPolls {
		t.Errorf("2 clients made %d restore session GETs; one shared poller makes at most %d", polls, maxPolls)
	}
	t.Logf("2 graphql-ws clients followed a restore session to its end: %d updates each, %d upstream GETs", len(res.Clients[0]), polls)
}

// TestSubscriptionNeedsAnAPIKey: with a service account and API keys, a
// WebSocket without a key in its connection_init is refused.
func TestSubscriptionNeedsAnAPIKey(t *testing.T) {
	e2eReady(t)
	// The session stands still while node starts and is refused, then runs
	// 120 times fast: its 13 minutes in 6.5 seconds.
	clock, release := heldClock(120)
	gw := testenv.Start(t, testenv.Options{Clock: clock, Env: map[string]string{"VB365_POLL_INTERVAL": "100ms", "VB365_API_KEYS": "live-key-123"}})
	sim := gw.Sim
	ws := "ws" + strings.TrimPrefix(gw.URL, "http") + "/graphql"
	id := sim.LiveSessionIDs()[0]

	var refused struct{ Error string }
	_ = json.Unmarshal(node(t, time.Minute, "subscribe.mjs", ws, id, "1"), &refused)
	if !strings.Contains(refused.Error, "4403") || !strings.Contains(refused.Error, "API key") {
		t.Errorf("no key: %q, want a 4403 close that asks for an API key", refused.Error)
	}
	var res struct{ Clients [][]liveEvent }
	release()
	_ = json.Unmarshal(node(t, time.Minute, "subscribe.mjs", ws, id, "1", "live-key-123"), &res)
	if len(res.Clients) != 1 {
		t.Fatalf("with the key: %+v", res)
	}
	checkFollow(t, res.Clients[0])
}

// TestOperationsOnOneSocketEachSeeTheUpstream: two queries a while apart on
// one WebSocket each see the running session as it is at the time (a real
// graphql-ws client).
func TestOperationsOnOneSocketEachSeeTheUpstream(t *testing.T) {
	e2eReady(t)
	clock, release := heldClock(120)
	gw := testenv.Start(t, testenv.Options{Version: 8, Clock: clock, Settings: func(s *config.Settings) { s.Cache.Share = false }, Operators: true})
	sim := gw.Sim
	id := sim.LiveSessionIDs()[0]
	q := `query($id: ID!) { jobSession(id: $id) { progress } }`
	release()
	out := node(t, time.Minute, "sequence.mjs", "ws"+strings.TrimPrefix(gw.URL, "http")+"/graphql", q, `{"id":"`+id+`"}`, "2", "300")
	var res struct {
		Results []struct {
			Data struct{ JobSession struct{ Progress int } }
		}
		Error string
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Error != "" || len(res.Results) != 2 {
		t.Fatalf("%v: %s", err, out)
	}
	if a, b := res.Results[0].Data.JobSession.Progress, res.Results[1].Data.JobSession.Progress; b <= a {
		t.Errorf("the second query on the socket saw progress %d, the first %d: it was answered from the first one's memo", b, a)
	}
}
