package upstream_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// TestLargeAnswersWaitForRoomOrAreBusy: while one large answer is read and
// decoded, another that does not fit beside it waits for room, as long as
// its call may take, then fails with KindBusy without being read; once
// the first is done, it passes. Small answers never wait. Whatever ends,
// every reservation is given back. With a Content-Length, or without.
func TestLargeAnswersWaitForRoomOrAreBusy(t *testing.T) {
	for _, withLength := range []bool{true, false} {
		budget := upstream.NewBudget(16 << 20) // one 3 MB answer reserves 9 MB (without a length: 32 MiB × 3, then 9 MB once read)
		env := testenv.New(t, testenv.Options{Unshared: true, Wrap: testenv.LargeSessionPages(3<<20, 600*time.Millisecond, withLength),
			Client: func(o *upstream.Options) { o.Budget = budget }})
		impatient := env.Options
		impatient.Timeout = 200 * time.Millisecond
		other, err := upstream.New(impatient)
		if err != nil {
			t.Fatal(err)
		}
		page := upstream.PageRequest{Limit: 10}
		var wg sync.WaitGroup
		var first error
		wg.Go(func() {
			_, first = env.Client.JobSessions(context.Background(), env.Client.NewScope(""), upstream.SessionFilter{}, page)
		})
		for budget.Reserved() == 0 {
			time.Sleep(time.Millisecond)
		}
		if _, err := other.Jobs(context.Background(), other.NewScope("")); err != nil {
			t.Errorf("length %v: a small answer while the budget is taken: %v", withLength, err)
		}
		_, err = other.JobSessions(context.Background(), other.NewScope(""), upstream.SessionFilter{}, page)
		if upstream.KindOf(err) != upstream.KindBusy {
			t.Errorf("length %v: a second large answer while the first holds the budget: %v, want busy", withLength, err)
		}
		wg.Wait()
		if first != nil {
			t.Fatalf("length %v: the first large answer: %v", withLength, first)
		}
		if p, err := other.JobSessions(context.Background(), other.NewScope(""), upstream.SessionFilter{}, upstream.PageRequest{Limit: 10}); err == nil {
			t.Errorf("length %v: the impatient client read a page that takes 600ms: %d items", withLength, len(p.Items))
		}
		patient, _ := upstream.New(env.Options)
		if p, err := patient.JobSessions(context.Background(), patient.NewScope(""), upstream.SessionFilter{}, page); err != nil || len(p.Items) != 10 {
			t.Errorf("length %v: once the first is done: %d items, %v", withLength, len(p.Items), err)
		}
		if n := budget.Reserved(); n != 0 {
			t.Errorf("length %v: %d bytes still reserved after every call ended", withLength, n)
		}
	}
}

// TestDecodingTakesWhatTheBudgetCounts: reading and decoding a 30 MB page
// allocates no more than the budget reserves for it (three times its size),
// and what the answer keeps is the page asked for, not the 30 MB.
func TestDecodingTakesWhatTheBudgetCounts(t *testing.T) {
	const size = 30 << 20
	env := testenv.New(t, testenv.Options{Unshared: true, Wrap: testenv.LargeSessionPages(size, 0, true)})
	scope := env.Client.NewScope("")
	// Once first, so that the server has built its page and the client is
	// logged in: then only the client's work is measured.
	if _, err := env.Client.JobSessions(context.Background(), scope, upstream.SessionFilter{}, upstream.PageRequest{Limit: 1000}); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := env.Client.JobSessions(context.Background(), env.Client.NewScope(""), upstream.SessionFilter{}, upstream.PageRequest{Limit: 1000})
	runtime.ReadMemStats(&after)
	if err != nil || len(p.Items) != 1000 {
		t.Fatalf("%d items, %v", len(p.Items), err)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("a 30 MB page: %d MB allocated to read and decode it, %d MB kept", allocated>>20, kept>>20)
	if allocated > 3*size {
		t.Errorf("reading and decoding a %d MB page allocated %d MB: more than the budget counts (3x)", size>>20, allocated>>20)
	}
	if kept > 8<<20 {
		t.Errorf("%d MB kept of a 30 MB page once 1000 items were taken from it", kept>>20)
	}
	runtime.KeepAlive(p)
}
