package graph

import (
	"maps"
	"slices"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// ServedSchema is the schema the gateway serves, as introspection shows it:
// the generated one without
//   - gqlgen's Entity (findJobByID...), a type its resolver code needs but no
//     field returns, which would otherwise show in GraphiQL's docs;
//   - the federation's directives (@key, @shareable, @policy...), which only
//     a federation gateway reads, and from _service's SDL, not introspection;
//   - directive locations the GraphQL specification does not have
//     (gqlparser puts DIRECTIVE_DEFINITION on @deprecated): graphql-js, and
//     so graphql-inspector and graphql-codegen, cannot read a schema with one.
//
// The federation's types stay: a federation gateway calls _service and
// _entities.
var ServedSchema = sync.OnceValue(func() *ast.Schema {
	served := *parsedSchema
	served.Types = maps.Clone(parsedSchema.Types)
	delete(served.Types, "Entity")
	served.Directives = map[string]*ast.DirectiveDefinition{}
	for name, d := range parsedSchema.Directives {
		if d.Position == nil || !d.Position.Src.BuiltIn || specDirective(name) || slices.ContainsFunc(d.Locations, executable) {
			copied := *d
			copied.Locations = slices.DeleteFunc(slices.Clone(d.Locations), func(l ast.DirectiveLocation) bool { return !specified[l] })
			served.Directives[name] = &copied
		}
	}
	return &served
})

// specified are the directive locations of the GraphQL specification
// (October 2021), those graphql-js knows.
var specified = map[ast.DirectiveLocation]bool{
	ast.LocationQuery: true, ast.LocationMutation: true, ast.LocationSubscription: true, ast.LocationField: true,
	ast.LocationFragmentDefinition: true, ast.LocationFragmentSpread: true, ast.LocationInlineFragment: true,
	ast.LocationVariableDefinition: true, ast.LocationSchema: true, ast.LocationScalar: true, ast.LocationObject: true,
	ast.LocationFieldDefinition: true, ast.LocationArgumentDefinition: true, ast.LocationInterface: true,
	ast.LocationUnion: true, ast.LocationEnum: true, ast.LocationEnumValue: true, ast.LocationInputObject: true,
	ast.LocationInputFieldDefinition: true,
}

// executable reports whether a directive may stand in an operation (@skip,
// @include, @defer), not only in a schema.
func executable(l ast.DirectiveLocation) bool {
	switch l {
	case ast.LocationQuery, ast.LocationMutation, ast.LocationSubscription, ast.LocationField, ast.LocationFragmentDefinition,
		ast.LocationFragmentSpread, ast.LocationInlineFragment, ast.LocationVariableDefinition:
		return true
	}
	return false
}
