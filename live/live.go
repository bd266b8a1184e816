// Package live follows running sessions for subscriptions: however many
// clients watch a session, one poller asks the upstream for it, under a
// context and a scope of its own, never a watcher's.
package live

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Source is what the hub asks; *upstream.Client is one.
type Source interface {
	NewScope(credential string) *upstream.Scope
	PollJobSession(ctx context.Context, s *upstream.Scope, id string) (*upstream.JobSession, error)
}

// Hub follows running sessions. However many clients watch a session, one
// poller asks the upstream for it; the poller stops when the session has
// finished or its last watcher has gone. Pollers are keyed by the
// credentials they poll with, so in pass-through mode no caller ever
// receives what was fetched with another's token.
type Hub struct {
	src      Source
	interval time.Duration

	mu      sync.Mutex
	pollers map[pollKey]*poller
}

type pollKey struct {
	credentials [32]byte // digest of the watcher's credential (pass-through)
	credential  string
	sessionID   string
}

type poller struct {
	watchers map[chan *upstream.JobSession]struct{}
	last     *upstream.JobSession
	stop     context.CancelFunc
}

// New polls the sessions watched every interval.
func New(src Source, interval time.Duration) *Hub {
	return &Hub{src: src, interval: interval, pollers: map[pollKey]*poller{}}
}

// Pollers is how many sessions are being polled now.
func (l *Hub) Pollers() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pollers)
}

// Watch returns a channel that gets the session's current state at once,
// then every change of its progress, statistics or status, and is closed
// when the session has finished or ctx ends. credential is the watcher's
// (pass-through mode; "" with the service account). An unknown session, or
// credentials the upstream refuses, are an error at once.
func (l *Hub) Watch(ctx context.Context, credential, id string) (<-chan *upstream.JobSession, error) {
	key := pollKey{credentials: sha256.Sum256([]byte(credential)), credential: credential, sessionID: strings.ToLower(id)}
	ch := make(chan *upstream.JobSession, 1)

	l.mu.Lock()
	p := l.pollers[key]
	if p == nil {
		// First watcher: fetch now (an unknown id fails here), then poll.
		l.mu.Unlock()
		first, err := l.src.PollJobSession(ctx, l.src.NewScope(credential), id)
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if p = l.pollers[key]; p == nil { // nobody started one meanwhile
			// The poller serves every watcher, so it runs under a context of
			// its own, not the first watcher's.
			pctx, stop := context.WithCancel(context.Background())
			p = &poller{watchers: map[chan *upstream.JobSession]struct{}{}, last: first, stop: stop}
			l.pollers[key] = p
			go l.poll(pctx, key, p)
		}
	}
	p.watchers[ch] = struct{}{}
	current := p.last
	ch <- current // under the lock, so the poller cannot fill the channel first
	l.mu.Unlock()

	if current.Status.Final() {
		l.remove(key, p, ch)
		return ch, nil
	}
	go func() {
		<-ctx.Done()
		l.remove(key, p, ch)
	}()
	return ch, nil
}

// remove takes a watcher away (closing its channel) and stops the poller
// when none is left.
func (l *Hub) remove(key pollKey, p *poller, ch chan *upstream.JobSession) {
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

func (l *Hub) poll(ctx context.Context, key pollKey, p *poller) {
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A scope per poll: each asks the upstream afresh.
		s, err := l.src.PollJobSession(ctx, l.src.NewScope(key.credential), key.sessionID)
		if err != nil {
			if ctx.Err() == nil {
				slog.WarnContext(ctx, "polling a live session failed; trying again", "session", key.sessionID, "err", err)
			}
			continue
		}
		l.mu.Lock()
		changed := !sameState(p.last, s)
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
		final := s.Status.Final()
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
