package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// What live.Cluster asks of Redis: one replica leads each live round (a
// lease), the others say what they follow (a sorted set scored by when
// each member lapses) and hear the leader's changes (a channel).

// errDown is what the cluster's calls say while Redis is marked down.
var errDown = errors.New("redis is down")

// replicaID names this process among the replicas: the lease's holder,
// and the sender of what it publishes, so that it ignores its own.
var replicaID = func() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}()

// leadScript takes the lease if nobody holds it, or renews it if this
// replica does.
var leadScript = redis.NewScript(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`)

// Lead takes the lease named key for ttl, or renews it if this replica
// holds it; false: another replica does.
func (r *Redis) Lead(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if !r.usable() {
		return false, errDown
	}
	n, err := leadScript.Run(ctx, r.client, []string{r.prefix + "lease:" + key}, replicaID, ttl.Milliseconds()).Int()
	r.failed(ctx, err)
	return n == 1, err
}

// Follow says this replica follows members of key until ttl has passed.
func (r *Redis) Follow(ctx context.Context, key string, members []string, ttl time.Duration) error {
	if !r.usable() {
		return errDown
	}
	k := r.prefix + "following:" + key
	until := float64(time.Now().Add(ttl).UnixMilli())
	pipe := r.client.Pipeline()
	pipe.ZRemRangeByScore(ctx, k, "-inf", strconv.FormatInt(time.Now().UnixMilli(), 10))
	if len(members) > 0 {
		zs := make([]redis.Z, len(members))
		for i, m := range members {
			zs[i] = redis.Z{Score: until, Member: m}
		}
		pipe.ZAdd(ctx, k, zs...)
		pipe.PExpire(ctx, k, ttl)
	}
	_, err := pipe.Exec(ctx)
	r.failed(ctx, err)
	return err
}

// Following is what the replicas follow under key now.
func (r *Redis) Following(ctx context.Context, key string) ([]string, error) {
	if !r.usable() {
		return nil, errDown
	}
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	members, err := r.client.ZRangeByScore(ctx, r.prefix+"following:"+key, &redis.ZRangeBy{Min: "(" + now, Max: "+inf"}).Result()
	r.failed(ctx, err)
	return members, err
}

// Publish sends msg to the other replicas subscribed to key.
func (r *Redis) Publish(ctx context.Context, key string, msg []byte) error {
	if !r.usable() {
		return errDown
	}
	err := r.client.Publish(ctx, r.prefix+"changes:"+key, append([]byte(replicaID+" "), msg...)).Err()
	r.failed(ctx, err)
	return err
}

// Subscribe calls receive with what other replicas publish to key until
// ctx ends; go-redis subscribes again by itself after Redis comes back.
func (r *Redis) Subscribe(ctx context.Context, key string, receive func(msg []byte)) {
	if r == nil {
		return
	}
	messages(ctx, r.client.Subscribe(ctx, r.prefix+"changes:"+key), func(payload string) {
		if sender, msg, ok := strings.Cut(payload, " "); ok && sender != replicaID {
			receive([]byte(msg))
		}
	})
}
