package resolvers_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vb365-graphql/vb365-graphql/resolvers"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

func TestLivePollersComeAndGo(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sim := vb365sim.New(vb365sim.Options{Version: 8, Anchor: anchor, Now: func() time.Time { return anchor }})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	user, pass := sim.Credentials()
	client, err := upstream.New(upstream.Options{BaseURL: ts.URL, Version: 8, Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	live := resolvers.NewLive(client.JobSession, 20*time.Millisecond)
	ctx := context.Background()

	// A finished session: its state, then the end.
	done, err := live.Watch(ctx, sim.SessionIDs()[9])
	if err != nil {
		t.Fatal(err)
	}
	if s := <-done; s == nil || !s.Status.Final() {
		t.Fatalf("first value %+v", s)
	}
	if _, open := <-done; open || live.Pollers() != 0 {
		t.Errorf("a finished session's stream must end at once (pollers: %d)", live.Pollers())
	}

	// Two watchers of a running session share one poller, which stops with the last.
	id := sim.LiveSessionIDs()[0]
	ctx1, cancel1 := context.WithCancel(ctx)
	ctx2, cancel2 := context.WithCancel(ctx)
	a, err1 := live.Watch(ctx1, id)
	b, err2 := live.Watch(ctx2, id)
	if err1 != nil || err2 != nil || (<-a).Status != upstream.StatusRunning || (<-b).Status != upstream.StatusRunning {
		t.Fatalf("watching a running session: %v %v", err1, err2)
	}
	if live.Pollers() != 1 {
		t.Errorf("%d pollers for one session", live.Pollers())
	}
	cancel1()
	time.Sleep(50 * time.Millisecond)
	if live.Pollers() != 1 {
		t.Error("the poller stopped while a watcher remained")
	}
	cancel2()
	for range b {
	}
	time.Sleep(50 * time.Millisecond)
	if live.Pollers() != 0 {
		t.Error("the poller outlived its last watcher")
	}

	if _, err := live.Watch(ctx, "00000000-0000-0000-0000-000000000000"); upstream.KindOf(err) != upstream.KindNotFound {
		t.Errorf("an unknown session: %v", err)
	}
	ts.CloseClientConnections()
}
