package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/vb365-graphql/vb365-graphql/config"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// The fault-injection suite: a real simulator on loopback, a proxy in front
// of it that misbehaves on chosen routes, and the whole gateway over real
// HTTP. Each case checks the error codes, the partial data, the time the
// answer took, and that no goroutine is left behind.

// fault decides what the proxy does with a request; it returns false to pass
// the request on to the simulator.
type fault func(w http.ResponseWriter, r *http.Request, attempt int) bool

type faultEnv struct {
	sim       *vb365sim.Server
	gw        *testenv.Gateway
	transport *http.Transport
	mu        sync.Mutex
	hits      map[string]int // proxy requests by "METHOD /path-shape"
}

type faultOptions struct {
	version       int
	onJob         fault // applied to GET /Jobs/{id}
	onAny         fault // applied to every request, before onJob
	upstreamURL   string
	maxBody       int64
	breaker       int
	cooldown      time.Duration
	timeout       time.Duration
	requestTimout time.Duration
	password      string
	logs          io.Writer
	front         func(http.Handler) http.Handler // stands before the gateway
}

func shape(r *http.Request) string {
	parts := strings.Split(strings.Trim(strings.ToLower(r.URL.Path), "/"), "/")
	for i := 2; i < len(parts); i += 2 {
		parts[i] = "{id}"
	}
	return r.Method + " /" + strings.Join(parts[min(1, len(parts)):], "/")
}

func newFaultEnv(t *testing.T, o faultOptions) *faultEnv {
	t.Helper()
	if o.version == 0 {
		o.version = 6
	}
	if o.timeout == 0 {
		o.timeout = 300 * time.Millisecond
	}
	if o.breaker == 0 {
		o.breaker = 1000
	}
	if o.cooldown == 0 {
		o.cooldown = 5 * time.Second
	}
	e := &faultEnv{hits: map[string]int{}, transport: upstream.NewTransport()}
	proxy := func(sim http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			e.mu.Lock()
			route := shape(r)
			e.hits[route]++
			attempt := e.hits[route]
			e.mu.Unlock()
			if o.onAny != nil && o.onAny(w, r, attempt) {
				return
			}
			if o.onJob != nil && route == "GET /jobs/{id}" && o.onJob(w, r, attempt) {
				return
			}
			sim.ServeHTTP(w, r)
		})
	}
	requestTimeout := 2 * time.Second
	if o.requestTimout > 0 {
		requestTimeout = o.requestTimout
	}
	e.gw = testenv.Start(t, testenv.Options{Version: o.version, Wrap: proxy, DeferLogin: true, Client: func(c *upstream.Options) {
		if o.upstreamURL != "" {
			c.BaseURL = o.upstreamURL
		}
		if o.password != "" {
			c.Password = o.password
		}
		if o.maxBody > 0 {
			c.MaxBodyBytes = o.maxBody
		}
		c.HTTPClient = &http.Client{Transport: e.transport}
		c.Timeout, c.RetryBaseDelay, c.RetryMaxDelay = o.timeout, 10*time.Millisecond, 50*time.Millisecond
		c.BreakerThreshold, c.BreakerCooldown = o.breaker, o.cooldown
	}, Settings: func(s *config.Settings) { s.Limits.RequestTimeout = requestTimeout }, Logs: o.logs, Env: jsonLogs(nil), Front: o.front})
	e.sim = e.gw.Sim
	t.Cleanup(e.close)
	return e
}

// close stops both servers and drops idle connections, so that a leak check
// sees only what the gateway itself left running.
func (e *faultEnv) close() {
	e.gw.Close()
	e.transport.CloseIdleConnections()
}

func (e *faultEnv) hitsOf(route string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hits[route]
}

type answer struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	status  int
	raw     string
	elapsed time.Duration
}

func (e *faultEnv) query(t *testing.T, query string, vars map[string]any) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	start := time.Now()
	resp, err := http.Post(e.gw.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(raw), elapsed: time.Since(start)}
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("not a well-formed GraphQL response (HTTP %d): %s", resp.StatusCode, raw)
	}
	return a
}

// codes lists "path=code" for each error.
func (a answer) codes() string {
	var out []string
	for _, e := range a.Errors {
		var p []string
		for _, seg := range e.Path {
			p = append(p, fmt.Sprint(seg))
		}
		out = append(out, strings.Join(p, ".")+"="+fmt.Sprint(e.Extensions["code"]))
	}
	return strings.Join(out, " ")
}

const qDeep = `query($id: ID!) { jobSession(id: $id) { id status job { id name } log(first: 3) { nodes { usn } } } }`

func TestFaultInjection(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	hang := func(w http.ResponseWriter, r *http.Request, _ int) bool { <-r.Context().Done(); return true }
	status := func(code int, body string) fault {
		return func(w http.ResponseWriter, _ *http.Request, _ int) bool {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_, _ = io.WriteString(w, body)
			return true
		}
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refusedURL := "http://" + closed.Addr().String()
	closed.Close()

	type check struct {
		codes    string        // expected "path=code ..." ("" for none)
		partial  bool          // session and log present, job null
		maxTime  time.Duration // the answer came within this
		minTime  time.Duration
		jobHits  int // requests the proxy saw for GET /Jobs/{id} (-1: do not check)
		logins   int // POST /token the proxy saw (-1: do not check)
		jobFound bool
	}
	cases := []struct {
		name string
		opts faultOptions
		want check
	}{
		{"connection refused", faultOptions{upstreamURL: refusedURL},
			check{codes: "jobSession=UPSTREAM_UNAVAILABLE", maxTime: time.Second, jobHits: -1, logins: -1}},
		{"upstream hangs", faultOptions{onJob: hang},
			check{codes: "jobSession.job=UPSTREAM_TIMEOUT", partial: true, minTime: 250 * time.Millisecond, maxTime: time.Second, jobHits: 1, logins: 1}},
		{"slow answer within the timeout", faultOptions{onJob: func(w http.ResponseWriter, r *http.Request, _ int) bool {
			time.Sleep(150 * time.Millisecond)
			return false
		}}, check{minTime: 150 * time.Millisecond, maxTime: time.Second, jobHits: 1, logins: 1, jobFound: true}},
		{"500", faultOptions{onJob: status(500, `{"message":"Object reference not set to an instance of an object."}`)},
			check{codes: "jobSession.job=UPSTREAM_UNAVAILABLE", partial: true, maxTime: time.Second, jobHits: 1, logins: 1}},
		{"502 is retried, then given up", faultOptions{onJob: status(502, `<html>Bad Gateway</html>`)},
			check{codes: "jobSession.job=UPSTREAM_UNAVAILABLE", partial: true, maxTime: time.Second, jobHits: 3, logins: 1}},
		{"503 once, then fine", faultOptions{onJob: func(w http.ResponseWriter, r *http.Request, attempt int) bool {
			return attempt == 1 && status(503, `{"message":"busy"}`)(w, r, attempt)
		}}, check{maxTime: time.Second, jobHits: 2, logins: 1, jobFound: true}},
		{"429 with Retry-After is honoured", faultOptions{onJob: func(w http.ResponseWriter, r *http.Request, attempt int) bool {
			if attempt > 1 {
				return false
			}
			w.Header().Set("Retry-After", "1")
			return status(429, `{"message":"API calls quota exceeded! maximum admitted 1 per Second."}`)(w, r, attempt)
		}}, check{minTime: time.Second, maxTime: 1900 * time.Millisecond, jobHits: 2, logins: 1, jobFound: true}},
		{"malformed JSON", faultOptions{onJob: status(200, `{"id": "8ce1146b-ce68-5c16-a190-81ac10c9beb1", "name": `)},
			check{codes: "jobSession.job=UPSTREAM_BAD_RESPONSE", partial: true, maxTime: time.Second, jobHits: 1, logins: 1}},
		{"truncated body", faultOptions{onJob: func(w http.ResponseWriter, r *http.Request, _ int) bool {
			conn, buf, _ := w.(http.Hijacker).Hijack()
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"id\":\"8ce1146b")
			_ = buf.Flush()
			conn.Close()
			return true
		}}, check{codes: "jobSession.job=UPSTREAM_UNAVAILABLE", partial: true, maxTime: time.Second, jobHits: 3, logins: 1}},
		{"oversized body", faultOptions{maxBody: 64 << 10, onJob: status(200, `{"id":"8ce1146b-ce68-5c16-a190-81ac10c9beb1","description":"`+strings.Repeat("x", 100<<10)+`"}`)},
			check{codes: "jobSession.job=UPSTREAM_BAD_RESPONSE", partial: true, maxTime: time.Second, jobHits: 1, logins: 1}},
		{"wrong content type", faultOptions{onJob: func(w http.ResponseWriter, r *http.Request, _ int) bool {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body>Please sign in to the proxy</body></html>")
			return true
		}}, check{codes: "jobSession.job=UPSTREAM_BAD_RESPONSE", partial: true, maxTime: time.Second, jobHits: 1, logins: 1}},
		{"token expires mid-query", faultOptions{}, check{maxTime: time.Second, jobHits: 2, logins: 2, jobFound: true}},
		{"login throttled, then allowed", faultOptions{onAny: func(w http.ResponseWriter, r *http.Request, attempt int) bool {
			if shape(r) != "POST /token" || attempt > 1 {
				return false
			}
			w.Header().Set("Retry-After", "1")
			return status(429, `{"message":"API calls quota exceeded! maximum admitted 1 per Second."}`)(w, r, attempt)
		}}, check{minTime: time.Second, maxTime: 1900 * time.Millisecond, jobHits: 1, logins: 2, jobFound: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			var env *faultEnv
			if c.name == "token expires mid-query" {
				c.opts.onJob = func(w http.ResponseWriter, r *http.Request, attempt int) bool {
					if attempt == 1 {
						env.sim.ExpireTokens() // as if the hour ran out between two calls
					}
					return false
				}
			}
			env = newFaultEnv(t, c.opts)
			id := env.sim.SessionIDs()[9]
			a := env.query(t, qDeep, map[string]any{"id": id})
			if got := a.codes(); got != c.want.codes {
				t.Errorf("codes %q, want %q\n%s", got, c.want.codes, a.raw)
			}
			if a.elapsed > testenv.Bound(c.want.maxTime) || a.elapsed < c.want.minTime {
				t.Errorf("answered in %v, want %v..%v", a.elapsed, c.want.minTime, c.want.maxTime)
			}
			session := string(a.Data["jobSession"])
			if c.want.partial && (!strings.Contains(session, id) || !strings.Contains(session, `"job":null`) || !strings.Contains(session, `"usn":1`)) {
				t.Errorf("want the session and its log with job null: %s", session)
			}
			if c.want.jobFound && !strings.Contains(session, `"name":"`) {
				t.Errorf("want the job: %s", a.raw)
			}
			if c.want.jobHits >= 0 && env.hitsOf("GET /jobs/{id}") != c.want.jobHits {
				t.Errorf("GET /Jobs/{id} reached the upstream %d times, want %d", env.hitsOf("GET /jobs/{id}"), c.want.jobHits)
			}
			if c.want.logins >= 0 && env.hitsOf("POST /token") != c.want.logins {
				t.Errorf("%d logins, want %d", env.hitsOf("POST /token"), c.want.logins)
			}
			if strings.Contains(a.raw, "127.0.0.1") || strings.Contains(a.raw, "Object reference") || strings.Contains(a.raw, "quota") {
				t.Errorf("the answer leaks upstream details: %s", a.raw)
			}
			env.close()
		})
	}
}

// TestLinksToAnotherHostAreNeverFollowed: a session whose job link names
// another host is resolved on the configured upstream; the other host sees
// nothing.
func TestLinksToAnotherHostAreNeverFollowed(t *testing.T) {
	evilCount := 0
	var mu sync.Mutex
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		evilCount++
		mu.Unlock()
	}))
	defer evil.Close()
	var env *faultEnv
	env = newFaultEnv(t, faultOptions{version: 6, onAny: func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if !strings.HasPrefix(shape(r), "GET /jobsessions") {
			return false
		}
		rec := httptest.NewRecorder()
		env.sim.ServeHTTP(rec, r)
		body := strings.ReplaceAll(rec.Body.String(), `"href":"/v6/Jobs/`, `"href":"`+evil.URL+`/v6/Jobs/`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_, _ = io.WriteString(w, body)
		return true
	}})
	id := env.sim.SessionIDs()[9]
	a := env.query(t, qDeep, map[string]any{"id": id})
	if len(a.Errors) > 0 || !strings.Contains(string(a.Data["jobSession"]), `"name":"`) {
		t.Errorf("the job must resolve on the configured upstream: %s", a.raw)
	}
	mu.Lock()
	defer mu.Unlock()
	if evilCount != 0 || env.hitsOf("GET /jobs/{id}") != 1 {
		t.Errorf("other host: %d requests (want 0); configured upstream: %d job requests (want 1)", evilCount, env.hitsOf("GET /jobs/{id}"))
	}
}

// TestCircuitBreaker: while the upstream keeps failing, calls stop reaching
// it; after the cooldown one probe goes through and, the upstream being
// back, everything works again.
func TestCircuitBreaker(t *testing.T) {
	var mu sync.Mutex
	down := true
	env := newFaultEnv(t, faultOptions{breaker: 3, cooldown: 300 * time.Millisecond, onAny: func(w http.ResponseWriter, r *http.Request, _ int) bool {
		mu.Lock()
		defer mu.Unlock()
		if down && shape(r) != "POST /token" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	}})
	id := env.sim.SessionIDs()[9]
	q := `query($id: ID!) { jobSession(id: $id) { id } }`
	for range 3 {
		env.query(t, q, map[string]any{"id": id})
	}
	before := env.hitsOf("GET /jobsessions/{id}")
	a := env.query(t, q, map[string]any{"id": id})
	if a.codes() != "jobSession=UPSTREAM_UNAVAILABLE" || a.elapsed > testenv.Bound(100*time.Millisecond) {
		t.Errorf("open breaker: %s in %v, want a fast UPSTREAM_UNAVAILABLE", a.codes(), a.elapsed)
	}
	if after := env.hitsOf("GET /jobsessions/{id}"); after != before {
		t.Errorf("an open breaker let %d calls through", after-before)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	time.Sleep(350 * time.Millisecond)
	if a := env.query(t, q, map[string]any{"id": id}); len(a.Errors) > 0 {
		t.Errorf("after the cooldown the probe must succeed: %s", a.raw)
	}
	if a := env.query(t, q, map[string]any{"id": id}); len(a.Errors) > 0 {
		t.Errorf("closed again: %s", a.raw)
	}
}

// TestRequestDeadline: a request never outlives --request-timeout, even when
// each upstream call may take longer.
func TestRequestDeadline(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	env := newFaultEnv(t, faultOptions{timeout: 5 * time.Second, requestTimout: 400 * time.Millisecond,
		onJob: func(w http.ResponseWriter, r *http.Request, _ int) bool { <-r.Context().Done(); return true }})
	a := env.query(t, qDeep, map[string]any{"id": env.sim.SessionIDs()[9]})
	if a.codes() != "jobSession.job=UPSTREAM_TIMEOUT" || a.elapsed > testenv.Bound(time.Second) {
		t.Errorf("%s after %v; want UPSTREAM_TIMEOUT within the 400ms deadline", a.codes(), a.elapsed)
	}
	env.close()
}

// TestLoginFailuresDoNotHammerTheTokenEndpoint: with a wrong password, or a
// login that stays throttled, queries fail at once with a clear code and the
// gateway waits before it tries /token again.
func TestLoginFailuresDoNotHammerTheTokenEndpoint(t *testing.T) {
	for _, c := range []struct {
		name string
		opts faultOptions
		code string
	}{
		{"wrong password", faultOptions{password: "not-the-password"}, "UNAUTHENTICATED"},
		{"throttled", faultOptions{onAny: func(w http.ResponseWriter, r *http.Request, _ int) bool {
			if shape(r) != "POST /token" {
				return false
			}
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}}, "UPSTREAM_UNAVAILABLE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := newFaultEnv(t, c.opts)
			for range 5 {
				a := env.query(t, qDeep, map[string]any{"id": env.sim.SessionIDs()[9]})
				if a.codes() != "jobSession="+c.code || a.elapsed > testenv.Bound(time.Second) {
					t.Errorf("%s in %v, want jobSession=%s at once", a.codes(), a.elapsed, c.code)
				}
			}
			if n := env.hitsOf("POST /token"); n != 1 {
				t.Errorf("5 queries made %d login attempts, want 1", n)
			}
		})
	}
}

// TestSecretsStayOutOfLogsAndAnswers plants a password, runs failing
// requests (a login the upstream refuses, an upstream that echoes the
// password in its error), and looks for it in every log line, which nothing
// redacts here, and in the answer. (That the logger redacts what it is
// given is logging's own test.)
func TestSecretsStayOutOfLogsAndAnswers(t *testing.T) {
	const password = "planted-Pa55word-7f3a"
	logs := &testenv.LogBuffer{}
	env := newFaultEnv(t, faultOptions{password: password, logs: logs, onJob: func(w http.ResponseWriter, r *http.Request, _ int) bool {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "upstream said "+password)
		return true
	}})
	a := env.query(t, qDeep, map[string]any{"id": env.sim.SessionIDs()[9]})
	if logs.String() == "" {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, password) {
			t.Errorf("a log line holds a secret: %s", line)
		}
	}
	if strings.Contains(a.raw, password) {
		t.Errorf("the answer holds the password: %s", a.raw)
	}
}
