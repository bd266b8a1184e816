package gateway

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLimitBody(t *testing.T) {
	var got int
	h := LimitBody(100, time.Second, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = len(b)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(strings.Repeat("x", 100))))
	if rec.Code != http.StatusOK || got != 100 {
		t.Errorf("a body at the limit: HTTP %d, %d bytes passed on", rec.Code, got)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(strings.Repeat("x", 101))))
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), `"code":"REQUEST_TOO_LARGE"`) {
		t.Errorf("a body over the limit: HTTP %d %s", rec.Code, rec.Body)
	}
}

func TestLoggerRedacts(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, "text", slog.LevelInfo, []string{"s3cr3t-pw", "ab"})
	log.Info("x", "password", "hunter2", "Authorization", "Bearer tok", "err", io.ErrUnexpectedEOF, "msg2", "user:s3cr3t-pw@host", "word", "about")
	out := buf.String()
	for _, leaked := range []string{"hunter2", "Bearer tok", "s3cr3t-pw"} {
		if strings.Contains(out, leaked) {
			t.Errorf("log shows %q: %s", leaked, out)
		}
	}
	if !strings.Contains(out, "about") || !strings.Contains(out, "unexpected EOF") {
		t.Errorf("short secrets must not redact ordinary words, and errors stay readable: %s", out)
	}
}
