package upstream

import (
	"context"
	"sync"
	"time"
)

// Reach is what the client last heard from its server: whether it answered
// (any HTTP answer but a 5xx counts) and, when it did not, why.
type Reach struct {
	Known     bool      // a call has been answered or has failed
	Up        bool      // the last call was answered
	LastError string    // why the last call failed, when down: a fixed phrase, never a secret
	Since     time.Time // when the server last changed between up and down
}

// reachability keeps the client's Reach.
type reachability struct {
	mu    sync.Mutex
	reach Reach
}

// heardFrom records an answer (failure nil) or a failure: no answer, or a
// 5xx. A call the caller cancelled says nothing of the server. back says
// that the server answered after it had been down.
func (r *reachability) heardFrom(failure *Error, now time.Time) (back bool) {
	if failure != nil && failure.cancelled {
		return false
	}
	up, why := failure == nil, ""
	if !up {
		why = failure.Message
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	back = up && r.reach.Known && !r.reach.Up
	if !r.reach.Known || r.reach.Up != up {
		r.reach.Since = now
	}
	r.reach = Reach{Known: true, Up: up, LastError: why, Since: r.reach.Since}
	return back
}

// heardFrom records what the server did with a call. When it answers
// again after being down and its version was asked of it (auto), it is
// asked again: it may have been upgraded meanwhile.
func (c *Client) heardFrom(failure *Error) {
	if c.reach.heardFrom(failure, c.opts.Now()) && c.opts.AutoVersion && c.redetecting.CompareAndSwap(false, true) {
		go func() {
			defer c.redetecting.Store(false)
			ctx, cancel := context.WithTimeout(c.life, 10*time.Minute)
			defer cancel()
			c.Redetect(ctx, 0)
		}()
	}
}

// Reach is what the client last heard from its server.
func (c *Client) Reach() Reach {
	c.reach.mu.Lock()
	defer c.reach.mu.Unlock()
	return c.reach.reach
}
