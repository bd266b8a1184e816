// Package live follows running sessions (job sessions, restore sessions)
// for subscriptions. However many clients watch, one loop per server and
// credential asks the upstream, under a context and a scope of its own,
// never a watcher's: once an interval, one listing of the newest sessions
// where that serves several at once, else each followed session; on a
// server with an event feed, only what the feed says changed. Replicas
// that share a Cluster elect one of them to ask, and it tells the others.
package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Source is what the hubs ask; *upstream.Client is one.
type Source interface {
	NewScope(credential string) *upstream.Scope
	PollJobSession(ctx context.Context, s *upstream.Scope, id string) (*upstream.JobSession, error)
	PollRestoreSession(ctx context.Context, s *upstream.Scope, id string) (*upstream.RestoreSession, error)
	RecentJobSessions(ctx context.Context, s *upstream.Scope) ([]upstream.JobSession, error)
	RecentRestoreSessions(ctx context.Context, s *upstream.Scope) ([]upstream.RestoreSession, error)
}

// Followed says how to follow one kind of session: how to ask the upstream
// for one and for the newest, when one can no longer change, and when two
// states of one look the same to a client.
type Followed[T any] struct {
	What   string // for logs: "job session"
	Poll   func(ctx context.Context, s *upstream.Scope, id string) (T, error)
	Recent func(ctx context.Context, s *upstream.Scope) ([]T, error) // the newest, in one call
	ID     func(T) string
	Final  func(T) bool
	Same   func(a, b T) bool
}

// JobSessions follows job sessions: their progress, statistics and status.
func JobSessions(src Source) Followed[*upstream.JobSession] {
	return Followed[*upstream.JobSession]{What: "job session", Poll: src.PollJobSession,
		Recent: func(ctx context.Context, s *upstream.Scope) ([]*upstream.JobSession, error) {
			return pointers(src.RecentJobSessions(ctx, s))
		},
		ID:    func(s *upstream.JobSession) string { return s.ID },
		Final: func(s *upstream.JobSession) bool { return s.Status.Final() }, Same: sameState}
}

// RestoreSessions follows restore sessions: their state, result and details.
func RestoreSessions(src Source) Followed[*upstream.RestoreSession] {
	return Followed[*upstream.RestoreSession]{What: "restore session", Poll: src.PollRestoreSession,
		Recent: func(ctx context.Context, s *upstream.Scope) ([]*upstream.RestoreSession, error) {
			return pointers(src.RecentRestoreSessions(ctx, s))
		},
		ID:    func(s *upstream.RestoreSession) string { return s.ID },
		Final: (*upstream.RestoreSession).Final, Same: sameRestore}
}

func pointers[T any](items []T, err error) ([]*T, error) {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out, err
}

// Sent follows what f follows, sent to watchers as T: the graph's type for
// it, to and from which the upstream's converts for free.
func Sent[T, U any](f Followed[U], to func(U) T, from func(T) U) Followed[T] {
	return Followed[T]{What: f.What,
		Poll: func(ctx context.Context, s *upstream.Scope, id string) (T, error) {
			u, err := f.Poll(ctx, s, id)
			return to(u), err
		},
		Recent: func(ctx context.Context, s *upstream.Scope) ([]T, error) {
			us, err := f.Recent(ctx, s)
			out := make([]T, len(us))
			for i, u := range us {
				out[i] = to(u)
			}
			return out, err
		},
		ID:    func(t T) string { return f.ID(from(t)) },
		Final: func(t T) bool { return f.Final(from(t)) },
		Same:  func(a, b T) bool { return f.Same(from(a), from(b)) }}
}

// Hub follows the sessions of one kind on one server: single sessions for
// their watchers, and every session that starts or changes for its
// listeners. Each credential that follows anything has a round of its own
// (in pass-through mode no caller ever receives what was fetched with
// another's token); a round asks the upstream while it has watchers or
// listeners, and stops with the last.
type Hub[T any] struct {
	newScope func(credential string) *upstream.Scope
	followed Followed[T]
	interval time.Duration
	log      *slog.Logger

	mu     sync.Mutex
	rounds map[[32]byte]*round[T]

	feed *Feed       // tells of changes (nil: none)
	fed  atomic.Bool // the feed answers now: ask on its word, and only rarely otherwise

	cluster Cluster     // the replicas this one shares the asking with (nil: none)
	name    string      // the cluster's name for this hub: its server and kind
	alone   atomic.Bool // the cluster cannot be reached: this replica asks for itself
}

// feedSafety is how many intervals pass between the reads of a session a
// working feed has said nothing of: a net under an event lost.
const feedSafety = 15

// pollsAtOnce is how many sessions a round reads on their own at once: a
// slow server delays the round (and its lease's renewal) less.
const pollsAtOnce = 8

// listenerBuffer is how many changes a listener may be behind before the
// oldest it has not read is dropped for the newest.
const listenerBuffer = 64

// round is what one credential follows on the hub's server.
type round[T any] struct {
	key        [32]byte
	credential string // the watchers' credential, which the asks carry
	users      int    // watchers, listeners, and first reads under way
	stop       context.CancelFunc

	topics    map[string]*topic[T] // followed here, by lower-case id
	listeners map[chan T]struct{}

	// What the asking replica knows.
	leading bool
	states  map[string]T    // the last state of each followed session
	quiet   map[string]int  // intervals since each was read
	seen    map[string]T    // the last listing (nil: none since listeners came)
	dirty   map[string]bool // what the feed says changed since the last ask
	checked bool            // a listener's credential was tried on a listing
}

type topic[T any] struct {
	watchers map[chan T]struct{}
	last     T
}

// New asks for the sessions followed every interval, with a new scope (of
// the followers' credential) for each ask; a failed ask is said to log
// (nil: nowhere).
func New[T any](newScope func(credential string) *upstream.Scope, f Followed[T], interval time.Duration, log *slog.Logger) *Hub[T] {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub[T]{newScope: newScope, followed: f, interval: interval, log: log, rounds: map[[32]byte]*round[T]{}}
}

// Pollers is how many sessions are being followed now.
func (l *Hub[T]) Pollers() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.rounds {
		n += len(r.topics)
	}
	return n
}

// attach returns credential's round, started if new, with one more user.
// Callers hold l.mu.
func (l *Hub[T]) attach(credential string) *round[T] {
	key := sha256.Sum256([]byte(credential))
	r := l.rounds[key]
	if r == nil {
		// The round serves every follower, so it runs under a context of
		// its own, not the first follower's.
		ctx, stop := context.WithCancel(context.Background())
		r = &round[T]{key: key, credential: credential, stop: stop, topics: map[string]*topic[T]{}, listeners: map[chan T]struct{}{},
			states: map[string]T{}, quiet: map[string]int{}, dirty: map[string]bool{}}
		l.rounds[key] = r
		if l.cluster == nil {
			l.setLeading(r, true) // alone, it asks for itself from the start
		} else {
			go l.cluster.Subscribe(ctx, l.channel(r), func(b []byte) { l.received(r, b) })
		}
		go l.run(ctx, r)
	}
	r.users++
	return r
}

// detach takes a user away; the round stops with its last. Callers hold l.mu.
func (l *Hub[T]) detach(r *round[T]) {
	if r.users--; r.users == 0 {
		r.stop()
		l.setLeading(r, false)
		if l.rounds[r.key] == r {
			delete(l.rounds, r.key)
		}
	}
}

// Watch returns a channel that gets the session's current state at once,
// then every change of it, and is closed when the session has finished or
// ctx ends. credential is the watcher's (pass-through mode; "" with the
// service account). An unknown session, or credentials the upstream
// refuses, are an error at once.
func (l *Hub[T]) Watch(ctx context.Context, credential, id string) (<-chan T, error) {
	id = strings.ToLower(id)
	ch := make(chan T, 1)

	l.mu.Lock()
	r := l.attach(credential)
	t := r.topics[id]
	if t == nil {
		// First watcher here: fetch now (an unknown id fails here). The
		// feed has said where "now" is first, so nothing after this read
		// goes untold.
		l.mu.Unlock()
		if l.feed != nil {
			l.feed.answered(ctx)
		}
		first, err := l.followed.Poll(ctx, l.newScope(credential), id)
		l.mu.Lock()
		if err != nil {
			l.detach(r)
			l.mu.Unlock()
			return nil, err
		}
		if t = r.topics[id]; t == nil { // nobody else started it meanwhile
			t = &topic[T]{watchers: map[chan T]struct{}{}, last: first}
			r.topics[id] = t
			if _, ok := r.states[id]; !ok {
				r.states[id] = first
			}
		}
	}
	t.watchers[ch] = struct{}{}
	current := t.last
	ch <- current // under the lock, so that no change can fill the channel first
	l.mu.Unlock()

	if l.followed.Final(current) {
		l.unwatch(r, id, t, ch)
		return ch, nil
	}
	// A callback, not a goroutine waiting on ctx: one less per subscriber.
	context.AfterFunc(ctx, func() { l.unwatch(r, id, t, ch) })
	return ch, nil
}

// unwatch takes a watcher away, closing its channel.
func (l *Hub[T]) unwatch(r *round[T], id string, t *topic[T], ch chan T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := t.watchers[ch]; !ok {
		return // closed already: the session finished
	}
	delete(t.watchers, ch)
	close(ch)
	if len(t.watchers) == 0 && r.topics[id] == t {
		delete(r.topics, id)
	}
	l.detach(r)
}

// Listen returns a channel that gets every session that starts or changes
// from now on, until ctx ends. A listener that falls behind loses the
// oldest changes it has not read, never blocks the others. Credentials the
// upstream refuses are an error at once.
func (l *Hub[T]) Listen(ctx context.Context, credential string) (<-chan T, error) {
	l.mu.Lock()
	r := l.attach(credential)
	check := !r.checked
	l.mu.Unlock()
	if check {
		listed, err := l.followed.Recent(ctx, l.newScope(credential))
		l.mu.Lock()
		if err != nil {
			l.detach(r)
			l.mu.Unlock()
			return nil, err
		}
		r.checked = true
		if r.seen == nil && r.leading { // what changes is told against this
			r.seen = l.byID(listed)
		}
		l.mu.Unlock()
	}
	ch := make(chan T, listenerBuffer)
	l.mu.Lock()
	r.listeners[ch] = struct{}{}
	l.mu.Unlock()
	context.AfterFunc(ctx, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(r.listeners, ch)
		close(ch)
		l.detach(r)
	})
	return ch, nil
}

func (l *Hub[T]) byID(items []T) map[string]T {
	m := make(map[string]T, len(items))
	for _, s := range items {
		m[strings.ToLower(l.followed.ID(s))] = s
	}
	return m
}

// run asks for the round once an interval while this replica leads it. It
// wakes every half interval, so that a replica taking over from one that
// died does so within two intervals.
func (l *Hub[T]) run(ctx context.Context, r *round[T]) {
	half := time.NewTicker(l.interval / 2)
	defer half.Stop()
	var asked time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-half.C:
		}
		remote, leading := l.lead(ctx, r)
		if !leading {
			l.mu.Lock()
			clear(r.dirty) // the leader hears of these
			l.mu.Unlock()
			continue
		}
		if time.Since(asked) < l.interval*3/4 {
			continue
		}
		asked = time.Now()
		l.ask(ctx, r, remote)
	}
}

// ask reads what the round follows that may have changed, and tells every
// follower, here and on the other replicas, what did.
func (l *Hub[T]) ask(ctx context.Context, r *round[T], remote following) {
	l.mu.Lock()
	fed := l.fed.Load()
	ids := map[string]bool{}
	for id := range r.topics {
		ids[id] = true
	}
	for _, id := range remote.ids {
		ids[id] = true
	}
	listening := len(r.listeners) > 0 || remote.listening
	for id := range r.states {
		if !ids[id] {
			delete(r.states, id)
			delete(r.quiet, id)
		}
	}
	var due []string
	for id := range ids {
		if s, ok := r.states[id]; ok && l.followed.Final(s) {
			continue // told already; its followers are leaving
		}
		if r.quiet[id]++; !fed || r.dirty[id] || r.quiet[id] >= feedSafety {
			due = append(due, id)
		}
	}
	news := false // the feed names a change nobody here follows: a listing finds it
	for id := range r.dirty {
		news = news || !ids[id]
	}
	clear(r.dirty)
	if !listening {
		r.seen = nil
	}
	// One listing serves listeners, and several followed sessions at once.
	list := listening && (!fed || news || len(due) > 0) || len(due) > 1
	l.mu.Unlock()
	if len(due) == 0 && !list {
		return
	}

	scope := l.newScope(r.credential)
	var listed map[string]T
	if list {
		items, err := l.followed.Recent(ctx, scope)
		if err != nil && ctx.Err() == nil {
			l.log.WarnContext(ctx, "listing live "+l.followed.What+"s failed; trying again", "err", err)
		}
		if err == nil {
			listed = l.byID(items)
		}
	}
	got := map[string]T{}
	var (
		gotMu sync.Mutex
		polls sync.WaitGroup
		slots = make(chan struct{}, pollsAtOnce)
	)
	for _, id := range due {
		if s, ok := listed[id]; ok {
			got[id] = s
			continue
		}
		slots <- struct{}{}
		polls.Go(func() {
			defer func() { <-slots }()
			s, err := l.followed.Poll(ctx, scope, id)
			if err != nil {
				if ctx.Err() == nil {
					l.log.WarnContext(ctx, "polling a live "+l.followed.What+" failed; trying again", "session", id, "err", err)
				}
				return
			}
			gotMu.Lock()
			got[id] = s
			gotMu.Unlock()
		})
	}
	polls.Wait()

	var changed []T
	l.mu.Lock()
	for id, s := range got {
		r.quiet[id] = 0
		if prev, ok := r.states[id]; !ok || !l.followed.Same(prev, s) {
			r.states[id] = s
			changed = append(changed, s)
		}
	}
	if listed != nil && listening {
		if r.seen != nil {
			for id, s := range listed {
				if _, told := got[id]; told {
					continue
				}
				if prev, ok := r.seen[id]; !ok || !l.followed.Same(prev, s) {
					changed = append(changed, s)
				}
			}
		}
		r.seen = listed
	}
	l.mu.Unlock()
	for _, s := range changed {
		l.deliver(r, s)
		l.publish(ctx, r, s)
	}
}

// deliver tells this replica's followers of a session's new state.
func (l *Hub[T]) deliver(r *round[T], s T) {
	id := strings.ToLower(l.followed.ID(s))
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, followed := r.topics[id]; followed && !r.leading {
		r.states[id] = s // known if this replica takes over; not every session a listener hears of
	}
	for ch := range r.listeners {
		Offer(ch, s)
	}
	t := r.topics[id]
	if t == nil || l.followed.Same(t.last, s) {
		return
	}
	t.last = s
	final := l.followed.Final(s)
	for ch := range t.watchers {
		select { // latest wins: a slow watcher skips states, never blocks the others
		case <-ch:
		default:
		}
		ch <- s
		if final {
			delete(t.watchers, ch)
			close(ch)
			l.detach(r)
		}
	}
	if final {
		delete(r.topics, id)
	}
}

// Offer puts v on ch, dropping the oldest value ch holds when it is full:
// a reader that falls behind loses old changes, never blocks the sender.
// Callers must be ch's only sender.
func Offer[T any](ch chan T, v T) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// changed is the feed's word that a session changed: the next ask reads it.
func (l *Hub[T]) changed(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.rounds {
		r.dirty[strings.ToLower(id)] = true
	}
}

// setFed says whether the feed answers. When it starts to, every session
// already followed is read once: what changed before it started was not
// told.
func (l *Hub[T]) setFed(on bool) {
	if l.fed.Swap(on) == on || !on {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.rounds {
		for id := range r.states {
			r.dirty[id] = true
		}
	}
}

// leading counts the rounds this process asks for, over every hub: a
// metric, and how a test finds the replica that leads.
var leading atomic.Int64

// Leading is how many rounds this process asks the upstream for now.
func Leading() int64 { return leading.Load() }

// setLeading notes whether this replica asks for r; the feed is read while
// some round here does. Callers hold l.mu.
func (l *Hub[T]) setLeading(r *round[T], on bool) {
	if r.leading == on {
		return
	}
	r.leading = on
	if on {
		leading.Add(1)
	} else {
		leading.Add(-1)
	}
	if !on {
		r.seen = nil
	}
	if l.feed != nil {
		if on {
			l.feed.need()
		} else {
			l.feed.release()
		}
	}
}

// sameState reports whether a client would see no difference.
func sameState(a, b *upstream.JobSession) bool {
	if a.Progress != b.Progress || a.Status != b.Status || (a.EndTime == nil) != (b.EndTime == nil) {
		return false
	}
	if (a.Details == nil) != (b.Details == nil) || a.Details != nil && *a.Details != *b.Details {
		return false
	}
	if (a.Statistics == nil) != (b.Statistics == nil) {
		return false
	}
	return a.Statistics == nil || *a.Statistics == *b.Statistics
}

// sameRestore reports whether a client would see no difference.
func sameRestore(a, b *upstream.RestoreSession) bool {
	return a.State == b.State && a.Result == b.Result && (a.EndTime == nil) == (b.EndTime == nil) &&
		deref(a.Details) == deref(b.Details) && deref(a.ETag) == deref(b.ETag)
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// digest names a credential in the cluster without showing it.
func digest(key [32]byte) string { return hex.EncodeToString(key[:8]) }
