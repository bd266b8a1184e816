//go:build e2e

package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// chromium finds the browser; on CI its absence is a failure, not a skip.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; the test command installs it (see README)")
	}
	t.Skip("chromium is not installed; run ./test.sh to install it")
	return ""
}

// TestPlaygroundInChromium opens GraphiQL in a real headless Chromium that
// cannot reach anything but loopback, runs a query and reads its result, and
// opens the schema docs.
func TestPlaygroundInChromium(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	gw, sim := serve(t, parts{api: env.Client}, settingsFrom(t, nil)), env.Sim

	ctx := browser(t)

	id := sim.SessionIDs()[3]
	job, err := env.Client.Job(context.Background(), env.Client.NewScope(""), sim.JobOf(id))
	if err != nil {
		t.Fatal(err)
	}
	query := `{ jobSession(id: "` + id + `") { id status job { name } } }`
	err = chromedp.Do(ctx,
		chromedp.Navigate(gw.URL+"/?query="+url.QueryEscape(query)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-execute-button`)),
		chromedp.Click(chromedp.CSS(`.graphiql-execute-button`)),
		chromedp.Poll[chromedp.Void](`(document.querySelector('.graphiql-response') || {innerText: ''}).innerText.includes(`+quoteJS(job.Name)+`)`,
			chromedp.WithPollingTimeout(20*time.Second)),
	)
	shot(t, ctx, "playground-result.png")
	if err != nil {
		t.Fatalf("running a query in the playground: %v", err)
	}
	result, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.graphiql-response`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{id, `"SUCCESS"`, job.Name} {
		if !strings.Contains(result, want) {
			t.Errorf("result pane lacks %q:\n%s", want, result)
		}
	}

	// The docs come from the schema's descriptions.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[aria-label="Show Documentation Explorer"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.graphiql-doc-explorer`)),
		chromedp.Click(chromedp.Search(`//a[contains(@class,"graphiql-doc-explorer-type-name") and text()="Query"]`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('.graphiql-doc-explorer').innerText.includes('One job session by its ID')`,
			chromedp.WithPollingTimeout(10*time.Second)),
	)
	shot(t, ctx, "playground-docs.png")
	if err != nil {
		t.Fatalf("opening the docs: %v", err)
	}

	// Everything the page loaded came from the gateway itself.
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[location.href, ...performance.getEntriesByType('resource').map(e => e.name)]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) < 3 {
		t.Errorf("only %v were loaded; want the page, its bundle and /graphql", loaded)
	}
	for _, u := range loaded {
		if !strings.HasPrefix(u, gw.URL) && !strings.HasPrefix(u, "data:") {
			t.Errorf("the playground loaded %s: it must need nothing but the gateway", u)
		}
	}
}

// browser starts a headless Chromium that cannot reach anything but
// loopback, and returns its tab's context.
func browser(t *testing.T) context.Context {
	exe := chromium(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// No name resolves: anything the page tried to load from the internet would fail.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1400, 900),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	return ctx
}

// TestDashboardInChromium opens the example dashboard: it lists the newest
// sessions with their jobs, and the bar of a running session moves until the
// session finishes, over a real WebSocket subscription.
func TestDashboardInChromium(t *testing.T) {
	ctx := browser(t)
	start := time.Now()
	slow := func() time.Time { return faultAnchor.Add(time.Since(start) * 120) } // 13 minutes in 6.5 seconds
	gw, sim := demoGateway(t, 8, slow, func(s *config.Settings) { s.PollInterval = 200 * time.Millisecond })
	id := sim.LiveSessionIDs()[0]
	row := `document.querySelector('tr[data-session="` + id + `"]')`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(gw.URL+"/examples/dashboard/"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#sessions tr').length === 20`, chromedp.WithPollingTimeout(15*time.Second)),
	); err != nil {
		shot(t, ctx, "dashboard-failed.png")
		t.Fatalf("the dashboard did not list 20 sessions: %v", err)
	}
	first, err := chromedp.Run(ctx, chromedp.Evaluate[float64](row+`.querySelector('progress').value`))
	if err != nil {
		t.Fatal(err)
	}
	status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](row+`.dataset.status`))
	job, _ := chromedp.Run(ctx, chromedp.Evaluate[string](row+`.querySelector('.job').textContent`))
	if status != "RUNNING" || job == "" {
		t.Fatalf("the live session's row: status %q, job %q", status, job)
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](row+`.querySelector('progress').value > `+fmt.Sprint(first), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the progress bar did not move from %v: %v", first, err)
	}
	shot(t, ctx, "dashboard-running.png")
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](row+`.dataset.status === 'SUCCESS'`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the finished session was not shown: %v", err)
	}
	final, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](row+`.querySelector('progress').value`))
	if final != 100 {
		t.Errorf("a finished session's bar shows %v", final)
	}
}

// shot saves a screenshot into $SCREENSHOT_DIR, when set, for a person to look at.
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name), png, 0o644)
}

func quoteJS(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
