//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// relayCompiled runs the real relay-compiler over relay/App.js against the
// client schema exactly as the gateway serves it at /schema.graphql, with
// nodeId as the Node interface's id field (as the README says to set it
// up), and gives the compiled artifacts' directory.
func relayCompiled(t *testing.T, g *testenv.Gateway) string {
	t.Helper()
	dir := testenv.E2EDir(t)
	work := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	source, err := os.ReadFile(filepath.Join(dir, "relay", "App.js"))
	must(err)
	status, schema := get(t, g.URL+"/schema.graphql")
	if status != http.StatusOK {
		t.Fatalf("GET /schema.graphql: %d %s", status, schema)
	}
	must(os.MkdirAll(filepath.Join(work, "src"), 0o755))
	must(os.WriteFile(filepath.Join(work, "src", "App.js"), source, 0o644))
	must(os.WriteFile(filepath.Join(work, "schema.graphql"), []byte(schema), 0o644))
	must(os.WriteFile(filepath.Join(work, "relay.config.json"), []byte(`{"src": "./src", "schema": "./schema.graphql", "language": "javascript",
		"schemaConfig": {"nodeInterfaceIdField": "nodeId"}}`), 0o644))
	cmd := exec.Command("node", filepath.Join(dir, "node_modules", "relay-compiler", "cli.js"))
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("relay-compiler: %v\n%s", err, out)
	}
	return filepath.Join(work, "src", "__generated__")
}

// TestRelayCompilerAndRefetch: relay-compiler takes /schema.graphql as it
// is and compiles a refetchable fragment and a paginated one; the queries it
// writes run against the gateway: a job refetched by its nodeId, and
// Contoso's 60 users walked page by page through node(id:), each once.
func TestRelayCompilerAndRefetch(t *testing.T) {
	g := testenv.Start(t, testenv.Options{Version: 8})
	generated := relayCompiled(t, g)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	text := func(name string) (query, nodeVar string) {
		b, err := os.ReadFile(filepath.Join(generated, name+".graphql.js"))
		must(err)
		m := regexp.MustCompile(`"text": ("(?:[^"\\]|\\.)*")`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s has no query text", name)
		}
		must(json.Unmarshal(m[1], &query))
		if v := regexp.MustCompile(`node\(id: \$(\w+)\)`).FindStringSubmatch(query); v != nil {
			nodeVar = v[1]
		}
		return query, nodeVar
	}

	run := func(query string, vars map[string]any, into any) {
		t.Helper()
		r := g.Do(t, query, vars)
		if len(r.Errors) > 0 {
			t.Fatalf("%s", r.Raw)
		}
		must(json.Unmarshal(r.Data, into))
	}
	appQuery, _ := text("AppQuery")
	var app struct {
		Jobs          struct{ Nodes []struct{ NodeID string } }
		Organizations struct{ Nodes []struct{ NodeID string } }
	}
	run(appQuery, nil, &app)

	refetch, idVar := text("AppJobCardRefetchQuery")
	var job struct {
		Node struct {
			Typename string `json:"__typename"`
			Name     string
			NodeID   string
		}
	}
	run(refetch, map[string]any{idVar: app.Jobs.Nodes[0].NodeID}, &job)
	if job.Node.Typename != "Job" || job.Node.Name == "" || job.Node.NodeID != app.Jobs.Nodes[0].NodeID {
		t.Errorf("the refetched job: %+v", job.Node)
	}

	paginate, idVar := text("AppUsersPaginationQuery")
	seen := map[string]bool{}
	var cursor any
	for page := 0; ; page++ {
		if page > 9 {
			t.Fatal("more than 9 pages of 7 users")
		}
		var org struct {
			Node struct {
				Users struct {
					Edges    []struct{ Node struct{ ID string } }
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
		}
		run(paginate, map[string]any{idVar: app.Organizations.Nodes[0].NodeID, "count": 7, "cursor": cursor}, &org)
		for _, e := range org.Node.Users.Edges {
			if seen[e.Node.ID] {
				t.Errorf("user %s twice", e.Node.ID)
			}
			seen[e.Node.ID] = true
		}
		if !org.Node.Users.PageInfo.HasNextPage {
			break
		}
		cursor = org.Node.Users.PageInfo.EndCursor
	}
	if want := len(g.Sim.DirectoryIDs(g.Sim.OrganizationIDs()[0], "User")); len(seen) != want {
		t.Errorf("Relay's pagination walked %d users, want %d", len(seen), want)
	}
}

// TestRelayStoreKeepsEachSessionsObjects: the real relay-runtime loads a
// failed session and another session of the same objects into one
// normalised store; reading the store back gives each session's objects
// with that session's statuses, and Relay warns of no conflicting record.
// (When a processed object's id was the object's, the failed session's
// failed objects read back as SUCCESS.)
func TestRelayStoreKeepsEachSessionsObjects(t *testing.T) {
	g := testenv.Start(t, testenv.Options{Version: 8})
	generated := relayCompiled(t, g)

	type objects struct {
		Status           string
		ProcessedObjects struct {
			Nodes []struct{ ID, ObjectID, Status string }
		}
	}
	statuses := func(s objects) map[string]string {
		out := map[string]string{}
		for _, o := range s.ProcessedObjects.Nodes {
			out[o.ObjectID] = o.Status
		}
		return out
	}
	const query = `query($id: ID!) { jobSession(id: $id) { status processedObjects(first: 100) { nodes { id objectId status } } } }`
	ask := func(id string) objects {
		r := g.Do(t, query, map[string]any{"id": id})
		var d struct{ JobSession objects }
		if err := json.Unmarshal(r.Data, &d); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%v %s", err, r.Raw)
		}
		return d.JobSession
	}
	failedID := g.Sim.SessionIDsWithStatus("Failed")[0]
	failed := statuses(ask(failedID))
	// Another session in which some of the same objects ended otherwise:
	// without one this test could not fail.
	var otherID string
	var other map[string]string
	for _, id := range g.Sim.SessionIDsWithStatus("Success") {
		other = statuses(ask(id))
		for objectID, status := range other {
			if s, ok := failed[objectID]; ok && s != status {
				otherID = id
			}
		}
		if otherID != "" {
			break
		}
	}
	if otherID == "" {
		t.Fatal("no successful session shares an object with the failed one under another status")
	}

	vars, _ := json.Marshal(map[string]string{"failed": failedID, "other": otherID})
	cmd := exec.Command("node", filepath.Join(testenv.E2EDir(t), "relay-store.mjs"),
		filepath.Join(generated, "AppSessionsQuery.graphql.js"), g.URL+"/graphql", string(vars))
	cmd.Dir = testenv.E2EDir(t)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("relay-store.mjs: %v\n%s%s", err, out, stderr.String())
	}
	var store struct {
		Data struct {
			Failed, Other objects
		}
		Warnings []string
	}
	if err := json.Unmarshal(out, &store); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, w := range store.Warnings {
		t.Errorf("relay-runtime warned: %s", w)
	}
	for name, c := range map[string]struct {
		read objects
		want map[string]string
	}{"failed": {store.Data.Failed, failed}, "other": {store.Data.Other, other}} {
		got := statuses(c.read)
		if len(got) != len(c.want) {
			t.Errorf("the %s session reads back %d objects from the store, want %d", name, len(got), len(c.want))
		}
		for objectID, status := range c.want {
			if got[objectID] != status {
				t.Errorf("the %s session's object %s reads back from the store as %q, want %q", name, objectID, got[objectID], status)
			}
		}
	}
}
