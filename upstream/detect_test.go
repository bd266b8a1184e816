package upstream_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestDetectVersion: each server's newest version, found without credentials.
func TestDetectVersion(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 5, 6, 8} {
		srv := httptest.NewServer(vb365sim.New(vb365sim.Options{Version: v}))
		got, err := upstream.DetectVersion(context.Background(), srv.URL, nil)
		srv.Close()
		if err != nil || got != v {
			t.Errorf("a v%d server: found v%d (%v)", v, got, err)
		}
	}
	if _, err := upstream.DetectVersion(context.Background(), "http://127.0.0.1:1", nil); err == nil {
		t.Error("an unreachable server gave a version")
	}
}

// TestRedetect: a client started on a guess (the server could not be
// asked) asks again until the server answers, then speaks its version;
// meanwhile its reach says it is down, and why.
func TestRedetect(t *testing.T) {
	sim := vb365sim.New(vb365sim.Options{Version: 3})
	var up atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	defer srv.Close()
	opts := upstream.DefaultOptions(srv.URL, upstream.MaxVersion)
	opts.Username, opts.Password = sim.Credentials()
	opts.Retries, opts.BreakerThreshold = 0, 1000 // this test is not about the breaker
	c, err := upstream.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Reach(); r.Known {
		t.Errorf("reach before any call: %+v", r)
	}
	if err := c.Login(context.Background()); err == nil {
		t.Fatal("logged in to a server that answers 503")
	}
	if r := c.Reach(); !r.Known || r.Up || r.LastError == "" {
		t.Errorf("reach after a 503: %+v", r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { c.Redetect(ctx, 5*time.Millisecond); close(done) }()
	time.Sleep(30 * time.Millisecond)
	if c.Version() != upstream.MaxVersion {
		t.Errorf("the version changed while the server did not answer: v%d", c.Version())
	}
	up.Store(true)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Redetect did not find the version once the server answered")
	}
	if c.Version() != 3 {
		t.Errorf("after the server answered: v%d, want v3", c.Version())
	}
	// The failed login holds further attempts back for a second.
	deadline := time.Now().Add(5 * time.Second)
	for _, err := c.Jobs(context.Background(), c.NewScope("")); err != nil; _, err = c.Jobs(context.Background(), c.NewScope("")) {
		if time.Now().After(deadline) {
			t.Fatalf("reading as v3: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := c.Reach(); !r.Known || !r.Up || r.LastError != "" {
		t.Errorf("reach after answers: %+v", r)
	}
}

// TestRedetectAfterReconnect: a server whose version was asked (auto)
// is asked again when it answers after being down: here it comes back
// as another version, as after an upgrade.
func TestRedetectAfterReconnect(t *testing.T) {
	var current atomic.Pointer[vb365sim.Server]
	current.Store(vb365sim.New(vb365sim.Options{Version: 8}))
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		current.Load().ServeHTTP(w, r)
	}))
	defer srv.Close()
	opts := upstream.DefaultOptions(srv.URL, 8)
	opts.Username, opts.Password = current.Load().Credentials()
	opts.Retries, opts.BreakerThreshold, opts.AutoVersion, opts.Sharing.Off = 0, 1000, true, true
	c, err := upstream.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	if err := c.Ping(context.Background()); err == nil {
		t.Fatal("a 503 was no error")
	}
	current.Store(vb365sim.New(vb365sim.Options{Version: 6})) // the server comes back as v6
	down.Store(false)
	_ = c.Ping(context.Background()) // it answers: the client asks for the version again
	deadline := time.Now().Add(5 * time.Second)
	for c.Version() != 6 {
		if time.Now().After(deadline) {
			t.Fatalf("still v%d after the server came back as v6", c.Version())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
