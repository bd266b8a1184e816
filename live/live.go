// Package live follows running sessions (job sessions, restore sessions)
// for subscriptions: however many clients watch a session, one poller asks
// the upstream for it, under a context and a scope of its own, never a
// watcher's.
package live

import (
	"context"
	"crypto/sha256"
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
}

// Followed says how to follow one kind of session: how to ask the upstream
// for it, when it can no longer change, and when two states of it look the
// same to a client.
type Followed[T any] struct {
	What  string // for logs: "job session"
	Poll  func(ctx context.Context, s *upstream.Scope, id string) (T, error)
	Final func(T) bool
	Same  func(a, b T) bool
}

// JobSessions follows job sessions: their progress, statistics and status.
func JobSessions(src Source) Followed[*upstream.JobSession] {
	return Followed[*upstream.JobSession]{What: "job session", Poll: src.PollJobSession,
		Final: func(s *upstream.JobSession) bool { return s.Status.Final() }, Same: sameState}
}

// Sent follows what f follows, sent to watchers as T: the graph's type for
// it, to and from which the upstream's converts for free.
func Sent[T, U any](f Followed[U], to func(U) T, from func(T) U) Followed[T] {
	return Followed[T]{What: f.What,
		Poll: func(ctx context.Context, s *upstream.Scope, id string) (T, error) {
			u, err := f.Poll(ctx, s, id)
			return to(u), err
		},
		Final: func(t T) bool { return f.Final(from(t)) },
		Same:  func(a, b T) bool { return f.Same(from(a), from(b)) }}
}

// RestoreSessions follows restore sessions: their state, result and details.
func RestoreSessions(src Source) Followed[*upstream.RestoreSession] {
	return Followed[*upstream.RestoreSession]{What: "restore session", Poll: src.PollRestoreSession,
		Final: (*upstream.RestoreSession).Final, Same: sameRestore}
}

// Hub follows running sessions of one kind. However many clients watch a
// session, one poller asks the upstream for it; the poller stops when the
// session has finished or its last watcher has gone. Pollers are keyed by
// the credentials they poll with, so in pass-through mode no caller ever
// receives what was fetched with another's token.
type Hub[T any] struct {
	newScope func(credential string) *upstream.Scope
	followed Followed[T]
	interval time.Duration
	log      *slog.Logger

	mu      sync.Mutex
	pollers map[pollKey]*poller[T]

	feed *Feed       // tells of changes (nil: none)
	fed  atomic.Bool // the feed answers now: poll on its word, and only rarely otherwise
}

// feedSafety is how many intervals pass between the polls of a session a
// working feed has said nothing of: a net under an event lost.
const feedSafety = 15

// pollKey names a poller: whose credential it polls with (its digest, in
// pass-through mode) and which session.
type pollKey struct {
	credential [32]byte
	sessionID  string
}

type poller[T any] struct {
	credential string // the watchers' credential, which the polls carry
	watchers   map[chan T]struct{}
	last       T
	stop       context.CancelFunc
	wake       chan struct{} // the feed says the session changed
}

// New polls the sessions watched every interval, with a new scope (of the
// watcher's credential) for each poll; a poll that fails is said to log
// (nil: nowhere).
func New[T any](newScope func(credential string) *upstream.Scope, f Followed[T], interval time.Duration, log *slog.Logger) *Hub[T] {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub[T]{newScope: newScope, followed: f, interval: interval, log: log, pollers: map[pollKey]*poller[T]{}}
}

// Pollers is how many sessions are being polled now.
func (l *Hub[T]) Pollers() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pollers)
}

// Watch returns a channel that gets the session's current state at once,
// then every change of its progress, statistics or status, and is closed
// when the session has finished or ctx ends. credential is the watcher's
// (pass-through mode; "" with the service account). An unknown session, or
// credentials the upstream refuses, are an error at once.
func (l *Hub[T]) Watch(ctx context.Context, credential, id string) (<-chan T, error) {
	key := pollKey{credential: sha256.Sum256([]byte(credential)), sessionID: strings.ToLower(id)}
	ch := make(chan T, 1)

	l.mu.Lock()
	p := l.pollers[key]
	if p == nil {
		// First watcher: fetch now (an unknown id fails here), then poll.
		l.mu.Unlock()
		first, err := l.followed.Poll(ctx, l.newScope(credential), id)
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if p = l.pollers[key]; p == nil { // nobody started one meanwhile
			// The poller serves every watcher, so it runs under a context of
			// its own, not the first watcher's.
			pctx, stop := context.WithCancel(context.Background())
			p = &poller[T]{credential: credential, watchers: map[chan T]struct{}{}, last: first, stop: stop, wake: make(chan struct{}, 1)}
			l.pollers[key] = p
			if l.feed != nil {
				l.feed.need()
				context.AfterFunc(pctx, l.feed.release)
			}
			go l.poll(pctx, key, p)
		}
	}
	p.watchers[ch] = struct{}{}
	current := p.last
	ch <- current // under the lock, so the poller cannot fill the channel first
	l.mu.Unlock()

	if l.followed.Final(current) {
		l.remove(key, p, ch)
		return ch, nil
	}
	// A callback, not a goroutine waiting on ctx: one less per subscriber.
	context.AfterFunc(ctx, func() { l.remove(key, p, ch) })
	return ch, nil
}

// remove takes a watcher away (closing its channel) and stops the poller
// when none is left.
func (l *Hub[T]) remove(key pollKey, p *poller[T], ch chan T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := p.watchers[ch]; !ok {
		return
	}
	delete(p.watchers, ch)
	close(ch)
	if len(p.watchers) == 0 {
		p.stop()
		if l.pollers[key] == p {
			delete(l.pollers, key)
		}
	}
}

func (l *Hub[T]) poll(ctx context.Context, key pollKey, p *poller[T]) {
	t := time.NewTicker(l.interval)
	defer t.Stop()
	quiet, dirty := 0, false // ticks since the last poll; whether the feed said it changed since
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
			dirty = true // read at the next tick: at most once an interval, however often it changes
			continue
		case <-t.C:
		}
		if quiet++; l.fed.Load() && !dirty && quiet < feedSafety {
			continue // the feed tells when it changes
		}
		quiet, dirty = 0, false
		// A scope per poll: each asks the upstream afresh.
		s, err := l.followed.Poll(ctx, l.newScope(p.credential), key.sessionID)
		if err != nil {
			if ctx.Err() == nil {
				l.log.WarnContext(ctx, "polling a live "+l.followed.What+" failed; trying again", "session", key.sessionID, "err", err)
			}
			continue
		}
		l.mu.Lock()
		changed := !l.followed.Same(p.last, s)
		if changed {
			p.last = s
			for ch := range p.watchers {
				select { // latest wins: a slow watcher skips states, never blocks the others
				case <-ch:
				default:
				}
				ch <- s
			}
		}
		final := l.followed.Final(s)
		if final {
			for ch := range p.watchers {
				delete(p.watchers, ch)
				close(ch)
			}
			delete(l.pollers, key)
		}
		l.mu.Unlock()
		if final {
			p.stop()
			return
		}
	}
}

// changed is the feed's word that a session changed: its pollers read it now.
func (l *Hub[T]) changed(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, p := range l.pollers {
		if key.sessionID == strings.ToLower(id) {
			select {
			case p.wake <- struct{}{}:
			default: // a read is due already
			}
		}
	}
}

// setFed says whether the feed answers. When it starts to, every session
// is read once: what changed before it started was not told.
func (l *Hub[T]) setFed(on bool) {
	if l.fed.Swap(on) == on || !on {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.pollers {
		select {
		case p.wake <- struct{}{}:
		default:
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
