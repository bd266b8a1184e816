package upstream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// TestTheEventFeed: on v8 the feed starts from now (nothing from before),
// reports what happened since (a job started: its new session, running; a
// job disabled: the job),
// and a long poll with nothing new waits, then answers as soon as a
// running session advances, well before its wait is over. v6 has no feed
// and says which version does, with no call.
func TestTheEventFeed(t *testing.T) {
	t.Parallel()
	clock := testenv.NewClock()
	env := testenv.New(t, testenv.Options{Clock: clock.Now, Unshared: true})
	c, ctx := env.Client, context.Background()
	start, err := c.Events(ctx, c.NewScope(""), "", 0)
	if err != nil || len(start.Items) != 0 || start.Next == "" {
		t.Fatalf("the first read: %+v %v", start, err)
	}
	job, other := env.Sim.JobIDs()[3], env.Sim.JobIDs()[4]
	acted, err := c.Act(ctx, c.NewScope(""), upstream.JobRef{ID: job}, upstream.ActionStart, false)
	if err != nil || acted.Session == nil {
		t.Fatalf("start: %+v %v", acted, err)
	}
	if _, err := c.Act(ctx, c.NewScope(""), upstream.JobRef{ID: other}, upstream.ActionDisable, false); err != nil {
		t.Fatal(err)
	}
	changed, err := c.Events(ctx, c.NewScope(""), start.Next, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]upstream.Event{}
	for _, e := range changed.Items {
		found[e.Type+" "+e.ID] = e
	}
	if e, ok := found["JobSessionUpdate "+acted.Session.ID]; !ok || e.JobID != job || e.Status != "Running" {
		t.Errorf("after a start: %+v", changed.Items)
	}
	if _, ok := found["JobUpdate "+other]; !ok {
		t.Errorf("no JobUpdate for the disabled job: %+v", changed.Items)
	}
	if again, err := c.Events(ctx, c.NewScope(""), changed.Next, 0); err != nil || len(again.Items) != 0 {
		t.Errorf("nothing changed since, yet: %+v %v", again, err)
	}

	// A long poll: nothing changes for a while, then the clock moves.
	go func() {
		time.Sleep(300 * time.Millisecond)
		clock.Add(time.Minute)
	}()
	began := time.Now()
	waited, err := c.Events(ctx, c.NewScope(""), changed.Next, 5*time.Second)
	took := time.Since(began)
	if err != nil || len(waited.Items) == 0 || took < 250*time.Millisecond || took > testenv.Bound(3*time.Second) {
		t.Errorf("the long poll answered %+v (%v) after %v", waited.Items, err, took)
	}
	for _, e := range waited.Items {
		if e.Type != "JobSessionUpdate" && e.Type != "RestoreSessionUpdate" {
			t.Errorf("a minute passing changed %+v", e)
		}
	}

	v6 := testenv.New(t, testenv.Options{Version: 6})
	v6.Sim.ResetCalls()
	var ve *upstream.VersionError
	if _, err := v6.Client.Events(ctx, v6.Client.NewScope(""), "", 0); !errors.As(err, &ve) || ve.Since != 8 || v6.Sim.DataCalls() != 0 {
		t.Errorf("v6: %v", err)
	}
}
