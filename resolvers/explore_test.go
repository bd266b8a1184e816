package resolvers_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// TestRestoreSessionsOfOnesOwn: on v3, v6 and v8 a restore operator opens
// an Exchange session (a repeat with the same clientMutationId gives the
// same session and explores once), the REST API shows it working; another
// restore operator is told it does not exist and cannot close it; its owner
// closes it and the REST API shows it stopped. Viewers and job operators
// are FORBIDDEN before any upstream call; every attempt is audited with its
// reason.
func TestRestoreSessionsOfOnesOwn(t *testing.T) {
	t.Parallel()
	keys, err := access.ParseKeys([]string{"k3y-portal restore-operator portal", "k3y-helpdesk restore-operator helpdesk",
		operatorKey + " operator ops-console", viewerKey + " viewer dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{3, 6, 8} {
		var logs testenv.LogBuffer
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true, Logs: &logs, Handler: func(o *graphqlhttp.Options) { o.Gate = &access.Gate{Keys: keys} }})
		org := g.Sim.OrganizationIDs()[0]
		open := `mutation($org: ID!) { openRestoreSession(input: {organizationId: $org, kind: EXCHANGE, pointInTime: "2026-10-30T00:00:00Z",
			showDeleted: true, reason: "INC-4711: lost mail", clientMutationId: "open-1"}) { clientMutationId restoreSession { id type state organization { name } } } }`
		var ids []string
		for range 2 {
			r := as(t, g, "k3y-portal", "", open, map[string]any{"org": org})
			var d struct {
				OpenRestoreSession struct {
					RestoreSession struct{ ID, Type, State string }
				}
			}
			if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
				t.Fatalf("v%d: %v %s", v, err, r.Raw)
			}
			rs := d.OpenRestoreSession.RestoreSession
			if rs.Type != "EXCHANGE" || rs.State != "WORKING" {
				t.Errorf("v%d: opened %+v", v, rs)
			}
			ids = append(ids, rs.ID)
		}
		explores := 0
		for _, a := range g.Sim.Actions() {
			if strings.HasSuffix(strings.ToLower(a.Path), "/explore") || strings.HasSuffix(strings.ToLower(a.Path), "/action") {
				explores++
			}
		}
		if ids[0] != ids[1] || explores != 1 {
			t.Errorf("v%d: the same clientMutationId twice gave %v with %d explores", v, ids, explores)
		}
		id := ids[0]
		state := func() string {
			_, body := g.Env.Get(t, fmt.Sprintf("/v%d/RestoreSessions/%s", v, id), g.Env.Token(t))
			var rs struct{ State string }
			_ = json.Unmarshal([]byte(body), &rs)
			return rs.State
		}
		if s := state(); s != "Working" {
			t.Errorf("v%d: the REST API says the session is %q", v, s)
		}

		closeSession := `mutation($id: ID!) { closeRestoreSession(input: {id: $id}) { restoreSession { id state } } }`
		g.Sim.ResetActions()
		g.Sim.ResetCalls()
		if r := as(t, g, "k3y-helpdesk", "", closeSession, map[string]any{"id": id}); codeOf(r) != "NOT_FOUND" || len(g.Sim.Actions()) != 0 || g.Sim.DataCalls() != 0 {
			t.Errorf("v%d: another restore operator's close: %s %+v", v, r.Raw, g.Sim.Actions())
		}
		for _, key := range []string{viewerKey, operatorKey} {
			if r := as(t, g, key, "", open, map[string]any{"org": org}); codeOf(r) != "FORBIDDEN" {
				t.Errorf("v%d: %s opens: %s", v, key, r.Raw)
			}
		}
		if g.Sim.DataCalls() != 0 {
			t.Errorf("v%d: refused callers reached the upstream: %v", v, g.Sim.Calls())
		}
		r := as(t, g, "k3y-portal", "", closeSession, map[string]any{"id": id})
		if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"state":"STOPPED"`) || state() != "Stopped" || len(g.Sim.Actions()) != 1 {
			t.Errorf("v%d: the owner's close: %s; the REST API says %q; %+v", v, r.Raw, state(), g.Sim.Actions())
		}
		for _, want := range []string{`msg="restore action" mutation=openRestoreSession organization=` + org + ` kind=Vex point_in_time=2026-10-30T00:00:00Z reason="INC-4711: lost mail" who=portal`,
			"mutation=closeRestoreSession restore_session=" + id + " who=helpdesk", "role=operator outcome=forbidden", "mutation=closeRestoreSession restore_session=" + id + " who=portal via=api-key role=restore-operator outcome=done"} {
			if !strings.Contains(logs.String(), want) {
				t.Errorf("v%d: the audit log lacks %s:\n%s", v, want, logs.String())
			}
		}
	}
}

// TestBrowsingAMailbox: inside an Exchange session its owner sees the
// mailboxes and folders the REST API lists, and walks a folder of 5,000
// items in pages of 100 for 50 calls, each item once; another restore
// operator gets NOT_FOUND and a job operator FORBIDDEN, before any call.
func TestBrowsingAMailbox(t *testing.T) {
	t.Parallel()
	keys, err := access.ParseKeys([]string{"k3y-portal restore-operator portal", "k3y-helpdesk restore-operator helpdesk", operatorKey + " operator ops-console"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{3, 6, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true, Handler: func(o *graphqlhttp.Options) { o.Gate = &access.Gate{Keys: keys} }})
		r := as(t, g, "k3y-portal", "", `mutation($org: ID!) { openRestoreSession(input: {organizationId: $org, kind: EXCHANGE, reason: "INC-1"}) { restoreSession { id } } }`,
			map[string]any{"org": g.Sim.OrganizationIDs()[0]})
		var opened struct {
			OpenRestoreSession struct{ RestoreSession struct{ ID string } }
		}
		if err := json.Unmarshal(r.Data, &opened); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		session := opened.OpenRestoreSession.RestoreSession.ID
		rest := func(path string) []map[string]any {
			return g.Env.Items(t, fmt.Sprintf("/v%d/RestoreSessions/%s/organization/mailboxes%s", v, session, path), g.Env.Token(t))
		}
		r = as(t, g, "k3y-portal", "", `query($id: ID!) { restoreSession(id: $id) { mailboxes(first: 200) { nodes { id: objectId name email isArchive
			folders(first: 10) { nodes { id: objectId name category } } } } } }`, map[string]any{"id": session})
		var d struct {
			RestoreSession struct {
				Mailboxes struct {
					Nodes []struct {
						ID, Name string
						Folders  struct{ Nodes []struct{ ID, Name string } }
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %.500s", v, err, r.Raw)
		}
		mailboxes := d.RestoreSession.Mailboxes.Nodes
		want := rest("?limit=1000")
		if len(mailboxes) == 0 || len(mailboxes) != len(want) {
			t.Fatalf("v%d: %d mailboxes, the REST API lists %d", v, len(mailboxes), len(want))
		}
		for i, mb := range mailboxes {
			if mb.ID != want[i]["id"] || mb.Name != want[i]["name"] {
				t.Errorf("v%d: mailbox %d is %s, the REST API says %v", v, i, mb.Name, want[i]["name"])
			}
		}
		first := mailboxes[0]
		folders := rest("/" + first.ID + "/folders?limit=100")
		archive := ""
		for i, f := range first.Folders.Nodes {
			if i >= len(folders) || f.ID != folders[i]["id"] {
				t.Errorf("v%d: folder %d is %s, the REST API says %v", v, i, f.Name, folders)
			}
			if f.Name == "Archive 2019" {
				archive = f.ID
			}
		}

		seen := map[string]bool{}
		after := ""
		g.Sim.ResetCalls()
		for {
			r := as(t, g, "k3y-portal", "", `query($id: ID!, $after: String, $folder: String) { restoreSession(id: $id) { mailboxes(first: 1) { nodes {
				items(folderId: $folder, first: 100, after: $after) { nodes { id: objectId subject } pageInfo { hasNextPage endCursor } } } } } }`,
				map[string]any{"id": session, "after": after, "folder": archive})
			var p struct {
				RestoreSession struct {
					Mailboxes struct {
						Nodes []struct {
							Items struct {
								Nodes    []struct{ ID, Subject string }
								PageInfo struct {
									HasNextPage bool
									EndCursor   string
								}
							}
						}
					}
				}
			}
			if err := json.Unmarshal(r.Data, &p); err != nil || len(r.Errors) > 0 || len(p.RestoreSession.Mailboxes.Nodes) != 1 {
				t.Fatalf("v%d: %v %.500s", v, err, r.Raw)
			}
			items := p.RestoreSession.Mailboxes.Nodes[0].Items
			for _, it := range items.Nodes {
				if seen[it.ID] || it.Subject == "" {
					t.Fatalf("v%d: item %s twice, or without a subject", v, it.ID)
				}
				seen[it.ID] = true
			}
			if !items.PageInfo.HasNextPage {
				break
			}
			after = items.PageInfo.EndCursor
		}
		calls := g.Sim.Calls()["GET /RestoreSessions/{id}/organization/mailboxes/{id}/items"]
		t.Logf("v%d: 5,000 items in pages of 100: %d item calls, %v", v, calls, g.Sim.Calls())
		if len(seen) != 5000 || calls != 50 {
			t.Errorf("v%d: %d items in %d calls, want 5000 in 50", v, len(seen), calls)
		}

		g.Sim.ResetCalls()
		q := `query($id: ID!) { restoreSession(id: $id) { mailboxes { nodes { name } } } }`
		if r := as(t, g, "k3y-helpdesk", "", q, map[string]any{"id": session}); !strings.Contains(string(r.Raw), "NOT_FOUND") {
			t.Errorf("v%d: another restore operator: %s", v, r.Raw)
		}
		if r := as(t, g, operatorKey, "", q, map[string]any{"id": session}); !strings.Contains(string(r.Raw), "FORBIDDEN") {
			t.Errorf("v%d: a job operator: %s", v, r.Raw)
		}
		if n := g.Sim.Calls()["GET /RestoreSessions/{id}/organization/mailboxes"]; n != 0 {
			t.Errorf("v%d: refused callers cost %d mailbox calls", v, n)
		}

		// Once the session has ended on the server, browsing it says so,
		// however often, and the server stays usable (its breaker shut).
		if r := as(t, g, "k3y-portal", "", `mutation($id: ID!) { closeRestoreSession(input: {id: $id}) { restoreSession { state } } }`, map[string]any{"id": session}); len(r.Errors) > 0 {
			t.Fatalf("v%d: close: %s", v, r.Raw)
		}
		for range 10 {
			if r := as(t, g, "k3y-portal", "", q, map[string]any{"id": session}); codeOf(r) != "RESTORE_SESSION_EXPIRED" {
				t.Fatalf("v%d: browsing an ended session: %s", v, r.Raw)
			}
		}
		if r := as(t, g, "k3y-portal", "", `{ jobs(first: 1) { nodes { name } } }`, nil); len(r.Errors) > 0 {
			t.Errorf("v%d: after ten expired sessions the server is refused: %s", v, r.Raw)
		}
	}
}

// TestIdleRestoreSessionsAreStopped: a session nobody uses for the idle
// timeout is stopped on the server by the gateway, and the stop audited;
// one its owner keeps browsing is not.
func TestIdleRestoreSessionsAreStopped(t *testing.T) {
	t.Parallel()
	keys, err := access.ParseKeys([]string{"k3y-portal restore-operator portal"})
	if err != nil {
		t.Fatal(err)
	}
	var logs testenv.LogBuffer
	g := testenv.Start(t, testenv.Options{Version: 8, Unshared: true, Logs: &logs, Env: map[string]string{"VB365_RESTORE_IDLE_TIMEOUT": "400ms"},
		Handler: func(o *graphqlhttp.Options) { o.Gate = &access.Gate{Keys: keys} }})
	open := func() string {
		r := as(t, g, "k3y-portal", "", `mutation($org: ID!) { openRestoreSession(input: {organizationId: $org, kind: EXCHANGE, reason: "INC-2"}) { restoreSession { id } } }`,
			map[string]any{"org": g.Sim.OrganizationIDs()[0]})
		var d struct {
			OpenRestoreSession struct{ RestoreSession struct{ ID string } }
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%v %s", err, r.Raw)
		}
		return d.OpenRestoreSession.RestoreSession.ID
	}
	state := func(id string) string {
		_, body := g.Env.Get(t, "/v8/RestoreSessions/"+id, g.Env.Token(t))
		var rs struct{ State string }
		_ = json.Unmarshal([]byte(body), &rs)
		return rs.State
	}
	left, used := open(), open()
	deadline := time.Now().Add(testenv.Bound(5 * time.Second))
	for state(left) != "Stopped" {
		if time.Now().After(deadline) {
			t.Fatalf("a session left alone is %s after %v", state(left), testenv.Bound(5*time.Second))
		}
		if r := as(t, g, "k3y-portal", "", `query($id: ID!) { restoreSession(id: $id) { mailboxes(first: 1) { nodes { name } } } }`, map[string]any{"id": used}); len(r.Errors) > 0 {
			t.Fatalf("browsing: %s", r.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if s := state(used); s != "Working" {
		t.Errorf("a session in use was stopped: %s", s)
	}
	if !strings.Contains(logs.String(), `msg="restore action" mutation=idleStop restore_session=`+left) {
		t.Errorf("the idle stop is not audited:\n%s", logs.String())
	}
}

// TestBrowsingAOneDrive: inside a OneDrive session its owner sees the
// OneDrives, folders and documents the REST API lists, on v3, v6 and v8;
// a job operator is FORBIDDEN.
func TestBrowsingAOneDrive(t *testing.T) {
	t.Parallel()
	keys, err := access.ParseKeys([]string{"k3y-portal restore-operator portal", operatorKey + " operator ops-console"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{3, 6, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true, Handler: func(o *graphqlhttp.Options) { o.Gate = &access.Gate{Keys: keys} }})
		r := as(t, g, "k3y-portal", "", `mutation($org: ID!) { openRestoreSession(input: {organizationId: $org, kind: ONEDRIVE, reason: "INC-3"}) { restoreSession { id type } } }`,
			map[string]any{"org": g.Sim.OrganizationIDs()[0]})
		var opened struct {
			OpenRestoreSession struct{ RestoreSession struct{ ID, Type string } }
		}
		if err := json.Unmarshal(r.Data, &opened); err != nil || len(r.Errors) > 0 || opened.OpenRestoreSession.RestoreSession.Type != "ONEDRIVE" {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		session := opened.OpenRestoreSession.RestoreSession.ID
		rest := func(path string) []string {
			var names []string
			for _, e := range g.Env.Items(t, fmt.Sprintf("/v%d/RestoreSessions/%s/Organization/OneDrives%s", v, session, path), g.Env.Token(t)) {
				names = append(names, fmt.Sprint(e["id"], " ", e["name"]))
			}
			return names
		}
		r = as(t, g, "k3y-portal", "", `query($id: ID!) { restoreSession(id: $id) { oneDrives(first: 60) { nodes { id: objectId name url
			folders(first: 10) { nodes { id: objectId name isFolder } } documents(first: 20) { nodes { id: objectId name sizeBytes modified } } } } } }`, map[string]any{"id": session})
		var d struct {
			RestoreSession struct {
				OneDrives struct {
					Nodes []struct {
						ID, Name  string
						Folders   struct{ Nodes []struct{ ID, Name string } }
						Documents struct {
							Nodes []struct {
								ID, Name  string
								SizeBytes int64
							}
						}
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %.500s", v, err, r.Raw)
		}
		drives := d.RestoreSession.OneDrives.Nodes
		var got []string
		for _, od := range drives {
			got = append(got, od.ID+" "+od.Name)
		}
		if len(drives) == 0 || fmt.Sprint(got) != fmt.Sprint(rest("?limit=1000")) {
			t.Fatalf("v%d: OneDrives %v, the REST API lists %v", v, got, rest("?limit=1000"))
		}
		first := drives[0]
		got = nil
		for _, f := range first.Folders.Nodes {
			got = append(got, f.ID+" "+f.Name)
		}
		if fmt.Sprint(got) != fmt.Sprint(rest("/"+first.ID+"/Folders")) {
			t.Errorf("v%d: folders %v, the REST API lists %v", v, got, rest("/"+first.ID+"/Folders"))
		}
		got = nil
		for _, doc := range first.Documents.Nodes {
			got = append(got, doc.ID+" "+doc.Name)
			if doc.SizeBytes <= 0 {
				t.Errorf("v%d: %s has no size", v, doc.Name)
			}
		}
		if len(got) == 0 || fmt.Sprint(got) != fmt.Sprint(rest("/"+first.ID+"/Documents")) {
			t.Errorf("v%d: documents %v, the REST API lists %v", v, got, rest("/"+first.ID+"/Documents"))
		}
		if r := as(t, g, operatorKey, "", `query($id: ID!) { restoreSession(id: $id) { oneDrives { nodes { name } } } }`, map[string]any{"id": session}); !strings.Contains(string(r.Raw), "FORBIDDEN") {
			t.Errorf("v%d: a job operator: %s", v, r.Raw)
		}
	}
}

// TestBrowsingSitesAndTeams: inside a SharePoint session its owner sees the
// sites, and a site's libraries, lists, folders, documents (at the top and
// in a folder) and list items, as the REST API lists them; inside a Teams
// session (v6+; v3 names the version) the teams, a team's channels and a
// channel's posts, files and tabs, likewise. A job operator is FORBIDDEN.
func TestBrowsingSitesAndTeams(t *testing.T) {
	t.Parallel()
	keys, err := access.ParseKeys([]string{"k3y-portal restore-operator portal", operatorKey + " operator ops-console"})
	if err != nil {
		t.Fatal(err)
	}
	names := func(nodes []map[string]any, key string) string {
		var out []string
		for _, n := range nodes {
			out = append(out, fmt.Sprint(n[key]))
		}
		return strings.Join(out, "|")
	}
	for _, v := range []int{3, 6, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true, Handler: func(o *graphqlhttp.Options) { o.Gate = &access.Gate{Keys: keys} }})
		open := func(kind string) string {
			r := as(t, g, "k3y-portal", "", `mutation($org: ID!, $kind: RestoreKind!) { openRestoreSession(input: {organizationId: $org, kind: $kind, reason: "INC-2"}) { restoreSession { id } } }`,
				map[string]any{"org": g.Sim.OrganizationIDs()[0], "kind": kind})
			var d struct {
				OpenRestoreSession struct{ RestoreSession struct{ ID string } }
			}
			if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
				t.Fatalf("v%d: %v %s", v, err, r.Raw)
			}
			return d.OpenRestoreSession.RestoreSession.ID
		}
		rest := func(path string) []map[string]any {
			return g.Env.Items(t, fmt.Sprintf("/v%d/RestoreSessions/%s", v, path), g.Env.Token(t))
		}

		session := open("SHAREPOINT")
		r := as(t, g, "k3y-portal", "", `query($id: ID!) { restoreSession(id: $id) { sites(first: 1) { nodes { id: objectId name url
			libraries { nodes { name } } lists { nodes { name } } folders { nodes { id: objectId name } } documents { nodes { name } } items { nodes { title } } } } } }`,
			map[string]any{"id": session})
		var d struct {
			RestoreSession struct {
				Sites struct {
					Nodes []struct {
						ID, Name, URL                               string
						Libraries, Lists, Folders, Documents, Items struct{ Nodes []map[string]any }
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 || len(d.RestoreSession.Sites.Nodes) != 1 {
			t.Fatalf("v%d: %v %.600s", v, err, r.Raw)
		}
		site := d.RestoreSession.Sites.Nodes[0]
		path := session + "/Organization/Sites/" + site.ID
		for _, c := range []struct {
			got  []map[string]any
			key  string
			path string
		}{
			{site.Libraries.Nodes, "name", path + "/Libraries"}, {site.Lists.Nodes, "name", path + "/Lists"}, {site.Folders.Nodes, "name", path + "/Folders"},
			{site.Documents.Nodes, "name", path + "/Documents"}, {site.Items.Nodes, "title", path + "/Items"},
		} {
			if want := rest(c.path); len(want) == 0 || names(c.got, c.key) != names(want, c.key) {
				t.Errorf("v%d: %s: %s, the REST API %s", v, c.path, names(c.got, c.key), names(want, c.key))
			}
		}
		r = as(t, g, "k3y-portal", "", `query($id: ID!, $folder: String!) { restoreSession(id: $id) { sites(first: 1) { nodes { documents(parentId: $folder) { nodes { name } } } } } }`,
			map[string]any{"id": session, "folder": site.Folders.Nodes[0]["id"]})
		if want := rest(path + "/Documents?parentId=" + url.QueryEscape(fmt.Sprint(site.Folders.Nodes[0]["id"]))); len(want) == 0 || !strings.Contains(string(r.Data), fmt.Sprint(want[0]["name"])) {
			t.Errorf("v%d: a folder's documents: %s, the REST API %v", v, r.Raw, want)
		}
		if r := as(t, g, operatorKey, "", `query($id: ID!) { restoreSession(id: $id) { sites { nodes { id: objectId } } } }`, map[string]any{"id": session}); codeOf(r) != "FORBIDDEN" {
			t.Errorf("v%d: a job operator sees the sites: %s", v, r.Raw)
		}

		session = open("TEAMS")
		r = as(t, g, "k3y-portal", "", `query($id: ID!) { restoreSession(id: $id) { teams(first: 1) { nodes { id: objectId displayName
			channels(first: 1) { nodes { id: objectId displayName posts { nodes { subject author replyTo } } files { nodes { name } } tabs { nodes { displayName } } } } } } } }`,
			map[string]any{"id": session})
		if v < 6 {
			if codeOf(r) != "NOT_SUPPORTED_BY_VERSION" || !strings.Contains(r.Errors[0].Message, "v6") {
				t.Errorf("v%d: teams: %s", v, r.Raw)
			}
			continue
		}
		var teams struct {
			RestoreSession struct {
				Teams struct {
					Nodes []struct {
						ID       string
						Channels struct {
							Nodes []struct {
								ID, DisplayName    string
								Posts, Files, Tabs struct{ Nodes []map[string]any }
							}
						}
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &teams); err != nil || len(r.Errors) > 0 || len(teams.RestoreSession.Teams.Nodes) != 1 {
			t.Fatalf("v%d: %v %.600s", v, err, r.Raw)
		}
		team := teams.RestoreSession.Teams.Nodes[0]
		channel := team.Channels.Nodes[0]
		base := session + "/organization/teams/" + team.ID
		for _, c := range []struct {
			got  []map[string]any
			key  string
			path string
		}{
			{channel.Posts.Nodes, "subject", base + "/posts?channelId=" + url.QueryEscape(channel.ID)},
			{channel.Files.Nodes, "name", base + "/files?channelId=" + url.QueryEscape(channel.ID)},
			{channel.Tabs.Nodes, "displayName", base + "/channels/" + url.PathEscape(channel.ID) + "/tabs"},
		} {
			if want := rest(c.path); len(want) == 0 || names(c.got, c.key) != names(want, c.key) {
				t.Errorf("v%d: %s: %s, the REST API %s", v, c.path, names(c.got, c.key), names(want, c.key))
			}
		}
		replies := 0
		for _, p := range channel.Posts.Nodes {
			if p["replyTo"] != nil {
				replies++
			}
		}
		if replies == 0 {
			t.Errorf("v%d: no post is a reply: %v", v, channel.Posts.Nodes)
		}
	}
}

// TestBrowsedRecordsAreOnePerRestoreSession: two restore sessions over one
// organization show the same site and folder (the same ids on the server,
// objectId) as records of their own (id), so that a normalising cache keeps
// each session's contents apart; a browsing argument takes either id, with
// the same answer.
func TestBrowsedRecordsAreOnePerRestoreSession(t *testing.T) {
	t.Parallel()
	keys, err := access.ParseKeys([]string{"k3y-portal restore-operator portal"})
	if err != nil {
		t.Fatal(err)
	}
	g := testenv.Start(t, testenv.Options{Version: 8, Handler: func(o *graphqlhttp.Options) { o.Gate = &access.Gate{Keys: keys} }})
	type record struct{ ID, ObjectID, Name string }
	browse := func(at string) (site record, folder record, documents string) {
		r := as(t, g, "k3y-portal", "", `mutation($org: ID!, $at: DateTime) { openRestoreSession(input: {organizationId: $org, kind: SHAREPOINT, pointInTime: $at, reason: "INC-3"}) { restoreSession { id } } }`,
			map[string]any{"org": g.Sim.OrganizationIDs()[0], "at": at})
		var opened struct {
			OpenRestoreSession struct{ RestoreSession struct{ ID string } }
		}
		if err := json.Unmarshal(r.Data, &opened); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%v %s", err, r.Raw)
		}
		session := opened.OpenRestoreSession.RestoreSession.ID
		r = as(t, g, "k3y-portal", "", `query($id: ID!) { restoreSession(id: $id) { sites(first: 1) { nodes { id objectId name folders(first: 1) { nodes { id objectId name } } } } } }`,
			map[string]any{"id": session})
		var d struct {
			RestoreSession struct {
				Sites struct {
					Nodes []struct {
						record
						Folders struct{ Nodes []record }
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 || len(d.RestoreSession.Sites.Nodes) != 1 || len(d.RestoreSession.Sites.Nodes[0].Folders.Nodes) != 1 {
			t.Fatalf("%v %.600s", err, r.Raw)
		}
		site, folder = d.RestoreSession.Sites.Nodes[0].record, d.RestoreSession.Sites.Nodes[0].Folders.Nodes[0]
		for _, parent := range []string{folder.ID, folder.ObjectID} {
			r := as(t, g, "k3y-portal", "", `query($id: ID!, $parent: String) { restoreSession(id: $id) { sites(first: 1) { nodes { documents(parentId: $parent) { nodes { name } } } } } }`,
				map[string]any{"id": session, "parent": parent})
			if len(r.Errors) > 0 || !strings.Contains(string(r.Data), ".docx") || (documents != "" && string(r.Data) != documents) {
				t.Errorf("the folder's documents by %s: %s (by the other id: %s)", parent, r.Data, documents)
			}
			documents = string(r.Data)
		}
		return site, folder, documents
	}
	site1, folder1, _ := browse("2026-11-20T00:00:00Z")
	site2, folder2, _ := browse("2026-11-27T00:00:00Z")
	if site1.ObjectID != site2.ObjectID || folder1.ObjectID != folder2.ObjectID {
		t.Fatalf("the sessions show different sites or folders: %+v %+v, %+v %+v", site1, site2, folder1, folder2)
	}
	if site1.ID == site2.ID || folder1.ID == folder2.ID || site1.ID == site1.ObjectID {
		t.Errorf("one record for two sessions' site or folder: site %s / %s, folder %s / %s", site1.ID, site2.ID, folder1.ID, folder2.ID)
	}
}

// TestDocumentVersions: a OneDrive document's backed-up versions are what
// the REST API lists (v6+), newest first; v3 names the version that has
// them.
func TestDocumentVersions(t *testing.T) {
	t.Parallel()
	keys, err := access.ParseKeys([]string{"k3y-portal restore-operator portal"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{3, 8} {
		g := testenv.Start(t, testenv.Options{Version: v, Unshared: true, Handler: func(o *graphqlhttp.Options) { o.Gate = &access.Gate{Keys: keys} }})
		r := as(t, g, "k3y-portal", "", `mutation($org: ID!) { openRestoreSession(input: {organizationId: $org, kind: ONEDRIVE, reason: "INC-3"}) {
			restoreSession { id oneDrives(first: 1) { nodes { id: objectId documents(first: 1) { nodes { id: objectId versions { nodes { version modified } } } } } } } } }`,
			map[string]any{"org": g.Sim.OrganizationIDs()[0]})
		if v < 6 {
			if codeOf(r) != "NOT_SUPPORTED_BY_VERSION" || !strings.Contains(r.Errors[0].Message, "v6") {
				t.Errorf("v%d: %s", v, r.Raw)
			}
			continue
		}
		var d struct {
			OpenRestoreSession struct {
				RestoreSession struct {
					ID        string
					OneDrives struct {
						Nodes []struct {
							ID        string
							Documents struct {
								Nodes []struct {
									ID       string
									Versions struct{ Nodes []map[string]any }
								}
							}
						}
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("v%d: %v %s", v, err, r.Raw)
		}
		rs := d.OpenRestoreSession.RestoreSession
		drive := rs.OneDrives.Nodes[0]
		doc := drive.Documents.Nodes[0]
		want := g.Env.Items(t, fmt.Sprintf("/v%d/RestoreSessions/%s/Organization/OneDrives/%s/Documents/%s/Versions", v, rs.ID, drive.ID, url.PathEscape(doc.ID)), g.Env.Token(t))
		var got, wanted []string
		for _, n := range doc.Versions.Nodes {
			got = append(got, fmt.Sprint(n["version"]))
		}
		for _, n := range want {
			wanted = append(wanted, fmt.Sprint(n["version"]))
		}
		if len(got) != 3 || fmt.Sprint(got) != fmt.Sprint(wanted) || got[0] != "3.0" {
			t.Errorf("v%d: versions %v, the REST API %v", v, got, wanted)
		}
	}
}
