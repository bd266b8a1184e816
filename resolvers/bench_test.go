package resolvers_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// replay answers each GET from memory after the simulator answered it once,
// so the benchmarks measure the gateway rather than the simulator. It counts
// every GET it serves.
type replay struct {
	next  http.Handler
	gets  atomic.Int64
	mu    sync.Mutex
	cache map[string][]byte
}

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		rp.next.ServeHTTP(w, r)
		return
	}
	rp.gets.Add(1)
	rp.mu.Lock()
	body, ok := rp.cache[r.URL.String()]
	rp.mu.Unlock()
	if !ok {
		rec := httptest.NewRecorder()
		rp.next.ServeHTTP(rec, r)
		body = rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			rp.mu.Lock()
			rp.cache[r.URL.String()] = body
			rp.mu.Unlock()
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}

// BenchmarkHandler runs whole GraphQL requests through the handler, over a
// loopback upstream, and reports upstream calls per operation; "shared" is
// the default configuration (coalescing and the cache on), "unshared" makes
// every request pay its own calls.
func BenchmarkHandler(b *testing.B) {
	for _, share := range []bool{true, false} {
		rp := &replay{cache: map[string][]byte{}}
		g := testenv.New(b, testenv.Options{Unshared: !share, Wrap: func(h http.Handler) http.Handler {
			rp.next = h
			return rp
		}}).Gateway(b, nil)
		id := g.Sim.SessionIDs()[7]
		vars := map[string]any{"id": id}
		cases := []struct {
			name, query string
			vars        map[string]any
		}{
			{"single", qSessionStats, vars},
			{"nested", qSessionDeep, vars},
			{"list50", qList50, nil},
			{"estate", qDashboard, nil},
		}
		mode := map[bool]string{true: "shared", false: "unshared"}[share]
		for _, c := range cases {
			body, _ := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				if r := g.Do(b, c.query, c.vars); len(r.Errors) > 0 {
					b.Fatalf("%s", r.Raw)
				}
				rp.gets.Store(0)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if rec := testenv.Post(g.Handler, body); rec.Code != http.StatusOK {
						b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
					}
				}
				b.ReportMetric(float64(rp.gets.Load())/float64(b.N), "upstream-calls/op")
			})
		}
	}
}
