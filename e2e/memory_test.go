//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestHugeUpstreamAnswersStayWithinMemory: 80 requests, 40 at a time, each
// for a different page of an upstream whose every page is 30 MB, against the
// gateway as it starts with its default flags. Its memory stays bounded (it
// once reached 6-7 GB): what does not fit in the bytes in flight waits, or
// fails with UPSTREAM_BUSY, and the process stays healthy.
func TestHugeUpstreamAnswersStayWithinMemory(t *testing.T) {
	sim := vb365sim.New(vb365sim.Options{Version: 8, Anchor: faultAnchor, Now: func() time.Time { return faultAnchor }, Password: testenv.Secret})
	up := httptest.NewServer(testenv.LargeSessionPages(30<<20, 0, true)(sim))
	defer up.Close()
	bin := gatewayBinary(t)
	addr := testenv.FreeAddr(t)
	user, pass := sim.Credentials()
	cmd := exec.Command(bin, "--listen", addr, "--upstream-url", up.URL, "--api-version", "v8", "--username", user, "--allow-anonymous", "--log-level", "error")
	cmd.Env = append(os.Environ(), "VB365_PASSWORD="+pass)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	testenv.WaitListening(t, addr)

	outcomes := map[string]int{}
	var mu sync.Mutex
	slots := make(chan struct{}, 40)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range 80 {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			_, body := post(t, "http://"+addr+"/graphql", `query($n: Int) { jobSessions(first: $n) { nodes { id status } } }`, map[string]any{"n": i + 1}, nil)
			outcome := "data"
			var r struct{ Errors []testenv.Error }
			_ = json.Unmarshal([]byte(body), &r)
			if len(r.Errors) > 0 {
				outcome = fmt.Sprint(r.Errors[0].Extensions["code"])
			}
			mu.Lock()
			outcomes[outcome]++
			mu.Unlock()
		})
	}
	wg.Wait()
	took := time.Since(start)
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	var peakKB int
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			peakKB, _ = strconv.Atoi(strings.Fields(v)[0])
		}
	}
	t.Logf("80 requests, 40 at a time, 30 MB pages: %v in %v; peak RSS %d MiB", outcomes, took.Round(time.Millisecond), peakKB>>10)
	if peakKB>>10 > 600 {
		t.Errorf("peak RSS %d MiB, want at most 600", peakKB>>10)
	}
	// What waited too long for room is UPSTREAM_BUSY (how many depends on the
	// CPU left for decoding: none on an idle machine, about half while other
	// tests run); a call that got room late may still run out of time.
	if outcomes["data"]+outcomes["UPSTREAM_BUSY"]+outcomes["UPSTREAM_TIMEOUT"] != 80 || outcomes["data"] == 0 {
		t.Errorf("outcomes %v: want answers, and UPSTREAM_BUSY for what found no room in time", outcomes)
	}
	// Healthy afterwards: a small query answers.
	if _, body := post(t, "http://"+addr+"/graphql", `{ jobs(first: 1) { nodes { id } } }`, nil, nil); !strings.Contains(body, `"id"`) {
		t.Errorf("after the storm: %s", body)
	}
}
