package resolvers

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
)

// RepresentationError is why one of the federation gateway's
// representations (in _entities) could not be resolved: which one it was,
// and the error.
type RepresentationError struct {
	Index        int // in representations; -1 when it cannot be told
	Typename, ID string
	Err          error
}

func (e *RepresentationError) Error() string {
	return fmt.Sprintf("representation %d (%s %q): %v", e.Index, e.Typename, e.ID, e.Err)
}

func (e *RepresentationError) Unwrap() error { return e.Err }

// entity resolves a representation by its key, and says which failed.
func entity[T any](ctx context.Context, typename, id string, find func(context.Context, string, *string) (T, error)) (T, error) {
	v, err := find(ctx, id, nil)
	if err != nil {
		return v, &RepresentationError{Index: representationIndex(ctx, typename, id), Typename: typename, ID: id, Err: err}
	}
	return v, nil
}

// representationIndex finds a representation among the _entities field's
// arguments (the first of equal ones: they have the same answer).
func representationIndex(ctx context.Context, typename, id string) int {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return -1
	}
	reps, _ := fc.Args["representations"].([]map[string]any)
	for i, rep := range reps {
		if rep["__typename"] == typename && rep["id"] == id {
			return i
		}
	}
	return -1
}
