package testenv

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LargeSessionPages makes a v8 server (Options.Wrap) answer every listing of
// job sessions with a page of about size bytes, whatever limit was asked:
// valid JSON, its sessions the server's own, over and over. It is what a
// hostile server sends, or an old one whose whole history is one array. The
// page is written in two halves with pause between them, with or without a
// Content-Length.
func LargeSessionPages(size int, pause time.Duration, withLength bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		var once sync.Once
		var page []byte
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !strings.EqualFold(r.URL.Path, "/v8/JobSessions") {
				next.ServeHTTP(w, r)
				return
			}
			once.Do(func() { page = largePage(next, r, size) })
			w.Header().Set("Content-Type", "application/json")
			if withLength {
				w.Header().Set("Content-Length", strconv.Itoa(len(page)))
			}
			half := len(page) / 2
			_, _ = w.Write(page[:half])
			w.(http.Flusher).Flush()
			time.Sleep(pause)
			_, _ = w.Write(page[half:])
		})
	}
}

// largePage repeats the first 100 sessions next lists until size bytes.
func largePage(next http.Handler, r *http.Request, size int) []byte {
	rec := httptest.NewRecorder()
	first := r.Clone(r.Context())
	first.URL.RawQuery = "limit=100&offset=0"
	next.ServeHTTP(rec, first)
	var p struct{ Results []json.RawMessage }
	_ = json.Unmarshal(rec.Body.Bytes(), &p)
	var b bytes.Buffer
	b.Grow(size + 4096)
	b.WriteString(`{"offset":0,"limit":100,"results":[`)
	for i := 0; b.Len() < size && len(p.Results) > 0; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(p.Results[i%len(p.Results)])
	}
	b.WriteString(`]}`)
	return b.Bytes()
}
