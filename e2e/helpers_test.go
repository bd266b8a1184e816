package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// Helpers the whole-system tests share: plain HTTP to a gateway on
// loopback. Gateways themselves come from testenv.Start.

var faultAnchor = testenv.Anchor

// recorder stands before a simulator (testenv.Options.Wrap) and counts the
// data requests each Authorization header makes.
type recorder struct {
	mu sync.Mutex
	by map[string]int // Authorization header -> data requests
}

func newRecorder() *recorder { return &recorder{by: map[string]int{}} }

func (rec *recorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(strings.ToLower(r.URL.Path), "/token") {
			rec.mu.Lock()
			rec.by[r.Header.Get("Authorization")]++
			rec.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// dataCalls counts every data request so far.
func (rec *recorder) dataCalls() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, c := range rec.by {
		n += c
	}
	return n
}

// of counts the data requests made with one Authorization header.
func (rec *recorder) of(authorization string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.by[authorization]
}

// reset forgets what was counted.
func (rec *recorder) reset() {
	rec.mu.Lock()
	rec.by = map[string]int{}
	rec.mu.Unlock()
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

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	resp, body := send(t, req)
	return resp.StatusCode, body
}

// fastClock runs the simulator's clock 600 times faster than real time, so
// a live session with 13 minutes to go finishes in 1.3 seconds.
// heldClock is a clock that stands at the anchor until release is called,
// then runs factor times fast: for a test whose first steps (starting a
// browser or node) take a while on a busy machine, and must still find a
// session running when it starts following it.
func heldClock(factor time.Duration) (clock func() time.Time, release func()) {
	var started atomic.Int64 // UnixNano; 0 while held
	clock = func() time.Time {
		if s := started.Load(); s != 0 {
			return faultAnchor.Add(time.Since(time.Unix(0, s)) * factor)
		}
		return faultAnchor
	}
	return clock, func() { started.CompareAndSwap(0, time.Now().UnixNano()) }
}

func fastClock() func() time.Time {
	start := time.Now()
	return func() time.Time { return faultAnchor.Add(time.Since(start) * 600) }
}

// jsonLogs adds to settings (as environment variables) what makes a
// gateway's log lines JSON, debug and up: what tests that read them want.
func jsonLogs(settings map[string]string) map[string]string {
	out := map[string]string{"VB365_LOG_FORMAT": "json", "VB365_LOG_LEVEL": "debug"}
	for k, v := range settings {
		out[k] = v
	}
	return out
}

var built struct {
	once sync.Once
	path string
	err  error
}

// gatewayBinary builds the command, once for the package's tests, for the
// tests that run it as a process (replicas, memory).
func gatewayBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "vb365-graphql-e2e-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "vb365-graphql")
		if out, err := exec.Command("go", "build", "-o", built.path, "..").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatalf("building the gateway: %v", built.err)
	}
	return built.path
}
