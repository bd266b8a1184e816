package upstream

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// retryable reports whether a failed GET may be tried again: the upstream
// was unreachable, said it is overloaded (502/503/504) or throttled us (429).
// Timeouts are not retried: the call already used its whole budget.
func retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindUnavailable || e.Route == tokenRoute {
		return false // a failed login has its own pause (see renew)
	}
	switch e.Status {
	case 0, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff is the wait before retry number attempt (0 for the first retry):
// exponential with full jitter, or what the server asked with Retry-After.
func (c *Client) backoff(err error, attempt int) time.Duration {
	if after := retryAfterOf(err); after > 0 {
		return after
	}
	ceiling := c.opts.RetryBaseDelay << attempt
	if ceiling > c.opts.RetryMaxDelay || ceiling <= 0 {
		ceiling = c.opts.RetryMaxDelay
	}
	return time.Duration(rand.Int64N(int64(ceiling) + 1))
}

// sleepWithin waits d unless ctx ends first or would end before d has
// passed, in which case it returns false at once: a retry that cannot finish
// in time is not worth starting.
func sleepWithin(ctx context.Context, d time.Duration) bool {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// breaker stops calling an upstream that keeps failing: after threshold
// failures in a row it opens and calls fail at once; after cooldown one
// probe goes through, and its outcome closes or reopens it.
type breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time

	mu        sync.Mutex
	failures  int
	openUntil time.Time // zero while closed
	probing   bool
}

type outcome int

const (
	outcomeSuccess outcome = iota
	outcomeFailure
	outcomeNeutral // the caller gave up, or the answer says nothing of the upstream's health
)

// allow reports whether a call may go out now.
func (b *breaker) allow() bool {
	if b.threshold <= 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return true
	}
	if b.now().Before(b.openUntil) || b.probing {
		return false
	}
	b.probing = true
	return true
}

func (b *breaker) record(o outcome) {
	if b.threshold <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch o {
	case outcomeSuccess:
		b.failures, b.openUntil, b.probing = 0, time.Time{}, false
	case outcomeFailure:
		b.failures++
		b.probing = false
		if b.failures >= b.threshold {
			b.openUntil = b.now().Add(b.cooldown)
		}
	default:
		b.probing = false
	}
}

// open reports whether calls are being refused now.
func (b *breaker) open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.openUntil.IsZero() && b.now().Before(b.openUntil)
}

// outcomeOf classifies a call's result for the breaker: an unreachable,
// failing or hanging upstream counts against it; a 4xx, a throttle or a
// cancelled caller does not.
func outcomeOf(err error) outcome {
	if err == nil {
		return outcomeSuccess
	}
	var e *Error
	if !errors.As(err, &e) {
		return outcomeNeutral
	}
	switch {
	case e.Kind == KindUnavailable && e.Status == http.StatusTooManyRequests:
		return outcomeNeutral
	case e.cancelled, e.Kind == KindBusy, e.Kind == KindSessionExpired: // not the upstream's failure
		return outcomeNeutral
	case e.Kind == KindUnavailable, e.Kind == KindTimeout:
		return outcomeFailure
	}
	return outcomeSuccess
}
