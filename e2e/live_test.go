package e2e

import (
	"bufio"
	"encoding/json"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/config"
)

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

// TestSubscriptionOverSSE follows a session with Server-Sent Events.
func TestSubscriptionOverSSE(t *testing.T) {
	gw := testenv.Start(t, testenv.Options{Version: 6, Clock: fastClock(), Settings: func(s *config.Settings) { s.Live.PollInterval = 100 * time.Millisecond }, Operators: true})
	sim := gw.Sim
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
