package resolvers

import (
	"context"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// CodeLimitExceeded is gqlgen's own code for a too complex operation; the
// depth and alias limits use it as well.
const CodeLimitExceeded = "COMPLEXITY_LIMIT_EXCEEDED"

// Limits bound what one operation may ask for. Zero values take the defaults.
type Limits struct {
	MaxDepth      int // nesting of fields (default 12; introspection not counted)
	MaxAliases    int // aliased fields (default 30)
	MaxComplexity int // fields, with each page counting its items (default 20000)
	MaxTokens     int // lexical tokens of the query text (default 5000)
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = 12
	}
	if l.MaxAliases <= 0 {
		l.MaxAliases = 30
	}
	if l.MaxComplexity <= 0 {
		l.MaxComplexity = 20000
	}
	if l.MaxTokens <= 0 {
		l.MaxTokens = 5000
	}
	return l
}

// complexity makes every page cost its children times its size, so that
// jobSessions(first: 1000) { log(first: 1000) } is refused before it runs.
func complexity() graph.ComplexityRoot {
	page := func(child int, first, last *int) int {
		n := defaultPageSize
		if first != nil {
			n = max(*first, 1)
		} else if last != nil {
			n = max(*last, 1)
		}
		return 1 + child*n
	}
	var c graph.ComplexityRoot
	c.Query.JobSessions = func(child int, first *int, _ *string, last *int, _ *string, _ *string, _ *upstream.SessionStatus, _ *upstream.JobType, _, _ *time.Time) int {
		return page(child, first, last)
	}
	c.Query.Jobs = func(child int, first *int, _ *string, last *int, _ *string) int { return page(child, first, last) }
	c.Job.Sessions = func(child int, first *int, _ *string, last *int, _ *string, _ *upstream.SessionStatus, _, _ *time.Time) int {
		return page(child, first, last)
	}
	c.JobSession.Log = func(child int, first *int, _ *string, last *int, _ *string) int { return page(child, first, last) }
	return c
}

// shapeLimit refuses operations nested too deep or with too many aliases.
type shapeLimit struct{ maxDepth, maxAliases int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = shapeLimit{}

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l shapeLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	if op == nil {
		return nil
	}
	depth, aliases := measure(op.SelectionSet, opCtx.Doc.Fragments, 0)
	var err *gqlerror.Error
	switch {
	case depth > l.maxDepth:
		err = gqlerror.Errorf("operation is nested %d levels deep, which exceeds the limit of %d", depth, l.maxDepth)
	case aliases > l.maxAliases:
		err = gqlerror.Errorf("operation uses %d aliases, which exceeds the limit of %d", aliases, l.maxAliases)
	default:
		return nil
	}
	errcode.Set(err, CodeLimitExceeded)
	return err
}

// measure returns the depth of a selection set and the aliases in it,
// following fragments (validation has already refused fragment cycles).
func measure(set ast.SelectionSet, fragments ast.FragmentDefinitionList, level int) (depth, aliases int) {
	depth = level
	for _, sel := range set {
		var d, a int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue // introspection: turned off separately when unwanted
			}
			if s.Alias != "" && s.Alias != s.Name {
				aliases++
			}
			d, a = measure(s.SelectionSet, fragments, level+1)
		case *ast.InlineFragment:
			d, a = measure(s.SelectionSet, fragments, level)
		case *ast.FragmentSpread:
			if f := fragments.ForName(s.Name); f != nil {
				d, a = measure(f.SelectionSet, fragments, level)
			}
		}
		depth, aliases = max(depth, d), aliases+a
	}
	return depth, aliases
}
