package upstream_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// sharedPair is a simulator and a client with sharing on, on one clock.
func sharedPair(t *testing.T, latency time.Duration, tweak func(*upstream.Options)) (*vb365sim.Server, *upstream.Client, *testenv.Clock) {
	t.Helper()
	clk := testenv.NewClock()
	env := testenv.New(t, testenv.Options{Clock: clk.Now, Latency: latency, Client: func(o *upstream.Options) {
		o.Now = clk.Now
		if tweak != nil {
			tweak(o)
		}
	}})
	sim, c := env.Sim, env.Client
	if err := c.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	sim.ResetCalls()
	return sim, c, clk
}

func TestIdenticalCallsInFlightAreCoalesced(t *testing.T) {
	sim, c, _ := sharedPair(t, 50*time.Millisecond, nil)
	id := sim.SessionIDs()[9]
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s, err := c.JobSession(context.Background(), none(c), id); err != nil || s.ID != id {
				t.Error(s, err)
			}
		}()
	}
	wg.Wait()
	if n := sim.DataCalls(); n != 1 {
		t.Errorf("20 concurrent identical calls reached the upstream %d times, want 1", n)
	}
	if st := c.SharingStats(); st.Coalesced+st.Hits != 19 {
		t.Errorf("stats %+v: want 19 served without a call of their own", st)
	}
}

func TestTheCacheKnowsFinishedSessions(t *testing.T) {
	t.Parallel()
	sim, c, clk := sharedPair(t, 0, func(o *upstream.Options) {
		o.Sharing.FinalTTL, o.Sharing.LiveTTL, o.Sharing.ListTTL, o.Sharing.JobTTL = time.Hour, time.Second, 5*time.Second, 30*time.Second
	})
	ctx := context.Background()
	finished, running := sim.SessionIDs()[9], sim.LiveSessionIDs()[0]
	get := func(id string) {
		if _, err := c.JobSession(ctx, none(c), id); err != nil {
			t.Fatal(err)
		}
	}
	get(finished)
	get(running)
	clk.Add(30 * time.Minute)
	get(finished) // still cached
	get(running)  // expired after a second: fetched again
	if n := sim.Calls()["GET /JobSessions/{id}"]; n != 3 {
		t.Errorf("%d GETs, want 3: the finished session once, the running one twice", n)
	}
	clk.Add(31 * time.Minute)
	get(finished)
	if n := sim.Calls()["GET /JobSessions/{id}"]; n != 4 {
		t.Errorf("after an hour the finished session is fetched again: %d GETs, want 4", n)
	}

	// A listing files its sessions under their own URLs.
	sim.ResetCalls()
	page, err := c.JobSessions(ctx, none(c), upstream.SessionFilter{}, upstream.PageRequest{Offset: 100, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range page.Items {
		get(s.ID)
	}
	if n := sim.DataCalls(); n != 1 {
		t.Errorf("a listing and its 20 sessions by id cost %v, want only the listing", sim.Calls())
	}
	// The log of a session known to be finished is kept long too.
	for range 2 {
		if _, err := c.LogItems(ctx, none(c), finished, upstream.PageRequest{Limit: 5}); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	if n := sim.Calls()["GET /JobSessions/{id}/LogItems"]; n != 1 {
		t.Errorf("a finished session's log page was fetched %d times in two minutes, want 1", n)
	}
}

func TestSharingOffSharesNothing(t *testing.T) {
	t.Parallel()
	sim, c, _ := sharedPair(t, 0, func(o *upstream.Options) { o.Sharing.Off = true })
	for range 3 {
		if _, err := c.JobSession(context.Background(), none(c), sim.SessionIDs()[9]); err != nil {
			t.Fatal(err)
		}
	}
	if n := sim.DataCalls(); n != 3 {
		t.Errorf("with sharing off, 3 calls reached the upstream %d times", n)
	}
}

// TestCacheIsKeyedByCredentials: in pass-through mode, an answer fetched
// with one caller's token is never served to another caller.
func TestCacheIsKeyedByCredentials(t *testing.T) {
	t.Parallel()
	sim, c, _ := sharedPair(t, 0, func(o *upstream.Options) { o.Username, o.Password = "", "" })
	id := sim.SessionIDs()[9]
	ctx := context.Background()
	token := "Bearer " + loginToken(t, sim)
	if _, err := c.JobSession(ctx, c.NewScope(token), id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.JobSession(ctx, c.NewScope(token), id); err != nil {
		t.Fatal(err)
	}
	if s, err := c.JobSession(ctx, c.NewScope("Bearer forged"), id); err == nil || s != nil {
		t.Errorf("a forged token got %+v from the cache", s)
	}
	if n := sim.DataCalls(); n != 2 {
		t.Errorf("%d upstream calls, want 2: one for the good caller, one refused for the forged one", n)
	}
}

// TestCacheHonoursCacheControlAndETag runs against an upstream that sends
// ETag and Cache-Control: max-age bounds the time an answer is kept, an
// expired one is revalidated with If-None-Match, no-store is not kept.
func TestCacheHonoursCacheControlAndETag(t *testing.T) {
	t.Parallel()
	var full, notModified, noStore atomic.Int64
	session := `{"id":"%s","creationTime":"2026-01-01T00:00:00Z","progress":1,"status":"Success"}`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v8/token":
			_, _ = w.Write([]byte(`{"access_token":"a","refresh_token":"r","expires_in":86400}`))
		case "/v8/JobSessions/a8cf9a63-64c3-4748-9c95-b1fbac0cce1d":
			if r.Header.Get("If-None-Match") == `"v1"` {
				notModified.Add(1)
				w.WriteHeader(http.StatusNotModified)
				return
			}
			full.Add(1)
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Cache-Control", "max-age=60")
			_, _ = fmt.Fprintf(w, session, "a8cf9a63-64c3-4748-9c95-b1fbac0cce1d")
		default:
			noStore.Add(1)
			w.Header().Set("Cache-Control", "no-store")
			_, _ = fmt.Fprintf(w, session, "b8cf9a63-64c3-4748-9c95-b1fbac0cce1d")
		}
	}))
	defer ts.Close()
	clk := testenv.NewClock()
	opts := upstream.DefaultOptions(ts.URL, 8)
	opts.Username, opts.Password, opts.Now = "u", "p", clk.Now
	c, err := upstream.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		if _, err := c.JobSession(ctx, none(c), "a8cf9a63-64c3-4748-9c95-b1fbac0cce1d"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.JobSession(ctx, none(c), "b8cf9a63-64c3-4748-9c95-b1fbac0cce1d"); err != nil {
			t.Fatal(err)
		}
		clk.Add(45 * time.Second)
	}
	// t=0 full; t=45s cached (max-age 60 though the session is final); t=90s revalidated.
	if full.Load() != 1 || notModified.Load() != 1 {
		t.Errorf("%d full answers and %d revalidations, want 1 and 1", full.Load(), notModified.Load())
	}
	if noStore.Load() != 3 {
		t.Errorf("a no-store answer was served from the cache (%d calls for 3 asks)", noStore.Load())
	}
}

func TestCacheIsBoundedByBytes(t *testing.T) {
	t.Parallel()
	sim, c, _ := sharedPair(t, 0, func(o *upstream.Options) { o.Sharing.MaxBytes = 16 << 10 })
	for _, id := range sim.SessionIDs()[:200] {
		if _, err := c.JobSession(context.Background(), none(c), id); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.SharingStats(); st.Bytes > 16<<10 || st.Entries == 0 || st.Entries >= 200 {
		t.Errorf("stats %+v: want at most 16 KiB held, some entries but not all 200", st)
	}
}

// TestIdenticalCallsInOneOperationGoOutOnce: with sharing off, one
// operation's identical GETs (a count and a page of a bare array, a job
// listing asked by two loader batches) still cost one call.
func TestIdenticalCallsInOneOperationGoOutOnce(t *testing.T) {
	t.Parallel()
	sim, c, _ := sharedPair(t, 0, func(o *upstream.Options) { o.Sharing.Off = true })
	scope := c.NewScope("")
	for range 3 {
		if _, err := c.JobSession(context.Background(), scope, sim.SessionIDs()[4]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.JobSession(context.Background(), none(c), sim.SessionIDs()[4]); err != nil {
		t.Fatal(err)
	}
	if n := sim.DataCalls(); n != 2 {
		t.Errorf("%d calls, want 2: one for the request, one outside it", n)
	}
}
