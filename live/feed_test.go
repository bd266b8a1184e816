package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/live"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// TestTheFeedDrivesPolls: on v8, a followed session is read when the feed
// says it changed, not every interval: still for 30 intervals, it costs at
// most one read in 15 intervals, against one an interval by polling (the
// same session, the same time, measured here); when it advances, its
// watcher gets the new state within the feed's wait. The feed is read only
// while something is followed.
func TestTheFeedDrivesPolls(t *testing.T) {
	testenv.LeakCheck(t)
	clock := testenv.NewClock()
	env := testenv.New(t, testenv.Options{Clock: clock.Now, Unshared: true})
	sim := env.Sim
	const interval = 20 * time.Millisecond
	id := sim.LiveSessionIDs()[0]
	// readsWhileStill follows the session for 30 intervals in which it does
	// not change, and counts the reads of it.
	readsWhileStill := func(hub *live.Hub[*upstream.JobSession]) (int, <-chan *upstream.JobSession, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		states, err := hub.Watch(ctx, "", id)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // the feed's first answer, then it waits
		sim.ResetCalls()
		time.Sleep(600 * time.Millisecond)
		return sim.Calls()["GET /JobSessions/{id}"], states, cancel
	}

	polling := live.New(env.Client.NewScope, live.JobSessions(env.Client), interval, nil)
	polled, states, cancel := readsWhileStill(polling)
	cancel()
	for range states {
	}

	hub := live.New(env.Client.NewScope, live.JobSessions(env.Client), interval, nil)
	hub.UseFeed(live.NewFeed(env.Client, 5*time.Second, interval, env.Client.Changed, nil), "JobSessionUpdate")
	still, states, cancel := readsWhileStill(hub)
	first := <-states
	t.Logf("a still session followed for 30 intervals: %d reads by polling, %d through the feed", polled, still)
	if still > int(600*time.Millisecond/(interval*15))+1 || polled < 5*still { // the feed's safety net: one read in 15 intervals
		t.Errorf("%d reads through the feed, %d by polling, of a session that did not change in 30 intervals", still, polled)
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
	if n := callsOnceQuiet(sim, "GET /Events", 300*time.Millisecond); n != 0 {
		t.Errorf("the feed was read %d times with nothing followed", n)
	}
}
