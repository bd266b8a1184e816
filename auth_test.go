package main

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestPassThroughNeverMixesCallers: two callers ask for the same sessions at
// the same time, one with a valid VB365 token and one with a bad one. Each
// upstream call carries the header of the caller it serves, and the bad
// caller never sees data.
func TestPassThroughNeverMixesCallers(t *testing.T) {
	ru := newRecordingUpstream(t, true)
	gw := serve(t, parts{servers: []graphqlhttp.API{ru.Client}}, settingsFrom(t, nil))

	good := ru.Token(t)
	bad := "Bearer forged-token"
	ids := ru.Sim.SessionIDs()[:10]
	q := `query($id: ID!) { jobSession(id: $id) { id status job { name } } }`
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := []string{}
	for i := range 40 {
		for _, auth := range []string{good, bad, ""} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				headers := map[string]string{}
				if auth != "" {
					headers["Authorization"] = auth
				}
				_, body := post(t, gw.URL+"/graphql", q, map[string]any{"id": ids[i%len(ids)]}, headers)
				gotData := strings.Contains(body, `"status":"`)
				if (auth == good) != gotData || (auth != good && !strings.Contains(body, `"code":"UNAUTHENTICATED"`)) {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("caller %q got %s", auth, body))
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	for _, f := range failures[:min(len(failures), 5)] {
		t.Error(f)
	}
	ru.mu.Lock()
	defer ru.mu.Unlock()
	for header, n := range ru.by {
		if header != good && header != bad {
			t.Errorf("%d upstream calls carried %q, which no caller sent", n, header)
		}
	}
	if ru.by[""] != 0 {
		t.Errorf("a caller without credentials caused %d upstream calls", ru.by[""])
	}
	// Identical calls of one caller in flight together may share one
	// upstream call; a caller's call is never shared with another caller.
	if ru.by[bad] < 1 || ru.by[bad] > 40 {
		t.Errorf("the bad token was used %d times, want 1..40 (its own 40 queries)", ru.by[bad])
	}
}

// TestServiceAccountNeedsAnAPIKey: with a service account and API keys, a
// client without a valid key gets nothing, and causes no upstream call; the
// key itself never reaches the upstream.
func TestServiceAccountNeedsAnAPIKey(t *testing.T) {
	ru := newRecordingUpstream(t, false)
	const key = "k-3d1f0c9e8b7a"
	s := settingsFrom(t, nil)
	s.APIKeys = []string{"other-key", key}
	gw := serve(t, parts{servers: []graphqlhttp.API{ru.Client}}, s)
	q := `query($id: ID!) { jobSession(id: $id) { id status } }`
	vars := map[string]any{"id": ru.Sim.SessionIDs()[0]}

	for _, headers := range []map[string]string{nil, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer " + key + "x"}} {
		status, body := post(t, gw.URL+"/graphql", q, vars, headers)
		if status != http.StatusUnauthorized || !strings.Contains(body, `"code":"UNAUTHENTICATED"`) || strings.Contains(body, `"data"`) {
			t.Errorf("headers %v: HTTP %d %s; want 401 UNAUTHENTICATED and no data", headers, status, body)
		}
	}
	ru.mu.Lock()
	calls := len(ru.by)
	ru.mu.Unlock()
	if calls != 0 {
		t.Errorf("clients without a valid key caused upstream calls: %v", ru.by)
	}
	for _, headers := range []map[string]string{{"X-API-Key": key}, {"Authorization": "Bearer " + key}} {
		status, body := post(t, gw.URL+"/graphql", q, vars, headers)
		if status != http.StatusOK || !strings.Contains(body, `"status":"`) {
			t.Errorf("headers %v: HTTP %d %s; want data", headers, status, body)
		}
	}
	ru.mu.Lock()
	defer ru.mu.Unlock()
	for header := range ru.by {
		if strings.Contains(header, key) {
			t.Errorf("the API key reached the upstream: %q", header)
		}
	}
}

// TestTLSToASelfSignedUpstream uses a real TLS server with a certificate no
// system trusts: it works with the CA file, with a matching server-name
// override, or in insecure mode, and fails cleanly otherwise.
func TestTLSToASelfSignedUpstream(t *testing.T) {
	sim := vb365sim.New(vb365sim.Options{Version: 8, Anchor: faultAnchor, Now: func() time.Time { return faultAnchor }, Password: testenv.Secret})
	ts := httptest.NewTLSServer(sim)
	defer ts.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	user, pass := sim.Credentials()
	login := func(env map[string]string) error {
		env["VB365_URL"], env["VB365_USERNAME"], env["VB365_PASSWORD"], env["VB365_ALLOW_ANONYMOUS"] = ts.URL, user, pass, "true"
		s, err := config.Load(nil, func(k string) string { return env[k] })
		if err != nil {
			return err
		}
		all, _, stop, err := serverOptions(s)
		defer stop()
		if err != nil {
			return err
		}
		opts := all[0]
		opts.Retries = 0
		client, err := upstream.New(opts)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return client.Login(ctx)
	}
	if err := login(map[string]string{}); upstream.KindOf(err) != upstream.KindUnavailable {
		t.Errorf("no CA given: %v, want the certificate refused", err)
	}
	if err := login(map[string]string{"VB365_CA_FILE": caFile}); err != nil {
		t.Errorf("with the CA file: %v", err)
	}
	// httptest's certificate names example.com; a wrong expected name fails.
	if err := login(map[string]string{"VB365_CA_FILE": caFile, "VB365_TLS_SERVER_NAME": "example.com"}); err != nil {
		t.Errorf("with the right server name: %v", err)
	}
	if err := login(map[string]string{"VB365_CA_FILE": caFile, "VB365_TLS_SERVER_NAME": "vbo.other.example"}); err == nil {
		t.Error("a certificate for another name was accepted")
	}
	if err := login(map[string]string{"VB365_INSECURE_SKIP_VERIFY": "true"}); err != nil {
		t.Errorf("insecure mode: %v", err)
	}
	if err := login(map[string]string{"VB365_CA_FILE": "/nonexistent/ca.pem"}); err == nil || !strings.Contains(err.Error(), "ca-file") {
		t.Errorf("a missing CA file: %v, want an error naming ca-file", err)
	}
}
