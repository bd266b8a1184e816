package gateway

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// Compress gzips answers for clients that accept it (answers under 1 KiB are
// sent as they are). WebSocket upgrades, event streams and clients that do
// not ask for gzip pass untouched.
func Compress(next http.Handler) http.Handler {
	gz := gzhttp.GzipHandler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsStream(r) || !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			next.ServeHTTP(w, r)
			return
		}
		gz.ServeHTTP(w, r)
	})
}
