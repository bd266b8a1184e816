package upstream_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// TestActionsAreNeverSentTwice: an action whose request may have reached
// the upstream is not sent again, whatever came back (a dropped connection,
// a 503); one whose connection never opened is.
func TestActionsAreNeverSentTwice(t *testing.T) {
	t.Parallel()
	var posts atomic.Int32
	failWith := atomic.Int32{} // 0: answer; -1: drop the connection; else this status
	env := testenv.New(t, testenv.Options{Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path != "/v8/token" {
				posts.Add(1)
				switch f := failWith.Load(); {
				case f == -1:
					conn, _, _ := w.(http.Hijacker).Hijack()
					conn.Close()
					return
				case f > 0:
					w.WriteHeader(int(f))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}})
	c, job := env.Client, upstream.JobRef{ID: env.Sim.JobIDs()[5]}
	if err := c.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, f := range []int32{-1, http.StatusServiceUnavailable, http.StatusBadGateway} {
		posts.Store(0)
		failWith.Store(f)
		_, err := c.Act(context.Background(), c.NewScope(""), job, upstream.ActionDisable, false)
		if err == nil || posts.Load() != 1 {
			t.Errorf("failure %d: %d POSTs (err %v); an action that may have arrived must not be sent again", f, posts.Load(), err)
		}
	}

	// A connection that never opened is tried again: the action is sent once.
	failWith.Store(0)
	posts.Store(0)
	var dials atomic.Int32
	env2 := testenv.New(t, testenv.Options{Client: func(o *upstream.Options) {
		transport := upstream.NewTransport()
		dial := transport.DialContext
		transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 2 { // the login's connection is the first; the action's the second
				return nil, errors.New("connection refused (injected)")
			}
			return dial(ctx, network, addr)
		}
		transport.DisableKeepAlives = true
		o.HTTPClient = &http.Client{Transport: transport}
	}})
	c2 := env2.Client
	if err := c2.Login(context.Background()); err != nil {
		t.Fatal(err)
	}
	env2.Sim.ResetActions()
	if _, err := c2.Act(context.Background(), c2.NewScope(""), upstream.JobRef{ID: env2.Sim.JobIDs()[5]}, upstream.ActionDisable, false); err != nil || len(env2.Sim.Actions()) != 1 {
		t.Errorf("after a refused connection: err %v, %d actions, want 1", err, len(env2.Sim.Actions()))
	}
}
