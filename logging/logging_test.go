package logging

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestLoggerRedactsAndBounds(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, "text", slog.LevelInfo, []string{"s3cr3t-pw", "ab"})
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
	buf.Reset()
	log.InfoContext(WithRequestID(context.Background(), "req-7"), strings.Repeat("m", 5000), "body", strings.Repeat("b", 5000))
	if line := buf.String(); len(line) > 2*maxValue+200 || !strings.Contains(line, "more bytes") || !strings.Contains(line, "request_id=req-7") {
		t.Errorf("a line of %d bytes: %.300s", len(line), line)
	}
}
