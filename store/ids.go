package store

import (
	"context"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vb365-graphql/vb365-graphql/internal/lru"
)

// Placement is what the gateway knows of where an id lives.
type Placement struct {
	// Servers are the servers that listed or answered the id, by name,
	// sorted. None: not known; two or more: the id is ambiguous, and no
	// server may be picked for it by a guess.
	Servers []string
	// Absent says that, lately, every server answered it has no such id.
	Absent bool
}

// ServerIDs remembers which servers served an id (gateway over several
// servers), here and, with Redis, for every replica: a lookup by an id seen
// before asks that server alone instead of all of them. An id that two
// servers claim is remembered with both, never as the latest one's: a
// server cannot take over another's ids by listing them. An id no server
// had is remembered as absent for a short while, so that asking for it
// again costs no call.
type ServerIDs struct {
	redis     *Redis // nil: this process only
	ttl       time.Duration
	absentTTL time.Duration
	local     *lru.Cache
}

// serverIDsBytes bounds what is kept locally: about 100,000 ids.
const serverIDsBytes = 8 << 20

// AbsentTTL is how long an id no server had is taken to be on none: long
// enough that a client repeating unknown ids costs the servers nothing,
// short enough that a session started meanwhile is soon found (one a
// listing or an action returns is remembered at once anyway).
const AbsentTTL = 10 * time.Second

// NewServerIDs keeps ids for ttl (0: a day), in redis too when it is not nil.
func NewServerIDs(redis *Redis, ttl time.Duration) *ServerIDs {
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	return &ServerIDs{redis: redis, ttl: ttl, absentTTL: AbsentTTL, local: lru.New(serverIDsBytes, time.Now)}
}

func serversKey(id string) string { return "servers-of:" + id }
func absentKey(id string) string  { return "absent:" + id }

// Where says what is known of each id: locally, else from Redis (one round
// trip for all the ids not known locally).
func (s *ServerIDs) Where(ctx context.Context, ids ...string) []Placement {
	out := make([]Placement, len(ids))
	var ask []int // indexes of the ids to ask Redis for
	for i, id := range ids {
		if v, ok := s.local.Value(id); ok {
			out[i] = v.(Placement)
		} else {
			ask = append(ask, i)
		}
	}
	if len(ask) == 0 || !s.redis.usable() {
		return out
	}
	pipe := s.redis.client.Pipeline()
	members := make([]*redis.StringSliceCmd, len(ask))
	absent := make([]*redis.IntCmd, len(ask))
	for j, i := range ask {
		members[j] = pipe.SMembers(ctx, s.redis.prefix+serversKey(ids[i]))
		absent[j] = pipe.Exists(ctx, s.redis.prefix+absentKey(ids[i]))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		s.redis.failed(ctx, err)
		return out
	}
	for j, i := range ask {
		servers := members[j].Val()
		slices.Sort(servers)
		switch {
		case len(servers) > 0:
			out[i] = Placement{Servers: servers}
			s.keep(ids[i], out[i])
		case absent[j].Val() > 0:
			out[i] = Placement{Absent: true}
			s.local.Put(ids[i], out[i], int64(len(ids[i])+64), s.absentTTL, "")
		}
	}
	return out
}

func (s *ServerIDs) keep(id string, p Placement) {
	size := len(id) + 64
	for _, srv := range p.Servers {
		size += len(srv) + 16
	}
	s.local.Put(id, p, int64(size), s.ttl, "")
}

// Remember notes that server served ids, beside any other server known to
// have served them. An id already known here with that server is not
// written again.
func (s *ServerIDs) Remember(ctx context.Context, server string, ids ...string) {
	var fresh []string
	for _, id := range ids {
		var known []string
		if v, ok := s.local.Value(id); ok {
			known = v.(Placement).Servers
		}
		if slices.Contains(known, server) {
			continue
		}
		servers := append(slices.Clone(known), server)
		slices.Sort(servers)
		s.keep(id, Placement{Servers: servers})
		fresh = append(fresh, id)
	}
	if len(fresh) == 0 || !s.redis.usable() {
		return
	}
	pipe := s.redis.client.Pipeline()
	for _, id := range fresh {
		pipe.SAdd(ctx, s.redis.prefix+serversKey(id), server)
		pipe.Expire(ctx, s.redis.prefix+serversKey(id), s.ttl)
		pipe.Del(ctx, s.redis.prefix+absentKey(id))
	}
	_, err := pipe.Exec(ctx)
	s.redis.failed(ctx, err)
}

// Absent notes that every server answered it has no such id (what was
// known of it is stale), for a short while.
func (s *ServerIDs) Absent(ctx context.Context, id string) {
	s.local.Put(id, Placement{Absent: true}, int64(len(id)+64), s.absentTTL, "")
	if !s.redis.usable() {
		return
	}
	pipe := s.redis.client.Pipeline()
	pipe.Del(ctx, s.redis.prefix+serversKey(id))
	pipe.Set(ctx, s.redis.prefix+absentKey(id), 1, s.absentTTL)
	_, err := pipe.Exec(ctx)
	s.redis.failed(ctx, err)
}
