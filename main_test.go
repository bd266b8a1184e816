package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/logging"
)

// TestMain watches for a planted secret for the whole run of this package's
// tests: testenv.Secret is every simulator's password, so every gateway logs
// in with it. Every log line the tests write goes to stderr and to a buffer;
// after the run, a line holding the secret fails it. The default logger is
// given back as it was.
func TestMain(m *testing.M) {
	var buf bytes.Buffer
	var mu sync.Mutex
	out := io.MultiWriter(os.Stderr, lockedWriter{&buf, &mu})
	prev := slog.Default()
	slog.SetDefault(logging.New(out, "text", slog.LevelDebug, nil)) // no redaction list: the secret must not get there at all
	code := m.Run()
	slog.SetDefault(prev)

	mu.Lock()
	defer mu.Unlock()
	lines := 0
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines++
		if strings.Contains(sc.Text(), testenv.Secret) {
			fmt.Fprintf(os.Stderr, "FAIL: a log line holds the planted secret: %s\n", sc.Text())
			code = 1
		}
	}
	if lines == 0 && !testing.Short() {
		// A run of a few tests may log nothing; the full run logs plenty.
		fmt.Fprintln(os.Stderr, "note: these tests logged nothing, so the planted-secret check had nothing to read")
	}
	os.Exit(code)
}
