// Package gateway builds a whole gateway from its settings: a client for
// each VB365 server (or simulators, in demo mode), the GraphQL handler, the
// operational routes, Redis, metrics and tracing. The command runs one on
// its listener; the tests start one the same way (internal/testenv).
package gateway

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/lru"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/exports"
	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/live"
	"github.com/vb365-graphql/vb365-graphql/logging"
	"github.com/vb365-graphql/vb365-graphql/playground"
	"github.com/vb365-graphql/vb365-graphql/resolvers"
	"github.com/vb365-graphql/vb365-graphql/store"
	"github.com/vb365-graphql/vb365-graphql/telemetry"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// Options are what the settings do not say: where to log, and, for tests,
// adjustments to each client's options and to the GraphQL handler's after
// the settings made them.
type Options struct {
	Logger  *slog.Logger // nil: nowhere
	Client  func(*upstream.Options)
	Handler func(*graphqlhttp.Options)
	// DeferLogin leaves each login to the first call that needs it, as
	// with a server that could not be reached at start: for tests of what
	// a failing login does to the requests of a running gateway.
	DeferLogin bool
}

// Gateway is a gateway, built and logged in, ready to serve.
type Gateway struct {
	Handler http.Handler // every route: /graphql, /healthz, /readyz, /metrics, the playground
	Clients []*upstream.Client
	Metrics *telemetry.Metrics
	log     *slog.Logger
	closers []func(context.Context)
}

// New builds a gateway: its servers' clients (asking each for its version
// when told to), logged in, and its routes. With one server, a failed login
// is an error; with several, a server that cannot be reached is tried again
// on first use.
func New(ctx context.Context, s config.Settings, o Options) (g *Gateway, err error) {
	log := cmp.Or(o.Logger, slog.New(slog.DiscardHandler))
	g = &Gateway{log: log, Metrics: telemetry.New()}
	defer func() {
		if err != nil {
			g.Close(context.WithoutCancel(ctx))
		}
	}()
	opts, guessed, err := g.serverOptions(s)
	if err != nil {
		return g, err
	}
	stopTracing, err := telemetry.StartTracing(ctx, s.Telemetry.OTLPEndpoint)
	if err != nil {
		return g, fmt.Errorf("otlp-endpoint: %w", err)
	}
	g.closers = append(g.closers, func(ctx context.Context) { _ = stopTracing(ctx) })
	var redis *store.Redis
	if s.Store.RedisURL != "" {
		if redis, err = store.Open(s.Store.RedisURL, "vb365-graphql:", log); err != nil {
			return g, fmt.Errorf("redis-url: %w", err)
		}
		g.closers = append(g.closers, func(context.Context) { _ = redis.Close() })
	}
	g.Metrics.WatchBudget(opts[0].Budget) // the same for every server
	for i, uo := range opts {
		uo.Observer = g.Metrics.ForServer(uo.Name)
		uo.Logger = log
		if redis != nil {
			uo.Shared = redis
		}
		if o.Client != nil {
			o.Client(&uo)
		}
		c, err := upstream.New(uo)
		if err != nil {
			return g, fmt.Errorf("server %s: %w", uo.Name, err)
		}
		g.Clients = append(g.Clients, c)
		g.Metrics.WatchClient(c)
		c.FollowShared() // job actions on other replicas make this one's cached jobs stale
		if guessed[i] {
			c.RedetectLater(5 * time.Second)
		}
	}
	if !o.DeferLogin {
		if err := g.logIn(ctx, s.UpstreamTimeout()); err != nil {
			return g, err
		}
	}
	if !s.Demo() && !s.PassThrough() && s.Access.Keys.Len() == 0 && s.Access.OIDC.Issuer == "" {
		log.Warn("allow-anonymous is set: anyone who reaches this gateway reads backup data through the service account")
	}
	g.Handler, err = g.routes(s, redis, o.Handler)
	return g, err
}

// Close logs out of every server and stops what the gateway started.
func (g *Gateway) Close(ctx context.Context) {
	for _, c := range g.Clients {
		if err := c.Logout(ctx); err != nil {
			g.log.Warn("logout from the upstream failed", "server", c.Name(), "err", err)
		}
		c.Close()
	}
	for i := len(g.closers) - 1; i >= 0; i-- {
		g.closers[i](ctx)
	}
}

// serverOptions are the clients' options from the settings, one per server,
// in order. In demo mode it starts the simulators on loopback ports, so
// that even demo calls cross real HTTP. guessed says, per server, that its
// API version could not be asked at start.
func (g *Gateway) serverOptions(s config.Settings) (opts []upstream.Options, guessed []bool, err error) {
	if s.Demo() {
		opts, err = g.demoOptions(s)
		guessed = make([]bool, len(opts))
	} else {
		opts, guessed, err = g.realOptions(s)
	}
	if err != nil {
		return nil, nil, err
	}
	budget := upstream.NewBudget(s.Upstream.AnswerBytes) // one for all the servers: memory is the process's
	c := s.Cache
	for i := range opts {
		o := &opts[i]
		o.Retries, o.MaxConcurrency, o.StartWait = s.Upstream.Retries, s.Upstream.MaxConcurrency, s.Upstream.StartWait
		o.Budget = budget
		// The cache's size is the gateway's, split evenly between the servers.
		o.Sharing = upstream.Sharing{Off: !c.Share, MaxBytes: c.MaxBytes / int64(len(opts)), FinalTTL: c.TTLFinal, LiveTTL: c.TTLLive,
			ListTTL: c.TTLList, JobTTL: c.TTLJob, OrganizationTTL: c.TTLOrganization, RepositoryTTL: c.TTLRepository,
			ProxyTTL: c.TTLProxy, LicenseTTL: c.TTLLicense, CredentialCheck: c.CredentialCheck}
	}
	return opts, guessed, nil
}

// demoOptions starts a simulator per --demo-servers version (else one, of
// --api-version): one is the server "default"; several are named after
// their versions, each with an estate of its own.
func (g *Gateway) demoOptions(s config.Settings) (opts []upstream.Options, err error) {
	versions := s.DemoServers
	if len(versions) == 0 {
		versions = []int{cmp.Or(s.APIVersion(), upstream.MaxVersion)}
	}
	seen := map[int]int{}
	for _, v := range versions {
		name, seed := config.DefaultServerName, ""
		if len(versions) > 1 {
			name = fmt.Sprintf("v%d", v)
			if seen[v] > 0 { // v8, v8-2, ...
				name = fmt.Sprintf("v%d-%d", v, seen[v]+1)
			}
			seed = name
		}
		seen[v]++
		sim, err := vb365sim.Listen(vb365sim.Options{Version: v, Seed: seed})
		if err != nil {
			return nil, err
		}
		g.closers = append(g.closers, func(context.Context) { _ = sim.Close() })
		o := upstream.DefaultOptions(sim.URL, v)
		o.Name = name
		o.Username, o.Password = sim.Credentials()
		o.Timeout = s.UpstreamTimeout()
		g.log.Info("demo mode: serving the built-in VB365 simulator", "server", name, "api_version", fmt.Sprintf("v%d", v), "simulator", sim.URL)
		opts = append(opts, o)
	}
	return opts, nil
}

// realOptions are the options of the configured servers; those whose
// version is auto are asked for it, all at once.
func (g *Gateway) realOptions(s config.Settings) (opts []upstream.Options, guessed []bool, err error) {
	opts, guessed = make([]upstream.Options, len(s.Servers)), make([]bool, len(s.Servers))
	errs := make([]error, len(s.Servers))
	var wg sync.WaitGroup
	for i, srv := range s.Servers {
		wg.Go(func() { opts[i], guessed[i], errs[i] = g.clientOptions(srv) })
	}
	wg.Wait()
	return opts, guessed, errors.Join(errs...)
}

// clientOptions are one real server's options. An auto version is asked
// of the server; if it cannot be asked, v8 is guessed, with a warning.
func (g *Gateway) clientOptions(srv config.Server) (opts upstream.Options, guessed bool, err error) {
	tlsConf, err := upstream.TLSConfig(srv.CAFile, srv.TLSServerName, srv.InsecureSkipVerify)
	if err != nil {
		return opts, false, fmt.Errorf("server %s: %w", srv.Name, err)
	}
	if srv.InsecureSkipVerify {
		g.log.Warn("insecure-skip-verify is set: the upstream's certificate is not checked, so anyone on the path can read the credentials", "server", srv.Name)
	}
	transport := upstream.NewTransport()
	transport.TLSClientConfig = tlsConf
	version := srv.APIVersion
	if version == 0 {
		version, guessed = g.detectVersion(srv, &http.Client{Transport: transport, Timeout: srv.UpstreamTimeout})
	}
	opts = upstream.DefaultOptions(srv.UpstreamURL, version)
	opts.AutoVersion = srv.APIVersion == 0
	opts.Name = srv.Name
	opts.Username, opts.Password = srv.Username, srv.Password
	opts.HTTPClient = &http.Client{Transport: transport}
	opts.Timeout = srv.UpstreamTimeout
	return opts, guessed, nil
}

// detectVersion asks the server for the newest API version it serves
// (--api-version auto); if it cannot be asked, v8, with a warning, and
// guessed: the client asks again in the background.
func (g *Gateway) detectVersion(srv config.Server, hc *http.Client) (version int, guessed bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*hc.Timeout)
	defer cancel()
	v, err := upstream.DetectVersion(ctx, srv.UpstreamURL, hc)
	if err != nil {
		g.log.Warn("could not ask the upstream for its API version; using the newest known until it answers", "server", srv.Name, "api_version", fmt.Sprintf("v%d", upstream.MaxVersion), "err", err)
		return upstream.MaxVersion, true
	}
	g.log.Info("found the upstream's API version", "server", srv.Name, "api_version", fmt.Sprintf("v%d", v))
	return v, false
}

// logIn logs in to every server as its service account, all at once. With
// one server a failure stops the gateway: nothing could be served. With
// several, a server that fails is logged and tried again on first use: the
// others serve meanwhile.
func (g *Gateway) logIn(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()
	errs := make([]error, len(g.Clients))
	var wg sync.WaitGroup
	for i, c := range g.Clients {
		wg.Go(func() { errs[i] = c.Login(ctx) })
	}
	wg.Wait()
	if len(g.Clients) == 1 && errs[0] != nil {
		return fmt.Errorf("cannot log in to the upstream as the service account: %w", errs[0])
	}
	for i, err := range errs {
		if err != nil {
			g.log.Warn("cannot log in to the upstream as the service account; trying again on first use", "server", g.Clients[i].Name(), "err", err)
		}
	}
	return nil
}

// gate says who may call: API keys (with roles) and OpenID Connect tokens
// in service-account mode; in pass-through mode the upstream decides.
// Anonymous callers (no keys, no issuer) are viewers, except in demo mode,
// where the simulator is theirs to act on and restore from.
func gate(s config.Settings, passThrough bool) *access.Gate {
	g := &access.Gate{Keys: s.Access.Keys, PassThrough: passThrough, Anonymous: access.Viewer}
	if s.Demo() {
		g.Anonymous = access.Operator | access.RestoreOperator
	}
	if oidc := s.Access.OIDC; oidc.Issuer != "" {
		g.OIDC = access.NewVerifier(access.OIDCOptions{Issuer: oidc.Issuer, Audience: oidc.Audience, RolesClaim: oidc.RolesClaim,
			OperatorRoles: oidc.OperatorRoles, RestoreOperatorRoles: oidc.RestoreOperatorRoles, TokenTypes: oidc.TokenTypes, Leeway: oidc.ClockSkew, RefreshFloor: 30 * time.Second})
	}
	return g
}

// routes lays out the HTTP paths of the gateway.
func (g *Gateway) routes(s config.Settings, redis *store.Redis, tweak func(*graphqlhttp.Options)) (http.Handler, error) {
	lim := s.Limits
	o := graphqlhttp.DefaultOptions()
	o.Logger = g.log
	o.BatchWait, o.BatchWaitMax, o.ServerTimeout = s.Upstream.BatchWait, s.Upstream.BatchWaitMax, s.Upstream.ServerTimeout
	o.RequestTimeout, o.PollInterval = lim.RequestTimeout, s.Live.PollInterval
	o.Limits = graphqlhttp.Limits{MaxDepth: lim.MaxDepth, MaxAliases: lim.MaxAliases, MaxComplexity: lim.MaxComplexity,
		MaxTokens: lim.MaxTokens, MaxFields: lim.MaxFields, MaxEntities: lim.MaxEntities}
	o.Introspection = lim.Introspection
	o.MaxBodyBytes, o.BodyTimeout = lim.MaxBodyBytes, lim.BodyTimeout
	o.WebsocketInitTimeout, o.MaxPendingSockets = lim.WSInitTimeout, lim.MaxPendingSockets
	o.MaxSubscriptionsPerSocket, o.MaxSubscriptionsPerCaller = lim.MaxSubsPerSocket, lim.MaxSubsPerCaller
	o.CORSOrigins, o.Tracing = s.Listen.CORSOrigins, s.Telemetry.OTLPEndpoint != ""
	o.Gate = gate(s, !g.Clients[0].ServiceAccount())
	o.Idempotency = store.NewOnce(redis, graphqlhttp.IdempotencyWindow)
	o.ProxyCredentials, o.RestoreAccounts = s.Upstream.ProxyCredentials, s.Upstream.RestoreAccounts
	if s.Demo() && o.RestoreAccounts == nil {
		user, password := vb365sim.RestoreAccount()
		o.RestoreAccounts = map[string]upstream.Credentials{demoRestoreAccount: {Username: user, Password: password}}
	}
	x, err := g.exports(s)
	if err != nil {
		return nil, err
	}
	o.Exports = x
	o.RestoreOwners = store.NewOwners(redis, 0)
	o.IdleRestoreSessions = resolvers.NewIdleRestoreSessions(s.Live.RestoreIdleTimeout)
	reap, stopReaping := context.WithCancel(context.Background())
	go o.IdleRestoreSessions.Run(reap, g.Clients, g.log)
	g.closers = append(g.closers, func(context.Context) { stopReaping() })
	o.IDs = store.NewServerIDs(redis, 0)
	if s.Cache.Share {
		o.OperationCacheBytes = s.Cache.MaxBytes / 4
	}
	o.Observer = g.Metrics
	g.Metrics.WatchLive(live.Leading)
	if redis != nil {
		o.PersistedQueries = store.PersistedQueries{Local: lru.New[string](1000), Redis: redis, TTL: 24 * time.Hour}
	}
	if redis != nil {
		o.Cluster = redis
		g.Metrics.WatchRedis(redis.Down)
	}
	if tweak != nil {
		tweak(&o)
	}
	api, err := graphqlhttp.New(g.Clients, o)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", logging.RequestIDs(api))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET "+exports.Path+"{id}/{name}", logging.RequestIDs(o.Exports.Handler(func(r *http.Request) (string, string, error) {
		c, err := o.Gate.Identify(r.Context(), r.Header.Get("X-API-Key"), r.Header.Get("Authorization"))
		return c.ID, c.Name, err
	})))
	mux.Handle("GET /readyz", telemetry.Readiness(g.ready(s.Listen.ReadyWhen == "all"), 5*time.Second, func() string {
		if redis.Down() {
			return "degraded: redis cannot be reached; this replica keeps its own state and asks the upstream for its own subscribers"
		}
		return ""
	}))
	mux.Handle("GET /metrics", g.Metrics.Handler())
	if o.Introspection { // the schema is published when introspection is
		mux.Handle("GET /schema.graphql", graphqlhttp.Compress(clientSchema(o.Gate)))
	}
	mux.Handle("/", playground.Handler())
	return mux, nil
}

// demoRestoreAccount names the simulators' restore account in demo mode.
const demoRestoreAccount = "contoso"

// exports keeps the files exportItems makes, in the spool the settings
// say (else a directory of its own, removed when it closes), until the
// gateway closes.
func (g *Gateway) exports(s config.Settings) (*exports.Exports, error) {
	dir := s.Exports.Dir
	if dir == "" {
		temp, err := spoolOfOurOwn()
		if err != nil {
			return nil, fmt.Errorf("export-dir: %w", err)
		}
		dir = temp
		g.closers = append(g.closers, func(context.Context) { _ = os.RemoveAll(temp) })
	}
	x, err := exports.New(exports.Options{Dir: dir, Quota: s.Exports.Quota, TTL: s.Exports.TTL, LinkTTL: s.Exports.LinkTTL,
		Concurrency: s.Exports.Concurrency, Audit: g.log})
	if err != nil {
		return nil, err
	}
	g.closers = append(g.closers, func(context.Context) { x.Close() })
	return x, nil
}

// spoolOfOurOwn makes a new directory for this gateway's exports under
// vb365-graphql-exports in the system's temporary directory, named after
// the process; first it removes those of processes that are gone (killed
// before they could remove their own).
func spoolOfOurOwn() (string, error) {
	base := filepath.Join(os.TempDir(), "vb365-graphql-exports")
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", err
	}
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		pid, _, _ := strings.Cut(e.Name(), "-")
		if n, err := strconv.Atoi(pid); err == nil && n > 0 && syscall.Kill(n, 0) == syscall.ESRCH {
			_ = os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
	return os.MkdirTemp(base, strconv.Itoa(os.Getpid())+"-")
}

// ready is ready when any server answers (all: when every one does); its
// reason names the servers that do not.
func (g *Gateway) ready(all bool) func(context.Context) error {
	return func(ctx context.Context) error {
		errs := make([]error, len(g.Clients))
		var wg sync.WaitGroup
		for i, c := range g.Clients {
			wg.Go(func() {
				if err := c.Ping(ctx); err != nil {
					errs[i] = fmt.Errorf("%s: %w", c.Name(), err)
				}
			})
		}
		wg.Wait()
		failed := 0
		for _, err := range errs {
			if err != nil {
				failed++
			}
		}
		if failed == len(g.Clients) || all && failed > 0 {
			return errors.Join(errs...)
		}
		return nil
	}
}

// clientSchema answers /schema.graphql: the schema as frontend tools read
// it (relay-compiler, graphql-codegen), without the federation's parts, to
// those who may ask /graphql. It is printed when first asked, not at start.
func clientSchema(gate *access.Gate) http.Handler {
	file := sync.OnceValues(func() ([]byte, string) {
		text := []byte(graph.ClientSchema())
		sum := sha256.Sum256(text)
		return text, `"` + hex.EncodeToString(sum[:8]) + `"`
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := gate.Identify(r.Context(), r.Header.Get("X-API-Key"), r.Header.Get("Authorization")); err != nil {
			http.Error(w, "unauthenticated: send an API key (X-API-Key) or a bearer token, as to /graphql", http.StatusUnauthorized)
			return
		}
		text, etag := file()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "no-cache") // may be kept, but asked again: a new version may change it
		http.ServeContent(w, r, "schema.graphql", time.Time{}, bytes.NewReader(text))
	})
}
