package resolvers_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

type connPage struct {
	TotalCount *int
	Edges      []struct {
		Cursor string
		Node   struct {
			ID           string
			Status       string
			JobType      *string
			CreationTime time.Time
			JobID        *string
		}
	}
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
}

func sessionsPage(t *testing.T, g *testenv.Gateway, args string, given map[string]any) connPage {
	t.Helper()
	vars := map[string]any{}
	for k, v := range given {
		vars[k] = v
	}
	var decls []string
	for name, typ := range map[string]string{"after": "String", "before": "String", "job": "ID"} {
		if strings.Contains(args, "$"+name) {
			decls = append(decls, "$"+name+": "+typ)
		} else {
			delete(vars, name)
		}
	}
	header := ""
	if len(decls) > 0 {
		header = "query(" + strings.Join(decls, ", ") + ")"
	}
	r := g.Do(t, header+` { jobSessions(`+args+`) {
		totalCount edges { cursor node { id status jobType creationTime jobId } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %s", args, r.Raw)
	}
	var d struct{ JobSessions connPage }
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d.JobSessions
}

func ids(p connPage) []string {
	out := make([]string, len(p.Edges))
	for i, e := range p.Edges {
		out[i] = e.Node.ID
	}
	return out
}

// walk pages through a filtered listing forwards and backwards and checks
// that both give the same sessions, in order, with no gap and no duplicate.
func walk(t *testing.T, g *testenv.Gateway, filter string, vars map[string]any) []string {
	t.Helper()
	if vars == nil {
		vars = map[string]any{}
	}
	var forward []string
	vars["after"] = nil
	for pages := 0; ; pages++ {
		p := sessionsPage(t, g, "first: 37, after: $after"+filter, vars)
		forward = append(forward, ids(p)...)
		if pages > 0 != p.PageInfo.HasPreviousPage {
			t.Fatalf("page %d: hasPreviousPage %v", pages, p.PageInfo.HasPreviousPage)
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		vars["after"] = *p.PageInfo.EndCursor
	}
	var backward []string
	delete(vars, "after")
	vars["before"] = nil
	for pages := 0; ; pages++ {
		p := sessionsPage(t, g, "last: 41, before: $before"+filter, vars)
		backward = append(ids(p), backward...)
		if pages > 0 != p.PageInfo.HasNextPage {
			t.Fatalf("backward page %d: hasNextPage %v", pages, p.PageInfo.HasNextPage)
		}
		if !p.PageInfo.HasPreviousPage {
			break
		}
		vars["before"] = *p.PageInfo.StartCursor
	}
	delete(vars, "before")
	if !slices.Equal(forward, backward) {
		t.Fatalf("%s: forwards %d sessions, backwards %d, not the same", filter, len(forward), len(backward))
	}
	seen := map[string]bool{}
	for _, id := range forward {
		if seen[id] {
			t.Fatalf("%s: %s twice", filter, id)
		}
		seen[id] = true
	}
	return forward
}

func TestPaginationWalksForwardsAndBackwards(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 6, 8} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
			if got := walk(t, g, "", nil); !slices.Equal(got, g.Sim.SessionIDs()) {
				t.Errorf("walked %d sessions, want the simulator's %d in order", len(got), len(g.Sim.SessionIDs()))
			}
			// last without before counts first: one call where the upstream tells its total.
			_, calls := g.Calls(t, `{ jobSessions(last: 5) { edges { node { id } } } }`, nil)
			want := 2 // the count (from totalCount) and the page
			switch {
			case v <= 4:
				want = 1 // a bare array: count and page read the same answer, fetched once per request
			case v == 8:
				want = 3 // v8 tells no total: the count walks the list in pages of 10,000
			}
			if testenv.Total(calls) != want {
				t.Errorf("last: 5 cost %v, want %d calls", calls, want)
			}
			// The log and the job listing page both ways too.
			r := g.Do(t, `query($id: ID!) { jobSession(id: $id) { first: log(first: 2) { edges { cursor node { usn } } }
				last: log(last: 2) { edges { node { usn } } pageInfo { hasNextPage hasPreviousPage } } } jobs(last: 3) { nodes { id } pageInfo { hasPreviousPage } } }`,
				map[string]any{"id": g.Sim.SessionIDs()[9]})
			if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"hasNextPage":false,"hasPreviousPage":true`) || !strings.Contains(string(r.Data), g.Sim.JobIDs()[11]) {
				t.Errorf("log and jobs backwards: %s", r.Raw)
			}
		})
	}
}

func TestFiltersGiveTheSameAnswerOnEveryVersion(t *testing.T) {
	t.Parallel()
	job := "8ce1146b-ce68-5c16-a190-81ac10c9beb1" // "SharePoint - Sites"
	cases := []struct {
		name, args string
		versions   []int
		check      func(n connNode) bool
	}{
		{"failed", ", status: FAILED", testVersions, func(n connNode) bool { return n.Status == "FAILED" }},
		{"running", ", status: RUNNING", testVersions, func(n connNode) bool { return n.Status == "RUNNING" }},
		{"warning in the last 5 days", `, status: WARNING, createdAfter: "2026-10-27T12:00:00Z"`, testVersions,
			func(n connNode) bool {
				return n.Status == "WARNING" && !n.CreationTime.Before(testenv.Anchor.AddDate(0, 0, -5))
			}},
		{"a time window", `, createdAfter: "2026-10-29T12:00:00Z", createdBefore: "2026-10-31T12:00:00Z"`, testVersions,
			func(n connNode) bool {
				return !n.CreationTime.Before(testenv.Anchor.AddDate(0, 0, -3)) && !n.CreationTime.After(testenv.Anchor.AddDate(0, 0, -1))
			}},
		{"one job's successes", `, jobId: $job, status: SUCCESS`, testVersions,
			func(n connNode) bool { return n.Status == "SUCCESS" && *n.JobID == job }},
		{"one job, recent", `, jobId: $job, createdAfter: "2026-10-22T12:00:00Z"`, testVersions,
			func(n connNode) bool { return *n.JobID == job }},
		{"queued: none", ", status: QUEUED", testVersions, func(connNode) bool { return false }},
		{"copy jobs", ", jobType: COPY", []int{6, 7, 8}, func(connNode) bool { return true }},
		{"recent backups of one job", `, jobId: $job, jobType: BACKUP, createdAfter: "2026-10-25T12:00:00Z"`, []int{6, 7, 8},
			func(n connNode) bool { return *n.JobID == job }},
	}
	gateways := map[int]*testenv.Gateway{}
	for _, v := range testVersions {
		gateways[v] = testenv.Start(t, testenv.Options{Version: v, Unshared: true})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want []string
			for _, v := range c.versions {
				g := gateways[v]
				got := walk(t, g, c.args, map[string]any{"job": job})
				p := sessionsPage(t, g, "first: 1000"+c.args, map[string]any{"job": job})
				for _, e := range p.Edges {
					if !c.check(connNode(e.Node)) {
						t.Errorf("v%d: %+v does not match the filter", v, e.Node)
					}
				}
				if p.TotalCount != nil && *p.TotalCount != len(got) {
					t.Errorf("v%d: totalCount %d, but %d sessions", v, *p.TotalCount, len(got))
				}
				if want == nil {
					want = got
					continue
				}
				if !slices.Equal(got, want) {
					t.Errorf("v%d gives %d sessions, v%d gave %d", v, len(got), c.versions[0], len(want))
				}
			}
			if c.name != "queued: none" && len(want) == 0 {
				t.Error("the filter matched nothing: the test would prove little")
			}
		})
	}
}

type connNode = struct {
	ID           string
	Status       string
	JobType      *string
	CreationTime time.Time
	JobID        *string
}
