package graphqlhttp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/live"
)

// Subscribers with the same document, variables and access share one
// execution: each event is resolved and encoded once, and its response
// handed to every subscriber, however many there are. A subscriber that
// falls behind gets the latest state, or the latest few dozen changes of
// the estate, never an unbounded queue.

// sharedFields are the subscriptions that may be shared, and whether one
// who joins late is sent the latest response at once: a session's state
// is worth sending; a past change of the estate is not news. Others (an
// export, which is its owner's) run once per subscriber.
var sharedFields = map[string]bool{
	"jobSessionUpdated": true, "restoreSessionUpdated": true,
	"jobSessionChanged": false, "jobSessionFinished": false, "restoreSessionChanged": false,
}

type sharedStreams struct {
	mu      sync.Mutex
	streams map[[32]byte]*sharedStream
}

// sharedStream is one execution and those who follow it.
type sharedStream struct {
	members map[chan *graphql.Response]struct{}
	replay  bool
	last    *graphql.Response // the latest response, for those who join late
	ended   bool
	stop    context.CancelFunc
}

func newSharedStreams() *sharedStreams {
	return &sharedStreams{streams: map[[32]byte]*sharedStream{}}
}

// shareKey names what a subscription's execution depends on: its document,
// operation and variables, and its caller's access (role and, in
// pass-through mode, credential). false: it is not shared.
func shareKey(oc *graphql.OperationContext, caller access.Caller, credential string) ([32]byte, bool, bool) {
	replay := true
	for _, sel := range oc.Operation.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok {
			return [32]byte{}, false, false
		}
		late, shared := sharedFields[f.Name]
		if !shared {
			return [32]byte{}, false, false
		}
		replay = replay && late
	}
	vars, err := json.Marshal(oc.Variables) // maps marshal in key order
	if err != nil {
		return [32]byte{}, false, false
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(oc.RawQuery), []byte(oc.OperationName), vars, []byte(caller.Role.String()), []byte(credential)} {
		h.Write(part)
		h.Write([]byte{0})
	}
	var key [32]byte
	h.Sum(key[:0])
	return key, replay, true
}

// join adds a subscriber (until ctx ends) to the execution under key,
// starting it with start if none runs. The subscriber reads its responses
// from the handler returned; nil ends them.
func (s *sharedStreams) join(ctx context.Context, key [32]byte, replay bool, start func(context.Context) graphql.ResponseHandler) graphql.ResponseHandler {
	// A state's latest response is all a member needs; changes of the
	// estate are each news, so a few dozen may wait (the oldest dropped).
	ch := make(chan *graphql.Response, 1)
	if !replay {
		ch = make(chan *graphql.Response, 64)
	}
	s.mu.Lock()
	st := s.streams[key]
	fresh := st == nil
	if fresh {
		// The execution serves every member, so it runs under a context of
		// its own (with the first member's values: the same document,
		// variables and access), not the first member's lifetime.
		run, stop := context.WithCancel(context.WithoutCancel(ctx))
		st = &sharedStream{members: map[chan *graphql.Response]struct{}{}, replay: replay, stop: stop}
		s.streams[key] = st
		defer func() { go s.run(run, key, st, start(run)) }()
	}
	st.members[ch] = struct{}{}
	if st.replay && st.last != nil {
		ch <- st.last
	}
	s.mu.Unlock()
	context.AfterFunc(ctx, func() { s.leave(key, st, ch) })
	return func(ctx context.Context) *graphql.Response {
		select {
		case r, ok := <-ch:
			if ok {
				return r
			}
		case <-ctx.Done():
		}
		return nil
	}
}

// run reads the execution's responses and hands each to every member.
func (s *sharedStreams) run(ctx context.Context, key [32]byte, st *sharedStream, responses graphql.ResponseHandler) {
	for {
		r := responses(ctx)
		s.mu.Lock()
		if r == nil {
			st.ended = true
			for ch := range st.members {
				close(ch)
			}
			clear(st.members)
			if s.streams[key] == st {
				delete(s.streams, key)
			}
			s.mu.Unlock()
			st.stop()
			return
		}
		// gqlgen encodes each event into the buffer of the last: the
		// members read this one while the next is being encoded.
		r.Data = bytes.Clone(r.Data)
		st.last = r
		for ch := range st.members {
			live.Offer(ch, r)
		}
		s.mu.Unlock()
	}
}

// leave takes a member away; the execution stops with the last.
func (s *sharedStreams) leave(key [32]byte, st *sharedStream, ch chan *graphql.Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := st.members[ch]; !ok {
		return
	}
	delete(st.members, ch)
	if len(st.members) == 0 && !st.ended {
		st.ended = true
		if s.streams[key] == st {
			delete(s.streams, key)
		}
		st.stop()
	}
}
