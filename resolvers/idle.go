package resolvers

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// IdleRestoreSessions stops the restore sessions their owners have left:
// an open session holds resources on the VB365 server (and backed-up data
// within reach) until it is stopped, and browsers are closed without a
// goodbye. Each replica stops those opened or used through it.
type IdleRestoreSessions struct {
	idle time.Duration
	now  func() time.Time
	mu   sync.Mutex
	last map[string]idleSession // by session id
}

type idleSession struct {
	server string
	at     time.Time
}

// NewIdleRestoreSessions stops sessions unused for idle (0: never).
func NewIdleRestoreSessions(idle time.Duration) *IdleRestoreSessions {
	return &IdleRestoreSessions{idle: idle, now: time.Now, last: map[string]idleSession{}}
}

// Touch notes that a session was used now.
func (t *IdleRestoreSessions) Touch(server, session string) {
	if t == nil || t.idle <= 0 {
		return
	}
	t.mu.Lock()
	t.last[strings.ToLower(session)] = idleSession{server, t.now()}
	t.mu.Unlock()
}

// Forget stops watching a session (its owner closed it).
func (t *IdleRestoreSessions) Forget(session string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	delete(t.last, strings.ToLower(session))
	t.mu.Unlock()
}

// Run stops idle sessions until ctx ends, through the servers' service
// accounts (a pass-through gateway has none: its sessions end on the
// server's own timeout). Every stop is audited.
func (t *IdleRestoreSessions) Run(ctx context.Context, servers []*upstream.Client, audit *slog.Logger) {
	if t == nil || t.idle <= 0 {
		return
	}
	byName := map[string]*upstream.Client{}
	for _, c := range servers {
		byName[c.Name()] = c
	}
	tick := time.NewTicker(min(max(t.idle/4, 10*time.Millisecond), time.Minute))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t.mu.Lock()
		var due []string
		for id, s := range t.last {
			if t.now().Sub(s.at) >= t.idle {
				due = append(due, id)
			}
		}
		t.mu.Unlock()
		for _, id := range due {
			t.mu.Lock()
			s := t.last[id]
			delete(t.last, id)
			t.mu.Unlock()
			c := byName[s.server]
			if c == nil || !c.ServiceAccount() {
				continue
			}
			callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			changed, err := c.CloseRestoreSession(callCtx, c.NewScope(""), id)
			cancel()
			outcome := outcomeDone
			if err != nil {
				outcome = outcomeFailed
			}
			attrs := []any{"mutation", "idleStop", "restore_session", id, "who", "gateway", "idle", t.idle, "outcome", outcome, "upstream_status", changed.Status}
			if err != nil {
				attrs = append(attrs, "err", err.Error())
			}
			audit.InfoContext(ctx, "restore action", attrs...)
		}
	}
}
