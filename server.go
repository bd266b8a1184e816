// Command vb365-graphql is a GraphQL gateway over the Veeam Backup for
// Microsoft 365 REST API. With no upstream configured it serves an in-process
// simulator (demo mode). config.go reads the settings; this file wires the
// parts and runs the HTTP server.
package main

//go:generate go tool gqlgen generate

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/rs/cors"

	"github.com/vb365-graphql/vb365-graphql/gateway"
	"github.com/vb365-graphql/vb365-graphql/playground"
	"github.com/vb365-graphql/vb365-graphql/resolvers"
	"github.com/vb365-graphql/vb365-graphql/store"
	"github.com/vb365-graphql/vb365-graphql/telemetry"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// upstreamOptions builds the client options, starting the simulator on a
// loopback port in demo mode so that even demo calls cross real HTTP.
func (c config) upstreamOptions(ctx context.Context) (upstream.Options, error) {
	version, _ := c.version()
	o := upstream.Options{
		BaseURL: c.upstreamURL, Version: version,
		Username: c.username, Password: c.password,
		Timeout: c.timeout, MaxConcurrency: c.maxConcurrency, JobListThreshold: 3,
		Retries: c.retries,
		Sharing: upstream.Sharing{Off: !c.share, MaxBytes: c.cacheMaxBytes,
			FinalTTL: c.ttlFinal, LiveTTL: c.ttlLive, ListTTL: c.ttlList, JobTTL: c.ttlJob, CredentialCheck: c.credentialCheck},
	}
	if c.retries == 0 {
		o.Retries = -1
	}
	if c.upstreamURL == "" {
		sim := vb365sim.New(vb365sim.Options{Version: version})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return o, err
		}
		srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		go func() { <-ctx.Done(); _ = srv.Close() }()
		o.BaseURL = "http://" + ln.Addr().String()
		o.Username, o.Password = sim.Credentials()
		slog.Info("demo mode: serving the built-in VB365 simulator", "api_version", "v"+strconv.Itoa(version), "simulator", o.BaseURL)
		return o, nil
	}
	tlsConf, err := c.tlsConfig()
	if err != nil {
		return o, err
	}
	transport := upstream.NewTransport()
	transport.TLSClientConfig = tlsConf
	o.HTTPClient = &http.Client{Transport: transport}
	return o, nil
}

// tlsConfig trusts the CA file when given (VB365 servers are usually
// self-signed), expects the configured server name, or, on request only,
// verifies nothing.
func (c config) tlsConfig() (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.tlsServerName}
	if c.caFile != "" {
		pem, err := os.ReadFile(c.caFile)
		if err != nil {
			return nil, fmt.Errorf("ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca-file: %s holds no PEM certificate", c.caFile)
		}
		conf.RootCAs = pool
	}
	if c.insecure {
		slog.Warn("insecure-skip-verify is set: the upstream's certificate is not checked, so anyone on the path can read the credentials")
		conf.InsecureSkipVerify = true
	}
	return conf, nil
}

// deps are the parts routes serves over.
type deps struct {
	api     resolvers.Upstream
	redis   *store.Redis                // nil: no shared persisted queries
	keys    *gateway.APIKeys            // nil: /graphql needs no API key
	metrics *telemetry.Metrics          // nil: no /metrics
	ready   func(context.Context) error // nil: /readyz always ready
}

// routes lays out the HTTP paths of the gateway.
func routes(d deps, c config) http.Handler {
	opts := resolvers.HandlerOptions{
		BatchWait:       c.batchWait,
		RequestTimeout:  c.requestTimeout,
		PollInterval:    c.pollInterval,
		NoIntrospection: !c.introspection,
		Limits: resolvers.Limits{MaxDepth: c.maxDepth, MaxAliases: c.maxAliases, MaxComplexity: c.maxComplexity, MaxTokens: c.maxTokens,
			MaxFields: c.maxFields, MaxEntities: c.maxEntities},
		WebsocketInitTimeout: c.wsInitTimeout,
		MaxPendingSockets:    c.maxPending,
	}
	if d.keys != nil {
		opts.WebsocketInit = d.keys.CheckInit
	}
	if c.share {
		opts.OperationCacheBytes = c.cacheMaxBytes / 4
	}
	if d.metrics != nil {
		opts.Observer = d.metrics
	}
	opts.Tracing = c.otlpEndpoint != ""
	if d.redis != nil {
		opts.PersistedQueries = store.Strings{Local: lru.New[string](1000), Redis: d.redis, TTL: 24 * time.Hour}
	}
	var graphql http.Handler = resolvers.NewHandler(d.api, opts)
	graphql = gateway.LimitBody(c.maxBodyBytes, c.bodyTimeout, graphql)
	if d.keys != nil {
		graphql = d.keys.Require(graphql) // from the headers, before any body is read
	}
	graphql = gateway.Compress(graphql)
	if origins := c.origins(); len(origins) > 0 {
		graphql = cors.New(cors.Options{
			AllowedOrigins: origins,
			AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
			AllowedHeaders: []string{"Content-Type", "Accept", "Authorization", "X-API-Key"},
			MaxAge:         600,
		}).Handler(graphql)
	}

	mux := http.NewServeMux()
	if opts.Tracing {
		graphql = telemetry.ExtractTrace(graphql)
	}
	mux.Handle("/graphql", gateway.RequestID(graphql))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	ready := d.ready
	if ready == nil {
		ready = func(context.Context) error { return nil }
	}
	mux.Handle("GET /readyz", gateway.Readiness(ready, 5*time.Second))
	if d.metrics != nil {
		mux.Handle("GET /metrics", d.metrics.Handler())
	}
	mux.Handle("/", playground.Handler())
	return mux
}

func run(ctx context.Context, args []string) error {
	c, err := parseConfig(args, os.Getenv)
	if err != nil {
		return err
	}
	keyList, _ := c.keys()
	level, _ := c.level()
	slog.SetDefault(gateway.NewLogger(os.Stderr, c.logFormat, level, append([]string{c.password}, keyList...)))

	opts, err := c.upstreamOptions(ctx)
	if err != nil {
		return err
	}
	metrics := telemetry.New()
	opts.Observer = metrics
	stopTracing, err := telemetry.StartTracing(ctx, c.otlpEndpoint)
	if err != nil {
		return fmt.Errorf("otlp-endpoint: %w", err)
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()
	var redis *store.Redis
	if c.redisURL != "" {
		if redis, err = store.Open(c.redisURL, "vb365-graphql:"); err != nil {
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
	loginCtx, cancel := context.WithTimeout(ctx, 2*c.timeout)
	err = client.Login(loginCtx)
	cancel()
	if err != nil {
		return fmt.Errorf("cannot log in to the upstream as the service account: %w", err)
	}
	var keys *gateway.APIKeys
	if len(keyList) > 0 {
		keys = gateway.NewAPIKeys(keyList)
	} else if c.upstreamURL != "" && c.username != "" {
		slog.Warn("allow-anonymous is set: anyone who reaches this gateway reads backup data through the service account")
	}

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	// Subscriptions (WebSocket, SSE) live on base: shutdown ends them at
	// once, and clients reconnect elsewhere, while plain requests drain.
	base, endStreams := context.WithCancel(context.Background())
	defer endStreams()
	srv := &http.Server{
		Handler:           routes(deps{api: client, redis: redis, keys: keys, metrics: metrics, ready: client.Ping}, c),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	srv.RegisterOnShutdown(endStreams)
	slog.Info("serving", "playground", "http://"+displayAddr(ln.Addr())+"/", "graphql", "/graphql",
		"upstream", opts.BaseURL, "api_version", c.apiVersion, "service_account", client.ServiceAccount(), "api_keys", keys != nil)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down", "grace", c.shutdownGrace)
	shutCtx, cancel := context.WithTimeout(context.Background(), c.shutdownGrace)
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
