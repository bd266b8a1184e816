//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestRestorePageInChromium drives the example restore page as a restore
// operator would: open an Exchange session, pick a mailbox and its Inbox,
// tick two messages, restore them (the session's events show two
// restores), export them (followed live until READY) and download the PST
// (the REST export's size), then close the session (the REST API says it
// stopped).
func TestRestorePageInChromium(t *testing.T) {
	ctx := browser(t)
	user, password := vb365sim.RestoreAccount()
	gw := testenv.Start(t, testenv.Options{Version: 8,
		Settings: func(s *config.Settings) {
			s.Upstream.RestoreAccounts = map[string]upstream.Credentials{"contoso": {Username: user, Password: password}}
		},
		Handler: func(o *graphqlhttp.Options) { o.Gate.Anonymous = access.Operator | access.RestoreOperator }})
	poll := func(what, js string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
			shot(t, ctx, "restore-failed.png")
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.getElementById('state').textContent, document.getElementById('download').textContent,
				document.getElementById('save')?.dataset.saved ?? 'no save button', [...document.querySelectorAll('#events tr')].map(r => r.dataset.type).join(' ')].join(' | ')`))
			t.Fatalf("%s: %v (the page says %q)", what, err, state)
		}
	}
	click := func(js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](js+`.click()`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(gw.URL+"/examples/restore/")); err != nil {
		t.Fatal(err)
	}
	poll("the organizations", `document.querySelector('#open select').options.length === 3 && document.getElementById('account').options.length === 1`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelector('#open [name=reason]').value = 'INC-4711: lost mail'`)); err != nil {
		t.Fatal(err)
	}
	click(`document.querySelector('#open button')`)
	poll("the mailboxes", `document.querySelectorAll('#mailboxes li').length > 0`)
	click(`document.querySelector('#mailboxes li button')`)
	poll("the folders", `[...document.querySelectorAll('#folders li button')].some(b => b.textContent === 'Inbox')`)
	click(`[...document.querySelectorAll('#folders li button')].find(b => b.textContent === 'Inbox')`)
	poll("the messages", `document.querySelectorAll('#items tr').length > 2`)
	click(`document.querySelectorAll('#items input')[0]`)
	click(`document.querySelectorAll('#items input')[1]`)
	click(`document.getElementById('restore')`)
	poll("two restores among the session's events", `document.querySelectorAll('#events tr[data-type=RESTORE]').length === 2`)
	click(`document.getElementById('export')`)
	poll("the export, READY", `document.getElementById('download').dataset.state === 'READY' && document.getElementById('save') !== null`)
	click(`document.getElementById('save')`)
	poll("the download, and two exports among the events", `Number(document.getElementById('save').dataset.saved) > 0 && document.querySelectorAll('#events tr[data-type=EXPORT]').length === 2`)
	shot(t, ctx, "restore-page.png")
	page, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		session: document.getElementById('session').dataset.session,
		saved: Number(document.getElementById('save').dataset.saved),
		exports: document.querySelectorAll('#events tr[data-type=EXPORT]').length,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	// The simulator's PST of two items: 8 KiB and 64 KiB an item.
	if page["saved"] != float64(8<<10+2*64<<10) || page["exports"] != float64(2) {
		t.Errorf("the page: %v", page)
	}
	click(`document.getElementById('close')`)
	poll("the close", `document.getElementById('session').dataset.state === 'STOPPED'`)
	_, body := gw.Env.Get(t, fmt.Sprintf("/v8/RestoreSessions/%s", page["session"]), gw.Env.Token(t))
	var rs struct{ State string }
	if err := json.Unmarshal([]byte(body), &rs); err != nil || rs.State != "Stopped" {
		t.Errorf("the REST API says the session is %q (%v)", rs.State, err)
	}
}
