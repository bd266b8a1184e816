package gateway

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

type requestIDKey struct{}

var goodRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// RequestID gives every request an id: the caller's X-Request-Id when it is
// a plain token, a new random one otherwise. It is sent back in the answer
// and put on every log line written for the request.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !goodRequestID.MatchString(id) {
			// An id tells requests apart in logs; it needs no cryptographic strength.
			id = strconv.FormatUint(rand.Uint64(), 36)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// RequestIDFrom returns the request id in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID adds request_id to every record logged with a request's context.
type withRequestID struct{ slog.Handler }

func (h withRequestID) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestIDFrom(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h withRequestID) WithAttrs(as []slog.Attr) slog.Handler {
	return withRequestID{h.Handler.WithAttrs(as)}
}

func (h withRequestID) WithGroup(name string) slog.Handler {
	return withRequestID{h.Handler.WithGroup(name)}
}

// Readiness answers /readyz: 200 when check passes, 503 with the reason
// otherwise. The result is kept for ttl, so that probes from several
// places do not become load on the upstream. The check runs once for all
// probes waiting on it, under its own deadline, not a probe's: a probe that
// gives up neither cancels it nor leaves a false answer behind.
func Readiness(check func(context.Context) error, ttl time.Duration) http.Handler {
	var (
		mu     sync.Mutex
		last   error
		at     time.Time
		flight singleflight.Group
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		err, fresh := last, !at.IsZero() && time.Since(at) <= ttl
		mu.Unlock()
		if !fresh {
			ch := flight.DoChan("ready", func() (any, error) {
				ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
				defer cancel()
				err := check(ctx)
				mu.Lock()
				last, at = err, time.Now()
				mu.Unlock()
				return nil, err
			})
			select {
			case res := <-ch:
				err = res.Err
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
}
