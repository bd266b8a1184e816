package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var (
	soakFor   = flag.Duration("soak-duration", 10*time.Minute, "-mode soak: how long the soak runs")
	soakConns = flag.Int("soak-connections", 500, "-mode soak: wrk connections")
	failEvery = flag.Int("fail-every", 10, "-mode soak: every n-th upstream GET fails (HTTP 500)")
)

// failing passes the upstream's answers through, but fails every n-th GET
// with a 500 as a server in trouble does.
type failing struct {
	next   http.Handler
	every  int64
	gets   atomic.Int64
	failed atomic.Int64
}

func (f *failing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && f.gets.Add(1)%f.every == 0 {
		f.failed.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"message":"bench: an injected failure"}`)
		return
	}
	f.next.ServeHTTP(w, r)
}

type sample struct {
	at         time.Duration
	rssMB      float64
	goroutines int
}

// soak runs the gateway (sharing off: every request pays its upstream calls)
// behind a failing upstream for a long time, with many connections sending
// the three session queries in turn, and watches its memory and goroutines.
func soak(upstreamURL string, bodies []string) (string, error) {
	target, _ := url.Parse(upstreamURL)
	fail := &failing{next: httputil.NewSingleHostReverseProxy(target), every: int64(*failEvery)}
	proxyAddr := freeAddr()
	proxy := &http.Server{Addr: proxyAddr, Handler: fail}
	go func() { _ = proxy.ListenAndServe() }()
	defer proxy.Close()
	if err := waitListening(proxyAddr); err != nil {
		return "", err
	}
	addr, cmd, err := startGateway("http://"+proxyAddr, false)
	if err != nil {
		return "", err
	}
	defer stop(cmd)
	if err := waitListening(addr); err != nil {
		return "", err
	}

	dir, err := os.MkdirTemp("", "vb365-soak-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "soak.lua")
	if err := os.WriteFile(script, []byte(soakLua(bodies)), 0o644); err != nil {
		return "", err
	}

	var mu sync.Mutex
	var samples []sample
	start := time.Now()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			s := sample{at: time.Since(start), rssMB: statusKB(cmd.Process.Pid, "VmRSS") / 1024, goroutines: goroutines(addr)}
			mu.Lock()
			samples = append(samples, s)
			mu.Unlock()
		}
	}()
	out, err := exec.Command("wrk", "-t2", "-c"+strconv.Itoa(*soakConns), "-d"+strconv.Itoa(int(soakFor.Seconds()))+"s", "--timeout", "10s", "--latency",
		"-s", script, "http://"+addr+"/graphql").CombinedOutput()
	close(done)
	if err != nil {
		return "", fmt.Errorf("wrk: %v\n%s", err, out)
	}
	healthy := get("http://"+addr+"/healthz") == http.StatusOK
	r, err := parseWrk(string(out))
	if err != nil {
		return "", err
	}
	counts := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^answers (\w+) (\d+)$`).FindAllStringSubmatch(string(out), -1) {
		counts[m[1]], _ = strconv.Atoi(m[2])
	}
	mu.Lock()
	defer mu.Unlock()
	return soakReport(r, counts, samples, fail, healthy), nil
}

func soakReport(r result, counts map[string]int, samples []sample, fail *failing, healthy bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Soak: %v at %d connections, every %d-th upstream GET failing\n\n", *soakFor, *soakConns, *failEvery)
	fmt.Fprintf(&b, "vb365-graphql --share=false (every request pays its calls) behind a proxy that answers every %d-th GET "+
		"with HTTP 500; wrk sends the one-session, session-with-job-and-log and 50-session queries in turn and checks every answer.\n\n", *failEvery)
	total := counts["clean"] + counts["partial"] + counts["malformed"]
	fmt.Fprintf(&b, "| requests | req/s | p50 ms | p99 ms | clean answers | partial (data and errors) | malformed | upstream GETs | failed by the proxy | healthy at the end |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	fmt.Fprintf(&b, "| %d | %.0f | %.2f | %.2f | %d | %d | %d | %d | %d | %v |\n\n", total, r.rps, r.p50, r.p99,
		counts["clean"], counts["partial"], counts["malformed"], fail.gets.Load(), fail.failed.Load(), healthy)
	var first *sample
	for i := range samples {
		if samples[i].at >= time.Minute {
			first = &samples[i]
			break
		}
	}
	if first != nil && len(samples) > 0 {
		last := samples[len(samples)-1]
		fmt.Fprintf(&b, "| | after 1 minute | at the end (%v) | end / 1 minute |\n|---|---:|---:|---:|\n", last.at.Round(time.Second))
		fmt.Fprintf(&b, "| RSS MB | %.1f | %.1f | %.2f |\n", first.rssMB, last.rssMB, last.rssMB/first.rssMB)
		fmt.Fprintf(&b, "| goroutines | %d | %d | %.2f |\n\n", first.goroutines, last.goroutines, float64(last.goroutines)/float64(first.goroutines))
	}
	b.WriteString("Samples (every 10 s): ")
	for i, s := range samples {
		if i%6 == 5 || i == len(samples)-1 {
			fmt.Fprintf(&b, "%v %.0f MB %d goroutines; ", s.at.Round(time.Second), s.rssMB, s.goroutines)
		}
	}
	b.WriteString("\n\n")
	return b.String()
}

// soakLua sends the bodies in turn and sorts every answer: clean (data, no
// errors), partial (errors beside data) or malformed (anything else: not
// HTTP 200, not JSON that starts as a GraphQL answer does).
func soakLua(bodies []string) string {
	var quoted []string
	for _, b := range bodies {
		quoted = append(quoted, strconv.Quote(b))
	}
	return `
local bodies = {` + strings.Join(quoted, ", ") + `}
local threads = {}
local i = 0
clean, partial, malformed = 0, 0, 0
function setup(thread) table.insert(threads, thread) end
function request()
  i = i % #bodies + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[i])
end
function response(status, headers, body)
  if status ~= 200 then malformed = malformed + 1
  elseif body:sub(1, 8) == '{"data":' and not body:find('"errors":', 1, true) and body:sub(-1) == "}" then clean = clean + 1
  elseif (body:sub(1, 10) == '{"errors":' or body:sub(1, 8) == '{"data":') and body:find('"code":"', 1, true) and body:sub(-1) == "}" then partial = partial + 1
  else malformed = malformed + 1 end
end
function done(summary, latency, requests)
  local c, p, m = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("clean"); p = p + t:get("partial"); m = m + t:get("malformed")
  end
  io.write(string.format("answers clean %d\nanswers partial %d\nanswers malformed %d\n", c, p, m))
end
`
}

func statusKB(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	kb, _ := strconv.Atoi(string(m[1]))
	return float64(kb)
}

// goroutines is the gateway's own count, from its metrics.
func goroutines(addr string) int { return int(metric(addr, "go_goroutines")) }

// metric reads one unlabelled value from the gateway's /metrics (0 if absent).
func metric(addr, name string) float64 {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

func get(u string) int {
	resp, err := http.Get(u)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
