package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

var (
	subscriberCounts = flag.String("subscribers", "100,1000,10000", "-mode subscribers: numbers of graphql-ws clients, one run each")
	followed         = flag.Int("followed", 20, "-mode subscribers: running sessions the clients follow between them")
	subsWindow       = flag.Duration("subscribers-window", 10*time.Second, "-mode subscribers: how long each run is measured once every client has its first event")
	subsProfile      = flag.String("subscribers-cpuprofile", "", "-mode subscribers: write the gateway's CPU profile over each measured window to this path, suffixed with the client count (go tool pprof)")
)

const subsPoll = time.Second // the gateway's --poll-interval in these runs

// served remembers when the upstream first answered each state of each
// session (its transferred bytes, which grow with every poll), in a
// session's own answer or in a listing, so that a client's event can be
// timed from the moment the change left the upstream. It counts every GET.
type served struct {
	next  http.Handler
	gets  atomic.Int64 // every GET but the login's
	first sync.Map     // "id/bytes" -> time.Time
}

type sessionState struct {
	ID         string
	Statistics struct{ TransferredDataBytes json.Number }
}

type captured struct {
	http.ResponseWriter
	body []byte
}

func (c *captured) Write(b []byte) (int, error) {
	c.body = append(c.body, b...)
	return c.ResponseWriter.Write(b)
}

func (s *served) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.next.ServeHTTP(w, r)
		return
	}
	s.gets.Add(1)
	if !strings.HasPrefix(strings.ToLower(r.URL.Path), "/v8/jobsessions") {
		s.next.ServeHTTP(w, r)
		return
	}
	c := &captured{ResponseWriter: w}
	s.next.ServeHTTP(c, r)
	at := time.Now()
	var one sessionState
	var list struct{ Results []sessionState }
	if json.Unmarshal(c.body, &list) == nil && list.Results != nil {
		for _, sess := range list.Results {
			s.first.LoadOrStore(strings.ToLower(sess.ID)+"/"+sess.Statistics.TransferredDataBytes.String(), at)
		}
	} else if json.Unmarshal(c.body, &one) == nil {
		s.first.LoadOrStore(strings.ToLower(one.ID)+"/"+one.Statistics.TransferredDataBytes.String(), at)
	}
}

type subsRow struct {
	clients              int
	getsPerPoll          float64
	events               int
	cpuMSPerKEvents      float64 // the gateway's CPU time per 1,000 events delivered
	p50, p99, maxMS      float64
	rssIdleMB, rssMB     float64
	perSocketKB          float64
	liveKBPerSocket      float64 // the Go heap after a collection
	goroutinesPerSocket  float64
	unmatched, connFails int
}

// subscribers runs the gateway over a simulator whose sessions are running,
// connects n graphql-ws clients that follow them between them, and measures
// what one more subscriber costs: upstream calls per poll interval, memory
// per socket, and the time from a change leaving the upstream to a client's
// event.
func subscribers() (string, error) {
	var rows []subsRow
	for _, f := range strings.Split(*subscriberCounts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return "", fmt.Errorf("-subscribers: %q is not a count", f)
		}
		row, err := subscribersRun(n)
		if err != nil {
			return "", fmt.Errorf("%d subscribers: %w", n, err)
		}
		fmt.Fprintf(os.Stderr, "subscribers %6d: %.1f GETs/poll, p50 %.1f ms, p99 %.1f ms, %.1f ms CPU per 1000 events, %.1f KB/socket\n", n, row.getsPerPoll, row.p50, row.p99, row.cpuMSPerKEvents, row.perSocketKB)
		rows = append(rows, row)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Subscribers: graphql-ws clients following %d running sessions\n\n", *followed)
	fmt.Fprintf(&b, "The gateway (--poll-interval %v) over the simulator (v8, %d running sessions, its clock at 10x so that every poll sees a change). "+
		"Clients (Go, graphql-transport-ws, in the benchmark's process on the same two cores) subscribe to jobSessionUpdated, "+
		"spread evenly over the sessions; once every client has its first event, %v are measured. Latency: from the upstream answering "+
		"a poll (a session's own answer or a listing) with a new state to a client reading the event for it. Upstream calls: every GET the gateway made "+
		"(sessions, listings, the event feed) per poll interval. CPU: the gateway's user and system time over the window per 1,000 events delivered. Memory: the gateway's RSS with the clients connected minus its RSS before "+
		"(at --gc-percent 400 that includes the garbage the heap may grow to), and its live heap (go_memstats_heap_alloc_bytes just after a "+
		"collection asked for through --debug-addr) with them minus before, per socket.\n\n",
		subsPoll, *followed, *subsWindow)
	b.WriteString("| clients | upstream GETs per poll interval | events | p50 ms | p99 ms | max ms | CPU ms per 1,000 events | RSS before MB | RSS with clients MB | RSS KB per socket | live heap KB per socket | goroutines per socket |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %d | %.1f | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", r.clients, r.getsPerPoll, r.events,
			r.p50, r.p99, r.maxMS, r.cpuMSPerKEvents, r.rssIdleMB, r.rssMB, r.perSocketKB, r.liveKBPerSocket, r.goroutinesPerSocket)
	}
	b.WriteString("\n")
	for _, r := range rows {
		if r.unmatched > 0 || r.connFails > 0 {
			fmt.Fprintf(&b, "%d clients: %d events not matched to an upstream answer, %d clients could not connect.\n", r.clients, r.unmatched, r.connFails)
		}
	}
	return b.String(), nil
}

func subscribersRun(n int) (subsRow, error) {
	start := time.Now()
	anchor := start.UTC()
	sim := vb365sim.New(vb365sim.Options{Version: 8, Username: "bench", Password: "bench", LiveSessions: *followed, SessionsPerJob: 3,
		Anchor: anchor, Now: func() time.Time { return anchor.Add(10 * time.Since(start)) }})
	up := &served{next: sim}
	ts := httptest.NewServer(up)
	defer ts.Close()
	debugAddr := freeAddr()
	addr, cmd, err := startGateway(ts.URL, true, "--poll-interval", subsPoll.String(), "--max-pending-sockets", "2000",
		"--max-subscriptions-per-caller", "100000", "--debug-addr", debugAddr) // every client is the one anonymous caller
	if err != nil {
		return subsRow{}, err
	}
	defer stop(cmd)
	if err := waitListening(addr); err != nil {
		return subsRow{}, err
	}
	time.Sleep(2 * time.Second)
	row := subsRow{clients: n, rssIdleMB: statusKB(cmd.Process.Pid, "VmRSS") / 1024}
	liveIdle := liveHeap(debugAddr, addr)
	idleGoroutines := goroutines(addr)

	live := sim.LiveSessionIDs()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []float64
		measuring atomic.Bool
		firsts    sync.WaitGroup
		unmatched atomic.Int64
		connFails atomic.Int64
		clients   sync.WaitGroup
	)
	firsts.Add(n)
	dial := make(chan struct{}, 100) // connections opened at once
	for i := range n {
		clients.Add(1)
		dial <- struct{}{}
		go func() {
			defer clients.Done()
			first := true
			err := follow(ctx, "ws://"+addr+"/graphql", live[i%len(live)], func() { <-dial }, func(id, transferred string, at time.Time) {
				if first {
					first = false
					firsts.Done()
				}
				if !measuring.Load() {
					return
				}
				v, ok := up.first.Load(strings.ToLower(id) + "/" + transferred)
				if !ok {
					unmatched.Add(1)
					return
				}
				mu.Lock()
				latencies = append(latencies, float64(at.Sub(v.(time.Time)).Microseconds())/1000)
				mu.Unlock()
			})
			if err != nil && ctx.Err() == nil {
				connFails.Add(1)
				if first {
					firsts.Done()
				}
			}
		}()
	}
	waited := make(chan struct{})
	go func() { firsts.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(2 * time.Minute):
		return subsRow{}, fmt.Errorf("not every client had an event within 2 minutes")
	}
	gets := up.gets.Load()
	cpu := cpuSeconds(cmd.Process.Pid)
	measuring.Store(true)
	if *subsProfile != "" {
		go saveProfile(debugAddr, fmt.Sprintf("%s.%d", *subsProfile, n), *subsWindow-time.Second)
	}
	time.Sleep(*subsWindow)
	measuring.Store(false)
	cpu = cpuSeconds(cmd.Process.Pid) - cpu
	row.getsPerPoll = float64(up.gets.Load()-gets) / (subsWindow.Seconds() / subsPoll.Seconds())
	row.rssMB = statusKB(cmd.Process.Pid, "VmRSS") / 1024
	row.perSocketKB = (row.rssMB - row.rssIdleMB) * 1024 / float64(n)
	row.goroutinesPerSocket = float64(goroutines(addr)-idleGoroutines) / float64(n)
	row.liveKBPerSocket = (liveHeap(debugAddr, addr) - liveIdle) / 1024 / float64(n)
	cancel()
	clients.Wait()

	mu.Lock()
	defer mu.Unlock()
	slices.Sort(latencies)
	row.events = len(latencies)
	if len(latencies) > 0 {
		row.p50 = latencies[len(latencies)/2]
		row.p99 = latencies[len(latencies)*99/100]
		row.maxMS = latencies[len(latencies)-1]
		row.cpuMSPerKEvents = cpu * 1000 / (float64(len(latencies)) / 1000)
	}
	row.unmatched, row.connFails = int(unmatched.Load()), int(connFails.Load())
	return row, nil
}

// follow is one graphql-ws client: it subscribes to a session and calls
// event with each state it is sent, until ctx ends. connected is called once
// the connection is acknowledged.
func follow(ctx context.Context, url, sessionID string, connected func(), event func(id, transferred string, at time.Time)) error {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		connected()
		return err
	}
	defer c.CloseNow()
	if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": map[string]any{}}); err != nil {
		connected()
		return err
	}
	var ack struct{ Type string }
	if err := wsjson.Read(ctx, c, &ack); err != nil || ack.Type != "connection_ack" {
		connected()
		return fmt.Errorf("no connection_ack: %v %q", err, ack.Type)
	}
	connected()
	err = wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($id: ID!) { jobSessionUpdated(id: $id) { id progress statistics { transferredDataBytes } } }`,
		"variables": map[string]any{"id": sessionID},
	}})
	if err != nil {
		return err
	}
	for {
		var msg struct {
			Type    string
			Payload struct {
				Data struct {
					JobSessionUpdated struct {
						ID         string
						Statistics struct{ TransferredDataBytes json.Number }
					}
				}
			}
		}
		if err := wsjson.Read(ctx, c, &msg); err != nil {
			return err
		}
		at := time.Now()
		switch msg.Type {
		case "next":
			s := msg.Payload.Data.JobSessionUpdated
			event(s.ID, s.Statistics.TransferredDataBytes.String(), at)
		case "ping":
			_ = wsjson.Write(ctx, c, map[string]any{"type": "pong"})
		case "complete", "error":
			return fmt.Errorf("subscription ended: %s", msg.Type)
		}
	}
}

// liveHeap collects the gateway's garbage (a heap profile with gc=1 on its
// debug listener) and reads the heap that is left, in bytes.
func liveHeap(debugAddr, addr string) float64 {
	if resp, err := http.Get("http://" + debugAddr + "/debug/pprof/heap?gc=1"); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return metric(addr, "go_memstats_heap_alloc_bytes")
}

// cpuSeconds is the user and system CPU time a process has used, from
// /proc/<pid>/stat (in clock ticks of 1/100 s).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command's closing parenthesis: utime is the 12th, stime the 13th.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	user, _ := strconv.ParseFloat(fields[11], 64)
	system, _ := strconv.ParseFloat(fields[12], 64)
	return (user + system) / 100
}

// saveProfile writes the gateway's CPU profile over the next d to path.
func saveProfile(debugAddr, path string, d time.Duration) {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", debugAddr, int(d.Seconds())))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpu profile:", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpu profile:", err)
		return
	}
	defer f.Close()
	_, _ = io.Copy(f, resp.Body)
}
