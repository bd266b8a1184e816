package resolvers_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// TestFailedObjectsCost: a session with its failed objects costs the
// session and the one page of objects the filter reads; their names cost a
// call per object and their messages one page of the session's log, only
// when selected.
func TestFailedObjectsCost(t *testing.T) {
	t.Parallel()
	for _, v := range []int{7, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
		env := g.Env
		vars := map[string]any{"id": env.Sim.SessionIDsWithStatus("Failed")[0]}
		r, calls := g.Calls(t, `query($id: ID!) { jobSession(id: $id) { status processedObjects(status: FAILED) { totalCount nodes { id type status } } } }`, vars)
		if len(r.Errors) > 0 || fmt.Sprint(calls) != "map[GET /JobSessions/{id}:1 GET /JobSessions/{id}/ProcessedObjects:1]" {
			t.Errorf("v%d: failed objects cost %v\n%s", v, calls, r.Raw)
		}
		var data struct {
			JobSession struct {
				ProcessedObjects struct {
					TotalCount int
					Nodes      []struct{ Type, Status string }
				}
			}
		}
		if err := json.Unmarshal(r.Data, &data); err != nil || data.JobSession.ProcessedObjects.TotalCount == 0 {
			t.Fatalf("v%d: no failed object in a failed session: %s", v, r.Raw)
		}
		failed := data.JobSession.ProcessedObjects.TotalCount
		r, calls = g.Calls(t, `query($id: ID!) { jobSession(id: $id) { processedObjects(status: FAILED) { nodes { name address messages { type message } } } } }`, vars)
		want := map[string]int{"GET /JobSessions/{id}": 1, "GET /JobSessions/{id}/ProcessedObjects": 1, "GET /JobSessions/{id}/LogItems": 1}
		objects := 0
		for route, n := range calls {
			if want[route] == 0 {
				objects += n // GET /Organizations/{id}/Sites/{id} and alike
			} else if n != want[route] {
				t.Errorf("v%d: %s: %d calls", v, route, n)
			}
		}
		if objects != failed || len(r.Errors) > 0 {
			t.Errorf("v%d: %d failed objects' names cost %v", v, failed, calls)
		}
		var named struct {
			JobSession struct {
				ProcessedObjects struct {
					Nodes []struct {
						Name     *string
						Messages []struct{ Type, Message string }
					}
				}
			}
		}
		_ = json.Unmarshal(r.Data, &named)
		for _, o := range named.JobSession.ProcessedObjects.Nodes {
			if o.Name == nil || len(o.Messages) != 1 || o.Messages[0].Type != "ERROR" {
				t.Errorf("v%d: a failed object without its name or its error: %s", v, r.Raw)
			}
		}
	}
}

// TestRestoreSessionsWithOrganizations: 20 restore sessions with their
// organizations cost the listing and the organization collection, on every
// version; nothing unselected is fetched.
func TestRestoreSessionsWithOrganizations(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 6, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
		r, calls := g.Calls(t, `{ restoreSessions(first: 20) { nodes { name initiatedBy organization { name region } } } }`, nil)
		if len(r.Errors) > 0 || fmt.Sprint(calls) != "map[GET /Organizations:1 GET /RestoreSessions:1]" {
			t.Errorf("v%d: %v\n%s", v, calls, r.Raw)
		}
		var data struct {
			RestoreSessions struct {
				Nodes []struct{ Organization *struct{ Name string } }
			}
		}
		if err := json.Unmarshal(r.Data, &data); err != nil || len(data.RestoreSessions.Nodes) != 20 {
			t.Fatalf("v%d: %s", v, r.Raw)
		}
		for _, n := range data.RestoreSessions.Nodes {
			if n.Organization == nil {
				t.Errorf("v%d: a restore session without its organization", v)
			}
		}
		if _, calls := g.Calls(t, `{ restoreSessions(first: 20) { nodes { name } } }`, nil); fmt.Sprint(calls) != "map[GET /RestoreSessions:1]" {
			t.Errorf("v%d: names alone cost %v", v, calls)
		}
		if _, calls := g.Calls(t, `{ restoreSessions(first: 5) { nodes { events(first: 2) { nodes { itemName } } } } }`, nil); fmt.Sprint(calls) != "map[GET /RestoreSessions:1 GET /RestoreSessions/{id}/Events:5]" {
			t.Errorf("v%d: events of 5 sessions cost %v", v, calls)
		}
	}
}

// TestFiltersGiveTheSameOnEveryVersion: what the upstream filters on one
// version and the gateway on another comes out the same, page by page,
// forwards and backwards.
func TestFiltersGiveTheSameOnEveryVersion(t *testing.T) {
	t.Parallel()
	want := map[string][]string{}
	same := func(v int, what string, got []string) {
		if len(got) == 0 || want[what] != nil && !slices.Equal(got, want[what]) {
			t.Errorf("v%d: %s %v, want %v", v, what, got, want[what])
		}
		want[what] = got
	}
	for _, v := range []int{3, 6, 7, 8} {
		g := testenv.Start(t, testenv.Options{Version: v})
		env := g.Env
		if v >= 6 {
			q := fmt.Sprintf(`{ restorePoints(%%s, jobId: %q, backedUpAfter: "2026-10-10T00:00:00Z", backedUpBefore: "2026-10-25T00:00:00Z", copy: false) %%s }`, env.Sim.JobIDs()[0])
			same(v, "restore points", walkBoth(t, g, q, "backupTime", "restorePoints"))
		}
		q := `{ restoreSessions(%s, startedAfter: "2026-10-10T00:00:00Z", startedBefore: "2026-10-25T00:00:00Z") %s }`
		same(v, "restore sessions", walkBoth(t, g, q, "id", "restoreSessions"))
		if v >= 7 {
			q := fmt.Sprintf(`{ jobSession(id: %q) { processedObjects(%%s, status: SUCCESS) %%s } }`, env.Sim.SessionIDsWithStatus("Warning")[0])
			same(v, "processed objects", walkBoth(t, g, q, "id", "jobSession", "processedObjects"))
		}
	}
}

// walkBoth pages through a connection two items at a time forwards, then
// backwards, checks that both ways give the same items, and returns their
// field. query has two %s: the page's arguments and its selection; path
// leads from data to the connection.
func walkBoth(t *testing.T, g *testenv.Gateway, query, field string, path ...string) []string {
	t.Helper()
	type page struct {
		Nodes    []map[string]string
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       string
		}
	}
	get := func(args string) page {
		r := g.Do(t, fmt.Sprintf(query, args, "{ nodes { "+field+" } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }"), nil)
		raw := r.Data
		for _, key := range path {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil || len(r.Errors) > 0 {
				t.Fatalf("%v: %s", err, r.Raw)
			}
			raw = m[key]
		}
		var p page
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var forwards, backwards []string
	for args := "first: 2"; ; {
		p := get(args)
		for _, n := range p.Nodes {
			forwards = append(forwards, n[field])
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		args = fmt.Sprintf("first: 2, after: %q", p.PageInfo.EndCursor)
	}
	for args := "last: 2"; ; {
		p := get(args)
		var nodes []string
		for _, n := range p.Nodes {
			nodes = append(nodes, n[field])
		}
		backwards = append(nodes, backwards...)
		if !p.PageInfo.HasPreviousPage {
			break
		}
		args = fmt.Sprintf("last: 2, before: %q", p.PageInfo.StartCursor)
	}
	if !slices.Equal(forwards, backwards) {
		t.Errorf("%s: forwards %v, backwards %v", path, forwards, backwards)
	}
	return forwards
}

// TestFinishedSessionsPartsAreKept: with sharing on, a finished session's
// processed objects are served from the cache the second time; a running
// session's are asked again once their second has passed.
func TestFinishedSessionsPartsAreKept(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock()
	g := testenv.Start(t, testenv.Options{Clock: clock.Now, Client: func(o *upstream.Options) { o.Now = clock.Now }})
	env := g.Env
	q := `query($id: ID!) { jobSession(id: $id) { status processedObjects { totalCount } } }`
	finished := map[string]any{"id": env.Sim.SessionIDsWithStatus("Success")[0]}
	running := map[string]any{"id": env.Sim.LiveSessionIDs()[0]}
	g.Calls(t, q, finished)
	g.Calls(t, q, running)
	clock.Add(2 * time.Second)
	// Another text, so that the whole answer (kept on the real clock) is not reused.
	q = `query Again($id: ID!) { jobSession(id: $id) { status processedObjects { totalCount } } }`
	if _, calls := g.Calls(t, q, finished); testenv.Total(calls) != 0 {
		t.Errorf("a finished session's objects asked again: %v", calls)
	}
	if _, calls := g.Calls(t, q, running); calls["GET /JobSessions/{id}/ProcessedObjects"] != 1 {
		t.Errorf("a running session's objects were not asked again: %v", calls)
	}
}
