package telemetry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestReadinessIsCachedAndTellsWhy(t *testing.T) {
	calls := 0
	var fail error
	h := Readiness(func(context.Context) error { calls++; return fail }, 50*time.Millisecond, func() string { return "" })
	probe := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code
	}
	if probe() != 200 || probe() != 200 || calls != 1 {
		t.Errorf("two probes: %d checks, want 1", calls)
	}
	fail = context.DeadlineExceeded
	time.Sleep(60 * time.Millisecond)
	if code := probe(); code != http.StatusServiceUnavailable || calls != 2 {
		t.Errorf("after the ttl: HTTP %d after %d checks", code, calls)
	}
}
