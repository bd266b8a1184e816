// Package gateway holds the HTTP front of the service: who may call it
// (API keys), how much a request may send and how long it may take, and a
// logger that never writes a secret.
package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// WriteError answers with a GraphQL-shaped error, so that clients that only
// read GraphQL responses still get a message and a code.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]string{"code": code}}},
	})
}

// APIKeys checks a client's key. Keys are kept as SHA-256 digests and
// compared in constant time.
type APIKeys struct{ digests [][32]byte }

// NewAPIKeys takes the accepted keys; empty entries are ignored.
func NewAPIKeys(keys []string) *APIKeys {
	k := &APIKeys{}
	for _, key := range keys {
		if key = strings.TrimSpace(key); key != "" {
			k.digests = append(k.digests, sha256.Sum256([]byte(key)))
		}
	}
	return k
}

func (k *APIKeys) valid(key string) bool {
	d := sha256.Sum256([]byte(key))
	ok := 0
	for _, want := range k.digests {
		ok |= subtle.ConstantTimeCompare(d[:], want[:])
	}
	return key != "" && ok == 1
}

// Require lets through only requests with a valid key, sent as
// "X-API-Key: KEY" or "Authorization: Bearer KEY", and checks it from the
// headers alone, before any body is read. The one exception is a complete
// WebSocket opening handshake: browsers cannot set headers on a WebSocket,
// so its connection_init payload must carry the key instead (CheckInit), and
// the GraphQL handler gives a handshake to the WebSocket transport only.
func (k *APIKeys) Require(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("X-API-Key")
		if key == "" {
			key, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		valid := k.valid(key)
		if !valid && !IsWebSocketHandshake(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vb365-graphql"`)
			w.Header().Set("Connection", "close") // any body it sent is not read
			WriteError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "an API key is required: send it as X-API-Key or Authorization: Bearer")
			return
		}
		// The key is ours, not the upstream's: it must not travel further.
		r.Header.Del("Authorization")
		r.Header.Del("X-API-Key")
		ctx := context.WithValue(r.Context(), keyVerified{}, valid)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type keyVerified struct{}

// CheckInit accepts a WebSocket whose upgrade request carried a valid key,
// or whose connection_init payload does ("X-API-Key", or "Authorization":
// "Bearer KEY").
func (k *APIKeys) CheckInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	if ok, _ := ctx.Value(keyVerified{}).(bool); ok {
		return ctx, nil
	}
	key, _ := payload["X-API-Key"].(string)
	if key == "" {
		auth, _ := payload["Authorization"].(string)
		key, _ = strings.CutPrefix(auth, "Bearer ")
	}
	if !k.valid(key) {
		return ctx, errors.New("an API key is required: send it in connection_init as X-API-Key")
	}
	return context.WithValue(ctx, keyVerified{}, true), nil
}

// IsWebSocketHandshake reports whether r is a complete WebSocket opening
// handshake (RFC 6455, 4.1): a GET with Connection: Upgrade, Upgrade:
// websocket, a 16-byte Sec-WebSocket-Key and version 13. A request that only
// says "Upgrade: websocket" is not one.
func IsWebSocketHandshake(r *http.Request) bool {
	if r.Method != http.MethodGet || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") ||
		r.Header.Get("Sec-WebSocket-Version") != "13" || !hasToken(r.Header.Values("Connection"), "upgrade") {
		return false
	}
	nonce, err := base64.StdEncoding.DecodeString(r.Header.Get("Sec-WebSocket-Key"))
	return err == nil && len(nonce) == 16
}

// hasToken reports whether a comma-separated header holds token.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// IsStream reports whether a request opens a long-lived stream (WebSocket or
// Server-Sent Events), which per-request limits must not cut.
func IsStream(r *http.Request) bool {
	return IsWebSocketHandshake(r) || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// Codes of the answers this package writes itself.
const (
	CodeRequestTooLarge = "REQUEST_TOO_LARGE"
	CodeBadRequest      = "BAD_REQUEST"
)

// LimitBody reads the request body into memory before anything parses it:
// a body over max bytes is refused with 413, and one that has not arrived
// within timeout with 408, so that a client that stalls mid-body does not
// hold a connection. The body it passes on also offers Bytes(), so that later
// handlers need not copy it again.
func LimitBody(max int64, timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > max {
			w.Header().Set("Connection", "close")
			WriteError(w, http.StatusRequestEntityTooLarge, CodeRequestTooLarge, "the request body is larger than allowed")
			return
		}
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(timeout))
		var body []byte
		var err error
		if r.ContentLength > 0 {
			body = make([]byte, r.ContentLength)
			_, err = io.ReadFull(r.Body, body)
		} else {
			body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		}
		_ = rc.SetReadDeadline(time.Time{})
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			WriteError(w, http.StatusRequestEntityTooLarge, CodeRequestTooLarge, "the request body is larger than allowed")
			return
		case errors.Is(err, os.ErrDeadlineExceeded):
			w.Header().Set("Connection", "close")
			WriteError(w, http.StatusRequestTimeout, CodeBadRequest, "the request body did not arrive in time")
			return
		case err != nil:
			w.Header().Set("Connection", "close")
			WriteError(w, http.StatusBadRequest, CodeBadRequest, "the request body could not be read")
			return
		}
		r.Body = &readBody{Reader: bytes.NewReader(body), body: body}
		next.ServeHTTP(w, r)
	})
}

// readBody is a request body already read into memory.
type readBody struct {
	*bytes.Reader
	body []byte
}

func (b *readBody) Close() error { return nil }

// Bytes returns the whole body.
func (b *readBody) Bytes() []byte { return b.body }
