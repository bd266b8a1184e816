package store

import (
	"context"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/lru"
)

// ServerIDs remembers which server served an id (gateway over several
// servers), here and, with Redis, for every replica: a lookup by an id seen
// before asks that server alone instead of all of them.
type ServerIDs struct {
	redis *Redis // nil: this process only
	ttl   time.Duration
	local *lru.Cache
}

// serverIDsBytes bounds what is kept locally: about 100,000 ids.
const serverIDsBytes = 8 << 20

// NewServerIDs keeps ids for ttl (0: a day), in redis too when it is not nil.
func NewServerIDs(redis *Redis, ttl time.Duration) *ServerIDs {
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	return &ServerIDs{redis: redis, ttl: ttl, local: lru.New(serverIDsBytes, time.Now)}
}

// Where is the server that served id, if it is known.
func (s *ServerIDs) Where(ctx context.Context, id string) (string, bool) {
	if v, ok := s.local.Value(id); ok {
		return v.(string), true
	}
	b, ok := s.redis.Get(ctx, "server-of:"+id)
	if !ok {
		return "", false
	}
	s.local.Put(id, string(b), int64(len(id)+len(b)+64), s.ttl, "")
	return string(b), true
}

// Remember notes that server served ids. An id already known here is not
// written again.
func (s *ServerIDs) Remember(ctx context.Context, server string, ids ...string) {
	fresh := make(map[string][]byte, len(ids))
	for _, id := range ids {
		if v, ok := s.local.Value(id); ok && v.(string) == server {
			continue
		}
		s.local.Put(id, server, int64(len(id)+len(server)+64), s.ttl, "")
		fresh["server-of:"+id] = []byte(server)
	}
	s.redis.SetMany(ctx, fresh, s.ttl)
}
