package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"net/http"
	"strings"
	"testing"

	"github.com/vb365-graphql/vb365-graphql/config"
)

func TestCORSCompressionAndPersistedQueries(t *testing.T) {
	gw := testenv.Start(t, testenv.Options{Version: 8, Settings: func(s *config.Settings) { s.Listen.CORSOrigins = []string{"https://dash.example"} }, Operators: true})

	// CORS: the configured origin may call, others get no CORS headers.
	for origin, allowed := range map[string]bool{"https://dash.example": true, "https://evil.example": false} {
		req, _ := http.NewRequest(http.MethodOptions, gw.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-api-key")
		resp, _ := send(t, req)
		got := resp.Header.Get("Access-Control-Allow-Origin")
		if allowed != (got == origin) || (!allowed && got != "") {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin %q", origin, got)
		}
	}

	// Compression: a large answer is gzipped for clients that accept it.
	body := `{"query":"{ jobSessions(first: 100) { nodes { id status details } } }"}`
	req, _ := http.NewRequest(http.MethodPost, gw.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("a large answer was not compressed: %v", resp.Header)
	}

	// Automatic persisted queries: the hash alone works once the query is known.
	const q = `{ jobs(first: 1) { totalCount } }`
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(q)}}
	send := func(payload map[string]any) string {
		b, _ := json.Marshal(payload)
		resp, err := http.Post(gw.URL+"/graphql", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		_, _ = out.ReadFrom(resp.Body)
		return out.String()
	}
	if got := send(map[string]any{"extensions": ext}); !strings.Contains(got, "PersistedQueryNotFound") {
		t.Errorf("an unknown hash: %s", got)
	}
	if got := send(map[string]any{"query": q, "extensions": ext}); !strings.Contains(got, `"totalCount"`) {
		t.Errorf("registering: %s", got)
	}
	if got := send(map[string]any{"extensions": ext}); !strings.Contains(got, `"totalCount"`) {
		t.Errorf("by hash alone: %s", got)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
