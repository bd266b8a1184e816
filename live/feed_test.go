package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/live"
)

// TestTheFeedDrivesPolls: on v8, a followed session is read when the feed
// says it changed, not every interval: still for a while, it costs (almost)
// no reads where polling would cost one an interval; when it advances, its
// watcher gets the new state within the feed's wait. The feed is read only
// while something is followed.
func TestTheFeedDrivesPolls(t *testing.T) {
	testenv.LeakCheck(t)
	clock := testenv.NewClock()
	env := testenv.New(t, testenv.Options{Clock: clock.Now, Unshared: true})
	sim := env.Sim
	const interval = 20 * time.Millisecond
	hub := live.New(env.Client.NewScope, live.JobSessions(env.Client), interval, nil)
	hub.UseFeed(live.NewFeed(env.Client, 5*time.Second, interval, env.Client.Changed, nil), "JobSessionUpdate")

	id := sim.LiveSessionIDs()[0]
	ctx, cancel := context.WithCancel(context.Background())
	states, err := hub.Watch(ctx, "", id)
	if err != nil {
		t.Fatal(err)
	}
	first := <-states
	time.Sleep(200 * time.Millisecond) // the feed's first answer, then it waits
	sim.ResetCalls()
	time.Sleep(600 * time.Millisecond) // 30 intervals: 30 reads when polling
	still := sim.Calls()["GET /JobSessions/{id}"]
	t.Logf("a still session, followed through the feed for 30 intervals: %d reads", still)
	if still > int(600*time.Millisecond/(interval*15))+1 { // the safety net: one read in 15 intervals
		t.Errorf("%d reads of a session that did not change in 30 intervals", still)
	}
	clock.Add(2 * time.Minute)
	select {
	case s := <-states:
		if s.Progress <= first.Progress {
			t.Errorf("the new state: progress %d, first %d", s.Progress, first.Progress)
		}
	case <-time.After(testenv.Bound(3 * time.Second)):
		t.Fatal("no new state after the session advanced")
	}
	cancel()
	for range states {
	}
	time.Sleep(100 * time.Millisecond)
	sim.ResetCalls()
	time.Sleep(300 * time.Millisecond)
	if n := sim.Calls()["GET /Events"]; n != 0 {
		t.Errorf("the feed was read %d times with nothing followed", n)
	}
}
