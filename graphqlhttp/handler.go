// Package graphqlhttp serves GraphQL over HTTP at /graphql: who may call
// (API keys), what a request may send and ask for (body, shape and cost
// limits), the transports (one-shot POST and GET, Server-Sent Events,
// WebSocket), the error presenter with its stable codes, the operation cache
// and the tracing hooks. It makes each operation's upstream scope and
// loaders (resolvers.Operation), and nothing else does.
package graphqlhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/exports"
	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/live"
	"github.com/vb365-graphql/vb365-graphql/resolvers"
	"github.com/vb365-graphql/vb365-graphql/store"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Observer is told what the GraphQL layer does; telemetry implements it.
type Observer interface {
	resolvers.BatchObserver
	resolvers.ActionObserver
	Operation(kind, name string, ok bool, d time.Duration)
	// Refused counts a request or socket refused for its credentials, by
	// reason: "missing" (none, or a key that is not one) or "invalid" (a token).
	Refused(reason string)
	// CrossOriginRefused counts a request from a web page of an origin
	// --cors-origins does not list.
	CrossOriginRefused()
}

// Options configure the handler. DefaultOptions fills every one; New checks them.
type Options struct {
	// ProxyCredentials are the Windows backup proxies' administrators', by
	// "server/host" or "host" (lower case), for their maintenance mode.
	ProxyCredentials map[string]upstream.Credentials
	BatchWait        time.Duration // how long loaders collect keys before calling the upstream (0: none)
	BatchWaitMax     time.Duration // how far a loader's wait may widen under load (resolvers.Windows)
	RequestTimeout   time.Duration // deadline of one query or mutation (not of subscriptions)
	PollInterval     time.Duration // how often a session followed by a subscription is asked for
	QueryCacheSize   int           // parsed and validated queries kept
	Limits           Limits
	Introspection    bool
	// OperationCacheBytes bounds the answers shared whole between identical
	// operations (see operationCache); 0: none are.
	OperationCacheBytes int64
	// Gate says who a request is from: API keys, access tokens, pass-through
	// or anonymous (nil: anyone, as an anonymous viewer, or as themselves to
	// the upstream in pass-through mode).
	Gate *access.Gate
	// Idempotency gives a repeated mutation its first result (nil: within
	// this process only).
	Idempotency resolvers.Idempotency
	// RestoreOwners remembers who opened each restore session (nil: this
	// process only).
	RestoreOwners resolvers.RestoreOwners
	// IdleRestoreSessions stops restore sessions left unused (nil: none).
	IdleRestoreSessions *resolvers.IdleRestoreSessions
	// RestoreAccounts are the Microsoft 365 accounts restoreItems signs in
	// with, by name (lower case).
	RestoreAccounts map[string]upstream.Credentials
	// Exports keeps the files exportItems makes (nil: exportItems is
	// refused).
	Exports *exports.Exports
	// Cluster is what the replicas share to ask the upstream once between
	// them for every subscription (nil: this replica asks for its own).
	Cluster live.Cluster
	// MaxBodyBytes and BodyTimeout bound a request body's size and arrival.
	MaxBodyBytes int64
	BodyTimeout  time.Duration
	// WebsocketInitTimeout is how long a socket may take to send an
	// acceptable connection_init; MaxPendingSockets bounds those waiting.
	WebsocketInitTimeout time.Duration
	MaxPendingSockets    int
	// MaxSubscriptionsPerSocket and MaxSubscriptionsPerCaller bound the
	// subscriptions open at once on one WebSocket, and of one caller over
	// all its sockets and event streams; more are refused.
	MaxSubscriptionsPerSocket int
	MaxSubscriptionsPerCaller int
	// CORSOrigins may call from a browser ("*": any; none: same origin only).
	CORSOrigins []string
	// PersistedQueries keeps the queries of automatic persisted queries
	// (nil: a local LRU); store.PersistedQueries shares them between replicas.
	PersistedQueries graphql.Cache[string]
	// IDs remembers which server served an id (nil: within this process);
	// store.ServerIDs shares it between replicas. Unused with one server.
	IDs resolvers.IDs
	// ServerTimeout bounds each server's part of a list merged from several,
	// or of a lookup asked of several (0: only RequestTimeout does).
	ServerTimeout time.Duration
	// Observer is told of every operation and loader batch (nil: nobody).
	Observer Observer
	// Logger gets the audit of actions, errors an operator should see, and
	// why tokens were refused (nil: nowhere).
	Logger *slog.Logger
	// Tracing adds OpenTelemetry spans for operations and for the resolvers
	// that reach the upstream, continuing the caller's trace.
	Tracing bool
}

// DefaultOptions are the options unless told otherwise.
func DefaultOptions() Options {
	return Options{
		BatchWait: 500 * time.Microsecond, BatchWaitMax: 10 * time.Millisecond, RequestTimeout: 30 * time.Second, PollInterval: 2 * time.Second,
		QueryCacheSize: 1000, Limits: DefaultLimits(), Introspection: true,
		MaxBodyBytes: 1 << 20, BodyTimeout: 10 * time.Second,
		WebsocketInitTimeout: 10 * time.Second, MaxPendingSockets: 100,
		MaxSubscriptionsPerSocket: 100, MaxSubscriptionsPerCaller: 1000,
	}
}

func (o Options) check() error {
	if o.BatchWait < 0 || o.BatchWaitMax < 0 || o.ServerTimeout < 0 || o.RequestTimeout <= 0 || o.PollInterval <= 0 || o.QueryCacheSize <= 0 || o.OperationCacheBytes < 0 ||
		o.MaxBodyBytes <= 0 || o.BodyTimeout <= 0 || o.WebsocketInitTimeout <= 0 || o.MaxPendingSockets <= 0 ||
		o.MaxSubscriptionsPerSocket <= 0 || o.MaxSubscriptionsPerCaller <= 0 {
		return errors.New("graphqlhttp: every duration, size and count must be positive (the batch wait, the server timeout and the operation cache may be 0)")
	}
	return o.Limits.check()
}

// apiKeyHeader is X-API-Key in its canonical form: looked up as is, it
// costs no allocation on every request.
const apiKeyHeader = "X-Api-Key"

// IdempotencyWindow is how long a repeated mutation gets the first's result.
const IdempotencyWindow = 10 * time.Minute

// Handler serves /graphql.
type Handler struct {
	servers  []*upstream.Client // one per VB365 server, the default first
	opts     Options
	exec     *executor.Executor
	sockets  *sockets
	sse      transport.SSE
	cache    *operationCache // nil: answers are not shared
	obs      Observer
	settings *resolvers.Settings // what every operation shares
	subs     *subscriptionCaps
	shared   *sharedStreams // one execution per distinct subscription
	refused  *refusals
	present  presenter
	parsed   graphql.Cache[*ast.QueryDocument] // what gqlgen parsed and validated, by query text
}

// New builds the handler over servers (the first is the default one; each
// has its own name), behind its edge: CORS, gzip and, when tracing, the
// caller's trace context.
func New(servers []*upstream.Client, o Options) (http.Handler, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if len(servers) == 0 {
		return nil, errors.New("graphqlhttp: no server to serve")
	}
	if o.Gate == nil {
		o.Gate = &access.Gate{PassThrough: !servers[0].ServiceAccount(), Anonymous: access.Viewer}
	}
	if o.RestoreOwners == nil {
		o.RestoreOwners = store.NewOwners(nil, 0)
	}
	if o.Idempotency == nil {
		o.Idempotency = store.NewOnce(nil, IdempotencyWindow)
	}
	if o.IDs == nil {
		o.IDs = store.NewServerIDs(nil, 0)
	}
	if o.PersistedQueries == nil {
		o.PersistedQueries = lru.New[string](o.QueryCacheSize)
	}
	h := &Handler{servers: servers, opts: o, obs: o.Observer, subs: newSubscriptionCaps(o.MaxSubscriptionsPerSocket, o.MaxSubscriptionsPerCaller),
		shared: newSharedStreams()}
	if h.obs == nil {
		h.obs = noObserver{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	h.present = presenter{o.Logger}
	h.refused = &refusals{obs: h.obs, log: o.Logger}
	h.sockets = newSockets(o.Gate, o.WebsocketInitTimeout, o.MaxPendingSockets, h.refused, o.CORSOrigins)
	h.settings = &resolvers.Settings{IDs: o.IDs, Windows: resolvers.NewWindows(o.BatchWait, o.BatchWaitMax), Observer: h.obs, ServerTimeout: o.ServerTimeout}
	if o.OperationCacheBytes > 0 {
		h.cache = newOperationCache(o.OperationCacheBytes)
	}
	resolver := &resolvers.Resolver{Idempotency: o.Idempotency, Actions: h.obs, Audit: o.Logger, ProxyCredentials: o.ProxyCredentials,
		RestoreOwners: o.RestoreOwners, IdleRestoreSessions: o.IdleRestoreSessions, RestoreAccounts: o.RestoreAccounts, Exports: o.Exports}
	for _, api := range servers {
		resolver.Servers = append(resolver.Servers, resolvers.NewServer(api, o.PollInterval, o.Cluster, o.Logger))
	}
	h.exec = executor.New(graph.NewExecutableSchema(graph.Config{Schema: graph.ServedSchema(), Resolvers: resolver, Complexity: resolvers.Complexity(len(servers))}))
	parsed := lru.New[*ast.QueryDocument](o.QueryCacheSize)
	h.exec.SetQueryCache(parsed)
	h.parsed = parsed
	// Automatic persisted queries: a client may send only the query's hash.
	h.exec.Use(extension.AutomaticPersistedQuery{Cache: o.PersistedQueries})
	h.exec.Use(fieldLimit{max: o.Limits.MaxFields, maxTokens: o.Limits.MaxTokens, parsed: parsed}) // after APQ has the query
	h.exec.SetParserTokenLimit(o.Limits.MaxTokens)
	if o.Introspection {
		h.exec.Use(extension.Introspection{})
	}
	h.exec.Use(&shapeLimit{maxDepth: o.Limits.MaxDepth, maxAliases: o.Limits.MaxAliases, maxEntities: o.Limits.MaxEntities, introspection: o.Introspection,
		servers: len(servers), ids: o.IDs})
	h.exec.Use(extension.FixedComplexityLimit(o.Limits.MaxComplexity))
	h.exec.AroundOperations(h.operationOnStream)
	h.exec.AroundResponses(h.observeOperations)
	h.exec.AroundResponses(capErrors)
	h.exec.AroundResponses(h.renewPerEvent)
	if o.Tracing {
		h.exec.AroundOperations(traceOperations)
		h.exec.AroundFields(traceResolvers)
	}
	h.exec.SetErrorPresenter(h.present.presentError)
	h.exec.SetRecoverFunc(h.present.presentPanic)

	var edge http.Handler = h
	edge = Compress(edge)
	edge = crossOrigin(edge, o.CORSOrigins, h.obs, o.Logger)
	if o.Tracing {
		edge = extractTrace(edge)
	}
	return edge, nil
}

// ServeHTTP lays out who may call over which transport. A WebSocket
// handshake goes to the WebSocket transport and nowhere else: it is the one
// request that may come without an API key in its headers, which its
// connection_init must then carry. Any other request must show a key in its
// headers (when keys are configured) before its body is read; then the
// one-shot transport, Server-Sent Events, or CORS preflight answers it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			_ = h.present.presentPanic(r.Context(), p) // logs it
			writeError(w, http.StatusInternalServerError, graph.CodeInternal, "internal error")
		}
	}()
	if IsWebSocketHandshake(r) {
		h.sockets.Do(w, r.WithContext(graphql.StartOperationTrace(r.Context())), h.exec)
		return
	}
	if r.Method == http.MethodOptions || r.Method == http.MethodHead {
		transport.Options{}.Do(w, r, h.exec)
		return
	}
	if isSingleConnectionSSE(r) {
		refuseSingleConnectionSSE(w)
		return
	}
	caller, err := h.opts.Gate.Identify(r.Context(), r.Header.Get(apiKeyHeader), r.Header.Get("Authorization"))
	if err != nil {
		refuseUnauthenticated(r.Context(), w, err, h.refused)
		return
	}
	if !h.opts.Gate.PassThrough {
		// The key or token is ours, not the upstream's: it must not travel further.
		r.Header.Del("Authorization")
		r.Header.Del(apiKeyHeader)
	}
	req := resolvers.Request{Caller: caller, IdempotencyKey: r.Header.Get("Idempotency-Key")}
	switch {
	case isEventStream(r):
		h.serveEvents(w, r, req)
	case isOneShot(r):
		h.serveOneShot(w, r, req)
	default:
		writeError(w, http.StatusBadRequest, graph.CodeBadRequest,
			"not a GraphQL request this server takes: POST application/json, GET with ?query=, Server-Sent Events (POST or GET with Accept: text/event-stream) or a WebSocket")
	}
}

// serveOneShot answers a query or mutation whole, sharing the answer with
// identical operations while it may be.
func (h *Handler) serveOneShot(w http.ResponseWriter, r *http.Request, req resolvers.Request) {
	body, ok := readBody(w, r, h.opts.MaxBodyBytes, h.opts.BodyTimeout)
	if !ok {
		return
	}
	params, badRequest := decodeParams(r, body)
	run := func(ctx context.Context) *answer { return h.execute(ctx, r, params, badRequest, req) }
	// Only a query is shared with identical requests, or kept: never a
	// mutation, however it was sent (a persisted one is only a hash).
	if h.cache == nil || badRequest != nil || h.operationOf(r.Context(), params) != ast.Query {
		run(r.Context()).writeTo(w)
		return
	}
	start := time.Now()
	key := operationKey(r, body, h.jobsGeneration(), req.Caller)
	if ans, ok := h.cache.kept(key); ok && h.vouched(r.Header.Get("Authorization")) {
		ans.writeTo(w)
		h.obs.Operation(ans.kind, ans.name, true, time.Since(start))
		return
	}
	ans := h.cache.share(r.Context(), key, run)
	if ans != nil {
		ans.writeTo(w)
	}
}

// operationOf tells the type of the request's operation: the operation
// its name picks in the document its text, or its persisted query's hash,
// gives. The documents gqlgen parsed are looked up first; "" when it cannot
// be told (gqlgen then answers why).
func (h *Handler) operationOf(ctx context.Context, params *graphql.RawParams) ast.Operation {
	query := params.Query
	if query == "" {
		apq, _ := params.Extensions["persistedQuery"].(map[string]any)
		hash, _ := apq["sha256Hash"].(string)
		var ok bool
		if query, ok = h.opts.PersistedQueries.Get(ctx, hash); !ok || hash == "" {
			return ""
		}
	}
	doc, ok := h.parsed.Get(ctx, query)
	if !ok {
		var err error
		if doc, err = parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, h.opts.Limits.MaxTokens); err != nil {
			return ""
		}
	}
	if o := doc.Operations.ForName(params.OperationName); o != nil {
		return o.Operation
	}
	return ""
}

// serveEvents answers over Server-Sent Events (a subscription, usually),
// once the body has arrived whole; a GET (a browser's EventSource) carries
// the operation in its query string, and may not be a mutation.
func (h *Handler) serveEvents(w http.ResponseWriter, r *http.Request, req resolvers.Request) {
	body, ok := readBody(w, r, h.opts.MaxBodyBytes, h.opts.BodyTimeout)
	if !ok {
		return
	}
	params, bad := decodeParams(r, body)
	if bad != nil {
		writeError(w, http.StatusBadRequest, graph.CodeBadRequest, bad.Message)
		return
	}
	if r.Method == http.MethodGet {
		if h.operationOf(r.Context(), params) == ast.Mutation {
			writeError(w, http.StatusMethodNotAllowed, graph.CodeBadRequest, "a mutation may not be sent with GET: send it with POST")
			return
		}
		// gqlgen's transport reads the operation from a JSON body.
		body, _ = json.Marshal(map[string]any{"query": params.Query, "operationName": params.OperationName,
			"variables": params.Variables, "extensions": params.Extensions})
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	ctx := resolvers.WithOperation(graphql.StartOperationTrace(r.Context()), h.newOperation(r.Header.Get("Authorization"), req))
	h.sse.Do(completeWithData{w}, r.WithContext(ctx), h.exec)
}

// completeWithData gives gqlgen's "complete" event the empty data line the
// GraphQL-over-SSE protocol has ("event: complete\ndata:"): a browser's
// EventSource drops an event without data, never sees the end, and
// reconnects, subscribing again.
type completeWithData struct{ http.ResponseWriter }

var bareComplete = []byte("event: complete\n\n")

func (w completeWithData) Write(b []byte) (int, error) {
	if bytes.Equal(b, bareComplete) {
		if _, err := io.WriteString(w.ResponseWriter, "event: complete\ndata:\n\n"); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w completeWithData) Flush() { http.NewResponseController(w.ResponseWriter).Flush() }

func (w completeWithData) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// jobsGeneration changes whenever a job action is taken on any server.
func (h *Handler) jobsGeneration() int64 {
	var sum int64
	for _, api := range h.servers {
		sum += api.JobsGeneration()
	}
	return sum
}

// vouched reports whether every server vouches for the caller.
func (h *Handler) vouched(authorization string) bool {
	for _, api := range h.servers {
		if !api.Vouched(authorization) {
			return false
		}
	}
	return true
}

// newOperation starts an operation's upstream scopes and loaders.
func (h *Handler) newOperation(credential string, req resolvers.Request) *resolvers.Operation {
	return resolvers.NewOperation(h.servers, h.settings, credential, req)
}

// operationOnStream gives an operation that arrived on a stream (a
// WebSocket carries many; SSE one) its scope and loaders. One-shot requests
// made theirs before executing, to read back how long the answer may be
// shared. A subscription counts against its socket's and its caller's
// caps while it is open, or is refused.
func (h *Handler) operationOnStream(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op, ok := resolvers.OperationOf(ctx)
	if !ok {
		op = h.newOperation(streamCredential(ctx), resolvers.Request{Caller: socketCaller(ctx)})
		ctx = resolvers.WithOperation(ctx, op)
	}
	if oc := graphql.GetOperationContext(ctx); oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	release, refusal := h.subs.take(ctx, op.Request().Caller)
	if refusal != nil {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{refusal}})
	}
	context.AfterFunc(ctx, release) // the subscription's context ends with it, on every transport
	var responses graphql.ResponseHandler
	if key, replay, ok := shareKey(graphql.GetOperationContext(ctx), op.Request().Caller, op.Credential()); ok {
		responses = h.shared.join(ctx, key, replay, next)
	} else {
		responses = next(ctx)
	}
	return func(ctx context.Context) *graphql.Response {
		r := responses(ctx)
		if r == nil {
			release()
		}
		return r
	}
}

// renewPerEvent gives each event of a subscription a scope and loaders of
// its own, with the operation's credential: a later event must not be
// answered from what an earlier one fetched.
func (h *Handler) renewPerEvent(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if graphql.HasOperationContext(ctx) {
		if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
			if op, ok := resolvers.OperationOf(ctx); ok {
				ctx = resolvers.WithOperation(ctx, h.newOperation(op.Credential(), op.Request()))
			}
		}
	}
	return next(ctx)
}

// streamCredential is the caller's credential on a stream: a WebSocket's
// connection_init payload, else the request's Authorization header.
func streamCredential(ctx context.Context) string {
	if p := transport.GetInitPayload(ctx); p != nil {
		if a := p.Authorization(); a != "" {
			return a
		}
	}
	if graphql.HasOperationContext(ctx) {
		return graphql.GetOperationContext(ctx).Headers.Get("Authorization")
	}
	return ""
}

// observeOperations times every response (each event of a subscription is
// not an operation: only its first is counted).
func (h *Handler) observeOperations(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
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
	if kind != "subscription" || start.Sub(op.Stats.OperationStart) < time.Millisecond {
		ok := resp == nil || len(resp.Errors) == 0
		h.obs.Operation(kind, op.Operation.Name, ok, time.Since(op.Stats.OperationStart))
	}
	return resp
}

type noObserver struct{}

func (noObserver) Operation(string, string, bool, time.Duration) {}
func (noObserver) LoaderBatch(string, int)                       {}
func (noObserver) Action(string, string)                         {}
func (noObserver) Refused(string)                                {}
func (noObserver) CrossOriginRefused()                           {}
