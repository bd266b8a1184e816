package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/live"
	"github.com/vb365-graphql/vb365-graphql/upstream"
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
