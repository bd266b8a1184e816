package main

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
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

// TestAutoVersion: with --api-version auto (the default) the gateway asks
// the server for its newest version at start, and speaks it.
func TestAutoVersion(t *testing.T) {
	for _, v := range []int{3, 6} {
		sim := vb365sim.New(vb365sim.Options{Version: v, Password: testenv.Secret})
		ts := httptest.NewServer(sim)
		user, _ := sim.Credentials()
		s := settingsFrom(t, map[string]string{"VB365_URL": ts.URL, "VB365_USERNAME": user, "VB365_PASSWORD": testenv.Secret, "VB365_ALLOW_ANONYMOUS": "true"})
		opts, guessed, stop, err := serverOptions(s)
		if err != nil || opts[0].Version != v || guessed[0] {
			t.Errorf("a v%d server: options for v%d, guessed %v (%v)", v, opts[0].Version, guessed, err)
		}
		stop()
		ts.Close()
	}
}
