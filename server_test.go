package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// The settings' own tests are beside them, in config/.

// TestWrongPasswordStopsTheStart: the process ends at once with a message
// that says what is wrong, after a single login attempt.
func TestWrongPasswordStopsTheStart(t *testing.T) {
	sim := vb365sim.New(vb365sim.Options{Version: 8})
	ts := httptest.NewServer(sim)
	defer ts.Close()
	defer slog.SetDefault(slog.Default()) // run sets its own logger
	err := run(context.Background(), []string{"--upstream-url", ts.URL, "--username", "svc", "--password", "wrong-pw-1234",
		"--allow-anonymous", "--listen", "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "cannot log in") || strings.Contains(err.Error(), "wrong-pw-1234") {
		t.Errorf("got %v; want a login error that does not show the password", err)
	}
	if n := sim.Calls()["POST /Token"]; n != 1 {
		t.Errorf("%d login attempts, want 1", n)
	}
}
