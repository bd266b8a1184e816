package main

import (
	"io"
	"math"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/config"
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
	// The command line may hold the password and the keys: not served.
	if code, body := get("http://" + debugAddr + "/debug/pprof/cmdline"); code != http.StatusNotFound || strings.Contains(body, os.Args[0]) {
		t.Errorf("/debug/pprof/cmdline: HTTP %d, %.100q; want 404 without the command line", code, body)
	}
}

func TestMemoryLimitFollowsTheContainerOrTheSettings(t *testing.T) {
	files := func(m map[string]string) func(string) ([]byte, error) {
		return func(name string) ([]byte, error) {
			if v, ok := m[name]; ok {
				return []byte(v), nil
			}
			return nil, os.ErrNotExist
		}
	}
	for _, c := range []struct {
		files map[string]string
		want  int64
		ok    bool
	}{
		{map[string]string{"/sys/fs/cgroup/memory.max": "1073741824\n"}, 1 << 30, true},
		{map[string]string{"/sys/fs/cgroup/memory.max": "max\n"}, 0, false},
		{map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "536870912\n"}, 512 << 20, true},
		{map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0, false},
		{map[string]string{}, 0, false},
	} {
		got, ok := cgroupMemoryLimit(files(c.files))
		if ok != c.ok || ok && got != c.want {
			t.Errorf("%v: %d %v, want %d %v", c.files, got, ok, c.want, c.ok)
		}
	}
	s := settingsFrom(t, nil)
	if s.MemoryLimit != config.MemoryLimitAuto || s.GCPercent != 400 {
		t.Errorf("defaults: memory limit %d, GC percent %d; want auto and 400", s.MemoryLimit, s.GCPercent)
	}
	// Outside a container, auto is what the settings let the gateway hold,
	// and 256 MiB more: 528 MiB with the defaults.
	if got := autoMemoryLimit(s, files(nil)); got != 528<<20 {
		t.Errorf("auto outside a container: %d MiB, want 528", got>>20)
	}
	if got := autoMemoryLimit(s, files(map[string]string{"/sys/fs/cgroup/memory.max": "1073741824\n"})); got != (1<<30)/10*8 {
		t.Errorf("auto in a 1 GiB container: %d", got)
	}
}
