// Command vb365-graphql is a GraphQL gateway over the Veeam Backup for
// Microsoft 365 REST API. With no upstream configured it serves an in-process
// simulator (demo mode). This file reads the settings (package config),
// wires the parts and runs the HTTP server; nothing else.
package main

//go:generate go tool gqlgen generate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
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

// upstreamOptions are the client's options from the settings. In demo mode
// it starts the simulator on a loopback port, so that even demo calls cross
// real HTTP; stop ends it.
func upstreamOptions(s config.Settings) (opts upstream.Options, stop func(), err error) {
	stop = func() {}
	if s.UpstreamURL == "" {
		version := s.APIVersion
		if version == 0 {
			version = upstream.MaxVersion
		}
		sim, err := vb365sim.Listen(vb365sim.Options{Version: version})
		if err != nil {
			return opts, stop, err
		}
		opts = upstream.DefaultOptions(sim.URL, version)
		opts.Username, opts.Password = sim.Credentials()
		slog.Info("demo mode: serving the built-in VB365 simulator", "api_version", fmt.Sprintf("v%d", version), "simulator", sim.URL)
		stop = func() { _ = sim.Close() }
	} else {
		tlsConf, err := upstream.TLSConfig(s.CAFile, s.TLSServerName, s.InsecureSkipVerify)
		if err != nil {
			return opts, stop, err
		}
		if s.InsecureSkipVerify {
			slog.Warn("insecure-skip-verify is set: the upstream's certificate is not checked, so anyone on the path can read the credentials")
		}
		transport := upstream.NewTransport()
		transport.TLSClientConfig = tlsConf
		hc := &http.Client{Transport: transport, Timeout: s.UpstreamTimeout}
		version := s.APIVersion
		if version == 0 {
			version = detectVersion(s.UpstreamURL, hc)
		}
		opts = upstream.DefaultOptions(s.UpstreamURL, version)
		opts.Username, opts.Password = s.Username, s.Password
		opts.HTTPClient = &http.Client{Transport: transport}
	}
	opts.Timeout, opts.Retries, opts.MaxConcurrency, opts.StartWait = s.UpstreamTimeout, s.UpstreamRetries, s.MaxConcurrency, s.StartWait
	opts.Sharing = upstream.Sharing{Off: !s.Share, MaxBytes: s.CacheMaxBytes, FinalTTL: s.CacheTTLFinal, LiveTTL: s.CacheTTLLive,
		ListTTL: s.CacheTTLList, JobTTL: s.CacheTTLJob, OrganizationTTL: s.CacheTTLOrg, RepositoryTTL: s.CacheTTLRepository,
		ProxyTTL: s.CacheTTLProxy, LicenseTTL: s.CacheTTLLicense, CredentialCheck: s.CredentialCheck}
	return opts, stop, nil
}

// detectVersion asks the server for the newest API version it serves
// (--api-version auto); if it cannot be asked, v8, with a warning.
func detectVersion(url string, hc *http.Client) int {
	ctx, cancel := context.WithTimeout(context.Background(), 3*hc.Timeout)
	defer cancel()
	v, err := upstream.DetectVersion(ctx, url, hc)
	if err != nil {
		slog.Warn("could not ask the upstream for its API version; using the newest known", "api_version", fmt.Sprintf("v%d", upstream.MaxVersion), "err", err)
		return upstream.MaxVersion
	}
	slog.Info("found the upstream's API version", "api_version", fmt.Sprintf("v%d", v))
	return v
}

// parts are what routes serves over; only api is required.
type parts struct {
	api     graphqlhttp.API
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
	if s.UpstreamURL == "" {
		g.Anonymous = access.Operator
	}
	if s.OIDCIssuer != "" {
		g.OIDC = access.NewVerifier(access.OIDCOptions{Issuer: s.OIDCIssuer, Audience: s.OIDCAudience, RolesClaim: s.OIDCRolesClaim,
			OperatorRoles: s.OIDCOperatorRoles, Leeway: s.OIDCClockSkew, RefreshFloor: 30 * time.Second})
	}
	return g, nil
}

// routes lays out the HTTP paths of the gateway.
func routes(p parts, s config.Settings) (http.Handler, error) {
	o := graphqlhttp.DefaultOptions()
	o.BatchWait, o.RequestTimeout, o.PollInterval = s.BatchWait, s.RequestTimeout, s.PollInterval
	o.Limits = graphqlhttp.Limits{MaxDepth: s.MaxDepth, MaxAliases: s.MaxAliases, MaxComplexity: s.MaxComplexity,
		MaxTokens: s.MaxTokens, MaxFields: s.MaxFields, MaxEntities: s.MaxEntities}
	o.Introspection = s.Introspection
	o.MaxBodyBytes, o.BodyTimeout = s.MaxBodyBytes, s.BodyTimeout
	o.WebsocketInitTimeout, o.MaxPendingSockets = s.WSInitTimeout, s.MaxPendingSockets
	o.CORSOrigins, o.Tracing = s.CORSOrigins, s.OTLPEndpoint != ""
	gate, err := gateOf(s, !p.api.ServiceAccount())
	if err != nil {
		return nil, err
	}
	o.Gate = gate
	o.Idempotency = store.NewOnce(p.redis, graphqlhttp.IdempotencyWindow)
	if s.Share {
		o.OperationCacheBytes = s.CacheMaxBytes / 4
	}
	if p.metrics != nil {
		o.Observer = p.metrics
	}
	if p.redis != nil {
		o.PersistedQueries = store.Strings{Local: lru.New[string](1000), Redis: p.redis, TTL: 24 * time.Hour}
	}
	graphql, err := graphqlhttp.New(p.api, o)
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
	slog.SetDefault(logging.New(os.Stderr, s.LogFormat, s.LogLevel, append([]string{s.Password}, keys.Secrets()...)))

	opts, stopDemo, err := upstreamOptions(s)
	if err != nil {
		return err
	}
	defer stopDemo()
	metrics := telemetry.New()
	opts.Observer = metrics
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
		opts.Shared = redis
	}
	client, err := upstream.New(opts)
	if err != nil {
		return err
	}
	metrics.WatchClient(client)
	client.FollowShared(ctx) // job actions on other replicas make this one's cached jobs stale
	loginCtx, cancel := context.WithTimeout(ctx, 2*s.UpstreamTimeout)
	err = client.Login(loginCtx)
	cancel()
	if err != nil {
		return fmt.Errorf("cannot log in to the upstream as the service account: %w", err)
	}
	if s.UpstreamURL != "" && s.Username != "" && len(s.APIKeys) == 0 && s.OIDCIssuer == "" {
		slog.Warn("allow-anonymous is set: anyone who reaches this gateway reads backup data through the service account")
	}
	handler, err := routes(parts{api: client, redis: redis, metrics: metrics, ready: client.Ping}, s)
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
	slog.Info("serving", "playground", "http://"+displayAddr(ln.Addr())+"/", "graphql", "/graphql",
		"upstream", opts.BaseURL, "api_version", fmt.Sprintf("v%d", opts.Version), "service_account", client.ServiceAccount(), "api_keys", len(s.APIKeys) > 0)
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
	if lerr := client.Logout(shutCtx); lerr != nil {
		slog.Warn("logout from the upstream failed", "err", lerr)
	}
	return err
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
