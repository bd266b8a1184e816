package graph

// SetEntitiesComplexity prices the federation field _entities. gqlgen names
// its complexity function after the field, __resolve_entities, which makes it
// unexported: the serving layer sets it through here.
func (c *ComplexityRoot) SetEntitiesComplexity(f func(childComplexity int, representations []map[string]any) int) {
	c.Query.__resolve_entities = f
}
