//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	gw := testenv.Start(t, testenv.Options{})
	sim := gw.Sim

	ctx := browser(t)

	id := sim.SessionIDs()[3]
	job, err := gw.Client.Job(context.Background(), gw.Client.NewScope(""), sim.JobOf(id))
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

// TestDashboardInChromium opens the example dashboard: every section of the
// estate shows its data (organizations with their licensing, repositories
// with capacity bars and the nearly full one marked, proxies with the
// offline one, jobs with their last status), and the bars of a running
// session, in its job's row and among the newest sessions, move until it
// finishes, over a real WebSocket subscription.
func TestDashboardInChromium(t *testing.T) {
	ctx := browser(t)
	// The simulator's clock holds at the anchor until the page's first view
	// has been read, however long Chromium and the page take to start on a
	// busy machine; then it runs 120 times fast: the running session's 13
	// minutes in 6.5 seconds, the working restore session's 5 in 2.5.
	slow, release := heldClock(120)
	gw := testenv.Start(t, testenv.Options{Version: 8, Clock: slow, Settings: func(s *config.Settings) { s.Live.PollInterval = 200 * time.Millisecond }, Operators: true})
	sim := gw.Sim
	id := sim.LiveSessionIDs()[0]
	row := `document.querySelector('#sessions tr[data-session="` + id + `"]')`
	jobBar := `document.querySelector('#jobs tr[data-session="` + id + `"] progress')`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(gw.URL+"/examples/dashboard/"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#sessions tr').length === 20 && document.querySelectorAll('#restores tr').length === 10`, chromedp.WithPollingTimeout(15*time.Second)),
	); err != nil {
		shot(t, ctx, "dashboard-failed.png")
		t.Fatalf("the dashboard did not list 20 sessions and 10 restore sessions: %v", err)
	}
	sections, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		state: document.getElementById('state').textContent,
		server: document.querySelector('#server .version').textContent + ' ' + document.querySelector('#server .health').textContent,
		license: document.querySelector('#license .use').textContent,
		organizations: [...document.querySelectorAll('#organizations tr')].map(r => r.cells[0].textContent + ':' + r.cells[2].textContent),
		repositories: document.querySelectorAll('#repositories tr').length,
		nearlyFull: [...document.querySelectorAll('#repositories tr.nearly-full')].map(r => r.cells[0].textContent),
		capacityBars: [...document.querySelectorAll('#repositories progress')].filter(p => p.value > 0).length,
		proxies: [...document.querySelectorAll('#proxies tr')].map(r => r.dataset.status),
		jobs: [...document.querySelectorAll('#jobs tr')].filter(r => r.cells[2].textContent !== '').length,
		restores: [...document.querySelectorAll('#restores tr')].map(r => r.dataset.state + ':' + r.cells[2].textContent),
	})`))
	if err != nil {
		t.Fatal(err)
	}
	release()
	shot(t, ctx, "dashboard-estate.png")
	want := map[string]string{
		"state": "", "server": "8.0.2.159 (API v8) health: HEALTHY", "license": "54 of 100",
		"organizations": "[contoso.onmicrosoft.com:38 fabrikam.onmicrosoft.com:13 tailspin.local:3]",
		"repositories":  "4", "nearlyFull": "[Archive Repository]", "capacityBars": "4",
		"proxies": "[ONLINE ONLINE OFFLINE]", "jobs": "12",
	}
	for k, v := range want {
		if got := fmt.Sprint(sections[k]); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	first, err := chromedp.Run(ctx, chromedp.Evaluate[float64](row+`.querySelector('progress').value`))
	if err != nil {
		t.Fatal(err)
	}
	firstInJob, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](jobBar+`.value`))
	status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](row+`.dataset.status`))
	job, _ := chromedp.Run(ctx, chromedp.Evaluate[string](row+`.cells[0].textContent`))
	if status != "RUNNING" || job == "" {
		t.Fatalf("the live session's row: status %q, job %q", status, job)
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](row+`.querySelector('progress').value > `+fmt.Sprint(first)+` && `+jobBar+`.value > `+fmt.Sprint(firstInJob),
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the progress bars did not move from %v and %v: %v", first, firstInJob, err)
	}
	shot(t, ctx, "dashboard-running.png")
	// The restore activity: ten sessions, the working one followed until it stops.
	restore := `document.querySelector('#restores tr[data-restore="` + sim.LiveRestoreSessionIDs()[0] + `"]')`
	// Read as the page first showed it: by now the working one may have stopped.
	restores, _ := sections["restores"].([]any)
	if len(restores) != 10 || !slices.Contains(restores, any("WORKING:contoso.onmicrosoft.com")) {
		t.Errorf("the restore activity: %v", restores)
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](restore+`.dataset.state === 'STOPPED'`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("the working restore session was not followed to its end: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](row+`.dataset.status === 'SUCCESS'`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the finished session was not shown: %v", err)
	}
	final, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](row+`.querySelector('progress').value`))
	finalInJob, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](jobBar+`.value`))
	if final != 100 || finalInJob != 100 {
		t.Errorf("a finished session's bars show %v and %v", final, finalInJob)
	}
}

// TestSessionDetailInChromium: a session's detail (opened by its address,
// as its link in the sessions table does) lists the objects that failed
// and why on v8; on v6, which has no processed objects, it says so.
func TestSessionDetailInChromium(t *testing.T) {
	for _, v := range []int{8, 6} {
		ctx := browser(t)
		gw := testenv.Start(t, testenv.Options{Version: v, Operators: true})
		sim := gw.Sim
		id := sim.SessionIDsWithStatus("Failed")[0]
		if err := chromedp.Do(ctx,
			chromedp.Navigate(gw.URL+"/examples/dashboard/#"+id),
			chromedp.Poll[chromedp.Void](`document.getElementById('detail').dataset.session === `+quoteJS(id), chromedp.WithPollingTimeout(15*time.Second)),
		); err != nil {
			shot(t, ctx, fmt.Sprintf("detail-v%d-failed.png", v))
			t.Fatalf("v%d: the detail did not open: %v", v, err)
		}
		detail, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
			title: document.querySelector('#detail .title').textContent,
			note: document.querySelector('#detail .note').textContent,
			rows: [...document.querySelectorAll('#problems tr')].map(r => r.dataset.status + ' ' + r.cells[0].textContent + ': ' + r.cells[4].textContent),
		})`))
		if err != nil {
			t.Fatal(err)
		}
		shot(t, ctx, fmt.Sprintf("detail-v%d.png", v))
		rows, _ := detail["rows"].([]any)
		switch v {
		case 8:
			if len(rows) == 0 || !strings.HasSuffix(fmt.Sprint(detail["title"]), "FAILED") {
				t.Fatalf("v8: %v", detail)
			}
			for _, r := range rows {
				if !strings.HasPrefix(fmt.Sprint(r), "FAILED ") || !strings.Contains(fmt.Sprint(r), "failed: ") {
					t.Errorf("v8: a failed object without its reason: %q", r)
				}
			}
		case 6:
			if len(rows) != 0 || !strings.Contains(fmt.Sprint(detail["note"]), "needs API v7") {
				t.Errorf("v6: %v", detail)
			}
		}
		t.Logf("v%d: %v", v, detail)
	}
}

// TestDashboardActionsInChromium: an operator sees Start, Stop and Disable
// on each job; Start makes one upstream POST and the new session's bar
// moves to its end over the subscription; a viewer sees no buttons.
func TestDashboardActionsInChromium(t *testing.T) {
	start := time.Now()
	slow := func() time.Time { return faultAnchor.Add(time.Since(start) * 120) } // a started job's 3 minutes in 1.5 s
	gw := testenv.Start(t, testenv.Options{Clock: slow, Env: map[string]string{"VB365_POLL_INTERVAL": "200ms",
		"VB365_API_KEYS": "op-key-1 operator ops,view-key-1 viewer wall"}})
	sim := gw.Sim
	job := sim.JobIDs()[5]
	jobRow := `document.querySelector('#jobs tr[data-job="` + job + `"]')`

	viewer := browser(t)
	if err := chromedp.Do(viewer,
		chromedp.Navigate(gw.URL+"/examples/dashboard/?apiKey=view-key-1"),
		chromedp.Poll[chromedp.Void](`document.body.dataset.role === 'VIEWER' && document.querySelectorAll('#jobs tr').length > 0`, chromedp.WithPollingTimeout(15*time.Second)),
	); err != nil {
		t.Fatalf("the viewer's dashboard: %v", err)
	}
	if n, _ := chromedp.Run(viewer, chromedp.Evaluate[int](`document.querySelectorAll('#jobs button').length`)); n != 0 {
		t.Errorf("a viewer sees %d action buttons", n)
	}

	ctx := browser(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(gw.URL+"/examples/dashboard/?apiKey=op-key-1"),
		chromedp.Poll[chromedp.Void](jobRow+` && `+jobRow+`.querySelector('button.start')`, chromedp.WithPollingTimeout(15*time.Second)),
	); err != nil {
		v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.dataset.role + ' | ' + document.getElementById('state').textContent + ' | ' + (`+jobRow+` ? `+jobRow+`.outerHTML : 'no row')`))
		t.Fatalf("the operator's dashboard has no Start button: %v\n%s", err, v)
	}
	sim.ResetActions()
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](jobRow+`.querySelector('button.start').click()`),
		chromedp.Poll[chromedp.Void](jobRow+`.dataset.session && `+jobRow+`.querySelector('progress')`, chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		shot(t, ctx, "actions-failed.png")
		t.Fatalf("Start showed no session: %v", err)
	}
	if a := sim.Actions(); len(a) != 1 || !strings.HasSuffix(a[0].Path, "/Jobs/"+job+"/start") {
		t.Errorf("Start made %+v upstream", a)
	}
	shot(t, ctx, "actions-started.png")
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](jobRow+`.querySelector('progress').value === 100 && `+jobRow+`.dataset.status === 'SUCCESS'`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](jobRow+`.outerHTML`))
		t.Fatalf("the started session was not followed to its end: %v\n%s", err, v)
	}
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](jobRow+`.querySelector('button.disable').click()`),
		chromedp.Poll[chromedp.Void](jobRow+`.dataset.enabled === 'false' && `+jobRow+`.querySelector('button.start').disabled`, chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		t.Errorf("Disable: %v", err)
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
