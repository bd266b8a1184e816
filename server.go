// Command vb365-graphql is a GraphQL gateway over the Veeam Backup for
// Microsoft 365 REST API. With no upstream configured it serves an in-process
// simulator (demo mode). This file reads the settings (package config),
// wires the parts and runs the HTTP server; nothing else.
package main

//go:generate go tool gqlgen generate

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/lru"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/graphqlhttp"
	"github.com/vb365-graphql/vb365-graphql/logging"
	"github.com/vb365-graphql/vb365-graphql/playground"
	"github.com/vb365-graphql/vb365-graphql/store"
	"github.com/vb365-graphql/vb365-graphql/telemetry"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// serverOptions are the clients' options from the settings, one per
// server, in order. In demo mode it starts the simulators on loopback ports,
// so that even demo calls cross real HTTP; stop ends them. guessed says,
// per server, that its API version could not be asked at start.
func serverOptions(s config.Settings) (opts []upstream.Options, guessed []bool, stop func(), err error) {
	stop = func() {}
	if s.Demo() {
		opts, stop, err = demoOptions(s)
		guessed = make([]bool, len(opts))
	} else {
		opts, guessed, err = realOptions(s)
	}
	budget := upstream.NewBudget(s.AnswerBytes) // one for all the servers: memory is the process's
	for i := range opts {
		o := &opts[i]
		o.Retries, o.MaxConcurrency, o.StartWait = s.UpstreamRetries, s.MaxConcurrency, s.StartWait
		o.Budget = budget
		// The cache's size is the gateway's, split evenly between the servers.
		o.Sharing = upstream.Sharing{Off: !s.Share, MaxBytes: s.CacheMaxBytes / int64(len(opts)), FinalTTL: s.CacheTTLFinal, LiveTTL: s.CacheTTLLive,
			ListTTL: s.CacheTTLList, JobTTL: s.CacheTTLJob, OrganizationTTL: s.CacheTTLOrg, RepositoryTTL: s.CacheTTLRepository,
			ProxyTTL: s.CacheTTLProxy, LicenseTTL: s.CacheTTLLicense, CredentialCheck: s.CredentialCheck}
	}
	return opts, guessed, stop, err
}

// demoOptions starts a simulator per --demo-servers version (else one, of
// --api-version): one is the server "default"; several are named after
// their versions, each with an estate of its own.
func demoOptions(s config.Settings) (opts []upstream.Options, stop func(), err error) {
	versions := s.DemoServers
	if len(versions) == 0 {
		versions = []int{cmp.Or(s.APIVersion, upstream.MaxVersion)}
	}
	var sims []*vb365sim.Listening
	stop = func() {
		for _, sim := range sims {
			_ = sim.Close()
		}
	}
	for i, v := range versions {
		name, seed := config.DefaultServerName, ""
		if len(versions) > 1 {
			name = fmt.Sprintf("v%d", v)
			if n := countOf(versions[:i], v); n > 0 { // v8, v8-2, ...
				name = fmt.Sprintf("v%d-%d", v, n+1)
			}
			seed = name
		}
		sim, err := vb365sim.Listen(vb365sim.Options{Version: v, Seed: seed})
		if err != nil {
			stop()
			return nil, func() {}, err
		}
		sims = append(sims, sim)
		o := upstream.DefaultOptions(sim.URL, v)
		o.Name = name
		o.Username, o.Password = sim.Credentials()
		o.Timeout = s.UpstreamTimeout
		slog.Info("demo mode: serving the built-in VB365 simulator", "server", name, "api_version", fmt.Sprintf("v%d", v), "simulator", sim.URL)
		opts = append(opts, o)
	}
	return opts, stop, nil
}

func countOf(list []int, v int) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

// realOptions are the options of the configured servers; those whose
// version is auto are asked for it, all at once.
func realOptions(s config.Settings) (opts []upstream.Options, guessed []bool, err error) {
	opts, guessed = make([]upstream.Options, len(s.Servers)), make([]bool, len(s.Servers))
	errs := make([]error, len(s.Servers))
	var wg sync.WaitGroup
	for i, srv := range s.Servers {
		wg.Go(func() { opts[i], guessed[i], errs[i] = clientOptions(srv) })
	}
	wg.Wait()
	return opts, guessed, errors.Join(errs...)
}

// clientOptions are one real server's options. An auto version is asked
// of the server; if it cannot be asked, v8 is guessed, with a warning.
func clientOptions(srv config.Server) (opts upstream.Options, guessed bool, err error) {
	tlsConf, err := upstream.TLSConfig(srv.CAFile, srv.TLSServerName, srv.InsecureSkipVerify)
	if err != nil {
		return opts, false, fmt.Errorf("server %s: %w", srv.Name, err)
	}
	if srv.InsecureSkipVerify {
		slog.Warn("insecure-skip-verify is set: the upstream's certificate is not checked, so anyone on the path can read the credentials", "server", srv.Name)
	}
	transport := upstream.NewTransport()
	transport.TLSClientConfig = tlsConf
	version := srv.APIVersion
	if version == 0 {
		version, guessed = detectVersion(srv, &http.Client{Transport: transport, Timeout: srv.UpstreamTimeout})
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
func detectVersion(srv config.Server, hc *http.Client) (version int, guessed bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*hc.Timeout)
	defer cancel()
	v, err := upstream.DetectVersion(ctx, srv.UpstreamURL, hc)
	if err != nil {
		slog.Warn("could not ask the upstream for its API version; using the newest known until it answers", "server", srv.Name, "api_version", fmt.Sprintf("v%d", upstream.MaxVersion), "err", err)
		return upstream.MaxVersion, true
	}
	slog.Info("found the upstream's API version", "server", srv.Name, "api_version", fmt.Sprintf("v%d", v))
	return v, false
}

// parts are what routes serves over; only servers is required.
type parts struct {
	servers []graphqlhttp.API // the first is the default

	redis   *store.Redis                // nil: nothing shared between replicas
	metrics *telemetry.Metrics          // nil: no /metrics
	ready   func(context.Context) error // nil: /readyz always ready
}

// gateOf says who may call: API keys (with roles) and OpenID Connect
// tokens in service-account mode; in pass-through mode the upstream
// decides. Anonymous callers (no keys, no issuer) are viewers, except in
// demo mode, where the simulator is theirs to act on.
func gateOf(s config.Settings, passThrough bool) (*access.Gate, error) {
	keys, err := access.ParseKeys(s.APIKeys)
	if err != nil {
		return nil, fmt.Errorf("api-keys: %w", err)
	}
	g := &access.Gate{Keys: keys, PassThrough: passThrough, Anonymous: access.Viewer}
	if s.Demo() {
		g.Anonymous = access.Operator
	}
	if s.OIDCIssuer != "" {
		g.OIDC = access.NewVerifier(access.OIDCOptions{Issuer: s.OIDCIssuer, Audience: s.OIDCAudience, RolesClaim: s.OIDCRolesClaim,
			OperatorRoles: s.OIDCOperatorRoles, TokenTypes: s.OIDCTokenTypes, Leeway: s.OIDCClockSkew, RefreshFloor: 30 * time.Second})
	}
	return g, nil
}

// routes lays out the HTTP paths of the gateway.
func routes(p parts, s config.Settings) (http.Handler, error) {
	o := graphqlhttp.DefaultOptions()
	o.BatchWait, o.BatchWaitMax, o.RequestTimeout, o.PollInterval = s.BatchWait, s.BatchWaitMax, s.RequestTimeout, s.PollInterval
	o.ServerTimeout = s.ServerTimeout
	o.Limits = graphqlhttp.Limits{MaxDepth: s.MaxDepth, MaxAliases: s.MaxAliases, MaxComplexity: s.MaxComplexity,
		MaxTokens: s.MaxTokens, MaxFields: s.MaxFields, MaxEntities: s.MaxEntities}
	o.Introspection = s.Introspection
	o.MaxBodyBytes, o.BodyTimeout = s.MaxBodyBytes, s.BodyTimeout
	o.WebsocketInitTimeout, o.MaxPendingSockets = s.WSInitTimeout, s.MaxPendingSockets
	o.MaxSubscriptionsPerSocket, o.MaxSubscriptionsPerCaller = s.MaxSubsPerSocket, s.MaxSubsPerCaller
	o.CORSOrigins, o.Tracing = s.CORSOrigins, s.OTLPEndpoint != ""
	gate, err := gateOf(s, !p.servers[0].ServiceAccount())
	if err != nil {
		return nil, err
	}
	o.Gate = gate
	o.Idempotency = store.NewOnce(p.redis, graphqlhttp.IdempotencyWindow)
	o.IDs = store.NewServerIDs(p.redis, 0)
	if s.Share {
		o.OperationCacheBytes = s.CacheMaxBytes / 4
	}
	if p.metrics != nil {
		o.Observer = p.metrics
	}
	if p.redis != nil {
		o.PersistedQueries = store.PersistedQueries{Local: lru.New[string](1000), Redis: p.redis, TTL: 24 * time.Hour}
	}
	graphql, err := graphqlhttp.New(p.servers, o)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", logging.RequestIDs(graphql))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	ready := p.ready
	if ready == nil {
		ready = func(context.Context) error { return nil }
	}
	mux.Handle("GET /readyz", telemetry.Readiness(ready, 5*time.Second))
	if p.metrics != nil {
		mux.Handle("GET /metrics", p.metrics.Handler())
	}
	mux.Handle("/", playground.Handler())
	return mux, nil
}

func run(ctx context.Context, args []string) error {
	s, err := config.Load(args, os.Getenv)
	if err != nil {
		return err
	}
	keys, err := access.ParseKeys(s.APIKeys)
	if err != nil {
		return fmt.Errorf("api-keys: %w", err)
	}
	slog.SetDefault(logging.New(os.Stderr, s.LogFormat, s.LogLevel, append(s.Secrets(), keys.Secrets()...)))

	opts, guessed, stopDemo, err := serverOptions(s)
	defer stopDemo()
	if err != nil {
		return err
	}
	tuneRuntime(s)
	if s.DebugAddr != "" {
		stopDebug, err := serveDebug(s.DebugAddr)
		if err != nil {
			return fmt.Errorf("debug-addr: %w", err)
		}
		defer stopDebug()
	}
	metrics := telemetry.New()
	metrics.WatchBudget(opts[0].Budget) // the same for every server
	stopTracing, err := telemetry.StartTracing(ctx, s.OTLPEndpoint)
	if err != nil {
		return fmt.Errorf("otlp-endpoint: %w", err)
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()
	var redis *store.Redis
	if s.RedisURL != "" {
		if redis, err = store.Open(s.RedisURL, "vb365-graphql:"); err != nil {
			return fmt.Errorf("redis-url: %w", err)
		}
		defer redis.Close()
	}
	clients := make([]*upstream.Client, len(opts))
	servers := make([]graphqlhttp.API, len(opts))
	for i, o := range opts {
		o.Observer = metrics.ForServer(o.Name)
		if redis != nil {
			o.Shared = redis
		}
		if clients[i], err = upstream.New(o); err != nil {
			return fmt.Errorf("server %s: %w", o.Name, err)
		}
		servers[i] = clients[i]
		metrics.WatchClient(clients[i])
		clients[i].FollowShared(ctx) // job actions on other replicas make this one's cached jobs stale
		if guessed[i] {
			go clients[i].Redetect(ctx, 5*time.Second)
		}
	}
	if err := logIn(ctx, clients, s.UpstreamTimeout); err != nil {
		return err
	}
	if !s.Demo() && !s.PassThrough() && len(s.APIKeys) == 0 && s.OIDCIssuer == "" {
		slog.Warn("allow-anonymous is set: anyone who reaches this gateway reads backup data through the service account")
	}
	handler, err := routes(parts{servers: servers, redis: redis, metrics: metrics, ready: readiness(clients, s.ReadyWhen == "all")}, s)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return err
	}
	// Subscriptions (WebSocket, SSE) live on base: shutdown ends them at
	// once, and clients reconnect elsewhere, while plain requests drain.
	base, endStreams := context.WithCancel(context.Background())
	defer endStreams()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	srv.RegisterOnShutdown(endStreams)
	for _, c := range clients {
		slog.Info("upstream", "server", c.Name(), "url", c.BaseURL(), "api_version", fmt.Sprintf("v%d", c.Version()), "service_account", c.ServiceAccount())
	}
	slog.Info("serving", "playground", "http://"+displayAddr(ln.Addr())+"/", "graphql", "/graphql", "servers", len(clients), "api_keys", len(s.APIKeys) > 0)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down", "grace", s.ShutdownGrace)
	shutCtx, cancel := context.WithTimeout(context.Background(), s.ShutdownGrace)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close() // the grace is over: whatever is left is cut
	}
	for _, c := range clients {
		if lerr := c.Logout(shutCtx); lerr != nil {
			slog.Warn("logout from the upstream failed", "server", c.Name(), "err", lerr)
		}
	}
	return err
}

// logIn logs in to every server as its service account, all at once. With
// one server a failure stops the gateway: nothing could be served. With
// several, a server that fails is logged and tried again on first use: the
// others serve meanwhile.
func logIn(ctx context.Context, clients []*upstream.Client, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() { errs[i] = c.Login(ctx) })
	}
	wg.Wait()
	if len(clients) == 1 && errs[0] != nil {
		return fmt.Errorf("cannot log in to the upstream as the service account: %w", errs[0])
	}
	for i, err := range errs {
		if err != nil {
			slog.Warn("cannot log in to the upstream as the service account; trying again on first use", "server", clients[i].Name(), "err", err)
		}
	}
	return nil
}

// readiness is ready when any server answers (all: when every one does);
// its reason names the servers that do not.
func readiness(clients []*upstream.Client, all bool) func(context.Context) error {
	return func(ctx context.Context) error {
		errs := make([]error, len(clients))
		var wg sync.WaitGroup
		for i, c := range clients {
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
		if failed == len(clients) || all && failed > 0 {
			return errors.Join(errs...)
		}
		return nil
	}
}

// tuneRuntime applies the GC settings. GOMAXPROCS needs none: since Go 1.25
// the runtime follows the container's CPU quota by itself; Go does not
// follow its memory limit, hence "auto".
func tuneRuntime(s config.Settings) {
	debug.SetGCPercent(s.GCPercent)
	limit := s.MemoryLimit
	if limit == config.MemoryLimitAuto {
		limit = autoMemoryLimit(s, os.ReadFile)
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
		slog.Info("memory limit", "bytes", limit)
	}
}

// autoMemoryLimit is 80% of the container's memory limit; outside a
// container, what the settings let the gateway hold (the cache, the whole
// answers shared beside it, the upstream answers being decoded) and 256 MiB
// for the rest (requests, sockets, the runtime). Without a limit, at
// --gc-percent 400 the heap may grow to five times what is live before a
// collection: 1 GB of RSS under 40 large answers at once, where the limit
// keeps it near 530 MB.
func autoMemoryLimit(s config.Settings, read func(string) ([]byte, error)) int64 {
	if container, ok := cgroupMemoryLimit(read); ok {
		return container / 10 * 8
	}
	return s.CacheMaxBytes + s.CacheMaxBytes/4 + s.AnswerBytes + 256<<20
}

// cgroupMemoryLimit is the memory limit of the cgroup the process runs in
// (v2, then v1), if it has one.
func cgroupMemoryLimit(read func(string) ([]byte, error)) (int64, bool) {
	for _, file := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := read(file)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		// "max" (v2) or a huge number (v1, 2^63 rounded to pages) mean none.
		return n, err == nil && n > 0 && n < 1<<60
	}
	return 0, false
}

// serveDebug serves Go's profiles and execution traces on their own
// listener, apart from the API (and its keys): an address to keep private
// (config refuses one beyond loopback unless told). The command line is not
// served: it may hold the password and the API keys.
func serveDebug(addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.Handle("/debug/pprof/cmdline", http.NotFoundHandler())
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	slog.Info("debug listener", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil || host == "::" || host == "0.0.0.0" || host == "" {
		return "localhost:" + port
	}
	return net.JoinHostPort(host, port)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil && !errors.Is(err, flag.ErrHelp) {
		slog.Error("vb365-graphql stopped", "err", err)
		os.Exit(1)
	}
}
