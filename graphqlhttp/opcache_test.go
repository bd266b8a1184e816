package graphqlhttp_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// TestIdenticalOperationsShareOneAnswer: an operation that ran is served
// whole to identical ones while every upstream answer it used is fresh: it
// runs no resolver, so asks nothing of the client (not even its cache).
func TestIdenticalOperationsShareOneAnswer(t *testing.T) {
	g := testenv.Start(t, testenv.Options{Version: 8, Handler: func(o *graphqlhttp.Options) { o.OperationCacheBytes = 1 << 20 }})
	// What the resolvers asked of the client: each fetch is a cache hit, a
	// miss, or one joined in flight.
	asked := func() int64 {
		st := g.Client.SharingStats()
		return st.Hits + st.Misses + st.Coalesced
	}
	ran := func(query string) bool {
		before := asked()
		if r := g.Do(t, query, nil); len(r.Errors) > 0 {
			t.Fatalf("%s", r.Raw)
		}
		return asked() > before
	}

	finished := `{ jobSessions(first: 5, createdBefore: "2026-11-01T06:00:00Z") { edges { node { id status job { name } } } } }`
	first := g.Do(t, finished, nil)
	second := g.Do(t, finished, nil)
	if len(first.Errors) > 0 || string(first.Raw) != string(second.Raw) {
		t.Fatalf("answers differ: %s / %s", first.Raw, second.Raw)
	}
	if ran(finished) {
		t.Error("the same operation ran again")
	}
	// Other variables, another operation.
	if !ran(`{ jobSessions(first: 6, createdBefore: "2026-11-01T06:00:00Z") { edges { node { id } } } }`) {
		t.Error("another operation was served the first's answer")
	}

	// A list holding a running session is good for a second only.
	live := `{ jobSessions(first: 3) { nodes { id status progress } } }`
	if !ran(live) || ran(live) {
		t.Error("a live list: want it run once, then served whole")
	}
	time.Sleep(1100 * time.Millisecond)
	if !ran(live) {
		t.Error("after a second the live list must be computed again")
	}

	// Answers with errors are never kept.
	g.Sim.ResetCalls()
	missing := `{ jobSession(id: "00000000-0000-0000-0000-000000000000") { id } }`
	g.Do(t, missing, nil)
	g.Do(t, missing, nil)
	if n := g.Sim.DataCalls(); n != 2 {
		t.Errorf("an answer with errors was served again: %d upstream calls, want 2", n)
	}
}

// TestOperationKeyCoversHowTheRequestWasSent: a request that differs only
// in Content-Type or Accept is a different operation (a POST without a JSON
// type must be refused, whatever an identical JSON POST got).
func TestOperationKeyCoversHowTheRequestWasSent(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{Version: 8, Client: testenv.NoListing})
	body := `{"query":"{ jobs(first: 1) { totalCount } }"}`
	send := func(contentType, accept string) int {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		g.Handler.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := send("application/json", "application/json"); code != http.StatusOK {
		t.Fatalf("a JSON POST: HTTP %d", code)
	}
	if code := send("", "application/json"); code < 400 || code > 499 {
		t.Errorf("a POST without Content-Type after a cached identical JSON POST: HTTP %d, want 4xx", code)
	}
	if code := send("text/plain", "application/graphql-response+json"); code < 400 || code > 499 {
		t.Errorf("a text/plain POST: HTTP %d, want 4xx", code)
	}
}

// TestMutationsAreNeverShared: two identical mutations at once each run,
// whether the body spells the mutation out or names it by its persisted
// hash alone (before, a body without the word "mutation" was taken for a
// query: two clicks of a persisted startJob ran it once and answered both).
func TestMutationsAreNeverShared(t *testing.T) {
	t.Parallel()
	g := testenv.Start(t, testenv.Options{Latency: 50 * time.Millisecond, Operators: true})
	disable := `mutation($id: ID!) { disableJob(input: {id: $id}) { job { id } } }`
	sum := sha256.Sum256([]byte(disable))
	apq := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
	vars := map[string]any{"id": g.Sim.JobIDs()[2]}
	register, _ := json.Marshal(map[string]any{"query": disable, "variables": vars, "extensions": apq})
	if rec := testenv.Post(g.Handler, register); rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "errors") {
		t.Fatalf("registering the mutation: %s", rec.Body)
	}
	for _, body := range []map[string]any{{"query": disable, "variables": vars}, {"variables": vars, "extensions": apq}} {
		g.Sim.ResetActions()
		b, _ := json.Marshal(body)
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if rec := testenv.Post(g.Handler, b); rec.Code != http.StatusOK {
					t.Errorf("HTTP %d: %s", rec.Code, rec.Body)
				}
			})
		}
		wg.Wait()
		if n := len(g.Sim.Actions()); n != 2 {
			t.Errorf("two identical mutations at once (%v): %d reached the upstream, want 2", body["query"] != nil, n)
		}
	}
}
