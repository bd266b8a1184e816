package resolvers

import (
	"testing"
	"time"
)

func TestBatchWindowWidensOnSplitsAndNarrowsBack(t *testing.T) {
	ws := NewWindows(500*time.Microsecond, 4*time.Millisecond)
	w := ws.of("jobs")
	if ws.of("jobs") != w || ws.of("sessions") == w {
		t.Fatal("one window per loader name")
	}
	for _, want := range []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 4 * time.Millisecond} {
		w.observe(true)
		if got := ws.Wait("jobs"); got != want {
			t.Fatalf("after a split: %v, want %v", got, want)
		}
	}
	for range 200 {
		w.observe(false)
	}
	if got := w.wait(); got != 500*time.Microsecond {
		t.Fatalf("after batches that were whole: %v, want the base", got)
	}
	if ws.Wait("sessions") != 500*time.Microsecond {
		t.Fatal("another loader's window moved")
	}
	zero := NewWindows(0, 0).of("jobs")
	zero.observe(true)
	if zero.wait() != 0 {
		t.Fatalf("no wait configured, but %v after a split", zero.wait())
	}
}

func TestSplitsTellSiblingsFromTheNextLevel(t *testing.T) {
	const wait = 20 * time.Millisecond
	var s splits
	if s.start(wait) {
		t.Fatal("the first batch is no split")
	}
	if !s.start(wait) {
		t.Fatal("a batch while the first is still fetched is a sibling")
	}
	s.end()
	s.end()
	if !s.start(wait) {
		t.Fatal("a batch whose first key came before the last answer is a sibling")
	}
	s.end()
	time.Sleep(wait + 5*time.Millisecond)
	if s.start(wait) {
		t.Fatal("a batch whose first key came after the answer is the next level")
	}
	s.end()
}
