//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// TestEventSourceInChromium: a browser's own EventSource (a GET with
// Accept: text/event-stream, the GraphQL-over-SSE "distinct connections"
// mode) subscribes to a running session and receives its progress as it
// moves, up to its end.
func TestEventSourceInChromium(t *testing.T) {
	ctx := browser(t)
	slow, release := heldClock(120)
	gw := testenv.Start(t, testenv.Options{Version: 8, Clock: slow, Settings: func(s *config.Settings) { s.Live.PollInterval = 200 * time.Millisecond }})
	id := gw.Sim.LiveSessionIDs()[0]
	src := "/graphql?" + url.Values{
		"query":     {`subscription($id: ID!) { jobSessionUpdated(id: $id) { status progress } }`},
		"variables": {`{"id":"` + id + `"}`},
	}.Encode()
	if err := chromedp.Do(ctx, chromedp.Navigate(gw.URL+"/healthz")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`
		window.events = []; window.completed = false; window.failed = 0;
		const source = new EventSource(`+quoteJS(src)+`);
		source.addEventListener('next', e => window.events.push(JSON.parse(e.data)));
		source.addEventListener('complete', () => { window.completed = true; source.close(); });
		source.onerror = () => { window.failed++; };
	`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`window.events.length > 0`, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the EventSource had no event: %v", err)
	}
	release()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`window.completed`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the EventSource saw no end of the session: %v", err)
	}
	type events struct {
		Events []struct {
			Data struct {
				JobSessionUpdated struct {
					Status   string
					Progress int
				}
			}
			Errors []any
		}
		Failed int
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[events](`({events: window.events, failed: window.failed})`))
	if err != nil {
		t.Fatal(err)
	}
	var progress []int
	for _, e := range got.Events {
		if len(e.Errors) > 0 {
			t.Errorf("an event with errors: %v", e.Errors)
		}
		progress = append(progress, e.Data.JobSessionUpdated.Progress)
	}
	last := got.Events[len(got.Events)-1].Data.JobSessionUpdated
	if len(progress) < 3 || last.Status == "RUNNING" || got.Failed > 0 {
		t.Errorf("the EventSource received progress %v, ending %s, with %d errors: want it moving to an end", progress, last.Status, got.Failed)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i] < progress[i-1] {
			t.Errorf("progress went back: %v", progress)
		}
	}
	t.Logf("an EventSource received %d events: progress %v, then %s", len(progress), progress, last.Status)
}

// TestGraphQLSSEClient: the real graphql-sse client follows a running
// session to its end in its default, distinct connections mode; in its
// single connection mode it gets a 405 that says which mode to use.
func TestGraphQLSSEClient(t *testing.T) {
	gw := testenv.Start(t, testenv.Options{Version: 8, Clock: fastClock(), Settings: func(s *config.Settings) { s.Live.PollInterval = 100 * time.Millisecond }})
	id := gw.Sim.LiveSessionIDs()[0]
	subscribe := func(mode string) (out struct {
		Results []struct {
			Data struct{ JobSessionUpdated struct{ Status string } }
		}
		Error  string
		Status int
	}) {
		t.Helper()
		cmd := exec.Command("node", filepath.Join(testenv.E2EDir(t), "sse.mjs"), gw.URL+"/graphql",
			`subscription($id: ID!) { jobSessionUpdated(id: $id) { status progress } }`, `{"id":"`+id+`"}`, mode)
		cmd.Dir = testenv.E2EDir(t)
		b, err := cmd.CombinedOutput()
		if err != nil || json.Unmarshal(b, &out) != nil {
			t.Fatalf("sse.mjs %s: %v\n%s", mode, err, b)
		}
		return out
	}
	distinct := subscribe("distinct")
	if n := len(distinct.Results); n == 0 || distinct.Error != "" || distinct.Results[n-1].Data.JobSessionUpdated.Status == "RUNNING" {
		t.Errorf("distinct connections mode: %+v", distinct)
	}
	single := subscribe("single")
	if single.Status != http.StatusMethodNotAllowed || !strings.Contains(single.Error, "405") {
		t.Errorf("single connection mode: %+v", single)
	}
	// What the client's error does not show, the answer says: which mode.
	req, _ := http.NewRequest(http.MethodPut, gw.URL+"/graphql", nil)
	resp, body := send(t, req)
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(body, "distinct connections mode") || !strings.Contains(body, `"code":"BAD_REQUEST"`) {
		t.Errorf("a PUT (single connection mode's reservation): %d %s", resp.StatusCode, body)
	}
}
