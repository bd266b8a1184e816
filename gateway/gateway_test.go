package gateway_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/gateway"
	"github.com/vb365-graphql/vb365-graphql/graph"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
	"github.com/vb365-graphql/vb365-graphql/upstream"
	"github.com/vb365-graphql/vb365-graphql/upstream/vb365sim"
)

// TestAutoVersion: with --api-version auto (the default) the gateway asks
// each server for its newest version at start, and speaks it.
func TestAutoVersion(t *testing.T) {
	t.Parallel()
	for _, v := range []int{3, 6} {
		sim := vb365sim.New(vb365sim.Options{Version: v, Password: testenv.Secret})
		ts := httptest.NewServer(sim)
		user, password := sim.Credentials()
		env := map[string]string{"VB365_URL": ts.URL, "VB365_USERNAME": user, "VB365_PASSWORD": password, "VB365_ALLOW_ANONYMOUS": "true"}
		s, err := config.Load(nil, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		g, err := gateway.New(context.Background(), s, gateway.Options{})
		if err != nil || g.Clients[0].Version() != v {
			t.Errorf("a v%d server: %v", v, err)
		}
		if g != nil {
			g.Close(context.Background())
		}
		ts.Close()
	}
}

// TestTLSToASelfSignedUpstream uses a real TLS server with a certificate no
// system trusts: it works with the CA file, with a matching server-name
// override, or in insecure mode, and fails cleanly otherwise.
func TestTLSToASelfSignedUpstream(t *testing.T) {
	sim := vb365sim.New(vb365sim.Options{Version: 8, Anchor: testenv.Anchor, Now: func() time.Time { return testenv.Anchor }, Password: testenv.Secret})
	ts := httptest.NewTLSServer(sim)
	defer ts.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	user, pass := sim.Credentials()
	login := func(env map[string]string) error {
		env["VB365_URL"], env["VB365_USERNAME"], env["VB365_PASSWORD"], env["VB365_ALLOW_ANONYMOUS"] = ts.URL, user, pass, "true"
		env["VB365_API_VERSION"], env["VB365_RETRIES"] = "v8", "0"
		s, err := config.Load(nil, func(k string) string { return env[k] })
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		g, err := gateway.New(ctx, s, gateway.Options{})
		if err == nil {
			g.Close(ctx)
		}
		return err
	}
	if err := login(map[string]string{}); upstream.KindOf(err) != upstream.KindUnavailable {
		t.Errorf("no CA given: %v, want the certificate refused", err)
	}
	if err := login(map[string]string{"VB365_CA_FILE": caFile}); err != nil {
		t.Errorf("with the CA file: %v", err)
	}
	// httptest's certificate names example.com; a wrong expected name fails.
	if err := login(map[string]string{"VB365_CA_FILE": caFile, "VB365_TLS_SERVER_NAME": "example.com"}); err != nil {
		t.Errorf("with the right server name: %v", err)
	}
	if err := login(map[string]string{"VB365_CA_FILE": caFile, "VB365_TLS_SERVER_NAME": "vbo.other.example"}); err == nil {
		t.Error("a certificate for another name was accepted")
	}
	if err := login(map[string]string{"VB365_INSECURE_SKIP_VERIFY": "true"}); err != nil {
		t.Errorf("insecure mode: %v", err)
	}
	if err := login(map[string]string{"VB365_CA_FILE": "/nonexistent/ca.pem"}); err == nil || !strings.Contains(err.Error(), "ca-file") {
		t.Errorf("a missing CA file: %v, want an error naming ca-file", err)
	}
}

// TestExportSpoolOfItsOwn: without --export-dir a gateway keeps its exports
// in a directory of its own, removed when it closes; one a killed process
// left behind is removed when the next gateway starts.
func TestExportSpoolOfItsOwn(t *testing.T) {
	base := filepath.Join(os.TempDir(), "vb365-graphql-exports")
	orphan := filepath.Join(base, "999999999-left")
	if err := os.MkdirAll(orphan, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := config.Load(nil, func(string) string { return "" }) // demo mode
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(context.Background(), s, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	own, _ := filepath.Glob(filepath.Join(base, fmt.Sprintf("%d-*", os.Getpid())))
	if _, err := os.Stat(orphan); !os.IsNotExist(err) || len(own) == 0 {
		t.Errorf("the orphan: %v; this gateway's: %v", err, own)
	}
	g.Close(context.Background())
	if left, _ := filepath.Glob(filepath.Join(base, fmt.Sprintf("%d-*", os.Getpid()))); len(left) >= len(own) {
		t.Errorf("left after close: %v", left)
	}
}

// TestSchemaFile: /schema.graphql is the client schema, for those who may
// ask /graphql (401 without a key where keys are set), revalidated by its
// ETag, gzipped for who asks; with introspection off it is not served.
func TestSchemaFile(t *testing.T) {
	g := testenv.Start(t, testenv.Options{Env: map[string]string{"VB365_API_KEYS": "k3y-schema"}})
	get := func(url string, headers ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultTransport.RoundTrip(req) // as sent: no transparent gzip
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, _ := get(g.URL + "/schema.graphql"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a key: HTTP %d, want 401", resp.StatusCode)
	}
	resp, body := get(g.URL+"/schema.graphql", "X-API-Key", "k3y-schema")
	if resp.StatusCode != http.StatusOK || body != graph.ClientSchema() || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("with a key: HTTP %d %s, %d bytes, want the client schema's %d", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(graph.ClientSchema()))
	}
	if again, _ := get(g.URL+"/schema.graphql", "X-API-Key", "k3y-schema", "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
		t.Errorf("revalidated by its ETag: HTTP %d, want 304", again.StatusCode)
	}
	if zipped, _ := get(g.URL+"/schema.graphql", "X-API-Key", "k3y-schema", "Accept-Encoding", "gzip, deflate, br, zstd"); zipped.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("offered Node's encodings: %q, want gzip", zipped.Header.Get("Content-Encoding"))
	}

	off := testenv.Start(t, testenv.Options{Env: map[string]string{"VB365_INTROSPECTION": "false"}})
	if resp, body := get(off.URL + "/schema.graphql"); resp.StatusCode == http.StatusOK && strings.Contains(body, "type Job") {
		t.Errorf("with introspection off, /schema.graphql is served")
	}
}
