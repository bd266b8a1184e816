package graphqlhttp

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/internal/lru"
)

// operationCache shares whole answers between identical operations: the same
// query text and variables, sent the same way, with the same credentials.
// While every upstream answer an operation used is still fresh in the
// upstream cache, recomputing it would give the same bytes, so the bytes are
// served instead; identical operations in flight together run once. An
// answer with errors is never kept.
type operationCache struct {
	answers *lru.Cache
	flight  singleflight.Group
}

func newOperationCache(maxBytes int64) *operationCache {
	return &operationCache{answers: lru.New(maxBytes, time.Now)}
}

// kept returns the answer kept for key, if it is fresh.
func (oc *operationCache) kept(key string) (*answer, bool) {
	v, ok := oc.answers.Value(key)
	if !ok {
		return nil, false
	}
	return v.(*answer), true
}

// share runs execute once for everyone asking key meanwhile, and keeps its
// answer for as long as it may be shared. The execution serves them all, so
// it runs under none of their contexts (the request deadline still bounds
// it); each caller waits only as long as it stays: nil if it left first.
func (oc *operationCache) share(ctx context.Context, key string, execute func(context.Context) *answer) *answer {
	ch := oc.flight.DoChan(key, func() (any, error) {
		start := time.Now()
		ans := execute(context.WithoutCancel(ctx))
		// The upstream answers' clocks started before this execution did.
		if ttl := ans.sharedFor - time.Since(start); ans.sharedFor > 0 && ttl > 0 {
			oc.answers.Put(key, ans, int64(len(ans.body)), ttl, "")
		}
		return ans, nil
	})
	select {
	case res := <-ch:
		return res.Val.(*answer)
	case <-ctx.Done():
		return nil
	}
}

// operationKey names an operation with everything that can change its
// answer: the jobs' generation, the caller, method, query string or body
// and its type, Accept, and the caller's credentials. It is built in a
// pooled buffer: this runs on every request.
func operationKey(r *http.Request, body []byte, generation int64, caller access.Caller) string {
	bp := keyBuffers.Get().(*[]byte)
	b := strconv.AppendInt((*bp)[:0], generation, 10)
	// Who asks: an answer may say so (me), and what one caller may see need
	// not be what another may.
	for _, part := range []string{caller.ID, caller.Role.String(),
		r.Method, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("Authorization")} {
		b = append(append(b, part...), 0)
	}
	sum := sha256.Sum256(append(b, body...))
	if cap(b) <= 64<<10 {
		*bp = b[:0]
		keyBuffers.Put(bp)
	}
	return string(sum[:])
}

var keyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}
