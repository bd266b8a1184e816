package lru

import (
	"testing"
	"time"
)

func TestBoundedExpiringLRU(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	c := New(100, func() time.Time { return now })
	c.Put("a", 1, 40, time.Minute, "")
	c.Put("b", 2, 40, time.Second, "etag-b")
	if v, ok := c.Value("a"); !ok || v != 1 { // a is now the most recent
		t.Fatalf("a: %v %v", v, ok)
	}
	c.Put("c", 3, 40, time.Minute, "") // over 100 bytes: b, the least recent, goes
	if _, ok := c.Value("b"); ok {
		t.Error("b should have been evicted")
	}
	if n, used := c.Size(); n != 2 || used != 80 {
		t.Errorf("size %d entries, %d bytes", n, used)
	}
	now = now.Add(2 * time.Minute)
	if _, ok := c.Value("a"); ok {
		t.Error("an expired entry was served as fresh")
	}
	if e := c.Get("a"); e == nil || c.Fresh(e) || e.Value != 1 {
		t.Errorf("Get must still return the stale entry for revalidation: %+v", e)
	}
	c.Put("big", 4, 101, time.Minute, "")
	c.Put("none", 5, 1, 0, "")
	if c.Get("big") != nil || c.Get("none") != nil {
		t.Error("an entry larger than the cache, or with no time to live, was kept")
	}
}
