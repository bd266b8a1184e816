package e2e

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// TestMain watches for a planted secret for the whole run of this package's
// tests: testenv.Secret is every simulator's password, so every gateway logs
// in with it. Every log line the gateways write goes to stderr and to a
// buffer (testenv.LogSink, which redacts nothing: the secret must not get
// there at all); after the run, a line holding the secret fails it.
func TestMain(m *testing.M) {
	var buf testenv.LogBuffer
	testenv.LogSink = io.MultiWriter(os.Stderr, &buf)
	slog.SetDefault(slog.New(slog.NewTextHandler(testenv.LogSink, nil))) // what libraries of others log
	code := m.Run()
	if built.path != "" {
		_ = os.RemoveAll(filepath.Dir(built.path))
	}

	lines := 0
	sc := bufio.NewScanner(strings.NewReader(buf.String()))
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
