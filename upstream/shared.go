package upstream

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Sharing configures what concurrent and successive operations share: one
// upstream call for identical GETs in flight at the same time, and a cache of
// decoded answers that knows the domain. A finished session never changes,
// so it is kept long; a running one for a second; jobs and lists briefly.
// Both are keyed by URL and by the credentials that fetched the answer, so in
// pass-through mode nothing is ever shared between callers. DefaultSharing
// gives the defaults; every duration and the size must be positive.
type Sharing struct {
	Off      bool          // share nothing between operations (each pays its own calls)
	MaxBytes int64         // cache size, counted in upstream answer bytes
	FinalTTL time.Duration // a session in a final status, and its log
	LiveTTL  time.Duration // a running or queued session, a list or log holding one
	ListTTL  time.Duration // lists of finished sessions
	JobTTL   time.Duration // jobs and copy jobs, and their lists
	// The estate: organizations and the server's own description change
	// rarely, repositories' free space and proxies' status within minutes,
	// the license and its use rarely.
	OrganizationTTL time.Duration
	RepositoryTTL   time.Duration
	ProxyTTL        time.Duration
	LicenseTTL      time.Duration
	// CredentialCheck: in pass-through mode a caller's credential reads
	// cached answers only while the upstream accepted it within this long;
	// a 401 for it ends that at once.
	CredentialCheck time.Duration
}

// DefaultSharing is what the gateway shares unless told otherwise.
func DefaultSharing() Sharing {
	return Sharing{MaxBytes: 64 << 20, FinalTTL: time.Hour, LiveTTL: time.Second, ListTTL: 5 * time.Second,
		JobTTL: 30 * time.Second, OrganizationTTL: 10 * time.Minute, RepositoryTTL: time.Minute, ProxyTTL: 30 * time.Second,
		LicenseTTL: 10 * time.Minute, CredentialCheck: 30 * time.Second}
}

func (s Sharing) check() error {
	if s.MaxBytes <= 0 || s.FinalTTL <= 0 || s.LiveTTL <= 0 || s.ListTTL <= 0 || s.JobTTL <= 0 || s.CredentialCheck <= 0 ||
		s.OrganizationTTL <= 0 || s.RepositoryTTL <= 0 || s.ProxyTTL <= 0 || s.LicenseTTL <= 0 {
		return errors.New("sharing: the cache size and every lifetime must be positive")
	}
	return nil
}

// SharingStats counts what sharing saved.
type SharingStats struct {
	Hits, Misses, Coalesced int64 // cache hits, misses, and calls that joined one in flight
	Entries                 int
	Bytes                   int64
}

// request is one GET as fetch makes it.
type request struct {
	route   string // the route template, for errors, logs and metrics
	target  string // the URL
	fresh   bool   // not from the cache: the upstream as it is now
	payload []byte // a read that is a POST of this (a search); nil: a GET
}

// key is what the cache files the answer under: the URL, and what a
// search POSTs to it.
func (r request) key() string {
	if r.payload == nil {
		return r.target
	}
	sum := sha256.Sum256(r.payload)
	return r.target + " POST " + hex.EncodeToString(sum[:16])
}

// read makes the request's call: a GET (conditional on etag), or a
// search's POST, which changes nothing upstream and is never conditional.
func (c *Client) read(ctx context.Context, s *Scope, req request, etag string) (response, error) {
	if req.payload == nil {
		return c.get(ctx, s, req.route, req.target, etag)
	}
	return c.write(ctx, s, http.MethodPost, req.route, req.target, req.payload)
}

// cacheKey is the credentials that fetch plus the URL; for what a job
// action changes (jobs, copy jobs, session listings), also the jobs'
// generation, which every action advances on every replica.
func (c *Client) cacheKey(s *Scope, target string) string {
	key := target
	if c.changedByActions(target) {
		key = "g" + strconv.FormatInt(c.jobsGeneration.Load(), 10) + " " + target
	}
	if s.credID == "" {
		return key
	}
	return s.credID + " " + key
}

// changedByActions: /Jobs..., /CopyJobs..., session listings (not a
// session by id, nor its log), and what the estate's actions change:
// /Organizations... (sync state, licensing), /LicensedUsers...,
// /BackupRepositories..., /Proxies..., /RestoreSessions... and
// /License.... Targets are built by c.url.
func (c *Client) changedByActions(target string) bool {
	i := strings.Index(target, c.prefix()+"/")
	if i < 0 {
		return false
	}
	first, rest, _ := strings.Cut(target[i+len(c.prefix())+1:], "/")
	first, _, _ = strings.Cut(first, "?")
	switch strings.ToLower(first) {
	case "jobs", "copyjobs", "organizations", "licensedusers", "backuprepositories", "license", "proxies", "restoresessions":
		return true
	}
	return strings.EqualFold(first, "jobsessions") && rest == ""
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

func (c *Client) vouchedFor(s *Scope) bool {
	if c.ServiceAccount() {
		return true
	}
	_, ok := c.vouched.Value(s.credID)
	return ok && s.credID != ""
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

// fetch returns the decoded answer to a GET: from the cache when fresh,
// else from one upstream call shared by everyone asking the same at the same
// time. decode gives the value and how long it may be kept.
func fetch[T any](ctx context.Context, c *Client, s *Scope, req request, decode func([]byte) (T, time.Duration, error)) (T, error) {
	var zero T
	key := c.cacheKey(s, req.key())
	if c.opts.Sharing.Off {
		s.use(0)
		v, err := s.once(key, func() (any, error) {
			r, err := c.read(ctx, s, req, "")
			if err != nil {
				return nil, err
			}
			defer r.held.release()
			v, _, err := decode(r.body)
			if err != nil {
				return nil, decodeError(req.route, err)
			}
			return v, nil
		})
		if err != nil {
			return zero, err
		}
		return v.(T), nil
	}
	vouched := c.vouchedFor(s)
	if !req.fresh && vouched {
		if v, ok := cached[T](c, s, key); ok {
			return v, nil
		}
	}
	c.stats.flights.Add(1)
	ch := c.flight.DoChan(key, func() (any, error) {
		c.stats.misses.Add(1)
		// The call outlives the operation that started it: others may wait for it.
		lctx, cancel := detach(ctx, time.Duration(c.opts.Retries+1)*c.opts.Timeout+c.opts.RetryMaxDelay)
		defer cancel()
		if vouched && !req.fresh {
			if v, ttl, ok := sharedAnswer(lctx, c, key, decode); ok {
				return shared{v, ttl}, nil // another replica fetched it
			}
		}
		stale := c.cache.Get(key)
		etag := ""
		if stale != nil {
			etag = stale.ETag
		}
		r, err := c.read(lctx, s, req, etag)
		if err != nil {
			return nil, err
		}
		defer r.held.release()
		if r.notModified && stale != nil {
			ttl := capTTL(stale.TTL, r)
			c.cache.Put(key, stale.Value, stale.Size, ttl, stale.ETag)
			return shared{stale.Value, ttl}, nil
		}
		v, ttl, err := decode(r.body)
		if err != nil {
			return nil, decodeError(req.route, err)
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
		s.use(sv.ttl)
		return sv.value.(T), nil
	case <-ctx.Done():
		return zero, transportError(req.route, ctx.Err())
	}
}

// shared is what one upstream call gives everyone who waited for it.
type shared struct {
	value any
	ttl   time.Duration // how long the cache serves it (0: not kept)
}

// sharedAnswer looks for the answer in the store the replicas share. What
// is there is the upstream's body after an 8-byte expiry (Unix nanoseconds),
// so that a replica keeps it no longer than the one that fetched it. Nor
// longer than the route's own lifetime: a replica writes an expiry at most
// that far ahead, so one further ahead (beyond a second of clock skew) was
// not written by a replica, and the answer is fetched afresh.
func sharedAnswer[T any](ctx context.Context, c *Client, key string, decode func([]byte) (T, time.Duration, error)) (T, time.Duration, bool) {
	var zero T
	if c.opts.Shared == nil {
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
	v, routeTTL, err := decode(b[8:])
	if err != nil || ttl > routeTTL+sharedClockSkew {
		return zero, 0, false
	}
	ttl = min(ttl, routeTTL)
	c.cache.Put(key, v, int64(len(b)-8), ttl, "")
	return v, ttl, true
}

// sharedClockSkew is how far replicas' clocks may differ.
const sharedClockSkew = time.Second

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
// The cache holds a copy: a pointer into the listing would keep the whole
// listing alive as long as any one of its items stays cached, whatever the
// cache counts.
func fileItem[T any](c *Client, s *Scope, target string, item *T, ttl time.Duration) {
	if !c.opts.Sharing.Off {
		copied := *item
		c.cache.Put(c.cacheKey(s, target), &copied, 1024, ttl, "")
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

// CachedSession returns the session if the cache holds it fresh for the
// scope's caller, without a call. The loaders ask this first, so a cached
// session costs no batch wait.
func (c *Client) CachedSession(s *Scope, id string) (*JobSession, bool) {
	return cachedFor[*JobSession](c, s, c.sessionURL(id))
}

// CachedJob is CachedSession for jobs.
func (c *Client) CachedJob(s *Scope, id string) (*Job, bool) {
	return cachedFor[*Job](c, s, c.jobURL(id))
}

func cachedFor[T any](c *Client, s *Scope, target string) (T, bool) {
	if c.opts.Sharing.Off || !c.vouchedFor(s) {
		var zero T
		return zero, false
	}
	return cached[T](c, s, c.cacheKey(s, target))
}

// cached returns the value under key if it is fresh, noting its remaining
// lifetime in the scope.
func cached[T any](c *Client, s *Scope, key string) (T, bool) {
	e := c.cache.Get(key)
	if !c.cache.Fresh(e) {
		var zero T
		return zero, false
	}
	v, ok := e.Value.(T)
	if ok {
		c.stats.hits.Add(1)
		s.use(e.Expires.Sub(c.opts.Now()))
	}
	return v, ok
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
	return SharingStats{Hits: c.stats.hits.Load(), Misses: misses, Coalesced: c.stats.flights.Load() - misses, Entries: n, Bytes: b}
}

// sharingCounters: every call that was not a cache hit joined a flight;
// the ones that did not start it (misses do) were coalesced.
type sharingCounters struct{ hits, misses, flights atomic.Int64 }
