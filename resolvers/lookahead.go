package resolvers

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
)

// nodesSelect reports whether the connection field being resolved selects
// any of fields on its items, through nodes or edges { node }.
func nodesSelect(ctx context.Context, fields ...string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return false
	}
	oc := graphql.GetOperationContext(ctx)
	var items func(sel []graphql.CollectedField, depth int) bool
	items = func(sel []graphql.CollectedField, depth int) bool {
		for _, f := range sel {
			switch {
			case depth == 1 && slices.Contains(fields, f.Name):
				return true
			case depth == 0 && f.Name == "nodes":
				if items(graphql.CollectFields(oc, f.Selections, nil), 1) {
					return true
				}
			case depth == 0 && f.Name == "edges":
				for _, e := range graphql.CollectFields(oc, f.Selections, nil) {
					if e.Name == "node" && items(graphql.CollectFields(oc, e.Selections, nil), 1) {
						return true
					}
				}
			}
		}
		return false
	}
	return items(graphql.CollectFields(oc, fc.Field.Selections, nil), 0)
}

// selectsOnly reports whether the field being resolved selects none but
// fields (and __typename): a connection asked for its summary alone need
// not read a page.
func selectsOnly(ctx context.Context, fields ...string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return false
	}
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, nil) {
		if f.Name != "__typename" && !slices.Contains(fields, f.Name) {
			return false
		}
	}
	return true
}
