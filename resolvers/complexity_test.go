package resolvers_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/codegen/templates"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/resolvers"
)

// TestEveryListIsPriced: every field that answers a connection has a price
// of its own in the complexity limit (its page size times its children),
// so that no new list is a fan-out the limit does not see.
func TestEveryListIsPriced(t *testing.T) {
	t.Parallel()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	root := reflect.ValueOf(resolvers.Complexity(1))
	priced := 0
	for _, def := range schema.Types {
		if def.Kind != ast.Object || strings.HasPrefix(def.Name, "_") {
			continue
		}
		for _, f := range def.Fields {
			if !strings.HasSuffix(f.Type.Name(), "Connection") {
				continue
			}
			typ := root.FieldByName(templates.ToGo(def.Name))
			if !typ.IsValid() {
				t.Errorf("%s has no complexity entry", def.Name)
				continue
			}
			fn := typ.FieldByName(templates.ToGo(f.Name))
			if !fn.IsValid() || fn.IsNil() {
				t.Errorf("%s.%s answers a page but has no price", def.Name, f.Name)
				continue
			}
			priced++
		}
	}
	if priced < 30 {
		t.Errorf("only %d priced lists found: is the schema read?", priced)
	}
}
