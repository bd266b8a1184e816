package graphqlhttp

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// compressed wraps a handler in gzip or zstd, by the client's
// Accept-Encoding: gzip unless the client ranks zstd higher (or offers only
// zstd), because many tools offer zstd (Node 20's fetch sends "gzip,
// deflate, br, zstd") and cannot decode it. Answers under 1 KiB go as they
// are.
var compressed = func() func(http.Handler) http.HandlerFunc {
	wrap, err := gzhttp.NewWrapper(gzhttp.PreferZstd(false))
	if err != nil {
		panic(err) // the options are fixed: a failure is a programming error
	}
	return wrap
}()

// Compress compresses answers (see compressed). WebSocket upgrades and
// event streams pass untouched.
func Compress(next http.Handler) http.Handler {
	wrapped := compressed(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		wrapped.ServeHTTP(w, r)
	})
}

// isStream reports whether a request opens a long-lived stream (WebSocket or
// Server-Sent Events), which per-request limits must not cut.
func isStream(r *http.Request) bool {
	return IsWebSocketHandshake(r) || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}
