package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// config is every setting, from flags that default to environment variables.
type config struct {
	configFile      string
	listen          string
	upstreamURL     string
	apiVersion      string
	username        string
	password        string
	caFile          string
	tlsServerName   string
	insecure        bool
	timeout         time.Duration
	retries         int
	requestTimeout  time.Duration
	allowAnonymous  bool
	apiKeys         string
	apiKeysFile     string
	batchWait       time.Duration
	maxConcurrency  int
	maxBodyBytes    int64
	maxDepth        int
	maxAliases      int
	maxComplexity   int
	maxTokens       int
	maxFields       int
	maxEntities     int
	bodyTimeout     time.Duration
	wsInitTimeout   time.Duration
	maxPending      int
	introspection   bool
	corsOrigins     string
	pollInterval    time.Duration
	redisURL        string
	otlpEndpoint    string
	share           bool
	cacheMaxBytes   int64
	credentialCheck time.Duration
	ttlFinal        time.Duration
	ttlLive         time.Duration
	ttlList         time.Duration
	ttlJob          time.Duration
	logFormat       string
	logLevel        string
	shutdownGrace   time.Duration
}

// parseConfig reads flags, each defaulting to its environment variable, and
// checks the result; every error names the setting.
func parseConfig(args []string, getenv func(string) string) (config, error) {
	// Precedence: a flag on the command line, then its environment variable,
	// then the config file, then the default.
	file, err := readConfigFile(configPath(args, getenv))
	if err != nil {
		return config{}, err
	}
	if len(file) > 0 {
		envOf := envNames()
		known := map[string]bool{}
		for _, name := range envOf {
			known[name] = true
		}
		for key := range file {
			if !known[key] {
				return config{}, fmt.Errorf("config file: %q is not a setting (use the flag names, e.g. upstream-url)", key)
			}
		}
		real := getenv
		getenv = func(env string) string {
			if v := real(env); v != "" {
				return v
			}
			return file[envOf[env]]
		}
	}
	var c config
	var errs []error
	fs := c.flags(getenv, &errs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, c.check()
}

// flags declares every setting on c. A value in the environment becomes the
// flag's default; one that does not parse is added to errs.
func (c *config) flags(getenv func(string) string, errs *[]error) *flag.FlagSet {
	fs := flag.NewFlagSet("vb365-graphql", flag.ContinueOnError)
	str := func(p *string, name, env, def, usage string) {
		if v := getenv(env); v != "" {
			def = v
		}
		fs.StringVar(p, name, def, usage+" (env "+env+")")
	}
	dur := func(p *time.Duration, name, env string, def time.Duration, usage string) {
		fs.DurationVar(p, name, fromEnv(getenv, env, def, time.ParseDuration, "a duration such as 10s", errs), usage+" (env "+env+")")
	}
	boolean := func(p *bool, name, env string, def bool, usage string) {
		fs.BoolVar(p, name, fromEnv(getenv, env, def, strconv.ParseBool, "true or false", errs), usage+" (env "+env+")")
	}
	integer := func(p *int, name, env string, def int, usage string) {
		fs.IntVar(p, name, fromEnv(getenv, env, def, strconv.Atoi, "a whole number", errs), usage+" (env "+env+")")
	}

	str(&c.configFile, "config", "VB365_CONFIG", "", "YAML file of settings keyed by flag name (upstream-url: ...); flags and environment variables override it")
	str(&c.listen, "listen", "LISTEN_ADDR", ":8080", "address to serve on")
	str(&c.upstreamURL, "upstream-url", "VB365_URL", "", "VB365 REST origin, e.g. https://vbo.example:4443, no version; empty: demo mode over the built-in simulator")
	str(&c.apiVersion, "api-version", "VB365_API_VERSION", "v8", "upstream API version, v3..v8")
	str(&c.username, "username", "VB365_USERNAME", "", "service account user, e.g. DOMAIN\\user; empty: pass each caller's Authorization header through")
	str(&c.password, "password", "VB365_PASSWORD", "", "service account password")
	str(&c.caFile, "ca-file", "VB365_CA_FILE", "", "PEM file of CAs to trust for the upstream's certificate")
	str(&c.tlsServerName, "tls-server-name", "VB365_TLS_SERVER_NAME", "", "name to expect in the upstream's certificate, when it differs from the URL's host")
	boolean(&c.insecure, "insecure-skip-verify", "VB365_INSECURE_SKIP_VERIFY", false, "do not verify the upstream's certificate; logs a warning")
	dur(&c.timeout, "upstream-timeout", "VB365_TIMEOUT", 10*time.Second, "timeout of one upstream call")
	integer(&c.retries, "upstream-retries", "VB365_RETRIES", 2, "retries of a GET after a connection error, 502/503/504 or 429; 0: none")
	dur(&c.requestTimeout, "request-timeout", "VB365_REQUEST_TIMEOUT", 30*time.Second, "deadline of one GraphQL request")
	boolean(&c.allowAnonymous, "allow-anonymous", "VB365_ALLOW_ANONYMOUS", false, "serve real backup data through the service account to clients that present no API key")
	str(&c.apiKeys, "api-keys", "VB365_API_KEYS", "", "comma-separated API keys clients must send (X-API-Key or Authorization: Bearer) in service-account mode")
	str(&c.apiKeysFile, "api-keys-file", "VB365_API_KEYS_FILE", "", "file of API keys, one per line (# starts a comment)")
	dur(&c.batchWait, "batch-wait", "VB365_BATCH_WAIT", 500*time.Microsecond, "how long loaders collect ids before one batched upstream round")
	integer(&c.maxConcurrency, "max-concurrency", "VB365_MAX_CONCURRENCY", 8, "upstream calls one GraphQL request makes at once")
	integer(&c.maxDepth, "max-depth", "VB365_MAX_DEPTH", 12, "deepest field nesting an operation may have")
	integer(&c.maxAliases, "max-aliases", "VB365_MAX_ALIASES", 30, "most aliased fields an operation may have")
	integer(&c.maxComplexity, "max-complexity", "VB365_MAX_COMPLEXITY", 20000, "highest complexity an operation may have (each page counts its items)")
	integer(&c.maxTokens, "max-tokens", "VB365_MAX_TOKENS", 5000, "most lexical tokens a query text may have")
	integer(&c.maxFields, "max-fields", "VB365_MAX_FIELDS", 200, "most fields one selection set may hold, fragments expanded (checked before validation)")
	integer(&c.maxEntities, "max-entities", "VB365_MAX_ENTITIES", 100, "most representations one operation's _entities may resolve (each costs an upstream call)")
	dur(&c.bodyTimeout, "body-timeout", "VB365_BODY_TIMEOUT", 10*time.Second, "how long a client may take to send a request body")
	dur(&c.wsInitTimeout, "ws-init-timeout", "VB365_WS_INIT_TIMEOUT", 10*time.Second, "how long a WebSocket may take to send an acceptable connection_init")
	integer(&c.maxPending, "max-pending-sockets", "VB365_MAX_PENDING_SOCKETS", 100, "most WebSockets that may wait for their connection_init at once; more are refused (1013)")
	fs.Int64Var(&c.maxBodyBytes, "max-body-bytes", fromEnv(getenv, "VB365_MAX_BODY_BYTES", int64(1<<20), func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }, "a whole number", errs), "largest request body accepted, in bytes (env VB365_MAX_BODY_BYTES)")
	boolean(&c.introspection, "introspection", "VB365_INTROSPECTION", true, "answer schema introspection (GraphiQL's docs need it)")
	str(&c.corsOrigins, "cors-origins", "VB365_CORS_ORIGINS", "", "comma-separated origins browsers may call /graphql from, e.g. https://dash.example; * for any; empty: same origin only")
	str(&c.logFormat, "log-format", "VB365_LOG_FORMAT", "text", "log format: text or json")
	str(&c.logLevel, "log-level", "VB365_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	boolean(&c.share, "share", "VB365_SHARE", true, "share upstream answers between requests: coalesce identical calls in flight and cache answers (false: every request pays its own calls)")
	fs.Int64Var(&c.cacheMaxBytes, "cache-max-bytes", fromEnv(getenv, "VB365_CACHE_MAX_BYTES", int64(64<<20), func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }, "a whole number", errs), "cache size, in bytes of upstream answers (env VB365_CACHE_MAX_BYTES)")
	dur(&c.ttlFinal, "cache-ttl-final", "VB365_CACHE_TTL_FINAL", time.Hour, "how long a finished session (and its log) is cached")
	dur(&c.ttlLive, "cache-ttl-live", "VB365_CACHE_TTL_LIVE", time.Second, "how long a running or queued session, or a list holding one, is cached")
	dur(&c.ttlList, "cache-ttl-list", "VB365_CACHE_TTL_LIST", 5*time.Second, "how long a list of finished sessions is cached")
	dur(&c.ttlJob, "cache-ttl-job", "VB365_CACHE_TTL_JOB", 30*time.Second, "how long a job or the job list is cached")
	dur(&c.credentialCheck, "credential-check-interval", "VB365_CREDENTIAL_CHECK_INTERVAL", 30*time.Second, "pass-through: a caller's token reads cached answers only if the upstream accepted it within this long")
	str(&c.redisURL, "redis-url", "VB365_REDIS_URL", "", "Redis the replicas share (redis://host:6379/0): the upstream token, cached answers, persisted queries; empty: each replica keeps its own")
	str(&c.otlpEndpoint, "otlp-endpoint", "VB365_OTLP_ENDPOINT", "", "OpenTelemetry collector to send traces to over OTLP/HTTP (http://collector:4318); empty: no tracing")
	dur(&c.pollInterval, "poll-interval", "VB365_POLL_INTERVAL", 2*time.Second, "how often a session followed by a subscription is asked for")
	dur(&c.shutdownGrace, "shutdown-grace", "VB365_SHUTDOWN_GRACE", 15*time.Second, "how long shutdown waits for requests in flight")
	return fs
}

func (c config) check() error {
	var errs []error
	bad := func(cond bool, format string, args ...any) {
		if cond {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	_, verr := c.version()
	bad(verr != nil, "api-version: %q is not one of v3..v8", c.apiVersion)
	bad(c.timeout <= 0, "upstream-timeout must be positive")
	bad(c.requestTimeout <= 0, "request-timeout must be positive")
	bad(c.pollInterval <= 0, "poll-interval must be positive")
	bad(c.cacheMaxBytes <= 0 || c.ttlFinal <= 0 || c.ttlLive <= 0 || c.ttlList <= 0 || c.ttlJob <= 0, "cache-max-bytes and the cache-ttl-* settings must be positive")
	bad(c.retries < 0, "upstream-retries must not be negative")
	bad(c.batchWait < 0, "batch-wait must not be negative")
	bad(c.maxConcurrency <= 0, "max-concurrency must be positive")
	bad(c.maxBodyBytes <= 0, "max-body-bytes must be positive")
	bad(c.maxDepth <= 0 || c.maxAliases <= 0 || c.maxComplexity <= 0 || c.maxTokens <= 0 || c.maxFields <= 0 || c.maxEntities <= 0,
		"max-depth, max-aliases, max-complexity, max-tokens, max-fields and max-entities must be positive")
	bad(c.bodyTimeout <= 0 || c.wsInitTimeout <= 0 || c.maxPending <= 0 || c.credentialCheck <= 0,
		"body-timeout, ws-init-timeout, max-pending-sockets and credential-check-interval must be positive")
	bad(c.logFormat != "text" && c.logFormat != "json", "log-format: %q is not text or json", c.logFormat)
	_, lerr := c.level()
	bad(lerr != nil, "log-level: %q is not debug, info, warn or error", c.logLevel)
	bad((c.username == "") != (c.password == ""), "username and password: set both (service account) or neither (pass-through)")
	keys, kerr := c.keys()
	bad(kerr != nil, "api-keys-file: %v", kerr)
	passThrough := c.upstreamURL != "" && c.username == ""
	bad(passThrough && len(keys) > 0, "api-keys: in pass-through mode each caller proves itself to the VB365 server; API keys apply to service-account mode")
	bad(c.upstreamURL != "" && c.username != "" && len(keys) == 0 && !c.allowAnonymous,
		"a service account serves backup data to whoever can reach the gateway: set api-keys (VB365_API_KEYS) or api-keys-file, or accept anonymous access with allow-anonymous (VB365_ALLOW_ANONYMOUS=true)")
	return errors.Join(errs...)
}

// envNames maps each setting's environment variable to its flag name.
func envNames() map[string]string {
	var c config
	var errs []error
	out := map[string]string{}
	c.flags(func(string) string { return "" }, &errs).VisitAll(func(f *flag.Flag) {
		if i := strings.LastIndex(f.Usage, "(env "); i >= 0 {
			out[strings.TrimSuffix(f.Usage[i+5:], ")")] = f.Name
		}
	})
	return out
}

// configPath finds --config (or -config) on the command line, else VB365_CONFIG.
func configPath(args []string, getenv func(string) string) string {
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "config" || !strings.HasPrefix(a, "-") {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return getenv("VB365_CONFIG")
}

// readConfigFile reads a YAML map of flag names to values.
func readConfigFile(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out, nil
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
		return 0, fmt.Errorf("not v3..v8")
	}
	return n, nil
}

func (c config) level() (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(c.logLevel))
	return l, err
}

// origins lists the CORS origins.
func (c config) origins() []string {
	var out []string
	for _, o := range strings.Split(c.corsOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// keys gathers the API keys from --api-keys and --api-keys-file.
func (c config) keys() ([]string, error) {
	var keys []string
	for _, k := range strings.Split(c.apiKeys, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	if c.apiKeysFile != "" {
		b, err := os.ReadFile(c.apiKeysFile)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				keys = append(keys, line)
			}
		}
	}
	return keys, nil
}
