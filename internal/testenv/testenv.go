// Package testenv is the tests' shared environment: simulated VB365 servers
// on loopback, on a fixed clock unless told otherwise; a client of one
// (New); a whole gateway over them, as the command builds it (Start); a
// real Redis. Every test that needs an upstream or a gateway starts here,
// rather than wiring its own.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// Anchor is the time the simulated data is built around; the default clock
// stands still there.
var Anchor = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// Secret is the password of every simulator made here: random for each test
// binary, so that a test can look for it in every log line and answer.
var Secret = func() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "planted-" + hex.EncodeToString(b)
}()

// Clock is a time source a test moves by hand, from Anchor on.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at Anchor.
func NewClock() *Clock { return &Clock{t: Anchor} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock on.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Options shape an environment. The zero value is API v8, the clock fixed
// at Anchor, a service account, sharing on. The fields after Name are
// Start's: what the gateway over the server (or over Servers) takes.
type Options struct {
	Version     int                             // API version (default 8)
	Clock       func() time.Time                // the simulator's clock (default: fixed at Anchor)
	Latency     time.Duration                   // added to every simulator answer
	PassThrough bool                            // no service account: callers bring their own tokens
	Unshared    bool                            // nothing shared between operations: each pays its own calls
	Wrap        func(http.Handler) http.Handler // stands between the client and the simulator
	Client      func(*upstream.Options)         // adjusts the client's options
	Sim         func(*vb365sim.Options)         // adjusts the simulator's options
	// Name is the server's name in a gateway over several (default
	// "default"); a name also seeds the simulator, whose ids are then its own.
	Name string

	Servers  []Options                  // several servers, in order (default: the one these options describe)
	Env      map[string]string          // settings, as the environment variables that name them
	Settings func(*config.Settings)     // adjusts the settings once read
	Handler  func(*graphqlhttp.Options) // adjusts the GraphQL handler's options
	Logs     io.Writer                  // where the gateway logs (default: LogSink), as the settings say (text, info)
	// Operators lets anonymous callers act, as in demo mode (otherwise
	// they are viewers, as with a service account and no keys).
	Operators bool
	// DeferLogin: the gateway logs in on first use, not at start (see
	// gateway.Options).
	DeferLogin bool
	// Front stands before the gateway's routes on its loopback server.
	Front func(http.Handler) http.Handler
}

// Env is a simulator on loopback and a client of it.
type Env struct {
	Sim      *vb365sim.Server
	Upstream *httptest.Server // the simulator, wrapped if asked
	Client   *upstream.Client
	Options  upstream.Options // what the client was made with
}

// New starts an environment; the test's cleanup stops it.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	e := startSimulator(t, &o)
	client, err := upstream.New(e.Options)
	if err != nil {
		t.Fatal(err)
	}
	e.Client = client
	return e
}

// startSimulator starts the simulator o describes, on loopback, and the
// options of a client of it (Client not yet made).
func startSimulator(t testing.TB, o *Options) *Env {
	t.Helper()
	if o.Version == 0 {
		o.Version = 8
	}
	if o.Clock == nil {
		o.Clock = func() time.Time { return Anchor }
	}
	simOpts := vb365sim.Options{Version: o.Version, Anchor: Anchor, Now: o.Clock, Latency: o.Latency,
		Username: `demo\admin`, Password: Secret}
	if o.Name != "" {
		simOpts.Seed = o.Name
	}
	if o.Sim != nil {
		o.Sim(&simOpts)
	}
	sim := vb365sim.New(simOpts)
	var h http.Handler = sim
	if o.Wrap != nil {
		h = o.Wrap(sim)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	opts := upstream.DefaultOptions(ts.URL, o.Version)
	if !o.PassThrough {
		opts.Username, opts.Password = sim.Credentials()
	}
	opts.Sharing.Off = o.Unshared
	if o.Name != "" {
		opts.Name = o.Name
	}
	if o.Client != nil {
		o.Client(&opts)
	}
	return &Env{Sim: sim, Upstream: ts, Options: opts}
}

// NoListing makes each job cost its own GET (Options.Client).
func NoListing(o *upstream.Options) { o.ListThreshold = 0 }

// LeakCheck fails t if goroutines started during it are still running once
// it and its cleanups are done. Call it first in the test: cleanups run last
// first, so the check then runs after the servers have stopped.
func LeakCheck(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		goleak.VerifyNone(t, ignore)
	})
}

// Get asks the simulator (behind any Wrap) for path, with the
// Authorization header given ("" for none), and returns its status and body.
func (e *Env) Get(t testing.TB, path, authorization string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.Upstream.URL+path, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Items asks the simulator for a listing, as a REST script would, and
// returns its items whatever the version's shape (a page's results, or a
// bare array); the test fails on anything else.
func (e *Env) Items(t testing.TB, path, authorization string) []map[string]any {
	t.Helper()
	_, body := e.Get(t, path, authorization)
	var page struct{ Results []map[string]any }
	if json.Unmarshal([]byte(body), &page) == nil && page.Results != nil {
		return page.Results
	}
	var all []map[string]any
	if err := json.Unmarshal([]byte(body), &all); err != nil {
		t.Fatalf("%s: %v %.300s", path, err, body)
	}
	return all
}

// Token logs in to the simulator as a caller would and returns the
// Authorization header a pass-through caller sends.
func (e *Env) Token(t testing.TB) string {
	t.Helper()
	user, pass := e.Sim.Credentials()
	return e.TokenFor(t, user, pass)
}

// TokenFor is Token for another account of the simulator.
func (e *Env) TokenFor(t testing.TB, user, pass string) string {
	t.Helper()
	resp, err := http.PostForm(fmt.Sprintf("%s/v%d/token", e.Upstream.URL, e.Sim.Version()),
		url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("no token from the simulator: %v", err)
	}
	return "Bearer " + tok.AccessToken
}

// LogBuffer collects what a gateway logs (Options.Logs) while its
// goroutines write to it and the test reads it.
type LogBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String is all that was written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
