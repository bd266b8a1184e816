//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// TestToolsReadTheSchemaFromTheURL: the tools a frontend developer points
// at the gateway's URL, on this machine's Node (20): graphql-codegen writes
// the schema and TypeScript types from it; graphql-inspector introspects it,
// and finds no breaking change from the committed client schema to the
// served one; and Node's fetch, offering every encoding it is asked to
// (zstd too), reads an answer it can decode.
func TestToolsReadTheSchemaFromTheURL(t *testing.T) {
	g := testenv.Start(t, testenv.Options{Version: 8})
	dir := testenv.E2EDir(t)
	work := t.TempDir()
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(dir, "node_modules", ".bin", name), args...)
		cmd.Dir = dir // where the plugins are found
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(work, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	config, _ := json.Marshal(map[string]any{"schema": g.URL + "/graphql", "generates": map[string]any{
		filepath.Join(work, "schema.graphql"): map[string]any{"plugins": []string{"schema-ast"}},
		filepath.Join(work, "types.ts"):       map[string]any{"plugins": []string{"typescript"}},
	}})
	if err := os.WriteFile(filepath.Join(work, "codegen.json"), config, 0o644); err != nil {
		t.Fatal(err)
	}
	run("graphql-codegen", "--config", filepath.Join(work, "codegen.json"))
	if s := read("schema.graphql"); !strings.Contains(s, "type Job implements Node") || !strings.Contains(s, "objectId: ID!") {
		t.Errorf("graphql-codegen's schema lacks Job or ProcessedObject.objectId: %.300s", s)
	}
	if ts := read("types.ts"); !strings.Contains(ts, "export type JobSession = ") {
		t.Errorf("graphql-codegen's types lack JobSession: %.300s", ts)
	}

	run("graphql-inspector", "introspect", g.URL+"/graphql", "--write", filepath.Join(work, "introspected.graphql"))
	if s := read("introspected.graphql"); !strings.Contains(s, "type PageInfo") || strings.Contains(s, "type Entity") {
		t.Errorf("graphql-inspector's introspection lacks PageInfo or shows gqlgen's Entity: %.300s", s)
	}
	committed := filepath.Join(dir, "..", "graph", "client.graphql")
	out := run("graphql-inspector", "diff", committed, g.URL+"/graphql")
	if !strings.Contains(out, "No breaking changes detected") {
		t.Errorf("graphql-inspector sees breaking changes from graph/client.graphql to the served schema:\n%s", out)
	}

	fetch := exec.Command("node", "--input-type=module", "-e", `
		const r = await fetch(process.argv[1], { method: "POST", headers: { "Content-Type": "application/json",
			"Accept-Encoding": "gzip, deflate, br, zstd" }, body: JSON.stringify({ query: "{ jobSessions(first: 100) { nodes { id status creationTime } } }" }) });
		const body = await r.json();
		console.log(r.headers.get("content-encoding"), body.data.jobSessions.nodes.length);`, g.URL+"/graphql")
	got, err := fetch.CombinedOutput()
	if err != nil || strings.TrimSpace(string(got)) != "gzip 100" {
		t.Errorf("Node's fetch offering zstd: %v %s", err, got)
	}
}

// TestComposesWithAnotherRelaySubgraph: the real @apollo/composition
// composes our subgraph with a second one that has its own PageInfo and
// connections, without errors; the same with @shareable taken off our
// PageInfo fails with INVALID_FIELD_SHARING (so the first result means
// something).
func TestComposesWithAnotherRelaySubgraph(t *testing.T) {
	g := testenv.Start(t, testenv.Options{Version: 8})
	compose := func(args ...string) (codes []string, supergraph int) {
		t.Helper()
		cmd := exec.Command("node", append([]string{filepath.Join(testenv.E2EDir(t), "compose.mjs"), g.URL + "/graphql"}, args...)...)
		cmd.Dir = testenv.E2EDir(t)
		out, err := cmd.CombinedOutput()
		var result struct {
			Errors     []struct{ Code, Message string }
			Supergraph int
		}
		if err != nil || json.Unmarshal(out, &result) != nil {
			t.Fatalf("compose.mjs: %v\n%s", err, out)
		}
		for _, e := range result.Errors {
			codes = append(codes, e.Code)
			t.Logf("%s: %s", e.Code, e.Message)
		}
		return codes, result.Supergraph
	}
	if codes, supergraph := compose(); len(codes) > 0 || supergraph == 0 {
		t.Errorf("composition failed: %v", codes)
	}
	if codes, _ := compose("--drop-shareable"); !slices.Contains(codes, "INVALID_FIELD_SHARING") {
		t.Errorf("without @shareable on PageInfo the composition gave %v, want INVALID_FIELD_SHARING", codes)
	}
}
