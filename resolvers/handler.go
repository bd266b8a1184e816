package resolvers

import (
	"context"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// HandlerOptions tune the GraphQL handler.
type HandlerOptions struct {
	// BatchWait is how long loaders collect keys before calling the upstream.
	BatchWait time.Duration
	// RequestTimeout bounds one execution (not subscriptions); 0: none.
	RequestTimeout time.Duration
	// QueryCacheSize is how many parsed and validated queries are kept (default 1000).
	QueryCacheSize int
	// Limits bound the shape and size of an operation.
	Limits Limits
	// NoIntrospection turns schema introspection off.
	NoIntrospection bool
	// PollInterval is how often a followed session is asked for (default 2s).
	PollInterval time.Duration
	// OperationCacheBytes, when positive, shares whole answers between
	// identical operations while the upstream answers they used are fresh
	// (see operationCache), up to this many bytes.
	OperationCacheBytes int64
	// Observer, if set, is told of every operation and loader batch (metrics).
	Observer Observer
	// Tracing adds OpenTelemetry spans for operations and for the resolvers
	// that reach the upstream (off: not even no-op spans are made).
	Tracing bool
	// PersistedQueries keeps the queries of automatic persisted queries
	// (default: a local LRU); store.Strings shares them between replicas.
	PersistedQueries graphql.Cache[string]
	// WebsocketInit checks a WebSocket's connection_init payload (browsers
	// cannot send headers on a WebSocket) and may add to the context.
	WebsocketInit func(ctx context.Context, payload map[string]any) (context.Context, error)
}

// Observer is told what the GraphQL layer does; telemetry implements it.
type Observer interface {
	Operation(kind, name string, ok bool, d time.Duration)
	LoaderBatch(loader string, keys int)
}

type noObserver struct{}

func (noObserver) Operation(string, string, bool, time.Duration) {}
func (noObserver) LoaderBatch(string, int)                       {}

// NewHandler returns the GraphQL endpoint over api: GET, POST, Server-Sent
// Events and WebSocket; persisted queries and a cache of parsed ones; limits
// on what one operation may ask; stable error codes; per-request loaders;
// and, when asked, whole answers shared between identical operations.
func NewHandler(api Upstream, o HandlerOptions) http.Handler {
	if o.QueryCacheSize <= 0 {
		o.QueryCacheSize = 1000
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	limits := o.Limits.withDefaults()
	poll := func(ctx context.Context, id string) (*upstream.JobSession, error) {
		return api.JobSession(upstream.WithFresh(ctx), id) // a poll must see the upstream, not the cache
	}
	resolver := &Resolver{API: api, Live: NewLive(poll, o.PollInterval)}
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: resolver, Complexity: complexity()}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.SSE{}) // before POST, which would take its requests too
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 15 * time.Second,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			if h := p.Authorization(); h != "" {
				ctx = upstream.WithCallerAuthorization(ctx, h)
			}
			if o.WebsocketInit == nil {
				return ctx, nil, nil
			}
			ctx, err := o.WebsocketInit(ctx, p)
			if err != nil {
				// 4403 Forbidden: graphql-transport-ws clients report it and do not retry.
				ctx = transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, err.Error()), 4403)
			}
			return ctx, nil, err
		},
	})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](o.QueryCacheSize))
	// Automatic persisted queries: a client may send only the query's hash.
	if o.PersistedQueries == nil {
		o.PersistedQueries = lru.New[string](o.QueryCacheSize)
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: o.PersistedQueries})
	srv.SetParserTokenLimit(limits.MaxTokens)
	if !o.NoIntrospection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(shapeLimit{maxDepth: limits.MaxDepth, maxAliases: limits.MaxAliases})
	srv.Use(extension.FixedComplexityLimit(limits.MaxComplexity))
	srv.AroundResponses(observeOperations(o.Observer))
	if o.Tracing {
		srv.AroundOperations(traceOperations)
		srv.AroundFields(traceResolvers)
	}
	srv.SetErrorPresenter(PresentError)
	srv.SetRecoverFunc(PresentPanic)
	h := Middleware(api, o.BatchWait, o.RequestTimeout, o.Observer, srv)
	if o.OperationCacheBytes > 0 {
		h = newOperationCache(o.OperationCacheBytes, o.Observer).wrap(h)
	}
	return followSpec(h)
}

type seenKey struct{}

// operationSeen is filled in with the operation's type and name, so that an
// answer served whole from the operation cache is counted like a computed one.
type operationSeen struct{ kind, name string }

// observeOperations times every response (each event of a subscription is
// not an operation: only its first is counted).
func observeOperations(obs Observer) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		start := time.Now()
		resp := next(ctx)
		if !graphql.HasOperationContext(ctx) {
			return resp
		}
		op := graphql.GetOperationContext(ctx)
		if op.Operation == nil {
			return resp
		}
		kind := string(op.Operation.Operation)
		if seen, ok := ctx.Value(seenKey{}).(*operationSeen); ok {
			seen.kind, seen.name = kind, op.Operation.Name
		}
		if kind != "subscription" || start.Sub(op.Stats.OperationStart) < time.Millisecond {
			ok := resp == nil || len(resp.Errors) == 0
			obs.Operation(kind, op.Operation.Name, ok, time.Since(op.Stats.OperationStart))
		}
		return resp
	}
}
