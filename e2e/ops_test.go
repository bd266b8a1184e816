package e2e

import (
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

func TestMetricsParseAndCarryTheSeries(t *testing.T) {
	gw := testenv.Start(t, testenv.Options{})
	sim := gw.Sim
	q := `query Recent { jobSessions(first: 20) { nodes { id status job { name } } } }`
	for range 3 { // the second and third are served whole from the operation cache
		post(t, gw.URL+"/graphql", q, nil, nil)
	}
	post(t, gw.URL+"/graphql", `query One($id: ID!) { jobSession(id: $id) { id log(first: 2) { nodes { usn } } } }`, map[string]any{"id": sim.SessionIDs()[10]}, nil) // filed under its own URL by the listing: a cache hit
	post(t, gw.URL+"/graphql", `query Missing { jobSession(id: "00000000-0000-0000-0000-000000000000") { id } }`, nil, nil)

	req, _ := http.NewRequest(http.MethodGet, gw.URL+"/metrics", nil)
	_, raw := send(t, req)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	has := func(name string, labels map[string]string, atLeast float64) {
		t.Helper()
		f := families[name]
		if f == nil {
			t.Errorf("no %s", name)
			return
		}
		for _, m := range f.Metric {
			if matches(m, labels) && value(m) >= atLeast {
				return
			}
		}
		t.Errorf("%s has no series %v with value >= %v", name, labels, atLeast)
	}
	has("vb365_graphql_operations_total", map[string]string{"type": "query", "operation": "Recent", "outcome": "ok"}, 3)
	has("vb365_graphql_operations_total", map[string]string{"operation": "Missing", "outcome": "error"}, 1)
	has("vb365_graphql_operation_duration_seconds", map[string]string{"operation": "One"}, 1)
	has("vb365_upstream_requests_total", map[string]string{"route": "GET /JobSessions", "status": "200"}, 1)
	has("vb365_upstream_requests_total", map[string]string{"route": "GET /JobSessions/{id}", "status": "404"}, 1)
	has("vb365_upstream_request_duration_seconds", map[string]string{"route": "GET /JobSessions/{id}/LogItems"}, 1)
	has("vb365_upstream_token_requests_total", map[string]string{"grant": "password", "outcome": "ok"}, 1)
	has("vb365_loader_batch_size", map[string]string{"loader": "jobs"}, 1)
	has("vb365_cache_hits_total", nil, 1)
	has("vb365_cache_misses_total", nil, 1)
	has("vb365_coalesced_requests_total", nil, 0)
	has("vb365_circuit_breaker_open", nil, 0)

	uuid := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-`)
	for name, f := range families {
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if uuid.MatchString(l.GetValue()) || strings.Contains(l.GetValue(), "Bearer") || strings.Contains(l.GetValue(), "demo") {
					t.Errorf("%s has a label %s=%q that carries an id or a credential", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}

func matches(m *dto.Metric, labels map[string]string) bool {
	for k, v := range labels {
		found := false
		for _, l := range m.Label {
			if l.GetName() == k && l.GetValue() == v {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

func TestReadinessAndRequestIDs(t *testing.T) {
	logs := &testenv.LogBuffer{}
	gw := testenv.Start(t, testenv.Options{Logs: logs, Env: jsonLogs(nil)})
	sim, up := gw.Sim, gw.Upstream
	resp, err := http.Get(gw.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz with the upstream up: HTTP %d", resp.StatusCode)
	}
	for range 3 {
		r, _ := http.Get(gw.URL + "/readyz")
		r.Body.Close()
	}
	if n := sim.Calls()["GET /Jobs"]; n != 1 {
		t.Errorf("4 probes within a few seconds reached the upstream %d times, want 1", n)
	}

	up.Close() // the upstream goes away: the query fails and is logged
	req, _ := http.NewRequest(http.MethodPost, gw.URL+"/graphql", strings.NewReader(`{"query":"{ jobSession(id: \"`+sim.SessionIDs()[40]+`\") { id } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "trace-me-42")
	if r, _ := send(t, req); r.Header.Get("X-Request-Id") != "trace-me-42" {
		t.Errorf("the answer's X-Request-Id is %q", r.Header.Get("X-Request-Id"))
	}
	if !strings.Contains(logs.String(), `"request_id":"trace-me-42"`) {
		t.Errorf("the log lines of the request lack its id:\n%s", logs.String())
	}
}

// TestDemoLogsAreClean: the binary in demo mode, started and stopped as an
// operator would (SIGTERM), writes a start-up line that says who may call in
// words (not a redacted "api_keys"), and with tracing off no OpenTelemetry
// complaint at shutdown; /schema.graphql answers.
func TestDemoLogsAreClean(t *testing.T) {
	addr := testenv.FreeAddr(t)
	cmd := exec.Command(gatewayBinary(t), "--listen", addr)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	testenv.WaitListening(t, addr)
	if status, body := get(t, "http://"+addr+"/schema.graphql"); status != http.StatusOK || !strings.Contains(body, "type JobSession implements Node") {
		t.Errorf("/schema.graphql: %d %.200s", status, body)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("the gateway did not stop cleanly: %v", err)
	}
	logs := out.String()
	if !strings.Contains(logs, `callers="anyone, as operator and restore-operator (demo)"`) {
		t.Errorf("the start-up line does not say who may call:\n%s", logs)
	}
	for _, noise := range []string{"REDACTED", "tracer provider", "internal_logging"} {
		if strings.Contains(logs, noise) {
			t.Errorf("the demo's log has %q:\n%s", noise, logs)
		}
	}
}
