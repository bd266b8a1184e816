package live

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// A Feed reads a server's feed of changes (v8 GET /Events) while some hub
// it serves has sessions to follow, and tells them which sessions changed:
// they read a session when it changes, instead of every interval. While
// the feed fails (or before it has answered once), they poll as without it.

// FeedSource is what a feed reads; *upstream.Client is one.
type FeedSource interface {
	NewScope(credential string) *upstream.Scope
	Events(ctx context.Context, s *upstream.Scope, from string, wait time.Duration) (upstream.Events, error)
}

// Feed reads one server's feed for the hubs that use it.
type Feed struct {
	src     FeedSource
	wait    time.Duration // how long one long poll may wait
	gap     time.Duration // the least time between two reads
	log     *slog.Logger
	changed func(upstream.Event) // besides the hubs: the client's cache

	mu       sync.Mutex
	users    int // rounds of every hub that uses the feed, which this replica asks for
	reader   int // which reader is the current one: an older one, ending, says nothing
	stop     context.CancelFunc
	ready    chan struct{}                // closed when the current reader has answered once, or ended
	handlers map[string][]func(id string) // by event type
	fedHooks []func(bool)
}

// NewFeed reads src's feed when needed, at most once per gap (a server
// that changes all the time is asked as often as it would be polled);
// changed hears of every event first (nil: nobody). wait bounds each long
// poll.
func NewFeed(src FeedSource, wait, gap time.Duration, changed func(upstream.Event), log *slog.Logger) *Feed {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if changed == nil {
		changed = func(upstream.Event) {}
	}
	ready := make(chan struct{})
	close(ready) // no reader: nothing to wait for
	return &Feed{src: src, wait: wait, gap: gap, log: log, changed: changed, handlers: map[string][]func(string){}, ready: ready}
}

// UseFeed has the hub told by f of the sessions that changed (events of
// eventType, e.g. JobSessionUpdate).
func (l *Hub[T]) UseFeed(f *Feed, eventType string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[eventType] = append(f.handlers[eventType], l.changed)
	f.fedHooks = append(f.fedHooks, l.setFed)
	l.feed = f
}

// need starts the feed with its first user; release stops it with its last.
func (f *Feed) need() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users++; f.users == 1 {
		ctx, stop := context.WithCancel(context.Background())
		f.stop = stop
		f.reader++
		f.ready = make(chan struct{})
		go f.read(ctx, f.reader)
	}
}

func (f *Feed) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users--; f.users == 0 {
		f.stop()
	}
}

// answered waits until the feed has said where "now" is (or failed to), so
// that a session read after it misses no change: at most a few seconds.
func (f *Feed) answered(ctx context.Context) {
	f.mu.Lock()
	ready := f.ready
	f.mu.Unlock()
	select {
	case <-ready:
	case <-ctx.Done():
	case <-time.After(2 * time.Second):
	}
}

// read follows the feed from now until ctx ends. A server without a feed
// (an older version, or no credential to read it with) ends it for good:
// the hubs poll.
func (f *Feed) read(ctx context.Context, reader int) {
	defer f.setFed(reader, false)
	from, pause := "", time.Second
	for ctx.Err() == nil {
		wait := f.wait
		if from == "" {
			wait = 0 // where "now" is, at once: then the long polls
		}
		asked := time.Now()
		page, err := f.src.Events(ctx, f.src.NewScope(""), from, wait)
		var ve *upstream.VersionError
		switch {
		case ctx.Err() != nil:
			return
		case errors.As(err, &ve), upstream.KindOf(err) == upstream.KindUnauthenticated:
			return
		case err != nil:
			// Events may be lost meanwhile: poll, and start again from now.
			f.setFed(reader, false)
			f.log.WarnContext(ctx, "reading the server's event feed failed; polling until it answers", "err", err)
			from = ""
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			pause = min(2*pause, 30*time.Second)
			continue
		}
		pause = time.Second
		if from == "" {
			f.setFed(reader, true) // from now on the feed says what changes
		}
		for _, e := range page.Items {
			f.changed(e)
			f.mu.Lock()
			handlers := f.handlers[e.Type]
			f.mu.Unlock()
			for _, h := range handlers {
				h(e.ID)
			}
		}
		from = page.Next
		select {
		case <-ctx.Done():
		case <-time.After(f.gap - time.Since(asked)):
		}
	}
}

// setFed tells the hubs whether the feed answers, if reader is the
// current reader.
func (f *Feed) setFed(reader int, on bool) {
	f.mu.Lock()
	hooks := f.fedHooks
	current := reader == f.reader
	f.mu.Unlock()
	if !current {
		return
	}
	for _, h := range hooks {
		h(on)
	}
	f.mu.Lock()
	if reader == f.reader {
		select {
		case <-f.ready:
		default:
			close(f.ready)
		}
	}
	f.mu.Unlock()
}
