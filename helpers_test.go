package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// The whole gateway over HTTP, as run() wires it: helpers the tests of this
// package share.

var faultAnchor = testenv.Anchor

// settingsFrom loads the settings from environment variables alone, as an
// operator sets them, with a batch wait of 1ms.
func settingsFrom(t testing.TB, env map[string]string) config.Settings {
	t.Helper()
	s, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s.BatchWait = time.Millisecond
	return s
}

// serve is the gateway's routes on a test server.
func serve(t testing.TB, p parts, s config.Settings) *httptest.Server {
	t.Helper()
	h, err := routes(p, s)
	if err != nil {
		t.Fatal(err)
	}
	gw := httptest.NewServer(h)
	t.Cleanup(gw.Close)
	return gw
}

// demoGateway serves the whole gateway over a simulator, as go run . does;
// tweak adjusts the settings (sharing, poll interval...), which also shape
// the client.
func demoGateway(t *testing.T, version int, clock func() time.Time, tweak func(*config.Settings)) (*httptest.Server, *vb365sim.Server) {
	t.Helper()
	s := settingsFrom(t, nil)
	if tweak != nil {
		tweak(&s)
	}
	env := testenv.New(t, testenv.Options{Version: version, Clock: clock, Client: func(o *upstream.Options) { o.Sharing.Off = !s.Share }})
	return serve(t, parts{servers: []graphqlhttp.API{env.Client}}, s), env.Sim
}

// recordingUpstream is a simulator whose proxy remembers the Authorization
// header of every data request.
type recordingUpstream struct {
	*testenv.Env
	mu sync.Mutex
	by map[string]int // Authorization header -> data requests
}

func newRecordingUpstream(t *testing.T, passThrough bool) *recordingUpstream {
	ru := &recordingUpstream{by: map[string]int{}}
	ru.Env = testenv.New(t, testenv.Options{PassThrough: passThrough, Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.Contains(strings.ToLower(r.URL.Path), "/token") {
				ru.mu.Lock()
				ru.by[r.Header.Get("Authorization")]++
				ru.mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}})
	return ru
}

func (ru *recordingUpstream) dataCalls() int {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	n := 0
	for _, c := range ru.by {
		n += c
	}
	return n
}

// send makes a request and reads its answer whole.
func send(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

// postBody POSTs a JSON body with the headers given.
func postBody(t *testing.T, url, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, raw := send(t, req)
	return resp.StatusCode, raw
}

func post(t *testing.T, url, query string, vars map[string]any, headers map[string]string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return postBody(t, url, string(body), headers)
}

func postJSON(t *testing.T, url string, payload map[string]any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(payload)
	return postBody(t, url, string(b), nil)
}

func freeTCPAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitTCP(t *testing.T, addr string) {
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never listened", addr)
}

// fastClock runs the simulator's clock 600 times faster than real time, so
// a live session with 13 minutes to go finishes in 1.3 seconds.
func fastClock() func() time.Time {
	start := time.Now()
	return func() time.Time { return faultAnchor.Add(time.Since(start) * 600) }
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
