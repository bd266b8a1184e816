package e2e

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

type span struct{ name, trace, id, parent string }

// otlpReceiver is an in-process OTLP/HTTP collector that keeps the spans.
type otlpReceiver struct {
	mu    sync.Mutex
	spans []span
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				o.spans = append(o.spans, span{s.Name, hex.EncodeToString(s.TraceId), hex.EncodeToString(s.SpanId), hex.EncodeToString(s.ParentSpanId)})
			}
		}
	}
	o.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// TestTracesReachAnOTLPReceiver: an operation that continues the caller's
// trace, its resolvers beneath it, the upstream calls beneath those, and the
// trace context passed on to the upstream.
func TestTracesReachAnOTLPReceiver(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	defer collector.Close()
	var seen sync.Map // traceparent headers the upstream received
	gw := testenv.Start(t, testenv.Options{Env: map[string]string{"VB365_OTLP_ENDPOINT": collector.URL}, Wrap: func(sim http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tp := r.Header.Get("Traceparent"); tp != "" {
				seen.Store(tp, true)
			}
			sim.ServeHTTP(w, r)
		})
	}})
	sim := gw.Sim

	const callerTrace, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	_, body := post(t, gw.URL+"/graphql", `query Deep($id: ID!) { jobSession(id: $id) { id job { name } log(first: 2) { nodes { usn } } } }`,
		map[string]any{"id": sim.SessionIDs()[5]}, map[string]string{"Traceparent": "00-" + callerTrace + "-" + callerSpan + "-01"})
	if !strings.Contains(body, `"usn":1`) {
		t.Fatalf("query: %s", body)
	}
	gw.Close() // stops tracing, which flushes

	recv.mu.Lock()
	defer recv.mu.Unlock()
	byID := map[string]span{}
	for _, s := range recv.spans {
		byID[s.id] = s
		if s.trace != callerTrace {
			t.Errorf("span %q is in trace %s, not the caller's", s.name, s.trace)
		}
	}
	var op span
	var resolvers, calls []span
	for _, s := range recv.spans {
		switch {
		case s.name == "graphql.query":
			op = s
		case strings.HasPrefix(s.name, "resolve "):
			resolvers = append(resolvers, s)
		case strings.HasPrefix(s.name, "GET "):
			calls = append(calls, s)
		}
	}
	if op.parent != callerSpan {
		t.Errorf("the operation span's parent is %q, want the caller's span", op.parent)
	}
	if len(resolvers) < 3 || len(calls) != 3 {
		t.Fatalf("%d resolver spans and %d upstream spans, want 3+ and 3: %+v", len(resolvers), len(calls), recv.spans)
	}
	for _, r := range resolvers {
		if r.parent != op.id && !strings.HasPrefix(byID[r.parent].name, "resolve ") {
			t.Errorf("resolver span %q hangs under %q, not the operation", r.name, byID[r.parent].name)
		}
	}
	for _, c := range calls {
		if !strings.HasPrefix(byID[c.parent].name, "resolve ") {
			t.Errorf("upstream span %q hangs under %q, not a resolver", c.name, byID[c.parent].name)
		}
		want := "00-" + callerTrace + "-" + c.id + "-01"
		if _, ok := seen.Load(want); !ok {
			t.Errorf("the upstream never received traceparent %s", want)
		}
	}
}
