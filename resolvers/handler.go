package resolvers

import (
	"context"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/vb365-graphql/vb365-graphql/gateway"
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
	// WebsocketInitTimeout is how long a socket may take to send an
	// acceptable connection_init (default 10s).
	WebsocketInitTimeout time.Duration
	// MaxPendingSockets bounds the sockets waiting for their connection_init
	// at once (default 100).
	MaxPendingSockets int
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
// on what one operation may ask; stable error codes; loaders per response;
// and, when asked, whole answers shared between identical operations.
func NewHandler(api Upstream, o HandlerOptions) http.Handler {
	if o.QueryCacheSize <= 0 {
		o.QueryCacheSize = 1000
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.WebsocketInitTimeout <= 0 {
		o.WebsocketInitTimeout = 10 * time.Second
	}
	if o.MaxPendingSockets <= 0 {
		o.MaxPendingSockets = 100
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	limits := o.Limits.withDefaults()
	resolver := &Resolver{API: api, Live: NewLive(api.PollJobSession, o.PollInterval)}
	exec := executor.New(graph.NewExecutableSchema(graph.Config{Resolvers: resolver, Complexity: complexity()}))
	parsed := lru.New[*ast.QueryDocument](o.QueryCacheSize)
	exec.SetQueryCache(parsed)
	// Automatic persisted queries: a client may send only the query's hash.
	if o.PersistedQueries == nil {
		o.PersistedQueries = lru.New[string](o.QueryCacheSize)
	}
	exec.Use(extension.AutomaticPersistedQuery{Cache: o.PersistedQueries})
	exec.Use(fieldLimit{max: limits.MaxFields, maxTokens: limits.MaxTokens, parsed: parsed}) // after APQ has the query
	exec.SetParserTokenLimit(limits.MaxTokens)
	if !o.NoIntrospection {
		exec.Use(extension.Introspection{})
	}
	exec.Use(&shapeLimit{maxDepth: limits.MaxDepth, maxAliases: limits.MaxAliases, maxEntities: limits.MaxEntities})
	exec.Use(extension.FixedComplexityLimit(limits.MaxComplexity))
	exec.AroundResponses(observeOperations(o.Observer))
	exec.AroundResponses(capErrors)
	exec.AroundResponses(scopePerResponse(api, o.BatchWait, o.Observer))
	if o.Tracing {
		exec.AroundOperations(traceOperations)
		exec.AroundFields(traceResolvers)
	}
	exec.SetErrorPresenter(PresentError)
	exec.SetRecoverFunc(PresentPanic)

	websocketInit := func(ctx context.Context, p transport.InitPayload) (context.Context, error) {
		if h := p.Authorization(); h != "" {
			ctx = upstream.WithCallerAuthorization(ctx, h)
		}
		if o.WebsocketInit == nil {
			return ctx, nil
		}
		return o.WebsocketInit(ctx, p)
	}
	var h http.Handler = transports{
		exec:      exec,
		websocket: newSockets(transport.Websocket{KeepAlivePingInterval: 15 * time.Second}, websocketInit, o.WebsocketInitTimeout, o.MaxPendingSockets),
		http:      []graphql.Transport{transport.Options{}, transport.GET{}, transport.SSE{}, transport.POST{}},
	}
	h = Middleware(o.RequestTimeout, h)
	if o.OperationCacheBytes > 0 {
		h = newOperationCache(o.OperationCacheBytes, o.Observer, api.Vouched).wrap(h)
	}
	return followSpec(h)
}

// transports picks the transport of a request itself, rather than leaving it
// to gqlgen's first match, so that the rule is plain: a WebSocket handshake
// goes to the WebSocket transport and nowhere else (it is the one request
// that may arrive without an API key, which its connection_init must then
// carry); any other request goes to the first HTTP transport that takes it;
// a request none takes gets BAD_REQUEST.
type transports struct {
	exec      *executor.Executor
	websocket *sockets
	http      []graphql.Transport
}

func (t transports) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			_ = PresentPanic(r.Context(), p) // logs it
			gateway.WriteError(w, http.StatusInternalServerError, CodeInternal, "internal error")
		}
	}()
	r = r.WithContext(graphql.StartOperationTrace(r.Context()))
	if gateway.IsWebSocketHandshake(r) {
		t.websocket.Do(w, r, t.exec)
		return
	}
	for _, tr := range t.http {
		if tr.Supports(r) {
			tr.Do(w, r, t.exec)
			return
		}
	}
	gateway.WriteError(w, http.StatusBadRequest, CodeBadRequest,
		"not a GraphQL request this server takes: POST application/json, GET with ?query=, Server-Sent Events (Accept: text/event-stream) or a WebSocket")
}

// scopePerResponse gives every response its own upstream scope and loaders:
// a query its one, each event of a subscription a new one, so that nothing
// one answer fetched is served as current in a later one on the same socket
// or stream.
func scopePerResponse(api Upstream, wait time.Duration, obs Observer) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		ctx = upstream.WithRequestScope(ctx)
		return next(context.WithValue(ctx, loadersKey{}, NewLoaders(api, wait, obs)))
	}
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
