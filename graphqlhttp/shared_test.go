package graphqlhttp

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vb365-graphql/vb365-graphql/access"
)

// TestShareKey: subscribers share an execution only with the same
// document, operation, variables, role and credential, and only for the
// subscriptions that may be shared.
func TestShareKey(t *testing.T) {
	op := func(field, query string, vars map[string]any) *graphql.OperationContext {
		return &graphql.OperationContext{RawQuery: query, Variables: vars,
			Operation: &ast.OperationDefinition{Operation: ast.Subscription, SelectionSet: ast.SelectionSet{&ast.Field{Name: field}}}}
	}
	const q = `subscription($id: ID!) { jobSessionUpdated(id: $id) { id } }`
	viewer, operator := access.Caller{Role: access.Viewer}, access.Caller{Role: access.Operator}
	base, replay, ok := shareKey(op("jobSessionUpdated", q, map[string]any{"id": "a"}), viewer, "")
	if !ok || !replay {
		t.Fatalf("jobSessionUpdated: shared %v, replayed %v", ok, replay)
	}
	same, _, _ := shareKey(op("jobSessionUpdated", q, map[string]any{"id": "a"}), access.Caller{Role: access.Viewer, Name: "another"}, "")
	if same != base {
		t.Error("two viewers of the same document do not share")
	}
	for name, other := range map[string]*graphql.OperationContext{
		"variables": op("jobSessionUpdated", q, map[string]any{"id": "b"}),
		"document":  op("jobSessionUpdated", q+" ", map[string]any{"id": "a"}),
	} {
		if k, _, _ := shareKey(other, viewer, ""); k == base {
			t.Errorf("another %s shares", name)
		}
	}
	if k, _, _ := shareKey(op("jobSessionUpdated", q, map[string]any{"id": "a"}), operator, ""); k == base {
		t.Error("another role shares")
	}
	if k, _, _ := shareKey(op("jobSessionUpdated", q, map[string]any{"id": "a"}), viewer, "Bearer x"); k == base {
		t.Error("another credential shares")
	}
	if _, replay, ok := shareKey(op("jobSessionChanged", `subscription { jobSessionChanged { id } }`, nil), viewer, ""); !ok || replay {
		t.Errorf("jobSessionChanged: shared %v, replayed %v; want shared, a past change not replayed", ok, replay)
	}
	if _, _, ok := shareKey(op("exportUpdated", `subscription { exportUpdated(id: "x") { id } }`, nil), viewer, ""); ok {
		t.Error("an export, its owner's, is shared")
	}
}
