package testenv

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
)

// Gateway is the GraphQL handler over an environment's client (or over
// several: Fleet), as the server mounts it at /graphql.
type Gateway struct {
	*Env           // the first server's
	Envs    []*Env // every server's, in order
	Handler http.Handler
}

// Gateway builds the handler: the defaults, a batch wait of 1ms, the
// operation cache when the client shares answers; tweak adjusts the rest.
func (e *Env) Gateway(t testing.TB, tweak func(*graphqlhttp.Options)) *Gateway {
	t.Helper()
	return Fleet(t, []*Env{e}, tweak)
}

// Fleet builds the handler over several environments, the first the default.
func Fleet(t testing.TB, envs []*Env, tweak func(*graphqlhttp.Options)) *Gateway {
	t.Helper()
	o := graphqlhttp.DefaultOptions()
	o.BatchWait = time.Millisecond
	if !envs[0].Options.Sharing.Off {
		o.OperationCacheBytes = 16 << 20
	}
	if tweak != nil {
		tweak(&o)
	}
	apis := make([]graphqlhttp.API, len(envs))
	for i, e := range envs {
		apis[i] = e.Client
	}
	h, err := graphqlhttp.New(apis, o)
	if err != nil {
		t.Fatal(err)
	}
	return &Gateway{Env: envs[0], Envs: envs, Handler: h}
}

// Error is one error of an answer.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Response is an answer, decoded and raw.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
	Raw    []byte          `json:"-"`
}

// Post serves one JSON POST of body with h, in process.
func Post(h http.Handler, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Do POSTs a query and returns the answer.
func (g *Gateway) Do(t testing.TB, query string, vars map[string]any) Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	rec := Post(g.Handler, body)
	var r Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("the answer is not JSON: %v\n%s", err, rec.Body.String())
	}
	r.Raw = rec.Body.Bytes()
	return r
}

// Calls runs the query and returns the upstream calls it cost, logins aside.
func (g *Gateway) Calls(t testing.TB, query string, vars map[string]any) (Response, map[string]int) {
	t.Helper()
	g.Sim.ResetCalls()
	r := g.Do(t, query, vars)
	calls := g.Sim.Calls()
	delete(calls, "POST /Token")
	return r, calls
}

// Total sums call counts.
func Total(calls map[string]int) int {
	n := 0
	for _, c := range calls {
		n += c
	}
	return n
}
