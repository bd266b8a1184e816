package telemetry

import (
	"context"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Readiness answers /readyz: 200 when check passes, 503 with the reason
// otherwise. The result is kept for ttl, so that probes from several
// places do not become load on the upstream. The check runs once for all
// probes waiting on it, under its own deadline, not a probe's: a probe that
// gives up neither cancels it nor leaves a false answer behind. degraded
// says what works less well than it should ("": nothing), after "ready".
func Readiness(check func(context.Context) error, ttl time.Duration, degraded func() string) http.Handler {
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
		if note := degraded(); note != "" {
			_, _ = w.Write([]byte("ready, " + note + "\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
}
