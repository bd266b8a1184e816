package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// startGateway runs the binary's run with args until the test ends, and
// returns its base URL.
func startGateway(t *testing.T, args ...string) string {
	t.Helper()
	defer slog.SetDefault(slog.Default()) // run sets its own logger
	addr := freeTCPAddr(t)
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
	waitTCP(t, addr)
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
	items = append(items, fmt.Sprintf("  - {name: down, upstream-url: %q, username: u, password: p, upstream-timeout: 1s}", "http://"+freeTCPAddr(t)))
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte("allow-anonymous: true\nupstream-retries: 0\nservers:\n"+strings.Join(items, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startGateway(t, "--config", file)

	_, body := post(t, base+"/graphql", `{ servers { name version status lastError } jobSessions(first: 40) { nodes { id server { name } } } }`, nil, nil)
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
	_, body := post(t, base+"/graphql", `{ servers { name version status } jobs(first: 100) { nodes { id server { name } } } }`, nil, nil)
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

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, body := send(t, req)
	return resp.StatusCode, body
}
