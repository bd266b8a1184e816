package resolvers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/resolvers"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

var anchor = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// gateway is the whole GraphQL handler over a simulator on loopback HTTP.
type gateway struct {
	sim     *vb365sim.Server
	client  *upstream.Client
	handler http.Handler
}

type gatewayOptions struct {
	version          int
	jobListThreshold int
	latency          time.Duration
	wrap             func(http.Handler) http.Handler // sits between client and simulator
	share            bool                            // cross-request sharing (off: each query pays its own calls)
}

func newGateway(t testing.TB, o gatewayOptions) *gateway {
	t.Helper()
	sim := vb365sim.New(vb365sim.Options{Version: o.version, Anchor: anchor, Now: func() time.Time { return anchor }, Latency: o.latency})
	var up http.Handler = sim
	if o.wrap != nil {
		up = o.wrap(sim)
	}
	ts := httptest.NewServer(up)
	t.Cleanup(ts.Close)
	user, pass := sim.Credentials()
	client, err := upstream.New(upstream.Options{BaseURL: ts.URL, Version: o.version, Username: user, Password: pass,
		JobListThreshold: o.jobListThreshold, Timeout: 5 * time.Second, Sharing: upstream.Sharing{Off: !o.share}})
	if err != nil {
		t.Fatal(err)
	}
	opts := resolvers.HandlerOptions{BatchWait: time.Millisecond}
	if o.share {
		opts.OperationCacheBytes = 16 << 20
	}
	return &gateway{sim: sim, client: client, handler: resolvers.NewHandler(client, opts)}
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
	raw    []byte
}

func (g *gateway) do(t testing.TB, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	g.handler.ServeHTTP(rec, req)
	var r gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, rec.Body.String())
	}
	r.raw = rec.Body.Bytes()
	return r
}

// calls runs the query and returns the upstream calls it cost (logins aside).
func (g *gateway) calls(t testing.TB, query string, vars map[string]any) (gqlResponse, map[string]int) {
	t.Helper()
	g.sim.ResetCalls()
	r := g.do(t, query, vars)
	calls := g.sim.Calls()
	delete(calls, "POST /Token")
	return r, calls
}

func total(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
}

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
			g := newGateway(t, gatewayOptions{version: v, jobListThreshold: 3})
			id := g.sim.SessionIDs()[7]
			vars := map[string]any{"id": id}

			r, calls := g.calls(t, qSessionOnly, vars)
			if len(r.Errors) > 0 || !strings.Contains(string(r.Data), id) {
				t.Fatalf("session: %s", r.raw)
			}
			if total(calls) != 1 || calls["GET /JobSessions/{id}"] != 1 {
				t.Errorf("a session without links cost %v, want one GET /JobSessions/{id}", calls)
			}

			r, calls = g.calls(t, qSessionStats, vars)
			if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"transferredDataBytes":`) {
				t.Fatalf("stats: %s", r.raw)
			}
			if total(calls) != 1 || calls["GET /JobSessions/{id}"] != 1 {
				t.Errorf("a session with statistics cost %v, want one GET", calls)
			}

			r, calls = g.calls(t, qSessionDeep, vars)
			if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"name":`) || !strings.Contains(string(r.Data), `"usn":1`) {
				t.Fatalf("deep: %s", r.raw)
			}
			want := map[string]int{"GET /JobSessions/{id}": 1, "GET /Jobs/{id}": 1, "GET /JobSessions/{id}/LogItems": 1}
			if fmt.Sprint(calls) != fmt.Sprint(want) {
				t.Errorf("session + job + log cost %v, want %v (and never the v3 /log link)", calls, want)
			}

			r, calls = g.calls(t, qList50, nil)
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
				t.Fatalf("list: %v %s", err, r.raw)
			}
			jobs := map[string]bool{}
			for i, e := range data.JobSessions.Edges {
				if e.Node.ID != g.sim.SessionIDs()[i] || e.Node.Job.ID != g.sim.JobOf(e.Node.ID) || e.Node.Job.Name == "" {
					t.Fatalf("edge %d: %+v", i, e.Node)
				}
				jobs[e.Node.Job.ID] = true
			}
			if len(jobs) != 12 {
				t.Fatalf("the 50 newest sessions share %d jobs; the test wants 12", len(jobs))
			}
			listRoute := "GET /JobSessions"
			if total(calls) > 1+len(jobs) || calls[listRoute] != 1 || calls["GET /JobSessions/{id}"] != 0 {
				t.Errorf("50 sessions of %d jobs cost %v, want one listing plus at most %d", len(jobs), calls, len(jobs))
			}
			t.Logf("50 sessions with their jobs: %d calls %v", total(calls), calls)
		})
	}
}

// TestJobCallsAreConcurrent turns the job listing off, so each job costs its
// own GET: the 12 GETs must overlap (bounded), not run one after another.
func TestJobCallsAreConcurrent(t *testing.T) {
	g := newGateway(t, gatewayOptions{version: 8, latency: 10 * time.Millisecond})
	r, calls := g.calls(t, qList50, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("%s", r.raw)
	}
	if calls["GET /JobSessions"] != 1 || calls["GET /Jobs/{id}"] != 12 || total(calls) != 13 {
		t.Errorf("50 sessions of 12 jobs cost %v, want 1 + 12", calls)
	}
	if m := g.sim.MaxInFlight(); m < 2 || m > 8 {
		t.Errorf("%d upstream calls were in flight at most; want them concurrent (2..8)", m)
	}
}

func TestErrorsHaveStableCodes(t *testing.T) {
	g := newGateway(t, gatewayOptions{version: 8})
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
		r, calls := g.calls(t, c.query, c.vars)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != c.code {
			t.Errorf("%s: %s, want one error with code %s", c.name, r.raw, c.code)
		}
		if total(calls) != c.upstream {
			t.Errorf("%s: %d upstream calls %v, want %d", c.name, total(calls), calls, c.upstream)
		}
		if bytes.Contains(r.raw, []byte("http://")) || bytes.Contains(r.raw, []byte("127.0.0.1")) {
			t.Errorf("%s: the response shows an upstream URL: %s", c.name, r.raw)
		}
	}
	r := g.do(t, qSessionOnly, map[string]any{"id": "00000000-0000-0000-0000-000000000000"})
	if string(r.Data) != `{"jobSession":null}` || fmt.Sprint(r.Errors[0].Path) != "[jobSession]" {
		t.Errorf("unknown id: %s", r.raw)
	}
}

// TestPartialData: when one branch's upstream call fails, the rest of the
// answer still arrives, and the error names the failed path.
func TestPartialData(t *testing.T) {
	failJobs := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(strings.ToLower(r.URL.Path), "/jobs/") {
				http.Error(w, `{"message":"Service Unavailable at http://10.0.0.5/internal"}`, http.StatusServiceUnavailable)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	g := newGateway(t, gatewayOptions{version: 6, wrap: failJobs})
	id := g.sim.SessionIDs()[2]
	r := g.do(t, qSessionDeep, map[string]any{"id": id})
	if !strings.Contains(string(r.Data), id) || !strings.Contains(string(r.Data), `"job":null`) || !strings.Contains(string(r.Data), `"usn":1`) {
		t.Errorf("want the session and its log, with job null: %s", r.Data)
	}
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UPSTREAM_UNAVAILABLE" || fmt.Sprint(r.Errors[0].Path) != "[jobSession job]" {
		t.Errorf("errors: %+v", r.Errors)
	}
	if bytes.Contains(r.raw, []byte("10.0.0.5")) {
		t.Errorf("the upstream's message leaked: %s", r.raw)
	}
}

// TestUnknownEnumValuesDegrade: values a newer server sends map to UNKNOWN.
func TestUnknownEnumValuesDegrade(t *testing.T) {
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
	g := newGateway(t, gatewayOptions{version: 8, wrap: newer})
	r := g.do(t, `query($id: ID!) { jobSession(id: $id) { status jobType configType statistics { bottleneck transferredDataBytes } } }`, map[string]any{"id": id})
	want := `{"jobSession":{"status":"UNKNOWN","jobType":"UNKNOWN","configType":"UNKNOWN","statistics":{"bottleneck":"UNKNOWN","transferredDataBytes":9007199254740993}}}`
	if string(r.Data) != want || len(r.Errors) > 0 {
		t.Errorf("got %s, want %s", r.raw, want)
	}
}

// TestEntitiesAreBatched: a federation gateway asking for 99 sessions by
// key, with their jobs, and a job (100 representations, the default cap),
// costs 99 session GETs made concurrently (no endpoint takes several ids),
// one job GET and one job listing, not 199 serial calls.
func TestEntitiesAreBatched(t *testing.T) {
	g := newGateway(t, gatewayOptions{version: 8, jobListThreshold: 3, latency: 5 * time.Millisecond})
	var reps []map[string]any
	for _, id := range g.sim.SessionIDs()[:99] {
		reps = append(reps, map[string]any{"__typename": "JobSession", "id": id})
	}
	reps = append(reps, map[string]any{"__typename": "Job", "id": g.sim.JobIDs()[4]})
	q := `query($r: [_Any!]!) { _entities(representations: $r) {
		... on JobSession { id status job { name } }
		... on Job { id name } } }`
	r, calls := g.calls(t, q, map[string]any{"r": reps})
	var data struct {
		Entities []struct {
			ID, Status string
			Name       string
			Job        *struct{ Name string }
		} `json:"_entities"`
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 || len(data.Entities) != 100 {
		t.Fatalf("%v %.500s", err, r.raw)
	}
	for i, e := range data.Entities[:99] {
		if e.ID != g.sim.SessionIDs()[i] || e.Status == "" || e.Job == nil || e.Job.Name == "" {
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
	if m := g.sim.MaxInFlight(); m < 2 || m > 8 {
		t.Errorf("at most %d calls were in flight; want them concurrent, bounded by 8", m)
	}
	t.Logf("_entities with 100 representations: %v, at most %d at once", calls, g.sim.MaxInFlight())

	sdl := g.do(t, `{ _service { sdl } }`, nil)
	for _, want := range []string{`type JobSession @key(fields: \"id\")`, `type Job @key(fields: \"id\")`, "federation/v2"} {
		if !strings.Contains(string(sdl.raw), want) {
			t.Errorf("_service.sdl lacks %s", want)
		}
	}
}
