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

// TestReadmeErrorTableHasEveryCode: every extensions.code the gateway gives
// (graph/codes.go, and gqlgen's persisted-query one) has a row in the
// README's table of errors.
func TestReadmeErrorTableHasEveryCode(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	source, err := os.ReadFile("graph/codes.go")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, row := range regexp.MustCompile("(?m)^\\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \\|").FindAllStringSubmatch(string(readme), -1) {
		for _, code := range regexp.MustCompile("`([A-Z_]+)`").FindAllStringSubmatch(row[1], -1) {
			rows[code[1]] = true
		}
	}
	codes := []string{"PERSISTED_QUERY_NOT_FOUND"}
	for _, m := range regexp.MustCompile(`Code\w+\s*=\s*"([A-Z_]+)"`).FindAllStringSubmatch(string(source), -1) {
		codes = append(codes, m[1])
	}
	if len(codes) < 15 {
		t.Fatalf("found %d codes in graph/codes.go", len(codes))
	}
	for _, code := range codes {
		if !rows[code] {
			t.Errorf("the README's table of errors has no row for %s", code)
		}
	}
}
