package resolvers

import (
	"sync"
	"sync/atomic"
	"time"
)

// Windows size how long each loader collects keys before its batch goes
// upstream. Idle, the fields of one level of a query ask for their keys
// within microseconds of each other and the base wait gathers them all. Under
// load the goroutines that ask are scheduled late, a batch closes before its
// siblings have asked, and one level costs several upstream calls. A window
// sees that happen (a batch whose first key came before the previous batch
// of the same loader and operation had its answer: a sibling, not the next
// level) and doubles, up to max; each batch that is not split narrows it by
// a sixteenth, back towards base. One set of windows serves every operation
// of a handler: load is the process's, not one operation's.
type Windows struct {
	base, max time.Duration
	byLoader  sync.Map // loader name -> *batchWindow
}

// NewWindows starts every loader's window at base; none grows past limit.
func NewWindows(base, limit time.Duration) *Windows {
	return &Windows{base: base, max: max(base, limit)}
}

// Wait is the window the loader named would open now.
func (ws *Windows) Wait(loader string) time.Duration { return ws.of(loader).wait() }

func (ws *Windows) of(loader string) *batchWindow {
	if w, ok := ws.byLoader.Load(loader); ok {
		return w.(*batchWindow)
	}
	w := &batchWindow{base: int64(ws.base), max: int64(ws.max)}
	w.cur.Store(int64(ws.base))
	got, _ := ws.byLoader.LoadOrStore(loader, w)
	return got.(*batchWindow)
}

type batchWindow struct {
	base, max int64
	cur       atomic.Int64 // nanoseconds; a lost update between two batches is harmless
}

func (w *batchWindow) wait() time.Duration { return time.Duration(w.cur.Load()) }

func (w *batchWindow) observe(split bool) {
	cur := w.cur.Load()
	if split {
		w.cur.Store(min(max(2*cur, w.base+1), w.max))
	} else {
		w.cur.Store(max(cur-cur/16, w.base))
	}
}

// splits tells, for one loader of one operation, whether a batch is a
// sibling of the one before it: its first key (wait before it started)
// came while the previous batch was still being fetched.
type splits struct {
	mu       sync.Mutex
	inFlight int
	lastEnd  time.Time
}

func (s *splits) start(wait time.Duration) (split bool) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	split = s.inFlight > 0 || !s.lastEnd.IsZero() && now.Add(-wait).Before(s.lastEnd)
	s.inFlight++
	return split
}

func (s *splits) end() {
	s.mu.Lock()
	s.inFlight--
	s.lastEnd = time.Now()
	s.mu.Unlock()
}
