package graphqlhttp

import (
	"encoding/json"
	"strings"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/resolvers"
)

// checkPageSizes refuses a page size (first or last of a connection) over
// resolvers.MaxPageSize before the cost is counted: nested, such a page
// would otherwise be told it costs too much, when what is wrong is its size.
func checkPageSizes(doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) *gqlerror.Error {
	var bad *gqlerror.Error
	var selections func(set ast.SelectionSet)
	selections = func(set ast.SelectionSet) {
		for _, sel := range set {
			if bad != nil {
				return
			}
			switch s := sel.(type) {
			case *ast.Field:
				if s.Definition != nil && strings.HasSuffix(s.Definition.Type.Name(), "Connection") {
					for _, name := range []string{"first", "last"} {
						if a := s.Arguments.ForName(name); a != nil {
							if n, ok := pageSize(a.Value, vars); ok && (n < 0 || n > resolvers.MaxPageSize) {
								bad = gqlerror.Errorf("a page has at most %d items (first and last from 0 to %[1]d): %s asks %s: %d", resolvers.MaxPageSize, s.Alias, name, n)
							}
						}
					}
				}
				selections(s.SelectionSet)
			case *ast.InlineFragment:
				selections(s.SelectionSet)
			}
		}
	}
	selections(op.SelectionSet)
	for _, f := range doc.Fragments {
		selections(f.SelectionSet)
	}
	if bad != nil {
		errcode.Set(bad, graph.CodeBadUserInput)
	}
	return bad
}

// pageSize reads an Int argument, literal or variable.
func pageSize(v *ast.Value, vars map[string]any) (int64, bool) {
	value, err := v.Value(vars)
	if err != nil {
		return 0, false
	}
	switch n := value.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
