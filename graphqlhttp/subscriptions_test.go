package graphqlhttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// wsClient speaks graphql-transport-ws to the gateway.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialGraphQLWS(t *testing.T, g *testenv.Gateway) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(g.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	c := &wsClient{t, conn}
	c.send(map[string]any{"type": "connection_init", "payload": map[string]any{}})
	if m := c.read(); m.Type != "connection_ack" {
		t.Fatalf("no connection_ack: %+v", m)
	}
	return c
}

type wsMessage struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

func (c *wsClient) send(m map[string]any) {
	b, _ := json.Marshal(m)
	if err := c.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *wsClient) read() wsMessage {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, b, err := c.conn.Read(ctx)
		if err != nil {
			c.t.Fatalf("reading the socket: %v", err)
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatal(err)
		}
		if m.Type != "ping" && m.Type != "pong" {
			return m
		}
	}
}

func (c *wsClient) subscribe(id, sessionID string) {
	c.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{
		"query": `subscription($id: ID!) { jobSessionUpdated(id: $id) { id status } }`, "variables": map[string]any{"id": sessionID}}})
}

// first reads until the first message of subscription id: its first event
// ("data"), or an error ("refused" for the caps, else the error's code).
func (c *wsClient) first(id string) string {
	for {
		m := c.read()
		if m.ID != id {
			continue
		}
		return outcomeOf(m)
	}
}

func outcomeOf(m wsMessage) string {
	var r struct {
		Data   json.RawMessage
		Errors []testenv.Error
	}
	if m.Type == "error" {
		_ = json.Unmarshal(m.Payload, &r.Errors)
	} else {
		_ = json.Unmarshal(m.Payload, &r)
	}
	switch {
	case len(r.Errors) > 0 && strings.Contains(r.Errors[0].Message, "subscriptions open"):
		return "refused"
	case len(r.Errors) > 0:
		return fmt.Sprint(r.Errors[0].Extensions["code"])
	case m.Type == "next" && len(r.Data) > 0 && string(r.Data) != "null":
		return "data"
	}
	return m.Type + " " + string(m.Payload)
}

// TestSubscriptionsAreCapped: one socket cannot open subscriptions without
// bound (2,000 subscribe messages to random ids once made 2,000 upstream
// calls in 4 s): past the cap per socket, and per caller over all its
// sockets, a subscription is refused before it costs an upstream call.
func TestSubscriptionsAreCapped(t *testing.T) {
	g := testenv.Start(t, testenv.Options{Version: 8, Unshared: true, Latency: 500 * time.Millisecond}) // 100 a socket
	c := dialGraphQLWS(t, g)
	g.Sim.ResetCalls()
	const burst = 2000
	for i := range burst {
		c.subscribe(fmt.Sprint(i), fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
	}
	outcomes := map[string]int{}
	for ended := 0; ended < burst; {
		m := c.read()
		switch m.Type {
		case "next", "error":
			outcomes[outcomeOf(m)]++
		}
		if m.Type == "complete" || m.Type == "error" {
			ended++
		}
	}
	calls := g.Sim.Calls()["GET /JobSessions/{id}"] // besides: the event feed, read once the first subscription starts
	t.Logf("%d subscribe messages to random ids on one socket: %v, %d reads of a session", burst, outcomes, calls)
	if outcomes["refused"] < burst/2 || outcomes["refused"]+outcomes["NOT_FOUND"] != burst || calls != outcomes["NOT_FOUND"] {
		t.Errorf("%d subscribes: %v and %d upstream calls; want most refused, each other one call", burst, outcomes, calls)
	}

	// Per caller, over sockets: 5 a socket, 8 a caller.
	g = testenv.Start(t, testenv.Options{Env: map[string]string{"VB365_MAX_SUBSCRIPTIONS_PER_SOCKET": "5", "VB365_MAX_SUBSCRIPTIONS_PER_CALLER": "8"}})
	live := g.Sim.LiveSessionIDs()[0]
	a, b := dialGraphQLWS(t, g), dialGraphQLWS(t, g)
	var got []string
	for i := range 6 {
		a.subscribe(fmt.Sprint("a", i), live)
		got = append(got, a.first(fmt.Sprint("a", i)))
	}
	for i := range 5 {
		b.subscribe(fmt.Sprint("b", i), live)
		got = append(got, b.first(fmt.Sprint("b", i)))
	}
	if want := "data data data data data refused data data data refused refused"; strings.Join(got, " ") != want {
		t.Errorf("6 on one socket, then 5 on another:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	// Completing two on the first socket frees two places for the caller.
	a.send(map[string]any{"id": "a0", "type": "complete"})
	a.send(map[string]any{"id": "a1", "type": "complete"})
	deadline := time.Now().Add(5 * time.Second)
	for freed := 0; freed < 2; {
		id := fmt.Sprint("b-again-", freed, time.Now().UnixNano())
		b.subscribe(id, live)
		switch got := b.first(id); {
		case got == "data":
			freed++
		case time.Now().After(deadline):
			t.Fatalf("after two completed, a new subscription is still %s", got)
		}
	}
}

// TestSubscribersShareOneExecution: 60 subscribers over three sockets with
// one document and one access are one execution: each event resolves the
// session's job once (one upstream GET with nothing shared between
// operations), not once per subscriber, and every subscriber gets it.
func TestSubscribersShareOneExecution(t *testing.T) {
	clock := testenv.NewClock()
	g := testenv.Start(t, testenv.Options{Version: 6, Unshared: true, Clock: clock.Now,
		Settings: func(s *config.Settings) { s.Live.PollInterval = 100 * time.Millisecond }})
	session := g.Sim.LiveSessionIDs()[0]
	query := `subscription($id: ID!) { jobSessionUpdated(id: $id) { progress job { name } } }`
	var sockets []*wsClient
	for range 3 {
		c := dialGraphQLWS(t, g)
		for i := range 20 {
			c.send(map[string]any{"id": fmt.Sprint(i), "type": "subscribe", "payload": map[string]any{"query": query, "variables": map[string]any{"id": session}}})
		}
		sockets = append(sockets, c)
	}
	next := func(what string) {
		t.Helper()
		for _, c := range sockets {
			for range 20 {
				if m := c.read(); m.Type != "next" || !strings.Contains(string(m.Payload), `"job":{"name"`) {
					t.Fatalf("%s: %s %s", what, m.Type, m.Payload)
				}
			}
		}
	}
	next("the first state")
	first := g.Sim.Calls()
	g.Sim.ResetCalls()
	clock.Add(2 * time.Minute)
	next("the next state")
	then := g.Sim.Calls()
	t.Logf("60 subscribers: the first state cost %d session reads and %d job reads; the next %d and %d",
		first["GET /JobSessions/{id}"], first["GET /Jobs/{id}"], then["GET /JobSessions/{id}"], then["GET /Jobs/{id}"])
	if first["GET /Jobs/{id}"] != 1 || then["GET /Jobs/{id}"] != 1 {
		t.Errorf("the job was read %d times for the first state and %d for the next; want once each: one execution for all", first["GET /Jobs/{id}"], then["GET /Jobs/{id}"])
	}
}
