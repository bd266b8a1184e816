package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/live"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

func TestLivePollersComeAndGo(t *testing.T) {
	testenv.LeakCheck(t)
	env := testenv.New(t, testenv.Options{})
	sim := env.Sim
	hub := live.New(env.Client.NewScope, live.JobSessions(env.Client), 20*time.Millisecond, nil)
	ctx := context.Background()

	// A finished session: its state, then the end.
	done, err := hub.Watch(ctx, "", sim.SessionIDs()[9])
	if err != nil {
		t.Fatal(err)
	}
	if s := <-done; s == nil || !s.Status.Final() {
		t.Fatalf("first value %+v", s)
	}
	if _, open := <-done; open || hub.Pollers() != 0 {
		t.Errorf("a finished session's stream must end at once (pollers: %d)", hub.Pollers())
	}

	// Two watchers of a running session share one poller, which stops with the last.
	id := sim.LiveSessionIDs()[0]
	ctx1, cancel1 := context.WithCancel(ctx)
	ctx2, cancel2 := context.WithCancel(ctx)
	a, err1 := hub.Watch(ctx1, "", id)
	b, err2 := hub.Watch(ctx2, "", id)
	if err1 != nil || err2 != nil || (<-a).Status != upstream.StatusRunning || (<-b).Status != upstream.StatusRunning {
		t.Fatalf("watching a running session: %v %v", err1, err2)
	}
	if hub.Pollers() != 1 {
		t.Errorf("%d pollers for one session", hub.Pollers())
	}
	cancel1()
	time.Sleep(50 * time.Millisecond)
	if hub.Pollers() != 1 {
		t.Error("the poller stopped while a watcher remained")
	}
	cancel2()
	for range b {
	}
	time.Sleep(50 * time.Millisecond)
	if hub.Pollers() != 0 {
		t.Error("the poller outlived its last watcher")
	}

	if _, err := hub.Watch(ctx, "", "00000000-0000-0000-0000-000000000000"); upstream.KindOf(err) != upstream.KindNotFound {
		t.Errorf("an unknown session: %v", err)
	}
}

// TestListenersHearWhatChanges: without an id, a listener hears each
// session that advances (on v6, from one listing an interval); one that
// does not read holds the newest 64 changes, never more, the last of them
// the newest state; when it leaves, the round stops asking.
func TestListenersHearWhatChanges(t *testing.T) {
	testenv.LeakCheck(t)
	clock := testenv.NewClock()
	env := testenv.New(t, testenv.Options{Version: 6, Clock: clock.Now, Unshared: true})
	sim := env.Sim
	hub := live.New(env.Client.NewScope, live.JobSessions(env.Client), 20*time.Millisecond, nil)
	ctx, cancel := context.WithCancel(context.Background())
	heard, err := hub.Listen(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	running := sim.LiveSessionIDs()[0]
	var last *upstream.JobSession
	for range 100 { // a change an interval, unread
		clock.Add(10 * time.Second)
		time.Sleep(40 * time.Millisecond)
	}
	if n := len(heard); n != cap(heard) || n != 64 {
		t.Errorf("an unread listener holds %d changes (room for %d); want the newest 64", n, cap(heard))
	}
	for len(heard) > 0 {
		if s := <-heard; s.ID == running {
			last = s
		}
	}
	now, err := env.Client.PollJobSession(context.Background(), env.Client.NewScope(""), running)
	if err != nil || last == nil || last.Progress != now.Progress {
		t.Errorf("the last state heard of %s: %+v; the session now: %+v (%v)", running, last, now, err)
	}
	cancel()
	for range heard {
	}
	if n := callsOnceQuiet(sim, "GET /JobSessions", 200*time.Millisecond); n != 0 {
		t.Errorf("the round listed %d times after its last listener left", n)
	}
}

// callsOnceQuiet counts the calls of route the simulator gets over watch,
// from 100 ms after the last follower left (what was in flight then ends).
func callsOnceQuiet(sim *vb365sim.Server, route string, watch time.Duration) int {
	time.Sleep(100 * time.Millisecond)
	sim.ResetCalls()
	time.Sleep(watch)
	return sim.Calls()[route]
}
