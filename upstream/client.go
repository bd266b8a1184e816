// Package upstream is the REST client for Veeam Backup for Microsoft 365,
// API v3 to v8. It hides every difference between the versions behind one
// model (model.go) and imports nothing from GraphQL.
package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/singleflight"

	"github.com/vb365-graphql/vb365-graphql/internal/lru"
)

// Options configure a Client. DefaultOptions fills every field but the
// server's address and credentials; New checks them all.
type Options struct {
	// Name is the gateway's name for this server: every item the client
	// reads carries it (Origin), and errors and metrics say it.
	Name string
	// BaseURL is the server's origin, e.g. "https://vbo.example:4443", without a version.
	BaseURL string
	// Version is the API version, 3..8.
	Version int
	// AutoVersion says that Version was asked of the server (or guessed,
	// when it could not be): it is asked again whenever the server answers
	// after being down, in case it was upgraded meanwhile.
	AutoVersion bool
	// Username and Password select service-account mode: one login shared by all
	// callers. Without them the caller's Authorization header is passed through.
	Username, Password string
	// HTTPClient makes the calls; the client copies it and refuses redirects
	// on the copy (nil: a client over NewTransport()).
	HTTPClient *http.Client
	// Timeout bounds each upstream call.
	Timeout time.Duration
	// MaxConcurrency bounds the calls one operation makes at once.
	MaxConcurrency int
	// MaxBodyBytes caps an upstream response body.
	MaxBodyBytes int64
	// Budget bounds the large answers every client of the gateway holds at
	// once while reading and decoding them (nil: no bound); see Budget.
	Budget *Budget
	// ListThreshold: a batch of at least this many ids of one collection
	// (jobs; an organization's users, groups, sites or teams) is served by
	// one listing of it instead of one GET per id (0: never).
	ListThreshold int
	// Retries is how often a GET is tried again after a connection error,
	// 502/503/504 or 429 (0: never). RetryBaseDelay and RetryMaxDelay shape
	// the jittered exponential backoff.
	Retries                       int
	RetryBaseDelay, RetryMaxDelay time.Duration
	// BreakerThreshold failures in a row open the circuit breaker for
	// BreakerCooldown (a threshold of 0: no breaker).
	BreakerThreshold int
	BreakerCooldown  time.Duration
	// StartWait bounds how long a start looks for the new session on
	// versions that do not answer it (before v8).
	StartWait time.Duration
	// StreamWait bounds the wait for the first byte of an export, which the
	// server builds before it answers (0: 30 minutes); Timeout then bounds
	// each wait between bytes.
	StreamWait time.Duration
	// Sharing configures coalescing and the cache (see Sharing).
	Sharing Sharing
	// Observer, if set, is told of every call and token request (metrics).
	Observer Observer
	// Logger is where the client says what it found out by itself (nil:
	// nowhere).
	Logger *slog.Logger
	// Shared, if set, is a store the replicas share (Redis): a second tier of
	// the answer cache, and the service account's token (one login for all).
	Shared SharedStore
	// Now is the clock; tests move it.
	Now func() time.Time
}

// DefaultOptions are the options for a server at baseURL speaking version,
// in pass-through mode until Username and Password are set.
func DefaultOptions(baseURL string, version int) Options {
	return Options{
		Name: "default", BaseURL: baseURL, Version: version,
		Timeout: 10 * time.Second, MaxConcurrency: 8, MaxBodyBytes: 32 << 20,
		ListThreshold: 3,
		Retries:       2, RetryBaseDelay: 100 * time.Millisecond, RetryMaxDelay: 2 * time.Second,
		BreakerThreshold: 5, BreakerCooldown: 5 * time.Second,
		StartWait: 5 * time.Second,
		Sharing:   DefaultSharing(), Now: time.Now,
	}
}

// Client talks to one VB365 server. It is safe for concurrent use.
type Client struct {
	base *url.URL
	// version is the API version spoken, 3..8: fixed, unless it was a
	// guess (the server could not be asked) that Redetect corrects.
	version atomic.Int32
	opts    Options
	http    *http.Client

	breaker *breaker
	flight  singleflight.Group // identical GETs in flight
	cache   *lru.Cache
	vouched *lru.Cache // pass-through credentials the upstream accepted lately (see Vouched)

	streamOnceInit sync.Once
	streamHTTP     *http.Client // for streamed answers (see streamingHTTP)
	// jobsGeneration is in the cache keys of what job actions change; an
	// action advances it (on every replica, through the shared store).
	jobsGeneration atomic.Int64
	stats          sharingCounters
	reach          reachability
	redetecting    atomic.Bool // a Redetect after the server came back is running

	log  *slog.Logger
	life context.Context // background work (asking for the version again, following other replicas) ends with it
	end  context.CancelFunc

	login      singleflight.Group
	mu         sync.Mutex
	tok        *token
	loginGate  time.Time // no login attempt before this (after a throttle or a refusal)
	loginErr   error     // what the last failed attempt answered
	loginFails int
}

// MinVersion and MaxVersion bound the API versions this client speaks.
const (
	MinVersion = 3
	MaxVersion = 8
)

// tracer makes a client span per upstream call (a no-op unless tracing is on).
var tracer = otel.Tracer("github.com/vb365-graphql/vb365-graphql/upstream")

// SharedStore is what replicas share; store.Redis implements it. Each
// method is best effort: a store that cannot be reached holds nothing and
// grants every lock.
type SharedStore interface {
	Get(ctx context.Context, key string) ([]byte, bool)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration)
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool)
}

// Observer is told what the client does; telemetry implements it.
type Observer interface {
	UpstreamCall(route string, status int, d time.Duration)
	TokenRequest(grant string, ok bool)
}

type noObserver struct{}

func (noObserver) UpstreamCall(string, int, time.Duration) {}
func (noObserver) TokenRequest(string, bool)               {}

// parseOrigin reads a server's origin (https://host:4443). The URL is
// never echoed whole: a query string or user info in it may hold a secret.
func parseOrigin(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("upstream URL must look like https://host:4443 (scheme http or https, a host, a port)")
	}
	if u.Path != "" || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("upstream URL must be an origin only, such as %s://%s: no path, query, fragment or user info", u.Scheme, u.Host)
	}
	return u, nil
}

// New checks the options and returns a Client. It does not contact the server.
func New(opts Options) (*Client, error) {
	u, err := parseOrigin(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	if opts.Observer == nil {
		opts.Observer = noObserver{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.StreamWait == 0 {
		opts.StreamWait = 30 * time.Minute
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: NewTransport()}
	}
	// Never follow a redirect: it could lead off the configured origin.
	copied := *hc
	copied.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{
		base:    u,
		opts:    opts,
		http:    &copied,
		breaker: &breaker{threshold: opts.BreakerThreshold, cooldown: opts.BreakerCooldown, now: opts.Now},
		cache:   lru.New(opts.Sharing.MaxBytes, opts.Now),
		vouched: lru.New(1<<20, opts.Now),
		log:     opts.Logger,
	}
	c.life, c.end = context.WithCancel(context.Background())
	c.version.Store(int32(opts.Version))
	return c, nil
}

// Close ends the client's background work and its idle connections (it
// does not log out: Logout).
func (c *Client) Close() {
	c.end()
	c.http.CloseIdleConnections()
}

// prefix is the path of the API version spoken, e.g. "/v8".
func (c *Client) prefix() string { return "/v" + strconv.Itoa(c.Version()) }

func (o Options) check() error {
	var errs []error
	bad := func(cond bool, msg string) {
		if cond {
			errs = append(errs, errors.New(msg))
		}
	}
	bad(o.Version < MinVersion || o.Version > MaxVersion, fmt.Sprintf("API version must be v%d..v%d, got v%d", MinVersion, MaxVersion, o.Version))
	bad((o.Username == "") != (o.Password == ""), "set both username and password, or neither (pass-through mode)")
	bad(o.Timeout <= 0 || o.MaxConcurrency <= 0 || o.MaxBodyBytes <= 0, "timeout, concurrency and body size must be positive")
	bad(o.Retries < 0 || o.ListThreshold < 0 || o.BreakerThreshold < 0, "retries and thresholds must not be negative")
	bad(o.RetryBaseDelay <= 0 || o.RetryMaxDelay < o.RetryBaseDelay, "retry delays must be positive, the most at least the base")
	bad(o.BreakerThreshold > 0 && o.BreakerCooldown <= 0, "the breaker's cooldown must be positive")
	bad(o.Now == nil, "a clock (Now) is required")
	bad(o.StartWait < 0, "the start wait must not be negative")
	bad(o.Name == "", "the server needs a name")
	errs = append(errs, o.Sharing.check())
	return errors.Join(errs...)
}

// NewTransport returns the transport tuned for one upstream host: many idle
// connections kept (batches fan out), bounded dial and header waits.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Name is the gateway's name for the server.
func (c *Client) Name() string { return c.opts.Name }

// BaseURL is the origin of the server, as configured (no version).
func (c *Client) BaseURL() string { return c.base.String() }

// ServiceAccount reports whether the client logs in itself (as opposed to
// passing each caller's Authorization header through).
func (c *Client) ServiceAccount() bool { return c.opts.Username != "" }

// url is the address of path on the configured origin and version.
func (c *Client) url(path string, query url.Values) string {
	u := *c.base
	u.Path = c.prefix() + path
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return u.String()
}

// response is a 2xx answer (or a 304 to a conditional GET) and what it says
// about caching.
type response struct {
	status      int
	body        []byte
	held        *reservation // the budget body and decoding take: release once decoded
	etag        string
	maxAge      time.Duration // from Cache-Control; -1 when it says nothing
	noStore     bool
	notModified bool
}

// get performs GET target with retries, behind the circuit breaker. route
// names the call for errors and logs, e.g. "GET /Jobs/{id}". A non-empty etag
// makes the GET conditional.
func (c *Client) get(ctx context.Context, s *Scope, route, target, etag string) (response, error) {
	if err := s.refusal(); err != nil {
		return response{}, err // the upstream refused this caller already: asking again is no use
	}
	for attempt := 0; ; attempt++ {
		if !c.breaker.allow() {
			return response{}, &Error{Kind: KindUnavailable, Route: route, Message: "the upstream is failing; calls to it are paused for a few seconds"}
		}
		r, err := c.getOnce(ctx, s, route, target, etag)
		c.breaker.record(outcomeOf(err))
		s.noteRefusal(err)
		if err == nil || !retryable(err) || attempt >= c.opts.Retries {
			return r, err
		}
		if !sleepWithin(ctx, c.backoff(err, attempt)) {
			return response{}, err
		}
	}
}

// getOnce makes one GET, renewing the service account's token once if the
// upstream no longer accepts it.
func (c *Client) getOnce(ctx context.Context, s *Scope, route, target, etag string) (response, error) {
	auth, err := c.authorization(ctx, s.credential, "")
	if err != nil {
		return response{}, err
	}
	r, err := c.send(ctx, route, target, auth, etag)
	if StatusOf(err) == http.StatusUnauthorized && c.ServiceAccount() {
		// The token expired or was revoked: log in again once and retry.
		if auth, err = c.authorization(ctx, "", auth); err != nil {
			return response{}, err
		}
		r, err = c.send(ctx, route, target, auth, etag)
	}
	return r, err
}

// post makes one POST (an action); see write.
func (c *Client) post(ctx context.Context, s *Scope, route, target string, payload []byte) (response, error) {
	return c.write(ctx, s, http.MethodPost, route, target, payload)
}

// write makes one request that changes something (POST, PUT, DELETE),
// behind the circuit breaker. It is sent again only when it cannot have
// reached the upstream: its connection never carried it, or the service
// account's token was refused (401) and renewed.
func (c *Client) write(ctx context.Context, s *Scope, method, route, target string, payload []byte) (response, error) {
	if err := s.refusal(); err != nil {
		return response{}, err
	}
	for attempt := 0; ; attempt++ {
		if !c.breaker.allow() {
			return response{}, &Error{Kind: KindUnavailable, Route: route, Message: "the upstream is failing; calls to it are paused for a few seconds"}
		}
		auth, err := c.authorization(ctx, s.credential, "")
		if err != nil {
			return response{}, err
		}
		r, wrote, err := c.exchange(ctx, method, route, target, auth, "", payload)
		if StatusOf(err) == http.StatusUnauthorized && c.ServiceAccount() {
			if auth, err = c.authorization(ctx, "", auth); err != nil {
				return response{}, err
			}
			r, wrote, err = c.exchange(ctx, method, route, target, auth, "", payload)
		}
		c.breaker.record(outcomeOf(err))
		s.noteRefusal(err)
		if err == nil || wrote || !retryable(err) || attempt >= c.opts.Retries {
			return r, err
		}
		if !sleepWithin(ctx, c.backoff(err, attempt)) {
			return response{}, err
		}
	}
}

// send makes one GET and returns a 2xx JSON answer.
func (c *Client) send(ctx context.Context, route, target, auth, etag string) (response, error) {
	r, _, err := c.exchange(ctx, http.MethodGet, route, target, auth, etag, nil)
	return r, err
}

// exchange makes one request and returns a 2xx answer: JSON, or empty (204).
// wrote says whether the request may have reached the upstream (its headers
// were written): a POST that may have is never sent again.
func (c *Client) exchange(ctx context.Context, method, route, target, auth, etag string, payload []byte) (r response, wrote bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var sent atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }})
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return response{}, false, &Error{Kind: KindInternal, Route: route, Message: "cannot build request", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	ctx, span := tracer.Start(ctx, route, trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(req.Header)) // W3C traceparent
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.opts.Observer.UpstreamCall(route, 0, time.Since(start))
		span.SetStatus(codes.Error, "no answer")
		terr := transportError(route, err)
		c.heardFrom(terr)
		return response{}, sent.Load(), terr
	}
	if resp.StatusCode >= http.StatusInternalServerError {
		c.heardFrom(statusError(route, resp.StatusCode, nil))
	} else {
		c.heardFrom(nil)
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, resp.Status)
	}
	defer resp.Body.Close()
	c.heard(auth, resp.StatusCode)
	r = cachingOf(resp.Header)
	r.status = resp.StatusCode
	observe := func() { c.opts.Observer.UpstreamCall(route, resp.StatusCode, time.Since(start)) }
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "":
		observe()
		r.notModified = true
		return r, true, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		said, _ := readCapped(resp.Body, errorBodyBytes) // for its message, in the log
		observe()
		e := statusError(route, resp.StatusCode, said)
		e.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.opts.Now())
		return response{}, true, e
	case resp.StatusCode == http.StatusNoContent:
		observe()
		return r, true, nil
	case !isJSON(resp.Header.Get("Content-Type")):
		observe()
		return response{}, true, &Error{Kind: KindBadResponse, Route: route, Status: resp.StatusCode,
			Message: "the upstream answered with something other than JSON (a proxy's page?)"}
	}
	r.body, r.held, err = c.readAnswer(ctx, route, resp)
	observe()
	if err != nil {
		return response{}, true, err
	}
	return r, true, nil
}

// errorBodyBytes bounds what is read of an error answer: its message.
const errorBodyBytes = 64 << 10

// cachingOf reads ETag and Cache-Control (no-store, no-cache, max-age).
func cachingOf(h http.Header) response {
	r := response{etag: h.Get("ETag"), maxAge: -1}
	for _, d := range strings.Split(h.Get("Cache-Control"), ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		switch {
		case d == "no-store":
			r.noStore = true
		case d == "no-cache":
			r.maxAge = 0
		case strings.HasPrefix(d, "max-age="):
			if secs, err := strconv.Atoi(strings.TrimPrefix(d, "max-age=")); err == nil && secs >= 0 {
				r.maxAge = time.Duration(secs) * time.Second
			}
		}
	}
	return r
}

// isJSON accepts application/json, any +json type, and a missing type.
func isJSON(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

var errTooLarge = errors.New("response body over the size cap")

func readCapped(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

func transportError(route string, err error) *Error {
	var ne net.Error
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: KindTimeout, Route: route, Message: "the request was cancelled", Err: err, cancelled: true}
	}
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return &Error{Kind: KindTimeout, Route: route, Message: "the upstream did not answer in time", Err: err}
	}
	return &Error{Kind: KindUnavailable, Route: route, Message: "the upstream is unreachable", Err: err}
}

// statusError turns a non-2xx answer into an Error whose message is a fixed
// phrase per status: the upstream's own text never reaches a client.
func statusError(route string, status int, body []byte) *Error {
	e := &Error{Route: route, Status: status}
	switch {
	case status == http.StatusNotFound:
		e.Kind, e.Message = KindNotFound, "not found"
	case status == http.StatusUnauthorized:
		e.Kind, e.Message = KindUnauthenticated, "the upstream refused the credentials"
	case status == http.StatusForbidden:
		e.Kind, e.Message = KindForbidden, "access denied by the upstream"
	case status == http.StatusTooManyRequests:
		e.Kind, e.Message = KindUnavailable, "the upstream is throttling requests"
	case status == http.StatusGatewayTimeout:
		e.Kind, e.Message = KindTimeout, "the upstream timed out"
	case status == http.StatusInternalServerError && strings.Contains(route, " /RestoreSessions/{id}/organization"):
		// What a server answers inside a restore session it no longer
		// holds: the session's end, not the server's failure.
		e.Kind, e.Message = KindSessionExpired, "the restore session has expired or was stopped on the server: open a new one"
		e.Err = upstreamSaid(body)
	case status >= 500:
		e.Kind, e.Message = KindUnavailable, fmt.Sprintf("the upstream failed (HTTP %d)", status)
	case status == http.StatusBadRequest:
		// The upstream's own words may name hosts, paths and accounts: they
		// go to the log (Err), the client gets a fixed phrase.
		e.Kind, e.Message = KindBadInput, "the upstream rejected the request as invalid"
		e.Err = upstreamSaid(body)
	default:
		e.Kind, e.Message = KindBadResponse, fmt.Sprintf("unexpected upstream status %d", status)
	}
	return e
}

// upstreamSaid is the message of an upstream error answer, for the log.
func upstreamSaid(body []byte) error {
	var info struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &info) != nil || info.Message == "" {
		return nil
	}
	m := info.Message
	if len(m) > 300 {
		m = m[:300] + "…"
	}
	return errors.New("the upstream said: " + m)
}

func decodeError(route string, err error) error {
	return &Error{Kind: KindBadResponse, Route: route, Message: "the upstream sent a response that could not be read", Err: err}
}
