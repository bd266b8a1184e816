package upstream

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Scope is what one GraphQL operation (or one event of a subscription) asks
// of the upstream. It is made by NewScope and passed to every call the
// operation makes: whose credential the calls carry (pass-through mode), how
// many run at once, one call for identical GETs within it (when nothing is
// shared between operations), the refusal that stops its other calls, and,
// for the operation cache, how long the operation's answer may be shared.
type Scope struct {
	credential string // pass-through: the caller's Authorization header
	credID     string // its digest, in cache keys ("" with the service account)
	sem        chan struct{}

	refused atomic.Pointer[Error] // the upstream's 401/403 to this caller

	mu        sync.Mutex
	calls     map[string]*scopedCall // identical GETs with sharing off, and whole collections
	sharedFor time.Duration          // the shortest time left of the cached answers used
	used      bool                   // an answer was used
	unkept    bool                   // an answer was used that is not kept at all
}

type scopedCall struct {
	done chan struct{}
	val  any
	err  error
}

// NewScope starts the scope of one operation. credential is the caller's
// Authorization header; it is used in pass-through mode only.
func (c *Client) NewScope(credential string) *Scope {
	s := &Scope{sem: make(chan struct{}, c.opts.MaxConcurrency)}
	if !c.ServiceAccount() && credential != "" {
		s.credential, s.credID = credential, credentialID(credential)
	}
	return s
}

// Credential is the caller's credential the scope's calls carry ("" with the
// service account).
func (s *Scope) Credential() string { return s.credential }

// SharedFor is how long the operation's answer may be served to identical
// operations: as long as every upstream answer it used stays fresh in the
// cache. false: it used none, or one that is not kept.
func (s *Scope) SharedFor() (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sharedFor, s.used && !s.unkept && s.sharedFor > 0
}

// Used reports whether the scope used any upstream answer.
func (s *Scope) Used() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used || s.unkept
}

// used notes an answer the cache serves for ttl more (0: not kept at all).
func (s *Scope) use(ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case ttl <= 0:
		s.unkept = true
	case !s.used || ttl < s.sharedFor:
		s.sharedFor, s.used = ttl, true
	}
}

// once runs fetch once per key within the scope.
func (s *Scope) once(key string, fetch func() (any, error)) (any, error) {
	s.mu.Lock()
	if s.calls == nil {
		s.calls = map[string]*scopedCall{}
	}
	call, found := s.calls[key]
	if !found {
		call = &scopedCall{done: make(chan struct{})}
		s.calls[key] = call
	}
	s.mu.Unlock()
	if found {
		<-call.done
		return call.val, call.err
	}
	call.val, call.err = fetch()
	close(call.done)
	return call.val, call.err
}

// started says whether a call with key has begun within the scope.
func (s *Scope) started(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.calls[key]
	return ok
}

// noteRefusal remembers a 401 or 403 for the rest of the operation: its
// other calls are not made (a batch of thousands with a forged token would
// otherwise lock out or throttle the account).
func (s *Scope) noteRefusal(err error) {
	var e *Error
	if errors.As(err, &e) && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden) {
		s.refused.CompareAndSwap(nil, e)
	}
}

// refusal is the upstream's refusal of this caller, if it gave one.
func (s *Scope) refusal() error {
	if e := s.refused.Load(); e != nil {
		return e
	}
	return nil
}

// fanOut runs fetch(0..n-1) concurrently, at most MaxConcurrency at once in
// the whole operation, however many batches its loaders cut. Results align
// with 0..n-1. Once the upstream refuses the caller, the calls not yet
// started fail with that refusal without being made.
func fanOut[T any](ctx context.Context, s *Scope, n int, fetch func(i int) (T, error)) ([]T, []error) {
	out, errs := make([]T, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		s.sem <- struct{}{}
		if err := s.refusal(); err != nil {
			<-s.sem
			errs[i] = err
			continue
		}
		wg.Go(func() {
			defer func() { <-s.sem }()
			out[i], errs[i] = fetch(i)
		})
	}
	wg.Wait()
	return out, errs
}
