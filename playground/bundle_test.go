package playground

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBundleIsCurrent rebuilds the bundle from src/ and the locked npm
// packages and checks that the embedded dist/ is the same, byte for byte.
func TestBundleIsCurrent(t *testing.T) {
	if _, err := os.Stat("node_modules/esbuild"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("playground/node_modules is missing; the test command runs npm ci (see README)")
		}
		t.Skip("run `npm ci` in playground/ (the test command does) to check the bundle")
	}
	out := t.TempDir()
	cmd := exec.Command("node", "build.mjs", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	for _, name := range []string{"playground.js", "playground.css", "dashboard.js"} {
		fresh, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join("dist", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh, committed) {
			t.Errorf("dist/%s is stale: run `go generate ./playground` and commit it", name)
		}
	}
}

func TestHandlerServesTheBundle(t *testing.T) {
	h := Handler()
	for path, want := range map[string]string{"/": "<div id=\"graphiql\">", "/playground.js": "GraphiQL", "/playground.css": ".graphiql-container",
		"/examples/dashboard/": "Recent backup sessions", "/examples/dashboard/dashboard.js": "jobSessionUpdated"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: HTTP %d, want a body with %q", path, rec.Code, want)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/../server.go", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("an unknown path answered %d", rec.Code)
	}
}
