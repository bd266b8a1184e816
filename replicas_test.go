//go:build e2e

package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestTwoReplicasShareThroughRedis starts a real Redis and two gateway
// processes over one simulated upstream: one login serves both, a finished
// session fetched through one is served by the other without an upstream
// call, a query persisted on one runs on the other; then Redis stops and
// both keep answering.
func TestTwoReplicasShareThroughRedis(t *testing.T) {
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed; the test command installs it (see README)")
		}
		t.Skip("redis-server is not installed; ./test.sh installs it")
	}
	redisAddr := freeTCPAddr(t)
	_, redisPort, _ := net.SplitHostPort(redisAddr)
	redis := exec.Command(redisBin, "--port", redisPort, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := redis.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = redis.Process.Kill(); _ = redis.Wait() }()
	waitTCP(t, redisAddr)

	bin := filepath.Join(t.TempDir(), "vb365-graphql")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	sim := vb365sim.New(vb365sim.Options{Version: 8, Anchor: faultAnchor, Now: func() time.Time { return faultAnchor }, Password: testenv.Secret})
	up := httptest.NewServer(sim)
	defer up.Close()
	user, _ := sim.Credentials()

	var logs bytes.Buffer
	var mu sync.Mutex
	start := func() string {
		addr := freeTCPAddr(t)
		cmd := exec.Command(bin, "--listen", addr, "--upstream-url", up.URL, "--api-version", "v8",
			"--username", user, "--allow-anonymous", "--redis-url", "redis://"+redisAddr+"/0", "--log-format", "json")
		_, pass := sim.Credentials()
		cmd.Env = append(os.Environ(), "VB365_PASSWORD="+pass)
		cmd.Stdout, cmd.Stderr = lockedWriter{&logs, &mu}, lockedWriter{&logs, &mu}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		deadline := time.Now().Add(20 * time.Second)
		for {
			if r, err := http.Get("http://" + addr + "/readyz"); err == nil {
				r.Body.Close()
				if r.StatusCode == 200 {
					return "http://" + addr
				}
			}
			if time.Now().After(deadline) {
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("replica at %s never became ready:\n%s", addr, logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	a := start()
	b := start() // a rolling restart: the second replica must not log in again
	if n := sim.Calls()["POST /Token"]; n != 1 {
		t.Errorf("two replicas made %d logins, want 1", n)
	}

	finished := sim.SessionIDs()[12]
	q := `query($id: ID!) { jobSession(id: $id) { id status statistics { transferredDataBytes } } }`
	if _, body := post(t, a+"/graphql", q, map[string]any{"id": finished}, nil); !strings.Contains(body, finished) {
		t.Fatalf("replica A: %s", body)
	}
	before := sim.Calls()["GET /JobSessions/{id}"]
	if _, body := post(t, b+"/graphql", q, map[string]any{"id": finished}, nil); !strings.Contains(body, finished) {
		t.Fatalf("replica B: %s", body)
	}
	if n := sim.Calls()["GET /JobSessions/{id}"]; n != before || before != 1 {
		t.Errorf("the session was fetched %d times in all (%d through A), want once: B must take A's answer from Redis", n, before)
	}

	// A persisted query registered on A runs on B from its hash alone.
	pq := `{ jobs(first: 2) { nodes { name } } }`
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(pq)}}
	send := func(url string, payload map[string]any) string {
		_, body := postJSON(t, url+"/graphql", payload)
		return body
	}
	if body := send(a, map[string]any{"query": pq, "extensions": ext}); !strings.Contains(body, `"name"`) {
		t.Fatalf("registering on A: %s", body)
	}
	if body := send(b, map[string]any{"extensions": ext}); !strings.Contains(body, `"name"`) {
		t.Errorf("the hash alone on B: %s", body)
	}

	// Redis goes away: both replicas keep answering, on their own state.
	_ = redis.Process.Kill()
	_ = redis.Wait()
	for i, url := range []string{a, b} {
		id := sim.SessionIDs()[20+i]
		begin := time.Now()
		_, body := post(t, url+"/graphql", q, map[string]any{"id": id}, nil)
		if !strings.Contains(body, id) || strings.Contains(body, `"errors"`) {
			t.Errorf("replica %d without Redis: %s", i, body)
		}
		if d := time.Since(begin); d > bound(2*time.Second) {
			t.Errorf("replica %d took %v without Redis", i, d)
		}
	}
	// Redis comes back: the replicas find it again by themselves.
	redis = exec.Command(redisBin, "--port", redisPort, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := redis.Start(); err != nil {
		t.Fatal(err)
	}
	waitTCP(t, redisAddr)
	time.Sleep(1200 * time.Millisecond) // past the second a replica leaves a failed Redis alone
	again := sim.SessionIDs()[30]
	post(t, a+"/graphql", q, map[string]any{"id": again}, nil)
	before = sim.Calls()["GET /JobSessions/{id}"]
	if _, body := post(t, b+"/graphql", q, map[string]any{"id": again}, nil); !strings.Contains(body, again) {
		t.Fatalf("replica B after Redis came back: %s", body)
	}
	if n := sim.Calls()["GET /JobSessions/{id}"]; n != before {
		t.Errorf("after Redis came back B fetched the session itself (%d calls, want %d): the replicas did not reconnect", n, before)
	}

	mu.Lock()
	defer mu.Unlock()
	_, pass := sim.Credentials()
	if strings.Contains(logs.String(), pass) {
		t.Error("a replica logged the password")
	}
}
