package resolvers

import (
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vb365-graphql/vb365-graphql/graph"
)

// HandlerOptions tune the GraphQL handler.
type HandlerOptions struct {
	// BatchWait is how long loaders collect keys before calling the upstream.
	BatchWait time.Duration
	// QueryCacheSize is how many parsed and validated queries are kept (default 1000).
	QueryCacheSize int
	// Limits bound the shape and size of an operation.
	Limits Limits
	// NoIntrospection turns schema introspection off.
	NoIntrospection bool
}

// NewHandler returns the GraphQL endpoint over api: POST and GET, a cache of
// parsed queries, limits on what one operation may ask, stable error codes,
// and per-request loaders.
func NewHandler(api Upstream, o HandlerOptions) http.Handler {
	if o.QueryCacheSize <= 0 {
		o.QueryCacheSize = 1000
	}
	limits := o.Limits.withDefaults()
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{API: api}, Complexity: complexity()}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](o.QueryCacheSize))
	// Automatic persisted queries: a client may send only the query's hash.
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](o.QueryCacheSize)})
	srv.SetParserTokenLimit(limits.MaxTokens)
	if !o.NoIntrospection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(shapeLimit{maxDepth: limits.MaxDepth, maxAliases: limits.MaxAliases})
	srv.Use(extension.FixedComplexityLimit(limits.MaxComplexity))
	srv.SetErrorPresenter(PresentError)
	srv.SetRecoverFunc(PresentPanic)
	return followSpec(Middleware(api, o.BatchWait, srv))
}
