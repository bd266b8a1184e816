package upstream_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestDetectVersion: each server's newest version, found without credentials.
func TestDetectVersion(t *testing.T) {
	for _, v := range []int{3, 5, 6, 8} {
		srv := httptest.NewServer(vb365sim.New(vb365sim.Options{Version: v}))
		got, err := upstream.DetectVersion(context.Background(), srv.URL, nil)
		srv.Close()
		if err != nil || got != v {
			t.Errorf("a v%d server: found v%d (%v)", v, got, err)
		}
	}
	if _, err := upstream.DetectVersion(context.Background(), "http://127.0.0.1:1", nil); err == nil {
		t.Error("an unreachable server gave a version")
	}
}
