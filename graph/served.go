package graph

import (
	"maps"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// ServedSchema is the schema the gateway serves: the generated one without
// gqlgen's Entity (findJobByID...), a type its resolver code needs but no
// field returns, which would otherwise show in introspection and in
// GraphiQL's docs. The federation's own types stay: a federation gateway
// calls _service and _entities.
var ServedSchema = sync.OnceValue(func() *ast.Schema {
	served := *parsedSchema
	served.Types = maps.Clone(parsedSchema.Types)
	delete(served.Types, "Entity")
	return &served
})
