package graphqlhttp

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// compress gzips answers for clients that accept it (answers under 1 KiB are
// sent as they are). WebSocket upgrades, event streams and clients that do
// not ask for gzip pass untouched.
func compress(next http.Handler) http.Handler {
	gz := gzhttp.GzipHandler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isStream(r) || !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		gz.ServeHTTP(w, r)
	})
}

// isStream reports whether a request opens a long-lived stream (WebSocket or
// Server-Sent Events), which per-request limits must not cut.
func isStream(r *http.Request) bool {
	return IsWebSocketHandshake(r) || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}
