package resolvers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

const (
	operatorKey  = "operator-key-1"
	operatorKey2 = "operator-key-2"
	viewerKey    = "viewer-key-1"
)

// actionGateway is a gateway with an operator's and a viewer's API key.
func actionGateway(t *testing.T, o testenv.Options) *testenv.Gateway {
	t.Helper()
	keys, err := access.ParseKeys([]string{operatorKey + " operator ops-console", operatorKey2 + " operator runbook", viewerKey + " viewer dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	o.Handler = func(g *graphqlhttp.Options) { g.Gate = &access.Gate{Keys: keys} }
	return testenv.Start(t, o)
}

// as sends a query with an API key (and an Idempotency-Key, if given).
func as(t *testing.T, g *testenv.Gateway, key, idempotency, query string, vars map[string]any) testenv.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	if idempotency != "" {
		req.Header.Set("Idempotency-Key", idempotency)
	}
	rec := httptest.NewRecorder()
	g.Handler.ServeHTTP(rec, req)
	var r testenv.Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	r.Raw = rec.Body.Bytes()
	return r
}

func codeOf(r testenv.Response) string {
	if len(r.Errors) == 0 {
		return ""
	}
	return fmt.Sprint(r.Errors[0].Extensions["code"])
}

const (
	mStart   = `mutation($id: ID!, $full: Boolean, $cid: String) { startJob(input: {id: $id, full: $full, clientMutationId: $cid}) { clientMutationId job { id lastStatus } session { id status job { id } } } }`
	mStop    = `mutation($id: ID!) { stopJob(input: {id: $id}) { job { id lastStatus } } }`
	mEnable  = `mutation($id: ID!) { enableJob(input: {id: $id}) { job { id isEnabled } } }`
	mDisable = `mutation($id: ID!) { disableJob(input: {id: $id}) { job { id isEnabled nextRun } } }`
)

// TestActionsOnEveryVersion: each action sends exactly one request, with the
// method, path and body the version takes; its effects show at once.
func TestActionsOnEveryVersion(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		version                 int
		start, stop, disable    string // path suffix and body
		startBody, stopBody     string
		disableBody, enableBody string
	}{
		{3, "/Action", "/Action", "/Action", `{"start":null}`, `{"stop":null}`, `{"disable":null}`, `{"enable":null}`},
		{5, "/Action", "/Action", "/Action", `{"start":null}`, `{"stop":null}`, `{"disable":null}`, `{"enable":null}`},
		{6, "/start", "/stop", "/disable", `{"full":false}`, ``, ``, ``},
		{8, "/start", "/stop", "/disable", `{"full":false}`, ``, ``, ``},
	} {
		t.Run(fmt.Sprintf("v%d", c.version), func(t *testing.T) {
			g := actionGateway(t, testenv.Options{Version: c.version, Clock: testenv.NewClock().Now})
			job := g.Sim.JobIDs()[5] // not running at the anchor
			vars := map[string]any{"id": job}
			jobPath := fmt.Sprintf("/v%d/Jobs/%s", c.version, job)
			expect := func(what string, r testenv.Response, path, body string) {
				t.Helper()
				actions := g.Sim.Actions()
				if len(r.Errors) > 0 || len(actions) != 1 || actions[0].Method != http.MethodPost || actions[0].Path != path || actions[0].Body != body {
					t.Fatalf("%s: upstream got %+v, want one POST %s %s\n%s", what, actions, path, body, r.Raw)
				}
				g.Sim.ResetActions()
			}

			r := as(t, g, operatorKey, "", mStart, map[string]any{"id": job, "cid": "c1"})
			expect("start", r, jobPath+c.start, c.startBody)
			var started struct {
				StartJob struct {
					ClientMutationID string
					Job              struct{ LastStatus string }
					Session          *struct {
						ID, Status string
						Job        struct{ ID string }
					}
				}
			}
			_ = json.Unmarshal(r.Data, &started)
			s := started.StartJob
			if s.ClientMutationID != "c1" || s.Session == nil || s.Session.Status != "RUNNING" || s.Session.Job.ID != job || s.Job.LastStatus != "RUNNING" {
				t.Fatalf("start: %s", r.Raw)
			}

			r = as(t, g, operatorKey, "", mStart, vars)
			if codeOf(r) != "JOB_ALREADY_RUNNING" {
				t.Errorf("a second start: %s", r.Raw)
			}
			g.Sim.ResetActions()

			r = as(t, g, operatorKey, "", mStop, vars)
			expect("stop", r, jobPath+c.stop, c.stopBody)
			if !strings.Contains(string(r.Data), `"lastStatus":"STOPPED"`) {
				t.Errorf("after a stop: %s", r.Raw)
			}
			if r = as(t, g, operatorKey, "", mStop, vars); codeOf(r) != "JOB_NOT_RUNNING" {
				t.Errorf("a stop of a stopped job: %s", r.Raw)
			}
			g.Sim.ResetActions()

			r = as(t, g, operatorKey, "", mDisable, vars)
			expect("disable", r, jobPath+c.disable, c.disableBody)
			if !strings.Contains(string(r.Data), `"isEnabled":false,"nextRun":null`) {
				t.Errorf("after a disable: %s", r.Raw)
			}
			// What the job looks like is new at once: no cached job is served.
			if q := as(t, g, viewerKey, "", `query($id: ID!) { job(id: $id) { isEnabled } jobs { nodes { id isEnabled } } }`, vars); !strings.Contains(string(q.Data), `{"job":{"isEnabled":false}`) ||
				!strings.Contains(string(q.Data), `{"id":"`+job+`","isEnabled":false}`) {
				t.Errorf("after a disable, the job still reads enabled: %s", q.Raw)
			}
			if r = as(t, g, operatorKey, "", mStart, vars); codeOf(r) != "JOB_DISABLED" {
				t.Errorf("a start of a disabled job: %s", r.Raw)
			}
			g.Sim.ResetActions()
			r = as(t, g, operatorKey, "", mEnable, vars)
			enable := strings.Replace(c.disable, "disable", "enable", 1)
			expect("enable", r, jobPath+enable, c.enableBody)

			full := as(t, g, operatorKey, "", mStart, map[string]any{"id": job, "full": true})
			switch {
			case c.version < 6 && codeOf(full) != "NOT_SUPPORTED_BY_VERSION":
				t.Errorf("a full start on v%d: %s", c.version, full.Raw)
			case c.version >= 6 && g.Sim.Actions()[len(g.Sim.Actions())-1].Body != `{"full":true}`:
				t.Errorf("a full start sent %+v", g.Sim.Actions())
			}
		})
	}
}

// TestCopyJobActions: copy jobs from v6 (/CopyJobs/{id}/...), not before.
func TestCopyJobActions(t *testing.T) {
	t.Parallel()
	for _, v := range []int{5, 6, 8} {
		g := actionGateway(t, testenv.Options{Version: v})
		copyJob := g.Sim.JobIDs()[11] // "Copy to Object Storage": also a copy job from v6
		r := as(t, g, operatorKey, "", `mutation($id: ID!) { disableCopyJob(input: {id: $id}) { copyJob { name isEnabled } } }`, map[string]any{"id": copyJob})
		if v < 6 {
			if codeOf(r) != "NOT_SUPPORTED_BY_VERSION" || len(g.Sim.Actions()) != 0 {
				t.Errorf("v%d: %s %+v", v, r.Raw, g.Sim.Actions())
			}
			continue
		}
		want := fmt.Sprintf("/v%d/CopyJobs/%s/disable", v, copyJob)
		if a := g.Sim.Actions(); len(r.Errors) > 0 || len(a) != 1 || a[0].Path != want || !strings.Contains(string(r.Data), `"isEnabled":false`) {
			t.Errorf("v%d: %s %+v", v, r.Raw, a)
		}
	}
}

// TestRolesAreReported: me { roles } lists each role a key has; a restore
// operator who is not an operator may not act on jobs.
func TestRolesAreReported(t *testing.T) {
	t.Parallel()
	keys, err := access.ParseKeys([]string{"k3y-both operator,restore-operator helpdesk", "k3y-restore restore-operator portal", viewerKey + " viewer dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	g := testenv.Start(t, testenv.Options{Handler: func(o *graphqlhttp.Options) { o.Gate = &access.Gate{Keys: keys} }})
	for key, want := range map[string]string{"k3y-both": `"roles":["OPERATOR","RESTORE_OPERATOR"]`, "k3y-restore": `"roles":["RESTORE_OPERATOR"]`, viewerKey: `"roles":["VIEWER"]`} {
		if r := as(t, g, key, "", `{ me { name roles } }`, nil); !strings.Contains(string(r.Data), want) {
			t.Errorf("%s: %s", key, r.Raw)
		}
	}
	g.Sim.ResetCalls()
	if r := as(t, g, "k3y-restore", "", mStart, map[string]any{"id": g.Sim.JobIDs()[5]}); codeOf(r) != "FORBIDDEN" || g.Sim.DataCalls() != 0 {
		t.Errorf("a restore operator's start: %s", r.Raw)
	}
}

// TestViewersMayNotAct: a viewer's mutation is FORBIDDEN before any call;
// a caller without a key is refused at the door.
func TestViewersMayNotAct(t *testing.T) {
	t.Parallel()
	g := actionGateway(t, testenv.Options{})
	g.Sim.ResetCalls()
	r := as(t, g, viewerKey, "", mStart, map[string]any{"id": g.Sim.JobIDs()[5]})
	if codeOf(r) != "FORBIDDEN" || len(g.Sim.Actions()) != 0 || g.Sim.DataCalls() != 0 {
		t.Errorf("a viewer's start: %s; upstream: %+v %v", r.Raw, g.Sim.Actions(), g.Sim.Calls())
	}
	if r := as(t, g, "not-a-key", "", mStart, map[string]any{"id": g.Sim.JobIDs()[5]}); codeOf(r) != "UNAUTHENTICATED" {
		t.Errorf("no key: %s", r.Raw)
	}
}

// TestRepeatedActionsRunOnce: a repeat with the same Idempotency-Key or
// clientMutationId gets the first result and sends nothing; another key
// acts again.
func TestRepeatedActionsRunOnce(t *testing.T) {
	t.Parallel()
	g := actionGateway(t, testenv.Options{})
	vars := map[string]any{"id": g.Sim.JobIDs()[5]}
	first := as(t, g, operatorKey, "k-1", mStart, vars)
	again := as(t, g, operatorKey, "k-1", mStart, vars)
	if len(first.Errors) > 0 || len(again.Errors) > 0 || len(g.Sim.Actions()) != 1 || sessionOf(first) == "" || sessionOf(first) != sessionOf(again) {
		t.Fatalf("the same key twice: %s / %s; upstream %+v", first.Raw, again.Raw, g.Sim.Actions())
	}
	// clientMutationId alone works the same.
	stop := `mutation($id: ID!) { stopJob(input: {id: $id, clientMutationId: "stop-1"}) { clientMutationId } }`
	as(t, g, operatorKey, "", stop, vars)
	if r := as(t, g, operatorKey, "", stop, vars); len(r.Errors) > 0 || len(g.Sim.Actions()) != 2 {
		t.Errorf("the same clientMutationId twice: %s; upstream %+v", r.Raw, g.Sim.Actions())
	}
	// A new key is a new action: the job has stopped, so it starts again.
	if r := as(t, g, operatorKey, "k-2", mStart, vars); len(r.Errors) > 0 || len(g.Sim.Actions()) != 3 || sessionOf(r) == sessionOf(first) {
		t.Errorf("a new key: %s; upstream %+v", r.Raw, g.Sim.Actions())
	}
	// Another caller's repeat of the same key is its own action, not the
	// first caller's result: the job runs, so the upstream refuses it.
	if r := as(t, g, operatorKey2, "k-2", mStart, vars); codeOf(r) != "JOB_ALREADY_RUNNING" || len(g.Sim.Actions()) != 4 {
		t.Errorf("another caller, the same key: %s; upstream %+v", r.Raw, g.Sim.Actions())
	}
}

func sessionOf(r testenv.Response) string {
	var d struct {
		StartJob struct{ Session *struct{ ID string } }
	}
	if json.Unmarshal(r.Data, &d) != nil || d.StartJob.Session == nil {
		return ""
	}
	return d.StartJob.Session.ID
}

// TestPassThroughRefusalIsForbidden: in pass-through mode the caller's own
// VB365 account decides; the upstream's 403 is FORBIDDEN.
func TestPassThroughRefusalIsForbidden(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{PassThrough: true, Sim: func(o *vb365sim.Options) {
		o.ViewerUsername, o.ViewerPassword = "demo\\reader", testenv.Secret
	}})
	env := g.Env
	tok := env.TokenFor(t, "demo\\reader", testenv.Secret)
	body, _ := json.Marshal(map[string]any{"query": mStart, "variables": map[string]any{"id": env.Sim.JobIDs()[5]}})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", tok)
	rec := httptest.NewRecorder()
	g.Handler.ServeHTTP(rec, req)
	var r testenv.Response
	_ = json.Unmarshal(rec.Body.Bytes(), &r)
	if codeOf(r) != "FORBIDDEN" || len(env.Sim.Actions()) != 1 {
		t.Errorf("a read-only account's start: %s; upstream %+v", rec.Body, env.Sim.Actions())
	}
}

// TestMe: the caller as the gateway sees them.
func TestMe(t *testing.T) {
	t.Parallel()
	g := actionGateway(t, testenv.Options{})
	for key, want := range map[string]string{operatorKey: `{"me":{"name":"ops-console","role":"OPERATOR","via":"api-key"}}`, viewerKey: `{"me":{"name":"dashboard","role":"VIEWER","via":"api-key"}}`} {
		if r := as(t, g, key, "", `{ me { name role via } }`, nil); string(r.Data) != want {
			t.Errorf("%s", r.Raw)
		}
	}
}
