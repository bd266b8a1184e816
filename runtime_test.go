package main

import (
	"io"
	"math"
	"net/http"
	"runtime/debug"
	"strings"
	"testing"
)

// TestRuntimeSettingsAndDebugListener: the GC flags reach Go's runtime (as
// its own metrics report them), and profiles and traces are served on the
// debug listener only, never on the API's port.
func TestRuntimeSettingsAndDebugListener(t *testing.T) {
	t.Cleanup(func() { debug.SetGCPercent(100); debug.SetMemoryLimit(math.MaxInt64) })
	debugAddr := freeTCPAddr(t)
	api := startGateway(t, "--gc-percent", "300", "--memory-limit", "500000000", "--debug-addr", debugAddr)
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, metrics := get(api + "/metrics")
	for _, line := range []string{"go_gc_gogc_percent 300", "go_gc_gomemlimit_bytes 5e+08"} {
		if !strings.Contains(metrics, "\n"+line+"\n") {
			t.Errorf("/metrics has no %q", line)
		}
	}
	if code, body := get("http://" + debugAddr + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("debug listener: HTTP %d", code)
	}
	if code, _ := get("http://" + debugAddr + "/debug/pprof/trace?seconds=0.2"); code != http.StatusOK {
		t.Errorf("execution trace: HTTP %d", code)
	}
	if code, _ := get(api + "/debug/pprof/"); code == http.StatusOK {
		t.Error("the API's port serves profiles")
	}
}
