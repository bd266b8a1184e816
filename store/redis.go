// Package store lets several replicas of the gateway share state through
// Redis: upstream answers, the service account's token and the persisted
// queries. Redis is a shared second tier, never a dependency: when it cannot
// be reached every call answers "nothing there" at once, each replica goes
// on with its own local state, and go-redis reconnects by itself.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	neturl "net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a store over one Redis server. Its zero value is not usable; a
// nil *Redis is a store that holds nothing.
//
// An outage costs requests nothing: the first call that fails (within a
// short dial or read timeout, never retried) marks Redis down, and from then
// on requests leave it alone while one prober, off the request path, pings
// it after 1 s, 2 s, 4 s… (at most 30 s) until it answers again.
type Redis struct {
	client *redis.Client
	prefix string
	log    *slog.Logger
	down   atomic.Bool
	closed chan struct{}
	close  sync.Once
}

type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}

// The prober's waits between pings while Redis is down.
const (
	probeFirst = time.Second
	probeMax   = 30 * time.Second
)

// Open parses a redis:// URL. It does not connect: the first use does. An
// error never quotes the URL, which may hold the password. log is told
// when Redis goes and comes back; go-redis's own lines go there too, at
// debug (it has one logger per process: the last Open's).
func Open(url, prefix string, log *slog.Logger) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message quotes the whole URL
		}
		return nil, fmt.Errorf("not a URL of the form redis://[:password@]host:port/db: %w", err)
	}
	// A request pays at most one short timeout to find Redis gone; it is
	// never dialled again on a request's time until the prober has found
	// it back (go-redis would dial five times, with waits, by default).
	opts.DialTimeout = 200 * time.Millisecond
	opts.ReadTimeout = 300 * time.Millisecond
	opts.WriteTimeout = 300 * time.Millisecond
	opts.MaxRetries = 0
	opts.DialerRetries = 1
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	redis.SetLogger(redisLogger{log})
	return &Redis{client: redis.NewClient(opts), prefix: prefix, log: log, closed: make(chan struct{})}, nil
}

// Close releases the connections and stops the prober.
func (r *Redis) Close() error {
	if r == nil {
		return nil
	}
	r.close.Do(func() { close(r.closed) })
	return r.client.Close()
}

// Down reports whether Redis could not be reached when last tried: each
// replica then goes on with its own state until the prober finds it again.
func (r *Redis) Down() bool { return r != nil && r.down.Load() }

func (r *Redis) usable() bool {
	return r != nil && !r.down.Load()
}

// failed notes an error (a missing key is not one): the first marks Redis
// down and starts the prober.
func (r *Redis) failed(ctx context.Context, err error) {
	if err == nil || errors.Is(err, redis.Nil) {
		return
	}
	if r.down.CompareAndSwap(false, true) {
		r.log.WarnContext(ctx, "redis unreachable; each replica goes on with its own state until it answers again", "err", err)
		go r.probe()
	}
}

// probe pings Redis, ever less often, until it answers; then requests use
// it again.
func (r *Redis) probe() {
	for wait := probeFirst; ; wait = min(2*wait, probeMax) {
		select {
		case <-r.closed:
			return
		case <-time.After(wait):
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := r.client.Ping(ctx).Err()
		cancel()
		if err == nil {
			r.down.Store(false)
			r.log.Info("redis answers again; sharing through it again")
			return
		}
	}
}

// Get returns the bytes under key, if Redis has them and answers.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool) {
	if !r.usable() {
		return nil, false
	}
	b, err := r.client.Get(ctx, r.prefix+key).Bytes()
	r.failed(ctx, err)
	return b, err == nil
}

// Set stores value under key for ttl (best effort).
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) {
	if !r.usable() || ttl <= 0 {
		return
	}
	r.failed(ctx, r.client.Set(ctx, r.prefix+key, value, ttl).Err())
}

// SetMany stores each value under its key for ttl, in one round trip
// (best effort).
func (r *Redis) SetMany(ctx context.Context, values map[string][]byte, ttl time.Duration) {
	if !r.usable() || ttl <= 0 || len(values) == 0 {
		return
	}
	pipe := r.client.Pipeline()
	for k, v := range values {
		pipe.Set(ctx, r.prefix+k, v, ttl)
	}
	_, err := pipe.Exec(ctx)
	r.failed(ctx, err)
}

// Lock takes key for ttl if nobody holds it; unlock gives it back. When
// Redis cannot be reached the lock is granted: each replica then works alone.
func (r *Redis) Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool) {
	if !r.usable() {
		return func() {}, true
	}
	k := r.prefix + "lock:" + key
	ok, err := r.client.SetNX(ctx, k, "1", ttl).Result()
	if err != nil {
		r.failed(ctx, err)
		return func() {}, true
	}
	return func() { r.client.Del(context.WithoutCancel(ctx), k) }, ok
}

// PersistedQueries adapts the store to gqlgen's cache interface (Get/Add of
// strings) for automatic persisted queries, behind a local cache: local
// first, then Redis. A query read from Redis must hash to the key it was
// asked by: whoever can write to Redis must not be able to plant a mutation
// under the hash of a harmless query.
type PersistedQueries struct {
	Local interface {
		Get(ctx context.Context, key string) (string, bool)
		Add(ctx context.Context, key, value string)
	}
	Redis *Redis
	TTL   time.Duration
}

// Get looks locally, then in Redis (keeping what it finds locally, if it
// is the query of that hash).
func (s PersistedQueries) Get(ctx context.Context, key string) (string, bool) {
	if v, ok := s.Local.Get(ctx, key); ok {
		return v, true
	}
	b, ok := s.Redis.Get(ctx, "apq:"+key)
	if !ok {
		return "", false
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != key {
		s.Redis.log.WarnContext(ctx, "a persisted query in redis does not hash to its key; ignored", "key", key)
		return "", false
	}
	s.Local.Add(ctx, key, string(b))
	return string(b), true
}

// Add keeps the value locally and in Redis.
func (s PersistedQueries) Add(ctx context.Context, key, value string) {
	s.Local.Add(ctx, key, value)
	s.Redis.Set(ctx, "apq:"+key, []byte(value), s.TTL)
}

// Advance increments the counter name and tells every replica that watches
// it; it returns the new value once they have all acknowledged it (or a
// second has passed), so that what the change made stale is stale
// everywhere when the caller answers. false: Redis could not be reached.
func (r *Redis) Advance(ctx context.Context, name string) (int64, bool) {
	if !r.usable() {
		return 0, false
	}
	key := r.prefix + "gen:" + name
	v, err := r.client.Incr(ctx, key).Result()
	if err != nil {
		r.failed(ctx, err)
		return 0, false
	}
	watchers, err := r.client.Publish(ctx, key, v).Result()
	r.failed(ctx, err)
	acks := r.ackKey(name, v)
	deadline := time.Now().Add(time.Second)
	for range watchers {
		wait := time.Until(deadline)
		if wait <= 0 {
			r.log.WarnContext(ctx, "not every replica acknowledged a change in time", "counter", name)
			break
		}
		if _, err := r.client.BLPop(ctx, wait, acks).Result(); err != nil {
			break
		}
	}
	r.client.Del(context.WithoutCancel(ctx), acks)
	return v, true
}

// Watch calls seen with the counter's value now and with every new value
// another replica sets (Advance), acknowledging each, until ctx ends.
func (r *Redis) Watch(ctx context.Context, name string, seen func(int64)) {
	if r == nil {
		return
	}
	key := r.prefix + "gen:" + name
	sub := r.client.Subscribe(ctx, key)
	if _, err := sub.Receive(ctx); err != nil { // subscribed before reading: no change is missed
		r.failed(ctx, err)
	}
	if v, err := r.client.Get(ctx, key).Int64(); err == nil {
		seen(v)
	}
	go messages(ctx, sub, func(payload string) {
		v, err := strconv.ParseInt(payload, 10, 64)
		if err != nil {
			return
		}
		seen(v)
		acks := r.ackKey(name, v)
		r.client.RPush(ctx, acks, 1)
		r.client.Expire(ctx, acks, 10*time.Second)
	})
}

// messages calls receive with each message's payload until ctx ends, then
// closes the subscription.
func messages(ctx context.Context, sub *redis.PubSub, receive func(payload string)) {
	defer sub.Close()
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			receive(m.Payload)
		}
	}
}

func (r *Redis) ackKey(name string, v int64) string {
	return r.prefix + "ack:" + name + ":" + strconv.FormatInt(v, 10)
}
