package testenv

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// OIDC is a real OpenID Connect provider (oidc-provider, from npm: e2e/oidc.mjs)
// and the access tokens its users got by signing in.
type OIDC struct {
	Issuer, Audience, WrongIssuer string
	Tokens                        struct{ Operator, Viewer, ShortLived, OtherAudience, OtherIssuer string }
}

// E2EDir is the folder of the real JavaScript clients and servers the tests
// drive (its npm packages installed by the test command).
func E2EDir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "e2e")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql")); err != nil {
		t.Fatal("e2e/node_modules is missing: run npm ci in e2e/ (the test command ./test.sh does)")
	}
	return dir
}

// StartOIDC starts the provider; the test's cleanup stops it.
func StartOIDC(t testing.TB) OIDC {
	t.Helper()
	cmd := exec.Command("node", filepath.Join(E2EDir(t), "oidc.mjs"))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the provider stops when its input closes
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "{") {
				lines <- sc.Text()
			}
		}
		close(lines)
	}()
	var p OIDC
	select {
	case line, ok := <-lines:
		if !ok || json.Unmarshal([]byte(line), &p) != nil || p.Tokens.Operator == "" {
			t.Fatalf("the OpenID provider did not start: %q", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the OpenID provider did not start in 30s")
	}
	return p
}
