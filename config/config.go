// Package config reads the gateway's settings. One table (table) lists every
// setting once, with its flag name (also its key in the config file), its
// environment variable, its default and its description; flags, environment,
// file, --help and the README's table all come from it. Each value is parsed
// once, from the source that wins: a flag on the command line, then its
// environment variable, then the config file, then the default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Settings is every setting, parsed and checked, grouped by concern.
type Settings struct {
	ConfigFile string
	Listen     Listen
	// Servers are the VB365 servers the gateway covers: the one the flags
	// describe (named "default"), or the config file's servers list. None:
	// demo mode, over simulators of DemoServers' versions.
	Servers     []Server
	DemoServers []int
	Upstream    Upstream
	Access      Access
	Limits      Limits
	Cache       Cache
	Live        Live
	Exports     Exports
	Store       Store
	Telemetry   Telemetry
	Runtime     Runtime

	single Server // what the single-server flags say, before it is Servers[0]
}

// Listen is how the gateway serves.
type Listen struct {
	Addr          string
	CORSOrigins   []string
	ShutdownGrace time.Duration
	ReadyWhen     string // "any" or "all" servers answering makes the gateway ready
}

// Exports is where and for how long the gateway keeps the files
// exportItems makes.
type Exports struct {
	Dir         string // "": a temporary directory of the gateway's own
	Quota       int64
	TTL         time.Duration
	LinkTTL     time.Duration
	Concurrency int
}

// Upstream is how the gateway calls the VB365 servers (each server's own
// settings are in Server).
type Upstream struct {
	// ProxyCredentials are the Windows backup proxies' administrators' (for
	// their maintenance mode), by "server/host" or "host", lower case.
	ProxyCredentials     map[string]upstream.Credentials
	proxyCredentialsFile string
	// RestoreAccounts are the Microsoft 365 accounts restoreItems signs in
	// with, by the names clients give.
	RestoreAccounts     map[string]upstream.Credentials
	restoreAccountsFile string
	Retries             int
	MaxConcurrency      int
	StartWait           time.Duration
	ServerTimeout       time.Duration
	AnswerBytes         int64
	BatchWait           time.Duration
	BatchWaitMax        time.Duration
}

// Access is who may call, and as what.
type Access struct {
	AllowAnonymous bool
	Keys           *access.Keys // parsed from --api-keys and --api-keys-file
	OIDC           OIDC
	keyEntries     []string // KEY [ROLE [NAME]] each
	keysFile       string
}

// OIDC is the identity provider whose access tokens callers may bring.
type OIDC struct {
	Issuer               string
	Audience             string
	RolesClaim           string
	OperatorRoles        []string
	RestoreOperatorRoles []string
	ClockSkew            time.Duration
	TokenTypes           []string
}

// Limits bound what one request may ask for and hold.
type Limits struct {
	RequestTimeout    time.Duration
	MaxDepth          int
	MaxAliases        int
	MaxComplexity     int
	MaxTokens         int
	MaxFields         int
	MaxEntities       int
	MaxBodyBytes      int64
	BodyTimeout       time.Duration
	WSInitTimeout     time.Duration
	MaxPendingSockets int
	MaxSubsPerSocket  int
	MaxSubsPerCaller  int
	Introspection     bool
}

// Cache is what is shared between requests, and for how long.
type Cache struct {
	Share           bool
	MaxBytes        int64
	TTLFinal        time.Duration
	TTLLive         time.Duration
	TTLList         time.Duration
	TTLJob          time.Duration
	TTLOrganization time.Duration
	TTLRepository   time.Duration
	TTLProxy        time.Duration
	TTLLicense      time.Duration
	CredentialCheck time.Duration
}

// Live is how subscriptions follow sessions.
type Live struct {
	PollInterval time.Duration
	// RestoreIdleTimeout is how long a restore session may go unused
	// before the gateway stops it (0: never).
	RestoreIdleTimeout time.Duration
}

// Store is what replicas share.
type Store struct {
	RedisURL string
}

// Telemetry is what the gateway says about itself.
type Telemetry struct {
	LogFormat    string // text or json
	LogLevel     slog.Level
	OTLPEndpoint string
}

// Runtime is how the Go runtime runs the gateway, and its debug listener.
type Runtime struct {
	GCPercent        int
	MemoryLimit      int64
	DebugAddr        string
	DebugAllowRemote bool
}

// Setting is one row of the table.
type Setting struct {
	Name    string // flag name and config file key
	Env     string // environment variable
	Default string // as it would be written on the command line
	Usage   string
	set     func(raw string) error
	isBool  bool
}

// table binds every setting to its field of s.
func (s *Settings) table() []Setting {
	one, up, acc, lim, c, rt := &s.single, &s.Upstream, &s.Access, &s.Limits, &s.Cache, &s.Runtime
	return []Setting{
		text(&s.ConfigFile, "config", "VB365_CONFIG", "", "YAML file of settings keyed by flag name (upstream-url: ...); flags and environment variables override it"),
		text(&s.Listen.Addr, "listen", "LISTEN_ADDR", ":8080", "address to serve on"),
		text(&one.UpstreamURL, "upstream-url", "VB365_URL", "", "VB365 REST origin, e.g. https://vbo.example:4443, no version; empty: demo mode over the built-in simulator"),
		apiVersion(&one.APIVersion, "api-version", "VB365_API_VERSION", "auto", "upstream API version, v3..v8, or auto: the newest the server serves, asked at start (if it cannot be asked then: v8, with a warning); in demo mode the simulator's (auto: v8)"),
		text(&one.Username, "username", "VB365_USERNAME", "", "service account user, e.g. DOMAIN\\user; empty: pass each caller's Authorization header through"),
		text(&one.Password, "password", "VB365_PASSWORD", "", "service account password"),
		text(&one.CAFile, "ca-file", "VB365_CA_FILE", "", "PEM file of CAs to trust for the upstream's certificate"),
		text(&one.TLSServerName, "tls-server-name", "VB365_TLS_SERVER_NAME", "", "name to expect in the upstream's certificate, when it differs from the URL's host"),
		boolean(&one.InsecureSkipVerify, "insecure-skip-verify", "VB365_INSECURE_SKIP_VERIFY", "false", "do not verify the upstream's certificate; logs a warning"),
		span(&one.UpstreamTimeout, time.Nanosecond, "upstream-timeout", "VB365_TIMEOUT", "10s", "timeout of one upstream call"),
		whole(&up.Retries, 0, "upstream-retries", "VB365_RETRIES", "2", "retries of a GET after a connection error, 502/503/504 or 429; 0: none"),
		span(&lim.RequestTimeout, time.Nanosecond, "request-timeout", "VB365_REQUEST_TIMEOUT", "30s", "deadline of one GraphQL request"),
		span(&up.ServerTimeout, time.Nanosecond, "server-timeout", "VB365_SERVER_TIMEOUT", "5s", "with several servers, how long each server's part of a merged list, or of a lookup asked of every server, may take: past it the others' items arrive, with an UPSTREAM_TIMEOUT error naming the late one"),
		boolean(&acc.AllowAnonymous, "allow-anonymous", "VB365_ALLOW_ANONYMOUS", "false", "serve real backup data through the service account to clients that present no API key"),
		list(&acc.keyEntries, "api-keys", "VB365_API_KEYS", "", "comma-separated API keys clients may send (X-API-Key or Authorization: Bearer) in service-account mode, each KEY [ROLE [NAME]] (role viewer, the default, operator, restore-operator, or several joined by +)"),
		text(&acc.keysFile, "api-keys-file", "VB365_API_KEYS_FILE", "", "file of API keys, one KEY [ROLE[,ROLE] [NAME]] per line (# starts a comment); roles: viewer (the default), operator, restore-operator"),
		text(&up.proxyCredentialsFile, "proxy-credentials-file", "VB365_PROXY_CREDENTIALS_FILE", "", "file of Windows backup proxies' administrator credentials, which v8 asks for to switch a proxy's maintenance mode (setProxyMaintenance): one [SERVER/]PROXY-HOST USERNAME PASSWORD per line, the password the rest of the line (# starts a comment); clients never send them"),
		text(&up.restoreAccountsFile, "restore-accounts-file", "VB365_RESTORE_ACCOUNTS_FILE", "", "file of Microsoft 365 accounts restoreItems may sign in with to restore to the original place: one NAME USERNAME PASSWORD per line, the password the rest of the line (# starts a comment); clients name an account and never see its password"),
		text(&s.Exports.Dir, "export-dir", "VB365_EXPORT_DIR", "", "directory where exports (exportItems) are kept until they expire, one gateway's alone (it deletes the exports a previous run left there); empty: a directory of its own under vb365-graphql-exports in the system's temporary directory, removed at shutdown (and at the next start, if the process was killed)"),
		size(&s.Exports.Quota, "export-quota", "VB365_EXPORT_QUOTA", "10737418240", "bytes all exports in export-dir may take together: an export that would pass it fails"),
		span(&s.Exports.TTL, time.Second, "export-ttl", "VB365_EXPORT_TTL", "1h", "how long a ready export is kept before its file is deleted"),
		span(&s.Exports.LinkTTL, time.Second, "export-link-ttl", "VB365_EXPORT_LINK_TTL", "5m", "how long an export's download link works (Export.downloadUrl gives a fresh one)"),
		whole(&s.Exports.Concurrency, 1, "export-concurrency", "VB365_EXPORT_CONCURRENCY", "2", "exports copied from the servers at once; more wait, QUEUED"),
		text(&acc.OIDC.Issuer, "oidc-issuer", "VB365_OIDC_ISSUER", "", "OpenID Connect issuer whose access tokens (JWT, RS256/ES256) clients may send as Authorization: Bearer, e.g. https://login.microsoftonline.com/TENANT/v2.0"),
		text(&acc.OIDC.Audience, "oidc-audience", "VB365_OIDC_AUDIENCE", "", "the audience (aud) those tokens must be for: this API's identifier"),
		text(&acc.OIDC.RolesClaim, "oidc-roles-claim", "VB365_OIDC_ROLES_CLAIM", "roles", "the token claim that lists the caller's roles or groups"),
		list(&acc.OIDC.OperatorRoles, "oidc-operator-roles", "VB365_OIDC_OPERATOR_ROLES", "operator", "comma-separated values of that claim that make the caller an operator (everyone else with a valid token is a viewer)"),
		list(&acc.OIDC.RestoreOperatorRoles, "oidc-restore-operator-roles", "VB365_OIDC_RESTORE_OPERATOR_ROLES", "restore-operator", "comma-separated values of that claim that make the caller a restore operator, who may see inside backups and restore (a caller may be both)"),
		list(&acc.OIDC.TokenTypes, "oidc-token-types", "VB365_OIDC_TOKEN_TYPES", "at+jwt,JWT,untyped", "comma-separated values of a token's typ header that make it an access token (untyped: a token without one); any other type, an ID token's say, is refused"),
		span(&acc.OIDC.ClockSkew, 0, "oidc-clock-skew", "VB365_OIDC_CLOCK_SKEW", "1m", "clock difference allowed with the issuer when checking a token's exp, nbf and iat"),
		span(&up.StartWait, 0, "start-wait", "VB365_START_WAIT", "5s", "how long startJob looks for the new session on servers that do not return it (before v8)"),
		span(&up.BatchWait, 0, "batch-wait", "VB365_BATCH_WAIT", "500µs", "how long loaders collect ids before one batched upstream round, when idle"),
		span(&up.BatchWaitMax, 0, "batch-wait-max", "VB365_BATCH_WAIT_MAX", "10ms", "how far that wait may widen under load, where the fields asking for ids are scheduled late: a loader whose batches split doubles its wait, and narrows it again as they stop"),
		whole(&up.MaxConcurrency, 1, "max-concurrency", "VB365_MAX_CONCURRENCY", "8", "upstream calls one GraphQL operation makes at once"),
		whole(&lim.MaxDepth, 1, "max-depth", "VB365_MAX_DEPTH", "12", "deepest field nesting an operation may have"),
		whole(&lim.MaxAliases, 1, "max-aliases", "VB365_MAX_ALIASES", "30", "most aliased fields an operation may have"),
		whole(&lim.MaxComplexity, 1, "max-complexity", "VB365_MAX_COMPLEXITY", "20000", "highest complexity an operation may have (each page counts its items)"),
		whole(&lim.MaxTokens, 1, "max-tokens", "VB365_MAX_TOKENS", "5000", "most lexical tokens a query text may have"),
		whole(&lim.MaxFields, 1, "max-fields", "VB365_MAX_FIELDS", "200", "most fields one selection set may hold, fragments expanded (checked before validation)"),
		whole(&lim.MaxEntities, 1, "max-entities", "VB365_MAX_ENTITIES", "100", "most upstream calls one operation's _entities may make: a representation costs one where its id's server is known, one per server where it is not"),
		size(&lim.MaxBodyBytes, "max-body-bytes", "VB365_MAX_BODY_BYTES", "1048576", "largest request body accepted, in bytes"),
		span(&lim.BodyTimeout, time.Nanosecond, "body-timeout", "VB365_BODY_TIMEOUT", "10s", "how long a client may take to send a request body"),
		span(&lim.WSInitTimeout, time.Nanosecond, "ws-init-timeout", "VB365_WS_INIT_TIMEOUT", "10s", "how long a WebSocket may take to send an acceptable connection_init"),
		whole(&lim.MaxPendingSockets, 1, "max-pending-sockets", "VB365_MAX_PENDING_SOCKETS", "100", "most WebSockets that may wait for their connection_init at once; more are refused (1013)"),
		whole(&lim.MaxSubsPerSocket, 1, "max-subscriptions-per-socket", "VB365_MAX_SUBSCRIPTIONS_PER_SOCKET", "100", "most subscriptions one WebSocket may have open at once; more are refused"),
		whole(&lim.MaxSubsPerCaller, 1, "max-subscriptions-per-caller", "VB365_MAX_SUBSCRIPTIONS_PER_CALLER", "1000", "most subscriptions one caller (an API key, a token's subject, a pass-through token; anonymous callers are one) may have open at once over all its WebSockets and event streams; more are refused"),
		boolean(&lim.Introspection, "introspection", "VB365_INTROSPECTION", "true", "answer schema introspection (GraphiQL's docs need it)"),
		list(&s.Listen.CORSOrigins, "cors-origins", "VB365_CORS_ORIGINS", "", "comma-separated origins browsers may call /graphql from, e.g. https://dash.example; * for any; empty: same origin only"),
		oneOf(&s.Telemetry.LogFormat, "log-format", "VB365_LOG_FORMAT", "text", "log format: text or json", "text", "json"),
		logLevel(&s.Telemetry.LogLevel, "log-level", "VB365_LOG_LEVEL", "info", "log level: debug, info, warn or error"),
		boolean(&c.Share, "share", "VB365_SHARE", "true", "share upstream answers between requests: coalesce identical calls in flight and cache answers (false: every request pays its own calls)"),
		whole(&rt.GCPercent, -1, "gc-percent", "VB365_GC_PERCENT", "400", "Go's GOGC: heap growth, in percent, that starts a collection. The gateway's live heap is small and its garbage plentiful: 400 (measured against 100 and 200 in bench/results) collects a quarter as often; lower it, or set --memory-limit, where memory is tight (-1: collect only at --memory-limit)"),
		memoryLimit(&rt.MemoryLimit, "memory-limit", "VB365_MEMORY_LIMIT", "auto", "Go's GOMEMLIMIT, in bytes: the heap the runtime collects harder to stay under. auto: 80% of the container's memory limit (cgroup memory.max) when it has one, else what the gateway may hold (cache-max-bytes and a quarter more, upstream-answer-bytes) plus 256 MiB: 528 MiB with the defaults; 0: none"),
		text(&rt.DebugAddr, "debug-addr", "VB365_DEBUG_ADDR", "", "address of a separate listener for Go's profiles and execution traces (/debug/pprof/, /debug/pprof/trace), on loopback (127.0.0.1:6060, [::1]:6060, localhost:6060) unless debug-allow-remote is set (empty: off)"),
		boolean(&rt.DebugAllowRemote, "debug-allow-remote", "VB365_DEBUG_ALLOW_REMOTE", "false", "let debug-addr listen beyond loopback (profiles show what the process holds: keep that address private)"),
		size(&up.AnswerBytes, "upstream-answer-bytes", "VB365_UPSTREAM_ANSWER_BYTES", "201326592", "memory the upstream answers over 1 MiB may take at once while they are read and decoded, over every server and request (each counts three times its size); one that finds no room within half its call's time is UPSTREAM_BUSY"),
		size(&c.MaxBytes, "cache-max-bytes", "VB365_CACHE_MAX_BYTES", "67108864", "cache size, in bytes of upstream answers (split evenly between the servers)"),
		span(&c.TTLFinal, time.Nanosecond, "cache-ttl-final", "VB365_CACHE_TTL_FINAL", "1h", "how long a finished session (and its log) is cached"),
		span(&c.TTLLive, time.Nanosecond, "cache-ttl-live", "VB365_CACHE_TTL_LIVE", "1s", "how long a running or queued session, or a list holding one, is cached"),
		span(&c.TTLList, time.Nanosecond, "cache-ttl-list", "VB365_CACHE_TTL_LIST", "5s", "how long a list of finished sessions is cached"),
		span(&c.TTLJob, time.Nanosecond, "cache-ttl-job", "VB365_CACHE_TTL_JOB", "30s", "how long a job, a copy job or their lists are cached"),
		span(&c.TTLOrganization, time.Nanosecond, "cache-ttl-organization", "VB365_CACHE_TTL_ORGANIZATION", "10m", "how long the organizations and the server's description are cached"),
		span(&c.TTLRepository, time.Nanosecond, "cache-ttl-repository", "VB365_CACHE_TTL_REPOSITORY", "1m", "how long the repositories (their free space) and organizations' use of them are cached"),
		span(&c.TTLProxy, time.Nanosecond, "cache-ttl-proxy", "VB365_CACHE_TTL_PROXY", "30s", "how long the proxies (their status) and proxy pools are cached"),
		span(&c.TTLLicense, time.Nanosecond, "cache-ttl-license", "VB365_CACHE_TTL_LICENSE", "10m", "how long the license, licensing and licensed users are cached"),
		span(&c.CredentialCheck, time.Nanosecond, "credential-check-interval", "VB365_CREDENTIAL_CHECK_INTERVAL", "30s", "pass-through: a caller's token reads cached answers only if the upstream accepted it within this long"),
		text(&s.Store.RedisURL, "redis-url", "VB365_REDIS_URL", "", "Redis the replicas share (redis://host:6379/0): the upstream token, cached answers, persisted queries; empty: each replica keeps its own"),
		text(&s.Telemetry.OTLPEndpoint, "otlp-endpoint", "VB365_OTLP_ENDPOINT", "", "OpenTelemetry collector to send traces to over OTLP/HTTP (http://collector:4318); empty: no tracing"),
		span(&s.Live.PollInterval, time.Nanosecond, "poll-interval", "VB365_POLL_INTERVAL", "2s", "how often a session followed by a subscription is asked for"),
		span(&s.Live.RestoreIdleTimeout, 0, "restore-idle-timeout", "VB365_RESTORE_IDLE_TIMEOUT", "30m", "how long a restore session may go unused (neither browsed nor acted in) before the gateway stops it on the server, with the service account; 0: never"),
		span(&s.Listen.ShutdownGrace, time.Nanosecond, "shutdown-grace", "VB365_SHUTDOWN_GRACE", "15s", "how long shutdown waits for requests in flight"),
		row("demo-servers", "VB365_DEMO_SERVERS", "", "demo mode over several simulators, one per listed version (v3,v6,v8), each a server named after its version; empty: one, of --api-version", demoServers(&s.DemoServers)),
		oneOf(&s.Listen.ReadyWhen, "ready-when", "VB365_READY_WHEN", "any", "with several servers, /readyz answers 200 when any of them answers, or only when all do", "any", "all"),
	}
}

// Table lists every setting, for documentation and --help.
func Table() []Setting {
	var s Settings
	return s.table()
}

// Load reads the settings from args (flags), getenv and the config file the
// flags or environment name, and checks them. Every error names the setting
// and where its value came from.
func Load(args []string, getenv func(string) string) (Settings, error) {
	var s Settings
	table := s.table()
	given := map[string]string{} // flags on the command line, as written
	fs := flag.NewFlagSet("vb365-graphql", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, st := range table {
		fs.Var(&rawFlag{name: st.Name, given: given, isBool: st.isBool}, st.Name, st.Usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			PrintUsage(os.Stderr)
		}
		return s, err
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("unexpected argument %q: every setting is a --flag", fs.Arg(0))
	}
	path, ok := given["config"]
	if !ok {
		path = getenv("VB365_CONFIG")
	}
	file, servers, err := readFile(path, table)
	if err != nil {
		return s, err
	}
	var errs []error
	for _, st := range table {
		raw, source := st.Default, "default of --"+st.Name
		if servers != nil && slices.Contains(singleServerSettings, st.Name) && source != sourceOf(st, file, getenv, given) {
			errs = append(errs, fmt.Errorf("%s: with a servers list in the config file, each server says its own %s", sourceOf(st, file, getenv, given), st.Name))
		}
		if v, ok := file[st.Name]; ok {
			raw, source = v, "config file: "+st.Name
		}
		if v := getenv(st.Env); v != "" {
			raw, source = v, st.Env
		}
		if v, ok := given[st.Name]; ok {
			raw, source = v, "--"+st.Name
		}
		if err := st.set(raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %q %v", source, raw, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return s, err
	}
	if s.Upstream.ProxyCredentials, err = readCredentials(s.Upstream.proxyCredentialsFile, "proxy-credentials-file", "[SERVER/]PROXY-HOST"); err != nil {
		return s, err
	}
	if s.Upstream.RestoreAccounts, err = readCredentials(s.Upstream.restoreAccountsFile, "restore-accounts-file", "NAME"); err != nil {
		return s, err
	}
	if err := s.readKeys(); err != nil {
		return s, err
	}
	switch {
	case servers != nil:
		if s.Servers, err = parseServers(servers, getenv, Server{APIVersion: s.single.APIVersion, UpstreamTimeout: s.single.UpstreamTimeout}); err != nil {
			return s, err
		}
	case s.single.UpstreamURL != "":
		one := s.single
		one.Name = DefaultServerName
		s.Servers = []Server{one}
	}
	return s, s.check()
}

// sourceOf says where a setting's value comes from.
func sourceOf(st Setting, file map[string]string, getenv func(string) string, given map[string]string) string {
	switch _, inFile := file[st.Name]; {
	case given[st.Name] != "":
		return "--" + st.Name
	case getenv(st.Env) != "":
		return st.Env
	case inFile:
		return "config file: " + st.Name
	}
	return "default of --" + st.Name
}

// PrintUsage writes --help: every setting with its variable and default.
func PrintUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: vb365-graphql [--flag value ...]; every flag also reads its environment variable.")
	for _, st := range Table() {
		def := ""
		if st.Default != "" {
			def = ", default " + st.Default
		}
		fmt.Fprintf(w, "  --%s\n    \t%s (env %s%s)\n", st.Name, st.Usage, st.Env, def)
	}
}

// PassThrough reports whether each caller's credentials go to the
// upstream: servers without a service account (the config file allows no
// mix).
func (s Settings) PassThrough() bool { return len(s.Servers) > 0 && s.Servers[0].Username == "" }

// Demo reports whether the gateway serves simulators, no real server.
func (s Settings) Demo() bool { return len(s.Servers) == 0 }

// Secrets are the settings' secrets, which logs must never show: every
// server's password and every API key.
func (s Settings) Secrets() []string {
	out := []string{s.single.Password}
	for _, srv := range s.Servers {
		out = append(out, srv.Password)
	}
	for _, c := range s.Upstream.ProxyCredentials {
		out = append(out, c.Password)
	}
	for _, c := range s.Upstream.RestoreAccounts {
		out = append(out, c.Password)
	}
	return append(out, s.Access.Keys.Secrets()...)
}

// APIVersion is the version the flags give servers that do not say their
// own (0: auto), and the simulator's in demo mode.
func (s Settings) APIVersion() int { return s.single.APIVersion }

// UpstreamTimeout is the timeout of one upstream call of servers that do
// not say their own, and of the simulators in demo mode.
func (s Settings) UpstreamTimeout() time.Duration { return s.single.UpstreamTimeout }

// check holds the rules that tie settings together.
func (s Settings) check() error {
	var errs []error
	bad := func(cond bool, msg string) {
		if cond {
			errs = append(errs, errors.New(msg))
		}
	}
	oidc := s.Access.OIDC
	bad((s.single.Username == "") != (s.single.Password == ""), "username and password: set both (service account) or neither (pass-through)")
	bad(s.PassThrough() && s.Access.Keys.Len() > 0, "api-keys: in pass-through mode each caller proves itself to the VB365 server; API keys apply to service-account mode")
	bad(!s.Demo() && !s.PassThrough() && s.Access.Keys.Len() == 0 && oidc.Issuer == "" && !s.Access.AllowAnonymous,
		"a service account serves backup data to whoever can reach the gateway: set api-keys (VB365_API_KEYS), api-keys-file or oidc-issuer, or accept anonymous access with allow-anonymous (VB365_ALLOW_ANONYMOUS=true)")
	bad((oidc.Issuer == "") != (oidc.Audience == ""), "oidc-issuer and oidc-audience: set both, or neither")
	bad(s.PassThrough() && oidc.Issuer != "", "oidc-issuer: in pass-through mode the Authorization header carries the caller's VB365 token; access tokens apply to service-account mode")
	bad(!s.Demo() && len(s.DemoServers) > 0, "demo-servers: applies to demo mode only (no upstream-url, no servers list)")
	bad(s.Runtime.DebugAddr != "" && !s.Runtime.DebugAllowRemote && !onLoopback(s.Runtime.DebugAddr),
		"debug-addr: profiles show what the process holds in memory, secrets included: listen on loopback (127.0.0.1:6060, [::1]:6060, localhost:6060), or set debug-allow-remote to serve them further")
	return errors.Join(errs...)
}

// onLoopback reports whether a listen address names loopback only (":6060"
// and "0.0.0.0:6060" listen on every interface).
func onLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readCredentials reads a file of credentials: one NAME USERNAME PASSWORD
// per line (name says what the name is), the password the rest of it.
// Names are kept in lower case.
func readCredentials(path, flag, name string) (map[string]upstream.Credentials, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	out := map[string]upstream.Credentials{}
	for i, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, rest, _ := strings.Cut(line, " ")
		user, password, _ := strings.Cut(strings.TrimSpace(rest), " ")
		if password = strings.TrimSpace(password); user == "" || password == "" {
			// The line is not quoted: it holds a password.
			return nil, fmt.Errorf("%s: line %d: want %s USERNAME PASSWORD", flag, i+1, name)
		}
		out[strings.ToLower(key)] = upstream.Credentials{Username: user, Password: password}
	}
	return out, nil
}

// readKeys parses the keys of --api-keys and of --api-keys-file (one per
// line), once.
func (s *Settings) readKeys() error {
	entries := s.Access.keyEntries
	if s.Access.keysFile != "" {
		b, err := os.ReadFile(s.Access.keysFile)
		if err != nil {
			return fmt.Errorf("api-keys-file: %w", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				entries = append(entries, line)
			}
		}
	}
	keys, err := access.ParseKeys(entries)
	if err != nil {
		return fmt.Errorf("api-keys: %w", err)
	}
	s.Access.Keys = keys
	return nil
}

// readFile reads a YAML map of setting names to values, and the servers
// list, when there is one; a key that names no setting is an error.
func readFile(path string, table []Setting) (settings map[string]string, servers any, err error) {
	if path == "" {
		return nil, nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("config file %s: %w", path, err)
	}
	servers, hasServers := m["servers"]
	delete(m, "servers")
	if hasServers && servers == nil {
		return nil, nil, errors.New("config file: servers: the list is empty")
	}
	known := map[string]bool{}
	for _, st := range table {
		known[st.Name] = true
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !known[k] {
			return nil, nil, fmt.Errorf("config file: %q is not a setting (use the flag names, e.g. upstream-url, or servers)", k)
		}
		out[k] = fmt.Sprint(v)
	}
	return out, servers, nil
}

// rawFlag records a flag as written; Load parses it with the others.
type rawFlag struct {
	name   string
	given  map[string]string
	isBool bool
}

func (f *rawFlag) String() string     { return "" }
func (f *rawFlag) Set(v string) error { f.given[f.name] = v; return nil }
func (f *rawFlag) IsBoolFlag() bool   { return f.isBool }

// The kinds of setting: each parses its raw text into its field.

func row(name, env, def, usage string, set func(string) error) Setting {
	return Setting{Name: name, Env: env, Default: def, Usage: usage, set: set}
}

func text(p *string, name, env, def, usage string) Setting {
	return row(name, env, def, usage, func(v string) error { *p = v; return nil })
}

func list(p *[]string, name, env, def, usage string) Setting {
	return row(name, env, def, usage, func(v string) error {
		*p = nil
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				*p = append(*p, item)
			}
		}
		return nil
	})
}

func boolean(p *bool, name, env, def, usage string) Setting {
	st := row(name, env, def, usage, func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("is not true or false")
		}
		*p = b
		return nil
	})
	st.isBool = true
	return st
}

// span is a duration of at least least.
func span(p *time.Duration, least time.Duration, name, env, def, usage string) Setting {
	return row(name, env, def, usage, func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < least {
			return fmt.Errorf("is not a duration of at least %v, such as %s", least, def)
		}
		*p = d
		return nil
	})
}

// whole is a whole number of at least least.
func whole(p *int, least int, name, env, def, usage string) Setting {
	return row(name, env, def, usage, func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < least {
			return fmt.Errorf("is not a whole number of at least %d", least)
		}
		*p = n
		return nil
	})
}

func size(p *int64, name, env, def, usage string) Setting {
	return row(name, env, def, usage, func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return errors.New("is not a positive number of bytes")
		}
		*p = n
		return nil
	})
}

// MemoryLimitAuto is the MemoryLimit that asks for 80% of the container's.
const MemoryLimitAuto = -1

// memoryLimit is a number of bytes, 0 meaning none and "auto" MemoryLimitAuto.
func memoryLimit(p *int64, name, env, def, usage string) Setting {
	return row(name, env, def, usage, func(v string) error {
		if v == "auto" {
			*p = MemoryLimitAuto
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return errors.New("is not auto or a number of bytes (0: none)")
		}
		*p = n
		return nil
	})
}

func oneOf(p *string, name, env, def, usage string, choices ...string) Setting {
	return row(name, env, def, usage, func(v string) error {
		for _, c := range choices {
			if v == c {
				*p = v
				return nil
			}
		}
		return fmt.Errorf("is not one of %s", strings.Join(choices, ", "))
	})
}

// apiVersion reads v3..v8, or auto (0): ask the server.
func apiVersion(p *int, name, env, def, usage string) Setting {
	return row(name, env, def, usage, func(v string) error {
		if strings.EqualFold(v, "auto") {
			*p = 0
			return nil
		}
		n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(v), "v"))
		if err != nil || n < upstream.MinVersion || n > upstream.MaxVersion {
			return fmt.Errorf("is not auto or one of v%d..v%d", upstream.MinVersion, upstream.MaxVersion)
		}
		*p = n
		return nil
	})
}

func logLevel(p *slog.Level, name, env, def, usage string) Setting {
	return row(name, env, def, usage, func(v string) error {
		if err := p.UnmarshalText([]byte(v)); err != nil {
			return errors.New("is not debug, info, warn or error")
		}
		return nil
	})
}
