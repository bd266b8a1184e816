// Command vb365-graphql is a GraphQL gateway over the Veeam Backup for
// Microsoft 365 REST API. With no upstream configured it serves an in-process
// simulator (demo mode). This file reads the settings (package config), sets
// up the process (its logger, the Go runtime, the debug listener), builds
// the gateway (package gateway) and serves it; nothing else.
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
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/gateway"
	"github.com/vb365-graphql/vb365-graphql/logging"
)

func run(ctx context.Context, args []string) error {
	s, err := config.Load(args, os.Getenv)
	if err != nil {
		return err
	}
	log := logging.New(os.Stderr, s.Telemetry.LogFormat, s.Telemetry.LogLevel, s.Secrets())
	slog.SetDefault(log) // for what libraries of others log
	tuneRuntime(s, log)
	if s.Runtime.DebugAddr != "" {
		stopDebug, err := serveDebug(s.Runtime.DebugAddr, log)
		if err != nil {
			return fmt.Errorf("debug-addr: %w", err)
		}
		defer stopDebug()
	}
	g, err := gateway.New(ctx, s, gateway.Options{Logger: log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Listen.Addr)
	if err != nil {
		g.Close(context.WithoutCancel(ctx))
		return err
	}
	// Subscriptions (WebSocket, SSE) live on base: shutdown ends them at
	// once, and clients reconnect elsewhere, while plain requests drain.
	base, endStreams := context.WithCancel(context.Background())
	defer endStreams()
	srv := &http.Server{
		Handler:           g.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	srv.RegisterOnShutdown(endStreams)
	for _, c := range g.Clients {
		log.Info("upstream", "server", c.Name(), "url", c.BaseURL(), "api_version", fmt.Sprintf("v%d", c.Version()), "service_account", c.ServiceAccount())
	}
	log.Info("serving", "playground", "http://"+displayAddr(ln.Addr())+"/", "graphql", "/graphql", "servers", len(g.Clients), "callers", whoMayCall(s))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		g.Close(context.WithoutCancel(ctx))
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", s.Listen.ShutdownGrace)
	shutCtx, cancel := context.WithTimeout(context.Background(), s.Listen.ShutdownGrace)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close() // the grace is over: whatever is left is cut
	}
	g.Close(shutCtx)
	return err
}

// tuneRuntime applies the GC settings. GOMAXPROCS needs none: since Go 1.25
// the runtime follows the container's CPU quota by itself; Go does not
// follow its memory limit, hence "auto".
func tuneRuntime(s config.Settings, log *slog.Logger) {
	debug.SetGCPercent(s.Runtime.GCPercent)
	limit := s.Runtime.MemoryLimit
	if limit == config.MemoryLimitAuto {
		limit = autoMemoryLimit(s, os.ReadFile)
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
		log.Info("memory limit", "bytes", limit)
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
	return s.Cache.MaxBytes + s.Cache.MaxBytes/4 + s.Upstream.AnswerBytes + 256<<20
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
func serveDebug(addr string, log *slog.Logger) (stop func(), err error) {
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
	log.Info("debug listener", "addr", ln.Addr().String())
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

// whoMayCall says, for the start-up log, how callers are told apart (a log
// attribute named for keys would be redacted whatever it holds).
func whoMayCall(s config.Settings) string {
	var ways []string
	if n := s.Access.Keys.Len(); n > 0 {
		ways = append(ways, fmt.Sprintf("%d API keys", n))
	}
	if s.Access.OIDC.Issuer != "" {
		ways = append(ways, "OIDC tokens of "+s.Access.OIDC.Issuer)
	}
	switch {
	case s.Demo():
		ways = append(ways, "anyone, as operator and restore-operator (demo)")
	case s.PassThrough():
		ways = append(ways, "their own VB365 credentials (pass-through)")
	case s.Access.AllowAnonymous:
		ways = append(ways, "anyone, as viewer (allow-anonymous)")
	}
	return strings.Join(ways, "; ")
}
