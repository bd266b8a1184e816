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

// TestServerIDOfABrowsedRecord: an input gets the server's id back from a
// browsed record's own id, whatever the server's id holds (slashes, colons),
// and takes any other string as the server's id itself.
func TestServerIDOfABrowsedRecord(t *testing.T) {
	session := "7849024f-745a-5926-b9ce-cde6d3450bc8"
	for _, own := range []string{"0b61af42-023b-561b-9ec7-bb16a4f0edd5", "19:1a2b3c4d@thread.tacv2", "AAMkAD/x+y==", "01621AF881D4A9A8C1-000"} {
		if got := serverID(browsedID("MailItem", "east-2", session, own)); got != own {
			t.Errorf("the record of %q gives %q", own, got)
		}
		if got := serverID(own); got != own {
			t.Errorf("the server's id %q gives %q", own, got)
		}
	}
	for _, other := range []string{recordID("ProcessedObject", "default", session, "x"), nodeID("Job", "default", session), ""} {
		if got := serverID(other); got != other {
			t.Errorf("%q, not a browsed record's id, gives %q", other, got)
		}
	}
}
