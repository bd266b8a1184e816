package store

import (
	"context"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/lru"
)

// Owners remembers who opened each restore session (a caller's ID), here
// and, with Redis, for every replica: a restore session belongs to whoever
// opened it, and is nobody else's to browse, act in or close.
type Owners struct {
	redis *Redis // nil: this process only
	ttl   time.Duration
	local *lru.Cache
}

// ownersBytes bounds what is kept locally: about 50,000 sessions.
const ownersBytes = 8 << 20

// NewOwners keeps owners for ttl (0: a day), in redis too when it is not nil.
func NewOwners(redis *Redis, ttl time.Duration) *Owners {
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	return &Owners{redis: redis, ttl: ttl, local: lru.New(ownersBytes, time.Now)}
}

func ownerKey(session string) string { return "restore-owner:" + session }

// Set notes that owner opened session.
func (o *Owners) Set(ctx context.Context, session, owner string) {
	o.local.Put(session, owner, int64(len(session)+len(owner)+64), o.ttl, "")
	o.redis.Set(ctx, ownerKey(session), []byte(owner), o.ttl)
}

// Get says who opened session, if anyone is known to have.
func (o *Owners) Get(ctx context.Context, session string) (string, bool) {
	if v, ok := o.local.Value(session); ok {
		return v.(string), true
	}
	b, ok := o.redis.Get(ctx, ownerKey(session))
	if ok {
		o.local.Put(session, string(b), int64(len(session)+len(b)+64), o.ttl, "")
	}
	return string(b), ok
}
