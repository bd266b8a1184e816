package graphqlhttp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReadBody(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		size   int
		status int
	}{{100, http.StatusOK}, {101, http.StatusRequestEntityTooLarge}} {
		rec := httptest.NewRecorder()
		body, ok := readBody(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(strings.Repeat("x", c.size))), 100, time.Second)
		if ok != (c.status == http.StatusOK) || (ok && len(body) != c.size) || (!ok && rec.Code != c.status) {
			t.Errorf("a body of %d bytes: ok %v, %d bytes, HTTP %d %s", c.size, ok, len(body), rec.Code, rec.Body)
		}
	}
}

func TestWebSocketHandshakeIsWhole(t *testing.T) {
	t.Parallel()
	whole := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
		r.Header.Set("Connection", "keep-alive, Upgrade")
		r.Header.Set("Upgrade", "websocket")
		r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		r.Header.Set("Sec-WebSocket-Version", "13")
		return r
	}
	if !IsWebSocketHandshake(whole()) {
		t.Error("a whole handshake was not recognised")
	}
	for name, spoil := range map[string]func(*http.Request){
		"POST":        func(r *http.Request) { r.Method = http.MethodPost },
		"no key":      func(r *http.Request) { r.Header.Del("Sec-WebSocket-Key") },
		"short key":   func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "c2hvcnQ=") },
		"version 8":   func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", "8") },
		"no upgrade":  func(r *http.Request) { r.Header.Set("Connection", "keep-alive") },
		"not websock": func(r *http.Request) { r.Header.Set("Upgrade", "h2c") },
	} {
		r := whole()
		spoil(r)
		if IsWebSocketHandshake(r) {
			t.Errorf("%s: taken for a handshake", name)
		}
	}
}
