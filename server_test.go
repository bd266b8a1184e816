package main

// The command's own tests: run, from its arguments to its shutdown, the
// runtime settings it applies, and the servers a config file or
// --demo-servers give it. The settings' own tests are in config/, the
// gateway's in gateway/, the whole system's in e2e/.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestWrongPasswordStopsTheStart: the process ends at once with a message
// that says what is wrong, after a single login attempt.
func TestWrongPasswordStopsTheStart(t *testing.T) {
	sim := vb365sim.New(vb365sim.Options{Version: 8})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	defer slog.SetDefault(slog.Default()) // run sets its own logger
	err := run(context.Background(), []string{"--upstream-url", ts.URL, "--username", "svc", "--password", "wrong-pw-1234",
		"--allow-anonymous", "--listen", "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "cannot log in") || strings.Contains(err.Error(), "wrong-pw-1234") {
		t.Errorf("got %v; want a login error that does not show the password", err)
	}
	if n := sim.Calls()["POST /Token"]; n != 1 {
		t.Errorf("%d login attempts, want 1", n)
	}
}

// TestGracefulShutdown: on SIGTERM (here: the context ends) a subscription
// stream is ended at once and run returns within the grace.
func TestGracefulShutdown(t *testing.T) {
	defer slog.SetDefault(slog.Default()) // run sets its own logger
	addr := testenv.FreeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", addr, "--shutdown-grace", "3s", "--poll-interval", "50ms", "--log-level", "error"})
	}()
	testenv.WaitListening(t, addr)
	base := "http://" + addr

	// Find a running session and follow it over SSE.
	_, body := post(t, base+"/graphql", `{ jobSessions(first: 2, status: RUNNING) { nodes { id } } }`)
	i := strings.Index(body, `"id":"`)
	if i < 0 {
		t.Fatalf("no running session: %s", body)
	}
	id := body[i+6 : i+6+36]
	events := testenv.Subscribe(t, base+"/graphql", `subscription { jobSessionUpdated(id: "`+id+`") { progress } }`)
	if !events.Scan() {
		t.Fatal("the stream did not start")
	}
	streamEnded := make(chan struct{})
	go func() {
		for events.Scan() {
		}
		close(streamEnded)
	}()

	began := time.Now()
	stop()
	select {
	case <-streamEnded:
	case <-time.After(3 * time.Second):
		t.Error("the subscription stream outlived the shutdown")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return within the grace")
	}
	if d := time.Since(began); d > testenv.Bound(3*time.Second) {
		t.Errorf("shutdown took %v", d)
	}
}

// TestRuntimeSettingsAndDebugListener: the GC flags reach Go's runtime (as
// its own metrics report them), and profiles and traces are served on the
// debug listener only, never on the API's port.
func TestRuntimeSettingsAndDebugListener(t *testing.T) {
	t.Cleanup(func() { debug.SetGCPercent(100); debug.SetMemoryLimit(math.MaxInt64) })
	debugAddr := testenv.FreeAddr(t)
	api := startGateway(t, "--gc-percent", "300", "--memory-limit", "500000000", "--debug-addr", debugAddr)
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, metrics := get(api + "/metrics")
	for _, line := range []string{"go_gc_gogc_percent 300", "go_gc_gomemlimit_bytes 5e+08"} {
		if !strings.Contains(metrics, "\n"+line+"\n") {
			t.Errorf("/metrics has no %q", line)
		}
	}
	if code, body := get("http://" + debugAddr + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("debug listener: HTTP %d", code)
	}
	if code, _ := get("http://" + debugAddr + "/debug/pprof/trace?seconds=0.2"); code != http.StatusOK {
		t.Errorf("execution trace: HTTP %d", code)
	}
	if code, _ := get(api + "/debug/pprof/"); code == http.StatusOK {
		t.Error("the API's port serves profiles")
	}
	// The command line may hold the password and the keys: not served.
	if code, body := get("http://" + debugAddr + "/debug/pprof/cmdline"); code != http.StatusNotFound || strings.Contains(body, os.Args[0]) {
		t.Errorf("/debug/pprof/cmdline: HTTP %d, %.100q; want 404 without the command line", code, body)
	}
}

func TestMemoryLimitFollowsTheContainerOrTheSettings(t *testing.T) {
	files := func(m map[string]string) func(string) ([]byte, error) {
		return func(name string) ([]byte, error) {
			if v, ok := m[name]; ok {
				return []byte(v), nil
			}
			return nil, os.ErrNotExist
		}
	}
	for _, c := range []struct {
		files map[string]string
		want  int64
		ok    bool
	}{
		{map[string]string{"/sys/fs/cgroup/memory.max": "1073741824\n"}, 1 << 30, true},
		{map[string]string{"/sys/fs/cgroup/memory.max": "max\n"}, 0, false},
		{map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912\n"}, 512 << 20, true},
		{map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0, false},
		{map[string]string{}, 0, false},
	} {
		got, ok := cgroupMemoryLimit(files(c.files))
		if ok != c.ok || ok && got != c.want {
			t.Errorf("%v: %d %v, want %d %v", c.files, got, ok, c.want, c.ok)
		}
	}
	s, err := config.Load(nil, func(string) string { return "" })
	if err != nil || s.Runtime.MemoryLimit != config.MemoryLimitAuto || s.Runtime.GCPercent != 400 {
		t.Errorf("defaults: memory limit %d, GC percent %d (%v); want auto and 400", s.Runtime.MemoryLimit, s.Runtime.GCPercent, err)
	}
	// Outside a container, auto is what the settings let the gateway hold,
	// and 256 MiB more: 528 MiB with the defaults.
	if got := autoMemoryLimit(s, files(nil)); got != 528<<20 {
		t.Errorf("auto outside a container: %d MiB, want 528", got>>20)
	}
	if got := autoMemoryLimit(s, files(map[string]string{"/sys/fs/cgroup/memory.max": "1073741824\n"})); got != (1<<30)/10*8 {
		t.Errorf("auto in a 1 GiB container: %d", got)
	}
}

// TestUpstreamURLIsNeverPrinted: a wrong --upstream-url is an error at
// start that never quotes the URL: its query string or user info may hold
// a secret.
func TestUpstreamURLIsNeverPrinted(t *testing.T) {
	defer slog.SetDefault(slog.Default()) // run sets its own logger
	for _, u := range []string{"https://vbo.example:4443/?apikey=s3cr3t-in-url", "https://vbo.example:4443/v8?token=s3cr3t-in-url", "https://svc:s3cr3t-in-url@vbo.example:4443", "ftp://vbo.example/s3cr3t-in-url"} {
		err := run(context.Background(), []string{"--upstream-url", u, "--allow-anonymous", "--username", "u", "--password", "p", "--listen", "127.0.0.1:0"})
		if err == nil || strings.Contains(err.Error(), "s3cr3t-in-url") {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// startGateway runs the binary's run with args until the test ends, and
// returns its base URL.
func startGateway(t *testing.T, args ...string) string {
	t.Helper()
	defer slog.SetDefault(slog.Default()) // run sets its own logger
	addr := testenv.FreeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append(args, "--listen", addr, "--log-level", "error", "--shutdown-grace", "2s"))
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	testenv.WaitListening(t, addr)
	return "http://" + addr
}

type serverRow struct {
	Name, Version, Status string
	LastError             *string
}

// TestServersFromTheConfigFile: a config file lists four servers, three
// of three versions and one that is down. The gateway starts all the same,
// asks each its version, serves the three as one graph, and says which one
// is down: in the answer, in /readyz (any) and in the metrics.
func TestServersFromTheConfigFile(t *testing.T) {
	dir := t.TempDir()
	var items []string
	for _, s := range []struct {
		name    string
		version int
	}{{"east", 3}, {"west", 6}, {"north", 8}} {
		sim := vb365sim.New(vb365sim.Options{Version: s.version, Username: `demo\admin`, Password: testenv.Secret, Seed: s.name, SessionsPerJob: 3})
		ts := httptest.NewServer(sim)
		t.Cleanup(ts.Close)
		user, _ := sim.Credentials()
		items = append(items, fmt.Sprintf("  - {name: %s, upstream-url: %q, username: %q, password-env: PW_%s}", s.name, ts.URL, user, strings.ToUpper(s.name)))
		t.Setenv("PW_"+strings.ToUpper(s.name), testenv.Secret)
	}
	items = append(items, fmt.Sprintf("  - {name: down, upstream-url: %q, username: u, password: p, upstream-timeout: 1s}", "http://"+testenv.FreeAddr(t)))
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte("allow-anonymous: true\nupstream-retries: 0\nservers:\n"+strings.Join(items, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startGateway(t, "--config", file)

	_, body := post(t, base+"/graphql", `{ servers { name version status lastError } jobSessions(first: 40) { nodes { id server { name } } } }`)
	var r struct {
		Data struct {
			Servers     []serverRow
			JobSessions struct {
				Nodes []struct{ Server struct{ Name string } }
			}
		}
		Errors []struct {
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	versions := map[string]string{}
	for _, s := range r.Data.Servers {
		versions[s.Name] = s.Version + " " + s.Status
	}
	want := map[string]string{"east": "v3 UP", "west": "v6 UP", "north": "v8 UP", "down": "v8 DOWN"}
	if fmt.Sprint(versions) != fmt.Sprint(want) {
		t.Errorf("servers: %v, want %v", versions, want)
	}
	from := map[string]int{}
	for _, n := range r.Data.JobSessions.Nodes {
		from[n.Server.Name]++
	}
	if len(r.Data.JobSessions.Nodes) != 40 || from["east"] == 0 || from["west"] == 0 || from["north"] == 0 {
		t.Errorf("40 sessions of the three servers that answer, got %v", from)
	}
	if len(r.Errors) != 1 || r.Errors[0].Extensions["server"] != "down" {
		t.Errorf("errors: %s", body)
	}

	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz with three of four servers up: %d, want 200 (ready when any answers)", resp.StatusCode)
	}
	_, metrics := get(t, base+"/metrics")
	for _, line := range []string{`vb365_upstream_up{server="down"} 0`, `vb365_upstream_up{server="east"} 1`,
		`vb365_upstream_requests_total{route="GET /JobSessions",server="west",status="200"}`} {
		if !strings.Contains(metrics, line) {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

// TestDemoServers: --demo-servers serves a simulator per version, each a
// server named after it, with ids of its own.
func TestDemoServers(t *testing.T) {
	base := startGateway(t, "--demo-servers", "v3,v6,v8,v8")
	_, body := post(t, base+"/graphql", `{ servers { name version status } jobs(first: 100) { nodes { id server { name } } } }`)
	var r struct {
		Data struct {
			Servers []serverRow
			Jobs    struct {
				Nodes []struct {
					ID     string
					Server struct{ Name string }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range r.Data.Servers {
		names = append(names, s.Name+"="+s.Version)
	}
	if strings.Join(names, ",") != "v3=v3,v6=v6,v8=v8,v8-2=v8" {
		t.Errorf("servers: %v", names)
	}
	ids := map[string]bool{}
	for _, j := range r.Data.Jobs.Nodes {
		ids[j.ID] = true
	}
	if len(r.Data.Jobs.Nodes) != 4*12 || len(ids) != 4*12 {
		t.Errorf("%d jobs, %d ids: want 12 of each server, every id its own: %s", len(r.Data.Jobs.Nodes), len(ids), body)
	}
}

// post sends a query and returns the status and the body.
func post(t *testing.T, url, query string) (int, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query})
	resp, err := http.Post(url, "application/json", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}
