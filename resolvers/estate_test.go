package resolvers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// qDashboard is the community dashboard's query (see the file), shared
// with the load run in bench/cmd/bench so both measure the same thing.
var qDashboard = func() string {
	b, err := os.ReadFile("../bench/dashboard.graphql")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// restDashboard gathers the same data as a REST script does, one call per
// object, and returns the calls it made.
func restDashboard(t *testing.T, env *testenv.Env) int {
	t.Helper()
	v := fmt.Sprintf("/v%d", env.Sim.Version())
	tok := env.Token(t)
	items := func(path string) []map[string]any { return env.Items(t, v+path, tok) }
	href := func(o map[string]any, rel string) string {
		links, _ := o["_links"].(map[string]any)
		l, _ := links[rel].(map[string]any)
		h, _ := l["href"].(string)
		return h[strings.Index(strings.ToLower(h), strings.ToLower(v))+len(v):]
	}
	env.Sim.ResetCalls()
	if env.Sim.Version() >= 6 {
		env.Get(t, v+"/ServiceInstance", tok)
	}
	for _, o := range items("/Organizations") {
		env.Get(t, v+"/Organizations/"+o["id"].(string)+"/LicensingInformation", tok)
	}
	for _, r := range items("/BackupRepositories") {
		env.Get(t, v+href(r, "proxy"), tok)
	}
	items("/Proxies")
	items("/Jobs")
	for _, s := range items("/JobSessions?limit=50")[:50] {
		_, body := env.Get(t, v+href(s, "job"), tok)
		var job map[string]any
		_ = json.Unmarshal([]byte(body), &job)
		env.Get(t, v+href(job, "backupRepository"), tok)
		env.Get(t, v+href(job, "organization"), tok)
	}
	calls := env.Sim.Calls()
	delete(calls, "POST /Token")
	return testenv.Total(calls)
}

// TestDashboardCostsOneCallPerCollection: the community dashboard's data in
// one query costs one call per collection plus one per organization for its
// licensing, on every version, shared or not; the REST script's walk of the
// same data costs a call per object.
func TestDashboardCostsOneCallPerCollection(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 6, 8} {
		for _, unshared := range []bool{true, false} {
			t.Run(fmt.Sprintf("v%d/unshared=%v", v, unshared), func(t *testing.T) {
				g := testenv.Start(t, testenv.Options{Version: v, Unshared: unshared})
				env := g.Env
				r, calls := g.Calls(t, qDashboard, nil)
				if len(r.Errors) > 0 {
					t.Fatalf("%s", r.Raw)
				}
				var data struct {
					Organizations struct {
						Nodes []struct{ Licensing struct{ LicensedUsers int } }
					}
					JobSessions struct {
						Nodes []struct {
							Repository   *struct{ Name string }
							Organization *struct{ Name string }
						}
					}
				}
				if err := json.Unmarshal(r.Data, &data); err != nil || len(data.Organizations.Nodes) != 3 || len(data.JobSessions.Nodes) != 50 {
					t.Fatalf("%v %.400s", err, r.Raw)
				}
				for i, s := range data.JobSessions.Nodes {
					if s.Repository == nil || s.Organization == nil {
						t.Errorf("session %d lacks its repository or organization", i)
					}
				}
				orgs := len(env.Sim.OrganizationIDs())
				for route, n := range calls {
					if want := 1; route == "GET /Organizations/{id}/LicensingInformation" && n != orgs || route != "GET /Organizations/{id}/LicensingInformation" && n > want {
						t.Errorf("%s: %d calls", route, n)
					}
				}
				rest := restDashboard(t, env)
				t.Logf("v%d: the dashboard query cost %d calls %v; the REST script's walk %d", v, testenv.Total(calls), calls, rest)
				if testenv.Total(calls) > 9 || rest < 150 {
					t.Errorf("%d calls in one query against %d by the REST walk", testenv.Total(calls), rest)
				}
			})
		}
	}
}

// TestNothingUnselectedIsFetched: asking for organizations' names alone
// costs the organization listing and nothing else.
func TestNothingUnselectedIsFetched(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{Unshared: true})
	_, calls := g.Calls(t, `{ organizations { nodes { name } } }`, nil)
	if fmt.Sprint(calls) != "map[GET /Organizations:1]" {
		t.Errorf("organization names cost %v", calls)
	}
	_, calls = g.Calls(t, `{ backupRepositories { nodes { name proxy { hostName } } } }`, nil)
	if fmt.Sprint(calls) != "map[GET /BackupRepositories:1 GET /Proxies:1]" {
		t.Errorf("repositories with their proxies cost %v", calls)
	}
}

// TestLookupsJoinTheWholeListing: when an operation lists a whole
// collection, its lookups by id wait for that listing rather than GET each
// item, however slow the listing and however few the ids in a batch.
func TestLookupsJoinTheWholeListing(t *testing.T) {
	slowList := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v8/Jobs" || r.URL.Path == "/v8/BackupRepositories" {
				time.Sleep(300 * time.Millisecond)
			}
			h.ServeHTTP(w, r)
		})
	}
	for _, unshared := range []bool{true, false} {
		g := testenv.Start(t, testenv.Options{Unshared: unshared, Wrap: slowList})
		env := g.Env
		id := env.Sim.SessionIDs()[0]
		r, calls := g.Calls(t, `query($id: ID!) { jobs { totalCount } backupRepositories { totalCount }
			jobSession(id: $id) { job { name } repository { name } } }`, map[string]any{"id": id})
		if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":"`) {
			t.Fatalf("%s", r.Raw)
		}
		if want := "map[GET /BackupRepositories:1 GET /JobSessions/{id}:1 GET /Jobs:1]"; fmt.Sprint(calls) != want {
			t.Errorf("unshared=%v: %v, want %s", unshared, calls, want)
		}
	}
}

// TestWhatAVersionLacks: a list the version does not serve is a
// NOT_SUPPORTED_BY_VERSION error; a field it does not serve is null; the
// rest of the answer arrives.
func TestWhatAVersionLacks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		version int
		codes   string
	}{
		{3, "copyJobs=NOT_SUPPORTED_BY_VERSION organizations.nodes.0.usedRepositories=NOT_SUPPORTED_BY_VERSION proxyPools=NOT_SUPPORTED_BY_VERSION"},
		{6, "proxyPools=NOT_SUPPORTED_BY_VERSION"},
		{8, ""},
	} {
		g := testenv.Start(t, testenv.Options{Version: c.version})
		r := g.Do(t, `{ server { version productVersion health { status } } organizations(first: 1) { nodes { name usedRepositories { usedSpaceBytes } } }
			proxyPools { totalCount } copyJobs { totalCount } jobs(first: 1) { nodes { copyJob { name } } } proxies(first: 1) { nodes { pool { name } } } }`, nil)
		var got []string
		for _, e := range r.Errors {
			var path []string
			for _, p := range e.Path {
				path = append(path, fmt.Sprint(p))
			}
			got = append(got, strings.Join(path, ".")+"="+fmt.Sprint(e.Extensions["code"]))
		}
		slices.Sort(got)
		if strings.Join(got, " ") != c.codes || !strings.Contains(string(r.Data), `"version":"v`) {
			t.Errorf("v%d: %s", c.version, r.Raw)
		}
	}
}
