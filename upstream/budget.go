package upstream

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Budget bounds the memory that upstream answers take while they are read
// and decoded, over every server and request of the gateway. Without it,
// 40 requests at once against a server whose pages are 30 MB (or a v3
// server whose whole session history is one array) held 40 such answers,
// each about three times its size once decoded: 7.7 GB.
//
// An answer of up to smallAnswer bytes takes no part: most are a few KB,
// and they pass untouched. A larger one reserves decodeFactor times its size
// (its bytes, and what decoding makes of them) before it is read, waiting
// for room for half the time its call may take; if none comes, it fails with
// KindBusy (UPSTREAM_BUSY) and the answer is never read. The reservation
// ends once the answer is decoded: what a request keeps of it is a page of
// the size it asked for, or what the cache holds, which is bounded by
// itself.
type Budget struct {
	sem      *semaphore.Weighted
	size     int64
	reserved atomic.Int64
}

// NewBudget bounds upstream answers in flight to bytes (their decoded form
// counted).
func NewBudget(bytes int64) *Budget {
	return &Budget{sem: semaphore.NewWeighted(bytes), size: bytes}
}

// Reserved is how many bytes the answers in flight hold now.
func (b *Budget) Reserved() int64 {
	if b == nil {
		return 0
	}
	return b.reserved.Load()
}

const (
	// smallAnswer is the size up to which an answer needs no reservation.
	smallAnswer = 1 << 20
	// decodeFactor is how much memory an answer takes, bytes and decoded
	// values together, for each of its bytes: 2.8 for a 30 MB page of
	// sessions (TestDecodingTakesWhatTheBudgetCounts measures it).
	decodeFactor = 3
)

// reservation is part of a budget, held by one answer.
type reservation struct {
	b    *Budget
	n    int64
	done atomic.Bool
}

// reserve takes n bytes (at most the whole budget, so that any answer can
// pass alone), waiting for room for at most half the time ctx has left: the
// other half is the answer's to arrive in, so that a call that waited long
// is busy, not a timeout blamed on the upstream. A nil budget reserves
// nothing.
func (b *Budget) reserve(ctx context.Context, n int64) (*reservation, error) {
	if b == nil {
		return nil, nil
	}
	n = min(n, b.size)
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Until(deadline)/2)
		defer cancel()
	}
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	b.reserved.Add(n)
	return &reservation{b: b, n: n}, nil
}

// shrink gives back what is held beyond n.
func (r *reservation) shrink(n int64) {
	if r != nil && n < r.n {
		r.b.reserved.Add(n - r.n)
		r.b.sem.Release(r.n - n)
		r.n = n
	}
}

// release gives back all of it (once; nil: nothing held).
func (r *reservation) release() {
	if r != nil && r.done.CompareAndSwap(false, true) {
		r.b.reserved.Add(-r.n)
		r.b.sem.Release(r.n)
	}
}

// readAnswer reads a 2xx answer's body, at most MaxBodyBytes, within the
// budget: a large one is reserved for before it is read, by its
// Content-Length, or, when the server does not say, by the largest answer
// allowed, lowered to its real size once read. The reservation (nil: none)
// is released once the answer is decoded.
func (c *Client) readAnswer(ctx context.Context, route string, resp *http.Response) ([]byte, *reservation, error) {
	limit, size := c.opts.MaxBodyBytes, resp.ContentLength
	if size > limit {
		return nil, nil, tooLarge(route, resp.StatusCode)
	}
	busy := func(err error) error {
		return &Error{Kind: KindBusy, Route: route, Status: resp.StatusCode, Err: err,
			Message: "the gateway holds as many large upstream answers as it may at once; try again"}
	}
	if size >= 0 { // told: read exactly that, reserving first if it is large
		var held *reservation
		if size > smallAnswer {
			var err error
			if held, err = c.opts.Budget.reserve(ctx, size*decodeFactor); err != nil {
				return nil, nil, busy(err)
			}
		}
		body := make([]byte, size)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			held.release()
			return nil, nil, transportError(route, err)
		}
		return body, held, nil
	}
	// Not told: read what a small answer holds; reserve only if there is more.
	small := min(smallAnswer, limit)
	body, err := io.ReadAll(io.LimitReader(resp.Body, small+1))
	switch {
	case err != nil:
		return nil, nil, transportError(route, err)
	case int64(len(body)) <= small:
		return body, nil, nil
	case int64(len(body)) > limit:
		return nil, nil, tooLarge(route, resp.StatusCode)
	}
	held, err := c.opts.Budget.reserve(ctx, limit*decodeFactor)
	if err != nil {
		return nil, nil, busy(err)
	}
	rest, err := io.ReadAll(io.LimitReader(resp.Body, limit+1-int64(len(body))))
	body = append(body, rest...)
	switch {
	case err != nil:
		held.release()
		return nil, nil, transportError(route, err)
	case int64(len(body)) > limit:
		held.release()
		return nil, nil, tooLarge(route, resp.StatusCode)
	}
	held.shrink(int64(len(body)) * decodeFactor)
	return body, held, nil
}

func tooLarge(route string, status int) error {
	return &Error{Kind: KindBadResponse, Route: route, Status: status, Message: "the upstream's answer is larger than allowed", Err: errTooLarge}
}
