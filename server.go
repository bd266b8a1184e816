// Command vb365-graphql is a GraphQL gateway over the Veeam Backup for
// Microsoft 365 REST API. With no upstream configured it serves an in-process
// simulator (demo mode). server.go reads the configuration and wires the parts.
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
	"strings"
	"syscall"
	"time"

	"github.com/vb365-graphql/vb365-graphql/playground"
	"github.com/vb365-graphql/vb365-graphql/resolvers"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

type config struct {
	listen         string
	upstreamURL    string
	apiVersion     string
	username       string
	password       string
	caFile         string
	insecure       bool
	timeout        time.Duration
	allowAnonymous bool
	batchWait      time.Duration
	maxConcurrency int
	shutdownGrace  time.Duration
}

// parseConfig reads flags, each defaulting to its environment variable.
func parseConfig(args []string, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("vb365-graphql", flag.ContinueOnError)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var errs []error
	envDuration := func(name string, def time.Duration) time.Duration {
		return fromEnv(getenv, name, def, time.ParseDuration, "a duration such as 10s", &errs)
	}
	envBool := func(name string) bool {
		return fromEnv(getenv, name, false, strconv.ParseBool, "true or false", &errs)
	}
	envInt := func(name string, def int) int {
		return fromEnv(getenv, name, def, strconv.Atoi, "a whole number", &errs)
	}
	fs.StringVar(&c.listen, "listen", env("LISTEN_ADDR", ":8080"), "address to serve on (env LISTEN_ADDR)")
	fs.StringVar(&c.upstreamURL, "upstream-url", env("VB365_URL", ""), "VB365 REST origin, e.g. https://vbo.example:4443, no version; empty: demo mode over the built-in simulator (env VB365_URL)")
	fs.StringVar(&c.apiVersion, "api-version", env("VB365_API_VERSION", "v8"), "upstream API version, v3..v8 (env VB365_API_VERSION)")
	fs.StringVar(&c.username, "username", env("VB365_USERNAME", ""), "service account user, e.g. DOMAIN\\user; without it the caller's Authorization header is passed through (env VB365_USERNAME)")
	fs.StringVar(&c.password, "password", env("VB365_PASSWORD", ""), "service account password (env VB365_PASSWORD)")
	fs.StringVar(&c.caFile, "ca-file", env("VB365_CA_FILE", ""), "PEM file of CAs to trust for the upstream's certificate (env VB365_CA_FILE)")
	fs.BoolVar(&c.insecure, "insecure-skip-verify", envBool("VB365_INSECURE_SKIP_VERIFY"), "do not verify the upstream's certificate; logs a warning (env VB365_INSECURE_SKIP_VERIFY)")
	fs.DurationVar(&c.timeout, "upstream-timeout", envDuration("VB365_TIMEOUT", 10*time.Second), "timeout of one upstream call (env VB365_TIMEOUT)")
	fs.BoolVar(&c.allowAnonymous, "allow-anonymous", envBool("VB365_ALLOW_ANONYMOUS"), "serve real backup data through the service account to clients that present no credentials (env VB365_ALLOW_ANONYMOUS)")
	fs.DurationVar(&c.batchWait, "batch-wait", envDuration("VB365_BATCH_WAIT", 500*time.Microsecond), "how long loaders collect ids before one batched upstream round (env VB365_BATCH_WAIT)")
	fs.IntVar(&c.maxConcurrency, "max-concurrency", envInt("VB365_MAX_CONCURRENCY", 8), "upstream calls one batch makes at once (env VB365_MAX_CONCURRENCY)")
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", envDuration("VB365_SHUTDOWN_GRACE", 15*time.Second), "how long shutdown waits for requests in flight (env VB365_SHUTDOWN_GRACE)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	if _, err := c.version(); err != nil {
		return c, err
	}
	if c.timeout <= 0 || c.batchWait < 0 || c.maxConcurrency <= 0 {
		return c, errors.New("upstream-timeout and max-concurrency must be positive, batch-wait not negative")
	}
	if c.upstreamURL != "" && c.username != "" && !c.allowAnonymous {
		return c, errors.New("a service account serves backup data to whoever asks, and client authentication is not available yet: " +
			"set --allow-anonymous (VB365_ALLOW_ANONYMOUS=true) to accept that, or leave --username empty to pass each caller's Authorization header through")
	}
	return c, nil
}

// fromEnv parses the variable name, or gives def when it is unset.
func fromEnv[T any](getenv func(string) string, name string, def T, parse func(string) (T, error), want string, errs *[]error) T {
	v := getenv(name)
	if v == "" {
		return def
	}
	parsed, err := parse(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s: %q is not %s", name, v, want))
		return def
	}
	return parsed
}

func (c config) version() (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(c.apiVersion), "v"))
	if err != nil || n < upstream.MinVersion || n > upstream.MaxVersion {
		return 0, fmt.Errorf("api-version: %q is not one of v3..v8", c.apiVersion)
	}
	return n, nil
}

// upstreamOptions builds the client options, starting the simulator on a
// loopback port in demo mode so that even demo calls cross real HTTP.
func (c config) upstreamOptions(ctx context.Context) (upstream.Options, error) {
	version, _ := c.version()
	o := upstream.Options{
		BaseURL: c.upstreamURL, Version: version,
		Username: c.username, Password: c.password,
		Timeout: c.timeout, MaxConcurrency: c.maxConcurrency, JobListThreshold: 3,
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
	transport := upstream.NewTransport()
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.caFile != "" {
		pem, err := os.ReadFile(c.caFile)
		if err != nil {
			return o, fmt.Errorf("ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return o, fmt.Errorf("ca-file: %s holds no PEM certificate", c.caFile)
		}
		tlsConf.RootCAs = pool
	}
	if c.insecure {
		slog.Warn("insecure-skip-verify is set: the upstream's certificate is not checked, so anyone on the path can read the credentials")
		tlsConf.InsecureSkipVerify = true
	}
	transport.TLSClientConfig = tlsConf
	o.HTTPClient = &http.Client{Transport: transport}
	return o, nil
}

// routes lays out the HTTP paths of the gateway.
func routes(api resolvers.Upstream, c config) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", resolvers.NewHandler(api, resolvers.HandlerOptions{BatchWait: c.batchWait}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("/", playground.Handler())
	return mux
}

func run(ctx context.Context, args []string) error {
	c, err := parseConfig(args, os.Getenv)
	if err != nil {
		return err
	}
	opts, err := c.upstreamOptions(ctx)
	if err != nil {
		return err
	}
	client, err := upstream.New(opts)
	if err != nil {
		return err
	}
	loginCtx, cancel := context.WithTimeout(ctx, c.timeout)
	err = client.Login(loginCtx)
	cancel()
	if err != nil {
		return fmt.Errorf("cannot log in to the upstream as the service account: %w", err)
	}

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           routes(client, c),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	slog.Info("serving", "playground", "http://"+displayAddr(ln.Addr())+"/", "graphql", "/graphql",
		"upstream", opts.BaseURL, "api_version", c.apiVersion, "service_account", client.ServiceAccount())
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
	return srv.Shutdown(shutCtx)
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
