package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/gateway"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestMain plants a secret for the whole run of this package's tests: it is
// every simulator's password, so every gateway logs in with it. Every log
// line the tests write goes to stderr and to a buffer; after the run, a line
// holding the secret fails it.
func TestMain(m *testing.M) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	secret := "planted-" + hex.EncodeToString(b)
	vb365sim.DefaultPassword = secret

	var buf bytes.Buffer
	var mu sync.Mutex
	out := io.MultiWriter(os.Stderr, lockedWriter{&buf, &mu})
	slog.SetDefault(gateway.NewLogger(out, "text", slog.LevelDebug, nil)) // no redaction list: the secret must not get there at all
	code := m.Run()

	mu.Lock()
	defer mu.Unlock()
	lines := 0
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines++
		if strings.Contains(sc.Text(), secret) {
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
