package main

import (
	"os"
	"regexp"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/vb365-graphql/vb365-graphql/graph"
)

// TestReadmeQueriesFitTheSchema: every GraphQL example in the README parses
// and validates against the schema, so a renamed field cannot leave it wrong.
func TestReadmeQueriesFitTheSchema(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d GraphQL examples in the README", len(blocks))
	}
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	for _, b := range blocks {
		if _, errs := gqlparser.LoadQuery(schema, string(b[1])); len(errs) > 0 {
			t.Errorf("%v in\n%s", errs, b[1])
		}
	}
}
