package graphqlhttp

import (
	"fmt"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vb365-graphql/vb365-graphql/graph"
)

// checkIntRange refuses an Int outside 32 bits, in the query text or in the
// variables, before anything runs. GraphQL's Int is a signed 32-bit integer,
// but gqlparser and gqlgen read it into 64 bits: without this, a page size of
// 2^57 reaches the cost function and the resolvers.
func checkIntRange(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) *gqlerror.Error {
	bad := ""
	var literal func(v *ast.Value)
	literal = func(v *ast.Value) {
		if v == nil || bad != "" {
			return
		}
		switch v.Kind {
		case ast.IntValue:
			if v.ExpectedType != nil && v.ExpectedType.Name() == "Int" && !isInt32(v.Raw) {
				bad = v.Raw
			}
		case ast.ListValue, ast.ObjectValue:
			for _, c := range v.Children {
				literal(c.Value)
			}
		}
	}
	var selections func(set ast.SelectionSet)
	arguments := func(args ast.ArgumentList, dirs ast.DirectiveList) {
		for _, a := range args {
			literal(a.Value)
		}
		for _, d := range dirs {
			for _, a := range d.Arguments {
				literal(a.Value)
			}
		}
	}
	selections = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				arguments(s.Arguments, s.Directives)
				selections(s.SelectionSet)
			case *ast.InlineFragment:
				arguments(nil, s.Directives)
				selections(s.SelectionSet)
			case *ast.FragmentSpread:
				arguments(nil, s.Directives)
			}
		}
	}
	selections(op.SelectionSet)
	for _, f := range doc.Fragments { // every fragment is used (validation saw to it)
		selections(f.SelectionSet)
	}
	for _, d := range op.VariableDefinitions {
		literal(d.DefaultValue)
		if bad == "" && !intsFit(schema, d.Type, vars[d.Variable]) {
			bad = "$" + d.Variable
		}
	}
	if bad == "" {
		return nil
	}
	err := gqlerror.Errorf("%.40s is not an Int: GraphQL's Int is a signed 32-bit integer (%d to %d)", bad, math.MinInt32, math.MaxInt32)
	errcode.Set(err, graph.CodeBadUserInput)
	return err
}

// intsFit reports whether every Int in a variable's value, however deep in
// lists and input objects, fits in 32 bits.
func intsFit(schema *ast.Schema, t *ast.Type, v any) bool {
	if v == nil || t == nil {
		return true
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			return intsFit(schema, t.Elem, v) // a single value stands for a list of one
		}
		for _, e := range list {
			if !intsFit(schema, t.Elem, e) {
				return false
			}
		}
		return true
	}
	if t.NamedType == "Int" {
		return isInt32(fmt.Sprint(v))
	}
	def := schema.Types[t.NamedType]
	fields, ok := v.(map[string]any)
	if def == nil || def.Kind != ast.InputObject || !ok {
		return true
	}
	for _, f := range def.Fields {
		if !intsFit(schema, f.Type, fields[f.Name]) {
			return false
		}
	}
	return true
}

// isInt32 reports whether s (a literal, or a variable's value printed) is a
// whole number in 32 bits; a whole float64 prints without a fraction.
func isInt32(s string) bool {
	if _, err := strconv.ParseInt(s, 10, 32); err == nil {
		return true
	}
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32
}
