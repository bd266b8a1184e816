//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestOnePollerPerCluster: three replica processes share a real Redis, 30
// subscribers on each follow one running session at a 1 s interval. In
// 10 s the upstream is asked for the session at most 13 times in all (one
// replica asks once an interval; each replica's first subscriber costs one
// read), and its event feed is read by one replica. Then the leading
// replica is killed: the others' subscribers get the next state within two
// intervals. Then Redis stops: each replica asks for its own subscribers,
// which go on, and says so in /readyz and its metrics.
func TestOnePollerPerCluster(t *testing.T) {
	redis := testenv.StartRedis(t)
	redisAddr := redis.Addr
	start := time.Now()
	sim := vb365sim.New(vb365sim.Options{Version: 8, Anchor: faultAnchor, Password: testenv.Secret,
		Now: func() time.Time { return faultAnchor.Add(10 * time.Since(start)) }}) // a running session advances every poll
	up := httptest.NewServer(sim)
	defer up.Close()
	launch := replicaProcesses(t, sim, up.URL, redisAddr, &testenv.LogBuffer{}, "--poll-interval", "1s")
	type replica struct {
		url  string
		proc *os.Process
		last atomic.Int64 // when one of its subscribers last had an event (unix ns)
	}
	replicas := make([]*replica, 3)
	for i := range replicas {
		url, proc := launch()
		replicas[i] = &replica{url: url, proc: proc}
	}
	session := sim.LiveSessionIDs()[0]
	sim.ResetCalls()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var firsts sync.WaitGroup
	for _, r := range replicas {
		for range 30 {
			firsts.Add(1)
			go func() {
				first := true
				follow(ctx, r.url, session, func() {
					if first {
						first = false
						firsts.Done()
					}
					r.last.Store(time.Now().UnixNano())
				})
			}()
		}
	}
	firsts.Wait()
	time.Sleep(10 * time.Second)
	calls := sim.Calls()
	asked := calls["GET /JobSessions/{id}"] + calls["GET /JobSessions"]
	t.Logf("3 replicas × 30 subscribers, 10 s at 1 s: the session asked for %d times (%d alone, %d in listings), the feed read %d times",
		asked, calls["GET /JobSessions/{id}"], calls["GET /JobSessions"], calls["GET /Events"])
	if asked > 13 {
		t.Errorf("the session was asked for %d times in 10 s by three replicas; one replica asks 10 times, and each replica's first subscriber once", asked)
	}
	if n := calls["GET /Events"]; n > 13 {
		t.Errorf("the feed was read %d times in 10 s; one replica reads it at most once a second", n)
	}

	// Kill the replica that leads; the others' subscribers go on.
	var leader *replica
	for _, r := range replicas {
		if _, body := get(t, r.url+"/metrics"); regexp.MustCompile(`(?m)^vb365_graphql_live_rounds_leading [1-9]`).MatchString(body) {
			if leader != nil {
				t.Fatal("two replicas lead")
			}
			leader = r
		}
	}
	if leader == nil {
		t.Fatal("no replica leads")
	}
	if err := leader.proc.Kill(); err != nil {
		t.Fatal(err)
	}
	// nextEvent waits for an event after since at a surviving replica.
	nextEvent := func(r *replica, since time.Time, what string) time.Duration {
		for time.Unix(0, r.last.Load()).Before(since) {
			if time.Since(since) > testenv.Bound(10*time.Second) {
				t.Fatalf("%s: no event in 10 s after %s", r.url, what)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Unix(0, r.last.Load()).Sub(since)
	}
	killed := time.Now()
	for _, r := range replicas {
		if r == leader {
			continue
		}
		gap := nextEvent(r, killed, "the leader was killed")
		t.Logf("%s: the first event %v after the leader was killed", r.url, gap.Round(time.Millisecond))
		if gap > 2*time.Second+testenv.Bound(200*time.Millisecond) {
			t.Errorf("%s: the first event came %v after the leader was killed; want within two intervals (2 s)", r.url, gap)
		}
	}

	redis.Stop()
	time.Sleep(2 * time.Second) // a replica finds Redis gone at its next half interval
	stopped := time.Now()
	for _, r := range replicas {
		if r == leader {
			continue
		}
		nextEvent(r, stopped, "Redis stopped")
		if _, body := get(t, r.url+"/readyz"); !strings.Contains(body, "degraded: redis cannot be reached") {
			t.Errorf("%s: /readyz says %q with Redis gone", r.url, body)
		}
		if _, body := get(t, r.url+"/metrics"); !strings.Contains(body, "\nvb365_graphql_redis_up 0\n") {
			t.Errorf("%s: the metrics do not say Redis is down", r.url)
		}
	}
}

// follow subscribes to a job session over server-sent events and calls
// event for each state, until ctx ends or the stream does.
func follow(ctx context.Context, url, session string, event func()) {
	body := `{"query":"subscription($id: ID!) { jobSessionUpdated(id: $id) { id progress } }","variables":{"id":"` + session + `"}}`
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "data: ") {
			event()
		}
	}
}
