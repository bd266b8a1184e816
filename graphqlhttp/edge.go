package graphqlhttp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rs/cors"

	"github.com/vb365-graphql/vb365-graphql/access"
	"github.com/vb365-graphql/vb365-graphql/graph"
)

// writeError answers with a GraphQL-shaped error, so that clients that only
// read GraphQL responses still get a message and a code.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]string{"code": code}}},
	})
}

// refuseUnauthenticated answers a request that brought no valid key or
// token, from its headers alone: its body, if any, is never read. Why a
// token was refused goes to the log (sampled), not to the client.
func refuseUnauthenticated(ctx context.Context, w http.ResponseWriter, err error, refused *refusals) {
	message := access.ErrNoCredentials.Error()
	if !errors.Is(err, access.ErrNoCredentials) {
		message = access.ErrInvalidToken.Error()
	}
	refused.note(ctx, err)
	w.Header().Set("WWW-Authenticate", `Bearer realm="vb365-graphql"`)
	w.Header().Set("Connection", "close")
	writeError(w, http.StatusUnauthorized, graph.CodeUnauthenticated, message)
}

// refusals counts refused credentials (the metric) and logs why a token was
// refused at most refusalLines times per refusalWindow, the first line after
// a quiet spell saying how many went unlogged: a bad token costs nothing to
// send, and a line for each would let anyone fill the log with text of their
// choosing (78,029 lines in 70 s were seen), while a few lines still tell an
// operator why real tokens fail.
type refusals struct {
	obs      Observer
	log      *slog.Logger
	mu       sync.Mutex
	window   time.Time // start of the current window
	lines    int       // written in it
	unlogged int
}

const (
	refusalWindow = 10 * time.Second
	refusalLines  = 10
)

// Reasons of a refusal, in the metric: no key or token, or a wrong key
// ("missing"); a token that is not valid ("invalid").
const (
	refusedMissing = "missing"
	refusedInvalid = "invalid"
)

func (r *refusals) note(ctx context.Context, err error) {
	if errors.Is(err, access.ErrNoCredentials) {
		r.obs.Refused(refusedMissing)
		return
	}
	r.obs.Refused(refusedInvalid)
	r.mu.Lock()
	if now := time.Now(); now.Sub(r.window) >= refusalWindow {
		r.window, r.lines = now, 0
	}
	if r.lines >= refusalLines {
		r.unlogged++
		r.mu.Unlock()
		return
	}
	r.lines++
	unlogged := r.unlogged
	r.unlogged = 0
	r.mu.Unlock()
	r.log.InfoContext(ctx, "refused a caller's token", "err", err, "refused_unlogged_before", unlogged)
}

// crossOrigin answers CORS for the allowed origins (none: no page of
// another origin may call), and counts, and logs at debug, each request from
// a page of an origin not allowed, so that an operator told "the portal
// cannot reach the gateway" can see why. A page of the gateway's own origin
// (the playground) is not a cross-origin request.
func crossOrigin(next http.Handler, origins []string, obs Observer, log *slog.Logger) http.Handler {
	var c *cors.Cors
	if len(origins) > 0 {
		c = cors.New(cors.Options{
			AllowedOrigins: origins,
			AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions},
			AllowedHeaders: []string{"Content-Type", "Accept", "Authorization", "X-API-Key", "Idempotency-Key"},
			MaxAge:         600,
		})
		next = c.Handler(next)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r) && (c == nil || !c.OriginAllowed(r)) {
			obs.CrossOriginRefused()
			log.DebugContext(r.Context(), "refused a cross-origin request: its origin is not in --cors-origins", "origin", origin, "method", r.Method)
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether origin is the gateway's own, as the request
// reached it.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
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

// isEventStream reports whether r asks for Server-Sent Events: a POST, or a
// GET with the operation in its query string (a browser's EventSource: the
// GraphQL-over-SSE "distinct connections" mode).
func isEventStream(r *http.Request) bool {
	return (r.Method == http.MethodPost || r.Method == http.MethodGet) && strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// singleConnectionHeader marks a request of graphql-sse's "single
// connection" mode, which reserves a stream with a PUT and then sends
// operations naming it.
const singleConnectionHeader = "X-GraphQL-Event-Stream-Token"

// isSingleConnectionSSE reports whether r is of that mode, which this
// gateway does not serve.
func isSingleConnectionSSE(r *http.Request) bool {
	return r.Method == http.MethodPut || r.Header.Get(singleConnectionHeader) != "" ||
		r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/event-stream") && r.URL.Query().Has("token")
}

// refuseSingleConnectionSSE tells a graphql-sse client in single connection
// mode which modes are served.
func refuseSingleConnectionSSE(w http.ResponseWriter) {
	w.Header().Set("Allow", "GET, POST, OPTIONS")
	writeError(w, http.StatusMethodNotAllowed, graph.CodeBadRequest,
		"graphql-sse's single connection mode is not served: use its distinct connections mode (createClient without singleConnection: "+
			"each operation its own POST or GET with Accept: text/event-stream), or graphql-ws over a WebSocket")
}

// readBody reads a request body into memory before anything parses it: one
// over max bytes is refused with 413, and one that has not arrived within
// timeout with 408, so that a client that stalls mid-body does not hold a
// connection. On refusal it has answered and returns false.
func readBody(w http.ResponseWriter, r *http.Request, max int64, timeout time.Duration) ([]byte, bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true
	}
	if r.ContentLength > max {
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusRequestEntityTooLarge, graph.CodeRequestTooLarge, "the request body is larger than allowed")
		return nil, false
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
		writeError(w, http.StatusRequestEntityTooLarge, graph.CodeRequestTooLarge, "the request body is larger than allowed")
	case errors.Is(err, os.ErrDeadlineExceeded):
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusRequestTimeout, graph.CodeBadRequest, "the request body did not arrive in time")
	case err != nil:
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusBadRequest, graph.CodeBadRequest, "the request body could not be read")
	default:
		return body, true
	}
	return nil, false
}
