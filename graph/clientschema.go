package graph

import (
	"bytes"
	"slices"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

//go:generate env VB365_WRITE_CLIENT_SCHEMA=1 go test -run ^TestCommittedClientSchemaIsCurrent$ .

// ClientSchema is the served schema as a client's tools want it: the
// federation's own types, fields and directives (which only a federation
// gateway reads, and on which relay-compiler and others fail) left out.
var ClientSchema = sync.OnceValue(func() string {
	served := ServedSchema()
	out := &ast.Schema{Types: map[string]*ast.Definition{}, Directives: map[string]*ast.DirectiveDefinition{},
		PossibleTypes: map[string][]*ast.Definition{}, Implements: map[string][]*ast.Definition{}}
	for name, def := range served.Types {
		if def.BuiltIn || federationOnly(name) {
			continue
		}
		copied := *def
		copied.Directives = clientDirectives(def.Directives)
		copied.Fields = nil
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "_") {
				continue
			}
			field := *f
			field.Directives = clientDirectives(f.Directives)
			copied.Fields = append(copied.Fields, &field)
		}
		copied.Types = slices.DeleteFunc(slices.Clone(def.Types), federationOnly)
		out.Types[name] = &copied
	}
	out.Query, out.Mutation, out.Subscription = out.Types["Query"], out.Types["Mutation"], out.Types["Subscription"]
	var b bytes.Buffer
	formatter.NewFormatter(&b, formatter.WithComments()).FormatSchema(out)
	return b.String()
})

// federationOnly reports whether a type is the federation's: _Any,
// _Service, gqlgen's Entity, FieldSet, link__Import, federation__Scope...
func federationOnly(name string) bool {
	return strings.HasPrefix(name, "_") || name == "Entity" || name == "FieldSet" ||
		strings.HasPrefix(name, "link__") || strings.HasPrefix(name, "federation__")
}

// clientDirectives keeps the directives every client knows.
func clientDirectives(list ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if specDirective(d.Name) {
			out = append(out, d)
		}
	}
	return out
}

// specDirective reports whether a directive that stands in a schema is one
// of the GraphQL specification's, which every client knows.
func specDirective(name string) bool {
	return name == "deprecated" || name == "specifiedBy" || name == "oneOf"
}
