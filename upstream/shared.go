package upstream

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Sharing configures what concurrent and successive requests share: one
// upstream call for identical GETs in flight at the same time, and a cache of
// decoded answers that knows the domain. A finished session never changes,
// so it is kept long; a running one for a second; jobs and lists briefly.
// Both are keyed by URL and by the credentials that fetched the answer, so in
// pass-through mode nothing is ever shared between callers.
type Sharing struct {
	Off      bool          // share nothing between requests (each pays its own calls)
	MaxBytes int64         // cache size, counted in upstream answer bytes (default 64 MiB)
	FinalTTL time.Duration // a session in a final status (default 1h)
	LiveTTL  time.Duration // a running or queued session, and lists holding one (default 1s)
	ListTTL  time.Duration // lists of finished sessions, log pages of running ones excepted (default 5s)
	JobTTL   time.Duration // jobs and job lists (default 30s)
	// CredentialCheck: in pass-through mode a caller's credential reads
	// cached answers only while the upstream accepted it within this long
	// (default 30s); a 401 for it ends that at once.
	CredentialCheck time.Duration
}

func (s *Sharing) defaults() {
	if s.MaxBytes <= 0 {
		s.MaxBytes = 64 << 20
	}
	if s.FinalTTL <= 0 {
		s.FinalTTL = time.Hour
	}
	if s.LiveTTL <= 0 {
		s.LiveTTL = time.Second
	}
	if s.ListTTL <= 0 {
		s.ListTTL = 5 * time.Second
	}
	if s.JobTTL <= 0 {
		s.JobTTL = 30 * time.Second
	}
	if s.CredentialCheck <= 0 {
		s.CredentialCheck = 30 * time.Second
	}
}

// SharingStats counts what sharing saved.
type SharingStats struct {
	Hits, Misses, Coalesced int64 // cache hits, misses, and calls that joined one in flight
	SharedHits              int64 // misses that another replica's answer (in the shared store) served
	Entries                 int
	Bytes                   int64
}

type freshKey struct{}

// cacheKey is the credentials that fetch plus the URL.
func cacheKey(ctx context.Context, target string) string {
	h := callerAuthorization(ctx)
	if h == "" {
		return target
	}
	return credentialID(h) + " " + target
}

// credentialID names a credential in cache keys without holding it.
func credentialID(authorization string) string {
	sum := sha256.Sum256([]byte(authorization))
	return hex.EncodeToString(sum[:16])
}

// Vouched reports whether answers cached for the caller who sends
// authorization may be served to it: always with the service account (the
// gateway checks its own clients); in pass-through mode only while the
// upstream accepted that credential within Sharing.CredentialCheck, so that
// a revoked token stops reading the cache within that time, and at once
// after the gateway sees a 401 for it.
func (c *Client) Vouched(authorization string) bool {
	if c.ServiceAccount() {
		return true
	}
	_, ok := c.vouched.Value(credentialID(authorization))
	return ok && authorization != ""
}

// heard notes what the upstream answered a pass-through caller's credential:
// a 2xx vouches for it, a 401 revokes it and drops what is cached under it.
func (c *Client) heard(authorization string, status int) {
	if c.ServiceAccount() || authorization == "" {
		return
	}
	id := credentialID(authorization)
	switch {
	case status >= 200 && status <= 299 || status == http.StatusNotModified:
		c.vouched.Put(id, struct{}{}, 64, c.opts.Sharing.CredentialCheck, "")
	case status == http.StatusUnauthorized:
		// Only a credential the upstream once accepted can have answers
		// cached under it, so a forged one costs no scan of the cache.
		if c.vouched.Delete(id) {
			c.cache.DeletePrefix(id + " ")
		}
	}
}

// fetch returns the decoded answer to GET target: from the cache when fresh,
// else from one upstream call shared by everyone asking the same at the same
// time. decode gives the value and how long it may be kept.
func fetch[T any](ctx context.Context, c *Client, route, target string, decode func([]byte) (T, time.Duration, error)) (T, error) {
	var zero T
	if c.opts.Sharing.Off {
		noteExpiry(ctx, 0)
		v, err := onceInRequest(ctx, cacheKey(ctx, target), func() (any, error) {
			r, err := c.get(ctx, route, target, "")
			if err != nil {
				return nil, err
			}
			v, _, err := decode(r.body)
			if err != nil {
				return nil, decodeError(route, err)
			}
			return v, nil
		})
		if err != nil {
			return zero, err
		}
		return v.(T), nil
	}
	if v, ok := cached[T](ctx, c, target); ok {
		return v, nil
	}
	key := cacheKey(ctx, target)
	vouched := c.Vouched(callerAuthorization(ctx))
	c.stats.flights.Add(1)
	ch := c.flight.DoChan(key, func() (any, error) {
		c.stats.misses.Add(1)
		// The call outlives the request that started it: others may wait for it.
		lctx, cancel := detach(ctx, time.Duration(c.opts.Retries+1)*c.opts.Timeout+c.opts.RetryMaxDelay)
		defer cancel()
		if vouched {
			if v, ttl, ok := sharedAnswer(lctx, c, key, decode); ok {
				return shared{v, ttl}, nil // another replica fetched it
			}
		}
		stale := c.cache.Get(key)
		etag := ""
		if stale != nil {
			etag = stale.ETag
		}
		r, err := c.get(lctx, route, target, etag)
		if err != nil {
			return nil, err
		}
		if r.notModified && stale != nil {
			ttl := capTTL(stale.TTL, r)
			c.cache.Put(key, stale.Value, stale.Size, ttl, stale.ETag)
			return shared{stale.Value, ttl}, nil
		}
		v, ttl, err := decode(r.body)
		if err != nil {
			return nil, decodeError(route, err)
		}
		ttl = capTTL(ttl, r)
		if r.noStore {
			ttl = 0
		}
		c.cache.Put(key, v, int64(len(r.body)), ttl, r.etag)
		shareAnswer(lctx, c, key, r.body, ttl)
		return shared{v, ttl}, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return zero, res.Err
		}
		sv := res.Val.(shared)
		noteExpiry(ctx, sv.ttl)
		return sv.value.(T), nil
	case <-ctx.Done():
		return zero, transportError(route, ctx.Err())
	}
}

// shared is what one upstream call gives everyone who waited for it.
type shared struct {
	value any
	ttl   time.Duration // how long the cache serves it (0: not kept)
}

// sharedAnswer looks for the answer in the store the replicas share. What
// is there is the upstream's body after an 8-byte expiry (Unix nanoseconds),
// so that a replica keeps it no longer than the one that fetched it.
func sharedAnswer[T any](ctx context.Context, c *Client, key string, decode func([]byte) (T, time.Duration, error)) (T, time.Duration, bool) {
	var zero T
	if c.opts.Shared == nil {
		return zero, 0, false
	}
	if fresh, _ := ctx.Value(freshKey{}).(bool); fresh {
		return zero, 0, false
	}
	b, ok := c.opts.Shared.Get(ctx, "answer:"+key)
	if !ok || len(b) < 8 {
		return zero, 0, false
	}
	ttl := time.Unix(0, int64(binary.BigEndian.Uint64(b))).Sub(c.opts.Now())
	if ttl <= 0 {
		return zero, 0, false
	}
	v, _, err := decode(b[8:])
	if err != nil {
		return zero, 0, false
	}
	c.stats.sharedHits.Add(1)
	c.cache.Put(key, v, int64(len(b)-8), ttl, "")
	return v, ttl, true
}

func shareAnswer(ctx context.Context, c *Client, key string, body []byte, ttl time.Duration) {
	if c.opts.Shared == nil || ttl <= 0 {
		return
	}
	b := make([]byte, 8+len(body))
	binary.BigEndian.PutUint64(b, uint64(c.opts.Now().Add(ttl).UnixNano()))
	copy(b[8:], body)
	c.opts.Shared.Set(ctx, "answer:"+key, b, ttl)
}

// fileItem caches one item of a listing under its own URL, so that asking
// for it next costs nothing. It counts as 1 KiB, about a session's answer.
func (c *Client) fileItem(ctx context.Context, target string, item any, ttl time.Duration) {
	if !c.opts.Sharing.Off {
		c.cache.Put(cacheKey(ctx, target), item, 1024, ttl, "")
	}
}

// detach returns a context that carries ctx's values and deadline (or
// fallback from now) but is not cancelled with it.
func detach(ctx context.Context, fallback time.Duration) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(fallback)
	}
	return context.WithDeadline(context.WithoutCancel(ctx), deadline)
}

// CachedSession returns the session if the cache holds it fresh, without a
// call. The loaders ask this first, so a cached session costs no batch wait.
func (c *Client) CachedSession(ctx context.Context, id string) (*JobSession, bool) {
	return cached[*JobSession](ctx, c, c.sessionURL(id))
}

// CachedJob is CachedSession for jobs.
func (c *Client) CachedJob(ctx context.Context, id string) (*Job, bool) {
	return cached[*Job](ctx, c, c.jobURL(id))
}

func cached[T any](ctx context.Context, c *Client, target string) (T, bool) {
	var zero T
	if c.opts.Sharing.Off {
		return zero, false
	}
	if fresh, _ := ctx.Value(freshKey{}).(bool); fresh || !c.Vouched(callerAuthorization(ctx)) {
		return zero, false
	}
	e := c.cache.Get(cacheKey(ctx, target))
	if !c.cache.Fresh(e) {
		return zero, false
	}
	v, ok := e.Value.(T)
	if ok {
		c.stats.hits.Add(1)
		noteExpiry(ctx, e.Expires.Sub(c.opts.Now()))
	}
	return v, ok
}

type expiryKey struct{}

// Expiry collects, over one GraphQL operation, how long every upstream
// answer it used may still be served from the cache: for that long the
// operation's whole result is as good as recomputing it.
type Expiry struct {
	mu     sync.Mutex
	ttl    time.Duration
	noted  bool
	broken bool // an answer was used that is not kept at all
}

// WithExpiry starts collecting expiries in the returned context.
func WithExpiry(ctx context.Context) (context.Context, *Expiry) {
	e := &Expiry{}
	return context.WithValue(ctx, expiryKey{}, e), e
}

// TTL returns the shortest time left of the answers used; false when
// nothing was noted or something used is not kept.
func (e *Expiry) TTL() (time.Duration, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ttl, e.noted && !e.broken && e.ttl > 0
}

// noteExpiry records that the operation used an answer the cache serves
// for ttl more (0 or less: not kept at all).
func noteExpiry(ctx context.Context, ttl time.Duration) {
	e, _ := ctx.Value(expiryKey{}).(*Expiry)
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case ttl <= 0:
		e.broken = true
	case !e.noted || ttl < e.ttl:
		e.ttl, e.noted = ttl, true
	}
}

// capTTL lowers ttl to what the upstream's Cache-Control allows.
func capTTL(ttl time.Duration, r response) time.Duration {
	if r.maxAge >= 0 && r.maxAge < ttl {
		return r.maxAge
	}
	return ttl
}

// SharingStats reports what sharing saved since the client was made.
func (c *Client) SharingStats() SharingStats {
	n, b := c.cache.Size()
	misses := c.stats.misses.Load()
	return SharingStats{Hits: c.stats.hits.Load(), Misses: misses, Coalesced: c.stats.flights.Load() - misses,
		SharedHits: c.stats.sharedHits.Load(), Entries: n, Bytes: b}
}

// sharingCounters: every call that was not a cache hit joined a flight;
// the ones that did not start it (misses do) were coalesced.
type sharingCounters struct{ hits, misses, flights, sharedHits atomic.Int64 }
