package graphqlhttp

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vb365-graphql/vb365-graphql/access"
)

// WebSocket close codes of graphql-transport-ws and RFC 6455 that the
// guards below use.
const (
	closeBadInit     = 4400 // Bad request: connection_init was not acceptable
	closeForbidden   = 4403 // Forbidden: no valid credentials in connection_init
	closeInitTimeout = 4408 // Connection initialisation timeout
	closeTryLater    = 1013 // Try Again Later: too many sockets wait for their init
)

// sockets is gqlgen's WebSocket transport with the guards it lacks. When
// callers must prove who they are, a socket whose handshake carried no
// valid key or token must send one in its connection_init (browsers cannot
// set headers on a WebSocket), or it is closed with 4403; a token's socket
// is closed with 4403 when the token expires. A socket must send an acceptable connection_init within
// initTimeout, or it is closed with 4408; a socket whose init fails is closed
// (gqlgen leaves one whose payload is not an object open); and at most
// maxPending sockets may wait for their init at once, so that clients that
// never authenticate cannot hold connections without bound: past that, a new
// socket is closed at once with 1013.
type sockets struct {
	ws          transport.Websocket
	originHosts []string // of the origins whose pages may open a socket, besides the gateway's own
	gate        *access.Gate
	initTimeout time.Duration
	pending     chan struct{}
	refused     *refusals
}

func newSockets(gate *access.Gate, initTimeout time.Duration, maxPending int, refused *refusals, corsOrigins []string) *sockets {
	// A browser's socket from a page of another origin is accepted only from
	// the origins CORS allows (the socket's own check knows hosts, not URLs).
	var hosts []string
	for _, origin := range corsOrigins {
		if origin == "*" {
			hosts = append(hosts, "*")
		} else if u, err := url.Parse(origin); err == nil && u.Host != "" {
			hosts = append(hosts, u.Host)
		}
	}
	return &sockets{ws: transport.Websocket{KeepAlivePingInterval: 15 * time.Second}, originHosts: hosts, gate: gate,
		initTimeout: initTimeout, pending: make(chan struct{}, maxPending), refused: refused}
}

// errNoKey refuses a socket's connection_init without a valid API key or token.
var errNoKey = errors.New("an API key or access token is required: send it in connection_init as X-API-Key or Authorization")

// callerKey holds, in the context gqlgen's WebSocket transport gives every
// operation of a socket, who the socket is from (the transport's InitFunc
// hands on nothing else).
type callerKey struct{}

// socketCaller is who a socket's operation comes from.
func socketCaller(ctx context.Context) access.Caller {
	c, _ := ctx.Value(callerKey{}).(access.Caller)
	return c
}

// Do serves one socket until it closes.
func (s *sockets) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	// The handshake's own headers, when they prove who the socket is from.
	byHeaders, headersErr := s.gate.Identify(r.Context(), r.Header.Get(apiKeyHeader), r.Header.Get("Authorization"))
	select {
	case s.pending <- struct{}{}:
	default:
		refuse(w, r)
		return
	}
	var leave sync.Once
	leavePending := func() { leave.Do(func() { <-s.pending }) }
	defer leavePending()

	var (
		mu       sync.Mutex
		conn     transport.WebsocketConn
		deadline *time.Timer
		expiry   *time.Timer // a token's end
		accepted atomic.Bool // connection_init passed
	)
	t := s.ws
	t.Implementation = acceptFunc(func(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
		c, err := transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{OriginPatterns: s.originHosts}}.Accept(w, r, o)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		conn = c
		deadline = time.AfterFunc(s.initTimeout, func() { _ = c.WriteClose(closeInitTimeout, "Connection initialisation timeout") })
		mu.Unlock()
		return c, nil
	})
	t.InitFunc = func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		caller, err := byHeaders, headersErr
		if err != nil || p.GetString("X-API-Key") != "" || p.Authorization() != "" {
			caller, err = s.gate.Identify(ctx, p.GetString("X-API-Key"), p.Authorization())
		}
		if err != nil {
			s.refused.note(ctx, err)
			// graphql-transport-ws clients report 4403 and do not retry.
			return transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, errNoKey.Error()), closeForbidden), nil, errNoKey
		}
		mu.Lock()
		deadline.Stop()
		if !caller.Expires.IsZero() {
			c := conn
			expiry = time.AfterFunc(time.Until(caller.Expires), func() { _ = c.WriteClose(closeForbidden, "the access token has expired") })
		}
		mu.Unlock()
		accepted.Store(true)
		leavePending()
		return withSocketSubscriptions(context.WithValue(ctx, callerKey{}, caller)), nil, nil
	}
	t.Do(w, r, exec)

	mu.Lock()
	defer mu.Unlock()
	if conn == nil {
		return
	}
	deadline.Stop()
	if expiry != nil {
		expiry.Stop()
	}
	if !accepted.Load() {
		_ = conn.WriteClose(closeBadInit, "connection_init was not acceptable")
	}
	_ = conn.Close()
}

// refuse completes the handshake only to close the socket with 1013, which
// clients understand as "try again later".
func refuse(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"graphql-transport-ws", "graphql-ws"}})
	if err != nil {
		return
	}
	_ = c.Close(closeTryLater, "too many connections are waiting to authenticate; try again later")
}

type acceptFunc func(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error)

func (f acceptFunc) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	return f(w, r, o)
}
