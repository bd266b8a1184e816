// Package telemetry holds the Prometheus metrics of the gateway. The other
// packages only call small hook interfaces that *Metrics implements, so none
// of them imports Prometheus. No label carries an id, a token or free text:
// routes are templates, operation names are kept only while few and tidy.
package telemetry

import (
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vb365-graphql/vb365-graphql/upstream"
)

// Metrics is the gateway's registry and its series.
type Metrics struct {
	registry *prometheus.Registry

	operations       *prometheus.CounterVec
	operationSeconds *prometheus.HistogramVec
	upstreamCalls    *prometheus.CounterVec
	upstreamSeconds  *prometheus.HistogramVec
	loaderBatch      *prometheus.HistogramVec
	tokenRequests    *prometheus.CounterVec
	actions          *prometheus.CounterVec
	refused          *prometheus.CounterVec
	crossOrigin      prometheus.Counter

	mu    sync.Mutex
	names map[string]bool // operation names admitted as label values
}

// maxOperationNames bounds the operation-name label: past it, "other".
const maxOperationNames = 200

// New registers every series, the Go runtime's and the process's included.
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{registry: r, names: map[string]bool{}}
	m.operations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vb365_graphql_operations_total", Help: "GraphQL operations by type, name and outcome (ok or error).",
	}, []string{"type", "operation", "outcome"})
	m.operationSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vb365_graphql_operation_duration_seconds", Help: "Time to answer a GraphQL operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"type", "operation"})
	m.upstreamCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vb365_upstream_requests_total", Help: "Calls to the VB365 REST API by server, route and HTTP status (0: no answer).",
	}, []string{"server", "route", "status"})
	m.upstreamSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vb365_upstream_request_duration_seconds", Help: "Time of one call to the VB365 REST API.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
	}, []string{"server", "route"})
	m.loaderBatch = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vb365_loader_batch_size", Help: "Keys per dataloader batch.",
		Buckets: []float64{1, 2, 3, 5, 10, 20, 50, 100, 200},
	}, []string{"loader"})
	m.tokenRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vb365_upstream_token_requests_total", Help: "Logins and token refreshes against /token, by server, grant and outcome.",
	}, []string{"server", "grant", "outcome"})
	m.actions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vb365_graphql_job_actions_total", Help: "Job actions (mutations) by mutation and outcome (done, repeated, forbidden, refused, failed).",
	}, []string{"mutation", "outcome"})
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vb365_graphql_refused_credentials_total", Help: "Requests and sockets refused for their credentials, by reason (missing: none, or a key that is not one; invalid: a token).",
	}, []string{"reason"})
	m.crossOrigin = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "vb365_graphql_cross_origin_refused_total", Help: "Requests from web pages of an origin --cors-origins does not list (logged at debug).",
	})
	r.MustRegister(m.operations, m.operationSeconds, m.upstreamCalls, m.upstreamSeconds, m.loaderBatch, m.tokenRequests, m.actions, m.refused, m.crossOrigin)
	return m
}

// WatchClient exports the client's sharing counters, breaker state and
// reachability, labelled with its server's name.
func (m *Metrics) WatchClient(c *upstream.Client) {
	stat := func(f func(upstream.SharingStats) float64) func() float64 {
		return func() float64 { return f(c.SharingStats()) }
	}
	server := prometheus.Labels{"server": c.Name()}
	m.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vb365_cache_hits_total", Help: "Upstream answers served from the cache.", ConstLabels: server},
			stat(func(s upstream.SharingStats) float64 { return float64(s.Hits) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vb365_cache_misses_total", Help: "Upstream answers fetched (not in the cache, or stale).", ConstLabels: server},
			stat(func(s upstream.SharingStats) float64 { return float64(s.Misses) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vb365_coalesced_requests_total", Help: "Upstream GETs that joined an identical one in flight.", ConstLabels: server},
			stat(func(s upstream.SharingStats) float64 { return float64(s.Coalesced) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vb365_cache_bytes", Help: "Bytes of upstream answers the cache holds.", ConstLabels: server},
			stat(func(s upstream.SharingStats) float64 { return float64(s.Bytes) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vb365_circuit_breaker_open", Help: "1 while the circuit breaker refuses upstream calls.", ConstLabels: server},
			func() float64 { return bit(c.BreakerOpen()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vb365_upstream_up", Help: "1 when the server answered the last call made to it; 0 when that call failed, or none was made yet.", ConstLabels: server},
			func() float64 { r := c.Reach(); return bit(r.Known && r.Up) }),
	)
}

// WatchLive exports how many live rounds (a server's sessions followed
// with one credential) this replica asks the upstream for.
func (m *Metrics) WatchLive(leading func() int64) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "vb365_graphql_live_rounds_leading",
		Help: "Live rounds (one server's sessions followed with one credential) for which this replica asks the upstream; with replicas sharing Redis, the others hear from it.",
	}, func() float64 { return float64(leading()) }))
}

// WatchRedis exports whether the replicas' shared Redis answers.
func (m *Metrics) WatchRedis(down func() bool) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "vb365_graphql_redis_up",
		Help: "1 while the Redis the replicas share answers; 0 while it cannot be reached and this replica goes on alone (its own cache, and its own upstream polls for its subscribers).",
	}, func() float64 { return bit(!down()) }))
}

// WatchBudget exports the memory the upstream answers in flight hold.
func (m *Metrics) WatchBudget(b *upstream.Budget) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "vb365_upstream_answer_bytes_in_flight",
		Help: "Memory reserved by the large upstream answers being read and decoded now (three times their size), over every server; its bound is --upstream-answer-bytes.",
	}, func() float64 { return float64(b.Reserved()) }))
}

// ForServer is the upstream.Observer of one server's client: its calls
// are counted under its name.
func (m *Metrics) ForServer(name string) upstream.Observer { return serverMetrics{m, name} }

type serverMetrics struct {
	m      *Metrics
	server string
}

// UpstreamCall records one call to the upstream.
func (s serverMetrics) UpstreamCall(route string, status int, d time.Duration) {
	s.m.upstreamCalls.WithLabelValues(s.server, route, strconv.Itoa(status)).Inc()
	s.m.upstreamSeconds.WithLabelValues(s.server, route).Observe(d.Seconds())
}

// TokenRequest records a login or refresh.
func (s serverMetrics) TokenRequest(grant string, ok bool) {
	outcome := "ok"
	if !ok {
		outcome = "error"
	}
	s.m.tokenRequests.WithLabelValues(s.server, grant, outcome).Inc()
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Operation records one GraphQL operation (graphqlhttp.Observer).
func (m *Metrics) Operation(kind, name string, ok bool, d time.Duration) {
	name = m.admit(name)
	outcome := "ok"
	if !ok {
		outcome = "error"
	}
	m.operations.WithLabelValues(kind, name, outcome).Inc()
	m.operationSeconds.WithLabelValues(kind, name).Observe(d.Seconds())
}

// Action counts one job action (graphqlhttp.Observer). Both labels come
// from fixed sets.
func (m *Metrics) Action(mutation, outcome string) {
	m.actions.WithLabelValues(mutation, outcome).Inc()
}

// Refused counts a request or socket refused for its credentials
// (graphqlhttp.Observer); the reason comes from a fixed set.
func (m *Metrics) Refused(reason string) { m.refused.WithLabelValues(reason).Inc() }

// CrossOriginRefused counts a request from a page of an origin not allowed.
func (m *Metrics) CrossOriginRefused() { m.crossOrigin.Inc() }

// LoaderBatch records the size of one dataloader batch (graphqlhttp.Observer).
func (m *Metrics) LoaderBatch(loader string, keys int) {
	m.loaderBatch.WithLabelValues(loader).Observe(float64(keys))
}

var tidyName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// admit keeps an operation name as a label value if it is a plain GraphQL
// name and fewer than maxOperationNames have been seen; otherwise "other".
func (m *Metrics) admit(name string) string {
	if name == "" {
		return "anonymous"
	}
	if !tidyName.MatchString(name) {
		return "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[name] {
		return name
	}
	if len(m.names) >= maxOperationNames {
		return "other"
	}
	m.names[name] = true
	return name
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
