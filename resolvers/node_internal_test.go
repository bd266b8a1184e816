package resolvers

import (
	"slices"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/graph"
)

// TestEveryNodeTypeHasALookup: the types node(id:) reads are those that
// implement Node in the schema, no more, no fewer.
func TestEveryNodeTypeHasALookup(t *testing.T) {
	t.Parallel()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	var inSchema, here []string
	for _, def := range schema.GetPossibleTypes(schema.Types["Node"]) {
		inSchema = append(inSchema, def.Name)
	}
	for name := range nodeTypes {
		here = append(here, name)
	}
	slices.Sort(inSchema)
	slices.Sort(here)
	if !slices.Equal(inSchema, here) {
		t.Errorf("Node's implementations %v, node(id:) reads %v", inSchema, here)
	}
}
