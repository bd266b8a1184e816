package live

import (
	"context"
	"encoding/json"
	"time"
)

// Cluster is what replicas share to ask the upstream once between them
// (store.Redis is one): a lease per round, who follows what, and a channel
// per round on which its leader tells the others what changed. An error
// means the cluster cannot be reached: each replica then asks for itself.
type Cluster interface {
	// Lead takes the lease named key for ttl, or keeps it if this replica
	// holds it; false: another replica holds it.
	Lead(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Follow says this replica follows members of key for ttl; Following
	// is what every replica follows.
	Follow(ctx context.Context, key string, members []string, ttl time.Duration) error
	Following(ctx context.Context, key string) ([]string, error)
	// Publish sends msg to every other replica subscribed to key.
	Publish(ctx context.Context, key string, msg []byte) error
	// Subscribe calls receive with what other replicas publish to key, until ctx ends.
	Subscribe(ctx context.Context, key string, receive func(msg []byte))
}

// everyChange is the member a replica with listeners follows: the leader
// then lists what starts and changes.
const everyChange = "*"

// following is what the other replicas follow in a round.
type following struct {
	ids       []string
	listening bool
}

// UseCluster has the hub share its asking with the replicas of c: name
// tells this hub from the others (its server and what it follows).
func (l *Hub[T]) UseCluster(c Cluster, name string) {
	l.cluster, l.name = c, name
}

// Alone reports whether this replica asks for itself because the cluster
// it shares cannot be reached.
func (l *Hub[T]) Alone() bool { return l.alone.Load() }

func (l *Hub[T]) key(r *round[T]) string { return "live:" + l.name + ":" + digest(r.key) }

func (l *Hub[T]) channel(r *round[T]) string { return l.key(r) + ":changes" }

// lead says what this replica follows, and whether it leads the round
// (with what the others follow), or the cluster is out of reach and it
// asks for itself.
func (l *Hub[T]) lead(ctx context.Context, r *round[T]) (following, bool) {
	if l.cluster == nil {
		return following{}, true
	}
	l.mu.Lock()
	members := make([]string, 0, len(r.topics)+1)
	for id := range r.topics {
		members = append(members, id)
	}
	if len(r.listeners) > 0 {
		members = append(members, everyChange)
	}
	l.mu.Unlock()
	key := l.key(r)
	err := l.cluster.Follow(ctx, key, members, 3*l.interval)
	leading := false
	if err == nil {
		// Kept for an interval and renewed every half: a dead leader's lease
		// lapses within an interval, and a half later another has it.
		leading, err = l.cluster.Lead(ctx, key, l.interval)
	}
	var f following
	if err == nil && leading {
		var all []string
		if all, err = l.cluster.Following(ctx, key); err == nil {
			for _, m := range all {
				if m == everyChange {
					f.listening = true
				} else {
					f.ids = append(f.ids, m)
				}
			}
		}
	}
	if l.alone.Swap(err != nil) != (err != nil) {
		if err != nil {
			l.log.WarnContext(ctx, "the replicas' shared store cannot be reached: this replica asks the upstream for its own subscribers", "err", err)
		} else {
			l.log.InfoContext(ctx, "the replicas' shared store answers again: one replica asks the upstream for all")
		}
	}
	leading = leading || err != nil
	l.mu.Lock()
	l.setLeading(r, leading)
	l.mu.Unlock()
	return f, leading
}

// publish tells the other replicas of a change (when there are any).
func (l *Hub[T]) publish(ctx context.Context, r *round[T], s T) {
	if l.cluster == nil || l.alone.Load() {
		return
	}
	b, err := json.Marshal(s)
	if err == nil {
		err = l.cluster.Publish(ctx, l.channel(r), b)
	}
	if err != nil {
		l.log.DebugContext(ctx, "telling the other replicas of a change failed", "err", err)
	}
}

// received is a change the leader told of.
func (l *Hub[T]) received(r *round[T], msg []byte) {
	var s T
	if err := json.Unmarshal(msg, &s); err != nil {
		l.log.Warn("a change from another replica could not be read; ignored", "err", err)
		return
	}
	l.deliver(r, s)
}
