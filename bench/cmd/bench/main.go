// Command bench measures vb365-graphql against Tailcall and two ceilings on
// this machine, over one static upstream: nginx serving VB365 v8 answers
// generated from the simulator. Every target's answer is checked against the
// data before it is measured. Run it with bench/run.sh, which installs what
// it needs; see bench/README.md.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

var (
	duration = flag.Duration("duration", 5*time.Second, "length of one wrk run")
	runs     = flag.Int("runs", 3, "wrk runs per target and query (the median is reported)")
	conns    = flag.Int("connections", 64, "wrk connections")
	out      = flag.String("out", "", "markdown report to write (default: print only)")
	traceDir = flag.String("trace", "", "directory: the plain vb365-graphql target runs with GODEBUG=gctrace=1 (its stderr to <query>.gctrace there), and a 2 s runtime/trace is taken during its second run (<query>.trace)")
	appendTo = flag.Bool("append", false, "append the report to -out rather than replace it")
	mode     = flag.String("mode", "compare", "compare: the queries against Tailcall and the ceilings; soak: a long run against a failing upstream; subscribers: graphql-ws clients following running sessions")
	gateway  = flag.String("gateway", "", "vb365-graphql binary")
	tailcall = flag.String("tailcall", "", "tailcall command line, e.g. 'ld-linux.so --library-path L tailcall'")
	only     = flag.String("queries", "", "comma-separated queries to measure (default: single, nested, list50, estate); also list10, list200, list1000, or lists for all four list sizes")
	gcs      = flag.String("gc-percents", "", "comma-separated --gc-percent values: one more vb365-graphql target for each")
	serve    = flag.String("serve-bytes", "", "internal: serve this file's bytes for every request (the net/http ceiling)")
	listen   = flag.String("listen", "", "internal: address for -serve-bytes")
)

var anchor = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

type query struct {
	name, title string
	ours        string // our schema
	theirs      string // Tailcall's schema
	resource    string // the upstream URL nginx-alone is measured on
}

type target struct {
	name     string
	tailcall bool // measured only on queries Tailcall's schema answers
	start    func(q query) (addr string, cmd *exec.Cmd, err error)
	body     func(q query) string // request body, or "" for a plain GET of the resource
	path     string
}

type result struct {
	rps, p50, p99 float64 // req/s, ms, ms
	callsPerReq   float64 // under load; requests cut off at the run's end add a little
	firstCalls    int     // the first request's, cold and alone
	rssMB         float64
}

func main() {
	flag.Parse()
	if *serve != "" {
		serveBytes()
		return
	}
	// Thousands of sockets, in this process and in the gateways it starts.
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 1 << 20, Max: 1 << 20})
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// serveBytes is the ceiling: a bare net/http handler writing the answer
// from memory, as fast as Go's HTTP server goes.
func serveBytes() {
	b, err := os.ReadFile(*serve)
	if err != nil {
		panic(err)
	}
	_ = http.ListenAndServe(*listen, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
}

func run() error {
	dir, err := os.MkdirTemp("", "vb365-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil { // nginx's workers do not run as root
		return err
	}
	b, err := os.ReadFile("bench/dashboard.graphql") // run from the repository's root
	if err != nil {
		return err
	}
	dashboard := string(b)
	sim := vb365sim.New(vb365sim.Options{Version: 8, Anchor: anchor, Now: func() time.Time { return anchor }, SessionsPerJob: 90})
	session := sim.SessionIDs()[7]
	if err := writeFixtures(sim, filepath.Join(dir, "www"), session); err != nil {
		return err
	}
	nginxAddr, nginx, err := startNginx(dir)
	if err != nil {
		return err
	}
	defer stop(nginx)
	upstreamURL := "http://" + nginxAddr

	queries := []query{
		{"single", "one session with statistics",
			fmt.Sprintf(`{ jobSession(id: "%s") { id status statistics { processingRateBytesPS processingRateItemsPS readRateBytesPS writeRateBytesPS transferredDataBytes processedObjects bottleneck } } }`, session),
			fmt.Sprintf(`{ jobSession(id: "%s") { id status statistics { processingRateBytesPS processingRateItemsPS readRateBytesPS writeRateBytesPS transferredDataBytes processedObjects bottleneck } } }`, session),
			"/v8/JobSessions/" + session},
		{"nested", "one session with its job and first log page",
			fmt.Sprintf(`{ jobSession(id: "%s") { id status job { id name lastStatus } log(first: 5) { nodes { usn type message } } } }`, session),
			fmt.Sprintf(`{ jobSession(id: "%s") { id status job { id name lastStatus } log(first: 5) { results { usn type message } } } }`, session),
			"/v8/JobSessions/" + session},
		listQuery(50),
		{"estate", "the community dashboard: server, organizations with licensing, repositories with their proxies, proxies, jobs, the 50 newest sessions with repository and organization",
			dashboard, "", // Tailcall is not configured for the estate
			"/v8/BackupRepositories?limit=10000&offset=0"},
	}
	if *only != "" {
		names := strings.Split(strings.ReplaceAll(*only, "lists", "list10,list50,list200,list1000"), ",")
		for _, n := range listSizes {
			if n != 50 {
				queries = append(queries, listQuery(n))
			}
		}
		queries = slices.DeleteFunc(queries, func(q query) bool { return !slices.Contains(names, q.name) })
		slices.SortStableFunc(queries, func(a, b query) int { return slices.Index(names, a.name) - slices.Index(names, b.name) })
	}
	graphqlBody := func(q string) string { b, _ := json.Marshal(map[string]string{"query": q}); return string(b) }
	ours := func(q query) string { return graphqlBody(q.ours) }
	theirs := func(q query) string { return graphqlBody(q.theirs) }

	switch *mode {
	case "soak":
		var bodies []string
		for _, q := range queries {
			if q.name == "single" || q.name == "nested" || q.name == "list50" {
				bodies = append(bodies, ours(q))
			}
		}
		return report(soak(upstreamURL, bodies))
	case "subscribers":
		return report(subscribers())
	case "compare":
	default:
		return fmt.Errorf("-mode %q: not compare, soak or subscribers", *mode)
	}

	self, _ := os.Executable()
	targets := []target{
		{name: "nginx alone (upstream, physical limit)", start: func(q query) (string, *exec.Cmd, error) { return nginxAddr, nil, nil },
			body: func(query) string { return "" }},
		{name: "net/http writing the answer from memory (ceiling)", path: "/graphql", body: ours, start: func(q query) (string, *exec.Cmd, error) {
			answer, err := answerOf(q, upstreamURL, dir)
			if err != nil {
				return "", nil, err
			}
			file := filepath.Join(dir, "answer-"+q.name+".json")
			if err := os.WriteFile(file, answer, 0o644); err != nil {
				return "", nil, err
			}
			addr := freeAddr()
			return addr, startCmd(self, "-serve-bytes", file, "-listen", addr), nil
		}},
		{name: "vb365-graphql", path: "/graphql", body: ours, start: func(q query) (string, *exec.Cmd, error) {
			return startTracedGateway(upstreamURL, q)
		}},
		{name: "vb365-graphql --share=false", path: "/graphql", body: ours, start: func(query) (string, *exec.Cmd, error) {
			return startGateway(upstreamURL, false)
		}},
	}
	for _, gc := range strings.Split(*gcs, ",") {
		if gc == "" {
			continue
		}
		targets = append(targets, target{name: "vb365-graphql --gc-percent=" + gc, path: "/graphql", body: ours, start: func(query) (string, *exec.Cmd, error) {
			return startGateway(upstreamURL, true, "--gc-percent", gc)
		}})
	}
	if *tailcall == "" {
		fmt.Fprintln(os.Stderr, "bench: no -tailcall given; measuring without Tailcall")
	} else {
		targets = append(targets, tailcallTargets(dir, upstreamURL, theirs)...)
	}

	results := map[string]map[string]result{}
	for _, q := range queries {
		results[q.name] = map[string]result{}
		if err := measureQuery(q, targets, dir, sim, results[q.name]); err != nil {
			return err
		}
	}
	walk, err := timeRESTWalk("http://"+nginxAddr, 30)
	if err != nil {
		return fmt.Errorf("the REST walk: %w", err)
	}
	fmt.Fprintf(os.Stderr, "REST walk: %d calls, median %.2f ms\n", walk.calls, walk.medianMS)
	return report(markdown(queries, targets, results, walk), nil)
}

// report prints a report and writes it to -out (or adds it there, -append).
func report(text string, err error) error {
	if err != nil {
		return err
	}
	fmt.Println(text)
	if *out == "" {
		return nil
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if *appendTo {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(*out, flags, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (t target) measures(q query) bool { return !t.tailcall || q.theirs != "" }

// cell is one target started for one query.
type cell struct {
	t          target
	cmd        *exec.Cmd
	url        string
	script     string
	firstCalls int
	runs       []result
}

// measureQuery starts every target for q at once, checks each answer, and
// runs wrk on them in turn, round after round: the machine's drift over the
// minutes a query takes then falls on every target alike.
func measureQuery(q query, targets []target, dir string, sim *vb365sim.Server, results map[string]result) error {
	var cells []*cell
	defer func() {
		for _, c := range cells {
			stop(c.cmd)
		}
	}()
	for i, t := range targets {
		if !t.measures(q) {
			continue
		}
		c, err := start(t, q, dir, sim, i)
		if c != nil {
			cells = append(cells, c)
		}
		if err != nil {
			return fmt.Errorf("%s, %s: %w", t.name, q.name, err)
		}
	}
	for round := 0; round < *runs; round++ {
		for _, c := range cells {
			if round == 1 {
				traceDuring(c.url, q)
			}
			before := upstreamCalls(dir)
			r, err := wrk(c.url, c.script, *duration)
			if err != nil {
				return fmt.Errorf("%s, %s: %w", c.t.name, q.name, err)
			}
			if c.t.body(q) != "" {
				r.callsPerReq = float64(upstreamCalls(dir)-before) / max(r.rps*duration.Seconds(), 1)
			}
			c.runs = append(c.runs, r)
		}
	}
	for _, c := range cells {
		r := median(c.runs)
		r.firstCalls = c.firstCalls
		pid := 0
		if c.cmd != nil {
			pid = c.cmd.Process.Pid
		} else if b, err := os.ReadFile(filepath.Join(dir, "nginx.pid")); err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		r.rssMB = peakRSS(pid)
		results[c.t.name] = r
		fmt.Fprintf(os.Stderr, "%-8s %-52s %9.0f req/s  p50 %6.2fms  p99 %6.2fms  %5.2f calls/req  %6.1f MB  (first request: %d calls)\n",
			q.name, c.t.name, r.rps, r.p50, r.p99, r.callsPerReq, r.rssMB, r.firstCalls)
	}
	return nil
}

// start starts a target, checks its answer and warms it up.
func start(t target, q query, dir string, sim *vb365sim.Server, i int) (*cell, error) {
	addr, cmd, err := t.start(q)
	if err != nil {
		return nil, err
	}
	c := &cell{t: t, cmd: cmd, url: "http://" + addr + t.path, script: filepath.Join(dir, fmt.Sprintf("post-%d.lua", i))}
	if err := waitListening(addr); err != nil {
		return c, err
	}
	body := t.body(q)
	if body == "" {
		c.url = "http://" + addr + q.resource
	} else {
		before := upstreamCalls(dir)
		answer, err := post(c.url, body)
		if err != nil {
			return c, err
		}
		c.firstCalls = upstreamCalls(dir) - before
		if err := check(q, answer, sim); err != nil {
			return c, fmt.Errorf("wrong answer: %w\n%.400s", err, answer)
		}
	}
	lua := fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = %s\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", strconv.Quote(body))
	if body == "" {
		lua = ""
	}
	if err := os.WriteFile(c.script, []byte(lua), 0o644); err != nil {
		return c, err
	}
	_, _ = wrk(c.url, c.script, time.Second) // warm-up: slow targets may finish nothing in it
	return c, nil
}

func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	return result{
		rps:         pick(func(r result) float64 { return r.rps }),
		p50:         pick(func(r result) float64 { return r.p50 }),
		p99:         pick(func(r result) float64 { return r.p99 }),
		callsPerReq: pick(func(r result) float64 { return r.callsPerReq }),
	}
}

var (
	rpsRE     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	latencyRE = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	non2xxRE  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

func wrk(url, script string, d time.Duration) (result, error) {
	args := []string{"-t2", "-c" + strconv.Itoa(*conns), "-d" + d.String(), "--timeout", "30s", "--latency", url}
	if b, _ := os.ReadFile(script); len(b) > 0 {
		args = append([]string{"-s", script}, args...)
	}
	outb, err := exec.Command("wrk", args...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v: %s", err, outb)
	}
	o := string(outb)
	if m := non2xxRE.FindStringSubmatch(o); m != nil {
		return result{}, fmt.Errorf("wrk saw %s non-2xx answers", m[1])
	}
	return parseWrk(o)
}

// parseWrk reads req/s, p50 and p99 from wrk's --latency output.
func parseWrk(o string) (result, error) {
	var r result
	m := rpsRE.FindStringSubmatch(o)
	if m == nil {
		return r, fmt.Errorf("could not read wrk's output: %s", o)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64) // 0: nothing finished within the run
	for _, m := range latencyRE.FindAllStringSubmatch(o, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if m[1] == "50" {
			r.p50 = v
		} else {
			r.p99 = v
		}
	}
	return r, nil
}

// upstreamCalls counts the GETs nginx has logged (not the token's POST).
func upstreamCalls(dir string) int {
	b, _ := os.ReadFile(filepath.Join(dir, "access.log"))
	return bytes.Count(b, []byte(`"GET `))
}

func peakRSS(pid int) float64 { return statusKB(pid, "VmHWM") / 1024 }

func post(u, body string) ([]byte, error) {
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// answerOf asks a fresh gateway for the query's answer: the bytes the
// net/http ceiling serves.
func answerOf(q query, upstreamURL, dir string) ([]byte, error) {
	addr, cmd, err := startGateway(upstreamURL, true)
	if err != nil {
		return nil, err
	}
	defer stop(cmd)
	if err := waitListening(addr); err != nil {
		return nil, err
	}
	b, _ := json.Marshal(map[string]string{"query": q.ours})
	return post("http://"+addr+"/graphql", string(b))
}

func startGateway(upstreamURL string, share bool, more ...string) (string, *exec.Cmd, error) {
	addr, cmd := gatewayCmd(upstreamURL, share, more...)
	cmd.Stderr = os.Stderr
	return addr, cmd, cmd.Start()
}

// gatewayCmd is the gateway's command over upstreamURL, on a free address.
func gatewayCmd(upstreamURL string, share bool, more ...string) (string, *exec.Cmd) {
	addr := freeAddr()
	args := append([]string{"--listen", addr, "--upstream-url", upstreamURL, "--api-version", "v8",
		"--username", "bench", "--password", "bench", "--allow-anonymous", "--log-level", "error",
		"--share=" + strconv.FormatBool(share)}, more...)
	return addr, exec.Command(*gateway, args...)
}

// tracedGateways maps a traced gateway's address to its debug listener's.
var tracedGateways sync.Map

// startTracedGateway is startGateway with -trace: GC traces to a file and a
// debug listener to take a runtime/trace from.
func startTracedGateway(upstreamURL string, q query) (string, *exec.Cmd, error) {
	if *traceDir == "" {
		return startGateway(upstreamURL, true)
	}
	gctrace, err := os.Create(filepath.Join(*traceDir, q.name+".gctrace"))
	if err != nil {
		return "", nil, err
	}
	defer gctrace.Close() // the gateway writes to its own copy
	debugAddr := freeAddr()
	addr, cmd := gatewayCmd(upstreamURL, true, "--debug-addr", debugAddr)
	cmd.Env = append(os.Environ(), "GODEBUG=gctrace=1")
	cmd.Stderr = gctrace
	tracedGateways.Store(addr, debugAddr)
	return addr, cmd, cmd.Start()
}

// traceDuring takes a 2 s runtime/trace of a traced gateway, a second into
// the run that follows.
func traceDuring(target string, q query) {
	u, _ := url.Parse(target)
	debugAddr, ok := tracedGateways.Load(u.Host)
	if !ok {
		return
	}
	go func() {
		time.Sleep(time.Second)
		resp, err := http.Get("http://" + debugAddr.(string) + "/debug/pprof/trace?seconds=2")
		if err != nil {
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(filepath.Join(*traceDir, q.name+".trace"))
		if err != nil {
			return
		}
		defer f.Close()
		_, _ = io.Copy(f, resp.Body)
	}()
}

// listSizes are the lengths of the session lists the growth rows measure.
var listSizes = []int{10, 50, 200, 1000}

func listQuery(n int) query {
	return query{fmt.Sprintf("list%d", n), fmt.Sprintf("the %d newest sessions with their jobs", n),
		fmt.Sprintf(`{ jobSessions(first: %d) { edges { node { id status job { id name } } } } }`, n),
		fmt.Sprintf(`{ jobSessions(first: %d) { results { id status job { id name } } } }`, n),
		fmt.Sprintf("/v8/JobSessions?limit=%d&offset=0", n)}
}

// tailcallTargets are Tailcall with and without dedupe.
func tailcallTargets(dir, upstreamURL string, theirs func(query) string) []target {
	return []target{
		{name: "Tailcall 1.6.14, dedupe", tailcall: true, path: "/graphql", body: theirs, start: func(query) (string, *exec.Cmd, error) {
			return startTailcall(dir, upstreamURL, true)
		}},
		{name: "Tailcall 1.6.14, no dedupe", tailcall: true, path: "/graphql", body: theirs, start: func(query) (string, *exec.Cmd, error) {
			return startTailcall(dir, upstreamURL, false)
		}},
	}
}

func startTailcall(dir, upstreamURL string, dedupe bool) (string, *exec.Cmd, error) {
	addr := freeAddr()
	_, port, _ := net.SplitHostPort(addr)
	tmpl, err := os.ReadFile("bench/tailcall.graphql.tmpl") // run from the repository's root
	if err != nil {
		return "", nil, err
	}
	conf := strings.NewReplacer("{{PORT}}", port, "{{UPSTREAM}}", upstreamURL, "{{DEDUPE}}", strconv.FormatBool(dedupe)).Replace(string(tmpl))
	file := filepath.Join(dir, fmt.Sprintf("tailcall-%v.graphql", dedupe))
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		return "", nil, err
	}
	parts := strings.Fields(*tailcall)
	cmd := startCmd(parts[0], append(parts[1:], "start", file)...)
	cmd.Env = append(os.Environ(), "TC_LOG_LEVEL=error", "TAILCALL_LOG_LEVEL=error", "TC_TRACKER=false")
	return addr, cmd, nil
}

func startCmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
	}
	return cmd
}

func stop(cmd *exec.Cmd) {
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitListening(addr string) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			time.Sleep(200 * time.Millisecond)
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New(addr + " did not start listening")
}

func startNginx(dir string) (string, *exec.Cmd, error) {
	addr := freeAddr()
	conf := fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
  types { application/json json; }
  default_type application/json;
  access_log %[1]s/access.log;
  keepalive_requests 1000000;
  server {
    listen %[2]s;
    root %[1]s/www;
    location = /v8/token { return 200 '{"access_token":"bench","refresh_token":"bench","token_type":"bearer","expires_in":86400}'; }
    location = /v8/ServiceInstance { try_files /v8/ServiceInstance.json =404; }
    location ~ ^/v8/(JobSessions|Jobs|Organizations|BackupRepositories|Proxies)$ { try_files /v8/lists/$1_${arg_offset}_${arg_limit}.json =404; }
    location ~ ^/v8/(JobSessions|Jobs|Organizations|BackupRepositories|Proxies)/([0-9a-f-]+)$ { try_files /v8/$1/$2.json =404; }
    location ~ ^/v8/Organizations/([0-9a-f-]+)/LicensingInformation$ { try_files /v8/licensing/$1.json =404; }
    location ~ ^/v8/JobSessions/(?<sid>[0-9a-f-]+)/LogItems$ { try_files /v8/logs/${sid}_${arg_offset}_${arg_limit}.json =404; }
  }
}
`, dir, addr)
	file := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		return "", nil, err
	}
	cmd := startCmd("nginx", "-c", file, "-p", dir)
	return addr, cmd, waitListening(addr)
}

// writeFixtures stores the simulator's v8 answers where nginx serves them.
func writeFixtures(sim *vb365sim.Server, www, session string) error {
	ts := httptest.NewServer(sim)
	defer ts.Close()
	user, pass := sim.Credentials()
	resp, err := http.PostForm(ts.URL+"/v8/token", url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}})
	if err != nil {
		return err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	save := func(path, file string) error {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: HTTP %d", path, resp.StatusCode)
		}
		file = filepath.Join(www, file)
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		return os.WriteFile(file, b, 0o644)
	}
	items := map[string][]string{"JobSessions": sim.SessionIDs(), "Jobs": sim.JobIDs(),
		"Organizations": sim.OrganizationIDs(), "BackupRepositories": sim.RepositoryIDs(), "Proxies": sim.ProxyIDs()}
	for collection, ids := range items {
		for _, id := range ids {
			if err := save("/v8/"+collection+"/"+id, "v8/"+collection+"/"+id+".json"); err != nil {
				return err
			}
		}
	}
	for _, id := range sim.OrganizationIDs() {
		if err := save("/v8/Organizations/"+id+"/LicensingInformation", "v8/licensing/"+id+".json"); err != nil {
			return err
		}
	}
	lists := map[string]string{ // what the gateway asks for, and where nginx finds it
		"/v8/Jobs?offset=0&limit=10000":                            "Jobs_0_10000",
		"/v8/JobSessions?offset=0&limit=10":                        "JobSessions_0_10",
		"/v8/JobSessions?offset=0&limit=50":                        "JobSessions_0_50",
		"/v8/JobSessions?offset=0&limit=200":                       "JobSessions_0_200",
		"/v8/JobSessions?offset=0&limit=1000":                      "JobSessions_0_1000",
		"/v8/Organizations?extendedView=true&offset=0&limit=10000": "Organizations_0_10000",
		"/v8/BackupRepositories?offset=0&limit=10000":              "BackupRepositories_0_10000",
		"/v8/Proxies?offset=0&limit=10000":                         "Proxies_0_10000",
	}
	for path, file := range lists {
		if err := save(path, "v8/lists/"+file+".json"); err != nil {
			return err
		}
	}
	if err := save("/v8/ServiceInstance", "v8/ServiceInstance.json"); err != nil {
		return err
	}
	return save("/v8/JobSessions/"+session+"/LogItems?offset=0&limit=5", "v8/logs/"+session+"_0_5.json")
}

// check compares an answer with what the simulator's data says, whatever
// the schema's shape: the sessions it names, their statuses and jobs.
func check(q query, answer []byte, sim *vb365sim.Server) error {
	var doc struct {
		Data   map[string]json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(answer, &doc); err != nil || len(doc.Errors) > 0 {
		return fmt.Errorf("not a clean GraphQL answer (%v)", err)
	}
	if q.name == "estate" {
		return checkEstate(doc.Data, sim)
	}
	norm := func(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "_", "")) }
	type sess struct {
		ID, Status string
		Statistics *struct{ TransferredDataBytes int64 }
		Job        *struct{ ID, Name string }
		Log        *struct {
			Nodes, Results []struct{ Usn int64 }
		}
	}
	var got []sess
	listed, _ := strconv.Atoi(strings.TrimPrefix(q.name, "list"))
	switch {
	case listed > 0:
		var l struct {
			Edges   []struct{ Node sess }
			Results []sess
		}
		if err := json.Unmarshal(doc.Data["jobSessions"], &l); err != nil {
			return err
		}
		for _, e := range l.Edges {
			got = append(got, e.Node)
		}
		got = append(got, l.Results...)
	default:
		var s sess
		if err := json.Unmarshal(doc.Data["jobSession"], &s); err != nil {
			return err
		}
		got = []sess{s}
	}
	want := sim.SessionIDs()[:max(listed, 1)]
	if listed == 0 {
		want = []string{sim.SessionIDs()[7]}
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
		if s.Status == "" || norm(s.Status) == "UNKNOWN" {
			return fmt.Errorf("session %s has status %q", s.ID, s.Status)
		}
		if q.name != "single" && (s.Job == nil || s.Job.ID != sim.JobOf(s.ID) || s.Job.Name == "") {
			return fmt.Errorf("session %s: job %+v, want %s", s.ID, s.Job, sim.JobOf(s.ID))
		}
		if q.name == "single" && (s.Statistics == nil || s.Statistics.TransferredDataBytes == 0) {
			return fmt.Errorf("session %s has no statistics", s.ID)
		}
		if q.name == "nested" && (s.Log == nil || len(s.Log.Nodes)+len(s.Log.Results) != 5) {
			return fmt.Errorf("session %s: want 5 log lines", s.ID)
		}
	}
	if !slices.Equal(ids, want) {
		return fmt.Errorf("sessions %v, want %v", ids, want)
	}
	return nil
}

// checkEstate: every section of the dashboard is there and whole.
func checkEstate(data map[string]json.RawMessage, sim *vb365sim.Server) error {
	var d struct {
		Server        struct{ Version, ProductVersion string }
		Organizations struct {
			Nodes []struct {
				Name      string
				Licensing *struct{ LicensedUsers int }
			}
		}
		BackupRepositories struct {
			Nodes []struct {
				CapacityBytes int64
				Proxy         *struct{ HostName string }
			}
		}
		Proxies     struct{ Nodes []struct{ Status string } }
		Jobs        struct{ Nodes []struct{ ID string } }
		JobSessions struct {
			Nodes []struct {
				ID           string
				Repository   *struct{ Name string }
				Organization *struct{ Name string }
			}
		}
	}
	raw, _ := json.Marshal(data)
	if err := json.Unmarshal(raw, &d); err != nil {
		return err
	}
	if d.Server.Version == "" || d.Server.ProductVersion == "" {
		return fmt.Errorf("no server version: %+v", d.Server)
	}
	if len(d.Organizations.Nodes) != len(sim.OrganizationIDs()) {
		return fmt.Errorf("%d organizations", len(d.Organizations.Nodes))
	}
	for _, o := range d.Organizations.Nodes {
		if o.Licensing == nil || o.Licensing.LicensedUsers == 0 {
			return fmt.Errorf("organization %s has no licensing", o.Name)
		}
	}
	if len(d.BackupRepositories.Nodes) != len(sim.RepositoryIDs()) {
		return fmt.Errorf("%d repositories", len(d.BackupRepositories.Nodes))
	}
	for _, r := range d.BackupRepositories.Nodes {
		if r.CapacityBytes == 0 || r.Proxy == nil || r.Proxy.HostName == "" {
			return fmt.Errorf("repository %+v lacks capacity or proxy", r)
		}
	}
	if len(d.Proxies.Nodes) != len(sim.ProxyIDs()) || len(d.Jobs.Nodes) != len(sim.JobIDs()) {
		return fmt.Errorf("%d proxies, %d jobs", len(d.Proxies.Nodes), len(d.Jobs.Nodes))
	}
	var ids []string
	for _, s := range d.JobSessions.Nodes {
		if s.Repository == nil || s.Organization == nil {
			return fmt.Errorf("session %s lacks its repository or organization", s.ID)
		}
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, sim.SessionIDs()[:50]) {
		return fmt.Errorf("sessions %v", ids)
	}
	return nil
}

// restWalk is what a REST script does for the dashboard's data: one call
// per object, following each item's links.
type restWalk struct {
	calls    int
	medianMS float64 // one whole walk, calls made one after another as a script does
}

func timeRESTWalk(base string, walks int) (restWalk, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	var w restWalk
	var took []float64
	for i := 0; i < walks; i++ {
		calls := 0
		get := func(path string, into any) error {
			calls++
			resp, err := client.Get(base + path)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s: HTTP %d", path, resp.StatusCode)
			}
			return json.NewDecoder(resp.Body).Decode(into)
		}
		type item struct {
			ID    string
			Links map[string]struct{ Href string } `json:"_links"`
		}
		type page struct{ Results []item }
		var (
			ignored                 any
			orgs, repos, jobs, sess page
			proxies                 page
		)
		start := time.Now()
		err := errors.Join(get("/v8/ServiceInstance", &ignored),
			get("/v8/Organizations?extendedView=true&offset=0&limit=10000", &orgs),
			get("/v8/BackupRepositories?offset=0&limit=10000", &repos),
			get("/v8/Proxies?offset=0&limit=10000", &proxies),
			get("/v8/Jobs?offset=0&limit=10000", &jobs),
			get("/v8/JobSessions?offset=0&limit=50", &sess))
		for _, o := range orgs.Results {
			err = errors.Join(err, get("/v8/Organizations/"+o.ID+"/LicensingInformation", &ignored))
		}
		for _, r := range repos.Results {
			err = errors.Join(err, get(r.Links["proxy"].Href, &ignored))
		}
		for _, s := range sess.Results {
			var job item
			err = errors.Join(err, get(s.Links["job"].Href, &job),
				get(job.Links["backupRepository"].Href, &ignored),
				get(job.Links["organization"].Href, &ignored))
		}
		if err != nil {
			return w, err
		}
		took = append(took, float64(time.Since(start).Microseconds())/1000)
		w.calls = calls
	}
	sort.Float64s(took)
	w.medianMS = took[len(took)/2]
	return w, nil
}

func markdown(queries []query, targets []target, results map[string]map[string]result, walk restWalk) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# vb365-graphql vs Tailcall: %s\n\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&b, "One machine (%s), 2 cores shared by wrk and the server; wrk -t2 -c%d, %d runs of %v per cell, the targets taking turns run by run, medians. "+
		"Upstream: nginx serving VB365 v8 answers generated by the simulator. Every target's answer was checked against the data first. "+
		"Upstream calls: GETs nginx logged; first: for the first request, cold and alone; under load: per request during the runs "+
		"(requests cut off at a run's end add a little). Peak RSS: VmHWM of the server process.\n\n",
		hostInfo(), *conns, *runs, *duration)
	for _, q := range queries {
		fmt.Fprintf(&b, "## %s (%s)\n\n| target | req/s | p50 ms | p99 ms | upstream calls, first | upstream calls/req, under load | peak RSS MB |\n|---|---:|---:|---:|---:|---:|---:|\n", q.title, q.name)
		for _, t := range targets {
			if !t.measures(q) {
				continue
			}
			r := results[q.name][t.name]
			first, calls := strconv.Itoa(r.firstCalls), fmt.Sprintf("%.2f", r.callsPerReq)
			if t.body(q) == "" {
				first, calls = "–", "–"
			}
			fmt.Fprintf(&b, "| %s | %.0f | %.2f | %.2f | %s | %s | %.1f |\n", t.name, r.rps, r.p50, r.p99, first, calls, r.rssMB)
		}
		b.WriteString("\n")
		if q.name == "estate" {
			fmt.Fprintf(&b, "A REST script gathering the same data makes %d calls, one per object; one walk against the same nginx, "+
				"calls one after another as a script makes them, takes %.2f ms (median of 30), with no other load on the machine.\n\n",
				walk.calls, walk.medianMS)
		}
	}
	return b.String()
}

func hostInfo() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	if m := regexp.MustCompile(`model name\s+: (.*)`).FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return "unknown CPU"
}
