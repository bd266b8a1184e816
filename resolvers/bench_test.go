package resolvers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/store"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// replay answers each GET from memory after the simulator answered it once,
// so the benchmarks measure the gateway rather than the simulator. It counts
// every GET it serves.
type replay struct {
	next  http.Handler
	delay time.Duration // added to every answer: the network and the server's own time
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
	time.Sleep(rp.delay)
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
		g := testenv.Start(b, testenv.Options{Unshared: !share, Wrap: func(h http.Handler) http.Handler {
			rp.next = h
			return rp
		}})
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

// forgetful remembers no id's server: every lookup asks every server.
type forgetful struct{}

func (forgetful) Where(_ context.Context, ids ...string) []store.Placement {
	return make([]store.Placement, len(ids))
}
func (forgetful) Remember(context.Context, string, ...string) {}
func (forgetful) Absent(context.Context, string)              {}

// BenchmarkServers compares a gateway over one server with one over 50
// (every call answered after the same delay, every operation paying its own
// calls): the first page of the merged session list, a lookup by an id the
// gateway knows the server of, and one it does not (asked of every server).
func BenchmarkServers(b *testing.B) {
	for _, delay := range []time.Duration{0, 5 * time.Millisecond} {
		for _, n := range []int{1, 10, 50} {
			if n == 10 && delay > 0 {
				continue // the CPU's part grows with n; the delay's does not
			}
			known, knownReplays := replayedFleet(b, n, delay, nil)
			unknown, unknownReplays := replayedFleet(b, n, delay, func(o *graphqlhttp.Options) { o.IDs = forgetful{} })
			last := known.Envs[n-1].Sim.SessionIDs()[5]
			byID := `query($id: ID!) { jobSession(id: $id) { id status server { name } } }`
			cases := []struct {
				name    string
				g       *testenv.Gateway
				replays []*replay
				query   string
				vars    map[string]any
			}{
				{"firstpage", known, knownReplays, `{ jobSessions(first: 30) { nodes { id status creationTime server { name } } pageInfo { endCursor } } }`, nil},
				{"byid-known", known, knownReplays, byID, map[string]any{"id": last}},
				{"byid-unknown", unknown, unknownReplays, byID, map[string]any{"id": last}},
			}
			for _, c := range cases {
				if n == 1 && c.name == "byid-unknown" {
					continue // one server: nothing to look for
				}
				body, _ := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
				b.Run(fmt.Sprintf("%s/servers=%d/delay=%v", c.name, n, delay), func(b *testing.B) {
					if r := c.g.Do(b, c.query, c.vars); len(r.Errors) > 0 {
						b.Fatalf("%s", r.Raw)
					}
					for _, rp := range c.replays {
						rp.gets.Store(0)
					}
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if rec := testenv.Post(c.g.Handler, body); rec.Code != http.StatusOK {
							b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
						}
					}
					gets := int64(0)
					for _, rp := range c.replays {
						gets += rp.gets.Load()
					}
					b.ReportMetric(float64(gets)/float64(b.N), "upstream-calls/op")
				})
			}
		}
	}
}

// replayedFleet is a gateway over n servers whose answers come after
// delay, each behind a replay that counts its GETs; every operation pays
// its own calls.
func replayedFleet(b *testing.B, n int, delay time.Duration, tweak func(*graphqlhttp.Options)) (*testenv.Gateway, []*replay) {
	var replays []*replay
	var servers []testenv.Options
	for i := range n {
		rp := &replay{cache: map[string][]byte{}, delay: delay}
		name := ""
		if n > 1 {
			name = fmt.Sprintf("s%02d", i)
		}
		servers = append(servers, testenv.Options{Name: name, Unshared: true, Sim: func(o *vb365sim.Options) { o.SessionsPerJob = 6 },
			Wrap: func(h http.Handler) http.Handler { rp.next = h; return rp }})
		replays = append(replays, rp)
	}
	return testenv.Start(b, testenv.Options{Servers: servers, Handler: tweak}), replays
}

// BenchmarkServersShared is many clients refreshing one dashboard page over
// 50 servers (5 ms each) with sharing on, the default: identical
// operations share answers while they are fresh.
func BenchmarkServersShared(b *testing.B) {
	var servers []testenv.Options
	for i := range 50 {
		rp := &replay{cache: map[string][]byte{}, delay: 5 * time.Millisecond}
		servers = append(servers, testenv.Options{Name: fmt.Sprintf("s%02d", i), Sim: func(o *vb365sim.Options) { o.SessionsPerJob = 6 },
			Wrap: func(h http.Handler) http.Handler { rp.next = h; return rp }})
	}
	g := testenv.Start(b, testenv.Options{Servers: servers})
	body, _ := json.Marshal(map[string]any{"query": `{ jobSessions(first: 30) { nodes { id status creationTime server { name } } pageInfo { endCursor } } }`})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if rec := testenv.Post(g.Handler, body); rec.Code != http.StatusOK {
				b.Errorf("HTTP %d", rec.Code)
			}
		}
	})
}

// BenchmarkUnderLoad is the 50-session list with its jobs, every operation
// paying its own calls (sharing off), 64 at once on the shipped batch wait:
// what a burst of pass-through callers costs. Idle, the list costs 2
// upstream calls; under load the loader's window must still gather the 50
// jobs into one batch.
func BenchmarkUnderLoad(b *testing.B) {
	rp := &replay{cache: map[string][]byte{}}
	g := testenv.Start(b, testenv.Options{Unshared: true, Wrap: func(h http.Handler) http.Handler {
		rp.next = h
		return rp
	}, Handler: func(o *graphqlhttp.Options) { o.BatchWait = graphqlhttp.DefaultOptions().BatchWait }})
	body, _ := json.Marshal(map[string]any{"query": qList50})
	if r := g.Do(b, qList50, nil); len(r.Errors) > 0 {
		b.Fatalf("%s", r.Raw)
	}
	rp.gets.Store(0)
	b.ReportAllocs()
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if rec := testenv.Post(g.Handler, body); rec.Code != http.StatusOK {
				b.Errorf("HTTP %d", rec.Code)
			}
		}
	})
	b.ReportMetric(float64(rp.gets.Load())/float64(b.N), "upstream-calls/op")
}

// BenchmarkCacheEviction asks for single sessions, picked at random from a
// working set larger or smaller than the cache's byte budget (room for 200
// answers), each miss served after 1 ms. The operation cache is off, so
// every request meets the upstream cache. Under uniform access an LRU keeps
// budget/working-set of it: the hit ratio this reports should follow
// min(1, 200/working set), and p99 the cost of a miss once it is below 1.
func BenchmarkCacheEviction(b *testing.B) {
	const budgetItems = 200
	manySessions := func(o *vb365sim.Options) { o.SessionsPerJob = 90 }
	probe := testenv.New(b, testenv.Options{Sim: manySessions})
	tok := probe.Token(b)
	size := 0
	for _, id := range probe.Sim.SessionIDs()[:100] {
		_, body := probe.Get(b, "/v8/JobSessions/"+id, tok)
		size += len(body)
	}
	budget := int64(size / 100 * budgetItems)
	for _, items := range []int{100, 200, 400, 800} {
		b.Run(fmt.Sprintf("working-set=%d/budget=%d", items, budgetItems), func(b *testing.B) {
			rp := &replay{cache: map[string][]byte{}, delay: time.Millisecond}
			g := testenv.Start(b, testenv.Options{Sim: manySessions,
				Wrap:    func(h http.Handler) http.Handler { rp.next = h; return rp },
				Client:  func(o *upstream.Options) { o.Sharing.MaxBytes = budget },
				Handler: func(o *graphqlhttp.Options) { o.OperationCacheBytes = 0 },
			})
			ids := g.Sim.SessionIDs()[20:][:items] // finished sessions, kept for an hour
			bodies := make([][]byte, items)
			for i, id := range ids {
				bodies[i], _ = json.Marshal(map[string]any{"query": qSessionStats, "variables": map[string]any{"id": id}})
				testenv.Post(g.Handler, bodies[i]) // warm: the cache holds what fits
			}
			rp.gets.Store(0)
			var mu sync.Mutex
			var took []time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					start := time.Now()
					if rec := testenv.Post(g.Handler, bodies[rand.IntN(items)]); rec.Code != http.StatusOK {
						b.Errorf("HTTP %d", rec.Code)
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				took = append(took, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(1-float64(rp.gets.Load())/float64(b.N), "hit-ratio")
			b.ReportMetric(min(1, float64(budgetItems)/float64(items)), "lru-model")
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkListSizes is the newest n sessions with their jobs, every
// operation paying its own calls: what one more item costs in time and
// allocations (linear, it should be) and in upstream calls (flat: 2).
func BenchmarkListSizes(b *testing.B) {
	rp := &replay{cache: map[string][]byte{}}
	g := testenv.Start(b, testenv.Options{Unshared: true, Sim: func(o *vb365sim.Options) { o.SessionsPerJob = 90 },
		Wrap: func(h http.Handler) http.Handler { rp.next = h; return rp }})
	for _, n := range []int{10, 50, 200, 1000} {
		query := fmt.Sprintf(`{ jobSessions(first: %d) { edges { node { id status job { id name } } } } }`, n)
		body, _ := json.Marshal(map[string]any{"query": query})
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			if r := g.Do(b, query, nil); len(r.Errors) > 0 {
				b.Fatalf("%s", r.Raw)
			}
			rp.gets.Store(0)
			b.ReportAllocs()
			b.ResetTimer()
			ops := 0
			for b.Loop() {
				if rec := testenv.Post(g.Handler, body); rec.Code != http.StatusOK {
					b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
				}
				ops++
			}
			b.ReportMetric(float64(rp.gets.Load())/float64(ops), "upstream-calls/op")
		})
	}
}
