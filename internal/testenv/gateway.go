package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/gateway"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/logging"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Gateway is a whole gateway, as the command builds it from its settings,
// over simulated servers: served in process (Handler) and on loopback (URL).
type Gateway struct {
	*Env           // the first server's simulator, and the gateway's client of it
	Envs    []*Env // every server's, in order
	URL     string // the gateway on loopback: http://127.0.0.1:port
	Handler http.Handler
	*gateway.Gateway
	stop sync.Once
	ts   *httptest.Server
}

// Close stops the gateway, its loopback server and the simulators, and
// drops idle connections, so that a leak check sees only what was left
// running. The test's cleanup calls it too.
func (g *Gateway) Close() {
	g.stop.Do(func() {
		g.ts.Close()
		g.Gateway.Close(context.Background())
		for _, e := range g.Envs {
			e.Upstream.Close()
		}
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	})
}

// LogSink is where gateways log unless a test says otherwise: stderr, or
// what a package's TestMain reads (it may set it before any test runs).
var LogSink io.Writer = os.Stderr

// Start starts the servers o describes (o itself, or o.Servers), and a
// gateway over them with the settings the test asks for (o.Env, then
// o.Settings) over these defaults: loaders wait 1 ms for a batch, and with
// a service account and no API keys, anonymous callers are allowed. Each
// server's client takes its Options (Unshared, Client). The test's cleanup
// stops it all.
func Start(t testing.TB, o Options) *Gateway {
	t.Helper()
	servers := o.Servers
	if len(servers) == 0 {
		servers = []Options{o}
	}
	envs := make([]*Env, len(servers))
	shared := true
	for i := range servers {
		envs[i] = startSimulator(t, &servers[i])
		shared = shared && !servers[i].Unshared
	}
	vars := map[string]string{"VB365_BATCH_WAIT": "1ms", "VB365_SHARE": "true"}
	if !shared {
		vars["VB365_SHARE"] = "false"
	}
	for k, v := range o.Env {
		vars[k] = v
	}
	s, err := config.Load(nil, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	s.Access.AllowAnonymous = true
	for i, e := range envs {
		name := e.Options.Name
		if len(envs) == 1 && servers[i].Name == "" {
			name = config.DefaultServerName
		}
		s.Servers = append(s.Servers, config.Server{Name: name, UpstreamURL: e.Upstream.URL, APIVersion: e.Sim.Version(),
			Username: e.Options.Username, Password: e.Options.Password, UpstreamTimeout: e.Options.Timeout})
	}
	if o.Settings != nil {
		o.Settings(&s)
	}
	logs := LogSink
	if o.Logs != nil {
		logs = io.MultiWriter(o.Logs, LogSink)
	}
	// The client of each server takes what the test asked of it, over what
	// the settings made.
	tweak := func(uo *upstream.Options) {
		for i, e := range envs {
			if s.Servers[i].Name == uo.Name {
				uo.Sharing.Off = uo.Sharing.Off || servers[i].Unshared
				if servers[i].Client != nil {
					servers[i].Client(uo)
				}
				e.Options = *uo
			}
		}
	}
	handler := o.Handler
	if o.Operators {
		handler = func(ho *graphqlhttp.Options) {
			ho.Gate.Anonymous = access.Operator
			if o.Handler != nil {
				o.Handler(ho)
			}
		}
	}
	// No secret is redacted from the tests' logs: none may get there at all.
	log := logging.New(logs, s.Telemetry.LogFormat, s.Telemetry.LogLevel, nil)
	g, err := gateway.New(context.Background(), s, gateway.Options{Logger: log, Client: tweak, Handler: handler, DeferLogin: o.DeferLogin})
	if err != nil {
		t.Fatal(err) // New has stopped what it started
	}
	for i, c := range g.Clients {
		envs[i].Client = c
	}
	front := g.Handler
	if o.Front != nil {
		front = o.Front(front)
	}
	gw := &Gateway{Env: envs[0], Envs: envs, Handler: g.Handler, Gateway: g, ts: httptest.NewServer(front)}
	gw.URL = gw.ts.URL
	t.Cleanup(gw.Close)
	return gw
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

// Post serves one JSON POST of body to /graphql with h, in process.
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
	return g.DoWith(t, query, vars, nil)
}

// DoWith is Do with request headers (an API key, a token...).
func (g *Gateway) DoWith(t testing.TB, query string, vars map[string]any, headers map[string]string) Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	g.Handler.ServeHTTP(rec, req)
	var r Response
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("the answer is not JSON: %v\n%s", err, rec.Body.String())
	}
	r.Raw = rec.Body.Bytes()
	return r
}

// Calls runs the query and returns the upstream calls it cost (on the first
// server), logins aside.
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
