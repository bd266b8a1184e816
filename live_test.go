package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/gateway"
)

// fastClock runs the simulator's clock 600 times faster than real time, so
// a live session with 13 minutes to go finishes in 1.3 seconds.
func fastClock() func() time.Time {
	start := time.Now()
	return func() time.Time { return faultAnchor.Add(time.Since(start) * 600) }
}

type liveEvent struct {
	ID, Status string
	Progress   int
	EndTime    *string
	Errors     []any
}

// checkFollow checks what one client received: running states with growing
// progress, ending with the finished session.
func checkFollow(t *testing.T, events []liveEvent) {
	t.Helper()
	if len(events) < 3 {
		t.Fatalf("only %d updates: %+v", len(events), events)
	}
	for i, e := range events {
		if len(e.Errors) > 0 {
			t.Fatalf("update %d is an error: %+v", i, e.Errors)
		}
		if i > 0 && e.Progress < events[i-1].Progress {
			t.Errorf("progress went back: %d then %d", events[i-1].Progress, e.Progress)
		}
		if i < len(events)-1 && (e.Status != "RUNNING" || e.EndTime != nil) {
			t.Errorf("update %d: %+v, want RUNNING with no end", i, e)
		}
	}
	if last := events[len(events)-1]; last.Status != "SUCCESS" || last.EndTime == nil {
		t.Errorf("the last update %+v is not the finished session", last)
	}
}

// TestSubscriptionWithGraphQLWS: five real graphql-ws clients follow a
// running session until it finishes; one poller serves them all.
func TestSubscriptionWithGraphQLWS(t *testing.T) {
	e2eReady(t)
	gw, sim := demoGateway(t, 8, fastClock(), func(c *config) { c.pollInterval = 100 * time.Millisecond })
	id := sim.LiveSessionIDs()[0]
	sim.ResetCalls()
	start := time.Now()
	out := node(t, time.Minute, "subscribe.mjs", "ws"+strings.TrimPrefix(gw.URL, "http")+"/graphql", id, "5")
	elapsed := time.Since(start)
	var res struct {
		Clients [][]liveEvent
		Error   string
	}
	if err := json.Unmarshal(out, &res); err != nil || res.Error != "" || len(res.Clients) != 5 {
		t.Fatalf("%v %s: %s", err, res.Error, out)
	}
	for _, events := range res.Clients {
		checkFollow(t, events)
	}
	polls := sim.Calls()["GET /JobSessions/{id}"]
	maxPolls := int(elapsed/(100*time.Millisecond)) + 3
	if polls > maxPolls {
		t.Errorf("5 clients over %v made %d session GETs; one shared poller makes at most %d", elapsed, polls, maxPolls)
	}
	t.Logf("5 graphql-ws clients, %d updates each, %d upstream GETs in %v", len(res.Clients[0]), polls, elapsed.Round(time.Millisecond))
}

// TestSubscriptionOverSSE follows a session with Server-Sent Events.
func TestSubscriptionOverSSE(t *testing.T) {
	gw, sim := demoGateway(t, 6, fastClock(), func(c *config) { c.pollInterval = 100 * time.Millisecond })
	body := `{"query":"subscription($id: ID!) { jobSessionUpdated(id: $id) { id status progress endTime } }","variables":{"id":"` + sim.LiveSessionIDs()[0] + `"}}`
	req, _ := http.NewRequest(http.MethodPost, gw.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q", ct)
	}
	var events []liveEvent
	completed := false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "event: complete" {
			completed = true
			break
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok && data != "" {
			var msg struct {
				Data struct{ JobSessionUpdated liveEvent }
			}
			if err := json.Unmarshal([]byte(data), &msg); err != nil {
				t.Fatalf("%v: %s", err, data)
			}
			events = append(events, msg.Data.JobSessionUpdated)
		}
	}
	if !completed {
		t.Fatalf("the stream ended without completing, after %d events", len(events))
	}
	checkFollow(t, events)
}

// TestSubscriptionNeedsAnAPIKey: with a service account and API keys, a
// WebSocket without a key in its connection_init is refused.
func TestSubscriptionNeedsAnAPIKey(t *testing.T) {
	e2eReady(t)
	sim, _, client := simClient(t, 8, fastClock(), nil)
	c := defaultConfig(t)
	c.pollInterval = 100 * time.Millisecond
	gw := httptest.NewServer(routes(deps{api: client, keys: gateway.NewAPIKeys([]string{"live-key-123"})}, c))
	defer gw.Close()
	ws := "ws" + strings.TrimPrefix(gw.URL, "http") + "/graphql"
	id := sim.LiveSessionIDs()[0]

	var refused struct{ Error string }
	_ = json.Unmarshal(node(t, time.Minute, "subscribe.mjs", ws, id, "1"), &refused)
	if !strings.Contains(refused.Error, "4403") || !strings.Contains(refused.Error, "API key") {
		t.Errorf("no key: %q, want a 4403 close that asks for an API key", refused.Error)
	}
	var res struct{ Clients [][]liveEvent }
	_ = json.Unmarshal(node(t, time.Minute, "subscribe.mjs", ws, id, "1", "live-key-123"), &res)
	if len(res.Clients) != 1 {
		t.Fatalf("with the key: %+v", res)
	}
	checkFollow(t, res.Clients[0])
}
