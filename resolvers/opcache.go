package resolvers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/vb365-graphql/vb365-graphql/gateway"
	"github.com/vb365-graphql/vb365-graphql/internal/lru"
	"github.com/vb365-graphql/vb365-graphql/upstream"
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
	obs     Observer
	vouched func(authorization string) bool // may the caller read what is cached for it?
}

type keptAnswer struct {
	contentType string
	body        []byte
	seen        operationSeen
}

func newOperationCache(maxBytes int64, obs Observer, vouched func(string) bool) *operationCache {
	return &operationCache{answers: lru.New(maxBytes, time.Now), obs: obs, vouched: vouched}
}

// recorder keeps the answer of one execution.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.status = code }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func (oc *operationCache) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method != http.MethodPost && r.Method != http.MethodGet) || gateway.IsStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		var body []byte
		if b, ok := r.Body.(interface{ Bytes() []byte }); ok {
			body = b.Bytes() // already read (gateway.LimitBody)
		} else if r.Body != nil {
			var err error
			if body, err = io.ReadAll(r.Body); err != nil {
				next.ServeHTTP(w, r)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		key := operationKey(r, body)
		if v, ok := oc.answers.Value(key); ok && oc.vouched(r.Header.Get("Authorization")) {
			start := time.Now()
			k := v.(*keptAnswer)
			write(w, k)
			oc.obs.Operation(k.seen.kind, k.seen.name, true, time.Since(start))
			return
		}
		// The execution serves everyone who asks the same meanwhile, so it
		// runs under none of their contexts (the request deadline still
		// bounds it); each caller waits only as long as it stays.
		ch := oc.flight.DoChan(key, func() (any, error) {
			start := time.Now()
			ctx, expiry := upstream.WithExpiry(context.WithoutCancel(r.Context()))
			seen := &operationSeen{}
			ctx = context.WithValue(ctx, seenKey{}, seen)
			rec := &recorder{header: http.Header{}, status: http.StatusOK}
			next.ServeHTTP(rec, r.WithContext(ctx))
			ans := &answerOf{rec: rec}
			if ttl, ok := expiry.TTL(); ok && rec.status == http.StatusOK && !bytes.Contains(rec.body.Bytes(), []byte(`"errors":`)) {
				// The answers' clocks started before this execution did.
				if ttl -= time.Since(start); ttl > 0 {
					ans.keep = &keptAnswer{contentType: rec.header.Get("Content-Type"), body: rec.body.Bytes(), seen: *seen}
					oc.answers.Put(key, ans.keep, int64(len(ans.keep.body)), ttl, "")
				}
			}
			return ans, nil
		})
		select {
		case res := <-ch:
			res.Val.(*answerOf).writeTo(w)
		case <-r.Context().Done():
		}
	})
}

// answerOf is one execution's answer, as every waiting request writes it.
type answerOf struct {
	rec  *recorder
	keep *keptAnswer
}

func (a *answerOf) writeTo(w http.ResponseWriter) {
	for k, vs := range a.rec.header {
		w.Header()[k] = vs
	}
	w.WriteHeader(a.rec.status)
	_, _ = w.Write(a.rec.body.Bytes())
}

func write(w http.ResponseWriter, k *keptAnswer) {
	w.Header().Set("Content-Type", k.contentType)
	_, _ = w.Write(k.body)
}

// operationKey names an operation with everything that can change its
// answer: method, query string or body and its type, Accept, and the
// caller's credentials.
func operationKey(r *http.Request, body []byte) string {
	h := sha256.New()
	for _, part := range []string{r.Method, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("Authorization")} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(body)
	var sum [sha256.Size]byte
	return string(h.Sum(sum[:0]))
}
