// Package lru is a cache bounded by bytes: the least recently used entries
// go first. Entries expire; Get returns an expired one too, so that it can be
// revalidated (Fresh tells which it is), Value only a fresh one.
package lru

import (
	"container/list"
	"strings"
	"sync"
	"time"
)

// Cache is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	max   int64
	used  int64
	order *list.List // front: most recently used
	items map[string]*list.Element
	now   func() time.Time
}

// Entry is what Get returns: a copy; Value itself is shared.
type Entry struct {
	Key     string
	Value   any
	Size    int64
	TTL     time.Duration
	Expires time.Time
	ETag    string
}

// New returns a cache holding at most max bytes.
func New(max int64, now func() time.Time) *Cache {
	return &Cache{max: max, order: list.New(), items: map[string]*list.Element{}, now: now}
}

// Get returns the entry, fresh or stale, or nil.
func (l *Cache) Get(key string) *Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.items[key]
	if !ok {
		return nil
	}
	l.order.MoveToFront(el)
	e := *el.Value.(*Entry)
	return &e
}

// Value returns the value under key if it has not expired; it copies
// nothing, for the hot path.
func (l *Cache) Value(key string) (any, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*Entry)
	if !l.now().Before(e.Expires) {
		return nil, false
	}
	l.order.MoveToFront(el)
	return e.Value, true
}

// Fresh reports whether e has not expired.
func (l *Cache) Fresh(e *Entry) bool { return e != nil && l.now().Before(e.Expires) }

// Put stores value for ttl; size is what it counts against the bound.
func (l *Cache) Put(key string, value any, size int64, ttl time.Duration, etag string) {
	if ttl <= 0 || size > l.max {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e := &Entry{Key: key, Value: value, Size: size, TTL: ttl, Expires: l.now().Add(ttl), ETag: etag}
	if el, ok := l.items[key]; ok {
		l.used -= el.Value.(*Entry).Size
		el.Value = e
		l.order.MoveToFront(el)
	} else {
		l.items[key] = l.order.PushFront(e)
	}
	l.used += size
	for l.used > l.max {
		l.remove(l.order.Back())
	}
}

// Delete removes key and reports whether it was there.
func (l *Cache) Delete(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.items[key]
	if ok {
		l.remove(el)
	}
	return ok
}

// DeletePrefix removes every entry whose key starts with prefix. It looks at
// every entry: for rare events only.
func (l *Cache) DeletePrefix(prefix string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, el := range l.items {
		if strings.HasPrefix(key, prefix) {
			l.remove(el)
		}
	}
}

func (l *Cache) remove(el *list.Element) {
	e := el.Value.(*Entry)
	l.order.Remove(el)
	delete(l.items, e.Key)
	l.used -= e.Size
}

// Size returns the number of entries and the bytes they count.
func (l *Cache) Size() (int, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.items), l.used
}
