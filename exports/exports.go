// Package exports runs the gateway's exports: files (a PST of backed-up
// mail) that the upstream streams and the gateway keeps in a spool
// directory, within a quota, until a caller downloads them through a
// short-lived signed link, and deletes at expiry. A file is copied, never
// held: memory does not grow with its size.
package exports

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// State is where an export is.
type State string

// The states of an export, in order.
const (
	Queued  State = "QUEUED"  // waiting for room to run
	Running State = "RUNNING" // the upstream's answer is being copied to the spool
	Ready   State = "READY"   // the file may be downloaded until it expires
	Failed  State = "FAILED"  // see Error
	Expired State = "EXPIRED" // the file was deleted
)

// Export is one export, as its owner sees it.
type Export struct {
	ID        string
	Owner     string // the caller's ID: only they see it and download it
	OwnerName string // the caller's name, for the audit log
	Format    string // PST
	FileName  string // what the download is called
	Server    string
	// RestoreSessionID is the restore session it came from.
	RestoreSessionID string
	State            State
	Bytes            int64  // written so far
	Error            string // why it failed: safe to show its owner
	Created          time.Time
	Finished         *time.Time // when it became READY or FAILED
	Expires          *time.Time // when a READY file is deleted
}

// Options configure the exports.
type Options struct {
	Dir         string        // the spool directory (created if missing)
	Quota       int64         // bytes all files may take together
	TTL         time.Duration // how long a ready file is kept
	LinkTTL     time.Duration // how long a download link works
	Concurrency int           // exports copied at once; more wait QUEUED
	Audit       *slog.Logger  // every download (nil: nowhere)
	Now         func() time.Time
}

// Exports are the exports of one gateway process.
type Exports struct {
	o     Options
	key   []byte // signs links: this process's own, as its exports are
	slots chan struct{}
	life  context.Context
	end   context.CancelFunc
	wg    sync.WaitGroup

	mu       sync.Mutex
	used     int64 // bytes of the files in the spool
	exports  map[string]*Export
	watchers map[string][]chan Export
}

// ErrSpoolFull fails an export that would pass the spool's quota.
var ErrSpoolFull = errors.New("the export spool is full: try again when other exports have expired, or ask for fewer items")

// New prepares the spool directory, deleting files a previous run left.
func New(o Options) (*Exports, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Audit == nil {
		o.Audit = slog.New(slog.DiscardHandler)
	}
	if o.Quota <= 0 || o.TTL <= 0 || o.LinkTTL <= 0 || o.Concurrency <= 0 {
		return nil, errors.New("exports: the quota, the times and the concurrency must be positive")
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("export-dir: %w", err)
	}
	left, _ := filepath.Glob(filepath.Join(o.Dir, filePrefix+"*"))
	for _, f := range left {
		_ = os.Remove(f) // their records died with the process that made them
	}
	x := &Exports{o: o, key: make([]byte, 32), slots: make(chan struct{}, o.Concurrency), exports: map[string]*Export{}, watchers: map[string][]chan Export{}}
	_, _ = rand.Read(x.key)
	x.life, x.end = context.WithCancel(context.Background())
	return x, nil
}

// filePrefix names the spool's files, so that a shared directory's other
// files are never touched.
const filePrefix = "vb365-export-"

func (x *Exports) path(id string) string { return filepath.Join(x.o.Dir, filePrefix+id) }

// Close stops the running exports and deletes every file.
func (x *Exports) Close() {
	x.end()
	x.wg.Wait()
	x.mu.Lock()
	defer x.mu.Unlock()
	for id := range x.exports {
		_ = os.Remove(x.path(id))
	}
}

// Start records an export for its owner and copies what fetch answers to
// the spool in the background.
func (x *Exports) Start(e Export, fetch func(context.Context) (io.ReadCloser, error)) Export {
	var id [16]byte
	_, _ = rand.Read(id[:])
	e.ID, e.State, e.Created, e.Bytes, e.Error = hex.EncodeToString(id[:]), Queued, x.o.Now(), 0, ""
	kept := e
	x.mu.Lock()
	x.exports[e.ID] = &kept
	x.mu.Unlock()
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		x.run(e.ID, fetch)
	}()
	return e
}

func (x *Exports) run(id string, fetch func(context.Context) (io.ReadCloser, error)) {
	select {
	case x.slots <- struct{}{}:
		defer func() { <-x.slots }()
	case <-x.life.Done():
		x.finish(id, x.life.Err())
		return
	}
	x.update(id, func(e *Export) { e.State = Running })
	err := x.copy(id, fetch)
	if err != nil {
		_ = os.Remove(x.path(id))
	}
	x.finish(id, err)
}

// copy streams fetch's answer to the export's file, within the quota.
func (x *Exports) copy(id string, fetch func(context.Context) (io.ReadCloser, error)) error {
	body, err := fetch(x.life)
	if err != nil {
		return err
	}
	defer body.Close()
	f, err := os.OpenFile(x.path(id), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("the spool cannot take the file: %w", err)
	}
	_, err = io.Copy(&quotaWriter{x: x, id: id, f: f}, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// quotaWriter writes a file within the spool's quota, counting its bytes
// and telling the export's watchers of its progress now and then.
type quotaWriter struct {
	x        *Exports
	id       string
	f        *os.File
	reported time.Time
}

func (w *quotaWriter) Write(p []byte) (int, error) {
	x := w.x
	x.mu.Lock()
	if x.used+int64(len(p)) > x.o.Quota {
		x.mu.Unlock()
		return 0, ErrSpoolFull
	}
	x.used += int64(len(p))
	x.mu.Unlock()
	n, err := w.f.Write(p)
	if n < len(p) {
		x.release(int64(len(p) - n))
	}
	report := time.Since(w.reported) >= time.Second
	if report {
		w.reported = time.Now()
	}
	x.progress(w.id, int64(n), report)
	return n, err
}

func (x *Exports) release(n int64) {
	x.mu.Lock()
	x.used -= n
	x.mu.Unlock()
}

// finish makes an export READY (to expire after TTL) or FAILED, and says
// so in the audit log.
func (x *Exports) finish(id string, err error) {
	now := x.o.Now()
	var done Export
	defer func() {
		attrs := []any{"export", id, "who", done.OwnerName, "state", string(done.State), "bytes", done.Bytes, "restore_session", done.RestoreSessionID}
		if err != nil {
			attrs = append(attrs, "err", err.Error())
		}
		x.o.Audit.Info("export finished", attrs...)
	}()
	x.update(id, func(e *Export) {
		defer func() { done = *e }()
		e.Finished = &now
		if err != nil {
			x.used -= e.Bytes // the file is gone
			e.State, e.Error, e.Bytes = Failed, failure(err), 0
			return
		}
		expires := now.Add(x.o.TTL)
		e.State, e.Expires = Ready, &expires
	})
	if err == nil {
		time.AfterFunc(x.o.TTL, func() { x.expire(id) })
	} else {
		time.AfterFunc(x.o.TTL, func() { x.forget(id) })
	}
}

// failure is what an export's owner is told of why it failed: never a
// path or the upstream's own words (those go to the audit log).
func failure(err error) string {
	var ue *upstream.Error
	switch {
	case errors.Is(err, ErrSpoolFull):
		return ErrSpoolFull.Error()
	case errors.Is(err, context.Canceled):
		return "the gateway stopped before the export was done"
	case errors.As(err, &ue):
		return "the upstream: " + ue.Message
	}
	return "the gateway could not write the file"
}

// expire deletes a ready export's file; its record stays as EXPIRED for a
// while, for those who ask.
func (x *Exports) expire(id string) {
	_ = os.Remove(x.path(id))
	x.update(id, func(e *Export) {
		x.used -= e.Bytes
		e.State = Expired
	})
	time.AfterFunc(x.o.TTL, func() { x.forget(id) })
}

func (x *Exports) forget(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.exports, id)
	for _, ch := range x.watchers[id] {
		close(ch)
	}
	delete(x.watchers, id)
}

// update changes an export under the lock and tells its watchers.
func (x *Exports) update(id string, change func(*Export)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e := x.exports[id]; e != nil {
		change(e)
		x.tell(e)
	}
}

// progress counts n more bytes of an export, telling its watchers when
// report says so (about once a second).
func (x *Exports) progress(id string, n int64, report bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e := x.exports[id]; e != nil {
		e.Bytes += n
		if report {
			x.tell(e)
		}
	}
}

func (x *Exports) tell(e *Export) {
	for _, ch := range x.watchers[e.ID] {
		latest(ch, *e)
	}
}

// latest puts v in ch (of capacity one), replacing what a slow reader has
// not taken yet: a watcher gets the newest state, never a queue.
func latest(ch chan Export, v Export) {
	select {
	case <-ch:
	default:
	}
	ch <- v
}

// Get is the export id, if owner has one by that id.
func (x *Exports) Get(id, owner string) (Export, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e := x.exports[id]
	if e == nil || e.Owner != owner {
		return Export{}, false
	}
	return *e, true
}

// Watch sends the export's state now and at every change until ctx ends or
// the export is forgotten; false: owner has no export by that id.
func (x *Exports) Watch(ctx context.Context, id, owner string) (<-chan Export, bool) {
	x.mu.Lock()
	e := x.exports[id]
	if e == nil || e.Owner != owner {
		x.mu.Unlock()
		return nil, false
	}
	ch := make(chan Export, 1)
	ch <- *e
	x.watchers[id] = append(x.watchers[id], ch)
	x.mu.Unlock()
	go func() {
		<-ctx.Done()
		x.mu.Lock()
		defer x.mu.Unlock()
		list := x.watchers[id]
		for i, c := range list {
			if c == ch {
				x.watchers[id] = append(list[:i:i], list[i+1:]...)
				close(ch)
			}
		}
	}()
	return ch, true
}
