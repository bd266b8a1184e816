package resolvers_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// restoreGateway is a gateway whose restore operators are portal and
// helpdesk, with the simulator's restore account configured as "contoso"
// (through --restore-accounts-file, as an operator would).
func restoreGateway(t *testing.T, v int, logs io.Writer) *testenv.Gateway {
	t.Helper()
	keys, err := access.ParseKeys([]string{"k3y-portal restore-operator portal", "k3y-helpdesk restore-operator helpdesk",
		operatorKey + " operator ops-console", viewerKey + " viewer dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	user, password := vb365sim.RestoreAccount()
	accounts := filepath.Join(t.TempDir(), "restore-accounts")
	if err := os.WriteFile(accounts, []byte("# the tenant's restore account\nContoso "+user+" "+password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return testenv.Start(t, testenv.Options{Version: v, Unshared: true, Logs: logs,
		Env:     map[string]string{"VB365_RESTORE_ACCOUNTS_FILE": accounts},
		Handler: func(o *graphqlhttp.Options) { o.Gate = &access.Gate{Keys: keys} }})
}

// openExchange opens an Exchange session as portal and returns its id, the
// first mailbox's, and the ids of that mailbox's first two Inbox items as
// the graph lists them.
func openExchange(t *testing.T, g *testenv.Gateway) (session, mailbox string, items []string) {
	t.Helper()
	r := as(t, g, "k3y-portal", "", `mutation($org: ID!) { openRestoreSession(input: {organizationId: $org, kind: EXCHANGE, reason: "INC-5150"}) {
		restoreSession { id mailboxes(first: 1) { nodes { id: objectId items(first: 2) { nodes { id: objectId subject } } } } } } }`,
		map[string]any{"org": g.Sim.OrganizationIDs()[0]})
	var d struct {
		OpenRestoreSession struct {
			RestoreSession struct {
				ID        string
				Mailboxes struct {
					Nodes []struct {
						ID    string
						Items struct {
							Nodes []struct{ ID, Subject string }
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 || len(d.OpenRestoreSession.RestoreSession.Mailboxes.Nodes) == 0 {
		t.Fatalf("%v %s", err, r.Raw)
	}
	rs := d.OpenRestoreSession.RestoreSession
	for _, it := range rs.Mailboxes.Nodes[0].Items.Nodes {
		items = append(items, it.ID)
	}
	return rs.ID, rs.Mailboxes.Nodes[0].ID, items
}

// restPost POSTs body to the simulator as a REST script would.
func restPost(t *testing.T, g *testenv.Gateway, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.Upstream.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", g.Env.Token(t))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// download GETs a gateway link with the key given ("": none) and headers.
func download(t *testing.T, g *testenv.Gateway, link, key string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.URL+link, nil)
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

type exportState struct {
	ID, State, FileName, DownloadURL, Error string
	SizeBytes                               int64
}

// awaitExport asks for an export until it is done.
func awaitExport(t *testing.T, g *testenv.Gateway, key, id string) exportState {
	t.Helper()
	deadline := time.Now().Add(testenv.Bound(20 * time.Second))
	for {
		r := as(t, g, key, "", `query($id: ID!) { export(id: $id) { id state fileName downloadUrl error sizeBytes } }`, map[string]any{"id": id})
		var d struct{ Export exportState }
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%v %s", err, r.Raw)
		}
		if s := d.Export.State; s != "QUEUED" && s != "RUNNING" || time.Now().After(deadline) {
			return d.Export
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRestoringAndExportingMail: on v3, v6 and v8 a restore operator
// restores two items of a mailbox to their place (a repeat with the same
// clientMutationId restores nothing more; the REST API's events of the
// session show the two) and exports them as a PST that becomes READY; its
// link gives the same bytes as the REST export, as an attachment, to that
// caller only, and resumes with Range; closing stops the session upstream.
// Viewers and job operators are FORBIDDEN before any upstream call; every
// action and the download are audited.
func TestRestoringAndExportingMail(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 6, 8} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			t.Parallel()
			var logs testenv.LogBuffer
			g := restoreGateway(t, v, &logs)
			session, mailbox, items := openExchange(t, g)
			if len(items) != 2 {
				t.Fatalf("items %v", items)
			}
			restore := `mutation($s: ID!, $m: ID!, $items: [ID!]!) { restoreItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items,
				account: "contoso", reason: "INC-5150: restore two messages", clientMutationId: "r-1"}) {
				clientMutationId runsOn createdItems failedItems warnings restoreSession { id } } }`
			export := `mutation($s: ID!, $m: ID!, $items: [ID!]!) { exportItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items,
				format: PST, reason: "INC-5150: a PST for legal"}) { export { id state } } }`
			vars := map[string]any{"s": session, "m": mailbox, "items": items}

			// Refused before any call.
			g.Sim.ResetActions()
			g.Sim.ResetCalls()
			for _, key := range []string{viewerKey, operatorKey} {
				for _, m := range []string{restore, export} {
					if r := as(t, g, key, "", m, vars); codeOf(r) != "FORBIDDEN" {
						t.Errorf("%s: %s", key, r.Raw)
					}
				}
			}
			if r := as(t, g, "k3y-helpdesk", "", restore, vars); codeOf(r) != "NOT_FOUND" {
				t.Errorf("another restore operator restores: %s", r.Raw)
			}
			if g.Sim.DataCalls() != 0 || len(g.Sim.Actions()) != 0 {
				t.Errorf("refused callers reached the upstream: %v %v", g.Sim.Calls(), g.Sim.Actions())
			}

			// Restored once, to where they were.
			for range 2 {
				r := as(t, g, "k3y-portal", "", restore, vars)
				var d struct {
					RestoreItems struct {
						ClientMutationID string
						RunsOn           bool
						CreatedItems     *int64
					}
				}
				if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
					t.Fatalf("%v %s", err, r.Raw)
				}
				got := d.RestoreItems
				if got.ClientMutationID != "r-1" || got.RunsOn != (v >= 8) || (v < 8) != (got.CreatedItems != nil && *got.CreatedItems == 2) {
					t.Errorf("restored: %s", r.Raw)
				}
			}
			restores := 0
			for _, a := range g.Sim.Actions() {
				if strings.Contains(strings.ToLower(a.Path), "/items/") {
					restores++
					for _, it := range items {
						if !strings.Contains(a.Body, it) || !strings.Contains(a.Body, vb365sim.RestoreAdmin) {
							t.Errorf("the restore asked for %s", a.Body)
						}
					}
				}
			}
			if restores != 1 {
				t.Errorf("%d restores upstream, want 1: %+v", restores, g.Sim.Actions())
			}
			events := g.Env.Items(t, fmt.Sprintf("/v%d/RestoreSessions/%s/Events", v, session), g.Env.Token(t))
			restored := 0
			for _, e := range events {
				if e["type"] == "Restore" {
					restored++
				}
			}
			if restored != 2 {
				t.Errorf("the REST API shows %d restored items: %v", restored, events)
			}

			// Exported: the file is READY and is the REST export's bytes.
			r := as(t, g, "k3y-portal", "", export, vars)
			var started struct{ ExportItems struct{ Export exportState } }
			if err := json.Unmarshal(r.Data, &started); err != nil || len(r.Errors) > 0 {
				t.Fatalf("%v %s", err, r.Raw)
			}
			if r := as(t, g, "k3y-helpdesk", "", `query($id: ID!) { export(id: $id) { id } }`, map[string]any{"id": started.ExportItems.Export.ID}); codeOf(r) != "NOT_FOUND" {
				t.Errorf("another caller sees the export: %s", r.Raw)
			}
			done := awaitExport(t, g, "k3y-portal", started.ExportItems.Export.ID)
			if done.State != "READY" || done.DownloadURL == "" || !strings.HasSuffix(done.FileName, ".pst") {
				t.Fatalf("export %+v", done)
			}
			path, body := fmt.Sprintf("/v%d/RestoreSessions/%s/organization/mailboxes/%s/items/exportToPst", v, session, mailbox), `{"items":[{"id":%q},{"id":%q}]}`
			if v < 6 {
				path, body = fmt.Sprintf("/v%d/RestoreSessions/%s/organization/mailboxes/%s/items/Action", v, session, mailbox), `{"exportToPst":{"items":[{"id":%q},{"id":%q}]}}`
			}
			status, want := restPost(t, g, path, fmt.Sprintf(body, items[0], items[1]))
			if status != http.StatusOK || len(want) < 1000 {
				t.Fatalf("the REST export: %d, %d bytes", status, len(want))
			}
			resp, got := download(t, g, done.DownloadURL, "k3y-portal")
			if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) || done.SizeBytes != int64(len(want)) {
				t.Errorf("the download: %d, %d bytes (sha256 %x), want the REST export's %d (sha256 %x); sizeBytes %d",
					resp.StatusCode, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want), done.SizeBytes)
			}
			if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename=`+done.FileName {
				t.Errorf("Content-Disposition %q", cd)
			}
			resp, tail := download(t, g, done.DownloadURL, "k3y-portal", "Range", "bytes=1000-")
			if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(tail, want[1000:]) {
				t.Errorf("resumed at 1000: %d, %d bytes", resp.StatusCode, len(tail))
			}
			for _, c := range []struct {
				who, link string
				status    int
			}{
				{"", done.DownloadURL, http.StatusUnauthorized},
				{"k3y-helpdesk", done.DownloadURL, http.StatusNotFound},
				{viewerKey, done.DownloadURL, http.StatusNotFound},
				{"k3y-portal", strings.Replace(done.DownloadURL, "signature=", "signature=x", 1), http.StatusForbidden},
			} {
				if resp, b := download(t, g, c.link, c.who); resp.StatusCode != c.status || len(b) > 200 {
					t.Errorf("%q downloads: %d (%d bytes), want %d", c.who, resp.StatusCode, len(b), c.status)
				}
			}

			// Closed upstream.
			r = as(t, g, "k3y-portal", "", `mutation($id: ID!) { closeRestoreSession(input: {id: $id}) { restoreSession { state } } }`, map[string]any{"id": session})
			if !strings.Contains(string(r.Data), `"STOPPED"`) {
				t.Errorf("closed: %s", r.Raw)
			}
			if _, body := g.Env.Get(t, fmt.Sprintf("/v%d/RestoreSessions/%s", v, session), g.Env.Token(t)); !strings.Contains(body, `"state":"Stopped"`) {
				t.Errorf("after the close the REST API shows %s", body)
			}
			for _, want := range []string{
				"mutation=restoreItems restore_session=" + session + " mailbox=" + mailbox + " items=\"[" + items[0] + " " + items[1] + "]\" to=\"original location\" sign_in=account account=contoso reason=\"INC-5150: restore two messages\" who=portal",
				"mutation=restoreItems", "outcome=repeated", "role=viewer outcome=forbidden", "role=operator outcome=forbidden",
				"mutation=exportItems restore_session=" + session, `reason="INC-5150: a PST for legal" who=portal`,
				`msg="export finished" export=` + done.ID + " who=portal state=READY",
				`msg="export download" export=` + done.ID + " who=portal", `range="bytes=1000-"`,
			} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("the audit log lacks %s:\n%s", want, logs.String())
				}
			}
			if strings.Contains(logs.String(), "restore-admin-secret") {
				t.Error("the restore account's password is in the log")
			}
		})
	}
}

// TestFollowingAnExport: exportUpdated streams an export's states over
// server-sent events until it is READY, for its owner; another caller's
// subscription is NOT_FOUND.
func TestFollowingAnExport(t *testing.T) {
	t.Parallel()
	g := restoreGateway(t, 8, nil)
	session, mailbox, items := openExchange(t, g)
	r := as(t, g, "k3y-portal", "", `mutation($s: ID!, $m: ID!, $items: [ID!]!) { exportItems(input: {restoreSessionId: $s, mailboxId: $m,
		itemIds: $items, reason: "INC-1"}) { export { id } } }`, map[string]any{"s": session, "m": mailbox, "items": items})
	var d struct {
		ExportItems struct{ Export struct{ ID string } }
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
		t.Fatalf("%v %s", err, r.Raw)
	}
	follow := func(key string) []string {
		body, _ := json.Marshal(map[string]string{"query": fmt.Sprintf(`subscription { exportUpdated(id: %q) { state sizeBytes downloadUrl } }`, d.ExportItems.Export.ID)})
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var events []string
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				events = append(events, data)
			}
		}
		return events
	}
	events := follow("k3y-portal")
	if len(events) == 0 || !strings.Contains(events[len(events)-1], `"state":"READY"`) || !strings.Contains(events[len(events)-1], `"downloadUrl":"/exports/`) {
		t.Errorf("the owner's stream: %v", events)
	}
	if events := follow("k3y-helpdesk"); len(events) == 0 || !strings.Contains(events[0], "NOT_FOUND") {
		t.Errorf("another caller's stream: %v", events)
	}
}

// TestRestoringElsewhereAndSending: on v3, v6 and v8 items restore to
// another mailbox and folder and are mailed to the mailbox's own address
// and to another, as the REST API's events of the session show; v6+ sign a
// restore in with a device code (v3 says which version can, with no call).
// What cannot be right is refused before any call.
func TestRestoringElsewhereAndSending(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 6, 8} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			t.Parallel()
			var logs testenv.LogBuffer
			g := restoreGateway(t, v, &logs)
			session, mailbox, items := openExchange(t, g)
			vars := map[string]any{"s": session, "m": mailbox, "items": items}
			signIn := `account: "contoso"`
			g.Sim.ResetActions()
			g.Sim.ResetCalls()
			r := as(t, g, "k3y-portal", "", `mutation($s: ID!) { requestRestoreDeviceCode(input: {restoreSessionId: $s}) { userCode verificationUrl expiresIn } }`, vars)
			if v < 6 {
				if codeOf(r) != "NOT_SUPPORTED_BY_VERSION" || !strings.Contains(r.Errors[0].Message, "v6") || len(g.Sim.Actions()) != 0 {
					t.Errorf("a device code on v%d: %s", v, r.Raw)
				}
			} else {
				var d struct {
					RequestRestoreDeviceCode struct{ UserCode, VerificationURL string }
				}
				if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 || d.RequestRestoreDeviceCode.UserCode == "" {
					t.Fatalf("%v %s", err, r.Raw)
				}
				signIn = fmt.Sprintf("deviceCode: %q", d.RequestRestoreDeviceCode.UserCode)
			}
			r = as(t, g, "k3y-portal", "", `mutation($s: ID!, $m: ID!, $items: [ID!]!) { restoreItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items,
				`+signIn+`, toMailbox: "legal@contoso.example", toFolder: "INC-9", markUnread: true, reason: "INC-9: for legal"}) { runsOn } }`, vars)
			if len(r.Errors) > 0 {
				t.Fatalf("restore elsewhere: %s", r.Raw)
			}
			for _, to := range []string{"", `to: "legal@contoso.example", from: "helpdesk@contoso.example", subject: "INC-9", text: "As asked."`} {
				r = as(t, g, "k3y-portal", "", `mutation($s: ID!, $m: ID!, $items: [ID!]!) { sendItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items,
					`+to+` reason: "INC-9: mail them"}) { restoreSession { id } } }`, vars)
				if len(r.Errors) > 0 {
					t.Fatalf("send (%s): %s", to, r.Raw)
				}
			}
			targets := map[string]int{}
			for _, e := range g.Env.Items(t, fmt.Sprintf("/v%d/RestoreSessions/%s/Events", v, session), g.Env.Token(t)) {
				if e["type"] == "Restore" || e["type"] == "Send" {
					targets[fmt.Sprint(e["type"], " ", e["target"])]++
				}
			}
			own := strings.Split(fmt.Sprint(g.Env.Items(t, fmt.Sprintf("/v%d/RestoreSessions/%s/organization/mailboxes?limit=1", v, session), g.Env.Token(t))[0]["email"]), " ")[0]
			want := map[string]int{"Restore legal@contoso.example": 2, "Send legal@contoso.example": 2, "Send " + own: 2}
			if fmt.Sprint(targets) != fmt.Sprint(want) {
				t.Errorf("the REST API's events: %v, want %v", targets, want)
			}
			for _, a := range g.Sim.Actions() {
				if strings.Contains(a.Body, "legal@contoso.example") && strings.Contains(a.Body, "INC-9") && !strings.Contains(a.Body, `"folder":"INC-9"`) && !strings.Contains(a.Body, `"subject":"INC-9"`) {
					t.Errorf("asked %s", a.Body)
				}
			}

			g.Sim.ResetActions()
			g.Sim.ResetCalls()
			many := make([]string, 101)
			for i := range many {
				many[i] = items[0]
			}
			for _, c := range []struct {
				key, mutation string
				items         []string
				code          string
			}{
				{"k3y-portal", `restoreItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items, reason: "x"}) { runsOn }`, items, "BAD_USER_INPUT"},
				{"k3y-portal", `restoreItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items, account: "contoso", deviceCode: "X", reason: "x"}) { runsOn }`, items, "BAD_USER_INPUT"},
				{"k3y-portal", `restoreItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items, account: "fabrikam", reason: "x"}) { runsOn }`, items, "BAD_USER_INPUT"},
				{"k3y-portal", `restoreItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items, account: "contoso", toFolder: "x", reason: "x"}) { runsOn }`, items, "BAD_USER_INPUT"},
				{"k3y-portal", `sendItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items, reason: "x"}) { clientMutationId }`, many, "BAD_USER_INPUT"},
				{"k3y-portal", `sendItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items, reason: " "}) { clientMutationId }`, items, "BAD_USER_INPUT"},
				{viewerKey, `sendItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items, reason: "x"}) { clientMutationId }`, items, "FORBIDDEN"},
				{operatorKey, `requestRestoreDeviceCode(input: {restoreSessionId: $s}) { userCode }`, items, "FORBIDDEN"},
				{"k3y-helpdesk", `sendItems(input: {restoreSessionId: $s, mailboxId: $m, itemIds: $items, reason: "x"}) { clientMutationId }`, items, "NOT_FOUND"},
			} {
				header, vars := `mutation($s: ID!, $m: ID!, $items: [ID!]!)`, map[string]any{"s": session, "m": mailbox, "items": c.items}
				if !strings.Contains(c.mutation, "$m") {
					header, vars = `mutation($s: ID!)`, map[string]any{"s": session}
				}
				r := as(t, g, c.key, "", header+` { `+c.mutation+` }`, vars)
				if codeOf(r) != c.code {
					t.Errorf("%s %s: %s, want %s", c.key, c.mutation, r.Raw, c.code)
				}
			}
			if g.Sim.DataCalls() != 0 || len(g.Sim.Actions()) != 0 {
				t.Errorf("refused actions reached the upstream: %v %v", g.Sim.Calls(), g.Sim.Actions())
			}
			for _, want := range []string{`mutation=restoreItems restore_session=` + session, `to=legal@contoso.example/INC-9`, `mutation=sendItems`, `to=legal@contoso.example reason="INC-9: mail them"`, `to="the mailbox's own address"`} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("the audit log lacks %s", want)
				}
			}
		})
	}
}

// TestGeneratingReports: an operator's mailbox protection report (CSV) is
// an export whose download is the REST API's report; a report a version
// lacks names the version that has it, with no call; viewers are
// FORBIDDEN and a period report without its period BAD_USER_INPUT, before
// any call.
func TestGeneratingReports(t *testing.T) {
	t.Parallel()
	report := `mutation($kind: ReportKind!, $format: ExportFormat!, $org: ID) { generateReport(input: {kind: $kind, format: $format, organizationId: $org}) { export { id state format fileName } } }`
	for _, v := range []int{3, 6, 8} {
		var logs testenv.LogBuffer
		g := restoreGateway(t, v, &logs)
		org := g.Sim.OrganizationIDs()[0]
		g.Sim.ResetCalls()
		for _, c := range []struct {
			key, kind, format, code string
		}{
			{viewerKey, "MAILBOX_PROTECTION", "CSV", "FORBIDDEN"},
			{"k3y-portal", "MAILBOX_PROTECTION", "CSV", "FORBIDDEN"},
			{operatorKey, "LICENSE_OVERVIEW", "PDF", "BAD_USER_INPUT"},
			{operatorKey, "TEAMS_PROTECTION", "CSV", "BAD_USER_INPUT"},
			{operatorKey, "MAILBOX_PROTECTION", "PST", "BAD_USER_INPUT"},
		} {
			if r := as(t, g, c.key, "", report, map[string]any{"kind": c.kind, "format": c.format, "org": org}); codeOf(r) != c.code {
				t.Errorf("v%d: %s %s %s: %s, want %s", v, c.key, c.kind, c.format, r.Raw, c.code)
			}
		}
		if v < 8 {
			if r := as(t, g, operatorKey, "", report, map[string]any{"kind": "TEAMS_PROTECTION", "format": "PDF", "org": org}); codeOf(r) != "NOT_SUPPORTED_BY_VERSION" || !strings.Contains(r.Errors[0].Message, "v8") {
				t.Errorf("v%d: a Teams report: %s", v, r.Raw)
			}
		}
		if calls := g.Sim.Calls(); calls["POST /Reports/GenerateTeamsProtection"]+calls["POST /Reports/GenerateMailboxProtection"]+calls["POST /Reports/GenerateLicenseOverview"] != 0 {
			t.Errorf("v%d: refused reports reached the upstream: %v", v, calls)
		}
		r := as(t, g, operatorKey, "", report, map[string]any{"kind": "MAILBOX_PROTECTION", "format": "CSV", "org": org})
		if v < 6 {
			if codeOf(r) != "NOT_SUPPORTED_BY_VERSION" || !strings.Contains(r.Errors[0].Message, "v6") {
				t.Errorf("v%d: a report: %s", v, r.Raw)
			}
			continue
		}
		var d struct{ GenerateReport struct{ Export exportState } }
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		done := awaitExport(t, g, operatorKey, d.GenerateReport.Export.ID)
		status, want := restPost(t, g, fmt.Sprintf("/v%d/Reports/GenerateMailboxProtection", v), fmt.Sprintf(`{"organizationId":%q,"format":"CSV"}`, org))
		resp, got := download(t, g, done.DownloadURL, operatorKey)
		if done.State != "READY" || !strings.HasSuffix(done.FileName, ".csv") || status != 200 || resp.StatusCode != 200 || !bytes.Equal(got, want) || !bytes.Contains(got, []byte("Organization,Object,Protected")) {
			t.Errorf("v%d: %+v; the download (%d) %q, the REST report (%d) %q", v, done, resp.StatusCode, got, status, want)
		}
		if !strings.Contains(logs.String(), `msg=report mutation=generateReport kind=MailboxProtection format=CSV organization=`+org) {
			t.Errorf("v%d: the audit log: %s", v, logs.String())
		}
	}
}

// TestSearchingAMailbox: on v6 and v8 a mailbox's search finds what the
// REST API's search finds, in every folder or in one, paged upstream
// (100 of the 5,000 messages of Archive 2019 in pages of 50: two calls);
// v3 names the version that searches, with no call; another restore
// operator gets NOT_FOUND before any call.
func TestSearchingAMailbox(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 6, 8} {
		g := restoreGateway(t, v, nil)
		session, mailbox, _ := openExchange(t, g)
		search := `query($s: ID!, $m: ID!, $q: String!, $f: String, $after: String) { restoreSession(id: $s) { mailbox(id: $m) {
			search(query: $q, folderId: $f, first: 50, after: $after) { nodes { id: objectId subject } pageInfo { hasNextPage endCursor } } } } }`
		type page struct {
			RestoreSession struct {
				Mailbox struct {
					Search struct {
						Nodes    []struct{ ID, Subject string }
						PageInfo struct {
							HasNextPage bool
							EndCursor   string
						}
					}
				}
			}
		}
		g.Sim.ResetCalls()
		r := as(t, g, "k3y-portal", "", search, map[string]any{"s": session, "m": mailbox, "q": "subject:projects"})
		if v < 6 {
			if codeOf(r) != "NOT_SUPPORTED_BY_VERSION" || !strings.Contains(r.Errors[0].Message, "v6") || searches(g) != 0 {
				t.Errorf("v%d: %s %v", v, r.Raw, g.Sim.Calls())
			}
			continue
		}
		var d page
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		status, body := restPost(t, g, fmt.Sprintf("/v%d/RestoreSessions/%s/organization/mailboxes/%s/search?limit=1000", v, session, mailbox), `{"query":"subject:projects"}`)
		var want struct {
			Results []struct{ ID, Subject string }
		}
		if err := json.Unmarshal(body, &want); err != nil || status != 200 || len(want.Results) == 0 {
			t.Fatalf("v%d: the REST search: %d %v", v, status, err)
		}
		if fmt.Sprint(d.RestoreSession.Mailbox.Search.Nodes) != fmt.Sprint(want.Results) {
			t.Errorf("v%d: found %v, the REST API %v", v, d.RestoreSession.Mailbox.Search.Nodes, want.Results)
		}
		// A folder's: the first 100 of Archive 2019's 5,000, in two pages.
		folders := g.Env.Items(t, fmt.Sprintf("/v%d/RestoreSessions/%s/organization/mailboxes/%s/folders?limit=100", v, session, mailbox), g.Env.Token(t))
		archive := ""
		for _, f := range folders {
			if f["name"] == "Archive 2019" {
				archive = fmt.Sprint(f["id"])
			}
		}
		g.Sim.ResetCalls()
		seen, after := map[string]bool{}, any(nil)
		for range 2 {
			var d page
			r := as(t, g, "k3y-portal", "", search, map[string]any{"s": session, "m": mailbox, "q": "message", "f": archive, "after": after})
			if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
				t.Fatalf("v%d: %v %s", v, err, r.Raw)
			}
			for _, n := range d.RestoreSession.Mailbox.Search.Nodes {
				if !strings.HasPrefix(n.Subject, "Archive 2019 message ") {
					t.Errorf("v%d: found %q in Archive 2019", v, n.Subject)
				}
				seen[n.ID] = true
			}
			after = d.RestoreSession.Mailbox.Search.PageInfo.EndCursor
		}
		if calls := searches(g); len(seen) != 100 || calls != 2 {
			t.Errorf("v%d: two pages gave %d items for %d search calls: %v", v, len(seen), calls, g.Sim.Calls())
		}
		g.Sim.ResetCalls()
		if r := as(t, g, "k3y-helpdesk", "", search, map[string]any{"s": session, "m": mailbox, "q": "x"}); codeOf(r) != "NOT_FOUND" || searches(g) != 0 {
			t.Errorf("v%d: another restore operator searches: %s", v, r.Raw)
		}
	}
}

// searches counts the search calls the simulator answered.
func searches(g *testenv.Gateway) int {
	n := 0
	for route, calls := range g.Sim.Calls() {
		if strings.HasSuffix(route, "/search") {
			n += calls
		}
	}
	return n
}

// TestRestoringAndExportingDocuments: on v3, v6 and v8 a restore operator
// restores two OneDrive documents where they were, asking to overwrite
// what is there (the REST API's events of the session show the two), and exports
// them as a ZIP whose download is the REST API's save; a document the
// folder lacks is NOT_FOUND before any action upstream.
func TestRestoringAndExportingDocuments(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 6, 8} {
		var logs testenv.LogBuffer
		g := restoreGateway(t, v, &logs)
		r := as(t, g, "k3y-portal", "", `mutation($org: ID!) { openRestoreSession(input: {organizationId: $org, kind: ONEDRIVE, reason: "INC-7"}) {
			restoreSession { id oneDrives(first: 1) { nodes { id: objectId documents(first: 2) { nodes { id: objectId name } } } } } } }`, map[string]any{"org": g.Sim.OrganizationIDs()[0]})
		var d struct {
			OpenRestoreSession struct {
				RestoreSession struct {
					ID        string
					OneDrives struct {
						Nodes []struct {
							ID        string
							Documents struct{ Nodes []struct{ ID, Name string } }
						}
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 || len(d.OpenRestoreSession.RestoreSession.OneDrives.Nodes) == 0 {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		rs := d.OpenRestoreSession.RestoreSession
		drive := rs.OneDrives.Nodes[0]
		ids := []string{drive.Documents.Nodes[0].ID, drive.Documents.Nodes[1].ID}
		vars := map[string]any{"s": rs.ID, "d": drive.ID, "docs": ids}
		g.Sim.ResetActions()
		r = as(t, g, "k3y-portal", "", `mutation($s: ID!, $d: ID!, $docs: [ID!]!) { restoreDocuments(input: {restoreSessionId: $s, oneDriveId: $d,
			documentIds: $docs, ifExists: OVERWRITE, account: "contoso", reason: "INC-7: put them back"}) { runsOn createdItems } }`, vars)
		if len(r.Errors) > 0 || (v < 8) != strings.Contains(string(r.Data), `"createdItems":2`) {
			t.Fatalf("v%d: restore: %s", v, r.Raw)
		}
		restored := 0
		for _, e := range g.Env.Items(t, fmt.Sprintf("/v%d/RestoreSessions/%s/Events", v, rs.ID), g.Env.Token(t)) {
			if e["type"] == "Restore" && e["itemType"] == "Document" {
				restored++
			}
		}
		if actions := g.Sim.Actions(); len(actions) != 1 || !strings.Contains(actions[0].Body, `"documentAction":"Overwrite"`) || restored != 2 {
			t.Errorf("v%d: the REST API shows %d documents restored; asked %+v", v, restored, actions)
		}
		r = as(t, g, "k3y-portal", "", `mutation($s: ID!, $d: ID!, $docs: [ID!]!) { exportDocuments(input: {restoreSessionId: $s, oneDriveId: $d,
			documentIds: $docs, reason: "INC-7: a copy"}) { export { id format } } }`, vars)
		var started struct{ ExportDocuments struct{ Export exportState } }
		if err := json.Unmarshal(r.Data, &started); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		done := awaitExport(t, g, "k3y-portal", started.ExportDocuments.Export.ID)
		path, body := fmt.Sprintf("/v%d/RestoreSessions/%s/Organization/OneDrives/%s/Documents/save", v, rs.ID, drive.ID), `{"documents":[{"id":%q},{"id":%q}]}`
		if v < 6 {
			path, body = fmt.Sprintf("/v%d/RestoreSessions/%s/Organization/OneDrives/%s/Documents/Action", v, rs.ID, drive.ID), `{"save":{"documents":[{"id":%q},{"id":%q}],"asZip":true}}`
		}
		status, want := restPost(t, g, path, fmt.Sprintf(body, ids[0], ids[1]))
		resp, got := download(t, g, done.DownloadURL, "k3y-portal")
		if done.State != "READY" || !strings.HasSuffix(done.FileName, ".zip") || status != 200 || resp.StatusCode != 200 || len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("v%d: %+v: the download (%d, %d bytes), the REST save (%d, %d bytes)", v, done, resp.StatusCode, len(got), status, len(want))
		}
		g.Sim.ResetActions()
		for _, m := range []string{"restoreDocuments(input: {restoreSessionId: $s, oneDriveId: $d, documentIds: $docs, ifExists: KEEP, account: \"contoso\", reason: \"x\"}) { runsOn }",
			"exportDocuments(input: {restoreSessionId: $s, oneDriveId: $d, documentIds: $docs, reason: \"x\"}) { export { id } }"} {
			r := as(t, g, "k3y-portal", "", `mutation($s: ID!, $d: ID!, $docs: [ID!]!) { `+m+` }`, map[string]any{"s": rs.ID, "d": drive.ID, "docs": []string{"no-such-document"}})
			if codeOf(r) != "NOT_FOUND" || len(g.Sim.Actions()) != 0 {
				t.Errorf("v%d: an unknown document: %s %v", v, r.Raw, g.Sim.Actions())
			}
		}
		if !strings.Contains(logs.String(), "mutation=restoreDocuments restore_session="+rs.ID+" onedrive="+drive.ID) || !strings.Contains(logs.String(), "if_exists=OVERWRITE") {
			t.Errorf("v%d: the audit log: %s", v, logs.String())
		}
	}
}
