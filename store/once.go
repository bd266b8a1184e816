package store

import (
	"context"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/vb365-graphql/vb365-graphql/internal/lru"
)

// Once runs an action at most once per key within a window, here and, with
// Redis, on every replica: a repeat (or a duplicate that arrives while the
// first runs) gets the first result instead of running again. Only a
// success is kept: a failed action may be tried again.
type Once struct {
	redis  *Redis // nil: this process only
	window time.Duration
	local  *lru.Cache
	flight singleflight.Group
}

// NewOnce keeps results for window, in redis too when it is not nil.
func NewOnce(redis *Redis, window time.Duration) *Once {
	return &Once{redis: redis, window: window, local: lru.New(4<<20, time.Now)}
}

// How long a duplicate on another replica waits for the first's result.
const onceWait = time.Minute

type onceResult struct {
	value    []byte
	repeated bool
}

// Do runs act once for key and returns its result; repeated says that it
// is the result of an earlier (or concurrent) run.
func (o *Once) Do(ctx context.Context, key string, act func() ([]byte, error)) (result []byte, repeated bool, err error) {
	v, err, shared := o.flight.Do(key, func() (any, error) {
		if b, ok := o.kept(ctx, key); ok {
			return onceResult{b, true}, nil
		}
		unlock, ok := o.redis.Lock(ctx, "once:"+key, onceWait)
		for deadline := time.Now().Add(onceWait); !ok; {
			// Another replica runs it: its result, when it comes, is ours.
			if time.Now().After(deadline) || !sleep(ctx, 50*time.Millisecond) {
				return nil, context.DeadlineExceeded
			}
			if b, found := o.kept(ctx, key); found {
				return onceResult{b, true}, nil
			}
			unlock, ok = o.redis.Lock(ctx, "once:"+key, onceWait) // it may have failed: then we run it
		}
		defer unlock()
		if b, found := o.kept(ctx, key); found { // it finished between our look and the lock
			return onceResult{b, true}, nil
		}
		b, err := act()
		if err != nil {
			return nil, err
		}
		o.local.Put(key, b, int64(len(key)+len(b)), o.window, "")
		o.redis.Set(ctx, "once:result:"+key, b, o.window)
		return onceResult{b, false}, nil
	})
	if err != nil {
		return nil, false, err
	}
	r := v.(onceResult)
	return r.value, r.repeated || shared, nil
}

func (o *Once) kept(ctx context.Context, key string) ([]byte, bool) {
	if v, ok := o.local.Value(key); ok {
		return v.([]byte), true
	}
	b, ok := o.redis.Get(ctx, "once:result:"+key)
	if ok {
		o.local.Put(key, b, int64(len(key)+len(b)), o.window, "")
	}
	return b, ok
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
