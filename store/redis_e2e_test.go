//go:build e2e

package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/lru"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/store"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// redisServer is a real redis-server on loopback, and a store over it.
func redisServer(t *testing.T) *store.Redis {
	t.Helper()
	r, err := store.Open(testenv.StartRedis(t).URL(), "test:", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestPlantedPersistedQueriesDoNotRun: whoever can write to Redis must not
// be able to make a harmless query's hash run a mutation; a query another
// replica persisted runs from its hash.
func TestPlantedPersistedQueriesDoNotRun(t *testing.T) {
	t.Parallel()
	r := redisServer(t)
	ctx := context.Background()
	replica := func() store.PersistedQueries {
		return store.PersistedQueries{Local: lru.New[string](10), Redis: r, TTL: time.Minute}
	}
	harmless := `{ jobs(first: 1) { nodes { name } } }`
	r.Set(ctx, "apq:"+sha256Hex(harmless), []byte(`mutation { disableJob(input: {id: "8ce1146b-ce68-5c16-a190-81ac10c9beb1"}) { job { id } } }`), time.Minute)
	if q, ok := replica().Get(ctx, sha256Hex(harmless)); ok {
		t.Errorf("a planted query was served for a harmless hash: %s", q)
	}
	replica().Add(ctx, sha256Hex(harmless), harmless)
	if q, ok := replica().Get(ctx, sha256Hex(harmless)); !ok || q != harmless {
		t.Errorf("a query another replica persisted: %q %v", q, ok)
	}
}

// TestSharedAnswersLiveNoLongerThanTheirRoute: an answer in Redis whose
// expiry lies further ahead than its route keeps answers (a running
// session: a second) was not written by a replica, and is not served; one
// within it is.
func TestSharedAnswersLiveNoLongerThanTheirRoute(t *testing.T) {
	t.Parallel()
	r := redisServer(t)
	env := testenv.New(t, testenv.Options{Client: func(o *upstream.Options) { o.Shared = r }})
	ctx := context.Background()
	plant := func(id string, lives time.Duration) {
		t.Helper()
		status, body := env.Get(t, "/v8/JobSessions/"+id, env.Token(t))
		var session map[string]any
		if err := json.Unmarshal([]byte(body), &session); status != 200 || err != nil {
			t.Fatalf("%d %s", status, body)
		}
		session["progress"] = 99
		forged, _ := json.Marshal(session)
		value := binary.BigEndian.AppendUint64(nil, uint64(time.Now().Add(lives).UnixNano()))
		r.Set(ctx, "answer:"+env.Upstream.URL+"/v8/JobSessions/"+strings.ToLower(id), append(value, forged...), time.Hour)
	}
	read := func(id string) (progress, calls int) {
		t.Helper()
		env.Sim.ResetCalls()
		sessions, errs := env.Client.JobSessionsByID(ctx, env.Client.NewScope(""), []string{id})
		if errs[0] != nil {
			t.Fatal(errs[0])
		}
		return sessions[0].Progress, env.Sim.DataCalls()
	}
	live := env.Sim.LiveSessionIDs()
	plant(live[0], time.Hour)
	if progress, calls := read(live[0]); progress == 99 || calls != 1 {
		t.Errorf("an answer planted for an hour, of a running session: progress %d after %d calls; want the upstream's", progress, calls)
	}
	plant(live[1], 500*time.Millisecond)
	if progress, calls := read(live[1]); progress != 99 || calls != 0 {
		t.Errorf("an answer shared for half a second: progress %d after %d calls; want it served from Redis", progress, calls)
	}
}
