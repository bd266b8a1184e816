package resolvers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

const (
	qSessionOnly  = `query($id: ID!) { jobSession(id: $id) { id status progress creationTime endTime } }`
	qSessionStats = `query($id: ID!) { jobSession(id: $id) { id status statistics { processingRateBytesPS processingRateItemsPS readRateBytesPS writeRateBytesPS transferredDataBytes processedObjects bottleneck } } }`
	qSessionDeep  = `query($id: ID!) { jobSession(id: $id) { id status job { id name lastStatus } log(first: 5) { totalCount nodes { usn title type message } } } }`
	qList50       = `{ jobSessions(first: 50) { totalCount edges { cursor node { id status job { id name } } } pageInfo { hasNextPage endCursor } } }`
)

var testVersions = []int{3, 4, 5, 6, 7, 8}

func TestUpstreamCallsPerQuery(t *testing.T) {
	for _, v := range testVersions {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			g := testenv.Start(t, testenv.Options{Version: v, Unshared: true})
			id := g.Sim.SessionIDs()[7]
			vars := map[string]any{"id": id}

			r, calls := g.Calls(t, qSessionOnly, vars)
			if len(r.Errors) > 0 || !strings.Contains(string(r.Data), id) {
				t.Fatalf("session: %s", r.Raw)
			}
			if testenv.Total(calls) != 1 || calls["GET /JobSessions/{id}"] != 1 {
				t.Errorf("a session without links cost %v, want one GET /JobSessions/{id}", calls)
			}

			r, calls = g.Calls(t, qSessionStats, vars)
			if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"transferredDataBytes":`) {
				t.Fatalf("stats: %s", r.Raw)
			}
			if testenv.Total(calls) != 1 || calls["GET /JobSessions/{id}"] != 1 {
				t.Errorf("a session with statistics cost %v, want one GET", calls)
			}

			r, calls = g.Calls(t, qSessionDeep, vars)
			if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":`) || !strings.Contains(string(r.Data), `"usn":1`) {
				t.Fatalf("deep: %s", r.Raw)
			}
			want := map[string]int{"GET /JobSessions/{id}": 1, "GET /Jobs/{id}": 1, "GET /JobSessions/{id}/LogItems": 1}
			if fmt.Sprint(calls) != fmt.Sprint(want) {
				t.Errorf("session + job + log cost %v, want %v (and never the v3 /log link)", calls, want)
			}

			r, calls = g.Calls(t, qList50, nil)
			var data struct {
				JobSessions struct {
					Edges []struct {
						Node struct {
							ID  string
							Job struct{ ID, Name string }
						}
					}
				}
			}
			if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 || len(data.JobSessions.Edges) != 50 {
				t.Fatalf("list: %v %s", err, r.Raw)
			}
			jobs := map[string]bool{}
			for i, e := range data.JobSessions.Edges {
				if e.Node.ID != g.Sim.SessionIDs()[i] || e.Node.Job.ID != g.Sim.JobOf(e.Node.ID) || e.Node.Job.Name == "" {
					t.Fatalf("edge %d: %+v", i, e.Node)
				}
				jobs[e.Node.Job.ID] = true
			}
			if len(jobs) != 12 {
				t.Fatalf("the 50 newest sessions share %d jobs; the test wants 12", len(jobs))
			}
			listRoute := "GET /JobSessions"
			if testenv.Total(calls) > 1+len(jobs) || calls[listRoute] != 1 || calls["GET /JobSessions/{id}"] != 0 {
				t.Errorf("50 sessions of %d jobs cost %v, want one listing plus at most %d", len(jobs), calls, len(jobs))
			}
			t.Logf("50 sessions with their jobs: %d calls %v", testenv.Total(calls), calls)
		})
	}
}

// TestJobCallsAreConcurrent turns the job listing off, so each job costs its
// own GET: the 12 GETs must overlap (bounded), not run one after another.
func TestJobCallsAreConcurrent(t *testing.T) {
	g := testenv.Start(t, testenv.Options{Version: 8, Latency: 10 * time.Millisecond, Client: testenv.NoListing, Unshared: true})
	r, calls := g.Calls(t, qList50, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("%s", r.Raw)
	}
	if calls["GET /JobSessions"] != 1 || calls["GET /Jobs/{id}"] != 12 || testenv.Total(calls) != 13 {
		t.Errorf("50 sessions of 12 jobs cost %v, want 1 + 12", calls)
	}
	if m := g.Sim.MaxInFlight(); m < 2 || m > 8 {
		t.Errorf("%d upstream calls were in flight at most; want them concurrent (2..8)", m)
	}
}

func TestErrorsHaveStableCodes(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{Version: 8, Client: testenv.NoListing, Unshared: true})
	cases := []struct {
		name, query string
		vars        map[string]any
		code        string
		upstream    int // calls expected
	}{
		{"malformed id", qSessionOnly, map[string]any{"id": "../../Jobs"}, "BAD_USER_INPUT", 0},
		{"unknown id", qSessionOnly, map[string]any{"id": "00000000-0000-0000-0000-000000000000"}, "NOT_FOUND", 1},
		{"page too large", `{ jobSessions(first: 5000) { totalCount } }`, nil, "BAD_USER_INPUT", 0},
		{"forged cursor", `{ jobSessions(after: "bm9wZQ") { totalCount } }`, nil, "BAD_USER_INPUT", 0},
		{"syntax error", `{ jobSession(id: `, nil, "GRAPHQL_PARSE_FAILED", 0},
		{"unknown field", `{ jobSessions { secret } }`, nil, "GRAPHQL_VALIDATION_FAILED", 0},
	}
	for _, c := range cases {
		r, calls := g.Calls(t, c.query, c.vars)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != c.code {
			t.Errorf("%s: %s, want one error with code %s", c.name, r.Raw, c.code)
		}
		if testenv.Total(calls) != c.upstream {
			t.Errorf("%s: %d upstream calls %v, want %d", c.name, testenv.Total(calls), calls, c.upstream)
		}
		if bytes.Contains(r.Raw, []byte("http://")) || bytes.Contains(r.Raw, []byte("127.0.0.1")) {
			t.Errorf("%s: the response shows an upstream URL: %s", c.name, r.Raw)
		}
	}
	r := g.Do(t, qSessionOnly, map[string]any{"id": "00000000-0000-0000-0000-000000000000"})
	if string(r.Data) != `{"jobSession":null}` || fmt.Sprint(r.Errors[0].Path) != "[jobSession]" {
		t.Errorf("unknown id: %s", r.Raw)
	}
}

// TestPartialData: when one branch's upstream call fails, the rest of the
// answer still arrives, and the error names the failed path.
func TestPartialData(t *testing.T) {
	t.Parallel()
	failJobs := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(strings.ToLower(r.URL.Path), "/jobs/") {
				http.Error(w, `{"message":"Service Unavailable at http://10.0.0.5/internal"}`, http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	g := testenv.Start(t, testenv.Options{Version: 6, Wrap: failJobs, Client: testenv.NoListing, Unshared: true})
	id := g.Sim.SessionIDs()[2]
	r := g.Do(t, qSessionDeep, map[string]any{"id": id})
	if !strings.Contains(string(r.Data), id) || !strings.Contains(string(r.Data), `"job":null`) || !strings.Contains(string(r.Data), `"usn":1`) {
		t.Errorf("want the session and its log, with job null: %s", r.Data)
	}
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UPSTREAM_UNAVAILABLE" || fmt.Sprint(r.Errors[0].Path) != "[jobSession job]" {
		t.Errorf("errors: %+v", r.Errors)
	}
	if bytes.Contains(r.Raw, []byte("10.0.0.5")) {
		t.Errorf("the upstream's message leaked: %s", r.Raw)
	}
}

// TestUnknownEnumValuesDegrade: values a newer server sends map to UNKNOWN.
func TestUnknownEnumValuesDegrade(t *testing.T) {
	t.Parallel()
	id := "a8cf9a63-64c3-4748-9c95-b1fbac0cce1d"
	newer := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			if strings.HasSuffix(r.URL.Path, "/token") {
				_, _ = w.Write([]byte(`{"access_token":"t","refresh_token":"r","expires_in":3600}`))
				return
			}
			_, _ = fmt.Fprintf(w, `{"id":%q,"creationTime":"2026-01-01T00:00:00Z","progress":1,"status":"Hibernating","jobType":"Archive",
				"jobSessionConfigType":"Differential","statistics":{"bottleneck":"Network","transferredDataBytes":9007199254740993}}`, id)
		})
	}
	g := testenv.Start(t, testenv.Options{Version: 8, Wrap: newer, Client: testenv.NoListing, Unshared: true})
	r := g.Do(t, `query($id: ID!) { jobSession(id: $id) { status jobType configType statistics { bottleneck transferredDataBytes } } }`, map[string]any{"id": id})
	want := `{"jobSession":{"status":"UNKNOWN","jobType":"UNKNOWN","configType":"UNKNOWN","statistics":{"bottleneck":"UNKNOWN","transferredDataBytes":9007199254740993}}}`
	if string(r.Data) != want || len(r.Errors) > 0 {
		t.Errorf("got %s, want %s", r.Raw, want)
	}
}

// TestEntityErrorsNameTheRepresentation: of three representations, the
// two that name nothing this subgraph has are each an error that says which
// representation it was (index, type and key) on the path of its item; the
// one that resolves is answered.
func TestEntityErrorsNameTheRepresentation(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{Version: 8})
	missing := "00000000-0000-0000-0000-00000000beef"
	reps := []map[string]any{{"__typename": "Job", "id": g.Sim.JobIDs()[0]}, {"__typename": "JobSession", "id": missing}, {"__typename": "Job", "id": missing}}
	r := g.Do(t, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { name } ... on JobSession { status } } }`, map[string]any{"r": reps})
	want := map[string]string{
		"[_entities 1]": `representation 1 (JobSession "` + missing + `"): not found`,
		"[_entities 2]": `representation 2 (Job "` + missing + `"): not found`,
	}
	got := map[string]string{}
	for _, e := range r.Errors {
		got[fmt.Sprint(e.Path)] = e.Message
		if e.Extensions["code"] != "NOT_FOUND" {
			t.Errorf("%s: code %v", e.Message, e.Extensions["code"])
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || !strings.Contains(string(r.Data), `{"_entities":[{"name":`) {
		t.Errorf("got %s", r.Raw)
	}
}

// TestEntitiesAreBatched: a federation gateway asking for 99 sessions by
// key, with their jobs, and a job (100 representations, the default cap),
// costs 99 session GETs made concurrently (no endpoint takes several ids),
// one job GET and one job listing, not 199 serial calls.
func TestEntitiesAreBatched(t *testing.T) {
	g := testenv.Start(t, testenv.Options{Version: 8, Latency: 5 * time.Millisecond, Unshared: true})
	var reps []map[string]any
	for _, id := range g.Sim.SessionIDs()[:99] {
		reps = append(reps, map[string]any{"__typename": "JobSession", "id": id})
	}
	reps = append(reps, map[string]any{"__typename": "Job", "id": g.Sim.JobIDs()[4]})
	q := `query($r: [_Any!]!) { _entities(representations: $r) {
		... on JobSession { id status job { name } }
		... on Job { id name } } }`
	r, calls := g.Calls(t, q, map[string]any{"r": reps})
	var data struct {
		Entities []struct {
			ID, Status string
			Name       string
			Job        *struct{ Name string }
		} `json:"_entities"`
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 || len(data.Entities) != 100 {
		t.Fatalf("%v %.500s", err, r.Raw)
	}
	for i, e := range data.Entities[:99] {
		if e.ID != g.Sim.SessionIDs()[i] || e.Status == "" || e.Job == nil || e.Job.Name == "" {
			t.Fatalf("entity %d: %+v", i, e)
		}
	}
	if data.Entities[99].Name == "" {
		t.Errorf("the job entity: %+v", data.Entities[99])
	}
	// The job entity is fetched with the sessions (its own GET); the sessions'
	// jobs one level down, together (one listing).
	want := map[string]int{"GET /JobSessions/{id}": 99, "GET /Jobs": 1, "GET /Jobs/{id}": 1}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("100 representations cost %v, want %v", calls, want)
	}
	if m := g.Sim.MaxInFlight(); m < 2 || m > 8 {
		t.Errorf("at most %d calls were in flight; want them concurrent, bounded by 8", m)
	}
	t.Logf("_entities with 100 representations: %v, at most %d at once", calls, g.Sim.MaxInFlight())

	sdl := g.Do(t, `{ _service { sdl } }`, nil)
	for _, want := range []string{`type JobSession implements Node @key(fields: \"id\")`, `type Job implements Node @key(fields: \"id\")`, "federation/v2"} {
		if !strings.Contains(string(sdl.Raw), want) {
			t.Errorf("_service.sdl lacks %s", want)
		}
	}
}

// TestListsUnderLoadCostWhatTheyCostIdle runs many operations at once, each
// paying its own calls, on the shipped batch wait: the fields of a page's
// items then run late and apart, yet the page's jobs stay one batch.
func TestListsUnderLoadCostWhatTheyCostIdle(t *testing.T) {
	g := testenv.Start(t, testenv.Options{Unshared: true, Handler: func(o *graphqlhttp.Options) {
		o.BatchWait = graphqlhttp.DefaultOptions().BatchWait
	}})
	for _, c := range []struct {
		query string
		calls int // each: the sessions page, the job listing, the organizations
	}{
		{`{ jobSessions(first: 50) { nodes { id status } } }`, 1},
		{qList50, 2},
		{`{ jobSessions(first: 50) { nodes { id organization { name } } } }`, 3},
	} {
		const clients, each = 32, 4
		g.Sim.ResetCalls()
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for range each {
					if r := g.Do(t, c.query, nil); len(r.Errors) > 0 {
						t.Errorf("%s", r.Raw)
					}
				}
			})
		}
		wg.Wait()
		calls := g.Sim.Calls()
		delete(calls, "POST /Token")
		if got := testenv.Total(calls); got != c.calls*clients*each {
			t.Errorf("%s: %d calls for %d operations, want %d each: %v", c.query, got, clients*each, c.calls, calls)
		}
	}
}

// batchCount counts loader batches by loader.
type batchCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (b *batchCount) LoaderBatch(loader string, _ int)              { b.mu.Lock(); b.n[loader]++; b.mu.Unlock() }
func (b *batchCount) Action(string, string)                         {}
func (b *batchCount) Refused(string)                                {}
func (b *batchCount) CrossOriginRefused()                           {}
func (b *batchCount) Operation(string, string, bool, time.Duration) {}

// TestLookupsTheCacheHoldsSkipTheBatchWindow: a session or job the cache
// holds is served without a loader batch, so without waiting out the batch
// window first, however it is reached.
func TestLookupsTheCacheHoldsSkipTheBatchWindow(t *testing.T) {
	obs := &batchCount{n: map[string]int{}}
	g := testenv.Start(t, testenv.Options{Handler: func(o *graphqlhttp.Options) {
		o.OperationCacheBytes = 0 // every operation runs its resolvers
		o.Observer = obs
	}})
	id := g.Sim.SessionIDs()[7] // finished: kept an hour
	vars := map[string]any{"id": id, "job": g.Sim.JobOf(id)}
	if r := g.Do(t, `query($id: ID!) { jobSession(id: $id) { id job { id } } }`, vars); len(r.Errors) > 0 {
		t.Fatalf("%s", r.Raw)
	}
	obs.mu.Lock()
	clear(obs.n)
	obs.mu.Unlock()
	r, calls := g.Calls(t, `query($id: ID!, $job: ID!) { jobSession(id: $id) { status } job(id: $job) { name } }`, vars)
	if len(r.Errors) > 0 || testenv.Total(calls) != 0 {
		t.Fatalf("calls %v: %s", calls, r.Raw)
	}
	if obs.n["sessions"] != 0 || obs.n["jobs"] != 0 {
		t.Errorf("loader batches %v for what the cache holds", obs.n)
	}
	// Every path to a session or a job, not only the lookups by id: here
	// the session's organization, found through its job.
	if r := g.Do(t, `query($id: ID!) { jobSession(id: $id) { organization { name } } }`, vars); len(r.Errors) > 0 {
		t.Fatalf("%s", r.Raw)
	}
	if obs.n["sessions"] != 0 || obs.n["jobs"] != 0 || obs.n["organizations"] != 1 {
		t.Errorf("loader batches %v: want one, of organizations", obs.n)
	}
}
