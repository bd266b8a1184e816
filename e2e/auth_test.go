package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// TestPassThroughNeverMixesCallers: two callers ask for the same sessions at
// the same time, one with a valid VB365 token and one with a bad one. Each
// upstream call carries the header of the caller it serves, and the bad
// caller never sees data.
func TestPassThroughNeverMixesCallers(t *testing.T) {
	ru := newRecorder()
	gw := testenv.Start(t, testenv.Options{PassThrough: true, Wrap: ru.wrap})

	good := gw.Token(t)
	bad := "Bearer forged-token"
	ids := gw.Sim.SessionIDs()[:10]
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
	ru := newRecorder()
	const key = "k-3d1f0c9e8b7a"
	gw := testenv.Start(t, testenv.Options{Wrap: ru.wrap, Env: map[string]string{"VB365_API_KEYS": "other-key," + key}})
	q := `query($id: ID!) { jobSession(id: $id) { id status } }`
	vars := map[string]any{"id": gw.Sim.SessionIDs()[0]}

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
