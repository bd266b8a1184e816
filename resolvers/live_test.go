package resolvers_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestEstateWideSubscriptions: at the default interval, on v8 (the server's
// event feed, then one listing) and v6 (a listing every interval), with no
// id given: jobSessionChanged tells of a running session that advanced and
// of one a job start made; jobSessionFinished(status: [SUCCESS]) of a
// session that ended in success, and jobSessionFinished(status: [FAILED])
// of nothing. Each within 20 s; the sessions are never read one by one.
func TestEstateWideSubscriptions(t *testing.T) {
	for _, v := range []int{8, 6} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			t.Parallel()
			clock := testenv.NewClock()
			g := testenv.Start(t, testenv.Options{Version: v, Clock: clock.Now, Operators: true})
			sim := g.Env.Sim
			changed := sseEvents(t, g.URL+"/graphql", `subscription { jobSessionChanged { id status progress } }`)
			succeeded := sseEvents(t, g.URL+"/graphql", `subscription { jobSessionFinished(status: [SUCCESS]) { id status } }`)
			failed := sseEvents(t, g.URL+"/graphql", `subscription { jobSessionFinished(status: [FAILED]) { id status } }`)
			waitFor(t, "the subscriptions' first listing", func() bool { return sim.Calls()["GET /JobSessions"] > 0 })
			time.Sleep(500 * time.Millisecond) // the other two join the same round

			running := sim.LiveSessionIDs()[0]
			clock.Add(2 * time.Minute)
			expectEvent(t, changed, "a running session advanced", running, `"status":"RUNNING"`)

			r := g.Do(t, `mutation($id: ID!) { startJob(input: {id: $id}) { session { id } } }`, map[string]any{"id": sim.JobIDs()[3]})
			var started struct {
				StartJob struct{ Session struct{ ID string } }
			}
			if _ = json.Unmarshal(r.Data, &started); len(r.Errors) > 0 || started.StartJob.Session.ID == "" {
				t.Fatalf("startJob: %s", r.Raw)
			}
			expectEvent(t, changed, "a job started", started.StartJob.Session.ID, `"status":"RUNNING"`)

			clock.Add(time.Hour) // every running session ends, in success
			expectEvent(t, succeeded, "a session finished", running, `"status":"SUCCESS"`)
			select {
			case e := <-failed:
				t.Errorf("jobSessionFinished(status: [FAILED]) told of %s", e)
			case <-time.After(2 * time.Second):
			}
			if n := sim.Calls()["GET /JobSessions/{id}"]; n != 0 {
				t.Errorf("%d sessions were read one by one; the listing tells of them all", n)
			}
		})
	}
}

// sseEvents follows a subscription over server-sent events: each event's
// data, as it comes.
func sseEvents(t *testing.T, endpoint, subscription string) <-chan string {
	t.Helper()
	lines := testenv.Subscribe(t, endpoint, subscription)
	out := make(chan string, 100)
	go func() {
		for lines.Scan() {
			if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				out <- data
			}
		}
	}()
	return out
}

// expectEvent waits up to 20 s for an event that names id and has want.
func expectEvent(t *testing.T, events <-chan string, what, id, want string) {
	t.Helper()
	deadline := time.After(testenv.Bound(20 * time.Second))
	for {
		select {
		case e := <-events:
			if strings.Contains(e, id) && strings.Contains(e, want) {
				return
			}
		case <-deadline:
			t.Fatalf("%s: no event for %s with %s within 20 s", what, id, want)
		}
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(testenv.Bound(10 * time.Second)); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain for %s", what)
		}
	}
}

// TestTwentySessionsThroughTheFeed: on v8 at the default interval, 20
// running sessions, each followed by a jobSessionUpdated subscription, are
// read one by one once (each subscription's first answer) in 20 s: after
// that the event feed says which changed, and one listing an interval
// reads them all. Every subscriber still sees its session advance.
func TestTwentySessionsThroughTheFeed(t *testing.T) {
	t.Parallel()
	start := time.Now()
	g := testenv.Start(t, testenv.Options{Sim: func(o *vb365sim.Options) { o.LiveSessions = 20 },
		Clock: func() time.Time { return testenv.Anchor.Add(30 * time.Since(start)) }}) // a minute a poll
	sim := g.Env.Sim
	ids := sim.LiveSessionIDs()
	if len(ids) != 20 {
		t.Fatalf("%d live sessions", len(ids))
	}
	streams := make([]<-chan string, len(ids))
	for i, id := range ids {
		streams[i] = sseEvents(t, g.URL+"/graphql", `subscription { jobSessionUpdated(id: "`+id+`") { id progress status } }`)
	}
	time.Sleep(20 * time.Second)
	calls := sim.Calls()
	t.Logf("20 sessions followed for 20 s: %d reads of a session, %d listings, %d reads of the feed",
		calls["GET /JobSessions/{id}"], calls["GET /JobSessions"], calls["GET /Events"])
	if n := calls["GET /JobSessions/{id}"]; n > len(ids) {
		t.Errorf("%d reads of single sessions in 20 s; want at most one per session (%d)", n, len(ids))
	}
	if n := calls["GET /JobSessions"]; n > 11 {
		t.Errorf("%d listings in 20 s at a 2 s interval", n)
	}
	for i, events := range streams {
		if n := len(events); n < 5 {
			t.Errorf("session %s: %d states in 20 s; want one about every interval", ids[i], n)
		}
	}
}
