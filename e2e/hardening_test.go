package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/vb365-graphql/vb365-graphql/config"
	"github.com/vb365-graphql/vb365-graphql/internal/testenv"
)

// Attacks on the gateway over real HTTP (or a real WebSocket), as a review
// made them: who may call over which transport, what a request may hold,
// what shared work and revoked tokens may do.

const hardKey = "hk-5e1c0d9a77"

// keyed is a gateway in service-account mode with one API key (hardKey)
// and the settings given, over a simulator whose data requests rec records.
func keyed(rec *recorder, settings map[string]string) testenv.Options {
	env := map[string]string{"VB365_API_KEYS": hardKey}
	for k, v := range settings {
		env[k] = v
	}
	return testenv.Options{Wrap: rec.wrap, Env: env}
}

// TestEveryTransportNeedsTheKey: every transport sees a verified key; only a
// real WebSocket handshake passes without one, and then only to the WebSocket
// transport.
func TestEveryTransportNeedsTheKey(t *testing.T) {
	ru := newRecorder()
	g := testenv.Start(t, keyed(ru, nil))
	gw := g.URL
	id := g.Sim.SessionIDs()[3]
	query := `{ jobSession(id: "` + id + `") { id status } }`
	body := `{"query":` + strconvQuote(query) + `}`
	subscription := `{"query":"subscription { jobSessionUpdated(id: \"` + id + `\") { status } }"}`

	type attempt struct {
		name, method, path, body string
		headers                  map[string]string
	}
	handshake := map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"}
	with := func(extra map[string]string, more map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range extra {
			out[k] = v
		}
		for k, v := range more {
			out[k] = v
		}
		return out
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("operations", body)
	_ = mw.WriteField("map", "{}")
	_ = mw.Close()
	attempts := []attempt{
		{"POST JSON", "POST", "/graphql", body, map[string]string{"Content-Type": "application/json"}},
		{"GET", "GET", "/graphql?query=" + url.QueryEscape(query), "", nil},
		{"SSE", "POST", "/graphql", subscription, map[string]string{"Content-Type": "application/json", "Accept": "text/event-stream"}},
		{"SSE saying Upgrade: websocket", "POST", "/graphql", body, map[string]string{"Content-Type": "application/json", "Accept": "text/event-stream", "Upgrade": "websocket"}},
		{"SSE subscription saying Upgrade: websocket", "POST", "/graphql", subscription, map[string]string{"Content-Type": "application/json", "Accept": "text/event-stream", "Upgrade": "websocket"}},
		{"SSE with a whole handshake's headers on POST", "POST", "/graphql", body, with(handshake, map[string]string{"Content-Type": "application/json", "Accept": "text/event-stream"})},
		{"POST JSON with a handshake's headers", "POST", "/graphql", body, with(handshake, map[string]string{"Content-Type": "application/json"})},
		{"GET saying Upgrade: websocket", "GET", "/graphql?query=" + url.QueryEscape(query), "", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade"}},
		{"GET handshake of version 8", "GET", "/graphql?query=" + url.QueryEscape(query), "", with(handshake, map[string]string{"Sec-WebSocket-Version": "8"})},
		{"GET handshake without a key", "GET", "/graphql?query=" + url.QueryEscape(query), "", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}},
		{"multipart form", "POST", "/graphql", mp.String(), map[string]string{"Content-Type": mw.FormDataContentType()}},
		{"application/graphql", "POST", "/graphql", query, map[string]string{"Content-Type": "application/graphql"}},
		{"form", "POST", "/graphql", "query=" + url.QueryEscape(query), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
	}
	for _, a := range attempts {
		for _, cred := range []map[string]string{nil, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic " + hardKey}} {
			req, _ := http.NewRequest(a.method, gw+a.path, strings.NewReader(a.body))
			for k, v := range with(a.headers, cred) {
				req.Header.Set(k, v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			resp, err := http.DefaultClient.Do(req.WithContext(ctx))
			if err != nil {
				cancel()
				t.Errorf("%s %v: %v", a.name, cred, err)
				continue
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			cancel()
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(raw), `"code":"UNAUTHENTICATED"`) || strings.Contains(string(raw), `"status":"`) {
				t.Errorf("%s with %v: HTTP %d %.300s; want 401 UNAUTHENTICATED and no data", a.name, cred, resp.StatusCode, raw)
			}
		}
	}
	if n := ru.dataCalls(); n != 0 {
		t.Errorf("requests without a valid key made %d upstream calls", n)
	}

	// A real handshake passes, and the socket then needs the key in connection_init.
	ws := "ws" + strings.TrimPrefix(gw, "http") + "/graphql"
	for _, payload := range []string{`{}`, `{"X-API-Key":"wrong"}`, `{"Authorization":"Bearer wrong"}`} {
		code, _ := wsInit(t, ws, payload)
		if code != 4403 {
			t.Errorf("connection_init %s: close code %d, want 4403", payload, code)
		}
	}
	if n := ru.dataCalls(); n != 0 {
		t.Errorf("sockets without a valid key made %d upstream calls", n)
	}
	code, ack := wsInit(t, ws, `{"X-API-Key":"`+hardKey+`"}`)
	if !ack {
		t.Errorf("the right key in connection_init: closed with %d, want an ack", code)
	}
	// And the right key on each plain transport works.
	for _, a := range attempts[:3] {
		req, _ := http.NewRequest(a.method, gw+a.path, strings.NewReader(a.body))
		for k, v := range with(a.headers, map[string]string{"X-API-Key": hardKey}) {
			req.Header.Set(k, v)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body) // the SSE stream completes: the session has finished
		resp.Body.Close()
		cancel()
		if !strings.Contains(string(raw), `"status":"`) {
			t.Errorf("%s with the key: HTTP %d %.300s", a.name, resp.StatusCode, raw)
		}
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// wsInit opens a graphql-transport-ws socket, sends connection_init with
// payload, and reports the close code (0 if none within 3s) and whether the
// server acknowledged.
func wsInit(t *testing.T, url, payload string) (code int, acked bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":`+payload+`}`)); err != nil {
		t.Fatal(err)
	}
	for {
		_, msg, err := c.Read(ctx)
		if err != nil {
			return int(websocket.CloseStatus(err)), acked
		}
		if strings.Contains(string(msg), `"connection_ack"`) {
			return 0, true
		}
	}
}

// entitiesBody asks for n sessions by federation key.
func entitiesBody(ids []string, n int) string {
	reps := make([]map[string]any, n)
	for i := range reps {
		reps[i] = map[string]any{"__typename": "JobSession", "id": ids[i%len(ids)]}
	}
	b, _ := json.Marshal(map[string]any{
		"query":     `query($r: [_Any!]!) { _entities(representations: $r) { ... on JobSession { id status } } }`,
		"variables": map[string]any{"r": reps},
	})
	return string(b)
}

// TestEntitiesAreBoundedAndCounted: _entities counts each representation in
// the cost, is capped, and
// stops fanning out once the upstream refuses the caller.
func TestEntitiesAreBoundedAndCounted(t *testing.T) {
	testenv.LeakCheck(t)
	ru := newRecorder()
	gw := testenv.Start(t, testenv.Options{PassThrough: true, Wrap: ru.wrap, Env: map[string]string{"VB365_MAX_COMPLEXITY": "1000"}})
	ids := gw.Sim.SessionIDs()
	good := gw.Token(t)
	send := func(body, auth string) (int, string) {
		return postBody(t, gw.URL+"/graphql", body, map[string]string{"Authorization": auth})
	}

	// Over the cap (default 100): refused before any upstream call.
	big := entitiesBody(ids, 3000)
	_, out := send(big, good)
	if !strings.Contains(out, `"code":"COMPLEXITY_LIMIT_EXCEEDED"`) || ru.dataCalls() != 0 {
		t.Errorf("3000 representations (%d KB): %.300s, %d upstream calls; want refused with none", len(big)>>10, out, ru.dataCalls())
	}
	// Under the cap but over the cost: 60 representations of 2 fields each
	// and their wrappers cost more than 1000 only when each one counts.
	_, out = send(entitiesBody(ids, 60), good)
	if ru.dataCalls() != 60 || strings.Contains(out, `"errors"`) {
		t.Errorf("60 representations: %d calls, %.300s; want 60 calls and no errors", ru.dataCalls(), out)
	}
	ru.reset()
	heavy := strings.Replace(entitiesBody(ids[100:], 100), `{ id status }`, `{ id status progress details creationTime endTime retryCount statistics { transferredDataBytes processedObjects bottleneck } }`, 1)
	_, out = send(heavy, good)
	if !strings.Contains(out, `"code":"COMPLEXITY_LIMIT_EXCEEDED"`) || ru.dataCalls() != 0 {
		t.Errorf("100 representations of 12 fields each cost more than 1000: %.300s, %d calls", out, ru.dataCalls())
	}

	// A forged token: the batch stops at the first refusals.
	forged := "Bearer forged-0123456789"
	_, out = send(entitiesBody(ids[200:], 100), forged)
	refused := ru.of(forged)
	if !strings.Contains(out, `"UNAUTHENTICATED"`) || refused > 8 {
		t.Errorf("100 representations with a forged token made %d upstream calls (want at most the concurrency bound, 8): %.200s", refused, out)
	}
}

// TestWebSocketsDoNotLeak: sockets that never authenticate are closed and
// capped.
func TestWebSocketsDoNotLeak(t *testing.T) {
	testenv.LeakCheck(t)
	gw := testenv.Start(t, keyed(newRecorder(), map[string]string{"VB365_WS_INIT_TIMEOUT": "300ms", "VB365_MAX_PENDING_SOCKETS": "3"})).URL
	ws := "ws" + strings.TrimPrefix(gw, "http") + "/graphql"
	dial := func(ctx context.Context) *websocket.Conn {
		c, _, err := websocket.Dial(ctx, ws, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		return c
	}
	closedWithin := func(c *websocket.Conn, d time.Duration) (int, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return int(websocket.CloseStatus(err)), ctx.Err() == nil
			}
		}
	}

	for _, payload := range []string{`"x"`, `[1,2]`, `42`, `{"a":`} {
		c := dial(context.Background())
		_ = c.Write(context.Background(), websocket.MessageText, []byte(`{"type":"connection_init","payload":`+payload+`}`))
		if _, closed := closedWithin(c, 2*time.Second); !closed {
			t.Errorf("connection_init with payload %s: the server kept the socket open", payload)
		}
		c.CloseNow()
	}

	silent := dial(context.Background())
	if code, closed := closedWithin(silent, 2*time.Second); !closed || code != 4408 {
		t.Errorf("a socket that never sent connection_init: closed %v with %d; want closed after the init timeout with 4408", closed, code)
	}
	silent.CloseNow()

	// Three sockets wait for their init; a fourth is refused at once.
	var held []*websocket.Conn
	for range 3 {
		held = append(held, dial(context.Background()))
	}
	fourth := dial(context.Background())
	if code, closed := closedWithin(fourth, testenv.Bound(250*time.Millisecond)); !closed || code != 1013 {
		t.Errorf("a fourth unauthenticated socket: closed %v with %d; want refused at once with 1013", closed, code)
	}
	fourth.CloseNow()
	for _, c := range held {
		c.CloseNow()
	}
	time.Sleep(400 * time.Millisecond) // their init timeout frees the places
	if code, ack := wsInit(t, ws, `{"X-API-Key":"`+hardKey+`"}`); !ack {
		t.Errorf("after the others left, a socket with the key: closed with %d", code)
	}
}

// rawRequest writes head (and no more) on a new connection and returns the
// first line of the answer, or "" if none came within wait.
func rawRequest(t *testing.T, addr, head string, wait time.Duration) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(wait))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line)
}

// TestSlowBodiesDoNotHoldConnections: the key is checked from the headers
// before any body is read, and
// reading a body has a deadline.
func TestSlowBodiesDoNotHoldConnections(t *testing.T) {
	ru := newRecorder()
	g := testenv.Start(t, keyed(ru, map[string]string{"VB365_BODY_TIMEOUT": "300ms"}))
	gw := g.URL
	addr := strings.TrimPrefix(gw, "http://")
	stalled := func(extra string) string {
		return "POST /graphql HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n" + extra + "\r\n{\"query\":"
	}
	start := time.Now()
	if line := rawRequest(t, addr, stalled(""), time.Second); !strings.Contains(line, " 401 ") {
		t.Errorf("a keyless client with a stalled body: %q after %v; want 401 at once", line, time.Since(start))
	}
	start = time.Now()
	line := rawRequest(t, addr, stalled("X-API-Key: "+hardKey+"\r\n"), 2*time.Second)
	if !strings.Contains(line, " 408 ") || time.Since(start) > testenv.Bound(time.Second) {
		t.Errorf("a keyed client with a stalled body: %q after %v; want 408 after the 300ms body timeout", line, time.Since(start))
	}
	if n := ru.dataCalls(); n != 0 {
		t.Errorf("stalled bodies made %d upstream calls", n)
	}
}

// TestRevokedTokenStopsReadingTheCache: in pass-through mode, a credential
// the upstream has refused reads
// nothing more from the cache, and a cached answer is served only to a
// credential the upstream accepted within the check interval.
func TestRevokedTokenStopsReadingTheCache(t *testing.T) {
	for _, how := range []string{"after a 401", "after the check interval"} {
		t.Run(how, func(t *testing.T) {
			ru := newRecorder()
			gw := testenv.Start(t, testenv.Options{PassThrough: true, Wrap: ru.wrap, Env: map[string]string{"VB365_CREDENTIAL_CHECK_INTERVAL": "300ms"}})
			g := gw
			tok := map[string]string{"Authorization": gw.Token(t)}
			q := `query($id: ID!) { jobSession(id: $id) { id status } }`
			cachedID := g.Sim.SessionIDs()[30]
			if _, body := post(t, gw.URL+"/graphql", q, map[string]any{"id": cachedID}, tok); !strings.Contains(body, `"status":"`) {
				t.Fatalf("first read: %s", body)
			}
			before := ru.dataCalls()
			if _, body := post(t, gw.URL+"/graphql", q, map[string]any{"id": cachedID}, tok); !strings.Contains(body, `"status":"`) || ru.dataCalls() != before {
				t.Errorf("within the interval a finished session is served from the cache: %d calls, %s", ru.dataCalls()-before, body)
			}
			g.Sim.ExpireTokens() // the token is revoked upstream
			if how == "after a 401" {
				_, body := post(t, gw.URL+"/graphql", q, map[string]any{"id": g.Sim.SessionIDs()[31]}, tok)
				if !strings.Contains(body, "UNAUTHENTICATED") {
					t.Fatalf("an uncached session with a revoked token: %s", body)
				}
			} else {
				time.Sleep(400 * time.Millisecond)
			}
			_, body := post(t, gw.URL+"/graphql", q, map[string]any{"id": cachedID}, tok)
			if !strings.Contains(body, "UNAUTHENTICATED") || strings.Contains(body, `"status":"`) {
				t.Errorf("the revoked token still reads the cache: %s", body)
			}
		})
	}
}

// activeCount counts the handlers running now.
type activeCount struct{ n atomic.Int64 }

func (a *activeCount) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.n.Add(1)
		defer a.n.Add(-1)
		h.ServeHTTP(w, r)
	})
}

// TestSharedWorkOutlivesItsFirstCaller: work shared between requests does
// not run under one caller's
// context, and each waiter can leave.
func TestSharedWorkOutlivesItsFirstCaller(t *testing.T) {
	testenv.LeakCheck(t)
	var delay atomic.Int64
	delay.Store(int64(400 * time.Millisecond))
	var active activeCount
	env := newFaultEnv(t, faultOptions{timeout: 5 * time.Second, front: active.wrap, onAny: func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if shape(r) == "GET /jobsessions/{id}" {
			select {
			case <-time.After(time.Duration(delay.Load())):
			case <-r.Context().Done():
				return true
			}
		}
		return false
	}})
	q := `query($id: ID!) { jobSession(id: $id) { id status } }`
	send := func(ctx context.Context) (string, error) {
		body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"id": env.sim.SessionIDs()[5]}})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.gw.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		return string(raw), err
	}
	// The first caller leaves; the second, asking the same, gets its answer.
	first, leave := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer leave()
	go func() { _, _ = send(first) }()
	time.Sleep(30 * time.Millisecond)
	if out, err := send(context.Background()); err != nil || !strings.Contains(out, `"status":"`) || strings.Contains(out, "errors") {
		t.Errorf("the second caller, after the first left: %v %s", err, out)
	}

	// Both leave while the upstream hangs: neither handler stays behind.
	delay.Store(int64(3 * time.Second))
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
			defer cancel()
			_, _ = send(ctx)
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(testenv.Bound(300 * time.Millisecond))
	for active.n.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := active.n.Load(); n > 0 {
		t.Errorf("%d handlers still wait for shared work their callers left", n)
	}
}

// TestReadinessProbeThatGivesUp: a probe that gives up does not leave a
// false 503 behind.
func TestReadinessProbeThatGivesUp(t *testing.T) {
	var slow atomic.Bool
	slow.Store(true)
	env := newFaultEnv(t, faultOptions{version: 8, timeout: 5 * time.Second, onAny: func(w http.ResponseWriter, r *http.Request, _ int) bool {
		if shape(r) == "GET /jobs" && slow.Swap(false) {
			time.Sleep(500 * time.Millisecond)
		}
		return false
	}})
	gw := env.gw
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, gw.URL+"/readyz", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the first probe should have given up, got HTTP %d", resp.StatusCode)
	}
	time.Sleep(700 * time.Millisecond) // the check finishes on its own
	resp, err := http.Get(gw.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after a probe gave up, the next one got HTTP %d %s; want 200", resp.StatusCode, raw)
	}
}

// TestSubscriptionsWithSharingOff: with sharing off, a subscription still
// sees the session move, and
// each operation on one socket sees the upstream as it is then.
func TestSubscriptionsWithSharingOff(t *testing.T) {
	gw := testenv.Start(t, testenv.Options{Version: 8, Clock: fastClock(), Settings: func(s *config.Settings) { s.Cache.Share = false; s.Live.PollInterval = 100 * time.Millisecond }, Operators: true})
	sim := gw.Sim
	id := sim.LiveSessionIDs()[0]
	body := `{"query":"subscription($id: ID!) { jobSessionUpdated(id: $id) { id status progress endTime } }","variables":{"id":"` + id + `"}}`
	req, _ := http.NewRequest(http.MethodPost, gw.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	ctx, cancel := context.WithTimeout(context.Background(), testenv.Bound(10*time.Second))
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var events []liveEvent
	completed := false
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() == "event: complete" {
			completed = true
			break
		}
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok && data != "" {
			var msg struct {
				Data struct{ JobSessionUpdated liveEvent }
			}
			_ = json.Unmarshal([]byte(data), &msg)
			events = append(events, msg.Data.JobSessionUpdated)
		}
	}
	if !completed {
		t.Fatalf("with sharing off the subscription never completed: %d events", len(events))
	}
	checkFollow(t, events)
}

// TestUndecodableEventStreamBodiesAreLoggedAsABoundedExcerpt: an event-stream
// body that does not decode is answered BAD_REQUEST in a few bytes, and logged
// as a bounded excerpt: never the whole, nor what follows the first kilobyte.
func TestUndecodableEventStreamBodiesAreLoggedAsABoundedExcerpt(t *testing.T) {
	logs := &testenv.LogBuffer{}
	gw := testenv.Start(t, testenv.Options{Logs: logs, Env: jsonLogs(nil)})
	huge := `{"query": "` + strings.Repeat("A", 300<<10) + hardKey + `"` // never closed
	req, _ := http.NewRequest(http.MethodPost, gw.URL+"/graphql", strings.NewReader(huge))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(raw) > 2048 || !strings.Contains(string(raw), `"code":"BAD_REQUEST"`) {
		t.Errorf("answer of %d bytes: %.300s; want a short BAD_REQUEST", len(raw), raw)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if len(line) > 2048 || strings.Contains(line, hardKey) {
			t.Errorf("a log line of %d bytes: %.200s", len(line), line)
		}
	}
}

// TestThousandsOfFieldsAreRefusedBeforeValidation: a selection set of
// thousands of fields, written out or multiplied through fragments, is refused
// before validation (which is quadratic in them).
func TestThousandsOfFieldsAreRefusedBeforeValidation(t *testing.T) {
	gw := testenv.Start(t, testenv.Options{Version: 8, Operators: true})
	start := time.Now()
	_, body := post(t, gw.URL+"/graphql", "{ "+strings.Repeat("__typename ", 4990)+"}", nil, nil)
	elapsed := time.Since(start)
	if !strings.Contains(body, `"code":"COMPLEXITY_LIMIT_EXCEEDED"`) || elapsed > testenv.Bound(200*time.Millisecond) {
		t.Errorf("4990 fields answered in %v: %.200s; want refused within 200ms", elapsed, body)
	}
	frag := "query { ...F } fragment F on Query { " + strings.Repeat("a: __typename ", 30) + strings.Repeat("...G ", 200) + "} fragment G on Query { " + strings.Repeat("__typename ", 20) + "}"
	start = time.Now()
	_, body = post(t, gw.URL+"/graphql", frag, nil, nil)
	if !strings.Contains(body, `"code":"COMPLEXITY_LIMIT_EXCEEDED"`) || time.Since(start) > testenv.Bound(200*time.Millisecond) {
		t.Errorf("fields multiplied through fragments: %v %.200s", time.Since(start), body)
	}
}

// TestUpstreamRefusalsReachTheClientAsAFixedPhrase: an upstream 400 reaches
// the client as a fixed phrase: the upstream's own words, which name hosts,
// paths and accounts, go to the log only.
func TestUpstreamRefusalsReachTheClientAsAFixedPhrase(t *testing.T) {
	logs := &testenv.LogBuffer{}
	env := newFaultEnv(t, faultOptions{logs: logs, onJob: func(w http.ResponseWriter, r *http.Request, _ int) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"message":"Repository VBO-CORP-SRV01 at D:\\Backups for account corp\\svc-veeam is unavailable"}`)
		return true
	}})
	a := env.query(t, qDeep, map[string]any{"id": env.sim.SessionIDs()[9]})
	if strings.Contains(a.raw, "VBO-CORP") || strings.Contains(a.raw, "svc-veeam") || a.codes() != "jobSession.job=BAD_USER_INPUT" {
		t.Errorf("the answer: %s", a.raw)
	}
	if !strings.Contains(logs.String(), "VBO-CORP-SRV01") {
		t.Errorf("the upstream's text must be kept for the log: %s", logs.String())
	}
}

// TestBadClientInputIsBadUserInput: bad client input (dates, representations,
// forged cursors) is BAD_USER_INPUT, not an internal error, and is not logged
// as an error.
func TestBadClientInputIsBadUserInput(t *testing.T) {
	logs := &testenv.LogBuffer{}
	gw := testenv.Start(t, testenv.Options{Logs: logs, Env: jsonLogs(nil)})
	sim := gw.Sim
	for _, q := range []string{
		`{ jobSessions(createdBefore: "not a date") { totalCount } }`,
		`{ jobSessions(createdBefore: "10000-01-01T00:00:00Z") { totalCount } }`,
		`{ jobSessions(createdAfter: "2026-01-01T00:00:00+99:00") { totalCount } }`,
		`{ _entities(representations: [{__typename: "Tenant", id: "` + sim.SessionIDs()[0] + `"}]) { __typename } }`,
		`{ _entities(representations: [{__typename: "JobSession"}]) { __typename } }`,
		`{ jobSessions(first: 1, after: "` + encodeRawCursor("offset:9223372036854775807") + `") { totalCount } }`,
		`{ jobSessions(first: 1, after: "` + encodeRawCursor("offset:+5") + `") { totalCount } }`,
		`{ jobSessions(first: 1, after: "` + encodeRawCursor("offset:-0") + `") { totalCount } }`,
		`{ jobSessions(first: 1, after: "` + encodeRawCursor("offset:05") + `") { totalCount } }`,
	} {
		_, body := post(t, gw.URL+"/graphql", q, nil, nil)
		if !strings.Contains(body, `"code":"BAD_USER_INPUT"`) || strings.Contains(body, "INTERNAL") {
			t.Errorf("%s: %s", q, body)
		}
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("client mistakes were logged as errors: %s", logs.String())
	}
}

// TestAResponseCarriesABoundedNumberOfErrors: a response carries a bounded
// number of errors: 1,200 mistakes make a short answer.
func TestAResponseCarriesABoundedNumberOfErrors(t *testing.T) {
	gw := testenv.Start(t, testenv.Options{Version: 8, Operators: true})
	var q strings.Builder
	q.WriteString("{ jobs(first: 1) ")
	for i := range 1200 {
		fmt.Fprintf(&q, "@d%d ", i)
	}
	q.WriteString("{ totalCount } }")
	_, body := post(t, gw.URL+"/graphql", q.String(), nil, nil)
	if len(body) > 16<<10 || !strings.Contains(body, "more errors") {
		t.Errorf("1200 unknown directives: an answer of %d bytes: %.300s", len(body), body)
	}
}

// TestUnsupportedTransportsHaveACode: a request on a transport the gateway
// does not serve is answered with an error code, like any other.
func TestUnsupportedTransportsHaveACode(t *testing.T) {
	gw := testenv.Start(t, testenv.Options{Version: 8, Operators: true})
	for _, r := range []struct{ method, ct string }{{"PUT", "application/json"}, {"POST", "text/plain"}, {"DELETE", ""}} {
		req, _ := http.NewRequest(r.method, gw.URL+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		if r.ct != "" {
			req.Header.Set("Content-Type", r.ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(raw), `"extensions":{"code":"`) {
			t.Errorf("%s %s: HTTP %d %s", r.method, r.ct, resp.StatusCode, raw)
		}
	}
}

func encodeRawCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
