package gateway

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
)

// Compress gzips answers for clients that accept it (answers under 1 KiB are
// sent as they are). WebSocket upgrades and event streams pass untouched.
func Compress(next http.Handler) http.Handler {
	gz := gzhttp.GzipHandler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		gz.ServeHTTP(w, r)
	})
}
