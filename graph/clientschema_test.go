package graph_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vb365-graphql/vb365-graphql/graph"
)

// TestClientSchemaIsTheServedOneWithoutFederation: the client schema
// parses on its own, has every type and field a client can query, and
// nothing of the federation's.
func TestClientSchemaIsTheServedOneWithoutFederation(t *testing.T) {
	t.Parallel()
	text := graph.ClientSchema()
	client, err := gqlparser.LoadSchema(&ast.Source{Name: "client.graphql", Input: text})
	if err != nil {
		t.Fatalf("%v\n%.2000s", err, text)
	}
	served := graph.ServedSchema()
	for name, def := range served.Types {
		if def.BuiltIn || strings.HasPrefix(name, "_") || name == "Entity" || name == "FieldSet" || strings.Contains(name, "__") {
			if client.Types[name] != nil && !client.Types[name].BuiltIn {
				t.Errorf("the federation's %s is in the client schema", name)
			}
			continue
		}
		got := client.Types[name]
		if got == nil {
			t.Errorf("%s is missing", name)
			continue
		}
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "_") && got.Fields.ForName(f.Name) == nil {
				t.Errorf("%s.%s is missing", name, f.Name)
			}
		}
	}
	for _, bad := range []string{"@key", "@link", "@shareable", "_entities", "_service"} {
		if strings.Contains(text, bad) {
			t.Errorf("the client schema holds %s", bad)
		}
	}
	if client.Types["Node"] == nil || len(client.GetPossibleTypes(client.Types["Node"])) < 13 {
		t.Errorf("the client schema lacks Node or its implementations")
	}
}

// TestCommittedClientSchemaIsCurrent: graph/client.graphql, the copy kept
// for frontends that build from the repository, is the client schema of this
// code (go generate ./graph writes it anew).
func TestCommittedClientSchemaIsCurrent(t *testing.T) {
	want := graph.ClientSchema()
	if os.Getenv("VB365_WRITE_CLIENT_SCHEMA") != "" {
		if err := os.WriteFile("client.graphql", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("client.graphql")
	if err != nil || string(got) != want {
		t.Errorf("graph/client.graphql is not the current client schema (%v): run go generate ./graph and commit it", err)
	}
}

// TestServedSchemaIsWhatGraphQLJSReads: introspection shows no gqlgen
// Entity, no federation directive, and only the specification's directive
// locations (graphql-js, and the tools on it, fail on any other).
func TestServedSchemaIsWhatGraphQLJSReads(t *testing.T) {
	served := graph.ServedSchema()
	if served.Types["Entity"] != nil || served.Types["_Entity"] == nil {
		t.Errorf("Entity served: %v; _Entity served: %v", served.Types["Entity"] != nil, served.Types["_Entity"] != nil)
	}
	for name, d := range served.Directives {
		if name == "key" || name == "shareable" || name == "link" {
			t.Errorf("the federation's @%s is served", name)
		}
		for _, l := range d.Locations {
			if l == ast.LocationDirectiveDefinition {
				t.Errorf("@%s is served on %s", name, l)
			}
		}
	}
	if served.Directives["skip"] == nil || served.Directives["deprecated"] == nil {
		t.Errorf("@skip or @deprecated is not served")
	}
}
