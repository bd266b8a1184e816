//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
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
	redis := testenv.StartRedis(t)
	redisAddr := redis.Addr
	sim := vb365sim.New(vb365sim.Options{Version: 8, Anchor: faultAnchor, Now: func() time.Time { return faultAnchor }, Password: testenv.Secret})
	up := httptest.NewServer(sim)
	defer up.Close()
	logs := &testenv.LogBuffer{}
	start := replicas(t, sim, up.URL, redisAddr, logs)
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
	redis.Stop()
	for i, url := range []string{a, b} {
		id := sim.SessionIDs()[20+i]
		begin := time.Now()
		_, body := post(t, url+"/graphql", q, map[string]any{"id": id}, nil)
		if !strings.Contains(body, id) || strings.Contains(body, `"errors"`) {
			t.Errorf("replica %d without Redis: %s", i, body)
		}
		if d := time.Since(begin); d > testenv.Bound(2*time.Second) {
			t.Errorf("replica %d took %v without Redis", i, d)
		}
	}
	// Redis comes back: the replicas find it again by themselves.
	redis.Start(t)
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

	_, pass := sim.Credentials()
	if strings.Contains(logs.String(), pass) {
		t.Error("a replica logged the password")
	}
}

// replicas builds the gateway and returns a function that starts one more
// replica process over upstream and Redis (with extra flags), ready.
func replicas(t *testing.T, sim *vb365sim.Server, upstreamURL, redisAddr string, logs io.Writer, extra ...string) func() string {
	t.Helper()
	start := replicaProcesses(t, sim, upstreamURL, redisAddr, logs, extra...)
	return func() string {
		url, _ := start()
		return url
	}
}

// replicaProcesses is replicas, whose function also returns the process.
func replicaProcesses(t *testing.T, sim *vb365sim.Server, upstreamURL, redisAddr string, logs io.Writer, extra ...string) func() (string, *os.Process) {
	t.Helper()
	bin := gatewayBinary(t)
	user, pass := sim.Credentials()
	return func() (string, *os.Process) {
		addr := testenv.FreeAddr(t)
		args := append([]string{"--listen", addr, "--upstream-url", upstreamURL, "--api-version", fmt.Sprintf("v%d", sim.Version()),
			"--username", user, "--redis-url", "redis://" + redisAddr + "/0", "--log-format", "json"}, extra...)
		if !slices.Contains(extra, "--api-keys") {
			args = append(args, "--allow-anonymous")
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "VB365_PASSWORD="+pass)
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		deadline := time.Now().Add(20 * time.Second)
		for {
			if r, err := http.Get("http://" + addr + "/readyz"); err == nil {
				r.Body.Close()
				if r.StatusCode == 200 {
					return "http://" + addr, cmd.Process
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica at %s never became ready", addr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestReplicasActOnce: the same startJob, with one Idempotency-Key, sent to
// two replicas that share Redis at the same time makes one upstream POST
// and gives both the same session; after disableJob through one replica,
// the other says the job is disabled at once, though it had it cached.
func TestReplicasActOnce(t *testing.T) {
	redisAddr := testenv.StartRedis(t).Addr
	sim := vb365sim.New(vb365sim.Options{Version: 8, Anchor: faultAnchor, Now: func() time.Time { return faultAnchor }, Password: testenv.Secret})
	up := httptest.NewServer(sim)
	defer up.Close()
	start := replicas(t, sim, up.URL, redisAddr, &testenv.LogBuffer{}, "--api-keys", "ops-key-1 operator ops")
	a, b := start(), start()
	operator := map[string]string{"X-API-Key": "ops-key-1", "Idempotency-Key": "start-once-1"}
	job := sim.JobIDs()[5]
	vars := map[string]any{"id": job}

	// Both replicas have the job cached.
	read := `query($id: ID!) { job(id: $id) { isEnabled } }`
	for _, url := range []string{a, b} {
		if _, body := post(t, url+"/graphql", read, vars, operator); !strings.Contains(body, `"isEnabled":true`) {
			t.Fatalf("%s: %s", url, body)
		}
	}

	var wg sync.WaitGroup
	answers := make([]string, 2)
	for i, url := range []string{a, b} {
		wg.Go(func() { _, answers[i] = post(t, url+"/graphql", startMutation, vars, operator) })
	}
	wg.Wait()
	session := func(body string) string {
		var d struct {
			Data struct {
				StartJob struct{ Session struct{ ID string } }
			}
		}
		_ = json.Unmarshal([]byte(body), &d)
		return d.Data.StartJob.Session.ID
	}
	if posts := len(sim.Actions()); posts != 1 || session(answers[0]) == "" || session(answers[0]) != session(answers[1]) {
		t.Errorf("one key, two replicas: %d upstream POSTs; answers %s / %s", posts, answers[0], answers[1])
	}

	disable := `mutation($id: ID!) { disableJob(input: {id: $id}) { job { isEnabled } } }`
	if _, body := post(t, a+"/graphql", disable, vars, map[string]string{"X-API-Key": "ops-key-1"}); !strings.Contains(body, `"isEnabled":false`) {
		t.Fatalf("disable through A: %s", body)
	}
	for name, url := range map[string]string{"B": b, "A": a} {
		if _, body := post(t, url+"/graphql", read, vars, operator); !strings.Contains(body, `"isEnabled":false`) {
			t.Errorf("right after the disable, %s says %s", name, body)
		}
	}
}

// TestRedisOutageCostsNoLatency: with Redis gone (refusing connections) or
// hung (accepting, never answering), queries take what they take without
// it: at most one request pays a short timeout to find it gone, and nobody
// waits on it again until it answers. (Each query once took 1.7 s: go-redis
// dialled five times, with waits, on every request's time.)
func TestRedisOutageCostsNoLatency(t *testing.T) {
	sim := vb365sim.New(vb365sim.Options{Version: 8, Anchor: faultAnchor, Now: func() time.Time { return faultAnchor }, Password: testenv.Secret})
	up := httptest.NewServer(sim)
	defer up.Close()
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	go func() { // accepts, reads, never answers
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	redis := testenv.StartRedis(t)
	gone := redis.Addr
	q := `query($id: ID!) { jobSession(id: $id) { id status } }`
	for name, addr := range map[string]string{"gone": gone, "hung": hung.Addr().String()} {
		start := replicas(t, sim, up.URL, addr, io.Discard)
		gw := start()
		if name == "gone" {
			post(t, gw+"/graphql", q, map[string]any{"id": sim.SessionIDs()[0]}, nil) // Redis in use
			redis.Stop()
		}
		// Spread over 5 s: a store that only leaves Redis alone for a while
		// after each failure is tried again, on some request's time, every
		// time that while is over.
		var took []time.Duration
		for i := range 20 {
			id := sim.SessionIDs()[40+i] // a new session each time: nothing cached
			begin := time.Now()
			if _, body := post(t, gw+"/graphql", q, map[string]any{"id": id}, nil); !strings.Contains(body, id) {
				t.Fatalf("Redis %s: %s", name, body)
			}
			took = append(took, time.Since(begin))
			time.Sleep(250 * time.Millisecond)
		}
		slices.Sort(took)
		t.Logf("Redis %s: 20 queries over 5 s, median %v, slowest %v", name, took[10], took[19])
		if took[10] > 100*time.Millisecond || took[18] > testenv.Bound(500*time.Millisecond) {
			t.Errorf("Redis %s: median %v, second slowest %v; want the median under 100ms and no request but one slowed", name, took[10], took[18])
		}
	}
}
