//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// TestRelayCompilerAndRefetch: the real relay-compiler compiles a
// refetchable fragment and a paginated one against the client schema, with
// nodeId as the Node interface's id field (as the README says to set it
// up); the queries it writes run against the gateway: a job refetched by
// its nodeId, and Contoso's 60 users walked page by page through
// node(id:), each once.
func TestRelayCompilerAndRefetch(t *testing.T) {
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
	must(os.MkdirAll(filepath.Join(work, "src"), 0o755))
	must(os.WriteFile(filepath.Join(work, "src", "App.js"), source, 0o644))
	must(os.WriteFile(filepath.Join(work, "schema.graphql"), []byte(graph.ClientSchema()), 0o644))
	must(os.WriteFile(filepath.Join(work, "relay.config.json"), []byte(`{"src": "./src", "schema": "./schema.graphql", "language": "javascript",
		"schemaConfig": {"nodeInterfaceIdField": "nodeId"}}`), 0o644))
	cmd := exec.Command("node", filepath.Join(dir, "node_modules", "relay-compiler", "cli.js"))
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("relay-compiler: %v\n%s", err, out)
	}
	text := func(name string) (query, nodeVar string) {
		b, err := os.ReadFile(filepath.Join(work, "src", "__generated__", name+".graphql.js"))
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

	g := testenv.Start(t, testenv.Options{Version: 8})
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
