package graphqlhttp

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/resolvers"
)

// Limits bound what one operation may ask for; every one must be positive.
type Limits struct {
	MaxDepth      int // nesting of fields (introspection not counted)
	MaxAliases    int // aliased fields
	MaxComplexity int // fields, with each page counting its items
	MaxTokens     int // lexical tokens of the query text
	MaxFields     int // fields of one selection set, fragments expanded
	MaxEntities   int // representations one operation's _entities resolve
}

// maxErrors bounds the errors of one response; the rest are summed up in one.
const maxErrors = 50

// DefaultLimits are the limits unless told otherwise.
func DefaultLimits() Limits {
	return Limits{MaxDepth: 12, MaxAliases: 30, MaxComplexity: 20000, MaxTokens: 5000, MaxFields: 200, MaxEntities: 100}
}

func (l Limits) check() error {
	if l.MaxDepth <= 0 || l.MaxAliases <= 0 || l.MaxComplexity <= 0 || l.MaxTokens <= 0 || l.MaxFields <= 0 || l.MaxEntities <= 0 {
		return errors.New("limits: every limit must be positive")
	}
	return nil
}

// shapeLimit refuses operations nested too deep, with too many aliases, with
// an _entities field of too many or malformed representations, with an Int
// beyond 32 bits, or asking for introspection while it is off.
type shapeLimit struct {
	maxDepth, maxAliases, maxEntities int
	servers                           int           // how many servers a lookup by an unknown id asks
	ids                               resolvers.IDs // which servers have an id
	introspection                     bool
	schema                            *ast.Schema
	entityKeys                        map[string]string // entity type -> its @key field
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &shapeLimit{}

func (shapeLimit) ExtensionName() string { return "ShapeLimit" }

// Validate reads the federation keys of the schema's entity types.
func (l *shapeLimit) Validate(es graphql.ExecutableSchema) error {
	l.schema = es.Schema()
	l.entityKeys = map[string]string{}
	for name, def := range es.Schema().Types {
		if key := def.Directives.ForName("key"); key != nil {
			if fields := key.Arguments.ForName("fields"); fields != nil && fields.Value != nil {
				l.entityKeys[name] = fields.Value.Raw
			}
		}
	}
	return nil
}

func (l *shapeLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	if op == nil {
		return nil
	}
	if err := l.checkIntrospection(op.SelectionSet, opCtx); err != nil {
		return err
	}
	if err := checkIntRange(l.schema, opCtx.Doc, op, opCtx.Variables); err != nil {
		return err
	}
	if err := checkPageSizes(opCtx.Doc, op, opCtx.Variables); err != nil {
		return err
	}
	depth, aliases := measure(op.SelectionSet, opCtx.Doc.Fragments, 0)
	var err *gqlerror.Error
	switch {
	case depth > l.maxDepth:
		err = gqlerror.Errorf("operation is nested %d levels deep, which exceeds the limit of %d", depth, l.maxDepth)
	case aliases > l.maxAliases:
		err = gqlerror.Errorf("operation uses %d aliases, which exceeds the limit of %d", aliases, l.maxAliases)
	default:
		return l.checkEntities(ctx, op.SelectionSet, opCtx)
	}
	errcode.Set(err, graph.CodeLimitExceeded)
	return err
}

// checkIntrospection refuses __schema and __type (which only the root may
// ask) while introspection is off; __typename is always answered.
func (l *shapeLimit) checkIntrospection(set ast.SelectionSet, opCtx *graphql.OperationContext) *gqlerror.Error {
	if l.introspection {
		return nil
	}
	for _, f := range graphql.CollectFields(opCtx, set, []string{"Query"}) {
		if f.Name == "__schema" || f.Name == "__type" {
			err := gqlerror.Errorf("introspection is turned off on this server")
			errcode.Set(err, graph.CodeValidationFailed)
			return err
		}
	}
	return nil
}

// checkEntities bounds the upstream calls an operation's _entities fields
// make, and refuses malformed representations before any is resolved: each
// names an entity type and carries its key as a string. A representation
// costs a call per server it asks: one where its server is known, none where
// no server had it lately, every server where it is not known.
func (l *shapeLimit) checkEntities(ctx context.Context, set ast.SelectionSet, opCtx *graphql.OperationContext) *gqlerror.Error {
	var ids []string
	for _, f := range graphql.CollectFields(opCtx, set, []string{"Query"}) {
		if f.Name != "_entities" {
			continue
		}
		reps, _ := f.ArgumentMap(opCtx.Variables)["representations"].([]any)
		if len(ids)+len(reps) > l.maxEntities {
			return tooManyEntities(fmt.Sprintf("operation resolves %d entities", len(ids)+len(reps)), l.maxEntities)
		}
		for i, r := range reps {
			rep, _ := r.(map[string]any)
			typeName, _ := rep["__typename"].(string)
			key, known := l.entityKeys[typeName]
			id, isString := rep[key].(string)
			if !known || !isString {
				err := gqlerror.Errorf("representation %d is not one of this subgraph's entities (%s) with its key as a string", i, entityNames(l.entityKeys))
				errcode.Set(err, graph.CodeBadUserInput)
				return err
			}
			ids = append(ids, strings.ToLower(id))
		}
	}
	if l.servers < 2 || len(ids) == 0 {
		return nil
	}
	calls := 0
	for _, p := range l.ids.Where(ctx, ids...) {
		switch {
		case p.Absent:
		case len(p.Servers) == 1:
			calls++
		default:
			calls += l.servers
		}
	}
	if calls > l.maxEntities {
		return tooManyEntities(fmt.Sprintf("operation's entities would take %d upstream calls (one for each server a representation asks: every server where its id's server is not known)", calls), l.maxEntities)
	}
	return nil
}

func tooManyEntities(what string, limit int) *gqlerror.Error {
	err := gqlerror.Errorf("%s, which exceeds the limit of %d", what, limit)
	errcode.Set(err, graph.CodeLimitExceeded)
	return err
}

func entityNames(keys map[string]string) string {
	names := make([]string, 0, len(keys))
	for n := range keys {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// fieldLimit refuses, before gqlgen parses and validates it, a query with a
// selection set wider than max fields once fragments are expanded: validation
// compares the fields of a set pairwise, so `{ __typename ×5000 }` costs
// seconds of CPU before any other limit looks at it. A query the query cache
// holds passed before and is not parsed again.
type fieldLimit struct {
	max, maxTokens int
	parsed         graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = fieldLimit{}

func (fieldLimit) ExtensionName() string                   { return "FieldLimit" }
func (fieldLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l fieldLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, ok := l.parsed.Get(ctx, p.Query); ok || p.Query == "" {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.maxTokens)
	if err != nil {
		return nil // gqlgen reports the parse error itself
	}
	w := widths{fragments: doc.Fragments, memo: map[string]int{}, cap: l.max + 1}
	widest := 0
	for _, op := range doc.Operations {
		widest = max(widest, w.widest(op.SelectionSet))
	}
	for _, f := range doc.Fragments {
		widest = max(widest, w.widest(f.SelectionSet))
	}
	if widest <= l.max {
		return nil
	}
	e := gqlerror.Errorf("a selection set holds more than %d fields (fragments expanded), which exceeds the limit", l.max)
	errcode.Set(e, graph.CodeLimitExceeded)
	return e
}

// widths measures selection sets; counts stop at cap, so that fragments
// spread into each other cannot overflow them.
type widths struct {
	fragments ast.FragmentDefinitionList
	memo      map[string]int // fragment -> its width; -1 while being measured
	cap       int
}

// width is how many fields set holds at its own level, spreads and inline
// fragments expanded.
func (w widths) width(set ast.SelectionSet) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n++
		case *ast.InlineFragment:
			n += w.width(s.SelectionSet)
		case *ast.FragmentSpread:
			n += w.fragment(s.Name)
		}
		if n >= w.cap {
			return w.cap
		}
	}
	return n
}

func (w widths) fragment(name string) int {
	if n, ok := w.memo[name]; ok {
		return max(n, 0) // a cycle: validation refuses it later
	}
	f := w.fragments.ForName(name)
	if f == nil {
		return 0
	}
	w.memo[name] = -1
	n := w.width(f.SelectionSet)
	w.memo[name] = n
	return n
}

// widest is the width of the widest set in set and below it.
func (w widths) widest(set ast.SelectionSet) int {
	widest := w.width(set)
	for _, sel := range set {
		if widest >= w.cap {
			return widest
		}
		switch s := sel.(type) {
		case *ast.Field:
			widest = max(widest, w.widest(s.SelectionSet))
		case *ast.InlineFragment:
			widest = max(widest, w.widest(s.SelectionSet))
		}
	}
	return widest
}

// capErrors keeps the first maxErrors errors of a response and sums up the
// rest in one, so that a query of a thousand mistakes gets a short answer.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= maxErrors {
		return resp
	}
	rest := resp.Errors[maxErrors:]
	summary := gqlerror.Errorf("%d more errors were left out", len(rest))
	summary.Extensions = map[string]any{"code": rest[0].Extensions["code"]}
	resp.Errors = append(resp.Errors[:maxErrors:maxErrors], summary)
	return resp
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
